//! Single-use links mailed to people (a citizen's address confirmation and password reset, a
//! staff account's activation and reset): the link carries a random token, the store keeps only
//! its SHA-256, so a copy of the store opens nothing.

use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::{Digest, Sha256};

/// A new token (43 characters, 256 bits) and the hash to store.
pub fn new_token() -> (String, String) {
    let token: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(43)
        .map(char::from)
        .collect();
    let hash = token_hash(&token);
    (token, hash)
}

/// What is stored of a token, and what a token from a link is looked up by.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_a, token_hash(&a));
        assert_ne!(hash_a, a);
    }
}
