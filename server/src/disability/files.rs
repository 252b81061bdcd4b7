//! A disability file from the person's side: a draft of the national form, filled step by
//! step (a renewal starts from the previous file's answers, each step confirmed again), the
//! rights asked for, the pieces, and the filing, which makes one request per right.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Set,
};
use tenants::Tenant;

use super::application::{self, FORM, Facts};
use super::rights::{Pole, Right};
use crate::aid_requests::form::{Answer, AnswerError, Answers};
use crate::audit::AuditEvent;
use crate::entity::{disability_file, disability_request};
use crate::ids::CitizenId;
use crate::user_relations::mandates;

/// Where a file stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Draft,
    /// Filed, not yet looked at by reception.
    Filed,
    /// Reception asked for pieces, with a deadline.
    WaitingPieces,
    /// Complete: the legal clock runs from the completeness date.
    Complete,
    /// The pieces asked for did not come by the deadline.
    Irrecevable,
    /// The committee decided on every request; the person is notified.
    Decided,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Draft,
        Status::Filed,
        Status::WaitingPieces,
        Status::Complete,
        Status::Irrecevable,
        Status::Decided,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Filed => "filed",
            Status::WaitingPieces => "waiting_pieces",
            Status::Complete => "complete",
            Status::Irrecevable => "irrecevable",
            Status::Decided => "decided",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        Status::ALL.into_iter().find(|s| s.id() == id)
    }

    /// In a badge: a word or two, never wrapped.
    pub fn short(self) -> &'static str {
        match self {
            Status::Draft => "Brouillon",
            Status::Filed => "Déposée",
            Status::WaitingPieces => "Pièces attendues",
            Status::Complete => "Complète",
            Status::Irrecevable => "Irrecevable",
            Status::Decided => "Décidée",
        }
    }

    /// As the person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "Brouillon",
            Status::Filed => "Déposée, en cours de vérification",
            Status::WaitingPieces => "Pièces à envoyer",
            Status::Complete => "Complète, en cours d'évaluation",
            Status::Irrecevable => "Irrecevable",
            Status::Decided => "Décidée : lisez les notifications",
        }
    }
}

/// A first request, or a renewal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    First,
    Renewal,
}

impl Kind {
    pub fn id(self) -> &'static str {
        match self {
            Kind::First => "first",
            Kind::Renewal => "renewal",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::First => "Première demande",
            Kind::Renewal => "Renouvellement",
        }
    }
}

/// Reception's journal entry for a change it makes under a mandate, from the action's words
/// and the file as changed: written in the change's own transaction, so neither lands without
/// the other.
pub type MandateEntry<'a> = &'a (dyn Fn(&str, &File) -> Option<AuditEvent> + Send + Sync);

/// Who files: the person (or their parent, carer, representative, from the person's account)
/// or reception under a mandate (`user_relations::mandates`), each change journaled for the
/// person.
#[derive(Clone, Copy)]
pub enum FiledBy<'a> {
    Citizen,
    Mandate { id: i64, journal: MandateEntry<'a> },
}

impl FiledBy<'_> {
    /// Under a mandate: holds it for this transaction, or says it is over.
    pub(crate) async fn hold(
        self,
        txn: &DatabaseTransaction,
        citizen_id: i64,
    ) -> Result<(), DraftError> {
        let FiledBy::Mandate { id, .. } = self else {
            return Ok(());
        };
        let what = mandates::Use::Whole(tenants::Module::Disability);
        if mandates::hold(txn, id, CitizenId(citizen_id), what).await? {
            Ok(())
        } else {
            Err(DraftError::MandateOver)
        }
    }

    /// Under a mandate, journals `action` on `file` in the change's transaction.
    pub(crate) async fn journal_in(
        self,
        txn: &DatabaseTransaction,
        action: &str,
        file: &File,
    ) -> Result<(), DbErr> {
        if let FiledBy::Mandate { journal, .. } = self
            && let Some(entry) = journal(action, file)
        {
            crate::audit::append_in(txn, &[entry]).await?;
        }
        Ok(())
    }

    fn mandate_id(self) -> Option<i64> {
        match self {
            FiledBy::Citizen => None,
            FiledBy::Mandate { id, .. } => Some(id),
        }
    }
}

