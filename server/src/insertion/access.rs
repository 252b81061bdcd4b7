//! Insertion's part of the right of access: what the funds' files said of the person, the
//! timeline of their right, their orientations, their referents, their contracts, the
//! invitations sent to them, the follow-up notes written about them and their sanction cases.

use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use tenants::Tenant;

use super::orientation::OrientationStatus;
use crate::citizens::Citizen;
use crate::citizens::file::{Item, Section, Sections, line};
use crate::dates::on as day;
use crate::entity::{
    insertion_contract, insertion_contract_action, insertion_invitation, insertion_note,
    insertion_orientation, insertion_person, insertion_referent, insertion_right_event,
    insertion_sanction_case,
};
use crate::modules::{Boxed, section};

/// Insertion's sections of the right of access (`modules::Part::access`).
pub fn sections<'a>(tenant: &'a Tenant, citizen: &'a Citizen) -> Boxed<'a, Sections> {
    Box::pin(async move { Ok(vec![follow_up(tenant, citizen.id).await?]) })
}

/// Everything the module holds on one citizen, read in one transaction.
struct Held {
    people: Vec<insertion_person::Model>,
    events: Vec<insertion_right_event::Model>,
    orientations: Vec<insertion_orientation::Model>,
    referents: Vec<insertion_referent::Model>,
    contracts: Vec<insertion_contract::Model>,
    actions: Vec<insertion_contract_action::Model>,
    notes: Vec<insertion_note::Model>,
    cases: Vec<insertion_sanction_case::Model>,
    invitations: Vec<insertion_invitation::Model>,
}

async fn held(tenant: &Tenant, citizen_id: i64) -> Result<Held, DbErr> {
    let txn = tenant.db().begin().await?;
    let held = Held {
        people: insertion_person::Entity::find()
            .filter(insertion_person::Column::CitizenId.eq(citizen_id))
            .order_by_asc(insertion_person::Column::Id)
            .all(&txn)
            .await?,
        events: insertion_right_event::Entity::find()
            .filter(insertion_right_event::Column::CitizenId.eq(citizen_id))
            .order_by_asc(insertion_right_event::Column::Id)
            .all(&txn)
            .await?,
        orientations: insertion_orientation::Entity::find()
            .filter(insertion_orientation::Column::CitizenId.eq(citizen_id))
            .order_by_asc(insertion_orientation::Column::Id)
            .all(&txn)
            .await?,
        referents: insertion_referent::Entity::find()
            .filter(insertion_referent::Column::CitizenId.eq(citizen_id))
            .order_by_asc(insertion_referent::Column::Id)
            .all(&txn)
            .await?,
        contracts: insertion_contract::Entity::find()
            .filter(insertion_contract::Column::CitizenId.eq(citizen_id))
            .order_by_asc(insertion_contract::Column::Id)
            .all(&txn)
            .await?,
        actions: insertion_contract_action::Entity::find()
            .filter(insertion_contract_action::Column::CitizenId.eq(citizen_id))
            .order_by_asc(insertion_contract_action::Column::Id)
            .all(&txn)
            .await?,
        notes: insertion_note::Entity::find()
            .filter(insertion_note::Column::CitizenId.eq(citizen_id))
            .order_by_asc(insertion_note::Column::Id)
            .all(&txn)
            .await?,
        cases: insertion_sanction_case::Entity::find()
            .filter(insertion_sanction_case::Column::CitizenId.eq(citizen_id))
            .order_by_asc(insertion_sanction_case::Column::Id)
            .all(&txn)
            .await?,
        invitations: insertion_invitation::Entity::find()
            .filter(insertion_invitation::Column::CitizenId.eq(citizen_id))
            .order_by_asc(insertion_invitation::Column::Id)
            .all(&txn)
            .await?,
    };
    txn.commit().await?;
    Ok(held)
}

