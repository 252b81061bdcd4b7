//! Pulls: one fetch of a national source for a citizen, under a consent, carried out by a job.
//!
//! The pull row is an outbox: it is inserted in the transaction of the change that asks for it
//! (the consent given in the form, the request filed, a staff member's refresh), so it exists
//! exactly when that change does. [`PullNationalData`] jobs carry pulls out; a job is enqueued
//! after the commit, and [`sweep`] enqueues again any pull whose job was lost (a crash between
//! the commit and the enqueue, a worker killed mid-run).
//!
//! Running a pull twice is harmless: a run first *claims* the pull (a token and a deadline, in
//! one conditional update), writes its outcome only while it still holds the claim, and the
//! fact it stores is unique per pull. Every pull ends in a state people can read: received,
//! not found, refused (no live consent) or failed after retries, with the reason.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng as _;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use tenants::{Platform, Slug, Tenant};

use super::consent::{self, Consent};
use super::{Source, normalize};
use crate::api_particulier::client::{Answer, CallError, Client, Identity};
use crate::citizens::{self, Citizen};
use crate::entity::{data_pull, national_call, national_fact};
use crate::ids::{AidId, CitizenId, RequestId};

/// Tries before a pull is given up as failed.
pub const MAX_ATTEMPTS: i32 = 6;
/// How long a run holds a pull unless configured otherwise; a run silent for longer is taken
/// over. It covers the client's timeout (10 s) and the longest shared cool-down (30 s).
pub const DEFAULT_CLAIM: Duration = Duration::from_secs(60);

stored_enum! {
    /// Where a pull stands.
    pub enum PullState {
        Pending = "pending",
        Received = "received",
        NotFound = "not_found",
        Refused = "refused",
        Failed = "failed",
    }
}

impl PullState {
    pub fn label(self) -> &'static str {
        match self {
            PullState::Pending => "en cours",
            PullState::Received => "reçu",
            PullState::NotFound => "aucun dossier trouvé",
            PullState::Refused => "non demandé (pas d'accord en cours)",
            PullState::Failed => "échec",
        }
    }
}

/// What caused a pull.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestedBy {
    /// The citizen, by giving consent in the form.
    Citizen,
    /// The filing of the request.
    Submission,
    /// A staff member (refresh or retry).
    Staff(i64),
}

impl RequestedBy {
    fn columns(self) -> (&'static str, Option<i64>) {
        match self {
            RequestedBy::Citizen => ("citizen", None),
            RequestedBy::Submission => ("submission", None),
            RequestedBy::Staff(id) => ("staff", Some(id)),
        }
    }

    fn from_columns(by: &str, staff_id: Option<i64>) -> Self {
        match (by, staff_id) {
            ("staff", Some(id)) => RequestedBy::Staff(id),
            ("submission", _) => RequestedBy::Submission,
            _ => RequestedBy::Citizen,
        }
    }

    /// For the citizen's journal.
    pub fn label(self) -> &'static str {
        match self {
            RequestedBy::Citizen => "à votre demande, dans le formulaire",
            RequestedBy::Submission => "au dépôt de votre demande",
            RequestedBy::Staff(_) => "par un agent instructeur",
        }
    }
}

/// A pull as pages need it.
#[derive(Clone, Debug)]
pub struct Pull {
    pub id: i64,
    pub key: String,
    pub citizen_id: i64,
    pub request_id: Option<i64>,
    pub source: Source,
    pub consent_id: i64,
    pub requested_by: RequestedBy,
    pub state: PullState,
    pub attempts: i32,
    pub outcome: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl TryFrom<data_pull::Model> for Pull {
    type Error = DbErr;

    fn try_from(m: data_pull::Model) -> Result<Self, DbErr> {
        Ok(Self {
            id: m.id,
            key: m.idempotency_key,
            citizen_id: m.citizen_id,
            request_id: m.request_id,
            source: m.source,
            consent_id: m.consent_id,
            requested_by: RequestedBy::from_columns(&m.requested_by, m.staff_id),
            state: m.state,
            attempts: m.attempts,
            outcome: m.outcome,
            created_at: m.created_at,
            finished_at: m.finished_at,
        })
    }
}

/// A received fact, with its provenance.
#[derive(Clone, Debug)]
pub struct Fact {
    pub id: i64,
    pub pull_id: i64,
    pub citizen_id: i64,
    pub source: Source,
    pub endpoint: String,
    pub consent_id: i64,
    pub fetched_at: DateTime<Utc>,
    pub data: serde_json::Value,
}

impl TryFrom<national_fact::Model> for Fact {
    type Error = DbErr;

