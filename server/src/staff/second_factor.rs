//! A staff member's second factor: a TOTP secret (RFC 6238: SHA-1, 6 digits, 30 s, one step of
//! skew either way, as common authenticator apps expect), sealed at rest with the platform's
//! key, a code accepted once only; and ten single-use recovery codes, stored hashed.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, Set};
use tenants::{Platform, Tenant};
use totp_rs::{Builder, Secret, Totp};

use super::{Author, StaffAccount, hash_password, verify_password};
use crate::audit;
use crate::entity::{staff_recovery_code, staff_totp};

/// How many recovery codes an enrolment gives.
pub const RECOVERY_CODES: usize = 10;

const SECRET_BYTES: usize = 20;
const NONCE_BYTES: usize = 24;

/// The key that seals second-factor secrets at rest (XChaCha20-Poly1305). It comes from the
/// configuration (`GUICHET_SECRET_KEY`, 32 bytes in base64) or from a file the platform
/// creates once in its data folder, readable by its owner only.
#[derive(Clone)]
pub struct SealKey(chacha20poly1305::Key);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(…)")
    }
}

/// Why a key could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "la clé de chiffrement doit faire 32 octets encodés en base64 (par exemple : openssl rand -base64 32)"
    )]
    Malformed,
    #[error("fichier de clé {path} : {error}")]
    File { path: String, error: std::io::Error },
}

impl SealKey {
    /// A new random key (a process of its own, a test).
    pub fn random() -> Self {
        Self(XChaCha20Poly1305::generate_key(&mut OsRng))
    }

    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let bytes = BASE64
            .decode(text.trim())
            .map_err(|_| KeyError::Malformed)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
        Ok(Self(key.into()))
    }

    /// The key in `path`, or a new random one written there (mode 0600) if there is none.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let file_error = |error| KeyError::File {
            path: path.display().to_string(),
            error,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_base64(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = XChaCha20Poly1305::generate_key(&mut OsRng);
                write_private(path, &BASE64.encode(key)).map_err(file_error)?;
                Ok(Self(key))
            }
            Err(e) => Err(file_error(e)),
        }
    }

    /// A key for another use (`purpose`), derived from this one with HMAC-SHA-256: one secret
    /// to configure, independent keys.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        use hmac::Mac as _;
        let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(self.0.as_slice())
            .expect("HMAC takes a key of any length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// `nonce ‖ ciphertext`, in base64.
    fn seal(&self, plain: &[u8]) -> String {
        let cipher = XChaCha20Poly1305::new(&self.0);
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(&nonce, plain)
            .expect("XChaCha20-Poly1305 seals any input of this size");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        BASE64.encode(out)
    }

    /// `None` if `sealed` was not sealed with this key (or was altered).
    fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        let bytes = BASE64.decode(sealed).ok()?;
        if bytes.len() <= NONCE_BYTES {
            return None;
        }
        let (nonce, text) = bytes.split_at(NONCE_BYTES);
        XChaCha20Poly1305::new(&self.0)
            .decrypt(XNonce::from_slice(nonce), text)
            .ok()
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}

/// A secret being enrolled: shown to the staff member (as a QR code and as text) until they
/// type a code it makes. Nothing is stored before that.
#[derive(Clone, PartialEq, Eq)]
pub struct PendingSecret(Vec<u8>);

impl std::fmt::Debug for PendingSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PendingSecret(…)")
    }
}

impl PendingSecret {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        rand::thread_rng().fill(&mut bytes[..]);
        Self(bytes)
    }

    /// As the apps take it typed by hand: base32, in groups of four.
    pub fn text(&self) -> String {
        self.to_base32()
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Kept between the enrolment page and its form (in the session), as base32.
    pub fn to_base32(&self) -> String {
        Secret::new(self.0.clone().into_boxed_slice()).to_base32()
    }

    pub fn from_base32(text: &str) -> Option<Self> {
        Secret::try_from_base32(text)
            .ok()
            .map(|s| Self(s.as_bytes().to_vec()))
    }

    /// The `otpauth://totp/…` address an app reads from the QR code.
    pub fn uri(&self, issuer: &str, account: &str) -> String {
        totp(&self.0, issuer, account)
            .and_then(|t| t.to_url().ok())
            .unwrap_or_default()
    }

    /// The QR code of [`Self::uri`], drawn on the server as SVG (no script, no image file).
    pub fn qr_svg(&self, issuer: &str, account: &str) -> String {
        qrcode::QrCode::new(self.uri(issuer, account).as_bytes())
            .map(|code| {
                code.render::<qrcode::render::svg::Color<'_>>()
                    .min_dimensions(200, 200)
                    .quiet_zone(true)
                    .build()
            })
            .unwrap_or_default()
    }

    /// The time step `code` was made at, if it is one of this secret's at `now` (±1 step).
    pub fn step_of(&self, code: &str, now: DateTime<Utc>) -> Option<i64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let totp = totp(&self.0, "Guichet", "agent")?;
        let seconds = u64::try_from(now.timestamp()).ok()?;
        totp.check(&code, seconds)
            .and_then(|step| i64::try_from(step).ok())
    }
}

