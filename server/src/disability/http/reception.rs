//! Reception's side: the files by stage, a file's page (every worker of the module reads it,
//! journaled), the completeness steps (reception only), and the pieces — a medical piece opens
//! for the team's physicians alone.

use app::components::{Choice, FilterOption, Tone};
use app::disability::{
    EvaluationView, ObservationRow, ProposalRow, QueueRow, ReceptionActions, ReceptionQueuePage,
    StaffFilePage, StaffFileView, StageTab,
};
use app::validation::FieldErrors;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::Deserialize;

use super::caf::Reader;
use super::filing::{answered_parts, missing_labels, piece_rows, request_rows, tone};
use super::{DisabilityDesk, reception_desk};
use crate::disability::completeness::{self, FiledKey, Refused, Team, Verdict};
use crate::disability::evaluation::{self, Area, Proposal, RateBand};
use crate::disability::files::{File, Status};
use crate::disability::medical::MedicalDesk;
use crate::disability::pieces::{self, PieceStatus};
use crate::disability::rights::Pole;
use crate::disability::{EVALUATION_REASON, files};
use crate::entity::disability_piece;
use crate::http::auth::CurrentStaff;
use crate::http::form::{Form, PageHrefs, page_at};
use crate::http::ui::Ui;
use crate::http::{AppError, AppState, parse_id};
use crate::staff::Role;
use crate::staff::second_factor::SealKey;

/// The stages reception's list shows, in the order files go through them.
const STAGES: [Status; 5] = [
    Status::Filed,
    Status::WaitingPieces,
    Status::Complete,
    Status::Decided,
    Status::Irrecevable,
];

#[derive(Debug, Default, Deserialize)]
pub struct QueueParams {
    etape: Option<String>,
    equipe: Option<String>,
    /// The page after the file at this position (`FiledKey::encode`).
    apres: Option<String>,
    /// The page before the file at this position.
    avant: Option<String>,
}

/// The value of the « without a team » choice of the filter.
const WITHOUT_TEAM: &str = "-";

/// The team filter's choices, the chosen one selected; none without sectors.
fn team_options(
    sectors: &[crate::disability::sectors::Sector],
    chosen: Team<'_>,
) -> Vec<FilterOption> {
    if sectors.is_empty() {
        return Vec::new();
    }
    let option = |value: &str, label: &str, selected| FilterOption {
        value: value.into(),
        label: label.into(),
        selected,
    };
    std::iter::once(option("", "Toutes les équipes", chosen == Team::Any))
        .chain(
            sectors
                .iter()
                .map(|s| option(&s.name, &s.name, chosen == Team::Named(&s.name))),
        )
        .chain(std::iter::once(option(
            WITHOUT_TEAM,
            "Sans équipe",
            chosen == Team::Without,
        )))
        .collect()
}

pub(super) fn file_href(desk: &DisabilityDesk<'_>, id: i64) -> String {
    desk.ctx().href(&format!("/agents/handicap/dossiers/{id}"))
}

/// « 12 jours restants » before a date, « Dépassé de 3 jours » after it.
fn clock(due: NaiveDate, today: NaiveDate) -> (String, bool) {
    let days = (due - today).num_days();
    match days {
        0 => ("Aujourd'hui".into(), false),
        d if d > 0 => (format!("{d} jours restants"), false),
        d => (format!("Dépassé de {} jours", -d), true),
    }
}

