//! Insertion's part of the right of access: what the funds' files said of the person, and the
//! timeline of their right.

use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use tenants::Tenant;

use super::orientation::OrientationStatus;
use crate::citizens::Citizen;
use crate::citizens::file::{Item, Section, Sections, line};
use crate::entity::{
    insertion_orientation, insertion_person, insertion_referent, insertion_right_event,
};
use crate::modules::{Boxed, section};

/// Insertion's sections of the right of access (`modules::Part::access`).
pub fn sections<'a>(tenant: &'a Tenant, citizen: &'a Citizen) -> Boxed<'a, Sections> {
    Box::pin(async move { Ok(vec![follow_up(tenant, citizen.id).await?]) })
}

async fn follow_up(tenant: &Tenant, citizen_id: i64) -> Result<Section, DbErr> {
    let txn = tenant.db().begin().await?;
    let people = insertion_person::Entity::find()
        .filter(insertion_person::Column::CitizenId.eq(citizen_id))
        .order_by_asc(insertion_person::Column::Id)
        .all(&txn)
        .await?;
    let events = insertion_right_event::Entity::find()
        .filter(insertion_right_event::Column::CitizenId.eq(citizen_id))
        .order_by_asc(insertion_right_event::Column::Id)
        .all(&txn)
        .await?;
    let orientations = insertion_orientation::Entity::find()
        .filter(insertion_orientation::Column::CitizenId.eq(citizen_id))
        .order_by_asc(insertion_orientation::Column::Id)
        .all(&txn)
        .await?;
    let referents = insertion_referent::Entity::find()
        .filter(insertion_referent::Column::CitizenId.eq(citizen_id))
        .order_by_asc(insertion_referent::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    let mut items = Vec::new();
    for person in people {
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
                person.entered_on.format("%d/%m/%Y").to_string(),
            ),
        ];
        if let Some(left) = person.left_on {
            lines.push(line("Sorti du RSA le", left.format("%d/%m/%Y").to_string()));
        }
        for event in events.iter().filter(|e| e.person_id == person.id) {
            lines.push(line(
                &format!(
                    "{} — {}",
                    event.happened_on.format("%d/%m/%Y"),
                    event.kind.label()
                ),
                event.right_state.label(),
            ));
        }
        for o in orientations.iter().filter(|o| o.person_id == person.id) {
            let day = |d: Option<chrono::NaiveDate>| {
                d.map(|d| d.format("%d/%m/%Y").to_string())
                    .unwrap_or_default()
            };
            let (label, value) = match o.status {
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
                        Some(end) => format!(
                            "Orientation du {} au {}",
                            day(o.starts_on),
                            end.format("%d/%m/%Y")
                        ),
                        None => format!("Orientation depuis le {}", day(o.starts_on)),
                    },
                    format!(
                        "parcours {}, {} — motif : {}",
                        o.track.label(),
                        o.body,
                        o.decision_reason.clone().unwrap_or_default()
                    ),
                ),
            };
            lines.push((label, value));
        }
        for r in referents.iter().filter(|r| r.person_id == person.id) {
            let period = match r.to_on {
                Some(to) => format!(
                    "Référent du {} au {}",
                    r.from_on.format("%d/%m/%Y"),
                    to.format("%d/%m/%Y")
                ),
                None => format!("Référent depuis le {}", r.from_on.format("%d/%m/%Y")),
            };
            lines.push((period, r.staff_name.clone()));
        }
        items.push(Item {
            heading: format!("{} {}", person.given_name, person.family_name),
            lines,
        });
    }
    Ok(Section {
        title: section::INSERTION.into(),
        items,
    })
}
