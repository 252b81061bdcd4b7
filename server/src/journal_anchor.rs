//! The audit journal's head, anchored outside the database. The chain of hashes shows an entry
//! altered in place, but someone able to write to the database could cut its last entries, or
//! rewrite one and recompute every hash after it. So, periodically, the head of each
//! department's journal (its last sequence number and hash) is signed with Ed25519 and appended
//! to a file in the data folder (`journal-checkpoints/<slug>.jsonl`), which the database role
//! cannot touch. `audit verify` checks the chain against every checkpoint: a checkpointed entry
//! that is missing or carries another hash is reported.
//!
//! The signing key is derived from the platform's secret (`SealKey`): a checkpoint cannot be
//! forged without it, and a copy of the database alone does not have it.
//!
//! The journal's oldest entries go when the department keeps it for a set time
//! (`retention::journal`): before they are deleted, a signed *cut* is appended, « entries up to
//! `seq`, the last hashing to `hash`, were removed at their term ». The journal may then start
//! after a cut, its first entry linked to the cut's hash; a head missing without one is
//! reported.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use tenants::Tenant;

use crate::entity::audit_entry;
use crate::staff::second_factor::SealKey;

/// One signed statement: « the journal of `tenant` had `seq` entries, the last hashing to
/// `hash` », at `at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub tenant: String,
    pub seq: i64,
    pub hash: String,
    /// RFC 3339.
    pub at: String,
    /// Ed25519 over the JSON array `[tenant, seq, hash, at]` (with `"cut"` after them for a
    /// cut), in hex.
    pub signature: String,
    /// The entries up to `seq` were removed at their retention term: the journal may start
    /// right after it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cut: bool,
}

impl Checkpoint {
    fn message(&self) -> Vec<u8> {
        let mut fields = serde_json::json!([self.tenant, self.seq, self.hash, self.at]);
        // Checkpoints written before cuts existed keep the message they were signed over.
        if self.cut
            && let Some(fields) = fields.as_array_mut()
        {
            fields.push("cut".into());
        }
        fields.to_string().into_bytes()
    }
}

/// Why the checkpoints could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    #[error("fichier des points de contrôle {path} : {error}")]
    File { path: String, error: std::io::Error },
    #[error(
        "le point de contrôle n° {line} de {path} est illisible ou sa signature est fausse : le fichier a été modifié, ou la clé de la plateforme (GUICHET_SECRET_KEY) n'est plus la même"
    )]
    Forged { path: String, line: usize },
    #[error("erreur de la base de données : {0}")]
    Db(#[from] DbErr),
}

/// Signs and reads the checkpoints of every department of one platform.
pub struct JournalAnchor {
    dir: PathBuf,
    key: SigningKey,
}

impl std::fmt::Debug for JournalAnchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JournalAnchor({})", self.dir.display())
    }
}

impl JournalAnchor {
    pub fn new(data_dir: &Path, seal: &SealKey) -> Self {
        Self {
            dir: data_dir.join("journal-checkpoints"),
            key: SigningKey::from_bytes(&seal.derive("guichet journal checkpoint v1")),
        }
    }

    /// The public half of the key, for anyone checking checkpoints independently.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The department's checkpoints file (backups copy it).
    pub fn file(&self, tenant: &Tenant) -> PathBuf {
        self.dir.join(format!("{}.jsonl", tenant.slug()))
    }

    /// Appends a signed checkpoint of the journal's head, unless the head is the one last
    /// checkpointed (or the journal is empty). Returns it when one was written.
    pub async fn checkpoint(&self, tenant: &Tenant) -> Result<Option<Checkpoint>, AnchorError> {
        let txn = tenant.db().begin().await?;
        let head = audit_entry::Entity::find()
            .order_by_desc(audit_entry::Column::Seq)
            .limit(1)
            .one(&txn)
            .await?;
        txn.commit().await?;
        let Some(head) = head else {
            return Ok(None);
        };
        let known = self.checkpoints(tenant)?;
        if known.last().is_some_and(|last| last.seq == head.seq) {
            return Ok(None);
        }
        self.append(tenant, head.seq, head.hash, false).map(Some)
    }

    /// Signs that the entries up to `seq` (the last hashing to `hash`) are removed at their
    /// term. Written before they are deleted: a deletion that then fails leaves entries the
    /// cut allowed to go, never a journal starting after a cut nobody signed.
    pub fn cut(&self, tenant: &Tenant, seq: i64, hash: &str) -> Result<Checkpoint, AnchorError> {
        self.append(tenant, seq, hash.to_owned(), true)
    }

