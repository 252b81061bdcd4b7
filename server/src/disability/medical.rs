//! The medical compartment: the certificate, the pieces sent « sous pli confidentiel » and the
//! physicians' observations. Their bytes and texts are sealed (XChaCha20-Poly1305) with the
//! department's medical key, a random key kept in its store wrapped by a key derived from the
//! platform's secret: a copy of the store or of the files folder, a department's export
//! included, holds nothing readable without the platform's secret.
//!
//! Only a [`MedicalDesk`] opens them, and only the team's physicians get one. Each read is
//! journaled in the physician's role alone, so the person reads « Handicap — Médecin de
//! l'équipe d'évaluation » in « Qui a consulté mon dossier ».

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, DbErr, EntityTrait, QueryOrder, Set};
use tenants::{Platform, Tenant};

use super::Desk;
use crate::audit::AuditEvent;
use crate::entity::disability_key;
use crate::staff::Role;
use crate::staff::second_factor::SealKey;

const NONCE_BYTES: usize = 24;

/// The one row of `disability_keys`.
const KEY_ROW: i64 = 1;

/// Why a physician reads medical content, as the person reads it in their journal.
pub const MEDICAL_REASON: &str = "évaluation médicale de la demande à la MDPH";

/// What wraps every department's medical key: derived from the platform's secret for this
/// use only.
const WRAP_PURPOSE: &str = "guichet/disability/medical-key-wrap/v1";

/// A department's medical key, unwrapped in memory for one use.
pub struct Vault {
    cipher: XChaCha20Poly1305,
}

impl Vault {
    /// The department's key, made on first use.
    pub async fn of(seal: &SealKey, tenant: &Tenant) -> Result<Self, DbErr> {
        let wrap = XChaCha20Poly1305::new(&seal.derive(WRAP_PURPOSE).into());
        let unwrap = |row: &disability_key::Model| -> Result<Self, DbErr> {
            let key = open_with(&wrap, &BASE64.decode(&row.wrapped).unwrap_or_default(), b"")
                .ok_or_else(|| {
                    DbErr::Custom(
                        "the department's medical key does not open with this platform's secret (GUICHET_SECRET_KEY changed?)"
                            .into(),
                    )
                })?;
            let key: [u8; 32] = key
                .try_into()
                .map_err(|_| DbErr::Custom("medical key of a wrong length".into()))?;
            Ok(Self {
                cipher: XChaCha20Poly1305::new(&key.into()),
            })
        };
        let txn = tenant.db().begin().await?;
        let found = first(&txn).await?;
        txn.commit().await?;
        if let Some(row) = found {
            return unwrap(&row);
        }
        // One row only, with the id 1: of two first uses at once (PostgreSQL), the second's
        // insert conflicts and it reads the first's key, so nothing is sealed with a key that
        // is not the department's.
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        let made = async {
            let txn = tenant.db().begin_write().await?;
            disability_key::ActiveModel {
                id: Set(KEY_ROW),
                wrapped: Set(BASE64.encode(seal_with(&wrap, &key, b""))),
                created_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?;
            txn.commit().await
        }
        .await;
        let txn = tenant.db().begin().await?;
        let found = first(&txn).await?;
        txn.commit().await?;
        match (found, made) {
            (Some(row), _) => unwrap(&row),
            (None, Err(e)) => Err(e),
            (None, Ok(())) => Err(DbErr::Custom(
                "the medical key just made is not found".into(),
            )),
        }
    }

    /// `nonce ‖ ciphertext` of `plain`, bound to `context` (a piece's storage key): sealed
    /// bytes moved to another piece do not open.
    pub fn seal(&self, plain: &[u8], context: &str) -> Vec<u8> {
        seal_with(&self.cipher, plain, context.as_bytes())
    }

    pub fn open(&self, sealed: &[u8], context: &str) -> Option<Vec<u8>> {
        open_with(&self.cipher, sealed, context.as_bytes())
    }

    /// A text sealed for a column, in base64.
    pub fn seal_text(&self, plain: &str, context: &str) -> String {
        BASE64.encode(self.seal(plain.as_bytes(), context))
    }

    pub fn open_text(&self, sealed: &str, context: &str) -> Option<String> {
        let bytes = self.open(&BASE64.decode(sealed).ok()?, context)?;
        String::from_utf8(bytes).ok()
    }
}

/// The department's key row: the first one (two requests may both have made one).
async fn first<C: sea_orm::ConnectionTrait>(
    txn: &C,
) -> Result<Option<disability_key::Model>, DbErr> {
    disability_key::Entity::find()
        .order_by_asc(disability_key::Column::Id)
        .one(txn)
        .await
}

fn seal_with(cipher: &XChaCha20Poly1305, plain: &[u8], aad: &[u8]) -> Vec<u8> {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = cipher
        .encrypt(&nonce, Payload { msg: plain, aad })
        .expect("XChaCha20-Poly1305 seals any input of this size");
    let mut out = nonce.to_vec();
    out.extend(sealed);
    out
}

fn open_with(cipher: &XChaCha20Poly1305, sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() <= NONCE_BYTES {
        return None;
    }
    let (nonce, text) = sealed.split_at(NONCE_BYTES);
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: text, aad })
        .ok()
}

