//! The contrat d'engagement (L.262-35, D.5411-14-1): goals, actions by theme with due dates,
//! at least 15 hours of activity a week unless reduced with a reason, the next review. The
//! referent writes a version and signs it for the department, which freezes it; the person
//! signs it from their space, or the referent keeps the scan of the paper they signed. A
//! signed version replaces the one in force; a new version starts from it, its actions not
//! done carried over. It must be signed within a month of the orientation's decision (a new
//! orientation restarts that month). The person reads their contract and marks actions done.

use app::validation::FieldErrors;
use chrono::{Months, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use tenants::Tenant;

use super::Desk;
use super::orientation::{OrientationStatus, Track};
use crate::entity::{
    insertion_contract, insertion_contract_action, insertion_orientation, insertion_person,
};

stored_enum! {
    /// Where a version of the contract stands.
    pub enum ContractStatus {
        /// Being written by the referent.
        Draft = "draft",
        /// Signed for the department, waiting for the person's signature.
        ToSign = "to_sign",
        /// In force.
        Signed = "signed",
        /// A later version was signed.
        Replaced = "replaced",
    }
}

impl ContractStatus {
    pub fn label(self) -> &'static str {
        match self {
            ContractStatus::Draft => "En préparation",
            ContractStatus::ToSign => "À signer par la personne",
            ContractStatus::Signed => "En vigueur",
            ContractStatus::Replaced => "Remplacé",
        }
    }
}

stored_enum! {
    /// What an action is about.
    pub enum Theme {
        Employment = "employment",
        Training = "training",
        Health = "health",
        Housing = "housing",
        Mobility = "mobility",
        Family = "family",
        Budget = "budget",
        SocialLife = "social_life",
    }
}

impl Theme {
    pub fn label(self) -> &'static str {
        match self {
            Theme::Employment => "Emploi",
            Theme::Training => "Formation",
            Theme::Health => "Santé",
            Theme::Housing => "Logement",
            Theme::Mobility => "Mobilité",
            Theme::Family => "Famille",
            Theme::Budget => "Budget",
            Theme::SocialLife => "Vie sociale",
        }
    }
}

/// The weekly hours of activity the law asks for, unless reduced with a reason.
pub const WEEKLY_HOURS: i32 = 15;
/// The most weekly hours a contract may set.
pub const WEEKLY_HOURS_MAX: i32 = 35;
pub const GOALS_MAX: usize = 2000;
pub const REASON_MAX: usize = 1000;
pub const TITLE_MAX: usize = 200;
/// How far ahead the review may be set: 6 months, 12 on the social track.
pub fn review_months(track: Track) -> u32 {
    if track == Track::Social { 12 } else { 6 }
}

/// A version's terms as typed, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terms {
    pub goals: String,
    pub weekly_hours: i32,
    pub reduction_reason: Option<String>,
    pub review_on: NaiveDate,
}

