//! Aid requests from the citizen's side: a draft per aid, answered page by page, reviewed, then
//! filed once with a reference number, a due date and a receipt by mail.
//!
//! Every function takes the citizen's id and only ever touches that citizen's requests: another
//! citizen's request id finds nothing.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Set, sea_query::Expr,
};
use tenants::Tenant;

use crate::aid_requests::catalogue::{self, Aid};
use crate::aid_requests::form::{AnswerError, Answers, FormDefinition};
use crate::audit::{self, AuditEvent};
use crate::citizens::Citizen;
use crate::entity::{aid_request, reference_counter, request_event};
use crate::ids::{AidId, CitizenId, RequestId};
use crate::mail::{self, OutgoingMail};
use crate::national;

stored_enum! {
    /// Where a request stands.
    pub enum Status {
        Draft = "draft",
        Submitted = "submitted",
        InfoRequested = "info_requested",
        Granted = "granted",
        PartiallyGranted = "partially_granted",
        Refused = "refused",
        ImplicitAcceptance = "implicit_acceptance",
        ImplicitRefusal = "implicit_refusal",
    }
}

impl Status {
    /// As the citizen reads it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "Brouillon (pas encore déposée)",
            Status::Submitted => "Déposée, en cours d'instruction",
            Status::InfoRequested => "En attente de votre réponse",
            Status::Granted => "Accordée",
            Status::PartiallyGranted => "Accordée en partie",
            Status::Refused => "Refusée",
            Status::ImplicitAcceptance => "Acceptée (sans réponse dans le délai)",
            Status::ImplicitRefusal => "Refusée (sans réponse dans le délai)",
        }
    }

    /// As staff read it.
    pub fn staff_label(self) -> &'static str {
        match self {
            Status::Draft => "Brouillon",
            Status::Submitted => "À instruire",
            Status::InfoRequested => "En attente de l'usager",
            Status::Granted => "Accordée",
            Status::PartiallyGranted => "Accordée en partie",
            Status::Refused => "Refusée",
            Status::ImplicitAcceptance => "Acceptée implicitement",
            Status::ImplicitRefusal => "Refusée implicitement",
        }
    }
}

/// A request as pages need it.
#[derive(Clone, Debug)]
pub struct AidRequest {
    pub id: i64,
    pub reference: Option<String>,
    pub citizen_id: i64,
    pub aid_id: i64,
    pub form_version: i32,
    pub status: Status,
    pub answers: Answers,
    pub submitted_at: Option<DateTime<Utc>>,
    pub due_on: Option<NaiveDate>,
    pub assignee_id: Option<i64>,
    pub version: i32,
    /// The mandate reception filled it in under, if any.
    pub mandate_id: Option<i64>,
}

impl TryFrom<aid_request::Model> for AidRequest {
    type Error = DbErr;

    fn try_from(m: aid_request::Model) -> Result<Self, DbErr> {
        Ok(Self {
            id: m.id,
            reference: m.reference,
            citizen_id: m.citizen_id,
            aid_id: m.aid_id,
            form_version: m.form_version,
            status: m.status,
            answers: serde_json::from_str(&m.answers).map_err(|e| DbErr::Custom(e.to_string()))?,
            submitted_at: m.submitted_at,
            due_on: m.due_on,
            assignee_id: m.assignee_id,
            version: m.version,
            mandate_id: m.mandate_id,
        })
    }
}

/// One line of a request's timeline.
#[derive(Clone, Debug)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub detail: String,
}

impl Event {
    /// Internal steps (who instructs it) are the department's business.
    pub fn shown_to_citizen(&self) -> bool {
        self.kind != "assigned"
    }
}

fn answers_json(answers: &Answers) -> Result<String, DbErr> {
    serde_json::to_string(answers).map_err(|e| DbErr::Custom(e.to_string()))
}

