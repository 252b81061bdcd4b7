//! The committee's pages: its sessions, a session's agenda with the team's proposals and the
//! decision forms, putting a complete file on a session. Every worker of the module reads
//! them; the committee's secretariat (`disability_committee`) records.

use app::components::FilterOption;
use app::disability::{AgendaFile, AgendaRequest, SessionPage, SessionRow, SessionsPage};
use app::validation::FieldErrors;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;

use super::DisabilityDesk;
use super::reception::{Shown, answer, file_href, filed};
use crate::disability::Refused;
use crate::disability::decisions::{self, Formation, Outcome, Typed};
use crate::disability::evaluation::{self, Proposal, RateBand};
use crate::disability::files::{self, File, Status};
use crate::disability::rights::Right;
use crate::entity::disability_session;
use crate::http::auth::CurrentStaff;
use crate::http::form::Form;
use crate::http::ui::Ui;
use crate::http::{AppError, AppState, parse_id};
use crate::staff::Role;

fn secretariat(desk: &DisabilityDesk<'_>) -> bool {
    desk.account().has_role(Role::DisabilityCommittee)
}

/// The session a file is on, if any.
pub(super) async fn session_of(
    desk: &DisabilityDesk<'_>,
    file: &File,
) -> Result<Option<disability_session::Model>, AppError> {
    Ok(match file.row.session_id {
        Some(id) => decisions::session(desk, id).await?,
        None => None,
    })
}

/// The form putting a complete file on a session, for the secretariat.
pub(super) async fn agenda_form(
    desk: &DisabilityDesk<'_>,
    file: &File,
) -> Result<Option<(String, Vec<FilterOption>)>, AppError> {
    if !secretariat(desk) || file.status() != Status::Complete {
        return Ok(None);
    }
    let sessions = decisions::sessions(desk).await?;
    let options = std::iter::once(FilterOption {
        value: String::new(),
        label: "Choisir la séance".into(),
        selected: file.row.session_id.is_none(),
    })
    .chain(sessions.into_iter().map(|s| FilterOption {
        value: s.id.to_string(),
        label: format!(
            "{} — {}",
            crate::dates::on(s.held_on),
            Formation::parse(&s.formation).map_or("", Formation::label)
        ),
        selected: Some(s.id) == file.row.session_id,
    }))
    .collect();
    Ok(Some((
        format!("{}/seance", file_href(desk, file.id())),
        options,
    )))
}

async fn render_sessions(
    desk: &DisabilityDesk<'_>,
    ui: Ui,
    status: StatusCode,
    (typed, errors): ((String, String), FieldErrors),
) -> Result<Response, AppError> {
    let mut rows = Vec::new();
    for s in decisions::sessions(desk).await? {
        let count = decisions::agenda(desk, s.id).await?.len();
        rows.push(SessionRow {
            href: desk
                .ctx()
                .href(&format!("/agents/handicap/commission/{}", s.id)),
            held_on: crate::dates::on(s.held_on),
            formation: Formation::parse(&s.formation)
                .map_or("", Formation::label)
                .into(),
            files: format!("{count} dossier(s)"),
        });
    }
    let open_action = secretariat(desk).then(|| desk.ctx().href("/agents/handicap/commission"));
    Ok(ui.with_staff(desk.staff()).render(status, move |ctx| {
        view! { <SessionsPage ctx sessions=rows open_action typed errors /> }
    }))
}