/// Keys of the answers the module keeps beside the form's own.
mod extra {
    /// The rights ticked, by code, comma-separated, until the file is filed.
    pub const RIGHTS: &str = "e_droits";
    /// The steps the person went through (« Continuer »), comma-separated.
    pub const STEPS: &str = "_etapes";
}

/// A file as the module reads it.
#[derive(Clone, Debug)]
pub struct File {
    pub row: disability_file::Model,
    pub answers: Answers,
}

impl File {
    pub(crate) fn from_row(row: disability_file::Model) -> Self {
        let answers = serde_json::from_str(&row.answers).unwrap_or_default();
        Self { row, answers }
    }

    pub fn id(&self) -> i64 {
        self.row.id
    }

    pub fn status(&self) -> Status {
        Status::parse(&self.row.status).unwrap_or(Status::Filed)
    }

    pub fn kind(&self) -> Kind {
        match self.row.kind.as_str() {
            "renewal" => Kind::Renewal,
            _ => Kind::First,
        }
    }

    /// « MDPH-2026-000042 ».
    pub fn reference(&self) -> String {
        let year = self.row.filed_at.unwrap_or(self.row.created_at);
        format!("MDPH-{}-{:06}", year.format("%Y"), self.row.id)
    }

    pub fn facts(&self) -> Facts {
        Facts::of(&self.answers)
    }

    pub fn pole(&self) -> Option<Pole> {
        self.row.pole.as_deref().and_then(Pole::parse)
    }

    /// The person's pole today, from the birth date answered (a draft has none stored yet).
    pub fn pole_on(&self, day: NaiveDate) -> Option<Pole> {
        self.pole()
            .or_else(|| self.facts().born_on.map(|born| Pole::of(born, day)))
    }

    /// The rights ticked in the draft.
    pub fn chosen_rights(&self) -> Vec<Right> {
        match self.answers.get(extra::RIGHTS) {
            Some(Answer::Text(codes)) => codes.split(',').filter_map(Right::parse).collect(),
            _ => Vec::new(),
        }
    }

    /// The steps the person went through.
    pub fn steps_done(&self) -> Vec<u32> {
        match self.answers.get(extra::STEPS) {
            Some(Answer::Text(steps)) => steps.split(',').filter_map(|s| s.parse().ok()).collect(),
            _ => Vec::new(),
        }
    }

    /// Whether the rights page was answered (a right ticked, or the generic request).
    pub fn rights_answered(&self) -> bool {
        self.row.generic || !self.chosen_rights().is_empty()
    }
}

/// The person's files, newest first.
pub async fn of_citizen(tenant: &Tenant, citizen_id: i64) -> Result<Vec<File>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = disability_file::Entity::find()
        .filter(disability_file::Column::CitizenId.eq(citizen_id))
        .order_by_desc(disability_file::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows.into_iter().map(File::from_row).collect())
}

/// One of the person's files (another's is not found).
pub async fn find_for_citizen(
    tenant: &Tenant,
    citizen_id: i64,
    id: i64,
) -> Result<Option<File>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = disability_file::Entity::find_by_id(id)
        .filter(disability_file::Column::CitizenId.eq(citizen_id))
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok(row.map(File::from_row))
}

/// The requests of a file, one per right, in the form's order.
pub async fn requests(
    tenant: &Tenant,
    file_id: i64,
) -> Result<Vec<disability_request::Model>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = disability_request::Entity::find()
        .filter(disability_request::Column::FileId.eq(file_id))
        .order_by_asc(disability_request::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows)
}

