//! Orientation (CASF L.262-29): each person subject to rights and duties is oriented to a
//! track — professional (France Travail), socio-professional or social — and a body that
//! follows them. A referent or an officer proposes, the orientation officer decides with a
//! reason; a decision closes the orientation in force the day before it starts (a
//! réorientation), so orientations never overlap.

use app::validation::FieldErrors;
use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

use super::Desk;
use crate::entity::{insertion_orientation, insertion_person};
use crate::staff::Role;

stored_enum! {
    /// The legal tracks.
    pub enum Track {
        Professional = "professional",
        SocioProfessional = "socio_professional",
        Social = "social",
    }
}

impl Track {
    pub fn label(self) -> &'static str {
        match self {
            Track::Professional => "Professionnelle (France Travail)",
            Track::SocioProfessional => "Socio-professionnelle",
            Track::Social => "Sociale",
        }
    }
}

stored_enum! {
    /// Where an orientation stands.
    pub enum OrientationStatus {
        /// Waiting for the officer's decision.
        Proposed = "proposed",
        Decided = "decided",
        /// The officer did not follow the proposal.
        Refused = "refused",
    }
}

/// The longest reason and body name kept.
pub const REASON_MAX: usize = 1000;
pub const BODY_MAX: usize = 150;

/// An orientation as typed in a form, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub track: Track,
    pub body: String,
    pub reason: String,
}

impl Choice {
    /// Checks the form's fields; each mistake comes back at its field, in French.
    pub fn parse(track: &str, body: &str, reason: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let track = Track::parse(track.trim());
        if track.is_none() {
            errors.add(
                "track-0",
                "Choisissez le parcours : professionnel, socio-professionnel ou social.",
            );
        }
        let body = body.split_whitespace().collect::<Vec<_>>().join(" ");
        if body.is_empty() {
            errors.add(
                "body",
                "Indiquez l'organisme qui accompagnera la personne (par exemple France Travail, ou le service social du département).",
            );
        } else if body.chars().count() > BODY_MAX {
            errors.add(
                "body",
                format!("Le nom de l'organisme tient en {BODY_MAX} caractères au plus."),
            );
        }
        let reason = reason.trim().to_owned();
        if reason.is_empty() {
            errors.add(
                "reason",
                "Écrivez le motif : ce qui, dans la situation de la personne, justifie ce parcours.",
            );
        } else if reason.chars().count() > REASON_MAX {
            errors.add(
                "reason",
                format!("Le motif tient en {REASON_MAX} caractères au plus : résumez-le."),
            );
        }
        match track {
            Some(track) if errors.is_empty() => Ok(Self {
                track,
                body,
                reason,
            }),
            _ => Err(errors),
        }
    }
}

/// A person's orientations, newest first.
pub async fn of_person(
    desk: &Desk<'_>,
    person_id: i64,
) -> Result<Vec<insertion_orientation::Model>, DbErr> {
    let txn = desk.tenant().db().begin().await?;
    let rows = insertion_orientation::Entity::find()
        .filter(insertion_orientation::Column::PersonId.eq(person_id))
        .order_by_desc(insertion_orientation::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows)
}

/// The orientation in force: decided, not closed.
pub fn in_force(rows: &[insertion_orientation::Model]) -> Option<&insertion_orientation::Model> {
    rows.iter()
        .find(|o| o.status == OrientationStatus::Decided && o.ends_on.is_none())
}

/// The proposal waiting for a decision.
pub fn pending(rows: &[insertion_orientation::Model]) -> Option<&insertion_orientation::Model> {
    rows.iter()
        .find(|o| o.status == OrientationStatus::Proposed)
}

/// Why an orientation step is refused, in French.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error(
        "une proposition attend déjà la décision de l'officier d'orientation : elle doit être tranchée avant d'en faire une autre"
    )]
    AlreadyProposed,
    #[error("seul un officier d'orientation décide d'une orientation")]
    NotOfficer,
    #[error(
        "la date de début ne peut pas être dans le futur : la décision prend effet au plus tard aujourd'hui"
    )]
    Future,
    #[error(
        "l'orientation en cours a commencé le {0} : la nouvelle ne peut pas commencer avant (les orientations ne se chevauchent pas)"
    )]
    Overlap(String),
    #[error("il n'y a pas de proposition en attente pour cette personne")]
    NoProposal,
    #[error("la personne n'est plus suivie au titre du RSA (sortie le {0})")]
    Left(String),
}

