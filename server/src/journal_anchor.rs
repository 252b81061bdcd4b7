//! The audit journal's head, anchored outside the database. The chain of hashes shows an entry
//! altered in place, but someone able to write to the database could cut its last entries, or
//! rewrite one and recompute every hash after it. So, periodically, the head of each
//! department's journal (its last sequence number and hash) is signed with Ed25519 and appended
//! to a file the database role cannot touch: `journal-checkpoints/<slug>.jsonl` in the data
//! folder, or, when the departments' files are in a bucket (`--files s3://…`), one object a
//! day in the bucket's `_journal/<slug>/`, which every instance reaches. `audit verify` checks
//! the chain against every checkpoint: a checkpointed entry that is missing or carries another
//! hash is reported.
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
use std::path::PathBuf;
use std::sync::Arc;

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use futures_util::{StreamExt as _, TryStreamExt as _};
use object_store::path::Path as Key;
use object_store::{
    ObjectStore, ObjectStoreExt as _, PutMode, PutOptions, PutPayload, UpdateVersion,
};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use tenants::{Platform, Tenant};

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
    place: Place,
    key: SigningKey,
}

/// Where the checkpoints are kept.
enum Place {
    /// `<slug>.jsonl` in this folder, appended to.
    Dir(PathBuf),
    /// `<slug>/<day>.jsonl` in this store: a day's checkpoints, rewritten whole on each new
    /// one on the condition that nobody wrote them meanwhile (an object cannot be appended to).
    Bucket(Arc<dyn ObjectStore>),
}

impl std::fmt::Debug for JournalAnchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.place {
            Place::Dir(dir) => write!(f, "JournalAnchor({})", dir.display()),
            Place::Bucket(store) => write!(f, "JournalAnchor({store})"),
        }
    }
}

/// Which of a bucket's daily objects to read (a folder's file is read whole).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Days {
    All,
    Last,
}

/// How many times a checkpoint is written again after another instance wrote the same day's.
const CONFLICTS_RETRIED: usize = 5;

impl JournalAnchor {
    pub fn new(platform: &Platform, seal: &SealKey) -> Self {
        let place = match platform.journal_checkpoints() {
            Some(store) => Place::Bucket(store),
            None => Place::Dir(platform.data_dir().join("journal-checkpoints")),
        };
        Self {
            place,
            key: SigningKey::from_bytes(&seal.derive("guichet journal checkpoint v1")),
        }
    }

