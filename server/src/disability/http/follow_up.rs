//! What follows the evaluation, in pages: the person reads and answers the compensation plan,
//! contests a decision (RAPO) and reads the committee's answer; the team sends the plan,
//! records a notification's postal receipt, and on one page re-examines the appeals and sees
//! the rights ending without a renewal.

use app::components::FilterOption;
use app::disability::{
    AppealItem, ContestPage, ContestView, EndingRow, FollowUpPage, FollowUpView, PlanLine,
    PlanPage, PlanView,
};
use app::validation::FieldErrors;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;

use super::DisabilityDesk;
use super::filing::{OkParams, href, load, my_request};
use super::reception::{Shown, answer, file_href, filed};
use crate::disability::appeals::{self, AnswerTyped};
use crate::disability::decisions::{Outcome, Typed};
use crate::disability::files::{self, File, Status};
use crate::disability::rights::Right;
use crate::disability::{Refused, plan, register};
use crate::entity::{disability_appeal, disability_request};
use crate::http::auth::CurrentStaff;
use crate::http::citizen::CurrentCitizen;
use crate::http::form::Form;
use crate::http::ui::Ui;
use crate::http::{AppError, AppState, parse_id};
use crate::staff::Role;

async fn render_plan(
    citizen: &CurrentCitizen,
    ui: Ui,
    status: StatusCode,
    file: &File,
    (errors, notice, refusal, typed): (FieldErrors, Option<String>, Option<String>, PlanTyped),
) -> Result<Response, AppError> {
    let requests = files::requests(&citizen.tenant.tenant, file.id()).await?;
    let mut answered = Vec::new();
    if let Some(at) = file.row.plan_answered_at {
        answered.push(("Envoyée le".to_owned(), crate::dates::day(at)));
        answered.push((
            "Vos remarques".to_owned(),
            file.row
                .plan_remarks
                .clone()
                .unwrap_or_else(|| "Aucune".into()),
        ));
        answered.push((
            "Être entendu par la commission".to_owned(),
            if file.row.plan_hearing { "Oui" } else { "Non" }.into(),
        ));
    }
    let view = PlanView {
        reference: file.reference(),
        back: href(citizen, file.id(), ""),
        lines: plan::lines(&requests)
            .into_iter()
            .map(|l| PlanLine {
                right: l.right,
                proposal: l.proposal,
                reason: l.reason,
            })
            .collect(),
        open: match plan::standing(file, crate::dates::today()) {
            plan::Standing::Awaiting(by) => {
                Some((crate::dates::on(by), href(citizen, file.id(), "/plan")))
            }
            _ => None,
        },
        answered,
        remarks: typed.remarques,
        hearing: typed.entendu,
    };
    Ok(ui.with_citizen(citizen).render(status, move |ctx| {
        view! { <PlanPage ctx view errors notice refusal /> }
    }))
}

