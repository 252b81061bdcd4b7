//! Sanction cases (CASF L.262-37, décret 2025-478). For a refusal to sign the contract, a
//! breach of it or a missed appointment, the orientation officer records the facts and the
//! sanction planned; the person is told (letter and space) and has a month to answer, in
//! writing from their space or heard (assisted if they wish); the équipe pluridisciplinaire
//! gives its opinion (required before a suppression); the officer decides within the legal
//! bounds — a suspension-remobilisation of at least 30 % for 1 to 2 months (up to 4 when
//! repeated), at most 50 % for a household of more than one person — or drops the case; a
//! sanction is lifted when the person complies.

use app::validation::FieldErrors;
use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use tenants::Tenant;

use super::Desk;
use crate::entity::{insertion_person, insertion_sanction_case};
use crate::staff::Role;

stored_enum! {
    /// What the person failed to do.
    pub enum Ground {
        RefusedContract = "refused_contract",
        ContractBreach = "contract_breach",
        MissedAppointment = "missed_appointment",
    }
}

impl Ground {
    pub fn label(self) -> &'static str {
        match self {
            Ground::RefusedContract => "Refus de signer le contrat d'engagement",
            Ground::ContractBreach => "Manquement aux engagements du contrat",
            Ground::MissedAppointment => "Absence à un rendez-vous sans motif légitime",
        }
    }
}

stored_enum! {
    /// The sanction.
    pub enum Measure {
        /// Suspension-remobilisation: a share of the RSA for some months.
        Suspension = "suspension",
        /// The RSA suppressed: only after the équipe pluridisciplinaire's opinion.
        Suppression = "suppression",
    }
}

impl Measure {
    pub fn label(self) -> &'static str {
        match self {
            Measure::Suspension => "Suspension-remobilisation",
            Measure::Suppression => "Suppression du RSA",
        }
    }
}

stored_enum! {
    /// Where a case stands.
    pub enum CaseStatus {
        /// Prepared, the person not told yet.
        Opened = "opened",
        /// Told: their observations awaited until the due day.
        Notified = "notified",
        /// Their observations received.
        Answered = "answered",
        /// A sanction decided, in force.
        Decided = "decided",
        /// No sanction.
        Dropped = "dropped",
        /// The sanction lifted, the person having complied.
        Lifted = "lifted",
    }
}

impl CaseStatus {
    pub fn label(self) -> &'static str {
        match self {
            CaseStatus::Opened => "En préparation",
            CaseStatus::Notified => "Observations attendues",
            CaseStatus::Answered => "Observations reçues",
            CaseStatus::Decided => "Sanction en cours",
            CaseStatus::Dropped => "Sans suite",
            CaseStatus::Lifted => "Sanction levée",
        }
    }

    /// Not settled yet: one such case per person at a time.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            CaseStatus::Opened | CaseStatus::Notified | CaseStatus::Answered
        )
    }
}

/// The least rate of a suspension, and the most for a household of more than one person.
pub const MIN_RATE: i32 = 30;
pub const HOUSEHOLD_CAP: i32 = 50;
/// The longest suspension, and when repeated.
pub const MAX_MONTHS: i32 = 2;
pub const REPEATED_MAX_MONTHS: i32 = 4;
/// How long the person has to answer.
pub const OBSERVATION_DAYS: i64 = 30;
pub const TEXT_MAX: usize = 4000;

/// A sanction as planned or decided, checked against the bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sanction {
    pub measure: Measure,
    /// Percent of the RSA withheld (100 for a suppression).
    pub rate: i32,
    /// Months (0 for a suppression).
    pub months: i32,
}

