//! Searching lists by typed words (the instructors' queue, the audit journal): the words as
//! read from the box, and the condition that finds each of them in a column.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, SimpleExpr};

/// The longest search anyone types, in characters.
pub const SEARCH_MAX: usize = 100;

/// The words of a search, lower-cased, five at most; control characters are dropped. A search
/// longer than `SEARCH_MAX` is refused in French.
pub fn parse_search(raw: &str) -> Result<Vec<String>, String> {
    if raw.chars().count() > SEARCH_MAX {
        return Err(format!(
            "La recherche tient en {SEARCH_MAX} caractères au plus : tapez quelques mots."
        ));
    }
    let clean: String = raw.chars().filter(|c| !c.is_control()).collect();
    Ok(clean
        .split_whitespace()
        .map(str::to_lowercase)
        .take(5)
        .collect())
}

/// `column` holds `word`, whatever the case. (SQLite's `LOWER` folds ASCII letters only:
/// there, « élodie » does not find « ÉLODIE »; PostgreSQL folds them all.)
pub fn holds_word(column: impl Into<Expr>, word: &str) -> SimpleExpr {
    Expr::expr(Func::lower(column.into())).like(containing(word))
}

/// `LIKE` pattern finding `word` anywhere, its own `%`, `_` and `\` taken literally.
fn containing(word: &str) -> LikeExpr {
    let escaped = word
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowered_and_bounded() {
        assert_eq!(
            parse_search("  Élodie\u{0}  MARTIN ").unwrap(),
            vec!["élodie", "martin"]
        );
        assert!(parse_search(&"a".repeat(SEARCH_MAX + 1)).is_err());
    }
}
