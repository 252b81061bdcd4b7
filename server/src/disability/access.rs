//! Disability's part of the right of access: each file with its answers, the rights asked for
//! and where each stands, and its pieces (a medical piece by its kind and size: its content
//! is sealed in the medical compartment, and the person holds its original).

use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use tenants::Tenant;

use super::application::{FORM, PARTS};
use super::evaluation::{Area, RateBand};
use super::files::File;
use super::pieces::{PieceKind, PieceStatus, describe};
use super::rights::Right;
use crate::citizens::Citizen;
use crate::citizens::file::{Item, Section, Sections, line};
use crate::entity::{
    disability_evaluation, disability_file, disability_observation, disability_piece,
    disability_request,
};
use crate::modules::{Boxed, section};

/// Disability's sections of the right of access (`modules::Part::access`).
pub fn sections<'a>(tenant: &'a Tenant, citizen: &'a Citizen) -> Boxed<'a, Sections> {
    Box::pin(async move { Ok(vec![files(tenant, citizen.id).await?]) })
}

async fn files(tenant: &Tenant, citizen_id: i64) -> Result<Section, DbErr> {
    let txn = tenant.db().begin().await?;
    let files = disability_file::Entity::find()
        .filter(disability_file::Column::CitizenId.eq(citizen_id))
        .order_by_asc(disability_file::Column::Id)
        .all(&txn)
        .await?;
    let requests = disability_request::Entity::find()
        .filter(disability_request::Column::CitizenId.eq(citizen_id))
        .order_by_asc(disability_request::Column::Id)
        .all(&txn)
        .await?;
    let pieces = disability_piece::Entity::find()
        .filter(disability_piece::Column::CitizenId.eq(citizen_id))
        .order_by_asc(disability_piece::Column::Id)
        .all(&txn)
        .await?;
    let observations = disability_observation::Entity::find()
        .filter(disability_observation::Column::CitizenId.eq(citizen_id))
        .order_by_asc(disability_observation::Column::Id)
        .all(&txn)
        .await?;
    let findings = disability_evaluation::Entity::find()
        .filter(disability_evaluation::Column::CitizenId.eq(citizen_id))
        .all(&txn)
        .await?;
    txn.commit().await?;
    let items = files
        .into_iter()
        .map(File::from_row)
        .map(|file| {
            let mut lines = vec![
                line("Nature", file.kind().label()),
                line("État", file.status().label()),
            ];
            if let Some(at) = file.row.filed_at {
                lines.push(line("Déposée le", crate::dates::day(at)));
            }
            if let Some(on) = file.row.complete_on {
                lines.push(line("Complète le", crate::dates::on(on)));
            }
            for field in &FORM.fields {
                if let Some(answer) = file.answers.get(&field.key) {
                    let part = PARTS[field.step as usize - 1];
                    lines.push(line(&format!("{part} — {}", field.label), answer.display()));
                }
            }
            for request in requests.iter().filter(|r| r.file_id == file.id()) {
                let right = Right::parse(&request.right_code).map_or("Droit", Right::label);
                lines.push(line(
                    &format!("Demande : {right}"),
                    super::files::request_status_label(&request.status),
                ));
                if let Some(outcome) = request
                    .outcome
                    .as_deref()
                    .and_then(super::decisions::Outcome::parse)
                {
                    let mut decision = outcome.label().to_owned();
                    if let Some(start) = request.starts_on {
                        decision.push_str(&format!(", à partir du {}", crate::dates::on(start)));
                    }
                    match (request.ends_on, request.without_limit) {
                        (Some(end), _) => decision.push_str(&format!(" jusqu'au {}", crate::dates::on(end))),
                        (None, true) => decision.push_str(", sans limitation de durée"),
                        _ => {}
                    }
                    if let Some(reason) = &request.decision_reason {
                        decision.push_str(&format!(" — {reason}"));
                    }
                    lines.push(line(&format!("Décision de la commission : {right}"), decision));
                }
            }
            for piece in pieces.iter().filter(|p| p.file_id == file.id()) {
                let kind = PieceKind::parse(&piece.kind).map_or("Pièce", PieceKind::label);
                let mut value = format!(
                    "{} — {}",
                    describe(piece, None),
                    PieceStatus::parse(&piece.status).label()
                );
                if let Some(reason) = &piece.reason {
                    value.push_str(&format!(" : {reason}"));
                }
                lines.push(line(kind, value));
            }
            for o in observations.iter().filter(|o| o.file_id == file.id()) {
                let area = Area::parse(&o.area).map_or("Observation", Area::label);
                let heading = format!("{area}, par {} le {}", o.author_name, crate::dates::day(o.created_at));
                // A medical observation is sealed; the MDPH's physician gives it on request.
                let body = if o.medical {
                    "Observation médicale : demandez-la au médecin de la MDPH, qui vous la communique.".to_owned()
                } else {
                    o.body.clone()
                };
                lines.push(line(&heading, body));
            }
            for f in findings.iter().filter(|f| f.file_id == file.id()) {
                let band = f.rate_band.as_deref().and_then(RateBand::parse).map_or("Non évalué", RateBand::label);
                lines.push(line("Taux d'incapacité retenu par l'équipe", band));
                lines.push(line("Pas d'amélioration attendue", if f.lasting { "oui" } else { "non" }));
            }
            if let Some(explanation) = &file.row.citizen_explanation {
                lines.push(line("Votre explication", explanation));
            }
            Item {
                heading: format!("Demande {}", file.reference()),
                lines,
            }
        })
        .collect();
    Ok(Section {
        title: section::DISABILITY.into(),
        items,
    })
}