    /// The public half of the key, for anyone checking checkpoints independently.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
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
        // The last day's checkpoints are enough to know the last one.
        let known = self.read(tenant, Days::Last).await?;
        if known.last().is_some_and(|last| last.seq == head.seq) {
            return Ok(None);
        }
        self.append(tenant, head.seq, head.hash, false)
            .await
            .map(Some)
    }

    /// Signs that the entries up to `seq` (the last hashing to `hash`) are removed at their
    /// term. Written before they are deleted: a deletion that then fails leaves entries the
    /// cut allowed to go, never a journal starting after a cut nobody signed.
    pub async fn cut(
        &self,
        tenant: &Tenant,
        seq: i64,
        hash: &str,
    ) -> Result<Checkpoint, AnchorError> {
        self.append(tenant, seq, hash.to_owned(), true).await
    }

    async fn append(
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
        let mut line = serde_json::to_string(&checkpoint).expect("a checkpoint serializes");
        line.push('\n');
        match &self.place {
            Place::Dir(dir) => {
                let path = dir.join(format!("{}.jsonl", tenant.slug()));
                let io = |error| AnchorError::File {
                    path: path.display().to_string(),
                    error,
                };
                std::fs::create_dir_all(dir).map_err(io)?;
                let mut file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .map_err(io)?;
                file.write_all(line.as_bytes()).map_err(io)?;
                file.sync_all().map_err(io)?;
            }
            Place::Bucket(store) => {
                let key = day_key(tenant.slug().as_str(), &checkpoint.at);
                append_to_object(store.as_ref(), &key, &line).await?;
            }
        }
        Ok(checkpoint)
    }

    /// The department's checkpoints as written (JSON lines, oldest first), for a backup;
    /// `None` if it has none.
    pub async fn lines(&self, tenant: &Tenant) -> Result<Option<Vec<u8>>, AnchorError> {
        let texts = self.texts(tenant, Days::All).await?;
        Ok((!texts.is_empty()).then(|| {
            texts
                .into_iter()
                .flat_map(|(_, text)| text.into_bytes())
                .collect()
        }))
    }

    /// Puts back the checkpoints a backup holds ([`JournalAnchor::lines`]), replacing the
    /// department's.
    pub async fn put_back(&self, tenant: &Tenant, lines: &[u8]) -> Result<(), AnchorError> {
        self.remove(tenant).await?;
        let slug = tenant.slug().as_str();
        match &self.place {
            Place::Dir(dir) => {
                let path = dir.join(format!("{slug}.jsonl"));
                let io = |error| AnchorError::File {
                    path: path.display().to_string(),
                    error,
                };
                std::fs::create_dir_all(dir).map_err(io)?;
                std::fs::write(&path, lines).map_err(io)?;
            }
            Place::Bucket(store) => {
                // Each line to its day's object, as it was written.
                let mut days: std::collections::BTreeMap<String, String> = Default::default();
                for line in String::from_utf8_lossy(lines)
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                {
                    let at = serde_json::from_str::<Checkpoint>(line)
                        .map(|c| c.at)
                        .unwrap_or_default();
                    let day = days.entry(day_key(slug, &at)).or_default();
                    day.push_str(line);
                    day.push('\n');
                }
                for (key, text) in days {
                    store
                        .put(
                            &Key::from(key.as_str()),
                            PutPayload::from(text.into_bytes()),
                        )
                        .await
                        .map_err(|e| bucket_error(&key, e))?;
                }
            }
        }
        Ok(())
    }

    /// Deletes the department's checkpoints (a restore that failed takes its department back).
    pub async fn remove(&self, tenant: &Tenant) -> Result<(), AnchorError> {
        let slug = tenant.slug().as_str();
        match &self.place {
            Place::Dir(dir) => match std::fs::remove_file(dir.join(format!("{slug}.jsonl"))) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    Err(AnchorError::File {
                        path: dir.join(format!("{slug}.jsonl")).display().to_string(),
                        error,
                    })
                }
                _ => Ok(()),
            },
            Place::Bucket(store) => {
                let keys = store
                    .list(Some(&Key::from(slug)))
                    .map_ok(|meta| meta.location)
                    .boxed();
                store
                    .delete_stream(keys)
                    .try_collect::<Vec<_>>()
                    .await
                    .map_err(|e| bucket_error(slug, e))?;
                Ok(())
            }
        }
    }

    /// The department's checkpoints as text, with where each text was read, oldest first.
    async fn texts(
        &self,
        tenant: &Tenant,
        days: Days,
    ) -> Result<Vec<(String, String)>, AnchorError> {
        let slug = tenant.slug().as_str();
        match &self.place {
            Place::Dir(dir) => {
                let path = dir.join(format!("{slug}.jsonl"));
                match std::fs::read_to_string(&path) {
                    Ok(text) => Ok(vec![(path.display().to_string(), text)]),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
                    Err(error) => Err(AnchorError::File {
                        path: path.display().to_string(),
                        error,
                    }),
                }
            }
            Place::Bucket(store) => {
                let mut keys: Vec<Key> = store
                    .list(Some(&Key::from(slug)))
                    .map_ok(|meta| meta.location)
                    .try_collect()
                    .await
                    .map_err(|e| bucket_error(slug, e))?;
                // Named by day: in order once sorted.
                keys.sort();
                if days == Days::Last {
                    keys = keys.split_off(keys.len().saturating_sub(1));
                }
                let mut texts = Vec::with_capacity(keys.len());
                for key in keys {
                    let bytes = read_object(store.as_ref(), &key)
                        .await?
                        .map_or_else(Vec::new, |(bytes, _)| bytes);
                    texts.push((
                        key.to_string(),
                        String::from_utf8_lossy(&bytes).into_owned(),
                    ));
                }
                Ok(texts)
            }
        }
    }

    /// The department's checkpoints, oldest first, each signature checked.
    pub async fn checkpoints(&self, tenant: &Tenant) -> Result<Vec<Checkpoint>, AnchorError> {
        self.read(tenant, Days::All).await
    }

    /// The checkpoints of `days`, oldest first, each signature checked.
    async fn read(&self, tenant: &Tenant, days: Days) -> Result<Vec<Checkpoint>, AnchorError> {
        let key = self.verifying_key();
        let slug = tenant.slug().to_string();
        let mut checkpoints = Vec::new();
        for (place, text) in self.texts(tenant, days).await? {
            for (n, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let forged = || AnchorError::Forged {
                    path: place.clone(),
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
                checkpoints.push(checkpoint);
            }
        }
        Ok(checkpoints)
    }

    /// What the journal contradicts of its checkpoints: the first problem, in French.
    pub async fn contradiction(
        &self,
        tenant: &Tenant,
    ) -> Result<Option<(i64, String)>, AnchorError> {
        let checkpoints = self.checkpoints(tenant).await?;
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

/// The object of the day `at` (RFC 3339) begins, for the department `slug`.
fn day_key(slug: &str, at: &str) -> String {
    format!("{slug}/{}.jsonl", at.get(..10).unwrap_or("0000-00-00"))
}

fn bucket_error(key: &str, e: object_store::Error) -> AnchorError {
    AnchorError::File {
        path: key.to_owned(),
        error: std::io::Error::other(e.to_string()),
    }
}

/// An object's bytes and version, or `None` if there is none.
async fn read_object(
    store: &dyn ObjectStore,
    key: &Key,
) -> Result<Option<(Vec<u8>, UpdateVersion)>, AnchorError> {
    match store.get(key).await {
        Ok(got) => {
            let version = UpdateVersion {
                e_tag: got.meta.e_tag.clone(),
                version: got.meta.version.clone(),
            };
            let bytes = got
                .bytes()
                .await
                .map_err(|e| bucket_error(key.as_ref(), e))?;
            Ok(Some((bytes.to_vec(), version)))
        }
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(bucket_error(key.as_ref(), e)),
    }
}

/// Adds `line` to the object `key`: read, then written back on the condition that it is
/// still the version read (or still absent); read again if another writer came first.
async fn append_to_object(
    store: &dyn ObjectStore,
    key: &str,
    line: &str,
) -> Result<(), AnchorError> {
    let key = Key::from(key);
    for _ in 0..CONFLICTS_RETRIED {
        let (mut bytes, mode) = match read_object(store, &key).await? {
            Some((bytes, version)) => (bytes, PutMode::Update(version)),
            None => (Vec::new(), PutMode::Create),
        };
        bytes.extend_from_slice(line.as_bytes());
        let options = PutOptions {
            mode,
            ..Default::default()
        };
        match store.put_opts(&key, PutPayload::from(bytes), options).await {
            Ok(_) => return Ok(()),
            Err(
                object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. },
            ) => {}
            Err(e) => return Err(bucket_error(key.as_ref(), e)),
        }
    }
    Err(bucket_error(
        key.as_ref(),
        object_store::Error::Generic {
            store: "journal checkpoints",
            source: "written by others again and again".into(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use object_store::memory::InMemory;
    use object_store::throttle::{ThrottleConfig, ThrottledStore};

    use super::*;

    /// Instances signing at once: each rewrites the day's object only if nobody wrote it since
    /// it read it, so none loses another's line. (The S3 server the integration tests run
    /// checks conditions before writing, not atomically; the in-memory store does. Each write
    /// waits a little, so that every writer reads before any writes.)
    #[tokio::test]
    async fn writers_at_once_keep_every_line() {
        let config = ThrottleConfig {
            wait_put_per_call: std::time::Duration::from_millis(20),
            ..Default::default()
        };
        let store = ThrottledStore::new(InMemory::new(), config);
        let key = day_key("gard", "2026-12-07T08:00:00+00:00");
        let lines: Vec<String> = (1..=4).map(|n| format!("ligne {n}\n")).collect();
        let written = futures_util::future::join_all(
            lines
                .iter()
                .map(|line| append_to_object(&store, &key, line)),
        )
        .await;
        assert!(written.iter().all(Result::is_ok), "{written:?}");
        let (bytes, _) = read_object(&store, &Key::from(key.as_str()))
            .await
            .unwrap()
            .unwrap();
        let mut kept: Vec<String> = String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| format!("{l}\n"))
            .collect();
        kept.sort();
        assert_eq!(kept, lines);
    }
}
