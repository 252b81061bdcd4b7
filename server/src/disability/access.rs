//! Disability's part of the right of access: each file with its answers, the rights asked for
//! and where each stands with its appeal, and its pieces (a medical piece by its kind and size:
//! its content is sealed in the medical compartment, and the person holds its original), the
//! team's evaluation and the person's answer to the compensation plan.

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
    disability_appeal, disability_evaluation, disability_file, disability_observation,
    disability_piece, disability_request,
};
use crate::modules::{Boxed, section};

/// Disability's sections of the right of access (`modules::Part::access`).
pub fn sections<'a>(tenant: &'a Tenant, citizen: &'a Citizen) -> Boxed<'a, Sections> {
    Box::pin(async move { Ok(vec![files(tenant, citizen.id).await?]) })
}

/// The person's rows of every table of the module.
struct Rows {
    requests: Vec<disability_request::Model>,
    pieces: Vec<disability_piece::Model>,
    observations: Vec<disability_observation::Model>,
    findings: Vec<disability_evaluation::Model>,
    appeals: Vec<disability_appeal::Model>,
}

async fn files(tenant: &Tenant, citizen_id: i64) -> Result<Section, DbErr> {
    let txn = tenant.db().begin().await?;
    let files = disability_file::Entity::find()
        .filter(disability_file::Column::CitizenId.eq(citizen_id))
        .order_by_asc(disability_file::Column::Id)
        .all(&txn)
        .await?;
    let rows = Rows {
        requests: disability_request::Entity::find()
            .filter(disability_request::Column::CitizenId.eq(citizen_id))
            .order_by_asc(disability_request::Column::Id)
            .all(&txn)
            .await?,
        pieces: disability_piece::Entity::find()
            .filter(disability_piece::Column::CitizenId.eq(citizen_id))
            .order_by_asc(disability_piece::Column::Id)
            .all(&txn)
            .await?,
        observations: disability_observation::Entity::find()
            .filter(disability_observation::Column::CitizenId.eq(citizen_id))
            .order_by_asc(disability_observation::Column::Id)
            .all(&txn)
            .await?,
        findings: disability_evaluation::Entity::find()
            .filter(disability_evaluation::Column::CitizenId.eq(citizen_id))
            .all(&txn)
            .await?,
        appeals: disability_appeal::Entity::find()
            .filter(disability_appeal::Column::CitizenId.eq(citizen_id))
            .order_by_asc(disability_appeal::Column::Id)
            .all(&txn)
            .await?,
    };
    txn.commit().await?;
    let items = files
        .into_iter()
        .map(File::from_row)
        .map(|file| item(&file, &rows))
        .collect();
    Ok(Section {
        title: section::DISABILITY.into(),
        items,
    })
}

fn item(file: &File, rows: &Rows) -> Item {
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
    for request in rows.requests.iter().filter(|r| r.file_id == file.id()) {
        lines.extend(request_lines(request));
        for appeal in rows.appeals.iter().filter(|a| a.request_id == request.id) {
            lines.extend(appeal_lines(appeal));
        }
    }
    for piece in rows.pieces.iter().filter(|p| p.file_id == file.id()) {
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
    for o in rows.observations.iter().filter(|o| o.file_id == file.id()) {
        let area = Area::parse(&o.area).map_or("Observation", Area::label);
        let heading = format!(
            "{area}, par {} le {}",
            o.author_name,
            crate::dates::day(o.created_at)
        );
        // A medical observation is sealed; the MDPH's physician gives it on request.
        let body = if o.medical {
            "Observation médicale : demandez-la au médecin de la MDPH, qui vous la communique."
                .to_owned()
        } else {
            o.body.clone()
        };
        lines.push(line(&heading, body));
    }
    for f in rows.findings.iter().filter(|f| f.file_id == file.id()) {
        let band = f
            .rate_band
            .as_deref()
            .and_then(RateBand::parse)
            .map_or("Non évalué", RateBand::label);
        lines.push(line("Taux d'incapacité retenu par l'équipe", band));
        lines.push(line(
            "Pas d'amélioration attendue",
            if f.lasting { "oui" } else { "non" },
        ));
    }
    lines.extend(plan_lines(file));
    if let Some(explanation) = &file.row.citizen_explanation {
        lines.push(line("Votre explication", explanation));
    }
    Item {
        heading: format!("Demande {}", file.reference()),
        lines,
    }
}

fn request_lines(request: &disability_request::Model) -> Vec<(String, String)> {
    let right = Right::parse(&request.right_code).map_or("Droit", Right::label);
    let mut lines = vec![line(
        &format!("Demande : {right}"),
        super::files::request_status_label(&request.status),
    )];
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
        lines.push(line(
            &format!("Décision de la commission : {right}"),
            decision,
        ));
    }
    if let Some(on) = request.received_on {
        lines.push(line("Notification reçue le", crate::dates::on(on)));
    }
    lines
}

fn appeal_lines(appeal: &disability_appeal::Model) -> Vec<(String, String)> {
    let mut lines = vec![line(
        &format!("Votre recours du {}", crate::dates::on(appeal.filed_on)),
        &appeal.reasons,
    )];
    let standing = super::appeals::standing(appeal, crate::dates::today());
    let mut answer = standing.describe();
    if let Some(reason) = &appeal.answer_reason {
        answer.push_str(&format!(" {reason}"));
    }
    lines.push(line("Réponse à votre recours", answer));
    lines
}

fn plan_lines(file: &File) -> Vec<(String, String)> {
    let mut lines = Vec::new();
    if let Some(at) = file.row.plan_sent_at {
        lines.push(line(
            "Plan personnalisé de compensation envoyé le",
            crate::dates::day(at),
        ));
    }
    if let Some(remarks) = &file.row.plan_remarks {
        lines.push(line("Vos remarques sur le plan", remarks));
    }
    if file.row.plan_hearing {
        lines.push(line(
            "Vous avez demandé à être entendu par la commission",
            "oui",
        ));
    }
    lines
}