impl Sanction {
    /// Checks the fields against the law: `household_size` sets the cap, `repeated` the
    /// longest duration.
    pub fn parse(
        measure: &str,
        rate: &str,
        months: &str,
        household_size: i32,
        repeated: bool,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let Some(measure) = Measure::parse(measure.trim()) else {
            errors.add(
                "measure-0",
                "Choisissez la sanction : une suspension-remobilisation, ou la suppression du RSA.",
            );
            return Err(errors);
        };
        if measure == Measure::Suppression {
            return Ok(Self {
                measure,
                rate: 100,
                months: 0,
            });
        }
        let cap = if household_size > 1 {
            HOUSEHOLD_CAP
        } else {
            100
        };
        match rate.trim().trim_end_matches('%').trim().parse::<i32>() {
            Ok(r) if r < MIN_RATE => errors.add(
                "rate",
                format!("Le taux d'une suspension-remobilisation est de {MIN_RATE} % au moins."),
            ),
            Ok(r) if r > cap && cap == HOUSEHOLD_CAP => errors.add(
                "rate",
                format!(
                    "Pour un foyer de plus d'une personne, le taux ne dépasse pas {HOUSEHOLD_CAP} %."
                ),
            ),
            Ok(r) if r > cap => errors.add("rate", "Le taux ne dépasse pas 100 %."),
            Ok(_) => {}
            Err(_) => errors.add(
                "rate",
                format!("Indiquez le taux en pour cent, un nombre entier (par exemple {MIN_RATE})."),
            ),
        }
        let longest = if repeated {
            REPEATED_MAX_MONTHS
        } else {
            MAX_MONTHS
        };
        match months.trim().parse::<i32>() {
            Ok(m) if (1..=longest).contains(&m) => {}
            _ if repeated => errors.add(
                "months",
                format!("En cas de récidive, la durée est de 1 à {REPEATED_MAX_MONTHS} mois."),
            ),
            _ => errors.add(
                "months",
                format!(
                    "La durée est de 1 à {MAX_MONTHS} mois (jusqu'à {REPEATED_MAX_MONTHS} en cas de récidive)."
                ),
            ),
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            measure,
            rate: rate
                .trim()
                .trim_end_matches('%')
                .trim()
                .parse()
                .unwrap_or(0),
            months: months.trim().parse().unwrap_or(0),
        })
    }

    /// « Suspension-remobilisation de 30 % pendant 2 mois ».
    pub fn words(self) -> String {
        match self.measure {
            Measure::Suppression => Measure::Suppression.label().to_owned(),
            Measure::Suspension => format!(
                "{} de {} % pendant {} mois",
                self.measure.label(),
                self.rate,
                self.months
            ),
        }
    }
}

/// A written text, trimmed; when empty or too long, `None` and the mistake said at `field`.
pub fn text(errors: &mut FieldErrors, field: &str, typed: &str, empty: &str) -> Option<String> {
    let typed = typed.trim();
    if typed.is_empty() {
        errors.add(field, empty);
        return None;
    }
    if typed.chars().count() > TEXT_MAX {
        errors.add(
            field,
            format!("Le texte tient en {TEXT_MAX} caractères au plus : résumez-le."),
        );
        return None;
    }
    Some(typed.to_owned())
}

/// Why a step is refused, in French.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("seul un officier d'orientation conduit une procédure de sanction")]
    NotOfficer,
    #[error("une procédure est déjà en cours pour cette personne : menez-la à son terme d'abord")]
    AlreadyPending,
    #[error("cette étape ne convient pas à l'état de la procédure ({0})")]
    WrongStep(&'static str),
    #[error(
        "la personne a jusqu'au {0} pour présenter ses observations : la décision attend ce jour, ou ses observations"
    )]
    TooEarly(String),
    #[error(
        "une suppression du RSA ne se décide qu'après l'avis de l'équipe pluridisciplinaire : enregistrez-le d'abord"
    )]
    NeedsOpinion,
    #[error("l'équipe pluridisciplinaire a déjà donné son avis sur ce cas")]
    OpinionGiven,
}

type Step<T> = Result<Result<T, Refusal>, DbErr>;

/// The people counted in the person's household by the funds' file (applicant and partner).
pub async fn known_household(
    tenant: &Tenant,
    person: &insertion_person::Model,
) -> Result<i32, DbErr> {
    use sea_orm::PaginatorTrait;
    let txn = tenant.db().begin().await?;
    let n = insertion_person::Entity::find()
        .filter(insertion_person::Column::Fund.eq(&person.fund))
        .filter(insertion_person::Column::Matricule.eq(&person.matricule))
        .filter(insertion_person::Column::LeftOn.is_null())
        .count(&txn)
        .await?;
    txn.commit().await?;
    Ok(i32::try_from(n).unwrap_or(1).max(1))
}