    fn try_from(m: national_fact::Model) -> Result<Self, DbErr> {
        Ok(Self {
            id: m.id,
            pull_id: m.pull_id,
            citizen_id: m.citizen_id,
            source: m.source,
            endpoint: m.endpoint,
            consent_id: m.consent_id,
            fetched_at: m.fetched_at,
            data: serde_json::from_str(&m.data).map_err(|e| DbErr::Custom(e.to_string()))?,
        })
    }
}

impl Fact {
    /// "CAF ou MSA, /v3/dss/quotient_familial/identite, le 25/11/2026 à 14:03, accord n° 3".
    pub fn provenance(&self) -> String {
        format!(
            "API Particulier ({}), {}, reçu le {}, sous l'accord n° {}",
            self.source.provider(),
            self.endpoint,
            crate::dates::date_time(self.fetched_at),
            self.consent_id
        )
    }
}

/// Queues a pull (inside the caller's transaction). Asking again with the same key finds the
/// first pull: a double click, a retried submission or a replayed job adds nothing.
pub async fn create(
    db: &impl ConnectionTrait,
    key: &str,
    consent: &Consent,
    request_id: Option<i64>,
    by: RequestedBy,
    now: DateTime<Utc>,
) -> Result<Pull, DbErr> {
    if let Some(existing) = data_pull::Entity::find()
        .filter(data_pull::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?
    {
        return existing.try_into();
    }
    let (requested_by, staff_id) = by.columns();
    data_pull::ActiveModel {
        idempotency_key: Set(key.to_owned()),
        citizen_id: Set(consent.citizen_id),
        request_id: Set(request_id),
        source: Set(consent.source),
        consent_id: Set(consent.id),
        requested_by: Set(requested_by.to_owned()),
        staff_id: Set(staff_id),
        state: Set(PullState::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now.timestamp()),
        claim: Set(None),
        claimed_until: Set(0),
        enqueued_at: Set(0),
        outcome: Set("En attente".to_owned()),
        created_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?
    .try_into()
}

/// The pull a consent starts for a request, keyed on both: giving the same consent again adds
/// nothing.
pub async fn create_for_consent(
    db: &impl ConnectionTrait,
    consent: &Consent,
    request_id: i64,
    by: RequestedBy,
    now: DateTime<Utc>,
) -> Result<Pull, DbErr> {
    let key = format!(
        "request:{request_id}:{}:consent:{}",
        consent.source.id(),
        consent.id
    );
    create(db, &key, consent, Some(request_id), by, now).await
}

/// The job that carries out one pull. `key` must match the pull's idempotency key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PullNationalData {
    pub tenant: String,
    pub pull_id: i64,
    pub key: String,
}

/// Enqueues the job of each pending pull (after the commit that queued them). A failure only
/// delays them until the next [`sweep`].
pub async fn wake(platform: &Platform, tenant: &Tenant, pulls: &[Pull]) {
    let pending: Vec<(i64, &str)> = pulls
        .iter()
        .filter(|p| p.state == PullState::Pending)
        .map(|p| (p.id, p.key.as_str()))
        .collect();
    if let Err(e) = enqueue_now(platform, tenant, &pending).await {
        tracing::warn!(tenant = %tenant.slug(), pulls = pending.len(), error = %e, "pulls not enqueued; the sweep will");
    }
}

/// Pulls enqueued (and marked) per transaction: a staff refresh of a whole caseload goes in
/// a few statements, not two transactions a pull (which held the calls back to the pace of
/// the enqueueing while the workers ran).
const ENQUEUED_AT_ONCE: usize = 500;

/// Enqueues the jobs of these pulls, to run now, in bulk.
async fn enqueue_now(
    platform: &Platform,
    tenant: &Tenant,
    pulls: &[(i64, &str)],
) -> anyhow::Result<()> {
    for chunk in pulls.chunks(ENQUEUED_AT_ONCE) {
        let jobs = chunk
            .iter()
            .map(|&(pull_id, key)| PullNationalData {
                tenant: tenant.slug().to_string(),
                pull_id,
                key: key.to_owned(),
            })
            .collect();
        crate::jobs::enqueue_many(platform, jobs).await?;
        let txn = tenant.db().begin_write().await?;
        data_pull::Entity::update_many()
            .col_expr(
                data_pull::Column::EnqueuedAt,
                Expr::value(Utc::now().timestamp()),
            )
            .filter(data_pull::Column::Id.is_in(chunk.iter().map(|&(id, _)| id)))
            .exec(&txn)
            .await?;
        txn.commit().await?;
    }
    Ok(())
}

/// Enqueues a pull's next try, to run at `at` (Unix seconds).
async fn enqueue_retry(
    platform: &Platform,
    tenant: &Tenant,
    pull_id: i64,
    key: &str,
    at: i64,
) -> anyhow::Result<()> {
    let job = PullNationalData {
        tenant: tenant.slug().to_string(),
        pull_id,
        key: key.to_owned(),
    };
    crate::jobs::enqueue_at(platform, job, Some(at)).await?;
    let txn = tenant.db().begin_write().await?;
    data_pull::Entity::update_many()
        .col_expr(data_pull::Column::EnqueuedAt, Expr::value(at))
        .filter(data_pull::Column::Id.eq(pull_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Enqueues again every pending pull of every department whose job seems lost: due for a while,
/// not held by a run, and not enqueued for `lost_after`.
pub async fn sweep(platform: &Platform, lost_after: Duration) -> anyhow::Result<usize> {
    let now = Utc::now().timestamp();
    let lost_after = secs(lost_after);
    let mut enqueued = 0;
    for tenant in platform.list_tenants().await? {
        if !tenant.has_module(tenants::Module::AidRequests) || tenant.is_suspended() {
            continue;
        }
        let txn = tenant.db().begin().await?;
        let lost = data_pull::Entity::find()
            .filter(data_pull::Column::State.eq(PullState::Pending))
            .filter(data_pull::Column::NextAttemptAt.lte(now - lost_after))
            .filter(data_pull::Column::ClaimedUntil.lt(now))
            .filter(data_pull::Column::EnqueuedAt.lte(now - lost_after))
            .order_by_asc(data_pull::Column::Id)
            .limit(10_000)
            .all(&txn)
            .await?;
        txn.commit().await?;
        let lost: Vec<(i64, &str)> = lost
            .iter()
            .map(|p| (p.id, p.idempotency_key.as_str()))
            .collect();
        enqueue_now(platform, &tenant, &lost).await?;
        enqueued += lost.len();
    }
    Ok(enqueued)
}

const NOT_CONFIGURED: &str = "API Particulier n'est pas configurée sur cette plateforme.";
const NO_LIVE_CONSENT: &str = "Non demandé : aucun accord en cours de l'usager pour cette source.";

/// What a run will do with a pull, decided before it claims it.
enum Plan {
    /// Call the service with this.
    Call { ask: Ask },
    /// End the pull without calling.
    End(PullState, &'static str),
}

/// How the service is asked about the person.
enum Ask {
    Identity(Identity),
    FranceTravail(String),
}

/// Reads what a run needs, without claiming: `None` when the pull cannot run now (ended, not
/// due, or held by another run).
async fn plan(
    tenant: &Tenant,
    client: Option<&Client>,
    pull_id: i64,
    key: &str,
) -> Result<Option<Plan>, DbErr> {
    let now = Utc::now();
    let txn = tenant.db().begin().await?;
    let row = data_pull::Entity::find_by_id(pull_id)
        .filter(data_pull::Column::IdempotencyKey.eq(key))
        .filter(data_pull::Column::State.eq(PullState::Pending))
        .filter(data_pull::Column::ClaimedUntil.lt(now.timestamp()))
        .filter(data_pull::Column::NextAttemptAt.lte(now.timestamp() + 1))
        .one(&txn)
        .await?;
    let Some(row) = row else {
        txn.commit().await?;
        return Ok(None);
    };
    let consent = consent::find(&txn, row.consent_id).await?;
    txn.commit().await?;
    let Some(consent) = consent.filter(|c| c.is_live(now)) else {
        return Ok(Some(Plan::End(PullState::Refused, NO_LIVE_CONSENT)));
    };
    if client.is_none() {
        return Ok(Some(Plan::End(PullState::Failed, NOT_CONFIGURED)));
    }
    let ask = if row.source == Source::FranceTravail {
        let Some(identifier) = consent.subject else {
            return Ok(Some(Plan::End(
                PullState::Failed,
                "Identifiant France Travail manquant dans l'accord de l'usager.",
            )));
        };
        Ask::FranceTravail(identifier)
    } else {
        let citizen = citizens::find(tenant, row.citizen_id).await?;
        let Some(identity) = citizen.as_ref().and_then(identity_of) else {
            return Ok(Some(Plan::End(
                PullState::Failed,
                "Identité incomplète : nom, prénom, sexe, date et pays de naissance sont nécessaires (connexion avec FranceConnect).",
            )));
        };
        Ask::Identity(identity)
    };
    Ok(Some(Plan::Call { ask }))
}

/// What a run did.
#[derive(Debug, PartialEq, Eq)]
pub enum Run {
    /// The pull ended (in any final state).
    Ended(PullState),
    /// A retryable failure: try again at this Unix time.
    RetryAt(i64),
    /// Nothing to do: ended already, not due yet, or held by another run.
    Skipped,
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX).max(1)
}

/// Carries out one pull: claim it, check the consent, call, record the call and the outcome.
pub async fn run(
    tenant: &Tenant,
    client: Option<&Client>,
    pull_id: i64,
    key: &str,
) -> Result<Run, DbErr> {
    run_holding(tenant, client, pull_id, key, DEFAULT_CLAIM).await
}

/// As [`run`], holding the pull for `claim` at most.
pub async fn run_holding(
    tenant: &Tenant,
    client: Option<&Client>,
    pull_id: i64,
    key: &str,
    claim: Duration,
) -> Result<Run, DbErr> {
    // Everything a call needs is read first, and the service's turn waited for, before the
    // pull is claimed: a claim then lasts one call, not the queue ahead of it. Claimed first,
    // runs waiting in line outlived their claims, were taken over and called twice, untraced
    // (the limiter does not serve its waiters in order: with 8 runs at 2 calls a second, some
    // waited 10 s). Only the claim's one transaction stands between the turn and the call; a
    // stall there can bunch calls at the service (a few 429s on PostgreSQL in the benchmark,
    // retried after their Retry-After). A pull that cannot run now, or will end without a
    // call, spends no turn.
    let Some(plan) = plan(tenant, client, pull_id, key).await? else {
        return Ok(Run::Skipped);
    };
    let ready = match (plan, client) {
        (Plan::Call { ask }, Some(client)) => Ok((ask, client.turn().await)),
        (Plan::Call { .. }, None) => Err((PullState::Failed, NOT_CONFIGURED)),
        (Plan::End(state, reason), _) => Err((state, reason)),
    };
    let now = Utc::now();
    let token = format!("{:016x}", rand::random::<u64>());
    let txn = tenant.db().begin_write().await?;
    let claimed = data_pull::Entity::update_many()
        .col_expr(data_pull::Column::Claim, Expr::value(token.clone()))
        .col_expr(
            data_pull::Column::ClaimedUntil,
            Expr::value(now.timestamp() + secs(claim)),
        )
        .filter(data_pull::Column::Id.eq(pull_id))
        .filter(data_pull::Column::IdempotencyKey.eq(key))
        .filter(data_pull::Column::State.eq(PullState::Pending))
        .filter(data_pull::Column::ClaimedUntil.lt(now.timestamp()))
        .filter(data_pull::Column::NextAttemptAt.lte(now.timestamp() + 1))
        .exec(&txn)
        .await?
        .rows_affected;
    if claimed == 0 {
        txn.rollback().await?;
        return Ok(Run::Skipped);
    }
    let row = data_pull::Entity::find_by_id(pull_id)
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("pull {pull_id}")))?;
    // The consent, as it stands now that the pull is held: withdrawn since the plan, no call.
    let consent = consent::find(&txn, row.consent_id)
        .await?
        .filter(|c| c.is_live(now));
    txn.commit().await?;
    let pull = Pull::try_from(row.clone())?;
    let ctx = RunCtx {
        tenant,
        pull: &pull,
        row: &row,
        token: &token,
    };
    let (ask, turn) = match ready {
        Ok(ready) => ready,
        Err((state, reason)) => return ctx.finish(state, reason, None).await,
    };
    // Withdrawn between the plan and the claim: no call.
    let Some(consent) = consent else {
        return ctx.finish(PullState::Refused, NO_LIVE_CONSENT, None).await;
    };
    let answer = match ask {
        Ask::FranceTravail(identifier) => turn.france_travail(&identifier).await,
        Ask::Identity(identity) => turn.fetch(pull.source, &identity).await,
    };
    let (status, trace) = match &answer {
        Ok(Answer::Found(_)) => (200, "reçu".to_owned()),
        Ok(Answer::NotFound { code, detail }) => (404, format!("{code} : {detail}")),
        Err(e) => (e.status().map_or(0, i32::from), e.to_string()),
    };
    let call = Call {
        status,
        outcome: trace,
    };
    match answer {
        Ok(Answer::Found(data)) => {
            let fact = normalize(pull.source, &data);
            ctx.finish_received(&consent, fact, call).await
        }
        Ok(Answer::NotFound { detail, .. }) => {
            ctx.finish(
                PullState::NotFound,
                &format!("Aucun dossier trouvé : {detail}"),
                Some(call),
            )
            .await
        }
        Err(e) if !e.retryable() => {
            ctx.finish(PullState::Failed, &e.to_string(), Some(call))
                .await
        }
        Err(e) => {
            let attempts = pull.attempts + 1;
            if attempts >= MAX_ATTEMPTS {
                let reason = format!("Échec après {attempts} essais : {e}");
                return ctx.finish(PullState::Failed, &reason, Some(call)).await;
            }
            let wait = backoff(attempts, &e);
            let at = Utc::now().timestamp() + i64::try_from(wait.as_secs()).unwrap_or(300);
            ctx.retry_later(attempts, at, &e.to_string(), call).await
        }
    }
}

/// The wait before try number `attempts + 1`: doubling from 2 s up to 5 minutes, drawn between
/// half and all of it so that many pulls failing together do not come back together; never
/// less than the service's `Retry-After`.
pub fn backoff(attempts: i32, error: &CallError) -> Duration {
    let ceiling = 2u64
        .saturating_pow(u32::try_from(attempts).unwrap_or(1))
        .min(300);
    let drawn = rand::thread_rng().gen_range(ceiling.div_ceil(2)..=ceiling);
    let floor = match error {
        CallError::RateLimited { retry_after } => retry_after.as_secs(),
        _ => 0,
    };
    Duration::from_secs(drawn.max(floor).max(1))
}

/// Who the national API should look for: the civil-register identity FranceConnect gave.
pub fn identity_of(citizen: &Citizen) -> Option<Identity> {
    let birth_date = NaiveDate::parse_from_str(&citizen.birthdate, "%Y-%m-%d").ok()?;
    let sex = match citizen.gender.as_str() {
        "female" => "F",
        "male" => "M",
        _ => return None,
    };
    let given_names: Vec<String> = citizen
        .given_name
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if citizen.family_name.trim().is_empty()
        || given_names.is_empty()
        || citizen.birthcountry.is_empty()
    {
        return None;
    }
    Some(Identity {
        birth_name: citizen.family_name.trim().to_owned(),
        given_names,
        sex: sex.to_owned(),
        birth_date,
        birth_country: citizen.birthcountry.clone(),
        birth_commune: (!citizen.birthplace.is_empty()).then(|| citizen.birthplace.clone()),
    })
}

/// One call, as traced.
struct Call {
    status: i32,
    outcome: String,
}

/// A claimed pull being run.
struct RunCtx<'a> {
    tenant: &'a Tenant,
    pull: &'a Pull,
    row: &'a data_pull::Model,
    token: &'a str,
}

impl RunCtx<'_> {
    /// Updates the pull only while this run holds it; `false` if it lost the claim.
    async fn update_held(
        &self,
        db: &impl ConnectionTrait,
        changes: Vec<(data_pull::Column, sea_orm::sea_query::SimpleExpr)>,
    ) -> Result<bool, DbErr> {
        let mut update = data_pull::Entity::update_many();
        for (column, value) in changes {
            update = update.col_expr(column, value);
        }
        Ok(update
            .col_expr(
                data_pull::Column::Claim,
                Expr::value(Option::<String>::None),
            )
            .col_expr(data_pull::Column::ClaimedUntil, Expr::value(0i64))
            .filter(data_pull::Column::Id.eq(self.pull.id))
            .filter(data_pull::Column::Claim.eq(self.token))
            .filter(data_pull::Column::State.eq(PullState::Pending))
            .exec(db)
            .await?
            .rows_affected
            == 1)
    }

    async fn trace(&self, db: &impl ConnectionTrait, call: Call) -> Result<(), DbErr> {
        national_call::ActiveModel {
            at: Set(Utc::now()),
            pull_id: Set(self.pull.id),
            citizen_id: Set(self.pull.citizen_id),
            request_id: Set(self.pull.request_id),
            source: Set(self.pull.source),
            endpoint: Set(self.pull.source.path().to_owned()),
            requested_by: Set(self.row.requested_by.clone()),
            staff_id: Set(self.row.staff_id),
            http_status: Set(call.status),
            outcome: Set(call.outcome),
            ..Default::default()
        }
        .insert(db)
        .await?;
        Ok(())
    }

    async fn finish(
        &self,
        state: PullState,
        outcome: &str,
        call: Option<Call>,
    ) -> Result<Run, DbErr> {
        let txn = self.tenant.db().begin_write().await?;
        let attempts = self.pull.attempts + i32::from(call.is_some());
        let held = self
            .update_held(
                &txn,
                vec![
                    (data_pull::Column::State, Expr::value(state.id())),
                    (data_pull::Column::Outcome, Expr::value(outcome)),
                    (data_pull::Column::Attempts, Expr::value(attempts)),
                    (data_pull::Column::FinishedAt, Expr::value(Utc::now())),
                ],
            )
            .await?;
        if !held {
            txn.rollback().await?;
            return Ok(Run::Skipped);
        }
        if let Some(call) = call {
            self.trace(&txn, call).await?;
        }
        txn.commit().await?;
        Ok(Run::Ended(state))
    }

    async fn finish_received(
        &self,
        consent: &Consent,
        fact: serde_json::Value,
        call: Call,
    ) -> Result<Run, DbErr> {
        let now = Utc::now();
        let txn = self.tenant.db().begin_write().await?;
        // The consent may have been withdrawn while the call ran: then nothing is kept.
        let still_live = consent::find(&txn, consent.id)
            .await?
            .is_some_and(|c| c.is_live(now));
        if !still_live {
            txn.rollback().await?;
            return self
                .finish(
                    PullState::Refused,
                    "Non conservé : l'accord a été retiré pendant la demande.",
                    Some(call),
                )
                .await;
        }
        let held = self
            .update_held(
                &txn,
                vec![
                    (data_pull::Column::State, Expr::value(PullState::Received)),
                    (data_pull::Column::Outcome, Expr::value("Reçu")),
                    (
                        data_pull::Column::Attempts,
                        Expr::value(self.pull.attempts + 1),
                    ),
                    (data_pull::Column::FinishedAt, Expr::value(now)),
                ],
            )
            .await?;
        if !held {
            txn.rollback().await?;
            return Ok(Run::Skipped);
        }
        national_fact::ActiveModel {
            pull_id: Set(self.pull.id),
            citizen_id: Set(self.pull.citizen_id),
            source: Set(self.pull.source),
            endpoint: Set(self.pull.source.path().to_owned()),
            consent_id: Set(consent.id),
            fetched_at: Set(now),
            data: Set(fact.to_string()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        self.trace(&txn, call).await?;
        txn.commit().await?;
        Ok(Run::Ended(PullState::Received))
    }

    async fn retry_later(
        &self,
        attempts: i32,
        at: i64,
        reason: &str,
        call: Call,
    ) -> Result<Run, DbErr> {
        let txn = self.tenant.db().begin_write().await?;
        let held = self
            .update_held(
                &txn,
                vec![
                    (data_pull::Column::Attempts, Expr::value(attempts)),
                    (data_pull::Column::NextAttemptAt, Expr::value(at)),
                    (
                        data_pull::Column::Outcome,
                        Expr::value(format!(
                            "Nouvel essai prévu (essai {attempts} sur {MAX_ATTEMPTS} : {reason})"
                        )),
                    ),
                ],
            )
            .await?;
        if !held {
            txn.rollback().await?;
            return Ok(Run::Skipped);
        }
        self.trace(&txn, call).await?;
        txn.commit().await?;
        Ok(Run::RetryAt(at))
    }
}

/// The job: runs the pull and, after a retryable failure, schedules its next try.
pub async fn run_job(
    platform: &Platform,
    client: Option<&Client>,
    job: &PullNationalData,
    claim: Duration,
) -> anyhow::Result<Run> {
    let slug = Slug::parse(&job.tenant)?;
    // A suspended department's pulls stay pending; the sweep enqueues them once resumed.
    let Some(tenant) = platform
        .tenant_by_slug(&slug)
        .await?
        .filter(|t| !t.is_suspended())
    else {
        return Ok(Run::Skipped);
    };
    let outcome = run_holding(&tenant, client, job.pull_id, &job.key, claim).await?;
    if let Run::RetryAt(at) = outcome
        && let Err(e) = enqueue_retry(platform, &tenant, job.pull_id, &job.key, at).await
    {
        tracing::warn!(pull = job.pull_id, error = %e, "retry not scheduled; the sweep will");
    }
    Ok(outcome)
}

/// The pulls made for a request, newest first, each with its fact if received.
pub async fn for_request(
    tenant: &Tenant,
    request_id: i64,
) -> Result<Vec<(Pull, Option<Fact>)>, DbErr> {
    let txn = tenant.db().begin().await?;
    let pulls = data_pull::Entity::find()
        .filter(data_pull::Column::RequestId.eq(request_id))
        .order_by_desc(data_pull::Column::Id)
        .all(&txn)
        .await?;
    let facts = national_fact::Entity::find()
        .filter(national_fact::Column::PullId.is_in(pulls.iter().map(|p| p.id)))
        .all(&txn)
        .await?;
    txn.commit().await?;
    with_facts(pulls, facts)
}

/// Every pull made for the citizen, newest first, each with its fact if received.
pub async fn for_citizen(
    tenant: &Tenant,
    citizen_id: i64,
) -> Result<Vec<(Pull, Option<Fact>)>, DbErr> {
    let txn = tenant.db().begin().await?;
    let pulls = data_pull::Entity::find()
        .filter(data_pull::Column::CitizenId.eq(citizen_id))
        .order_by_desc(data_pull::Column::Id)
        .all(&txn)
        .await?;
    let facts = national_fact::Entity::find()
        .filter(national_fact::Column::CitizenId.eq(citizen_id))
        .all(&txn)
        .await?;
    txn.commit().await?;
    with_facts(pulls, facts)
}

fn with_facts(
    pulls: Vec<data_pull::Model>,
    facts: Vec<national_fact::Model>,
) -> Result<Vec<(Pull, Option<Fact>)>, DbErr> {
    let mut facts: std::collections::HashMap<i64, national_fact::Model> =
        facts.into_iter().map(|f| (f.pull_id, f)).collect();
    pulls
        .into_iter()
        .map(|p| {
            let fact = facts.remove(&p.id).map(Fact::try_from).transpose()?;
            Ok((Pull::try_from(p)?, fact))
        })
        .collect()
}

/// Waits up to `patience` for these pulls to end (a page about to show their data gives them
/// a moment, so the citizen usually sees it pre-filled); returns whether they all did.
pub async fn wait_ended(tenant: &Tenant, ids: &[i64], patience: Duration) -> Result<bool, DbErr> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        let txn = tenant.db().begin().await?;
        let pending = data_pull::Entity::find()
            .filter(data_pull::Column::Id.is_in(ids.iter().copied()))
            .filter(data_pull::Column::State.eq(PullState::Pending))
            .count(&txn)
            .await?;
        txn.commit().await?;
        if pending == 0 {
            return Ok(true);
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One pull by id.
pub async fn find(tenant: &Tenant, id: i64) -> Result<Option<Pull>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = data_pull::Entity::find_by_id(id).one(&txn).await?;
    txn.commit().await?;
    row.map(Pull::try_from).transpose()
}

/// A call to the national API, as the citizen's journal shows it.
#[derive(Clone, Debug)]
pub struct TracedCall {
    pub at: DateTime<Utc>,
    pub source: Source,
    pub request_id: Option<i64>,
    pub requested_by: RequestedBy,
    pub http_status: i32,
    pub outcome: String,
}

/// The calls made for a citizen, newest first.
pub async fn calls_for_citizen(tenant: &Tenant, citizen_id: i64) -> Result<Vec<TracedCall>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = national_call::Entity::find()
        .filter(national_call::Column::CitizenId.eq(citizen_id))
        .order_by_desc(national_call::Column::Id)
        .limit(500)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| TracedCall {
            at: r.at,
            source: r.source,
            request_id: r.request_id,
            requested_by: RequestedBy::from_columns(&r.requested_by, r.staff_id),
            http_status: r.http_status,
            outcome: r.outcome,
        })
        .collect())
}