impl Terms {
    /// Checks the form's fields against the track in force; each mistake at its field.
    pub fn parse(
        goals: &str,
        weekly_hours: &str,
        reduction_reason: &str,
        review_on: &str,
        track: Track,
        today: NaiveDate,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let goals = goals.trim().to_owned();
        if goals.is_empty() {
            errors.add(
                "goals",
                "Écrivez les objectifs du contrat, tels que la personne les lira.",
            );
        } else if goals.chars().count() > GOALS_MAX {
            errors.add(
                "goals",
                format!("Les objectifs tiennent en {GOALS_MAX} caractères au plus : résumez-les."),
            );
        }
        let hours = weekly_hours.trim().parse::<i32>().ok();
        match hours {
            Some(h) if (0..=WEEKLY_HOURS_MAX).contains(&h) => {}
            _ => errors.add(
                "weekly_hours",
                format!(
                    "Indiquez le nombre d'heures d'activité par semaine, un nombre entier de 0 à {WEEKLY_HOURS_MAX} (par exemple {WEEKLY_HOURS})."
                ),
            ),
        }
        let reason = reduction_reason.trim().to_owned();
        if hours.is_some_and(|h| h < WEEKLY_HOURS) && reason.is_empty() {
            errors.add(
                "reduction_reason",
                format!(
                    "Moins de {WEEKLY_HOURS} heures par semaine : écrivez la raison de la réduction (santé, handicap, parent isolé…)."
                ),
            );
        } else if reason.chars().count() > REASON_MAX {
            errors.add(
                "reduction_reason",
                format!("La raison tient en {REASON_MAX} caractères au plus."),
            );
        }
        let months = review_months(track);
        let latest = today
            .checked_add_months(Months::new(months))
            .unwrap_or(today);
        let review_on = NaiveDate::parse_from_str(review_on.trim(), "%Y-%m-%d").ok();
        match review_on {
            None => errors.add(
                "review_on",
                "Indiquez la date du prochain point sur le contrat, par exemple 04/03/2027.",
            ),
            Some(day) if day <= today => errors.add(
                "review_on",
                "Le prochain point sur le contrat est une date à venir.",
            ),
            Some(day) if day > latest => errors.add(
                "review_on",
                format!(
                    "Sur ce parcours, le prochain point a lieu dans les {months} mois, le {} au plus tard.",
                    crate::dates::on(latest)
                ),
            ),
            Some(_) => {}
        }
        match (hours, review_on) {
            (Some(weekly_hours), Some(review_on)) if errors.is_empty() => Ok(Self {
                goals,
                weekly_hours,
                reduction_reason: (weekly_hours < WEEKLY_HOURS).then_some(reason),
                review_on,
            }),
            _ => Err(errors),
        }
    }
}

/// An action as typed, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAction {
    pub theme: Theme,
    pub title: String,
    pub due_on: Option<NaiveDate>,
}

impl NewAction {
    pub fn parse(
        theme: &str,
        title: &str,
        due_on: &str,
        today: NaiveDate,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let theme = Theme::parse(theme.trim());
        if theme.is_none() {
            errors.add(
                "theme",
                "Choisissez le thème de l'action : emploi, formation, santé, logement…",
            );
        }
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        if title.is_empty() {
            errors.add(
                "title",
                "Écrivez l'action, par exemple « S'inscrire à l'atelier CV du 12 janvier ».",
            );
        } else if title.chars().count() > TITLE_MAX {
            errors.add(
                "title",
                format!("L'action tient en {TITLE_MAX} caractères au plus."),
            );
        }
        let due_on = match due_on.trim() {
            "" => None,
            typed => match NaiveDate::parse_from_str(typed, "%Y-%m-%d") {
                Ok(day) if day >= today => Some(day),
                Ok(_) => {
                    errors.add("due_on", "L'échéance est aujourd'hui ou une date à venir.");
                    None
                }
                Err(_) => {
                    errors.add(
                        "due_on",
                        "Indiquez l'échéance sous la forme 15/01/2027, ou laissez le champ vide.",
                    );
                    None
                }
            },
        };
        match theme {
            Some(theme) if errors.is_empty() => Ok(Self {
                theme,
                title,
                due_on,
            }),
            _ => Err(errors),
        }
    }
}

/// A version of the contract with its actions.
#[derive(Clone, Debug)]
pub struct Contract {
    pub row: insertion_contract::Model,
    pub actions: Vec<insertion_contract_action::Model>,
}

/// A person's versions, the newest first.
pub async fn of_person(tenant: &Tenant, person_id: i64) -> Result<Vec<Contract>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = insertion_contract::Entity::find()
        .filter(insertion_contract::Column::PersonId.eq(person_id))
        .order_by_desc(insertion_contract::Column::Version)
        .all(&txn)
        .await?;
    let mut actions = insertion_contract_action::Entity::find()
        .filter(insertion_contract_action::Column::PersonId.eq(person_id))
        .order_by_asc(insertion_contract_action::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (mine, rest) = actions.drain(..).partition(|a| a.contract_id == row.id);
            actions = rest;
            Contract { row, actions: mine }
        })
        .collect())
}

/// The version in force.
pub fn in_force(versions: &[Contract]) -> Option<&Contract> {
    versions
        .iter()
        .find(|c| c.row.status == ContractStatus::Signed)
}

/// The version being written or waiting for the person's signature.
pub fn being_written(versions: &[Contract]) -> Option<&Contract> {
    versions
        .iter()
        .find(|c| matches!(c.row.status, ContractStatus::Draft | ContractStatus::ToSign))
}