pub(super) async fn record_event(
    txn: &DatabaseTransaction,
    request_id: i64,
    kind: &str,
    actor: &str,
    detail: &str,
) -> Result<(), DbErr> {
    request_event::ActiveModel {
        request_id: Set(request_id),
        at: Set(Utc::now()),
        kind: Set(kind.to_owned()),
        actor: Set(actor.to_owned()),
        detail: Set(detail.to_owned()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Reception's journal entry for a change it makes under a mandate, from the action's words
/// and the request as changed: written in the change's own transaction, so neither lands
/// without the other.
pub type MandateEntry<'a> = &'a (dyn Fn(&str, &AidRequest) -> Option<AuditEvent> + Send + Sync);

/// Who fills a request in.
#[derive(Clone, Copy)]
pub enum FiledBy<'a> {
    Citizen,
    /// Reception, for the citizen, under their mandate (`user_relations::mandates`); every
    /// change it makes is journaled for the citizen.
    Mandate {
        id: i64,
        staff_id: i64,
        journal: MandateEntry<'a>,
    },
}

impl FiledBy<'_> {
    /// How the receipt and the timeline say it was filed (nothing when by the citizen).
    fn how(&self) -> String {
        match self {
            FiledBy::Citizen => String::new(),
            FiledBy::Mandate { id, .. } => {
                format!(" par l'accueil du département, sous votre mandat n° {id}")
            }
        }
    }

    fn actor(self) -> String {
        match self {
            FiledBy::Citizen => "citizen".to_owned(),
            FiledBy::Mandate { staff_id, .. } => format!("staff:{staff_id}"),
        }
    }

    fn mandate_id(self) -> Option<i64> {
        match self {
            FiledBy::Citizen => None,
            FiledBy::Mandate { id, .. } => Some(id),
        }
    }

    /// Under a mandate: holds it for this transaction, or says it is over.
    async fn hold(
        self,
        txn: &DatabaseTransaction,
        citizen_id: i64,
        aid_id: i64,
    ) -> Result<bool, DbErr> {
        match self {
            FiledBy::Citizen => Ok(true),
            FiledBy::Mandate { id, .. } => {
                crate::user_relations::mandates::hold(
                    txn,
                    id,
                    CitizenId(citizen_id),
                    crate::user_relations::mandates::Use::Aid(AidId(aid_id)),
                )
                .await
            }
        }
    }

    /// Under a mandate, journals `action` on `request` in the change's transaction.
    async fn journal_in(
        self,
        txn: &DatabaseTransaction,
        action: &str,
        request: &AidRequest,
    ) -> Result<(), DbErr> {
        if let FiledBy::Mandate { journal, .. } = self
            && let Some(entry) = journal(action, request)
        {
            audit::append_in(txn, &[entry]).await?;
        }
        Ok(())
    }
}

/// The citizen's draft for this aid, created (under the aid's current form) if there is none.
/// Under a mandate, the draft the citizen started is the one continued.
pub async fn draft_for(
    tenant: &Tenant,
    citizen_id: i64,
    aid: &Aid,
    by: FiledBy<'_>,
) -> Result<AidRequest, SaveError> {
    let txn = tenant.db().begin_write().await?;
    if !by.hold(&txn, citizen_id, aid.id).await? {
        txn.rollback().await?;
        return Err(SaveError::MandateOver);
    }
    let existing = draft_of(citizen_id, aid.id).one(&txn).await?;
    let row = match existing {
        Some(row) => row,
        None => {
            let now = Utc::now();
            aid_request::ActiveModel {
                reference: Set(None),
                citizen_id: Set(citizen_id),
                aid_id: Set(aid.id),
                form_version: Set(aid.form_version),
                status: Set(Status::Draft),
                answers: Set("{}".to_owned()),
                submitted_at: Set(None),
                due_on: Set(None),
                paused_since: Set(None),
                paused_days: Set(0),
                assignee_id: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                mandate_id: Set(by.mandate_id()),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    let draft = AidRequest::try_from(row)?;
    by.journal_in(&txn, "ouverture d'une demande (dépôt assisté)", &draft)
        .await?;
    txn.commit().await?;
    Ok(draft)
}

/// The citizen's draft for this aid, if they started one.
pub async fn find_draft(
    tenant: &Tenant,
    CitizenId(citizen_id): CitizenId,
    aid_id: i64,
) -> Result<Option<AidRequest>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = draft_of(citizen_id, aid_id).one(&txn).await?;
    txn.commit().await?;
    row.map(AidRequest::try_from).transpose()
}

/// The query for the citizen's draft of an aid (one at most: see [`draft_for`]).
fn draft_of(citizen_id: i64, aid_id: i64) -> sea_orm::Select<aid_request::Entity> {
    aid_request::Entity::find()
        .filter(aid_request::Column::CitizenId.eq(citizen_id))
        .filter(aid_request::Column::AidId.eq(aid_id))
        .filter(aid_request::Column::Status.eq(Status::Draft))
}

/// One of the citizen's requests; `None` for anyone else's.
pub async fn find_for_citizen(
    tenant: &Tenant,
    CitizenId(citizen_id): CitizenId,
    RequestId(id): RequestId,
) -> Result<Option<AidRequest>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = aid_request::Entity::find_by_id(id)
        .filter(aid_request::Column::CitizenId.eq(citizen_id))
        .one(&txn)
        .await?;
    txn.commit().await?;
    row.map(AidRequest::try_from).transpose()
}

/// The citizen's requests, newest first, with their aid's title.
pub async fn list_for_citizen(
    tenant: &Tenant,
    citizen_id: i64,
) -> Result<Vec<(AidRequest, String)>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = aid_request::Entity::find()
        .filter(aid_request::Column::CitizenId.eq(citizen_id))
        .order_by_desc(aid_request::Column::UpdatedAt)
        .all(&txn)
        .await?;
    txn.commit().await?;
    let titles = catalogue::titles(tenant).await?;
    rows.into_iter()
        .map(|row| {
            let request = AidRequest::try_from(row)?;
            let title = titles
                .get(&request.aid_id)
                .cloned()
                .unwrap_or_else(|| "Aide".to_owned());
            Ok((request, title))
        })
        .collect()
}

/// A request's timeline, oldest first.
pub async fn events(tenant: &Tenant, request_id: i64) -> Result<Vec<Event>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = request_event::Entity::find()
        .filter(request_event::Column::RequestId.eq(request_id))
        .order_by_asc(request_event::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| Event {
            at: r.at,
            kind: r.kind,
            detail: r.detail,
        })
        .collect())
}