/// The folder of the department's files that holds the sealed medical bytes, one file per
/// key (exported with the others, still sealed).
pub const FOLDER: &str = "medical";

/// Where the sealed bytes under `key` are in the department's files.
pub fn key_of(key: &str) -> String {
    format!("{FOLDER}/{key}")
}

/// Seals `bytes` and writes them under a new random key, which it returns.
pub async fn put(
    platform: &Platform,
    tenant: &Tenant,
    vault: &Vault,
    bytes: &[u8],
) -> Result<String, DbErr> {
    use rand::Rng as _;
    let key: String = rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    crate::files::write(
        platform,
        tenant.slug(),
        &key_of(&key),
        vault.seal(bytes, &key),
    )
    .await
    .map_err(|e| DbErr::Custom(format!("medical piece write: {e}")))?;
    Ok(key)
}

/// Removes sealed bytes whose row was not written (nothing half-written).
pub async fn discard(platform: &Platform, tenant: &Tenant, key: &str) {
    let _ = crate::files::delete(platform, tenant.slug(), &key_of(key)).await;
}

/// The sealed bytes under `key`, as stored.
pub async fn get_sealed(platform: &Platform, tenant: &Tenant, key: &str) -> Result<Vec<u8>, DbErr> {
    crate::files::read(platform, tenant.slug(), &key_of(key))
        .await
        .map_err(|e| DbErr::Custom(format!("medical piece read: {e}")))
}

/// A physician's handle on the medical compartment. Only [`MedicalDesk::open`] makes one, for
/// a worker of the module who holds the physician's role; the functions that read medical
/// content take it.
pub struct MedicalDesk<'a, 'd> {
    desk: &'d Desk<'a>,
}

impl<'a, 'd> MedicalDesk<'a, 'd> {
    pub fn open(desk: &'d Desk<'a>) -> Option<Self> {
        desk.account()
            .has_role(Role::DisabilityPhysician)
            .then_some(Self { desk })
    }

    pub fn desk(&self) -> &'d Desk<'a> {
        self.desk
    }

    /// The journal entry of a read or change of medical content: made in the physician's role
    /// alone, whatever else the account holds.
    pub fn event(&self, citizen_id: i64, action: &str, subject: &str) -> AuditEvent {
        AuditEvent {
            actor_role: Role::DisabilityPhysician.id().to_owned(),
            ..self
                .desk
                .file_event(citizen_id, action, subject, MEDICAL_REASON)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_bytes_open_only_with_their_key_and_context() {
        let cipher = XChaCha20Poly1305::new(&XChaCha20Poly1305::generate_key(&mut OsRng));
        let vault = Vault { cipher };
        let sealed = vault.seal(b"certificat", "piece-a");
        assert!(!sealed.windows(10).any(|w| w == b"certificat"));
        assert_eq!(
            vault.open(&sealed, "piece-a").as_deref(),
            Some(&b"certificat"[..])
        );
        assert_eq!(
            vault.open(&sealed, "piece-b"),
            None,
            "moved to another piece"
        );
        let other = Vault {
            cipher: XChaCha20Poly1305::new(&XChaCha20Poly1305::generate_key(&mut OsRng)),
        };
        assert_eq!(
            other.open(&sealed, "piece-a"),
            None,
            "another department's key"
        );
        let text = vault.seal_text("diagnostic", "obs-1");
        assert_eq!(
            vault.open_text(&text, "obs-1").as_deref(),
            Some("diagnostic")
        );
    }
}