/// Starts a draft. A renewal starts from the answers of the person's latest filed file.
pub async fn start(
    tenant: &Tenant,
    citizen_id: i64,
    kind: Kind,
    filed_by: (FiledBy<'_>, &str),
) -> Result<i64, DraftError> {
    let previous = match kind {
        Kind::First => None,
        Kind::Renewal => of_citizen(tenant, citizen_id)
            .await?
            .into_iter()
            .find(|f| f.status() != Status::Draft),
    };
    let mut answers = previous
        .as_ref()
        .map(|f| f.answers.clone())
        .unwrap_or_default();
    // The person confirms every step again; the rights are chosen anew.
    answers.remove(extra::STEPS);
    answers.remove(extra::RIGHTS);
    let now = Utc::now();
    let txn = tenant.db().begin_write().await?;
    filed_by.0.hold(&txn, citizen_id).await?;
    let row = disability_file::ActiveModel {
        citizen_id: Set(citizen_id),
        kind: Set(kind.id().into()),
        previous_file_id: Set(previous.as_ref().map(File::id)),
        filed_by: Set(match filed_by.0 {
            FiledBy::Citizen => "self".into(),
            FiledBy::Mandate { .. } => "reception".into(),
        }),
        mandate_id: Set(filed_by.0.mandate_id()),
        filed_by_name: Set(filed_by.1.to_owned()),
        answers: Set(to_json(&answers)?),
        form_version: Set(application::VERSION.into()),
        generic: Set(false),
        status: Set(Status::Draft.id().into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let id = row.id;
    filed_by
        .0
        .journal_in(
            &txn,
            "préparation d'une demande à la MDPH",
            &File::from_row(row),
        )
        .await?;
    txn.commit().await?;
    Ok(id)
}

fn to_json(answers: &Answers) -> Result<String, DbErr> {
    serde_json::to_string(answers).map_err(|e| DbErr::Custom(e.to_string()))
}

/// Why a draft's change did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    #[error("cette demande est déjà déposée : elle ne se modifie plus")]
    NotADraft,
    /// Under a mandate that ended, expired or does not cover the MDPH's request.
    #[error("le mandat ne peut plus servir")]
    MandateOver,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Reads the draft in a write transaction, for a change, holding the mandate it is made under.
async fn draft_in(
    txn: &DatabaseTransaction,
    (citizen_id, by): (i64, FiledBy<'_>),
    id: i64,
) -> Result<disability_file::Model, DraftError> {
    by.hold(txn, citizen_id).await?;
    let row = disability_file::Entity::find_by_id(id)
        .filter(disability_file::Column::CitizenId.eq(citizen_id))
        .one(txn)
        .await?
        .ok_or(DraftError::NotADraft)?;
    if row.status != Status::Draft.id() {
        return Err(DraftError::NotADraft);
    }
    Ok(row)
}

/// Keeps a step's answers (its questions' previous answers replaced); `passed` marks the step
/// as gone through.
pub async fn save_step(
    tenant: &Tenant,
    who: (i64, FiledBy<'_>),
    id: i64,
    (step, passed): (u32, bool),
    step_answers: Answers,
) -> Result<(), DraftError> {
    let txn = tenant.db().begin_write().await?;
    let row = draft_in(&txn, who, id).await?;
    let mut file = File::from_row(row);
    for field in FORM.step_fields(step) {
        file.answers.remove(&field.key);
    }
    file.answers.extend(step_answers);
    if passed {
        let mut steps = file.steps_done();
        if !steps.contains(&step) {
            steps.push(step);
            steps.sort_unstable();
        }
        let steps = steps
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        file.answers
            .insert(extra::STEPS.into(), Answer::Text(steps));
    }
    let action = format!(
        "saisie de l'étape {step} ({})",
        application::PARTS[step as usize - 1]
    );
    who.1.journal_in(&txn, &action, &file).await?;
    let mut active = file.row.into_active_model();
    active.answers = Set(to_json(&file.answers)?);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Keeps the rights chosen (already checked by `rights::read_choice`) or the generic request.
pub async fn save_rights(
    tenant: &Tenant,
    who: (i64, FiledBy<'_>),
    id: i64,
    rights: &[Right],
    generic: bool,
) -> Result<(), DraftError> {
    let txn = tenant.db().begin_write().await?;
    let row = draft_in(&txn, who, id).await?;
    let mut file = File::from_row(row);
    let codes = rights
        .iter()
        .map(|r| r.code())
        .collect::<Vec<_>>()
        .join(",");
    file.answers
        .insert(extra::RIGHTS.into(), Answer::Text(codes));
    who.1
        .journal_in(&txn, "choix des droits demandés", &file)
        .await?;
    let mut active = file.row.into_active_model();
    active.answers = Set(to_json(&file.answers)?);
    active.generic = Set(generic);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// What stops a draft from being filed, each in French with where to fix it.
pub fn filing_errors(file: &File) -> Vec<AnswerError> {
    let mut errors = Vec::new();
    let done = file.steps_done();
    for step in 1..=FORM.step_count() {
        if !done.contains(&step) {
            errors.push(AnswerError {
                key: format!("etape-{step}"),
                message: format!(
                    "Relisez et validez l'étape {step} ({}) avec « Continuer ».",
                    application::PARTS[step as usize - 1]
                ),
            });
        }
    }
    errors.extend(FORM.check_complete(&file.answers));
    if !file.rights_answered() {
        errors.push(AnswerError {
            key: "droits".into(),
            message: "Choisissez les droits demandés, ou demandez à l'équipe d'étudier tous vos droits (partie E).".into(),
        });
    }
    errors
}

/// Files the draft: one request per right, the pole from the person's age, the team from its
/// sector (`sectors::route`). The pieces may
/// still be missing: reception asks for them (a request counts once its person is known).
pub async fn file(
    tenant: &Tenant,
    (citizen_id, by): (i64, FiledBy<'_>),
    id: i64,
    now: DateTime<Utc>,
) -> Result<Result<File, Vec<AnswerError>>, DraftError> {
    let txn = tenant.db().begin_write().await?;
    let row = draft_in(&txn, (citizen_id, by), id).await?;
    let file = File::from_row(row);
    let errors = filing_errors(&file);
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let today = crate::dates::day_of(now);
    let pole = file.pole_on(today).unwrap_or(Pole::Adult);
    let rights = if file.row.generic {
        // The generic request: the team looks at every right open to the person, those ticked
        // included.
        Right::offered_to(pole).collect()
    } else {
        file.chosen_rights()
    };
    for right in &rights {
        disability_request::ActiveModel {
            file_id: Set(file.id()),
            citizen_id: Set(citizen_id),
            right_code: Set(right.code().into()),
            status: Set("filed".into()),
            due_on: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let sectors = super::sectors::read_in(&txn).await?;
    let sector = file
        .facts()
        .postcode
        .and_then(|postcode| super::sectors::route(&sectors, &postcode, pole).map(str::to_owned));
    let mut active = file.row.clone().into_active_model();
    active.status = Set(Status::Filed.id().into());
    active.pole = Set(Some(pole.id().into()));
    active.sector = Set(sector);
    active.filed_at = Set(Some(now));
    active.updated_at = Set(now);
    let filed = File::from_row(active.update(&txn).await?);
    by.journal_in(&txn, "dépôt de la demande à la MDPH", &filed)
        .await?;
    txn.commit().await?;
    Ok(Ok(filed))
}

/// A request's status, as the person and the team read it.
pub fn request_status_label(status: &str) -> &'static str {
    match status {
        "filed" => "Déposée",
        "evaluation" => "En cours d'évaluation",
        "irrecevable" => "Irrecevable",
        "decided" => "Décidée",
        "adjourned" => "Ajournée à une prochaine séance",
        _ => "En cours",
    }
}