/// Why answers could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("not a draft of this citizen")]
    NotADraft,
    /// The mandate it was filled in under was revoked, ended or expired (or never covered it).
    #[error("mandate over")]
    MandateOver,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Saves one page's answers into the citizen's draft (answers of that page replace the old
/// ones; a question left empty drops its old answer).
pub async fn save_step(
    tenant: &Tenant,
    CitizenId(citizen_id): CitizenId,
    RequestId(id): RequestId,
    form: &FormDefinition,
    step: u32,
    answers: Answers,
    by: FiledBy<'_>,
) -> Result<AidRequest, SaveError> {
    let txn = tenant.db().begin_write().await?;
    let row = aid_request::Entity::find_by_id(id)
        .filter(aid_request::Column::CitizenId.eq(citizen_id))
        .filter(aid_request::Column::Status.eq(Status::Draft))
        .one(&txn)
        .await?
        .ok_or(SaveError::NotADraft)?;
    if !by.hold(&txn, citizen_id, row.aid_id).await? {
        txn.rollback().await?;
        return Err(SaveError::MandateOver);
    }
    let mut all: Answers =
        serde_json::from_str(&row.answers).map_err(|e| DbErr::Custom(e.to_string()))?;
    for field in form.step_fields(step) {
        if field.kind != crate::aid_requests::form::FieldKind::Document {
            all.remove(&field.key);
        }
    }
    all.extend(answers);
    let version = row.version;
    let mut row: aid_request::ActiveModel = row.into();
    row.answers = Set(answers_json(&all)?);
    row.version = Set(version + 1);
    row.updated_at = Set(Utc::now());
    if let Some(mandate_id) = by.mandate_id() {
        row.mandate_id = Set(Some(mandate_id));
    }
    let saved = AidRequest::try_from(row.update(&txn).await?)?;
    by.journal_in(&txn, "saisie dans une demande (dépôt assisté)", &saved)
        .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The outcome of filing a draft.
#[derive(Debug)]
pub enum Submission {
    Submitted(AidRequest),
    /// Filed before (a double click, the back button, a retry): the same request.
    AlreadySubmitted(AidRequest),
    Incomplete(Vec<AnswerError>),
    AidClosed,
    /// Filed under a mandate that is over: nothing was filed.
    MandateOver,
    NotFound,
}

/// Files the citizen's draft: checks every answer against the form version of the draft,
/// numbers it, sets its due date and queues the receipt mail, all in one transaction.
///
/// Questions in `waived` (certificates national data replaces) need no answer; every source
/// the citizen agreed to for this aid without fresh data yet gets a pull, in the same
/// transaction (see `national::pull`).
pub async fn submit(
    tenant: &Tenant,
    citizen: &Citizen,
    id: i64,
    receipt_url: &str,
    waived: &HashSet<String>,
    by: FiledBy<'_>,
) -> Result<Submission, DbErr> {
    // Two submissions racing for the same number: the loser retries on top of the winner.
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_submit(tenant, citizen, id, receipt_url, waived, by).await {
            Err(e) if attempt < 5 => {
                tracing::debug!(error = %e, attempt, "submission raced, retrying");
                tokio::time::sleep(std::time::Duration::from_millis(10 * attempt)).await;
            }
            outcome => return outcome,
        }
    }
}

/// The receipt of a filed request, to the citizen.
fn receipt_mail(citizen: &Citizen, reference: &str, text: String) -> OutgoingMail {
    OutgoingMail {
        to: citizen.email.clone(),
        subject: format!("Accusé de réception — demande {reference}"),
        text,
        attachments: vec![],
    }
}

async fn try_submit(
    tenant: &Tenant,
    citizen: &Citizen,
    id: i64,
    receipt_url: &str,
    waived: &HashSet<String>,
    by: FiledBy<'_>,
) -> Result<Submission, DbErr> {
    let txn = tenant.db().begin_write().await?;
    let Some(row) = aid_request::Entity::find_by_id(id)
        .filter(aid_request::Column::CitizenId.eq(citizen.id))
        .one(&txn)
        .await?
    else {
        return Ok(Submission::NotFound);
    };
    let request = AidRequest::try_from(row.clone())?;
    if request.status != Status::Draft {
        return Ok(Submission::AlreadySubmitted(request));
    }
    let Some(aid) = catalogue::find(tenant, request.aid_id).await? else {
        return Ok(Submission::NotFound);
    };
    if !aid.open {
        return Ok(Submission::AidClosed);
    }
    if !by.hold(&txn, citizen.id, aid.id).await? {
        txn.rollback().await?;
        return Ok(Submission::MandateOver);
    }
    let form = catalogue::form(tenant, aid.id, request.form_version)
        .await?
        .unwrap_or_default();
    let problems = form.check_complete_waiving(&request.answers, waived);
    if !problems.is_empty() {
        return Ok(Submission::Incomplete(problems));
    }
    let now = Utc::now();
    let number = next_number(&txn, now.year()).await?;
    let reference = format!(
        "{}-{}-{number:06}",
        tenant.slug().as_str().to_uppercase(),
        now.year()
    );
    let due_on = now.date_naive() + Duration::days(i64::from(aid.deadline_days));
    // Only a draft becomes filed: a second submission that got this far changes nothing.
    let filed = aid_request::Entity::update_many()
        .col_expr(
            aid_request::Column::Reference,
            Expr::value(reference.clone()),
        )
        .col_expr(aid_request::Column::Status, Expr::value(Status::Submitted))
        .col_expr(aid_request::Column::SubmittedAt, Expr::value(now))
        .col_expr(aid_request::Column::DueOn, Expr::value(due_on))
        .col_expr(
            aid_request::Column::Version,
            Expr::value(request.version + 1),
        )
        .col_expr(aid_request::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            aid_request::Column::MandateId,
            Expr::value(by.mandate_id().or(row.mandate_id)),
        )
        .filter(aid_request::Column::Id.eq(id))
        .filter(aid_request::Column::Status.eq(Status::Draft))
        .exec(&txn)
        .await?
        .rows_affected;
    if filed != 1 {
        txn.rollback().await?;
        return Err(DbErr::Custom("request filed meanwhile".into()));
    }
    let filed_how = by.how();
    record_event(
        &txn,
        id,
        "submitted",
        &by.actor(),
        &format!("Demande déposée{filed_how}, référence {reference}"),
    )
    .await?;
    national::pull::queue_at_submission(
        &txn,
        CitizenId(citizen.id),
        AidId(aid.id),
        RequestId(id),
        &form.sources(),
        now,
    )
    .await?;
    if !citizen.email.is_empty() {
        let text = receipt_text(
            tenant,
            citizen,
            &aid,
            (&reference, &filed_how),
            (now, due_on),
            receipt_url,
        );
        mail::queue(&txn, receipt_mail(citizen, &reference, text)).await?;
    }
    let filed = AidRequest::try_from(
        aid_request::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("request {id}")))?,
    )?;
    by.journal_in(&txn, "dépôt d'une demande (dépôt assisté)", &filed)
        .await?;
    txn.commit().await?;
    Ok(Submission::Submitted(filed))
}