/// `GET /agents/handicap`: the files of one stage, the oldest first.
pub async fn queue(
    staff: CurrentStaff,
    ui: Ui,
    Query(params): Query<QueueParams>,
) -> Result<Response, AppError> {
    let desk = DisabilityDesk::open(&staff)?;
    let stage = match params.etape.as_deref() {
        None | Some("") => Status::Filed,
        Some(id) => Status::parse(id)
            .filter(|s| STAGES.contains(s))
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "Étape inconnue « {} » : choisissez une étape de la liste.",
                    id.chars()
                        .filter(|c| !c.is_control())
                        .take(40)
                        .collect::<String>()
                ))
            })?,
    };
    let team = match params.equipe.as_deref().map(str::trim) {
        None | Some("") => Team::Any,
        Some(WITHOUT_TEAM) => Team::Without,
        Some(name) => Team::Named(name),
    };
    let sectors = crate::disability::sectors::read(desk.tenant()).await?;
    let options = team_options(&sectors, team);
    let teams = (!options.is_empty()).then(|| {
        (
            desk.ctx().href("/agents/handicap"),
            stage.id().to_owned(),
            options,
        )
    });
    let counts = crate::disability::space::counts(desk.tenant()).await?;
    let tabs = STAGES
        .into_iter()
        .map(|s| StageTab {
            href: desk
                .ctx()
                .href(&format!("/agents/handicap?etape={}", s.id())),
            label: format!(
                "{} ({})",
                s.label(),
                counts.iter().find(|(c, _)| *c == s).map_or(0, |(_, n)| *n)
            ),
            current: s == stage,
        })
        .collect();
    let today = crate::dates::today();
    let at = page_at(
        params.apres.as_deref(),
        params.avant.as_deref(),
        FiledKey::parse,
    )?;
    let page = completeness::queue_of(&desk, (stage, team), &at).await?;
    let mut kept = vec![("etape", stage.id())];
    if let Some(team) = params.equipe.as_deref().filter(|t| !t.trim().is_empty()) {
        kept.push(("equipe", team));
    }
    let hrefs = PageHrefs::new(
        &desk.ctx().href("/agents/handicap"),
        &kept,
        page.previous.as_ref(),
        page.next.as_ref(),
        FiledKey::encode,
    );
    let rows = page
        .rows
        .into_iter()
        .map(|f| {
            let (clock, late) = match (f.status(), f.row.pieces_deadline, f.row.complete_on) {
                (Status::WaitingPieces, Some(deadline), _) => clock(deadline, today),
                (Status::Complete, _, Some(on)) => clock(
                    on + chrono::Months::new(completeness::DECISION_MONTHS),
                    today,
                ),
                _ => (String::new(), false),
            };
            QueueRow {
                href: file_href(&desk, f.id()),
                reference: f.reference(),
                name: f.facts().name,
                pole: f.pole().map_or("", Pole::label).into(),
                team: f.row.sector.clone().unwrap_or_default(),
                filed: f.row.filed_at.map(crate::dates::day).unwrap_or_default(),
                status: f.status().short().into(),
                tone: if late { Tone::Error } else { tone(f.status()) },
                clock,
            }
        })
        .collect();
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! {
            <ReceptionQueuePage
                ctx
                tabs
                teams
                rows
                first_href=hrefs.first
                previous_href=hrefs.previous
                next_href=hrefs.next
            />
        }
    }))
}

pub(super) async fn filed(desk: &DisabilityDesk<'_>, id: &str) -> Result<File, AppError> {
    completeness::find(desk, parse_id(id)?)
        .await?
        .ok_or(AppError::NotFound)
}

/// What the page shows besides the file.
#[derive(Default)]
pub(super) struct Shown {
    errors: FieldErrors,
    notice: Option<String>,
    refusal: Option<String>,
    deadline: String,
    message: String,
    observation: String,
}