fn who(desk: &Desk<'_>) -> (Option<i64>, Option<String>) {
    (
        Some(desk.account().id),
        Some(desk.account().display_name.clone()),
    )
}

/// A referent or an officer proposes an orientation.
pub async fn propose(
    desk: &Desk<'_>,
    person: &insertion_person::Model,
    choice: &Choice,
) -> Result<Result<i64, Refusal>, DbErr> {
    if let Some(left) = person.left_on {
        return Ok(Err(Refusal::Left(crate::dates::on(left))));
    }
    let txn = desk.tenant().db().begin_write().await?;
    let waiting = insertion_orientation::Entity::find()
        .filter(insertion_orientation::Column::PersonId.eq(person.id))
        .filter(insertion_orientation::Column::Status.eq(OrientationStatus::Proposed))
        .one(&txn)
        .await?;
    if waiting.is_some() {
        txn.commit().await?;
        return Ok(Err(Refusal::AlreadyProposed));
    }
    let (by, name) = who(desk);
    let now = Utc::now();
    let row = insertion_orientation::ActiveModel {
        person_id: Set(person.id),
        citizen_id: Set(person.citizen_id),
        track: Set(choice.track),
        body: Set(choice.body.clone()),
        status: Set(OrientationStatus::Proposed),
        proposed_by: Set(by),
        proposed_by_name: Set(name),
        proposed_at: Set(Some(now)),
        proposal_reason: Set(Some(choice.reason.clone())),
        decided_by: Set(None),
        decided_by_name: Set(None),
        decided_at: Set(None),
        decision_reason: Set(None),
        starts_on: Set(None),
        ends_on: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = desk.file_event(
        person.citizen_id,
        "proposition d'orientation",
        &format!(
            "personne suivie n° {} : parcours {}",
            person.id,
            choice.track.label()
        ),
        super::FOLLOW_UP,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(Ok(row.id))
}

/// The officer decides: the proposal waiting is settled (followed, or replaced by this
/// choice), the orientation in force closes the day before `starts_on`.
pub async fn decide(
    desk: &Desk<'_>,
    person: &insertion_person::Model,
    choice: &Choice,
    starts_on: NaiveDate,
    today: NaiveDate,
) -> Result<Result<i64, Refusal>, DbErr> {
    if !desk.account().has_role(Role::InsertionOrientation) {
        return Ok(Err(Refusal::NotOfficer));
    }
    if let Some(left) = person.left_on {
        return Ok(Err(Refusal::Left(crate::dates::on(left))));
    }
    if starts_on > today {
        return Ok(Err(Refusal::Future));
    }
    let txn = desk.tenant().db().begin_write().await?;
    let rows = insertion_orientation::Entity::find()
        .filter(insertion_orientation::Column::PersonId.eq(person.id))
        .all(&txn)
        .await?;
    if let Some(current) = in_force(&rows)
        && current.starts_on.is_some_and(|start| start >= starts_on)
    {
        txn.commit().await?;
        let since = current.starts_on.unwrap_or(starts_on);
        return Ok(Err(Refusal::Overlap(crate::dates::on(since))));
    }
    let now = Utc::now();
    let (by, name) = who(desk);
    if let Some(current) = in_force(&rows) {
        insertion_orientation::Entity::update_many()
            .col_expr(
                insertion_orientation::Column::EndsOn,
                Expr::value(starts_on.pred_opt().unwrap_or(starts_on)),
            )
            .filter(insertion_orientation::Column::Id.eq(current.id))
            .exec(&txn)
            .await?;
    }
    let decided = |row: &mut insertion_orientation::ActiveModel| {
        row.track = Set(choice.track);
        row.body = Set(choice.body.clone());
        row.status = Set(OrientationStatus::Decided);
        row.decided_by = Set(by);
        row.decided_by_name = Set(name.clone());
        row.decided_at = Set(Some(now));
        row.decision_reason = Set(Some(choice.reason.clone()));
        row.starts_on = Set(Some(starts_on));
    };
    let id = match pending(&rows) {
        Some(proposal) => {
            let mut row = insertion_orientation::ActiveModel {
                id: Set(proposal.id),
                ..Default::default()
            };
            decided(&mut row);
            row.update(&txn).await?.id
        }
        None => {
            let mut row = insertion_orientation::ActiveModel {
                person_id: Set(person.id),
                citizen_id: Set(person.citizen_id),
                proposed_by: Set(None),
                proposed_by_name: Set(None),
                proposed_at: Set(None),
                proposal_reason: Set(None),
                ends_on: Set(None),
                created_at: Set(now),
                ..Default::default()
            };
            decided(&mut row);
            row.insert(&txn).await?.id
        }
    };
    // The first orientation decided: the indicators count its delay from entry.
    if !rows.iter().any(|o| o.status == OrientationStatus::Decided) {
        insertion_person::Entity::update_many()
            .col_expr(
                insertion_person::Column::OrientationDays,
                Expr::value(
                    i32::try_from((starts_on - person.entered_on).num_days()).unwrap_or(i32::MAX),
                ),
            )
            .col_expr(insertion_person::Column::OrientedOn, Expr::value(starts_on))
            .filter(insertion_person::Column::Id.eq(person.id))
            .exec(&txn)
            .await?;
    }
    let action = if in_force(&rows).is_some() {
        "réorientation"
    } else {
        "décision d'orientation"
    };
    let entry = desk.file_event(
        person.citizen_id,
        action,
        &format!(
            "personne suivie n° {} : parcours {}, {} (à partir du {})",
            person.id,
            choice.track.label(),
            choice.body,
            crate::dates::on(starts_on)
        ),
        super::FOLLOW_UP,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(Ok(id))
}

/// The officer does not follow the proposal waiting, with a reason.
pub async fn refuse(
    desk: &Desk<'_>,
    person: &insertion_person::Model,
    reason: &str,
) -> Result<Result<(), Refusal>, DbErr> {
    if !desk.account().has_role(Role::InsertionOrientation) {
        return Ok(Err(Refusal::NotOfficer));
    }
    let txn = desk.tenant().db().begin_write().await?;
    let (by, name) = who(desk);
    let changed = insertion_orientation::Entity::update_many()
        .col_expr(
            insertion_orientation::Column::Status,
            Expr::value(OrientationStatus::Refused),
        )
        .col_expr(insertion_orientation::Column::DecidedBy, Expr::value(by))
        .col_expr(
            insertion_orientation::Column::DecidedByName,
            Expr::value(name),
        )
        .col_expr(
            insertion_orientation::Column::DecidedAt,
            Expr::value(Utc::now()),
        )
        .col_expr(
            insertion_orientation::Column::DecisionReason,
            Expr::value(reason.trim()),
        )
        .filter(insertion_orientation::Column::PersonId.eq(person.id))
        .filter(insertion_orientation::Column::Status.eq(OrientationStatus::Proposed))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed == 0 {
        txn.commit().await?;
        return Ok(Err(Refusal::NoProposal));
    }
    let entry = desk.file_event(
        person.citizen_id,
        "proposition d'orientation non retenue",
        &format!("personne suivie n° {}", person.id),
        super::FOLLOW_UP,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_is_checked_field_by_field() {
        let ok = Choice::parse("social", "  CCAS   de Nîmes ", " Logement d'abord. ").unwrap();
        assert_eq!(ok.track, Track::Social);
        assert_eq!(ok.body, "CCAS de Nîmes");
        assert_eq!(ok.reason, "Logement d'abord.");
        let errors = Choice::parse("emploi", "", "").unwrap_err();
        assert!(errors.of("track-0").is_some());
        assert!(errors.of("body").is_some());
        assert!(errors.of("reason").is_some());
        let long = "x".repeat(REASON_MAX + 1);
        assert!(Choice::parse("professional", "France Travail", &long).is_err());
    }
}