/// A person's cases, newest first.
pub async fn of_person(
    tenant: &Tenant,
    person_id: i64,
) -> Result<Vec<insertion_sanction_case::Model>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = insertion_sanction_case::Entity::find()
        .filter(insertion_sanction_case::Column::PersonId.eq(person_id))
        .order_by_desc(insertion_sanction_case::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows)
}

/// A case, to read or act on (the desk's department's).
pub async fn find(
    tenant: &Tenant,
    id: i64,
) -> Result<Option<insertion_sanction_case::Model>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = insertion_sanction_case::Entity::find_by_id(id)
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok(row)
}

/// Whether a suspension was decided for the person before (the duration may then reach 4
/// months).
pub fn repeated(cases: &[insertion_sanction_case::Model]) -> bool {
    cases.iter().any(|c| {
        matches!(c.status, CaseStatus::Decided | CaseStatus::Lifted)
            && c.decided_measure == Some(Measure::Suspension)
    })
}

/// What the officer records to open a case.
#[derive(Clone, Debug)]
pub struct Opening {
    pub ground: Ground,
    pub facts: String,
    pub household_size: i32,
    pub planned: Sanction,
}

fn officer(desk: &Desk<'_>) -> Result<(), Refusal> {
    if desk.account().has_role(Role::InsertionOrientation) {
        Ok(())
    } else {
        Err(Refusal::NotOfficer)
    }
}