async fn render_file(
    (desk, seal): (&DisabilityDesk<'_>, &SealKey),
    ui: Ui,
    status: StatusCode,
    file: &File,
    shown: Shown,
) -> Result<Response, AppError> {
    let tenant = desk.tenant();
    desk.audit_file(
        file.row.citizen_id,
        "consultation d'une demande à la MDPH",
        &format!("dossier {}", file.reference()),
        EVALUATION_REASON,
    )
    .await?;
    let rows = pieces::of_file(tenant, file.id()).await?;
    let requests = files::requests(tenant, file.id()).await?;
    let at_reception = matches!(file.status(), Status::Filed | Status::WaitingPieces);
    let reception = desk.account().has_role(Role::DisabilityReception) && at_reception;
    let physician = desk.account().has_role(Role::DisabilityPhysician);
    let piece_href = |p: &disability_piece::Model| {
        (!p.medical || physician).then(|| {
            desk.ctx()
                .href(&format!("/agents/handicap/pieces/{}", p.id))
        })
    };
    let review_href = |p: &disability_piece::Model| {
        (reception && PieceStatus::parse(&p.status) == PieceStatus::Received).then(|| {
            desk.ctx()
                .href(&format!("/agents/handicap/pieces/{}/examen", p.id))
        })
    };
    let missing = pieces::missing(file, &rows);
    let today = crate::dates::today();
    let past_deadline = file.row.pieces_deadline.is_some_and(|d| d < today);
    let action = |rest: &str| format!("{}{rest}", file_href(desk, file.id()));
    let actions = ReceptionActions {
        acknowledge: (reception && missing.is_empty()).then(|| action("/recevabilite")),
        ask: reception.then(|| action("/pieces-manquantes")),
        irrecevable: (reception
            && file.status() == Status::WaitingPieces
            && past_deadline
            && !missing.is_empty())
        .then(|| action("/irrecevable")),
        deadline: shown.deadline,
        message: shown.message,
        agenda: super::committee::agenda_form(desk, file).await?,
    };
    let mut facts = vec![
        ("Personne concernée".to_owned(), file.facts().name),
        ("Nature".into(), file.kind().label().into()),
        ("Déposée par".into(), file.row.filed_by_name.clone()),
        ("Pôle".into(), file.pole().map_or("", Pole::label).into()),
    ];
    if let Some(team) = &file.row.sector {
        facts.push(("Équipe".into(), team.clone()));
    }
    if let Some(at) = file.row.filed_at {
        facts.push(("Déposée le".into(), crate::dates::day(at)));
    }
    if let Some(deadline) = file
        .row
        .pieces_deadline
        .filter(|_| file.status() == Status::WaitingPieces)
    {
        facts.push((
            "Pièces attendues avant le".into(),
            crate::dates::on(deadline),
        ));
    }
    if let Some(on) = file.row.complete_on {
        facts.push(("Complète le".into(), crate::dates::on(on)));
    }
    if let Some(session) = super::committee::session_of(desk, file).await? {
        facts.push((
            "Séance de la commission".into(),
            crate::dates::on(session.held_on),
        ));
    }
    let view = StaffFileView {
        reference: file.reference(),
        status: file.status().short().into(),
        tone: tone(file.status()),
        facts,
        parts: answered_parts(file, |_| String::new()),
        requests: request_rows(&requests, |_| None),
        pieces: piece_rows(tenant, &rows, piece_href, review_href).await?,
        missing: if at_reception {
            missing_labels(&missing)
        } else {
            Vec::new()
        },
        explanation: file.row.citizen_explanation.clone(),
        actions,
        evaluation: evaluation_view(desk, seal, file, &requests, &shown.observation).await?,
        follow_up: super::follow_up::staff_follow_up(desk, file, &requests).await?,
        caf: super::caf::caf_view(tenant, file, &requests, (Reader::Team, String::new())).await?,
    };
    let Shown {
        errors,
        notice,
        refusal,
        ..
    } = shown;
    Ok(ui.with_staff(desk.staff()).render(status, move |ctx| {
        view! { <StaffFilePage ctx view errors notice refusal /> }
    }))
}

#[derive(Debug, Default, Deserialize)]
pub struct FileParams {
    ok: Option<String>,
}

/// `GET /agents/handicap/dossiers/{id}`.
pub async fn file_page(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<FileParams>,
) -> Result<Response, AppError> {
    let desk = DisabilityDesk::open(&staff)?;
    let file = filed(&desk, &id).await?;
    let notice = match params.ok.as_deref() {
        Some("piece") => Some("La pièce est examinée : la personne voit son état."),
        Some("complet") => Some(
            "Le dossier est complet : l'accusé de réception est envoyé, le délai de 4 mois court.",
        ),
        Some("pieces") => Some("La demande de pièces est envoyée à la personne."),
        Some("irrecevable") => {
            Some("Le dossier est déclaré irrecevable : le courrier est envoyé à la personne.")
        }
        Some("observation") => Some("L'observation est enregistrée."),
        Some("constats") => Some("Le taux et les critères sont enregistrés."),
        Some("proposition") => Some("La proposition est enregistrée."),
        Some("seance") => Some("Le dossier est inscrit à la séance."),
        Some("plan") => {
            Some("Le plan de compensation est envoyé : la personne a 15 jours pour y répondre.")
        }
        Some("reception") => Some("Le jour de réception de la notification est enregistré."),
        _ => None,
    }
    .map(str::to_owned);
    render_file(
        (&desk, &state.seal_key),
        ui,
        StatusCode::OK,
        &file,
        Shown {
            notice,
            ..Shown::default()
        },
    )
    .await
}

/// A refused step: back on the page with why.
async fn refused(
    (desk, seal): (&DisabilityDesk<'_>, &SealKey),
    ui: Ui,
    file: &File,
    refusal: Refused,
    kept: Shown,
) -> Result<Response, AppError> {
    let (status, shown) = match refusal {
        Refused::Db(e) => return Err(e.into()),
        Refused::Field(field, message) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Shown {
                errors: FieldErrors::at(field, message),
                ..Shown::default()
            },
        ),
        Refused::Step(message) => (
            StatusCode::CONFLICT,
            Shown {
                refusal: Some(crate::audit::sentence(&message)),
                ..Shown::default()
            },
        ),
    };
    // What was typed goes back in its field.
    let shown = Shown {
        deadline: kept.deadline,
        message: kept.message,
        observation: kept.observation,
        ..shown
    };
    // The file as it is now: a refused step changed nothing.
    let file = completeness::find(desk, file.id())
        .await?
        .ok_or(AppError::NotFound)?;
    render_file((desk, seal), ui, status, &file, shown).await
}

/// A step's answer: the file's page again with `ok` said, mail woken when the step sent some;
/// or, refused, the page with why and what was typed (`kept`).
pub(super) async fn answer<T>(
    (desk, state): (&DisabilityDesk<'_>, &AppState),
    ui: Ui,
    file: &File,
    result: Result<T, Refused>,
    (ok, mailed, kept): (&str, bool, Shown),
) -> Result<Response, AppError> {
    match result {
        Ok(_) => {
            if mailed {
                crate::mail::wake(&state.platform, desk.tenant()).await;
            }
            Ok(done(desk, file.id(), ok))
        }
        Err(refusal) => refused((desk, &state.seal_key), ui, file, refusal, kept).await,
    }
}

fn done(desk: &DisabilityDesk<'_>, id: i64, what: &str) -> Response {
    Redirect::to(&format!("{}?ok={what}", file_href(desk, id))).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReviewTyped {
    verdict: String,
    motif: String,
}

/// `POST /agents/handicap/pieces/{id}/examen` (reception).
pub async fn review_piece(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<ReviewTyped>,
) -> Result<Response, AppError> {
    let desk = reception_desk(&staff)?;
    let piece = piece(&desk, &id).await?;
    let file = filed(&desk, &piece.file_id.to_string()).await?;
    let verdict = match typed.verdict.as_str() {
        "accepter" => Ok(Verdict::Accept),
        "refuser" => completeness::read_reason(&typed.motif).map(Verdict::Reject),
        _ => Err(Refused::Step(
            "Choisissez d'accepter ou de refuser la pièce.".into(),
        )),
    };
    let result = match verdict {
        Ok(verdict) => completeness::review(&desk, piece.id, verdict).await,
        Err(refusal) => Err(refusal),
    };
    let ok = ("piece", false, Shown::default());
    answer((&desk, &state), ui, &file, result, ok).await
}

/// `POST /agents/handicap/dossiers/{id}/recevabilite` (reception).
pub async fn acknowledge(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = reception_desk(&staff)?;
    let file = filed(&desk, &id).await?;
    let to = crate::citizens::mail_address(desk.tenant(), file.row.citizen_id).await?;
    let result =
        completeness::acknowledge(&desk, file.id(), chrono::Utc::now(), to.as_deref()).await;
    let ok = ("complet", true, Shown::default());
    answer((&desk, &state), ui, &file, result, ok).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AskTyped {
    echeance: String,
    message: String,
}

/// `POST /agents/handicap/dossiers/{id}/pieces-manquantes` (reception).
pub async fn ask_for_pieces(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<AskTyped>,
) -> Result<Response, AppError> {
    let desk = reception_desk(&staff)?;
    let file = filed(&desk, &id).await?;
    let typed_back = || Shown {
        deadline: typed.echeance.clone(),
        message: typed.message.clone(),
        ..Shown::default()
    };
    let Some(deadline) = crate::dates::parse_day(&typed.echeance) else {
        let refusal = Refused::Field(
            "echeance",
            "Indiquez la date limite, par exemple 15/01/2027.".into(),
        );
        return refused((&desk, &state.seal_key), ui, &file, refusal, typed_back()).await;
    };
    let to = crate::citizens::mail_address(desk.tenant(), file.row.citizen_id).await?;
    let result = completeness::ask_for_pieces(
        &desk,
        file.id(),
        (deadline, &typed.message),
        chrono::Utc::now(),
        to.as_deref(),
    )
    .await;
    answer(
        (&desk, &state),
        ui,
        &file,
        result,
        ("pieces", true, typed_back()),
    )
    .await
}

/// `POST /agents/handicap/dossiers/{id}/irrecevable` (reception).
pub async fn declare_irrecevable(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = reception_desk(&staff)?;
    let file = filed(&desk, &id).await?;
    let to = crate::citizens::mail_address(desk.tenant(), file.row.citizen_id).await?;
    let result =
        completeness::declare_irrecevable(&desk, file.id(), chrono::Utc::now(), to.as_deref())
            .await;
    let ok = ("irrecevable", true, Shown::default());
    answer((&desk, &state), ui, &file, result, ok).await
}

async fn piece(desk: &DisabilityDesk<'_>, id: &str) -> Result<disability_piece::Model, AppError> {
    use sea_orm::EntityTrait as _;
    let id = parse_id(id)?;
    let txn = desk.tenant().db().begin().await?;
    let piece = disability_piece::Entity::find_by_id(id).one(&txn).await?;
    txn.commit().await?;
    let piece = piece.ok_or(AppError::NotFound)?;
    // A draft's pieces are the person's own until filed.
    completeness::find(desk, piece.file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(piece)
}

/// `GET /agents/handicap/pieces/{id}`: a piece's file. A medical piece opens for the team's
/// physicians only (403 for anyone else), decrypted and journaled as theirs.
pub async fn open_piece(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = DisabilityDesk::open(&staff)?;
    let piece = piece(&desk, &id).await?;
    if piece.medical {
        let medical = MedicalDesk::open(&desk).ok_or_else(|| {
            AppError::ForbiddenBecause(
                "cette pièce est sous pli confidentiel : seuls les médecins de l'équipe d'évaluation l'ouvrent".into(),
            )
        })?;
        let opened =
            pieces::open_medical(&medical, (&state.platform, &state.seal_key), &piece).await?;
        return Ok(crate::http::file_attachment(
            &opened.name,
            &opened.content_type,
            opened.bytes,
        ));
    }
    let document_id = piece.document_id.ok_or(AppError::NotFound)?;
    let document = crate::documents::find(desk.tenant(), document_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = crate::documents::read(&state.platform, desk.tenant(), &document).await?;
    desk.audit_file(
        piece.citizen_id,
        "consultation d'une pièce",
        &format!("pièce n° {} du dossier MDPH n° {}", piece.id, piece.file_id),
        EVALUATION_REASON,
    )
    .await?;
    Ok(crate::http::document_response(&document, bytes))
}

/// The evaluation part of a file's page, once the file is complete: every worker reads it;
/// evaluators and physicians write; a medical observation's text shows to physicians only
/// (opened, and journaled, for this page).
async fn evaluation_view(
    desk: &DisabilityDesk<'_>,
    seal: &SealKey,
    file: &File,
    requests: &[crate::entity::disability_request::Model],
    observation: &str,
) -> Result<Option<EvaluationView>, AppError> {
    if file.status() != Status::Complete {
        return Ok(None);
    }
    let rows = evaluation::observations(desk, file.id()).await?;
    let opened = match MedicalDesk::open(desk) {
        Some(physician) => evaluation::open_medical(&physician, seal, file, &rows).await?,
        None => Vec::new(),
    };
    let physician = desk.account().has_role(Role::DisabilityPhysician);
    let writes = evaluation::evaluates(desk);
    let observations = rows
        .iter()
        .map(|o| ObservationRow {
            area: Area::parse(&o.area)
                .map_or("Observation", Area::label)
                .into(),
            author: o.author_name.clone(),
            date: crate::dates::day(o.created_at),
            body: match o.medical {
                false => o.body.clone(),
                true => opened
                    .iter()
                    .find(|(id, _)| *id == o.id)
                    .map(|(_, text)| text.clone())
                    .unwrap_or_else(|| {
                        "Sous pli confidentiel : réservée aux médecins de l'équipe.".into()
                    }),
            },
        })
        .collect();
    let found = evaluation::findings(desk, file.id()).await?;
    let band = found
        .as_ref()
        .and_then(|f| f.rate_band.as_deref())
        .and_then(RateBand::parse);
    let yes_no = |b: bool| if b { "oui" } else { "non" }.to_owned();
    let findings = vec![
        (
            "Taux d'incapacité".to_owned(),
            band.map_or("Non évalué", RateBand::label).to_owned(),
        ),
        (
            "RSDAE".to_owned(),
            yes_no(found.as_ref().is_some_and(|f| f.rsdae)),
        ),
        (
            "Pas d'amélioration attendue".to_owned(),
            yes_no(found.as_ref().is_some_and(|f| f.lasting)),
        ),
    ];
    let action = |rest: &str| writes.then(|| format!("{}{rest}", file_href(desk, file.id())));
    let areas = std::iter::once(FilterOption {
        value: String::new(),
        label: "Choisir le domaine".into(),
        selected: true,
    })
    .chain(
        Area::ALL
            .into_iter()
            .filter(|a| physician || !a.physicians_only())
            .map(|a| FilterOption {
                value: a.id().into(),
                label: a.label().into(),
                selected: false,
            }),
    )
    .collect();
    let proposals = requests
        .iter()
        .map(|r| ProposalRow {
            id: r.id,
            right: crate::disability::rights::Right::parse(&r.right_code)
                .map_or("Droit", crate::disability::rights::Right::label)
                .into(),
            proposal: r
                .proposal
                .as_deref()
                .and_then(Proposal::parse)
                .map_or("Pas encore de proposition", Proposal::label)
                .into(),
            reason: r.proposal_reason.clone().unwrap_or_default(),
            action: action(&format!("/propositions/{}", r.id)),
        })
        .collect();
    Ok(Some(EvaluationView {
        observations,
        findings,
        observe_action: action("/observations"),
        areas,
        observation: observation.to_owned(),
        findings_action: action("/constats"),
        bands: RateBand::ALL
            .into_iter()
            .map(|b| Choice {
                value: b.id().into(),
                label: b.label().into(),
                checked: Some(b) == band,
            })
            .collect(),
        rsdae: found.as_ref().is_some_and(|f| f.rsdae),
        lasting: found.as_ref().is_some_and(|f| f.lasting),
        proposals,
        proposal_options: Proposal::ALL
            .into_iter()
            .map(|p| FilterOption {
                value: p.id().into(),
                label: p.label().into(),
                selected: false,
            })
            .collect(),
    }))
}

/// An evaluator's or physician's desk.
fn evaluation_desk(staff: &CurrentStaff) -> Result<DisabilityDesk<'_>, AppError> {
    let desk = DisabilityDesk::open(staff)?;
    if !evaluation::evaluates(&desk) {
        return Err(AppError::Forbidden);
    }
    Ok(desk)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ObservationTyped {
    domaine: String,
    observation: String,
}

/// `POST /agents/handicap/dossiers/{id}/observations` (evaluators, physicians).
pub async fn write_observation(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<ObservationTyped>,
) -> Result<Response, AppError> {
    let desk = evaluation_desk(&staff)?;
    let file = filed(&desk, &id).await?;
    let result = evaluation::observe(
        &desk,
        &state.seal_key,
        &file,
        (&typed.domaine, &typed.observation),
    )
    .await;
    let kept = Shown {
        observation: typed.observation,
        ..Shown::default()
    };
    answer(
        (&desk, &state),
        ui,
        &file,
        result,
        ("observation", false, kept),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FindingsTyped {
    taux: String,
    #[serde(deserialize_with = "app::validation::checkbox")]
    rsdae: bool,
    #[serde(deserialize_with = "app::validation::checkbox")]
    durable: bool,
}

/// `POST /agents/handicap/dossiers/{id}/constats` (evaluators, physicians).
pub async fn save_findings(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<FindingsTyped>,
) -> Result<Response, AppError> {
    let desk = evaluation_desk(&staff)?;
    let file = filed(&desk, &id).await?;
    let result =
        evaluation::save_findings(&desk, &file, (&typed.taux, typed.rsdae, typed.durable)).await;
    let ok = ("constats", false, Shown::default());
    answer((&desk, &state), ui, &file, result, ok).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProposalTyped {
    proposition: String,
    motif: String,
}

/// `POST /agents/handicap/dossiers/{id}/propositions/{request}` (evaluators, physicians).
pub async fn propose(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path((id, request)): Path<(String, String)>,
    Form(typed): Form<ProposalTyped>,
) -> Result<Response, AppError> {
    let desk = evaluation_desk(&staff)?;
    let file = filed(&desk, &id).await?;
    let request = parse_id(&request)?;
    match evaluation::propose(&desk, &file, request, (&typed.proposition, &typed.motif)).await {
        Ok(()) => Ok(done(&desk, file.id(), "proposition")),
        // The message links to the request's own field.
        Err(Refused::Field(field, message)) => {
            let anchor = match field {
                "motif" => format!("motif-proposition-{request}"),
                _ => format!("proposition-{request}"),
            };
            let shown = Shown {
                errors: FieldErrors::at(&anchor, message),
                ..Shown::default()
            };
            let file = completeness::find(&desk, file.id())
                .await?
                .ok_or(AppError::NotFound)?;
            render_file(
                (&desk, &state.seal_key),
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                &file,
                shown,
            )
            .await
        }
        Err(refusal) => {
            refused(
                (&desk, &state.seal_key),
                ui,
                &file,
                refusal,
                Default::default(),
            )
            .await
        }
    }
}