/// `GET /mon-espace/mdph/{id}/plan`: the compensation plan, once sent.
pub async fn plan_page(
    citizen: CurrentCitizen,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<OkParams>,
) -> Result<Response, AppError> {
    let file = load(&citizen, &id).await?;
    if file.row.plan_sent_at.is_none() {
        return Err(AppError::NotFound);
    }
    let notice = (params.ok.as_deref() == Some("plan"))
        .then(|| "Votre réponse est envoyée : la commission la lira avec les propositions.".into());
    render_plan(
        &citizen,
        ui,
        StatusCode::OK,
        &file,
        (FieldErrors::new(), notice, None, PlanTyped::default()),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanTyped {
    remarques: String,
    #[serde(deserialize_with = "app::validation::checkbox")]
    entendu: bool,
}

/// `POST /mon-espace/mdph/{id}/plan`: the person's answer.
pub async fn answer_plan(
    citizen: CurrentCitizen,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<PlanTyped>,
) -> Result<Response, AppError> {
    let file = load(&citizen, &id).await?;
    let result = plan::answer(
        &citizen.tenant.tenant,
        &file,
        (&typed.remarques, typed.entendu),
        chrono::Utc::now(),
    )
    .await;
    let (status, errors, refusal) = match result {
        Ok(()) => {
            return Ok(Redirect::to(&href(&citizen, file.id(), "/plan?ok=plan")).into_response());
        }
        Err(Refused::Db(e)) => return Err(e.into()),
        Err(Refused::Field(field, message)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FieldErrors::at(field, message),
            None,
        ),
        Err(Refused::Step(message)) => (StatusCode::CONFLICT, FieldErrors::new(), Some(message)),
    };
    render_plan(&citizen, ui, status, &file, (errors, None, refusal, typed)).await
}

async fn render_contest(
    citizen: &CurrentCitizen,
    ui: Ui,
    status: StatusCode,
    (file, request): (&File, &disability_request::Model),
    (errors, reasons): (FieldErrors, String),
) -> Result<Response, AppError> {
    let today = crate::dates::today();
    let right = Right::parse(&request.right_code).map_or("Droit", Right::label);
    let appealed = appeals::of_file(&citizen.tenant.tenant, file.id())
        .await?
        .into_iter()
        .find(|a| a.request_id == request.id);
    let closed = match (&appealed, appeals::contestable(request, today)) {
        (Some(a), _) => Some(format!(
            "Vous avez contesté cette décision le {}. {}",
            crate::dates::on(a.filed_on),
            appeals::standing(a, today).describe()
        )),
        (None, Err(why)) => Some(why),
        (None, Ok(())) => None,
    };
    let mut decision = vec![(
        "Décision".to_owned(),
        request
            .outcome
            .as_deref()
            .and_then(Outcome::parse)
            .map_or("", Outcome::label)
            .to_owned(),
    )];
    if let Some(reason) = &request.decision_reason {
        decision.push(("Motifs".into(), reason.clone()));
    }
    if let Some(on) = request.received_on {
        decision.push(("Reçue le".into(), crate::dates::on(on)));
    }
    let view = ContestView {
        reference: file.reference(),
        back: href(citizen, file.id(), ""),
        right: right.into(),
        decision,
        until: request
            .received_on
            .map(|r| crate::dates::on(appeals::last_day(r))),
        action: closed
            .is_none()
            .then(|| href(citizen, file.id(), &format!("/recours/{}", request.id))),
        closed,
        reasons,
    };
    Ok(ui.with_citizen(citizen).render(status, move |ctx| {
        view! { <ContestPage ctx view errors /> }
    }))
}

/// `GET /mon-espace/mdph/{id}/recours/{request}`: contesting one decision.
pub async fn contest_page(
    citizen: CurrentCitizen,
    ui: Ui,
    Path((id, request)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let file = load(&citizen, &id).await?;
    let request = my_request(&citizen, &file, &request).await?;
    if request.notified_at.is_none() {
        return Err(AppError::NotFound);
    }
    render_contest(
        &citizen,
        ui,
        StatusCode::OK,
        (&file, &request),
        (FieldErrors::new(), String::new()),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ContestTyped {
    motifs: String,
}

/// `POST /mon-espace/mdph/{id}/recours/{request}`.
pub async fn contest(
    citizen: CurrentCitizen,
    ui: Ui,
    State(state): State<AppState>,
    Path((id, request)): Path<(String, String)>,
    Form(typed): Form<ContestTyped>,
) -> Result<Response, AppError> {
    let file = load(&citizen, &id).await?;
    let request = my_request(&citizen, &file, &request).await?;
    let tenant = &citizen.tenant.tenant;
    let to = crate::citizens::mail_address(tenant, citizen.citizen.id).await?;
    let result = appeals::contest(
        tenant,
        &file,
        (request.id, &typed.motifs),
        chrono::Utc::now(),
        to.as_deref(),
    )
    .await;
    let (status, errors) = match result {
        Ok(_) => {
            crate::mail::wake(&state.platform, tenant).await;
            return Ok(Redirect::to(&href(&citizen, file.id(), "?ok=recours")).into_response());
        }
        Err(Refused::Db(e)) => return Err(e.into()),
        Err(Refused::Field(field, message)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FieldErrors::at(field, message),
        ),
        Err(Refused::Step(message)) => (StatusCode::CONFLICT, FieldErrors::form(message)),
    };
    render_contest(
        &citizen,
        ui,
        status,
        (&file, &request),
        (errors, typed.motifs),
    )
    .await
}

/// `GET /mon-espace/mdph/{id}/recours/{request}/reponse`: the committee's answer, as a letter.
pub async fn appeal_answer(
    citizen: CurrentCitizen,
    Path((id, request)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let file = load(&citizen, &id).await?;
    let request = my_request(&citizen, &file, &request).await?;
    let tenant = &citizen.tenant.tenant;
    let appeal = appeals::of_file(tenant, file.id())
        .await?
        .into_iter()
        .find(|a| a.request_id == request.id && a.outcome.is_some())
        .ok_or(AppError::NotFound)?;
    let letterhead = crate::letters::Letterhead::of(tenant).await?;
    let at = appeal
        .answered_on
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .map_or_else(chrono::Utc::now, |d| d.and_utc());
    let pdf = appeals::letter(&letterhead, &file, (&request, &appeal), at);
    Ok(crate::http::pdf_attachment(
        &format!(
            "reponse-recours-{}-{}.pdf",
            file.reference(),
            request.right_code
        ),
        pdf,
    ))
}

/// The team's evaluators and physicians send the plan.
fn evaluates(desk: &DisabilityDesk<'_>) -> bool {
    let account = desk.account();
    account.has_role(Role::DisabilityEvaluator) || account.has_role(Role::DisabilityPhysician)
}

/// Reception and the secretariat record postal receipts.
fn records_receipts(desk: &DisabilityDesk<'_>) -> bool {
    let account = desk.account();
    account.has_role(Role::DisabilityReception) || account.has_role(Role::DisabilityCommittee)
}

/// The plan, the receipts to record and the appeals, on a file's staff page.
pub(super) async fn staff_follow_up(
    desk: &DisabilityDesk<'_>,
    file: &File,
    requests: &[disability_request::Model],
) -> Result<FollowUpView, AppError> {
    let today = crate::dates::today();
    let mut plan = Vec::new();
    if let Some(at) = file.row.plan_sent_at {
        plan.push(("Envoyé le".to_owned(), crate::dates::day(at)));
        plan.push((
            "Réponse de la personne".to_owned(),
            match (plan::standing(file, today), file.row.plan_answered_at) {
                (_, Some(at)) => format!(
                    "Reçue le {}{}{}",
                    crate::dates::day(at),
                    file.row
                        .plan_remarks
                        .as_deref()
                        .map(|r| format!(" : {r}"))
                        .unwrap_or_default(),
                    if file.row.plan_hearing {
                        " — demande à être entendue par la commission"
                    } else {
                        ""
                    }
                ),
                (plan::Standing::Awaiting(by), None) => {
                    format!("Attendue jusqu'au {}", crate::dates::on(by))
                }
                _ => "Aucune dans les 15 jours".into(),
            },
        ));
    }
    let send_plan = (evaluates(desk)
        && file.status() == Status::Complete
        && file.row.plan_sent_at.is_none()
        && requests.iter().all(|r| r.proposal.is_some()))
    .then(|| format!("{}/plan", file_href(desk, file.id())));
    let records = records_receipts(desk);
    let unreceived: Vec<FilterOption> = requests
        .iter()
        .filter(|r| r.notified_at.is_some() && r.received_on.is_none())
        .map(|r| FilterOption {
            value: r.id.to_string(),
            label: Right::parse(&r.right_code)
                .map_or("Droit", Right::label)
                .into(),
            selected: false,
        })
        .collect();
    let receipt = (records && !unreceived.is_empty()).then(|| {
        (
            format!("{}/reception", file_href(desk, file.id())),
            unreceived,
        )
    });
    let appeals = appeals::of_file(desk.tenant(), file.id())
        .await?
        .iter()
        .filter_map(|a| {
            let request = requests.iter().find(|r| r.id == a.request_id)?;
            Some(appeal_fact(a, request, today))
        })
        .collect();
    Ok(FollowUpView {
        plan,
        send_plan,
        receipt,
        appeals,
    })
}

fn appeal_fact(
    appeal: &disability_appeal::Model,
    request: &disability_request::Model,
    today: chrono::NaiveDate,
) -> (String, String) {
    let right = Right::parse(&request.right_code).map_or("Droit", Right::short);
    let mut text = format!(
        "{} {}",
        appeal.reasons,
        match appeals::standing(appeal, today) {
            appeals::Standing::Pending(by) =>
                format!("— Réponse due au plus tard le {}.", crate::dates::on(by)),
            appeals::Standing::ImplicitlyRejected(since) => format!(
                "— Sans réponse : rejet implicite depuis le {}.",
                crate::dates::on(since)
            ),
            appeals::Standing::Answered(answer) => format!("— {}.", answer.label()),
        }
    );
    if let Some(reason) = &appeal.answer_reason {
        text.push_str(&format!(" {reason}"));
    }
    (
        format!(
            "{right} — contesté le {}",
            crate::dates::on(appeal.filed_on)
        ),
        text,
    )
}

/// `POST /agents/handicap/dossiers/{id}/plan` (the team): sends the plan to the person.
pub async fn send_plan(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = DisabilityDesk::open(&staff)?;
    if !evaluates(&desk) {
        return Err(AppError::Forbidden);
    }
    let file = filed(&desk, &id).await?;
    let to = crate::citizens::mail_address(desk.tenant(), file.row.citizen_id).await?;
    let link = crate::http::citizen::absolute(
        &state,
        &headers,
        desk.ctx(),
        &format!("{}/{}/plan", crate::disability::space::PATH, file.id()),
    );
    let result = plan::send(&desk, &file, chrono::Utc::now(), (to.as_deref(), &link)).await;
    answer(
        (&desk, &state),
        ui,
        &file,
        result,
        ("plan", true, Shown::default()),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReceiptTyped {
    demande: String,
    recu_le: String,
}

/// `POST /agents/handicap/dossiers/{id}/reception` (reception, secretariat): the day a
/// notification was received, from the postal receipt.
pub async fn record_receipt(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<ReceiptTyped>,
) -> Result<Response, AppError> {
    let desk = DisabilityDesk::open(&staff)?;
    if !records_receipts(&desk) {
        return Err(AppError::Forbidden);
    }
    let file = filed(&desk, &id).await?;
    let result = appeals::record_receipt(&desk, &file, (&typed.demande, &typed.recu_le)).await;
    answer(
        (&desk, &state),
        ui,
        &file,
        result,
        ("reception", false, Shown::default()),
    )
    .await
}

/// The rights ending without a renewal the page lists, the soonest first.
const ENDING_SHOWN: usize = 200;

async fn render_follow_up(
    desk: &DisabilityDesk<'_>,
    ui: Ui,
    status: StatusCode,
    (errors, notice): (FieldErrors, Option<String>),
) -> Result<Response, AppError> {
    let today = crate::dates::today();
    let secretariat = desk.account().has_role(Role::DisabilityCommittee);
    let mut items = Vec::new();
    for c in appeals::waiting(desk).await? {
        desk.audit_file(
            c.file.row.citizen_id,
            "consultation d'un recours (RAPO)",
            &format!("dossier {}", c.file.reference()),
            crate::disability::decisions::COMMITTEE_REASON,
        )
        .await?;
        let right = Right::parse(&c.request.right_code);
        let (label, text) = appeal_fact(&c.appeal, &c.request, today);
        items.push(AppealItem {
            id: c.appeal.id,
            href: file_href(desk, c.file.id()),
            heading: format!(
                "{} — {} — {}",
                c.file.reference(),
                c.file.facts().name,
                right.map_or("droit", Right::short)
            ),
            facts: vec![
                (
                    "Décision contestée".into(),
                    c.request
                        .outcome
                        .as_deref()
                        .and_then(Outcome::parse)
                        .map_or("", Outcome::label)
                        .into(),
                ),
                (label, text),
            ],
            action: secretariat.then(|| {
                desk.ctx()
                    .href(&format!("/agents/handicap/recours/{}", c.appeal.id))
            }),
            level: matches!(right, Some(Right::Aeeh | Right::Pch)),
        });
    }
    // Counts and references only: a name is read when the file is opened.
    let all = register::ending_without_renewal(desk.tenant(), today).await?;
    let ending_total = all.len();
    let ending = all
        .into_iter()
        .take(ENDING_SHOWN)
        .map(|e| EndingRow {
            href: file_href(desk, e.file.id()),
            reference: e.file.reference(),
            right: e.granted.right.label().into(),
            ends_on: e
                .granted
                .request
                .ends_on
                .map(crate::dates::on)
                .unwrap_or_default(),
            invited: e
                .granted
                .request
                .renewal_invited_at
                .map(crate::dates::day)
                .unwrap_or_else(|| "Pas encore".into()),
        })
        .collect();
    Ok(ui.with_staff(desk.staff()).render(status, move |ctx| {
        view! { <FollowUpPage ctx appeals=items ending ending_total errors notice /> }
    }))
}

/// `GET /agents/handicap/suivi`: the appeals to re-examine, the rights ending without renewal.
pub async fn follow_up_page(
    staff: CurrentStaff,
    ui: Ui,
    Query(params): Query<OkParams>,
) -> Result<Response, AppError> {
    let desk = DisabilityDesk::open(&staff)?;
    let notice = (params.ok.as_deref() == Some("recours"))
        .then(|| "La réponse au recours est enregistrée et envoyée à la personne.".into());
    render_follow_up(&desk, ui, StatusCode::OK, (FieldErrors::new(), notice)).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AppealAnswerTyped {
    reponse: String,
    motif_reexamen: String,
    /// The new decision, when the committee revises it.
    #[serde(flatten)]
    decision: super::committee::DecisionTyped,
}

/// `POST /agents/handicap/recours/{id}` (secretariat): the committee's answer.
pub async fn answer_appeal(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<AppealAnswerTyped>,
) -> Result<Response, AppError> {
    let desk = DisabilityDesk::open(&staff)?;
    if !desk.account().has_role(Role::DisabilityCommittee) {
        return Err(AppError::Forbidden);
    }
    let appeal_id = parse_id(&id)?;
    let citizen_id = {
        use sea_orm::EntityTrait as _;
        let txn = desk.tenant().db().begin().await?;
        let row = disability_appeal::Entity::find_by_id(appeal_id)
            .one(&txn)
            .await?;
        txn.commit().await?;
        row.ok_or(AppError::NotFound)?.citizen_id
    };
    let to = crate::citizens::mail_address(desk.tenant(), citizen_id).await?;
    let answer_typed = AnswerTyped {
        answer: typed.reponse,
        reason: typed.motif_reexamen,
        decision: Typed::from(typed.decision),
    };
    let result = appeals::answer(
        &desk,
        appeal_id,
        &answer_typed,
        chrono::Utc::now(),
        to.as_deref(),
    )
    .await;
    let (status, errors) = match result {
        Ok(()) => {
            crate::mail::wake(&state.platform, desk.tenant()).await;
            return Ok(
                Redirect::to(&desk.ctx().href("/agents/handicap/suivi?ok=recours")).into_response(),
            );
        }
        Err(Refused::Db(e)) => return Err(e.into()),
        Err(Refused::Field(field, message)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FieldErrors::at(&format!("{field}-{appeal_id}"), message),
        ),
        Err(Refused::Step(message)) => (
            StatusCode::CONFLICT,
            FieldErrors::form(crate::audit::sentence(&message)),
        ),
    };
    render_follow_up(&desk, ui, status, (errors, None)).await
}
