//! The audit journal of a tenant: append-only, each entry carrying the hash of the previous
//! one, so that altering or removing a row breaks the chain at that row.

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, PaginatorTrait,
    QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};
use tenants::Tenant;

use crate::entity::{audit_entry, audit_journal_cut};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did what, to what, and why.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    pub actor_id: Option<i64>,
    pub actor_email: String,
    pub actor_role: String,
    /// A short verb phrase, e.g. `connexion`, `création d'un compte agent`.
    pub action: String,
    /// What was read or changed, e.g. `agent 12 (anne@cd.fr)`.
    pub subject: String,
    pub reason: String,
    /// The citizen whose file was read or changed: the entry then shows in their access
    /// journal.
    pub citizen_id: Option<i64>,
    /// The module the actor worked in (`Module::id`), or empty.
    pub module: String,
}

/// Appends an event to the tenant's journal and returns its sequence number.
///
/// Two writers may race for the next number; the primary key refuses the loser, who retries
/// on top of the winner.
#[tracing::instrument(skip(tenant, event), fields(tenant = %tenant.slug(), action = %event.action))]
pub async fn record(tenant: &Tenant, event: AuditEvent) -> Result<i64, DbErr> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_append(tenant, &event).await {
            Ok(seq) => return Ok(seq),
            Err(e) if attempt < 8 => {
                tracing::debug!(error = %e, attempt, "audit append raced, retrying");
                tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn try_append(tenant: &Tenant, event: &AuditEvent) -> Result<i64, DbErr> {
    try_append_all(tenant, std::slice::from_ref(event)).await
}

/// Appends many events at once, chained in order, in one transaction (all or none): one
/// download of a file holding a thousand citizens' requests is a thousand reads.
pub async fn record_many(tenant: &Tenant, events: &[AuditEvent]) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_append_all(tenant, events).await {
            Ok(_) => return Ok(()),
            Err(e) if attempt < 8 => {
                tracing::debug!(error = %e, attempt, "audit append raced, retrying");
                tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Rows per insert statement (well under both engines' bound-parameter limits).
const INSERT_BATCH: usize = 500;

/// Returns the sequence number of the last event appended.
async fn try_append_all(tenant: &Tenant, events: &[AuditEvent]) -> Result<i64, DbErr> {
    let txn = tenant.db().begin_write().await?;
    let seq = append_in(&txn, events).await?;
    txn.commit().await?;
    Ok(seq)
}

/// Appends events inside the caller's write transaction, so a change and its entries commit
/// together or not at all; returns the last sequence number. On PostgreSQL, appenders of one
/// department take their turn by a transaction-scoped lock (a second writer would otherwise read
/// the same last entry and fail at commit, taking the caller's change with it); on SQLite the
/// write transaction already holds the store's only write lock. No events, nothing written (0).
pub async fn append_in(txn: &DatabaseTransaction, events: &[AuditEvent]) -> Result<i64, DbErr> {
    if events.is_empty() {
        return Ok(0);
    }
    if txn.get_database_backend() == DbBackend::Postgres {
        // One key per schema: the transaction's search_path is its tenant's.
        txn.execute_unprepared(
            "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.audit_journal'))",
        )
        .await?;
    }
    let last = audit_entry::Entity::find()
        .order_by_desc(audit_entry::Column::Seq)
        .limit(1)
        .one(txn)
        .await?;
    let (mut seq, mut prev_hash) = match last {
        Some(last) => (last.seq, last.hash),
        None => (0, GENESIS.to_owned()),
    };
    let at = now_micros();
    let mut rows = Vec::with_capacity(events.len());
    for event in events {
        seq += 1;
        let hash = entry_hash(&prev_hash, seq, &at, event);
        rows.push(audit_entry::ActiveModel {
            seq: Set(seq),
            at: Set(at),
            actor_id: Set(event.actor_id),
            actor_email: Set(event.actor_email.clone()),
            actor_role: Set(event.actor_role.clone()),
            action: Set(event.action.clone()),
            subject: Set(event.subject.clone()),
            reason: Set(event.reason.clone()),
            prev_hash: Set(std::mem::replace(&mut prev_hash, hash.clone())),
            hash: Set(hash),
            citizen_id: Set(event.citizen_id),
            module: Set(event.module.clone()),
        });
    }
    for batch in rows.chunks(INSERT_BATCH) {
        audit_entry::Entity::insert_many(batch.to_vec())
            .exec(txn)
            .await?;
    }
    Ok(seq)
}

/// Commits `change`, a transaction of the platform's store (staff accounts, their links and
/// second factors, a department's sign-in rules), with `events` appended to `tenant`'s journal.
/// No transaction spans the two stores, so the entries commit first: a failed append rolls the
/// change back, and a failure between the two commits leaves an entry for a change that did
/// not land (an attempt on record), never a change without its entry. Platform transactions are
/// always opened before the tenant's here, the order that cannot deadlock on SQLite's locks.
pub async fn commit_platform_change(
    change: DatabaseTransaction,
    tenant: &Tenant,
    events: &[AuditEvent],
) -> Result<(), DbErr> {
    let journal = tenant.db().begin_write().await?;
    append_in(&journal, events).await?;
    journal.commit().await?;
    change.commit().await
}

/// Both engines keep microseconds; truncating first makes the stored time hash the same.
fn now_micros() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// The hash an entry must carry: public, so that anyone can check a journal on their own.
pub fn entry_hash(prev_hash: &str, seq: i64, at: &DateTime<Utc>, e: &AuditEvent) -> String {
    // A JSON array is an unambiguous encoding of the fields (no separator can be forged).
    let mut canonical = serde_json::json!([
        prev_hash,
        seq,
        at.to_rfc3339_opts(SecondsFormat::Micros, true),
        e.actor_id,
        e.actor_email,
        e.actor_role,
        e.action,
        e.subject,
        e.reason,
    ]);
    // Entries about a citizen's file (since 2026-12) also cover whose file and which module;
    // older entries, which have neither, keep the hash they were written with.
    if (e.citizen_id.is_some() || !e.module.is_empty())
        && let Some(fields) = canonical.as_array_mut()
    {
        fields.extend([serde_json::json!(e.citizen_id), serde_json::json!(e.module)]);
    }
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// The most recent entries, newest first.
pub async fn recent(tenant: &Tenant, limit: u64) -> Result<Vec<audit_entry::Model>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = audit_entry::Entity::find()
        .order_by_desc(audit_entry::Column::Seq)
        .limit(limit)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows)
}

/// How an administrator narrows the journal; every part optional.
#[derive(Clone, Debug, Default)]
pub struct JournalQuery {
    /// Entries by this actor (their address as recorded).
    pub actor: Option<String>,
    /// Entries made in this module (`Module::id`); `Some("")` for those outside any module.
    pub module: Option<String>,
    /// Entries from this moment on.
    pub since: Option<DateTime<Utc>>,
    /// Words each found in the action, the subject, the reason or the actor (see
    /// `search::parse_search`).
    pub words: Vec<String>,
    /// 1-based.
    pub page: u64,
}

/// Entries per page of the journal.
pub const JOURNAL_PAGE: u64 = 50;

/// A page of the entries `query` selects, newest first, and how many it selects in all.
pub async fn search(
    tenant: &Tenant,
    query: &JournalQuery,
) -> Result<(Vec<audit_entry::Model>, u64), DbErr> {
    use audit_entry::Column;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait as _, Condition, QueryFilter as _};
    let mut filter = Condition::all();
    if let Some(actor) = &query.actor {
        filter = filter.add(Column::ActorEmail.eq(actor.as_str()));
    }
    if let Some(module) = &query.module {
        filter = filter.add(Column::Module.eq(module.as_str()));
    }
    if let Some(since) = query.since {
        filter = filter.add(Column::At.gte(since));
    }
    for word in &query.words {
        filter = filter.add(
            [
                Column::Action,
                Column::Subject,
                Column::Reason,
                Column::ActorEmail,
            ]
            .into_iter()
            .fold(Condition::any(), |any, column| {
                any.add(crate::search::holds_word(Expr::col(column), word))
            }),
        );
    }
    let txn = tenant.db().begin().await?;
    let pages = audit_entry::Entity::find()
        .filter(filter)
        .order_by_desc(Column::Seq)
        .paginate(&txn, JOURNAL_PAGE);
    let total = pages.num_items().await?;
    let rows = pages.fetch_page(query.page.max(1) - 1).await?;
    txn.commit().await?;
    Ok((rows, total))
}

/// Everyone who appears in the journal, by address, for the journal's filter.
pub async fn actors(tenant: &Tenant) -> Result<Vec<String>, DbErr> {
    let txn = tenant.db().begin().await?;
    let actors: Vec<String> = audit_entry::Entity::find()
        .select_only()
        .column(audit_entry::Column::ActorEmail)
        .distinct()
        .order_by_asc(audit_entry::Column::ActorEmail)
        .into_tuple()
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(actors)
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Intact { entries: u64 },
    Broken { seq: i64, problem: String },
}

/// The action of the entry a retention pass appends when it removes the journal's oldest
/// entries (`retention::journal`), with [`cut_subject`] for what it removed: what a reader of
/// the journal sees of the cut that `audit_journal_cuts` records.
pub const CUT_ACTION: &str = "coupure du journal à l'échéance de conservation";

/// « the entries up to `seq` went, the last hashing to `hash` »: the journal then starts at
/// `seq + 1`, whose previous hash is `hash`.
pub fn cut_subject(seq: i64, hash: &str) -> String {
    format!("entrées n° 1 à n° {seq} supprimées, la dernière d'empreinte {hash}")
}

/// Walks the whole chain and reports the first broken link. A journal whose oldest entries
/// went at their retention term starts after them, as its recorded cut says; the signed
/// checkpoints (`journal_anchor`) show whether the platform made that cut.
pub async fn verify(tenant: &Tenant) -> Result<Verification, DbErr> {
    let txn = tenant.db().begin().await?;
    let (mut expected_seq, mut prev_hash) = match start(&txn).await? {
        Ok(start) => start,
        Err(broken) => {
            txn.commit().await?;
            return Ok(broken);
        }
    };
    let mut pages = audit_entry::Entity::find()
        .order_by_asc(audit_entry::Column::Seq)
        .paginate(&txn, 1000);
    let mut count = 0;
    while let Some(rows) = pages.fetch_and_next().await? {
        for row in rows {
            if row.seq != expected_seq {
                return Ok(Verification::Broken {
                    seq: expected_seq,
                    problem: format!(
                        "l'entrée n° {expected_seq} manque (supprimée ?) : la suivante présente est la n° {}",
                        row.seq
                    ),
                });
            }
            if row.prev_hash != prev_hash {
                return Ok(Verification::Broken {
                    seq: row.seq,
                    problem: format!(
                        "l'entrée n° {} ne suit pas l'entrée précédente (chaînage rompu)",
                        row.seq
                    ),
                });
            }
            let event = AuditEvent {
                actor_id: row.actor_id,
                actor_email: row.actor_email.clone(),
                actor_role: row.actor_role.clone(),
                action: row.action.clone(),
                subject: row.subject.clone(),
                reason: row.reason.clone(),
                citizen_id: row.citizen_id,
                module: row.module.clone(),
            };
            if entry_hash(&row.prev_hash, row.seq, &row.at, &event) != row.hash {
                return Ok(Verification::Broken {
                    seq: row.seq,
                    problem: format!("l'entrée n° {} a été modifiée après son écriture", row.seq),
                });
            }
            prev_hash = row.hash;
            expected_seq += 1;
            count += 1;
        }
    }
    txn.commit().await?;
    Ok(Verification::Intact { entries: count })
}

/// Where the chain starts: the first entry and the hash before it (the genesis, or a cut's),
/// or why its head is missing.
async fn start(txn: &DatabaseTransaction) -> Result<Result<(i64, String), Verification>, DbErr> {
    use sea_orm::{ColumnTrait as _, QueryFilter as _};
    let first = audit_entry::Entity::find()
        .order_by_asc(audit_entry::Column::Seq)
        .limit(1)
        .one(txn)
        .await?;
    let Some(first) = first.filter(|f| f.seq > 1) else {
        return Ok(Ok((1, GENESIS.to_owned())));
    };
    let cut = audit_journal_cut::Entity::find()
        .filter(audit_journal_cut::Column::Seq.eq(first.seq - 1))
        .filter(audit_journal_cut::Column::Hash.eq(&first.prev_hash))
        .count(txn)
        .await?;
    Ok(if cut > 0 {
        Ok((first.seq, first.prev_hash))
    } else {
        Err(Verification::Broken {
            seq: 1,
            problem: format!(
                "les entrées n° 1 à n° {} manquent, sans coupure de conservation enregistrée",
                first.seq - 1
            ),
        })
    })
}

/// A journal's phrase as a sentence: "consultation du dossier" → "Consultation du dossier".
pub fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: &str) -> AuditEvent {
        AuditEvent {
            actor_id: Some(1),
            actor_email: "a@b.fr".into(),
            actor_role: "admin".into(),
            action: action.into(),
            subject: "x".into(),
            reason: String::new(),
            citizen_id: None,
            module: String::new(),
        }
    }

    #[test]
    fn hash_covers_every_field() {
        let at = now_micros();
        let base = entry_hash(GENESIS, 1, &at, &event("connexion"));
        assert_eq!(base, entry_hash(GENESIS, 1, &at, &event("connexion")));
        assert_ne!(base, entry_hash(GENESIS, 2, &at, &event("connexion")));
        assert_ne!(base, entry_hash(GENESIS, 1, &at, &event("connexioN")));
        let mut other = event("connexion");
        other.reason = "r".into();
        assert_ne!(base, entry_hash(GENESIS, 1, &at, &other));
        let mut about = event("connexion");
        about.citizen_id = Some(7);
        about.module = "aid_requests".into();
        let about_hash = entry_hash(GENESIS, 1, &at, &about);
        assert_ne!(base, about_hash);
        about.citizen_id = Some(8);
        assert_ne!(about_hash, entry_hash(GENESIS, 1, &at, &about));
        about.citizen_id = Some(7);
        about.module = "user_relations".into();
        assert_ne!(about_hash, entry_hash(GENESIS, 1, &at, &about));
    }
}

/// An entry of a citizen's access journal: what staff did with their file.
#[derive(Clone, Debug)]
pub struct FileAccess {
    pub at: DateTime<Utc>,
    /// `Module::id`, or empty.
    pub module: String,
    /// The actor's roles (`Role::id`s, comma-separated), as recorded.
    pub actor_role: String,
    pub action: String,
    pub reason: String,
}

/// Every entry about this citizen's file, newest first (at most `limit`).
pub async fn for_citizen(
    tenant: &Tenant,
    citizen_id: i64,
    limit: u64,
) -> Result<Vec<FileAccess>, DbErr> {
    use sea_orm::{ColumnTrait as _, QueryFilter as _};
    // Entries about records merged into this one belong to the same person.
    let ids = crate::citizens::ids_of_person(tenant, citizen_id).await?;
    let txn = tenant.db().begin().await?;
    let rows = audit_entry::Entity::find()
        .filter(audit_entry::Column::CitizenId.is_in(ids))
        .order_by_desc(audit_entry::Column::Seq)
        .limit(limit)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| FileAccess {
            at: r.at,
            module: r.module,
            actor_role: r.actor_role,
            action: r.action,
            reason: r.reason,
        })
        .collect())
}