/// Whether the national API seems down: its last three answers to this department were
/// failures (no answer, 429 or 5xx). Forms then ask for certificates at once instead of
/// waiting for data that may not come.
pub async fn service_seems_down(tenant: &Tenant) -> Result<bool, DbErr> {
    let txn = tenant.db().begin().await?;
    let last = national_call::Entity::find()
        .order_by_desc(national_call::Column::Id)
        .limit(3)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(last.len() == 3
        && last
            .iter()
            .all(|c| c.http_status == 0 || c.http_status == 429 || c.http_status >= 500))
}

/// Counts of a department's pulls by state (for figures and tests).
pub async fn count_by_state(tenant: &Tenant) -> Result<Vec<(PullState, i64)>, DbErr> {
    let txn = tenant.db().begin().await?;
    let mut counts = Vec::new();
    for state in PullState::ALL {
        let n = data_pull::Entity::find()
            .filter(data_pull::Column::State.eq(state.id()))
            .count(&txn)
            .await?;
        counts.push((state, i64::try_from(n).unwrap_or(i64::MAX)));
    }
    txn.commit().await?;
    Ok(counts)
}

/// At filing, pulls every source the citizen agreed to for this aid that has no fresh data for
/// the request (nothing received in the last day, nothing under way), in the filing's
/// transaction: the pulls exist exactly when the filed request does.
pub async fn queue_at_submission(
    db: &impl ConnectionTrait,
    CitizenId(citizen_id): CitizenId,
    AidId(aid_id): AidId,
    RequestId(request_id): RequestId,
    sources: &[Source],
    now: DateTime<Utc>,
) -> Result<Vec<Pull>, DbErr> {
    let mut pulls = Vec::new();
    for &source in sources {
        let Some(consent) =
            consent::live(db, citizen_id, source, consent::Purpose::Aid(aid_id), now).await?
        else {
            continue;
        };
        let fresh = data_pull::Entity::find()
            .filter(data_pull::Column::RequestId.eq(request_id))
            .filter(data_pull::Column::Source.eq(source.id()))
            .filter(
                sea_orm::Condition::any()
                    .add(data_pull::Column::State.eq(PullState::Pending))
                    .add(
                        sea_orm::Condition::all()
                            .add(data_pull::Column::State.eq(PullState::Received))
                            .add(data_pull::Column::FinishedAt.gt(now - chrono::Duration::days(1))),
                    ),
            )
            .count(db)
            .await?;
        if fresh == 0 {
            let key = format!("request:{request_id}:{}:submission", source.id());
            pulls.push(
                create(
                    db,
                    &key,
                    &consent,
                    Some(request_id),
                    RequestedBy::Submission,
                    now,
                )
                .await?,
            );
        }
    }
    Ok(pulls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_honours_retry_after() {
        let unavailable = CallError::Timeout;
        for attempts in 1..=8 {
            let ceiling = 2u64.pow(u32::try_from(attempts).unwrap()).min(300);
            for _ in 0..50 {
                let wait = backoff(attempts, &unavailable).as_secs();
                assert!(
                    (ceiling.div_ceil(2).max(1)..=ceiling).contains(&wait),
                    "try {attempts}: {wait} s"
                );
            }
        }
        let limited = CallError::RateLimited {
            retry_after: Duration::from_secs(40),
        };
        assert!(backoff(1, &limited) >= Duration::from_secs(40));
    }

    #[test]
    fn france_travail_identifiers_are_checked_and_tidied() {
        use super::super::consent::france_travail_identifier;
        assert_eq!(
            france_travail_identifier(" 1234 567a ").unwrap(),
            "1234567A"
        );
        assert!(
            france_travail_identifier("12AB")
                .unwrap_err()
                .contains("7 chiffres")
        );
        assert!(
            france_travail_identifier("")
                .unwrap_err()
                .contains("Indiquez")
        );
        assert!(france_travail_identifier("1234567AB").is_err());
    }
}