/// The issuer and account only name the secret in apps; they must hold no colon.
fn totp(secret: &[u8], issuer: &str, account: &str) -> Option<Totp> {
    Builder::new()
        .with_secret(Secret::new(secret.to_vec().into_boxed_slice()))
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.replace(':', " "))
        .build()
        .ok()
}

/// Whether the account has a second factor enrolled.
pub async fn is_enrolled(platform: &Platform, staff_id: i64) -> Result<bool, DbErr> {
    Ok(staff_totp::Entity::find_by_id(staff_id)
        .one(platform.db())
        .await?
        .is_some())
}

/// Why an enrolment was refused.
#[derive(Debug, thiserror::Error)]
pub enum EnrolError {
    #[error(
        "Ce code ne correspond pas : vérifiez que l'heure de votre téléphone est juste, et saisissez le code à 6 chiffres affiché par l'application."
    )]
    WrongCode,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Enrols `pending` for `staff_id` once the staff member typed a `code` it makes: the secret
/// is sealed and stored (replacing an earlier one), that code's step counts as used, and the
/// recovery codes are made anew. Returns them in clear, to show once.
pub async fn enrol(
    (platform, tenant): (&Platform, &Tenant),
    key: &SealKey,
    owner: &StaffAccount,
    pending: &PendingSecret,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, EnrolError> {
    let staff_id = owner.id;
    let step = pending.step_of(code, now).ok_or(EnrolError::WrongCode)?;
    let (codes, hashes) = new_recovery_codes();
    let txn = tenants::begin_write(platform.db()).await?;
    staff_totp::Entity::delete_by_id(staff_id)
        .exec(&txn)
        .await?;
    staff_totp::ActiveModel {
        staff_id: Set(staff_id),
        secret_sealed: Set(key.seal(&pending.0)),
        last_step: Set(Some(step)),
        enrolled_at: Set(now),
    }
    .insert(&txn)
    .await?;
    store_recovery_codes(&txn, staff_id, hashes).await?;
    let entry = Author::Staff(owner).event(
        "enregistrement d'une application de double authentification",
        &format!("agent {}", owner.email),
    );
    audit::commit_platform_change(txn, tenant, &[entry]).await?;
    Ok(codes)
}

/// New recovery codes for an enrolled account, the old ones spent or not no longer good;
/// `None` if the account has no second factor. Returns them in clear, to show once.
pub async fn regenerate_recovery_codes(
    platform: &Platform,
    tenant: &Tenant,
    owner: &StaffAccount,
) -> Result<Option<Vec<String>>, DbErr> {
    let staff_id = owner.id;
    // Hashed before the write transaction: argon2 is slow, the store's write lock is shared.
    let (codes, hashes) = new_recovery_codes();
    let txn = tenants::begin_write(platform.db()).await?;
    if staff_totp::Entity::find_by_id(staff_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    store_recovery_codes(&txn, staff_id, hashes).await?;
    let entry = Author::Staff(owner).event(
        "nouveaux codes de secours de double authentification",
        &format!("agent {}", owner.email),
    );
    audit::commit_platform_change(txn, tenant, &[entry]).await?;
    Ok(Some(codes))
}

/// Fresh recovery codes, in clear and hashed.
fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let hashes = codes.iter().map(|c| hash_password(&normal(c))).collect();
    (codes, hashes)
}

/// Replaces the account's recovery codes by these hashes.
async fn store_recovery_codes(
    txn: &sea_orm::DatabaseTransaction,
    staff_id: i64,
    hashes: Vec<String>,
) -> Result<(), DbErr> {
    staff_recovery_code::Entity::delete_many()
        .filter(staff_recovery_code::Column::StaffId.eq(staff_id))
        .exec(txn)
        .await?;
    for hash in hashes {
        staff_recovery_code::ActiveModel {
            staff_id: Set(staff_id),
            code_hash: Set(hash),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// What a code typed at sign-in turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checked {
    /// A code of the app, not used before.
    Code,
    /// A recovery code, now spent; `left` remain.
    Recovery { left: usize },
    /// A code of the app already accepted once (or older than the last one accepted).
    Replayed,
    /// Neither a code of the app nor an unused recovery code (or no factor enrolled).
    Wrong,
}

/// Checks what the staff member typed: a code of their app (accepted once: its time step
/// must be later than the last one accepted, set in the same statement, so two requests
/// with one code cannot both pass) or one of their unused recovery codes (spent by it).
pub async fn check(
    platform: &Platform,
    key: &SealKey,
    staff_id: i64,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<Checked, DbErr> {
    let Some(row) = staff_totp::Entity::find_by_id(staff_id)
        .one(platform.db())
        .await?
    else {
        return Ok(Checked::Wrong);
    };
    let secret = key.open(&row.secret_sealed).map(PendingSecret);
    if let Some(step) = secret.and_then(|s| s.step_of(typed, now)) {
        let moved = staff_totp::Entity::update_many()
            .col_expr(staff_totp::Column::LastStep, Expr::value(step))
            .filter(staff_totp::Column::StaffId.eq(staff_id))
            .filter(
                Condition::any()
                    .add(staff_totp::Column::LastStep.is_null())
                    .add(staff_totp::Column::LastStep.lt(step)),
            )
            .exec(platform.db())
            .await?
            .rows_affected;
        return Ok(if moved == 1 {
            Checked::Code
        } else {
            Checked::Replayed
        });
    }
    spend_recovery_code(platform, staff_id, typed, now).await
}

async fn spend_recovery_code(
    platform: &Platform,
    staff_id: i64,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<Checked, DbErr> {
    let typed = normal(typed);
    if typed.len() != RECOVERY_CODE_CHARS {
        return Ok(Checked::Wrong);
    }
    let unused = staff_recovery_code::Entity::find()
        .filter(staff_recovery_code::Column::StaffId.eq(staff_id))
        .filter(staff_recovery_code::Column::UsedAt.is_null())
        .all(platform.db())
        .await?;
    let Some(matched) = unused
        .iter()
        .find(|c| verify_password(&typed, &c.code_hash))
    else {
        return Ok(Checked::Wrong);
    };
    let txn = tenants::begin_write(platform.db()).await?;
    let spent = staff_recovery_code::Entity::update_many()
        .col_expr(staff_recovery_code::Column::UsedAt, Expr::value(now))
        .filter(staff_recovery_code::Column::Id.eq(matched.id))
        .filter(staff_recovery_code::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(if spent == 1 {
        Checked::Recovery {
            left: unused.len() - 1,
        }
    } else {
        Checked::Wrong
    })
}

/// Removes the account's second factor and its recovery codes (its owner, where their roles
/// allow it, or a reset by an administrator or the operator): the staff member enrols again at
/// their next sign-in where one is required. Journaled in `by`'s name when there was one.
pub async fn remove(
    platform: &Platform,
    tenant: &Tenant,
    account: &StaffAccount,
    by: Author<'_>,
) -> Result<bool, DbErr> {
    let staff_id = account.id;
    let txn = tenants::begin_write(platform.db()).await?;
    let removed = staff_totp::Entity::delete_by_id(staff_id)
        .exec(&txn)
        .await?
        .rows_affected;
    staff_recovery_code::Entity::delete_many()
        .filter(staff_recovery_code::Column::StaffId.eq(staff_id))
        .exec(&txn)
        .await?;
    if removed != 1 {
        return Ok(false);
    }
    let entry = if by.is(staff_id) {
        by.event(
            "suppression de sa double authentification",
            &format!("agent {}", account.email),
        )
    } else {
        by.event(
            "réinitialisation de la double authentification d'un agent",
            &account.audit_subject(),
        )
    };
    audit::commit_platform_change(txn, tenant, &[entry]).await?;
    Ok(true)
}

const RECOVERY_CODE_CHARS: usize = 10;

/// `abcde-23456`: ten characters without look-alikes, about 50 bits.
fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    let chars: String = (0..RECOVERY_CODE_CHARS)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// A recovery code as compared: lower case, without the dash or spaces typed around it.
fn normal(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SealKey {
        SealKey::from_base64(&BASE64.encode([7u8; 32])).unwrap()
    }

    #[test]
    fn a_sealed_secret_opens_with_its_key_only() {
        let sealed = key().seal(b"secret");
        assert_eq!(key().open(&sealed).as_deref(), Some(&b"secret"[..]));
        let other = SealKey::from_base64(&BASE64.encode([8u8; 32])).unwrap();
        assert_eq!(other.open(&sealed), None);
        let mut altered = BASE64.decode(&sealed).unwrap();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(key().open(&BASE64.encode(altered)), None);
        assert_ne!(key().seal(b"secret"), sealed, "a fresh nonce each time");
    }

    #[test]
    fn a_key_file_is_made_once_and_kept_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let sealed = SealKey::load_or_create(&path).unwrap().seal(b"x");
        let again = SealKey::load_or_create(&path).unwrap();
        assert_eq!(again.open(&sealed).as_deref(), Some(&b"x"[..]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_key_must_be_32_bytes_of_base64() {
        assert!(SealKey::from_base64("trop court").is_err());
        assert!(SealKey::from_base64(&BASE64.encode([1u8; 16])).is_err());
    }

    #[test]
    fn codes_are_good_for_one_step_either_way() {
        // RFC 6238's SHA-1 test secret and vectors (8 digits there; the last 6 here).
        let secret = PendingSecret(b"12345678901234567890".to_vec());
        let at = |s| DateTime::from_timestamp(s, 0).unwrap();
        assert_eq!(secret.step_of("287082", at(59)), Some(1));
        assert_eq!(
            secret.step_of("287 082", at(59 + 30)),
            Some(1),
            "one step late"
        );
        assert_eq!(
            secret.step_of("287082", at(59 + 60)),
            None,
            "two steps late"
        );
        assert_eq!(
            secret.step_of("081804", at(1_111_111_109)),
            Some(37_037_036)
        );
        assert_eq!(secret.step_of("12345", at(59)), None);
    }

    #[test]
    fn the_uri_names_the_department_and_the_account() {
        let secret = PendingSecret::generate();
        let uri = secret.uri("Département: Gard", "anne@gard.fr");
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        assert!(uri.contains("secret="), "{uri}");
        assert!(secret.qr_svg("Gard", "anne@gard.fr").starts_with("<?xml"));
        let text = secret.text();
        assert_eq!(text.split(' ').count(), 8, "{text}");
        assert_eq!(
            PendingSecret::from_base32(&secret.to_base32()),
            Some(secret)
        );
    }

    #[test]
    fn recovery_codes_read_however_they_are_typed() {
        let code = recovery_code();
        assert_eq!(code.len(), RECOVERY_CODE_CHARS + 1);
        assert_eq!(
            normal(&code.to_uppercase().replace('-', " ")),
            normal(&code)
        );
    }
}

/// A staff member's second factor as an archive carries it (`transfer`): the secret still
/// sealed (the archive never holds the key), the recovery codes still hashed.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct CarriedFactor {
    secret_sealed: String,
    last_step: Option<i64>,
    enrolled_at: DateTime<Utc>,
    recovery: Vec<CarriedRecovery>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct CarriedRecovery {
    code_hash: String,
    used_at: Option<DateTime<Utc>>,
}

/// The second factors of `staff_ids`, by account, as an archive carries them.
pub async fn carried(
    platform: &Platform,
    staff_ids: &[i64],
) -> Result<std::collections::HashMap<i64, CarriedFactor>, DbErr> {
    let ids = || staff_ids.iter().copied();
    let mut codes: std::collections::HashMap<i64, Vec<CarriedRecovery>> =
        std::collections::HashMap::new();
    for code in staff_recovery_code::Entity::find()
        .filter(staff_recovery_code::Column::StaffId.is_in(ids()))
        .all(platform.db())
        .await?
    {
        codes
            .entry(code.staff_id)
            .or_default()
            .push(CarriedRecovery {
                code_hash: code.code_hash,
                used_at: code.used_at,
            });
    }
    Ok(staff_totp::Entity::find()
        .filter(staff_totp::Column::StaffId.is_in(ids()))
        .all(platform.db())
        .await?
        .into_iter()
        .map(|row| {
            let factor = CarriedFactor {
                secret_sealed: row.secret_sealed,
                last_step: row.last_step,
                enrolled_at: row.enrolled_at,
                recovery: codes.remove(&row.staff_id).unwrap_or_default(),
            };
            (row.staff_id, factor)
        })
        .collect())
}

/// Puts `factor` back on `staff_id` if this platform's key opens it (a restore on the platform
/// that made the archive, or one sharing its key); otherwise leaves the account to enrol
/// again, as a department moved to another platform does. Whether it was put back.
pub async fn put_back(
    txn: &sea_orm::DatabaseTransaction,
    key: &SealKey,
    staff_id: i64,
    factor: &CarriedFactor,
) -> Result<bool, DbErr> {
    if key.open(&factor.secret_sealed).is_none() {
        return Ok(false);
    }
    staff_totp::ActiveModel {
        staff_id: Set(staff_id),
        secret_sealed: Set(factor.secret_sealed.clone()),
        last_step: Set(factor.last_step),
        enrolled_at: Set(factor.enrolled_at),
    }
    .insert(txn)
    .await?;
    for code in &factor.recovery {
        staff_recovery_code::ActiveModel {
            staff_id: Set(staff_id),
            code_hash: Set(code.code_hash.clone()),
            used_at: Set(code.used_at),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(true)
}