/// The last day to sign a contract under an orientation that started on `oriented_on`, when
/// none has been signed since: D.5411-14-1 gives a month.
pub fn sign_by(oriented_on: NaiveDate, versions: &[Contract]) -> Option<NaiveDate> {
    let signed_since = versions
        .iter()
        .any(|c| c.row.signed_on.is_some_and(|day| day >= oriented_on));
    (!signed_since).then(|| {
        oriented_on
            .checked_add_months(Months::new(1))
            .unwrap_or(oriented_on)
    })
}

/// Why a step on the contract is refused, in French.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("la personne n'a pas d'orientation en cours : le contrat suit l'orientation décidée")]
    NoOrientation,
    #[error("une version du contrat est déjà en préparation ou à signer : reprenez-la")]
    AlreadyWriting,
    #[error(
        "cette version est déjà signée par le département : elle ne change plus (préparez-en une nouvelle une fois celle-ci signée)"
    )]
    Frozen,
    #[error("il n'y a pas de version en préparation : préparez d'abord le contrat")]
    NoDraft,
    #[error("ajoutez au moins une action au contrat avant de le signer")]
    NoAction,
    #[error("ce contrat n'attend pas la signature de la personne")]
    NotToSign,
    #[error("cette action n'est pas ouverte dans le contrat en vigueur")]
    ActionNotOpen,
    #[error("cette action n'est pas dans la version en préparation")]
    NotInDraft,
    #[error("la personne n'est plus suivie au titre du RSA (sortie le {0})")]
    Left(String),
}

type Step<T> = Result<Result<T, Refusal>, DbErr>;