/// `GET /agents/handicap/commission`.
pub async fn sessions_page(staff: CurrentStaff, ui: Ui) -> Result<Response, AppError> {
    let desk = DisabilityDesk::open(&staff)?;
    render_sessions(
        &desk,
        ui,
        StatusCode::OK,
        (Default::default(), FieldErrors::new()),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SessionTyped {
    date: String,
    formation: String,
}

/// `POST /agents/handicap/commission` (secretariat).
pub async fn open_session(
    staff: CurrentStaff,
    ui: Ui,
    Form(typed): Form<SessionTyped>,
) -> Result<Response, AppError> {
    let desk = DisabilityDesk::open(&staff)?;
    if !secretariat(&desk) {
        return Err(AppError::Forbidden);
    }
    match decisions::open_session(&desk, (&typed.date, &typed.formation)).await {
        Ok(id) => Ok(Redirect::to(
            &desk
                .ctx()
                .href(&format!("/agents/handicap/commission/{id}")),
        )
        .into_response()),
        Err(Refused::Field(field, message)) => {
            let errors = FieldErrors::at(field, message);
            render_sessions(
                &desk,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                ((typed.date, typed.formation), errors),
            )
            .await
        }
        Err(Refused::Step(_)) => Err(AppError::Forbidden),
        Err(Refused::Db(e)) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SessionParams {
    ok: Option<String>,
}

async fn render_session(
    desk: &DisabilityDesk<'_>,
    ui: Ui,
    status: StatusCode,
    session: &disability_session::Model,
    (errors, notice): (FieldErrors, Option<String>),
) -> Result<Response, AppError> {
    let held = session.held_on <= crate::dates::today();
    let mut shown = Vec::new();
    for file in decisions::agenda(desk, session.id).await? {
        desk.audit_file(
            file.row.citizen_id,
            "consultation d'un dossier en séance de la commission",
            &format!("dossier {}", file.reference()),
            decisions::COMMITTEE_REASON,
        )
        .await?;
        let found = evaluation::findings(desk, file.id()).await?;
        let band = found
            .as_ref()
            .and_then(|f| f.rate_band.as_deref())
            .and_then(RateBand::parse);
        let findings = format!(
            "Taux retenu : {}{}{}",
            band.map_or("non évalué", RateBand::label),
            if found.as_ref().is_some_and(|f| f.rsdae) {
                " ; RSDAE"
            } else {
                ""
            },
            if found.as_ref().is_some_and(|f| f.lasting) {
                " ; pas d'amélioration attendue"
            } else {
                ""
            },
        );
        let requests = files::requests(desk.tenant(), file.id())
            .await?
            .into_iter()
            .map(|r| {
                let right = Right::parse(&r.right_code);
                let outcome = r.outcome.as_deref().and_then(Outcome::parse);
                let decided = outcome.is_some_and(Outcome::is_final);
                AgendaRequest {
                    id: r.id,
                    right: right.map_or("Droit", Right::label).into(),
                    proposal: match r.proposal.as_deref().and_then(Proposal::parse) {
                        Some(p) => match &r.proposal_reason {
                            Some(reason) => format!("{} — {reason}", p.label()),
                            None => p.label().into(),
                        },
                        None => "aucune".into(),
                    },
                    decision: outcome.map(|o| decision_line(o, &r)),
                    action: (secretariat(desk)
                        && held
                        && !decided
                        && file.status() == Status::Complete)
                        .then(|| {
                            desk.ctx()
                                .href(&format!("/agents/handicap/demandes/{}/decision", r.id))
                        }),
                    level: matches!(right, Some(Right::Aeeh | Right::Pch)),
                }
            })
            .collect();
        shown.push(AgendaFile {
            href: file_href(desk, file.id()),
            reference: file.reference(),
            name: file.facts().name,
            findings,
            plan: plan_answer(&file),
            requests,
        });
    }
    let title = format!(
        "Séance du {} — {}",
        crate::dates::on(session.held_on),
        Formation::parse(&session.formation).map_or("", Formation::label)
    );
    let note = (!held).then(|| "Les décisions s'enregistrent une fois la séance tenue.".to_owned());
    Ok(ui.with_staff(desk.staff()).render(status, move |ctx| {
        view! { <SessionPage ctx title files=shown note errors notice /> }
    }))
}

/// The person's answer to the plan, as the committee reads it before deciding.
fn plan_answer(file: &File) -> Option<String> {
    let row = &file.row;
    row.plan_answered_at?;
    Some(format!(
        "{}{}",
        row.plan_remarks.as_deref().unwrap_or("Pas de remarque."),
        if row.plan_hearing {
            " La personne demande à être entendue par la commission."
        } else {
            ""
        }
    ))
}

fn decision_line(outcome: Outcome, r: &crate::entity::disability_request::Model) -> String {
    let mut line = format!("Décision : {}", outcome.label());
    match (r.starts_on, r.ends_on, r.without_limit) {
        (Some(start), Some(end), _) => line.push_str(&format!(
            ", du {} au {}",
            crate::dates::on(start),
            crate::dates::on(end)
        )),
        (Some(start), None, true) => line.push_str(&format!(
            ", à partir du {}, sans limitation de durée",
            crate::dates::on(start)
        )),
        _ => {}
    }
    if let Some(level) = &r.level {
        line.push_str(&format!(" ; {level}"));
    }
    if let Some(reason) = &r.decision_reason {
        line.push_str(&format!(" — {reason}"));
    }
    line
}

/// `GET /agents/handicap/commission/{id}`.
pub async fn session_page(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<SessionParams>,
) -> Result<Response, AppError> {
    let desk = DisabilityDesk::open(&staff)?;
    let session = decisions::session(&desk, parse_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let notice = match params.ok.as_deref() {
        Some("decision") => Some("La décision est enregistrée."),
        Some("notifie") => {
            Some("Toutes les demandes du dossier sont décidées : la personne est notifiée.")
        }
        _ => None,
    }
    .map(str::to_owned);
    render_session(
        &desk,
        ui,
        StatusCode::OK,
        &session,
        (FieldErrors::new(), notice),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AgendaTyped {
    seance: String,
}

/// `POST /agents/handicap/dossiers/{id}/seance` (secretariat).
pub async fn put_on_agenda(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<AgendaTyped>,
) -> Result<Response, AppError> {
    let desk = DisabilityDesk::open(&staff)?;
    if !secretariat(&desk) {
        return Err(AppError::Forbidden);
    }
    let file = filed(&desk, &id).await?;
    let result = decisions::put_on_agenda(&desk, &file, &typed.seance).await;
    let ok = ("seance", false, Shown::default());
    answer((&desk, &state), ui, &file, result, ok).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionTyped {
    resultat: String,
    motif: String,
    debut: String,
    fin: String,
    #[serde(deserialize_with = "app::validation::checkbox")]
    sans_limite: bool,
    niveau: String,
}

impl From<DecisionTyped> for Typed {
    fn from(typed: DecisionTyped) -> Self {
        Typed {
            outcome: typed.resultat,
            reason: typed.motif,
            starts_on: typed.debut,
            ends_on: typed.fin,
            without_limit: typed.sans_limite,
            level: typed.niveau,
        }
    }
}

/// `POST /agents/handicap/demandes/{id}/decision` (secretariat): back on the session's page.
pub async fn decide(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<DecisionTyped>,
) -> Result<Response, AppError> {
    let desk = DisabilityDesk::open(&staff)?;
    if !secretariat(&desk) {
        return Err(AppError::Forbidden);
    }
    let request_id = parse_id(&id)?;
    let request = {
        use sea_orm::EntityTrait as _;
        let txn = desk.tenant().db().begin().await?;
        let row = crate::entity::disability_request::Entity::find_by_id(request_id)
            .one(&txn)
            .await?;
        txn.commit().await?;
        row.ok_or(AppError::NotFound)?
    };
    let file = filed(&desk, &request.file_id.to_string()).await?;
    let session = super::committee::session_of(&desk, &file).await?;
    let to = crate::citizens::mail_address(desk.tenant(), file.row.citizen_id).await?;
    let decision = Typed::from(typed);
    let result = decisions::decide(
        &desk,
        request_id,
        &decision,
        chrono::Utc::now(),
        to.as_deref(),
    )
    .await;
    let back = |what: &str| match &session {
        Some(s) => desk
            .ctx()
            .href(&format!("/agents/handicap/commission/{}?ok={what}", s.id)),
        None => format!("{}?ok={what}", file_href(&desk, file.id())),
    };
    match (result, &session) {
        (Ok(true), _) => {
            crate::mail::wake(&state.platform, desk.tenant()).await;
            Ok(Redirect::to(&back("notifie")).into_response())
        }
        (Ok(false), _) => Ok(Redirect::to(&back("decision")).into_response()),
        (Err(Refused::Field(field, message)), Some(session)) => {
            let errors = FieldErrors::at(&format!("{field}-{request_id}"), message);
            render_session(
                &desk,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                session,
                (errors, None),
            )
            .await
        }
        (Err(Refused::Db(e)), _) => Err(e.into()),
        (Err(Refused::Step(message)), Some(session)) => {
            let errors = FieldErrors::form(crate::audit::sentence(&message));
            render_session(&desk, ui, StatusCode::CONFLICT, session, (errors, None)).await
        }
        (Err(refusal), None) => Err(AppError::Conflict(crate::audit::sentence(
            &refusal.to_string(),
        ))),
    }
}