async fn follow_up(tenant: &Tenant, citizen_id: i64) -> Result<Section, DbErr> {
    let held = held(tenant, citizen_id).await?;
    let items = held
        .people
        .iter()
        .map(|person| {
            let mut lines = facts(person);
            lines.extend(
                held.events
                    .iter()
                    .filter(|e| e.person_id == person.id)
                    .map(|e| {
                        line(
                            &format!("{} — {}", day(e.happened_on), e.kind.label()),
                            e.right_state.label(),
                        )
                    }),
            );
            lines.extend(
                held.orientations
                    .iter()
                    .filter(|o| o.person_id == person.id)
                    .map(orientation_line),
            );
            lines.extend(
                held.referents
                    .iter()
                    .filter(|r| r.person_id == person.id)
                    .map(referent_line),
            );
            for c in held.contracts.iter().filter(|c| c.person_id == person.id) {
                lines.push(contract_line(c));
                lines.extend(
                    held.actions
                        .iter()
                        .filter(|a| a.contract_id == c.id)
                        .map(action_line),
                );
            }
            lines.extend(
                held.invitations
                    .iter()
                    .filter(|i| i.person_id == person.id)
                    .map(invitation_line),
            );
            lines.extend(
                held.notes
                    .iter()
                    .filter(|n| n.person_id == person.id)
                    .map(|n| {
                        line(
                            &format!(
                                "Note de suivi de {}, le {}",
                                n.author_name,
                                crate::dates::day(n.created_at)
                            ),
                            &n.body,
                        )
                    }),
            );
            for case in held.cases.iter().filter(|c| c.person_id == person.id) {
                lines.push(line(
                    &format!("Procédure de sanction n° {}", case.id),
                    case.status.label(),
                ));
                lines.extend(super::sanctions::lines(case));
            }
            Item {
                heading: format!("{} {}", person.given_name, person.family_name),
                lines,
            }
        })
        .collect();
    Ok(Section {
        title: section::INSERTION.into(),
        items,
    })
}

/// What the funds' files said of them.
fn facts(person: &insertion_person::Model) -> Vec<(String, String)> {
    let mut lines = vec![
        line("Caisse", &person.fund),
        line("Numéro d'allocataire", &person.matricule),
        line(
            "Rôle dans le dossier",
            if person.role == "CJT" {
                "Conjoint ou partenaire"
            } else {
                "Demandeur"
            },
        ),
        line("NIR", person.nir.clone().unwrap_or_default()),
        line("Situation du droit", person.right_state.label()),
        line(
            "Soumis aux droits et devoirs",
            if person.rights_and_duties {
                "oui"
            } else {
                "non"
            },
        ),
        line(
            "Information reçue par le département le",
            day(person.entered_on),
        ),
    ];
    if let Some(left) = person.left_on {
        lines.push(line("Sorti du RSA le", day(left)));
    }
    lines
}

fn orientation_line(o: &insertion_orientation::Model) -> (String, String) {
    let starts = o.starts_on.map(day).unwrap_or_default();
    match o.status {
        OrientationStatus::Proposed => (
            "Orientation proposée".to_owned(),
            format!(
                "parcours {}, {} — en attente de décision",
                o.track.label(),
                o.body
            ),
        ),
        OrientationStatus::Refused => (
            "Proposition d'orientation non retenue".to_owned(),
            format!("parcours {}, {}", o.track.label(), o.body),
        ),
        OrientationStatus::Decided => (
            match o.ends_on {
                Some(end) => format!("Orientation du {starts} au {}", day(end)),
                None => format!("Orientation depuis le {starts}"),
            },
            format!(
                "parcours {}, {} — motif : {}",
                o.track.label(),
                o.body,
                o.decision_reason.clone().unwrap_or_default()
            ),
        ),
    }
}

fn referent_line(r: &insertion_referent::Model) -> (String, String) {
    let period = match r.to_on {
        Some(to) => format!("Référent du {} au {}", day(r.from_on), day(to)),
        None => format!("Référent depuis le {}", day(r.from_on)),
    };
    (period, r.staff_name.clone())
}

fn contract_line(c: &insertion_contract::Model) -> (String, String) {
    let hours = match &c.reduction_reason {
        Some(reason) => format!(
            "{} heures par semaine (réduites : {reason})",
            c.weekly_hours
        ),
        None => format!("{} heures par semaine", c.weekly_hours),
    };
    (
        format!("Contrat d'engagement, version {}", c.version),
        format!(
            "{} — objectifs : {} — {hours}{}",
            c.status.label(),
            c.goals,
            c.signed_on
                .map(|on| format!(" — signé le {}", day(on)))
                .unwrap_or_default()
        ),
    )
}

fn invitation_line(i: &insertion_invitation::Model) -> (String, String) {
    (
        format!(
            "Invitation envoyée le {} par {}",
            crate::dates::day(i.sent_at),
            i.sent_by_name
        ),
        format!(
            "{} ({}), lien valable jusqu'au {}{}",
            i.purpose.label(),
            i.service,
            super::invitations::last_day(i.expires_at),
            if i.reminded_at.is_some() {
                ", relancée"
            } else {
                ""
            }
        ),
    )
}

fn action_line(a: &insertion_contract_action::Model) -> (String, String) {
    (
        format!("Action ({})", a.theme.label()),
        match a.done_at {
            Some(at) => format!("{} — faite le {}", a.title, crate::dates::day(at)),
            None => a.title.clone(),
        },
    )
}