/// The filing's acknowledgement of receipt, as the citizen reads it.
fn receipt_text(
    tenant: &Tenant,
    citizen: &Citizen,
    aid: &catalogue::Aid,
    (reference, filed_how): (&str, &str),
    (now, due_on): (chrono::DateTime<Utc>, chrono::NaiveDate),
    receipt_url: &str,
) -> String {
    format!(
        "Bonjour {},\n\nNous avons bien reçu votre demande « {} » le {}{filed_how}.\nSa référence : {reference}.\n\nLe département vous répondra au plus tard le {}. Sans réponse à cette date, son silence {}.\n\nVous pouvez suivre votre demande dans votre espace : {receipt_url}\n\n{}\n",
        citizen.display_name(),
        aid.title,
        now.format("%d/%m/%Y"),
        due_on.format("%d/%m/%Y"),
        aid.silence.label(),
        tenant.name(),
    )
}

/// The next request number of the year in this department.
async fn next_number(txn: &DatabaseTransaction, year: i32) -> Result<i64, DbErr> {
    let current = reference_counter::Entity::find_by_id(year).one(txn).await?;
    match current {
        None => {
            reference_counter::ActiveModel {
                year: Set(year),
                last: Set(1),
            }
            .insert(txn)
            .await?;
            Ok(1)
        }
        Some(counter) => {
            let next = counter.last + 1;
            let updated = reference_counter::Entity::update_many()
                .col_expr(reference_counter::Column::Last, Expr::value(next))
                .filter(reference_counter::Column::Year.eq(year))
                .filter(reference_counter::Column::Last.eq(counter.last))
                .exec(txn)
                .await?
                .rows_affected;
            if updated == 1 {
                Ok(next)
            } else {
                Err(DbErr::Custom("reference number taken meanwhile".into()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.id()), Some(status));
        }
        assert_eq!(Status::parse("nope"), None);
    }
}