/// The referent starts a version: from the one in force, its actions not done carried over.
pub async fn start(desk: &Desk<'_>, person: &insertion_person::Model, terms: &Terms) -> Step<i64> {
    if let Some(left) = person.left_on {
        return Ok(Err(Refusal::Left(crate::dates::on(left))));
    }
    let txn = desk.tenant().db().begin_write().await?;
    super::one_at_a_time(&txn, person.id).await?;
    let oriented = insertion_orientation::Entity::find()
        .filter(insertion_orientation::Column::PersonId.eq(person.id))
        .filter(insertion_orientation::Column::Status.eq(OrientationStatus::Decided))
        .filter(insertion_orientation::Column::EndsOn.is_null())
        .count(&txn)
        .await?;
    if oriented == 0 {
        txn.commit().await?;
        return Ok(Err(Refusal::NoOrientation));
    }
    let versions = insertion_contract::Entity::find()
        .filter(insertion_contract::Column::PersonId.eq(person.id))
        .all(&txn)
        .await?;
    if versions
        .iter()
        .any(|c| matches!(c.status, ContractStatus::Draft | ContractStatus::ToSign))
    {
        txn.commit().await?;
        return Ok(Err(Refusal::AlreadyWriting));
    }
    let version = versions.iter().map(|c| c.version).max().unwrap_or(0) + 1;
    let now = Utc::now();
    let row = insertion_contract::ActiveModel {
        person_id: Set(person.id),
        citizen_id: Set(person.citizen_id),
        version: Set(version),
        status: Set(ContractStatus::Draft),
        goals: Set(terms.goals.clone()),
        weekly_hours: Set(terms.weekly_hours),
        reduction_reason: Set(terms.reduction_reason.clone()),
        review_on: Set(Some(terms.review_on)),
        written_by: Set(desk.account().id),
        written_by_name: Set(desk.account().display_name.clone()),
        department_signed_at: Set(None),
        department_signed_name: Set(None),
        person_signed_at: Set(None),
        paper_document_id: Set(None),
        signed_on: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if let Some(current) = versions.iter().find(|c| c.status == ContractStatus::Signed) {
        let open = insertion_contract_action::Entity::find()
            .filter(insertion_contract_action::Column::ContractId.eq(current.id))
            .filter(insertion_contract_action::Column::DoneAt.is_null())
            .all(&txn)
            .await?;
        for action in open {
            insertion_contract_action::ActiveModel {
                contract_id: Set(row.id),
                person_id: Set(action.person_id),
                citizen_id: Set(action.citizen_id),
                theme: Set(action.theme),
                title: Set(action.title),
                due_on: Set(action.due_on),
                done_at: Set(None),
                done_by: Set(None),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    let entry = desk.file_event(
        person.citizen_id,
        "préparation du contrat d'engagement",
        &format!("personne suivie n° {} : version {version}", person.id),
        super::FOLLOW_UP,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(Ok(row.id))
}

/// The draft `contract_id` of `person`, read in `txn`: refused once frozen.
async fn draft_in(
    txn: &DatabaseTransaction,
    person: &insertion_person::Model,
    contract_id: i64,
) -> Result<Result<insertion_contract::Model, Refusal>, DbErr> {
    let row = insertion_contract::Entity::find_by_id(contract_id)
        .filter(insertion_contract::Column::PersonId.eq(person.id))
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("contract {contract_id}")))?;
    Ok(if row.status == ContractStatus::Draft {
        Ok(row)
    } else {
        Err(Refusal::Frozen)
    })
}

/// Changes the terms of a draft.
pub async fn amend(
    desk: &Desk<'_>,
    person: &insertion_person::Model,
    contract_id: i64,
    terms: &Terms,
) -> Step<()> {
    let txn = desk.tenant().db().begin_write().await?;
    if let Err(refusal) = draft_in(&txn, person, contract_id).await? {
        txn.commit().await?;
        return Ok(Err(refusal));
    }
    insertion_contract::ActiveModel {
        id: Set(contract_id),
        goals: Set(terms.goals.clone()),
        weekly_hours: Set(terms.weekly_hours),
        reduction_reason: Set(terms.reduction_reason.clone()),
        review_on: Set(Some(terms.review_on)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    let entry = desk.file_event(
        person.citizen_id,
        "modification du contrat d'engagement en préparation",
        &format!("personne suivie n° {}", person.id),
        super::FOLLOW_UP,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(Ok(()))
}

/// Adds an action to a draft.
pub async fn add_action(
    desk: &Desk<'_>,
    person: &insertion_person::Model,
    contract_id: i64,
    action: &NewAction,
) -> Step<i64> {
    let txn = desk.tenant().db().begin_write().await?;
    if let Err(refusal) = draft_in(&txn, person, contract_id).await? {
        txn.commit().await?;
        return Ok(Err(refusal));
    }
    let row = insertion_contract_action::ActiveModel {
        contract_id: Set(contract_id),
        person_id: Set(person.id),
        citizen_id: Set(person.citizen_id),
        theme: Set(action.theme),
        title: Set(action.title.clone()),
        due_on: Set(action.due_on),
        done_at: Set(None),
        done_by: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Ok(row.id))
}

/// Takes an action out of a draft.
pub async fn remove_action(
    desk: &Desk<'_>,
    person: &insertion_person::Model,
    contract_id: i64,
    action_id: i64,
) -> Step<()> {
    let txn = desk.tenant().db().begin_write().await?;
    if let Err(refusal) = draft_in(&txn, person, contract_id).await? {
        txn.commit().await?;
        return Ok(Err(refusal));
    }
    let removed = insertion_contract_action::Entity::delete_many()
        .filter(insertion_contract_action::Column::Id.eq(action_id))
        .filter(insertion_contract_action::Column::ContractId.eq(contract_id))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(if removed == 0 {
        Err(Refusal::NotInDraft)
    } else {
        Ok(())
    })
}

/// The referent signs the draft for the department: it is frozen and waits for the person.
pub async fn sign_for_department(
    desk: &Desk<'_>,
    person: &insertion_person::Model,
    contract_id: i64,
) -> Step<()> {
    let txn = desk.tenant().db().begin_write().await?;
    let row = match draft_in(&txn, person, contract_id).await? {
        Ok(row) => row,
        Err(refusal) => {
            txn.commit().await?;
            return Ok(Err(refusal));
        }
    };
    let actions = insertion_contract_action::Entity::find()
        .filter(insertion_contract_action::Column::ContractId.eq(contract_id))
        .count(&txn)
        .await?;
    if actions == 0 {
        txn.commit().await?;
        return Ok(Err(Refusal::NoAction));
    }
    insertion_contract::ActiveModel {
        id: Set(contract_id),
        status: Set(ContractStatus::ToSign),
        department_signed_at: Set(Some(Utc::now())),
        department_signed_name: Set(Some(desk.account().display_name.clone())),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    let entry = desk.file_event(
        person.citizen_id,
        "signature du contrat d'engagement par le département",
        &format!("personne suivie n° {} : version {}", person.id, row.version),
        super::FOLLOW_UP,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(Ok(()))
}

/// The department takes back the version waiting for the person's signature, to change it:
/// it is a draft again, the department's signature removed; the person no longer sees it.
pub async fn take_back(
    desk: &Desk<'_>,
    person: &insertion_person::Model,
    contract_id: i64,
) -> Step<()> {
    let txn = desk.tenant().db().begin_write().await?;
    let taken = insertion_contract::Entity::update_many()
        .col_expr(
            insertion_contract::Column::Status,
            sea_orm::sea_query::Expr::value(ContractStatus::Draft),
        )
        .col_expr(
            insertion_contract::Column::DepartmentSignedAt,
            sea_orm::sea_query::Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .col_expr(
            insertion_contract::Column::DepartmentSignedName,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .filter(insertion_contract::Column::Id.eq(contract_id))
        .filter(insertion_contract::Column::PersonId.eq(person.id))
        .filter(insertion_contract::Column::Status.eq(ContractStatus::ToSign))
        .exec(&txn)
        .await?
        .rows_affected;
    if taken != 1 {
        txn.commit().await?;
        return Ok(Err(Refusal::NotToSign));
    }
    let entry = desk.file_event(
        person.citizen_id,
        "reprise du contrat d'engagement pour le modifier avant votre signature",
        &format!("personne suivie n° {} : contrat {contract_id}", person.id),
        super::FOLLOW_UP,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(Ok(()))
}

/// How a version waiting for the person came to be signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignedBy {
    /// On screen, from their space.
    Person,
    /// On paper: the scan is the citizen's document `0`.
    Paper(i64),
}

/// The version waiting for the person's signature becomes the one in force; the one it
/// replaces is kept as such. The first contract under the first orientation tells the
/// indicators whether it came within the month.
async fn settle(
    txn: &DatabaseTransaction,
    person_id: i64,
    contract_id: i64,
    by: SignedBy,
    today: NaiveDate,
) -> Result<Result<insertion_contract::Model, Refusal>, DbErr> {
    let Some(row) = insertion_contract::Entity::find_by_id(contract_id)
        .filter(insertion_contract::Column::PersonId.eq(person_id))
        .one(txn)
        .await?
    else {
        return Ok(Err(Refusal::NotToSign));
    };
    if row.status != ContractStatus::ToSign {
        return Ok(Err(Refusal::NotToSign));
    }
    insertion_contract::Entity::update_many()
        .col_expr(
            insertion_contract::Column::Status,
            Expr::value(ContractStatus::Replaced),
        )
        .filter(insertion_contract::Column::PersonId.eq(person_id))
        .filter(insertion_contract::Column::Status.eq(ContractStatus::Signed))
        .exec(txn)
        .await?;
    let (person_signed_at, paper) = match by {
        SignedBy::Person => (Some(Utc::now()), None),
        SignedBy::Paper(document) => (None, Some(document)),
    };
    let row = insertion_contract::ActiveModel {
        id: Set(contract_id),
        status: Set(ContractStatus::Signed),
        person_signed_at: Set(person_signed_at),
        paper_document_id: Set(paper),
        signed_on: Set(Some(today)),
        ..Default::default()
    }
    .update(txn)
    .await?;
    if let Some(person) = insertion_person::Entity::find_by_id(person_id)
        .one(txn)
        .await?
        && person.contract_in_time.is_none()
        && let Some(oriented_on) = person.oriented_on
    {
        let within = oriented_on
            .checked_add_months(Months::new(1))
            .is_some_and(|last| today <= last);
        insertion_person::Entity::update_many()
            .col_expr(
                insertion_person::Column::ContractInTime,
                Expr::value(within),
            )
            .filter(insertion_person::Column::Id.eq(person_id))
            .exec(txn)
            .await?;
    }
    Ok(Ok(row))
}

/// The referent keeps the scan of the paper the person signed: the version waiting comes
/// into force. The scan is stored first, as the citizen's document (`document_id`).
pub async fn signed_on_paper(
    desk: &Desk<'_>,
    person: &insertion_person::Model,
    contract_id: i64,
    document_id: i64,
) -> Step<()> {
    let txn = desk.tenant().db().begin_write().await?;
    let today = crate::dates::today();
    let row = match settle(
        &txn,
        person.id,
        contract_id,
        SignedBy::Paper(document_id),
        today,
    )
    .await?
    {
        Ok(row) => row,
        Err(refusal) => {
            txn.commit().await?;
            return Ok(Err(refusal));
        }
    };
    let entry = desk.file_event(
        person.citizen_id,
        "contrat d'engagement signé sur papier",
        &format!(
            "personne suivie n° {} : version {}, copie numérisée enregistrée",
            person.id, row.version
        ),
        super::FOLLOW_UP,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(Ok(()))
}

/// Whether row `id` of `E` is the citizen's: `columns` are its id and citizen columns.
async fn belongs<E: EntityTrait>(
    tenant: &Tenant,
    (id_column, citizen_column): (E::Column, E::Column),
    id: i64,
    citizen_id: i64,
) -> Result<bool, DbErr>
where
    E::Model: Sync,
{
    let txn = tenant.db().begin().await?;
    let n = E::find()
        .filter(id_column.eq(id))
        .filter(citizen_column.eq(citizen_id))
        .count(&txn)
        .await?;
    txn.commit().await?;
    Ok(n > 0)
}

/// Whether contract `contract_id` is the citizen's (another's is not found).
pub async fn is_citizens(
    tenant: &Tenant,
    citizen_id: i64,
    contract_id: i64,
) -> Result<bool, DbErr> {
    use insertion_contract::{Column, Entity};
    belongs::<Entity>(
        tenant,
        (Column::Id, Column::CitizenId),
        contract_id,
        citizen_id,
    )
    .await
}

/// Whether action `action_id` is of the citizen's contract.
pub async fn is_citizens_action(
    tenant: &Tenant,
    citizen_id: i64,
    action_id: i64,
) -> Result<bool, DbErr> {
    use insertion_contract_action::{Column, Entity};
    belongs::<Entity>(
        tenant,
        (Column::Id, Column::CitizenId),
        action_id,
        citizen_id,
    )
    .await
}

/// The people the module follows who are this citizen (usually one).
pub async fn people_of_citizen(
    tenant: &Tenant,
    citizen_id: i64,
) -> Result<Vec<insertion_person::Model>, DbErr> {
    let txn = tenant.db().begin().await?;
    let people = insertion_person::Entity::find()
        .filter(insertion_person::Column::CitizenId.eq(citizen_id))
        .order_by_asc(insertion_person::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(people)
}

/// The person signs, from their space, the version waiting for them.
pub async fn sign_by_person(tenant: &Tenant, citizen_id: i64, contract_id: i64) -> Step<()> {
    let txn = tenant.db().begin_write().await?;
    let Some(row) = insertion_contract::Entity::find_by_id(contract_id)
        .filter(insertion_contract::Column::CitizenId.eq(citizen_id))
        .one(&txn)
        .await?
    else {
        txn.commit().await?;
        return Ok(Err(Refusal::NotToSign));
    };
    let settled = settle(
        &txn,
        row.person_id,
        contract_id,
        SignedBy::Person,
        crate::dates::today(),
    )
    .await?;
    txn.commit().await?;
    Ok(settled.map(|_| ()))
}

/// Who marks an action done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DoneBy {
    /// The person, from their space.
    Person,
    /// A staff member, by name.
    Staff(String),
}

/// Marks an open action of the version in force done. `citizen_id` bounds it to the citizen's
/// own contract when the person marks it.
pub async fn mark_done(
    tenant: &Tenant,
    citizen_id: i64,
    action_id: i64,
    by: DoneBy,
) -> Step<insertion_contract_action::Model> {
    let txn = tenant.db().begin_write().await?;
    let action = insertion_contract_action::Entity::find_by_id(action_id)
        .filter(insertion_contract_action::Column::CitizenId.eq(citizen_id))
        .one(&txn)
        .await?;
    let contract = match &action {
        Some(a) => {
            insertion_contract::Entity::find_by_id(a.contract_id)
                .one(&txn)
                .await?
        }
        None => None,
    };
    let (Some(action), Some(contract)) = (action, contract) else {
        txn.commit().await?;
        return Ok(Err(Refusal::ActionNotOpen));
    };
    if contract.status != ContractStatus::Signed || action.done_at.is_some() {
        txn.commit().await?;
        return Ok(Err(Refusal::ActionNotOpen));
    }
    let done_by = match by {
        DoneBy::Person => "la personne".to_owned(),
        DoneBy::Staff(name) => name,
    };
    let action = insertion_contract_action::ActiveModel {
        id: Set(action.id),
        done_at: Set(Some(Utc::now())),
        done_by: Set(Some(done_by)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    txn.commit().await?;
    Ok(Ok(action))
}

/// A staff member marks an action of the person's contract done (journaled).
pub async fn mark_done_by_staff(
    desk: &Desk<'_>,
    person: &insertion_person::Model,
    action_id: i64,
) -> Step<()> {
    let by = DoneBy::Staff(desk.account().display_name.clone());
    let done = mark_done(desk.tenant(), person.citizen_id, action_id, by).await?;
    if let Ok(action) = &done {
        desk.audit_file(
            person.citizen_id,
            "action du contrat d'engagement marquée faite",
            &format!("personne suivie n° {} : {}", person.id, action.title),
            super::FOLLOW_UP,
        )
        .await?;
    }
    Ok(done.map(|_| ()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn terms_need_a_reason_below_fifteen_hours() {
        let today = day("2026-12-04");
        let ok = Terms::parse(
            " Retrouver un emploi ",
            "15",
            "ignored",
            "2027-03-01",
            Track::Professional,
            today,
        )
        .unwrap();
        assert_eq!(ok.goals, "Retrouver un emploi");
        assert_eq!(ok.reduction_reason, None);
        let errors =
            Terms::parse("Soins", "8", "", "2027-03-01", Track::Social, today).unwrap_err();
        assert!(errors.of("reduction_reason").is_some());
        let reduced =
            Terms::parse("Soins", "8", "Santé", "2027-03-01", Track::Social, today).unwrap();
        assert_eq!(reduced.reduction_reason.as_deref(), Some("Santé"));
        assert!(
            Terms::parse("x", "40", "", "2027-03-01", Track::Social, today)
                .unwrap_err()
                .of("weekly_hours")
                .is_some()
        );
    }

    #[test]
    fn the_review_comes_within_six_months_or_twelve_on_the_social_track() {
        let today = day("2026-12-04");
        let late = "2027-10-01";
        assert!(
            Terms::parse("x", "15", "", late, Track::Professional, today)
                .unwrap_err()
                .of("review_on")
                .is_some()
        );
        assert!(Terms::parse("x", "15", "", late, Track::Social, today).is_ok());
        assert!(
            Terms::parse("x", "15", "", "2026-12-04", Track::Social, today)
                .unwrap_err()
                .of("review_on")
                .is_some()
        );
    }

    #[test]
    fn an_action_has_a_theme_a_title_and_maybe_a_due_date() {
        let today = day("2026-12-04");
        let ok = NewAction::parse("housing", "  Dossier   DALO ", "", today).unwrap();
        assert_eq!(
            (ok.theme, ok.title.as_str(), ok.due_on),
            (Theme::Housing, "Dossier DALO", None)
        );
        let errors = NewAction::parse("cuisine", "", "2026-01-01", today).unwrap_err();
        assert!(errors.of("theme").is_some());
        assert!(errors.of("title").is_some());
        assert!(errors.of("due_on").is_some());
    }

    #[test]
    fn the_month_to_sign_runs_from_the_orientation_until_a_contract_is_signed_after_it() {
        assert_eq!(sign_by(day("2026-11-30"), &[]), Some(day("2026-12-30")));
        assert_eq!(sign_by(day("2027-01-31"), &[]), Some(day("2027-02-28")));
    }
}