    fn append(
        &self,
        tenant: &Tenant,
        seq: i64,
        hash: String,
        cut: bool,
    ) -> Result<Checkpoint, AnchorError> {
        let mut checkpoint = Checkpoint {
            tenant: tenant.slug().to_string(),
            seq,
            hash,
            at: chrono::Utc::now().to_rfc3339(),
            signature: String::new(),
            cut,
        };
        checkpoint.signature = hex::encode(self.key.sign(&checkpoint.message()).to_bytes());
        let path = self.file(tenant);
        let io = |error| AnchorError::File {
            path: path.display().to_string(),
            error,
        };
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io)?;
        let line = serde_json::to_string(&checkpoint).map_err(|e| io(e.into()))?;
        writeln!(file, "{line}").map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(checkpoint)
    }

    /// The department's checkpoints, oldest first, each signature checked.
    pub fn checkpoints(&self, tenant: &Tenant) -> Result<Vec<Checkpoint>, AnchorError> {
        let path = self.file(tenant);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => {
                return Err(AnchorError::File {
                    path: path.display().to_string(),
                    error,
                });
            }
        };
        let key = self.verifying_key();
        let slug = tenant.slug().to_string();
        text.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(n, line)| {
                let forged = || AnchorError::Forged {
                    path: path.display().to_string(),
                    line: n + 1,
                };
                let checkpoint: Checkpoint = serde_json::from_str(line).map_err(|_| forged())?;
                let bytes: [u8; 64] = hex::decode(&checkpoint.signature)
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(forged)?;
                // Signed for this department: a line copied from another's file is refused.
                if checkpoint.tenant != slug {
                    return Err(forged());
                }
                key.verify(&checkpoint.message(), &Signature::from_bytes(&bytes))
                    .map_err(|_| forged())?;
                Ok(checkpoint)
            })
            .collect()
    }

    /// What the journal contradicts of its checkpoints: the first problem, in French.
    pub async fn contradiction(
        &self,
        tenant: &Tenant,
    ) -> Result<Option<(i64, String)>, AnchorError> {
        let checkpoints = self.checkpoints(tenant)?;
        let txn = tenant.db().begin().await?;
        let edge = |newest: bool| {
            let query = audit_entry::Entity::find();
            let query = if newest {
                query.order_by_desc(audit_entry::Column::Seq)
            } else {
                query.order_by_asc(audit_entry::Column::Seq)
            };
            query.limit(1).one(&txn)
        };
        let (first, head) = (edge(false).await?, edge(true).await?.map_or(0, |e| e.seq));
        // A checkpoint every ten minutes makes thousands a year: asked for by the hundred, well
        // under either engine's limit of bound parameters.
        let mut entries = Vec::with_capacity(checkpoints.len());
        for chunk in checkpoints.chunks(500) {
            let seqs: Vec<i64> = chunk.iter().map(|c| c.seq).collect();
            entries.extend(
                audit_entry::Entity::find()
                    .filter(audit_entry::Column::Seq.is_in(seqs))
                    .all(&txn)
                    .await?,
            );
        }
        txn.commit().await?;
        let start = match first {
            Some(first) if first.seq > 1 => {
                let signed = checkpoints
                    .iter()
                    .any(|c| c.cut && c.seq == first.seq - 1 && c.hash == first.prev_hash);
                if !signed {
                    return Ok(Some((
                        first.seq - 1,
                        format!(
                            "le début du journal a été supprimé (entrées n° 1 à n° {}) sans coupure de conservation signée",
                            first.seq - 1
                        ),
                    )));
                }
                first.seq
            }
            _ => 1,
        };
        let Some(latest) = checkpoints.iter().max_by_key(|c| c.seq) else {
            return Ok(None);
        };
        if head < latest.seq {
            return Ok(Some((
                head + 1,
                format!(
                    "la fin du journal a été coupée : le point de contrôle signé du {} compte {} entrée(s), il n'en reste que {head}",
                    latest.at, latest.seq
                ),
            )));
        }
        let hashes: std::collections::HashMap<i64, String> =
            entries.into_iter().map(|e| (e.seq, e.hash)).collect();
        // Those before the journal's start went with a signed cut.
        for checkpoint in checkpoints.iter().filter(|c| c.seq >= start) {
            if hashes.get(&checkpoint.seq) != Some(&checkpoint.hash) {
                return Ok(Some((
                    checkpoint.seq,
                    format!(
                        "l'entrée n° {} ne correspond plus au point de contrôle signé du {} : le journal a été réécrit jusqu'à elle",
                        checkpoint.seq, checkpoint.at
                    ),
                )));
            }
        }
        Ok(None)
    }
}