/// The officer opens a case (one pending at a time).
pub async fn open(
    desk: &Desk<'_>,
    person: &insertion_person::Model,
    opening: &Opening,
) -> Step<i64> {
    if let Err(refusal) = officer(desk) {
        return Ok(Err(refusal));
    }
    let txn = desk.tenant().db().begin_write().await?;
    super::one_at_a_time(&txn, person.id).await?;
    let cases = insertion_sanction_case::Entity::find()
        .filter(insertion_sanction_case::Column::PersonId.eq(person.id))
        .all(&txn)
        .await?;
    if cases.iter().any(|c| c.status.is_pending()) {
        txn.commit().await?;
        return Ok(Err(Refusal::AlreadyPending));
    }
    let row = insertion_sanction_case::ActiveModel {
        person_id: Set(person.id),
        citizen_id: Set(person.citizen_id),
        status: Set(CaseStatus::Opened),
        ground: Set(opening.ground),
        facts: Set(opening.facts.clone()),
        household_size: Set(opening.household_size),
        repeated: Set(repeated(&cases)),
        planned_measure: Set(opening.planned.measure),
        planned_rate: Set(opening.planned.rate),
        planned_months: Set(opening.planned.months),
        opened_by: Set(desk.account().id),
        opened_by_name: Set(desk.account().display_name.clone()),
        opened_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = desk.file_event(
        person.citizen_id,
        "ouverture d'une procédure de sanction",
        &format!(
            "personne suivie n° {} : {}",
            person.id,
            opening.ground.label()
        ),
        super::FOLLOW_UP,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(Ok(row.id))
}

/// Changes case `case` in one transaction, journaled as `action`, if it is in one of `from`.
async fn step(
    desk: &Desk<'_>,
    case: &insertion_sanction_case::Model,
    from: &[CaseStatus],
    action: &str,
    change: insertion_sanction_case::ActiveModel,
) -> Step<()> {
    if let Err(refusal) = officer(desk) {
        return Ok(Err(refusal));
    }
    if !from.contains(&case.status) {
        return Ok(Err(Refusal::WrongStep(case.status.label())));
    }
    let txn = desk.tenant().db().begin_write().await?;
    // Written only if the case is still where it was read: two officers at once, one wins.
    let updated = insertion_sanction_case::Entity::update_many()
        .set(change)
        .filter(insertion_sanction_case::Column::Id.eq(case.id))
        .filter(insertion_sanction_case::Column::Status.eq(case.status))
        .exec(&txn)
        .await?
        .rows_affected;
    if updated == 0 {
        txn.commit().await?;
        return Ok(Err(Refusal::WrongStep(case.status.label())));
    }
    let entry = desk.file_event(
        case.citizen_id,
        action,
        &format!("procédure de sanction n° {}", case.id),
        super::FOLLOW_UP,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(Ok(()))
}

/// The person is told of the facts and the sanction planned: a month to answer.
pub async fn notify(
    desk: &Desk<'_>,
    case: &insertion_sanction_case::Model,
    today: NaiveDate,
) -> Step<NaiveDate> {
    let due = today + Duration::days(OBSERVATION_DAYS);
    let change = insertion_sanction_case::ActiveModel {
        status: Set(CaseStatus::Notified),
        notified_at: Set(Some(Utc::now())),
        observations_due_on: Set(Some(due)),
        ..Default::default()
    };
    let done = step(
        desk,
        case,
        &[CaseStatus::Opened],
        "notification d'une procédure de sanction",
        change,
    )
    .await?;
    Ok(done.map(|()| due))
}

/// The officer records the observations the person gave orally, and who assisted them.
pub async fn heard(
    desk: &Desk<'_>,
    case: &insertion_sanction_case::Model,
    observations: &str,
    assisted_by: Option<String>,
) -> Step<()> {
    let change = insertion_sanction_case::ActiveModel {
        status: Set(CaseStatus::Answered),
        observations: Set(Some(observations.to_owned())),
        observations_how: Set(Some("heard".into())),
        assisted_by: Set(assisted_by),
        observations_at: Set(Some(Utc::now())),
        ..Default::default()
    };
    step(
        desk,
        case,
        &[CaseStatus::Notified],
        "observations recueillies lors d'un entretien",
        change,
    )
    .await
}

/// The person writes their observations from their space, while they are awaited.
pub async fn written(
    tenant: &Tenant,
    citizen_id: i64,
    case_id: i64,
    observations: &str,
) -> Step<()> {
    let txn = tenant.db().begin_write().await?;
    let updated = insertion_sanction_case::Entity::update_many()
        .set(insertion_sanction_case::ActiveModel {
            status: Set(CaseStatus::Answered),
            observations: Set(Some(observations.to_owned())),
            observations_how: Set(Some("written".into())),
            observations_at: Set(Some(Utc::now())),
            ..Default::default()
        })
        .filter(insertion_sanction_case::Column::Id.eq(case_id))
        .filter(insertion_sanction_case::Column::CitizenId.eq(citizen_id))
        .filter(insertion_sanction_case::Column::Status.eq(CaseStatus::Notified))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(if updated == 1 {
        Ok(())
    } else {
        Err(Refusal::WrongStep(
            "vos observations ne sont plus attendues",
        ))
    })
}

/// The équipe pluridisciplinaire's session and opinion.
pub async fn opinion(
    desk: &Desk<'_>,
    case: &insertion_sanction_case::Model,
    session_on: NaiveDate,
    opinion: &str,
) -> Step<()> {
    let change = insertion_sanction_case::ActiveModel {
        ep_session_on: Set(Some(session_on)),
        ep_opinion: Set(Some(opinion.to_owned())),
        ..Default::default()
    };
    step(
        desk,
        case,
        &[CaseStatus::Notified, CaseStatus::Answered],
        "avis de l'équipe pluridisciplinaire",
        change,
    )
    .await
}

/// The officer puts a waiting case on the agenda of the équipe pluridisciplinaire's session of
/// `session_on` (or moves it to another session), until the opinion is recorded.
pub async fn schedule(
    desk: &Desk<'_>,
    case: &insertion_sanction_case::Model,
    session_on: NaiveDate,
) -> Step<()> {
    if case.ep_opinion.is_some() {
        return Ok(Err(Refusal::OpinionGiven));
    }
    let change = insertion_sanction_case::ActiveModel {
        ep_session_on: Set(Some(session_on)),
        ..Default::default()
    };
    step(
        desk,
        case,
        &[CaseStatus::Notified, CaseStatus::Answered],
        "inscription à l'ordre du jour de l'équipe pluridisciplinaire",
        change,
    )
    .await
}

/// The équipe pluridisciplinaire's agenda: the cases waiting for a decision with their
/// persons, those put on a session first (by its day), then the others (oldest first).
pub async fn agenda(
    tenant: &Tenant,
) -> Result<Vec<(insertion_sanction_case::Model, insertion_person::Model)>, DbErr> {
    let txn = tenant.db().begin().await?;
    let mut cases = insertion_sanction_case::Entity::find()
        .filter(
            insertion_sanction_case::Column::Status
                .is_in([CaseStatus::Notified, CaseStatus::Answered]),
        )
        .all(&txn)
        .await?;
    let people = insertion_person::Entity::find()
        .filter(insertion_person::Column::Id.is_in(cases.iter().map(|c| c.person_id)))
        .all(&txn)
        .await?;
    txn.commit().await?;
    cases.sort_by_key(|c| {
        (
            c.ep_session_on.is_none(),
            c.ep_session_on,
            c.opened_at,
            c.id,
        )
    });
    Ok(cases
        .into_iter()
        .filter_map(|c| {
            let person = people.iter().find(|p| p.id == c.person_id)?.clone();
            Some((c, person))
        })
        .collect())
}

/// The officer decides: a sanction within the bounds (checked by [`Sanction::parse`]) from
/// `starts_on`, or none. Not before the person answered or their month is over.
pub async fn decide(
    desk: &Desk<'_>,
    case: &insertion_sanction_case::Model,
    sanction: Option<Sanction>,
    reason: &str,
    starts_on: NaiveDate,
    today: NaiveDate,
) -> Step<()> {
    if case.status == CaseStatus::Notified
        && let Some(due) = case.observations_due_on
        && today <= due
    {
        return Ok(Err(Refusal::TooEarly(crate::dates::on(due))));
    }
    if sanction.is_some_and(|s| s.measure == Measure::Suppression) && case.ep_opinion.is_none() {
        return Ok(Err(Refusal::NeedsOpinion));
    }
    let mut change = insertion_sanction_case::ActiveModel {
        decision_reason: Set(Some(reason.to_owned())),
        decided_by_name: Set(Some(desk.account().display_name.clone())),
        decided_at: Set(Some(Utc::now())),
        ..Default::default()
    };
    let action = match sanction {
        Some(s) => {
            change.status = Set(CaseStatus::Decided);
            change.decided_measure = Set(Some(s.measure));
            change.decided_rate = Set(Some(s.rate));
            change.decided_months = Set(Some(s.months));
            change.starts_on = Set(Some(starts_on));
            "décision de sanction"
        }
        None => {
            change.status = Set(CaseStatus::Dropped);
            "procédure de sanction classée sans suite"
        }
    };
    step(
        desk,
        case,
        &[CaseStatus::Notified, CaseStatus::Answered],
        action,
        change,
    )
    .await
}

/// The person complied: the sanction is lifted from `on`.
pub async fn lift(
    desk: &Desk<'_>,
    case: &insertion_sanction_case::Model,
    reason: &str,
    on: NaiveDate,
) -> Step<()> {
    let change = insertion_sanction_case::ActiveModel {
        status: Set(CaseStatus::Lifted),
        lifted_on: Set(Some(on)),
        lift_reason: Set(Some(reason.to_owned())),
        ..Default::default()
    };
    step(
        desk,
        case,
        &[CaseStatus::Decided],
        "levée d'une sanction",
        change,
    )
    .await
}

/// The department's cases pending and sanctions in force, for the indicators.
pub async fn counts(tenant: &Tenant) -> Result<(u64, u64), DbErr> {
    use sea_orm::PaginatorTrait;
    let txn = tenant.db().begin().await?;
    let pending = insertion_sanction_case::Entity::find()
        .filter(insertion_sanction_case::Column::Status.is_in([
            CaseStatus::Opened,
            CaseStatus::Notified,
            CaseStatus::Answered,
        ]))
        .count(&txn)
        .await?;
    let in_force = insertion_sanction_case::Entity::find()
        .filter(insertion_sanction_case::Column::Status.eq(CaseStatus::Decided))
        .count(&txn)
        .await?;
    txn.commit().await?;
    Ok((pending, in_force))
}

/// The planned sanction of a case, as a value.
pub fn planned(case: &insertion_sanction_case::Model) -> Sanction {
    Sanction {
        measure: case.planned_measure,
        rate: case.planned_rate,
        months: case.planned_months,
    }
}

/// The decided sanction of a case, if any.
pub fn decided(case: &insertion_sanction_case::Model) -> Option<Sanction> {
    Some(Sanction {
        measure: case.decided_measure?,
        rate: case.decided_rate.unwrap_or(0),
        months: case.decided_months.unwrap_or(0),
    })
}

/// The facts of a case, as label and value, for the officer and the person alike (and in
/// their right of access).
pub fn lines(case: &insertion_sanction_case::Model) -> Vec<(String, String)> {
    let mut lines = vec![
        ("Motif".to_owned(), case.ground.label().to_owned()),
        ("Les faits".to_owned(), case.facts.clone()),
        ("Sanction envisagée".to_owned(), planned(case).words()),
    ];
    if let Some(due) = case.observations_due_on {
        lines.push((
            "Observations attendues jusqu'au".to_owned(),
            crate::dates::on(due),
        ));
    }
    if let Some(observations) = &case.observations {
        let how = match (case.observations_how.as_deref(), &case.assisted_by) {
            (Some("heard"), Some(by)) => format!("Dites en entretien, assistée par {by}"),
            (Some("heard"), None) => "Dites en entretien".to_owned(),
            _ => "Écrites depuis son espace".to_owned(),
        };
        lines.push((format!("Observations ({how})"), observations.clone()));
    }
    if let (Some(on), None) = (case.ep_session_on, &case.ep_opinion) {
        lines.push((
            "Séance de l'équipe pluridisciplinaire".to_owned(),
            format!("inscrite à l'ordre du jour du {}", crate::dates::on(on)),
        ));
    }
    if let (Some(on), Some(opinion)) = (case.ep_session_on, &case.ep_opinion) {
        lines.push((
            format!(
                "Avis de l'équipe pluridisciplinaire ({})",
                crate::dates::on(on)
            ),
            opinion.clone(),
        ));
    }
    match (case.status, decided(case)) {
        (CaseStatus::Decided | CaseStatus::Lifted, Some(s)) => lines.push((
            "Sanction décidée".to_owned(),
            format!(
                "{} à partir du {} — {}",
                s.words(),
                case.starts_on.map(crate::dates::on).unwrap_or_default(),
                case.decision_reason.clone().unwrap_or_default()
            ),
        )),
        (CaseStatus::Dropped, _) => lines.push((
            "Décision".to_owned(),
            format!(
                "Sans suite — {}",
                case.decision_reason.clone().unwrap_or_default()
            ),
        )),
        _ => {}
    }
    if let (Some(on), Some(reason)) = (case.lifted_on, &case.lift_reason) {
        lines.push((format!("Levée le {}", crate::dates::on(on)), reason.clone()));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suspension_stays_within_the_legal_bounds() {
        let ok = Sanction::parse("suspension", "30", "2", 1, false).unwrap();
        assert_eq!(
            ok.words(),
            "Suspension-remobilisation de 30 % pendant 2 mois"
        );
        assert!(Sanction::parse("suspension", "80", "1", 1, false).is_ok());
        let low = Sanction::parse("suspension", "20", "1", 1, false).unwrap_err();
        assert!(low.of("rate").unwrap().contains("30 % au moins"));
        let capped = Sanction::parse("suspension", "60", "1", 3, false).unwrap_err();
        assert!(capped.of("rate").unwrap().contains("50 %"));
        let long = Sanction::parse("suspension", "30", "3", 1, false).unwrap_err();
        assert!(long.of("months").is_some());
        assert!(Sanction::parse("suspension", "30", "4", 1, true).is_ok());
        assert!(Sanction::parse("suspension", "30", "5", 1, true).is_err());
        assert!(Sanction::parse("amende", "30", "1", 1, false).is_err());
        let suppression = Sanction::parse("suppression", "", "", 4, false).unwrap();
        assert_eq!(suppression.words(), "Suppression du RSA");
    }
}
