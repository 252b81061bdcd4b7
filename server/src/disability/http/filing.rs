//! The person's side: their requests to the MDPH, a draft's steps (the form's parts, the
//! rights, the pieces, the review and the signature), a filed request with its pieces, and
//! what they say when a piece cannot be sent.

use app::aid_requests::filing::{InputKind, QuestionView, StepPage};
use app::components::{Choice, FilterOption, Tone};
use app::disability::{
    DraftPiecesPage, DraftPiecesView, MyFilePage, MyFileRow, MyFileView, MyMdphPage, PieceForm,
    PieceRow, RequestRow, ReviewPage, ReviewPart, ReviewView, RightInForce, RightsPage, RightsView,
};
use app::validation::FieldErrors;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;

use super::caf::Reader;
use super::filer::Filer;
use crate::aid_requests::form::{Answers, FieldKind};
use crate::disability::application::{self, FORM, PARTS};
use crate::disability::files::{self, DraftError, File, Kind, Status};
use crate::disability::pieces::{self, Certificate, PieceKind, PieceStatus};
use crate::disability::rights::{self, Pole, Right};
use crate::disability::{appeals, completeness, plan, register, space};
use crate::entity::{disability_appeal, disability_piece, disability_request};
use crate::http::citizen::CurrentCitizen;
use crate::http::form::{Form, FormData};
use crate::http::ui::Ui;
use crate::http::{AppError, AppState};

pub(super) fn href(citizen: &CurrentCitizen, id: i64, rest: &str) -> String {
    citizen.tenant.href(&format!("{}/{id}{rest}", space::PATH))
}

/// The status as a badge's tone.
pub(super) fn tone(status: Status) -> Tone {
    match status {
        Status::Draft => Tone::Neutral,
        Status::Filed => Tone::Info,
        Status::WaitingPieces => Tone::Warning,
        Status::Complete => Tone::Success,
        Status::Irrecevable => Tone::Error,
        Status::Decided => Tone::Success,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct OkParams {
    pub(super) ok: Option<String>,
}

/// `GET /mon-espace/mdph`.
pub async fn my_files(
    citizen: CurrentCitizen,
    ui: Ui,
    Query(params): Query<OkParams>,
) -> Result<Response, AppError> {
    let all = files::of_citizen(&citizen.tenant.tenant, citizen.citizen.id).await?;
    let can_renew = all.iter().any(|f| f.status() != Status::Draft);
    let rows = all
        .iter()
        .map(|f| MyFileRow {
            href: href(&citizen, f.id(), ""),
            title: match f.status() {
                Status::Draft => format!(
                    "{} — brouillon du {}",
                    f.kind().label(),
                    crate::dates::day(f.row.created_at)
                ),
                _ => format!("{} {}", f.kind().label(), f.reference()),
            },
            status: f.status().short().into(),
            tone: tone(f.status()),
        })
        .collect();
    let notice = match params.ok.as_deref() {
        Some("brouillon") => {
            Some("Votre brouillon est enregistré : reprenez-le quand vous voudrez.")
        }
        _ => None,
    }
    .map(str::to_owned);
    let start_action = citizen.tenant.href(space::PATH);
    let today = crate::dates::today();
    let rights = register::in_force(&citizen.tenant.tenant, citizen.citizen.id, today)
        .await?
        .into_iter()
        .map(|g| RightInForce {
            right: g.right.label().into(),
            period: g.period(),
            ends_soon: g.ends_soon(today),
        })
        .collect();
    Ok(ui
        .with_citizen(&citizen)
        .render(StatusCode::OK, move |ctx| {
            view! { <MyMdphPage ctx files=rows start_action can_renew rights notice /> }
        }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StartTyped {
    nature: String,
}

/// `POST /mon-espace/mdph` (and reception's `/agents/mandats/{mandate}/mdph`): starts a
/// draft, first request or renewal.
pub async fn start(filer: Filer, Form(typed): Form<StartTyped>) -> Result<Response, AppError> {
    filer.check_live()?;
    let kind = match typed.nature.as_str() {
        "renewal" => Kind::Renewal,
        _ => Kind::First,
    };
    let entry = |action: &str, file: &File| filer.entry(action, file);
    let started = files::start(
        &filer.tenant().tenant,
        filer.citizen().id,
        kind,
        (filer.filed_by(&entry), &filer.name()),
    )
    .await;
    match started {
        Ok(id) => Ok(Redirect::to(&filer.href(id, "/etape/1")).into_response()),
        Err(refused) => not_changed(&filer, 0, refused),
    }
}

/// A draft's change that did not happen: filed meanwhile (its page says so), or the mandate
/// it was made under is over (409).
fn not_changed(filer: &Filer, id: i64, refused: DraftError) -> Result<Response, AppError> {
    match refused {
        DraftError::NotADraft => Ok(Redirect::to(&filer.filed_href(id, "")).into_response()),
        DraftError::MandateOver => Err(filer.over()),
        DraftError::Db(e) => Err(e.into()),
    }
}

/// Where a draft page is: its file and, for a step, the step's number. The person's routes
/// name the file `{id}`; reception's name it `{file}`, after the mandate's `{id}` (which
/// [`Filer`] reads).
#[derive(Debug, Deserialize)]
pub struct At {
    id: String,
    file: Option<String>,
    #[serde(default)]
    step: String,
}

impl At {
    fn file(&self) -> &str {
        self.file.as_deref().unwrap_or(&self.id)
    }
}

/// The person's file `id`, or 404 (another's, or none).
pub(super) async fn load(citizen: &CurrentCitizen, id: &str) -> Result<File, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    files::find_for_citizen(&citizen.tenant.tenant, citizen.citizen.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The draft `id`; a filed one sends to its page (the mandate's, for reception).
async fn draft(filer: &Filer, id: &str) -> Result<Result<File, Response>, AppError> {
    let file = filer.load(id).await?;
    if file.status() != Status::Draft {
        return Ok(Err(
            Redirect::to(&filer.filed_href(file.id(), "")).into_response()
        ));
    }
    Ok(Ok(file))
}

fn parse_step(step: &str) -> Result<u32, AppError> {
    step.parse::<u32>()
        .ok()
        .filter(|s| (1..=FORM.step_count()).contains(s))
        .ok_or(AppError::NotFound)
}

fn input_kind(kind: &FieldKind) -> InputKind {
    match kind {
        FieldKind::Number => InputKind::Number,
        FieldKind::Amount => InputKind::Amount,
        FieldKind::Date => InputKind::Date,
        FieldKind::Choice { options } => InputKind::Choice(options.clone()),
        FieldKind::YesNo => InputKind::YesNo,
        FieldKind::Text | FieldKind::Document => InputKind::Text,
    }
}

/// A step's questions with their values (answers, or what was typed) and errors.
fn questions(
    step: u32,
    value: impl Fn(&str) -> String,
    errors: &[crate::aid_requests::form::AnswerError],
) -> Vec<QuestionView> {
    FORM.step_fields(step)
        .map(|f| QuestionView {
            key: f.key.clone(),
            label: f.label.clone(),
            help: f.help.clone(),
            required: f.required,
            kind: input_kind(&f.kind),
            value: value(&f.key),
            error: errors
                .iter()
                .find(|e| e.key == f.key)
                .map(|e| e.message.clone()),
        })
        .collect()
}

fn render_step(
    filer: &Filer,
    ui: Ui,
    status: StatusCode,
    (file, step): (&File, u32),
    (questions, errors): (Vec<QuestionView>, Vec<String>),
) -> Response {
    let action = filer.href(file.id(), &format!("/etape/{step}"));
    let previous_href = (step > 1).then(|| filer.href(file.id(), &format!("/etape/{}", step - 1)));
    let aid_title = format!("Demande à la MDPH — {}", PARTS[step as usize - 1]);
    let step_count = FORM.step_count();
    let on_behalf = filer.on_behalf();
    filer.ui(ui).render(status, move |ctx| {
        view! {
            <StepPage ctx aid_title step step_count questions errors action previous_href on_behalf />
        }
    })
}

/// `GET /mon-espace/mdph/{id}/etape/{step}`.
pub async fn step_page(filer: Filer, ui: Ui, Path(at): Path<At>) -> Result<Response, AppError> {
    let file = match draft(&filer, at.file()).await? {
        Ok(file) => file,
        Err(filed) => return Ok(filed),
    };
    let step = parse_step(&at.step)?;
    filer.journal_read(&file).await?;
    let questions = questions(
        step,
        |key| {
            file.answers
                .get(key)
                .map(|a| a.input_value())
                .unwrap_or_default()
        },
        &[],
    );
    Ok(render_step(
        &filer,
        ui,
        StatusCode::OK,
        (&file, step),
        (questions, vec![]),
    ))
}

/// `POST /mon-espace/mdph/{id}/etape/{step}`: « Continuer » keeps the step and goes on;
/// « Enregistrer » keeps what is valid and goes back to the list.
pub async fn save_step(
    filer: Filer,
    ui: Ui,
    Path(at): Path<At>,
    data: FormData,
) -> Result<Response, AppError> {
    let file = match draft(&filer, at.file()).await? {
        Ok(file) => file,
        Err(filed) => return Ok(filed),
    };
    let step = parse_step(&at.step)?;
    let fields = &data.fields;
    let (answers, mut errors) = FORM.read_step(step, |key| fields.get(key).to_owned());
    errors.extend(application::step_errors(
        step,
        &answers,
        crate::dates::today(),
    ));
    let save_only = fields.get("action") == "save";
    if !errors.is_empty() && !save_only {
        let summary = errors.iter().map(|e| e.message.clone()).collect();
        let questions = questions(step, |key| fields.get(key).trim().to_owned(), &errors);
        return Ok(render_step(
            &filer,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            (&file, step),
            (questions, summary),
        ));
    }
    // Saved for later: what is valid is kept, the rest is asked again.
    let kept: Answers = answers
        .into_iter()
        .filter(|(key, _)| !errors.iter().any(|e| &e.key == key))
        .collect();
    let entry = |action: &str, file: &File| filer.entry(action, file);
    let saved = files::save_step(
        &filer.tenant().tenant,
        (filer.citizen().id, filer.filed_by(&entry)),
        file.id(),
        (step, errors.is_empty() && !save_only),
        kept,
    );
    if let Err(refused) = saved.await {
        return not_changed(&filer, file.id(), refused);
    }
    let next = if save_only {
        filer.saved_href()
    } else if step < FORM.step_count() {
        filer.href(file.id(), &format!("/etape/{}", step + 1))
    } else {
        filer.href(file.id(), "/droits")
    };
    Ok(Redirect::to(&next).into_response())
}

/// The pole the rights are offered for: from the birth date answered, adults when unknown.
fn pole_of(file: &File) -> Pole {
    file.pole_on(crate::dates::today()).unwrap_or(Pole::Adult)
}

fn rights_view(filer: &Filer, file: &File, ticked: &[String], generic: bool) -> RightsView {
    let pole = pole_of(file);
    RightsView {
        action: filer.href(file.id(), "/droits"),
        previous_href: filer.href(file.id(), &format!("/etape/{}", FORM.step_count())),
        on_behalf: filer.on_behalf(),
        options: Right::offered_to(pole)
            .map(|r| Choice {
                value: r.code().into(),
                label: r.label().into(),
                checked: ticked.iter().any(|t| t == r.code()),
            })
            .collect(),
        generic,
        pole: pole.label().into(),
    }
}

/// `GET /mon-espace/mdph/{id}/droits`.
pub async fn rights_page(filer: Filer, ui: Ui, Path(at): Path<At>) -> Result<Response, AppError> {
    let file = match draft(&filer, at.file()).await? {
        Ok(file) => file,
        Err(filed) => return Ok(filed),
    };
    filer.journal_read(&file).await?;
    let ticked: Vec<String> = file
        .chosen_rights()
        .iter()
        .map(|r| r.code().to_owned())
        .collect();
    let view = rights_view(&filer, &file, &ticked, file.row.generic);
    Ok(filer.ui(ui).render(StatusCode::OK, move |ctx| {
        view! { <RightsPage ctx view errors=FieldErrors::new() /> }
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RightsTyped {
    droits: Vec<String>,
    #[serde(deserialize_with = "app::validation::checkbox")]
    generique: bool,
}

/// `POST /mon-espace/mdph/{id}/droits`.
pub async fn save_rights(
    filer: Filer,
    ui: Ui,
    Path(at): Path<At>,
    Form(typed): Form<RightsTyped>,
) -> Result<Response, AppError> {
    let file = match draft(&filer, at.file()).await? {
        Ok(file) => file,
        Err(filed) => return Ok(filed),
    };
    let generic = typed.generique;
    let chosen = rights::read_choice(&typed.droits, pole_of(&file)).and_then(|rights| {
        if rights.is_empty() && !generic {
            Err(
                "Cochez au moins un droit, ou demandez à l'équipe d'étudier tous vos droits."
                    .to_owned(),
            )
        } else {
            Ok(rights)
        }
    });
    let rights = match chosen {
        Ok(rights) => rights,
        Err(message) => {
            let view = rights_view(&filer, &file, &typed.droits, generic);
            let errors = FieldErrors::at("droits-0", message);
            return Ok(filer
                .ui(ui)
                .render(StatusCode::UNPROCESSABLE_ENTITY, move |ctx| {
                    view! { <RightsPage ctx view errors /> }
                }));
        }
    };
    let entry = |action: &str, file: &File| filer.entry(action, file);
    let saved = files::save_rights(
        &filer.tenant().tenant,
        (filer.citizen().id, filer.filed_by(&entry)),
        file.id(),
        &rights,
        generic,
    );
    match saved.await {
        Ok(()) => Ok(Redirect::to(&filer.href(file.id(), "/pieces")).into_response()),
        Err(refused) => not_changed(&filer, file.id(), refused),
    }
}

/// A file's pieces as the person sees them (medical ones by kind and size only: they hold the
/// originals).
pub(super) async fn piece_rows(
    tenant: &tenants::Tenant,
    rows: &[disability_piece::Model],
    link: impl Fn(&disability_piece::Model) -> Option<String>,
    review: impl Fn(&disability_piece::Model) -> Option<String>,
) -> Result<Vec<PieceRow>, AppError> {
    let mut shown = Vec::new();
    for piece in rows {
        let label = match piece.document_id {
            Some(id) => crate::documents::find(tenant, id).await?.map(|d| d.label()),
            None => None,
        };
        let status = PieceStatus::parse(&piece.status);
        shown.push(PieceRow {
            id: piece.id,
            kind: PieceKind::parse(&piece.kind)
                .map_or("Pièce", PieceKind::label)
                .into(),
            description: match piece.certificate_date {
                Some(dated) => format!(
                    "{}, daté du {}",
                    pieces::describe(piece, label.as_deref()),
                    crate::dates::on(dated)
                ),
                None => pieces::describe(piece, label.as_deref()),
            },
            received: crate::dates::day(piece.created_at),
            status: status.label().into(),
            tone: match status {
                PieceStatus::Received => Tone::Info,
                PieceStatus::Accepted => Tone::Success,
                PieceStatus::Rejected => Tone::Error,
            },
            reason: piece.reason.clone(),
            href: link(piece),
            review_action: review(piece),
        });
    }
    Ok(shown)
}

pub(super) fn missing_labels(kinds: &[PieceKind]) -> Vec<String> {
    kinds.iter().map(|k| k.label().to_owned()).collect()
}

fn piece_form(action: String, typed: Option<&PieceTyped>) -> PieceForm {
    let chosen = typed.map(|t| t.nature.as_str()).unwrap_or_default();
    PieceForm {
        action,
        kinds: std::iter::once(FilterOption {
            value: String::new(),
            label: "Choisir la pièce".into(),
            selected: chosen.is_empty(),
        })
        .chain(PieceKind::ALL.into_iter().map(|k| FilterOption {
            value: k.id().into(),
            label: k.label().into(),
            selected: k.id() == chosen,
        }))
        .collect(),
        certificate_date: typed.map(|t| t.date_certificat.clone()).unwrap_or_default(),
        rpps: typed.map(|t| t.rpps.clone()).unwrap_or_default(),
    }
}

async fn render_draft_pieces(
    filer: &Filer,
    ui: Ui,
    status: StatusCode,
    file: &File,
    (errors, typed, notice): (FieldErrors, Option<&PieceTyped>, Option<String>),
) -> Result<Response, AppError> {
    let tenant = &filer.tenant().tenant;
    let rows = pieces::of_file(tenant, file.id()).await?;
    let view = DraftPiecesView {
        pieces: piece_rows(tenant, &rows, |_| None, |_| None).await?,
        missing: missing_labels(&pieces::missing(file, &rows)),
        form: piece_form(filer.href(file.id(), "/pieces"), typed),
        previous_href: filer.href(file.id(), "/droits"),
        next_href: filer.href(file.id(), "/recapitulatif"),
        on_behalf: filer.on_behalf(),
    };
    Ok(filer.ui(ui).render(status, move |ctx| {
        view! { <DraftPiecesPage ctx view errors notice /> }
    }))
}

/// `GET /mon-espace/mdph/{id}/pieces`.
pub async fn pieces_page(
    filer: Filer,
    ui: Ui,
    Path(at): Path<At>,
    Query(params): Query<OkParams>,
) -> Result<Response, AppError> {
    let file = match draft(&filer, at.file()).await? {
        Ok(file) => file,
        Err(filed) => return Ok(filed),
    };
    filer.journal_read(&file).await?;
    let notice =
        (params.ok.as_deref() == Some("piece")).then(|| "La pièce est enregistrée.".to_owned());
    render_draft_pieces(
        &filer,
        ui,
        StatusCode::OK,
        &file,
        (FieldErrors::new(), None, notice),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PieceTyped {
    nature: String,
    date_certificat: String,
    rpps: String,
}

/// `POST /mon-espace/mdph/{id}/pieces`: a piece for a draft or a filed file (reception, under
/// a mandate: for the draft it prepares).
pub async fn add_piece(
    State(state): State<AppState>,
    filer: Filer,
    ui: Ui,
    Path(at): Path<At>,
    data: FormData,
) -> Result<Response, AppError> {
    let file = filer.load(at.file()).await?;
    if matches!(filer, Filer::Reception { .. }) && file.status() != Status::Draft {
        return Ok(Redirect::to(&filer.filed_href(file.id(), "")).into_response());
    }
    let typed: PieceTyped = data.fields.read()?;
    let mut errors = FieldErrors::new();
    let kind = PieceKind::parse(&typed.nature);
    if kind.is_none() {
        errors.add(
            "nature",
            "Choisissez dans la liste la pièce que vous envoyez.",
        );
    }
    let certificate = match kind {
        Some(PieceKind::Certificate) => {
            match Certificate::read(&typed.date_certificat, &typed.rpps, crate::dates::today()) {
                Ok(c) => Some(c),
                Err(refusals) => {
                    for (field, message) in refusals {
                        errors.add(field, message);
                    }
                    None
                }
            }
        }
        _ => None,
    };
    let upload = data
        .uploads
        .iter()
        .find(|u| u.field == "fichier" && !u.filename.is_empty());
    if upload.is_none() {
        errors.add(
            "fichier",
            "Choisissez le fichier de la pièce (PDF, JPEG ou PNG).",
        );
    }
    if errors.is_empty()
        && let (Some(kind), Some(upload)) = (kind, upload)
    {
        let entry = |action: &str, file: &File| filer.entry(action, file);
        let added = pieces::add(
            (&state.platform, &state.seal_key),
            &filer.tenant().tenant,
            (&file, filer.filed_by(&entry)),
            (kind, certificate),
            upload,
            chrono::Utc::now(),
        );
        match added.await {
            Ok(Ok(_)) => {
                let back = match file.status() {
                    Status::Draft => filer.href(file.id(), "/pieces?ok=piece"),
                    _ => filer.href(file.id(), "?ok=piece"),
                };
                return Ok(Redirect::to(&back).into_response());
            }
            Ok(Err((field, message))) => errors.add(field, message),
            Err(refused) => return not_changed(&filer, file.id(), refused),
        }
    }
    match (&filer, file.status()) {
        (Filer::Citizen(citizen), status) if status != Status::Draft => {
            render_file(
                citizen,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                &file,
                (errors, Some(&typed), None, String::new()),
            )
            .await
        }
        _ => {
            render_draft_pieces(
                &filer,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                &file,
                (errors, Some(&typed), None),
            )
            .await
        }
    }
}

/// `GET /mon-espace/mdph/{id}/recapitulatif`.
pub async fn review(filer: Filer, ui: Ui, Path(at): Path<At>) -> Result<Response, AppError> {
    let file = match draft(&filer, at.file()).await? {
        Ok(file) => file,
        Err(filed) => return Ok(filed),
    };
    filer.journal_read(&file).await?;
    render_review(&filer, ui, StatusCode::OK, &file, FieldErrors::new()).await
}

/// The form's parts with their answers, in order.
pub(super) fn answered_parts(file: &File, change: impl Fn(u32) -> String) -> Vec<ReviewPart> {
    (1..=FORM.step_count())
        .map(|step| ReviewPart {
            title: PARTS[step as usize - 1].into(),
            change_href: change(step),
            answers: FORM
                .step_fields(step)
                .filter_map(|f| {
                    file.answers
                        .get(&f.key)
                        .map(|a| (f.label.clone(), a.display()))
                })
                .collect(),
        })
        .collect()
}

async fn render_review(
    filer: &Filer,
    ui: Ui,
    status: StatusCode,
    file: &File,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let tenant = &filer.tenant().tenant;
    let rows = pieces::of_file(tenant, file.id()).await?;
    let mut rights: Vec<String> = file
        .chosen_rights()
        .iter()
        .map(|r| r.label().to_owned())
        .collect();
    if file.row.generic {
        rights.push("L'équipe étudie tous les droits auxquels la personne peut prétendre".into());
    }
    let view = ReviewView {
        parts: answered_parts(file, |step| {
            filer.href(file.id(), &format!("/etape/{step}"))
        }),
        rights,
        rights_href: filer.href(file.id(), "/droits"),
        pieces_href: filer.href(file.id(), "/pieces"),
        pieces: piece_rows(tenant, &rows, |_| None, |_| None)
            .await?
            .into_iter()
            .map(|p| format!("{} : {}", p.kind, p.description))
            .collect(),
        missing: missing_labels(&pieces::missing(file, &rows)),
        action: filer.href(file.id(), "/depot"),
        on_behalf: filer.on_behalf(),
    };
    Ok(filer.ui(ui).render(status, move |ctx| {
        view! { <ReviewPage ctx view errors /> }
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FilingTyped {
    #[serde(deserialize_with = "app::validation::checkbox")]
    signature: bool,
}

/// `POST /mon-espace/mdph/{id}/depot`: signed and filed.
pub async fn file_request(
    State(state): State<AppState>,
    filer: Filer,
    ui: Ui,
    Path(at): Path<At>,
    Form(typed): Form<FilingTyped>,
) -> Result<Response, AppError> {
    let file = match draft(&filer, at.file()).await? {
        Ok(file) => file,
        Err(filed) => return Ok(filed),
    };
    if !typed.signature {
        let errors = FieldErrors::at(
            "signature",
            "Cochez la case pour certifier l'exactitude de la demande : elle vaut signature.",
        );
        return render_review(&filer, ui, StatusCode::UNPROCESSABLE_ENTITY, &file, errors).await;
    }
    let tenant = &filer.tenant().tenant;
    let entry = |action: &str, file: &File| filer.entry(action, file);
    let by = (filer.citizen().id, filer.filed_by(&entry));
    match files::file(tenant, by, file.id(), chrono::Utc::now()).await {
        Ok(Ok(filed)) => {
            let email = &filer.citizen().email;
            if !email.is_empty() {
                let how = match &filer {
                    Filer::Citizen(_) => String::new(),
                    Filer::Reception { mandate, .. } => format!(
                        " par l'accueil du département, sous votre mandat n° {}",
                        mandate.id
                    ),
                };
                crate::mail::tell(
                    &state.platform,
                    tenant,
                    email,
                    "Votre demande à la MDPH est déposée",
                    &format!(
                        "Votre demande {} à la maison départementale des personnes handicapées est déposée{how}. La MDPH vérifie maintenant qu'elle est complète ; vous recevrez un accusé de réception, ou la liste des pièces qui manquent. Vous la suivez dans votre espace.",
                        filed.reference()
                    ),
                )
                .await?;
            }
            Ok(Redirect::to(&filer.filed_href(filed.id(), "?ok=depose")).into_response())
        }
        Ok(Err(problems)) => {
            let mut errors = FieldErrors::new();
            for problem in problems {
                errors.add_form(problem.message);
            }
            render_review(&filer, ui, StatusCode::UNPROCESSABLE_ENTITY, &file, errors).await
        }
        Err(refused) => not_changed(&filer, file.id(), refused),
    }
}

/// The rows with where each decision's appeal stands, and, for the person (`contest`), the
/// link to contest a decision while they may.
pub(super) fn with_appeals(
    rows: Vec<RequestRow>,
    (requests, appeals): (&[disability_request::Model], &[disability_appeal::Model]),
    contest: impl Fn(&disability_request::Model) -> String,
) -> Vec<RequestRow> {
    let today = crate::dates::today();
    rows.into_iter()
        .zip(requests)
        .map(|(row, request)| {
            let appeal = appeals.iter().find(|a| a.request_id == request.id);
            RequestRow {
                contest: (appeal.is_none() && appeals::contestable(request, today).is_ok())
                    .then(|| contest(request)),
                appeal: appeal.map(|a| appeals::standing(a, today).describe()),
                ..row
            }
        })
        .collect()
}

pub(super) fn request_rows(
    requests: &[disability_request::Model],
    notification: impl Fn(&disability_request::Model) -> Option<String>,
) -> Vec<RequestRow> {
    use crate::disability::decisions::Outcome;
    requests
        .iter()
        .map(|r| {
            let outcome = r.outcome.as_deref().and_then(Outcome::parse);
            RequestRow {
                right: Right::parse(&r.right_code)
                    .map_or("Droit", Right::label)
                    .into(),
                status: match outcome {
                    Some(o) => o.label().into(),
                    None => files::request_status_label(&r.status).into(),
                },
                due: match (outcome, r.due_on) {
                    (Some(o), _) if o.is_final() => r
                        .decided_on
                        .map(|d| format!("Décidée le {}", crate::dates::on(d)))
                        .unwrap_or_default(),
                    (_, Some(due)) => crate::dates::on(due),
                    (_, None) => "Après l'accusé de réception".into(),
                },
                notification: r.notified_at.and_then(|_| notification(r)),
                contest: None,
                appeal: None,
            }
        })
        .collect()
}

async fn render_file(
    citizen: &CurrentCitizen,
    ui: Ui,
    status: StatusCode,
    file: &File,
    (errors, typed, notice, explanation): (
        FieldErrors,
        Option<&PieceTyped>,
        Option<String>,
        String,
    ),
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant.tenant;
    let rows = pieces::of_file(tenant, file.id()).await?;
    let requests = files::requests(tenant, file.id()).await?;
    let open = matches!(file.status(), Status::Filed | Status::WaitingPieces);
    let mut facts = vec![
        ("État".to_owned(), file.status().label().to_owned()),
        ("Nature".to_owned(), file.kind().label().to_owned()),
    ];
    if let Some(at) = file.row.filed_at {
        facts.push(("Déposée le".into(), crate::dates::day(at)));
    }
    if let Some(on) = file.row.complete_on {
        facts.push(("Complète le".into(), crate::dates::on(on)));
    }
    let asked = match (file.status(), file.row.pieces_deadline) {
        (Status::WaitingPieces, Some(deadline)) => Some(format!(
            "Envoyez les pièces manquantes ou refusées avant le {}.{}",
            crate::dates::on(deadline),
            file.row
                .pieces_message
                .as_deref()
                .map(|m| format!(" Message de la MDPH : {m}"))
                .unwrap_or_default()
        )),
        _ => None,
    };
    let view = MyFileView {
        reference: file.reference(),
        status: file.status().short().into(),
        tone: tone(file.status()),
        facts,
        requests: with_appeals(
            request_rows(&requests, |r| {
                Some(href(
                    citizen,
                    file.id(),
                    &format!("/notifications/{}", r.id),
                ))
            }),
            (&requests, &appeals::of_file(tenant, file.id()).await?),
            |r| href(citizen, file.id(), &format!("/recours/{}", r.id)),
        ),
        asked,
        pieces: piece_rows(tenant, &rows, |_| None, |_| None).await?,
        missing: if open {
            missing_labels(&pieces::missing(file, &rows))
        } else {
            Vec::new()
        },
        form: open.then(|| piece_form(href(citizen, file.id(), "/pieces"), typed)),
        explain_action: open.then(|| href(citizen, file.id(), "/explication")),
        explanation: if explanation.is_empty() {
            file.row.citizen_explanation.clone().unwrap_or_default()
        } else {
            explanation
        },
        plan: match plan::standing(file, crate::dates::today()) {
            plan::Standing::NotSent => None,
            plan::Standing::Awaiting(by) => Some((
                href(citizen, file.id(), "/plan"),
                Some(crate::dates::on(by)),
            )),
            plan::Standing::Closed => Some((href(citizen, file.id(), "/plan"), None)),
        },
        caf: super::caf::caf_view(
            tenant,
            file,
            &requests,
            (Reader::Person, href(citizen, file.id(), "/caf")),
        )
        .await?,
    };
    Ok(ui.with_citizen(citizen).render(status, move |ctx| {
        view! { <MyFilePage ctx view errors notice /> }
    }))
}

/// `GET /mon-espace/mdph/{id}`: a filed request; a draft goes on where it stands.
pub async fn my_file(
    citizen: CurrentCitizen,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<OkParams>,
) -> Result<Response, AppError> {
    let file = load(&citizen, &id).await?;
    if file.status() == Status::Draft {
        let done = file.steps_done();
        let next = (1..=FORM.step_count()).find(|s| !done.contains(s));
        let rest = match next {
            Some(step) => format!("/etape/{step}"),
            None if !file.rights_answered() => "/droits".into(),
            None => "/recapitulatif".into(),
        };
        return Ok(Redirect::to(&href(&citizen, file.id(), &rest)).into_response());
    }
    let notice = match params.ok.as_deref() {
        Some("depose") => Some("Votre demande est déposée. La MDPH vérifie qu'elle est complète : vous recevrez un accusé de réception, ou la liste des pièces qui manquent."),
        Some("piece") => Some("La pièce est enregistrée : la MDPH l'examinera."),
        Some("explication") => Some("Votre explication est envoyée à la MDPH."),
        Some("recours") => Some("Votre recours est envoyé : la commission réexamine votre demande et vous répond dans les 2 mois."),
        Some("caf") => Some("Votre accord est enregistré : la MDPH demande à la CAF si vous percevez l'AAH. Vous pouvez le retirer dans « Mes données »."),
        _ => None,
    }
    .map(str::to_owned);
    render_file(
        &citizen,
        ui,
        StatusCode::OK,
        &file,
        (FieldErrors::new(), None, notice, String::new()),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExplainTyped {
    explication: String,
}

/// `POST /mon-espace/mdph/{id}/explication`.
pub async fn explain(
    citizen: CurrentCitizen,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<ExplainTyped>,
) -> Result<Response, AppError> {
    let file = load(&citizen, &id).await?;
    match completeness::explain(&citizen.tenant.tenant, &file, &typed.explication).await? {
        Ok(()) => Ok(Redirect::to(&href(&citizen, file.id(), "?ok=explication")).into_response()),
        Err(message) => {
            let errors = FieldErrors::at("explication", message);
            render_file(
                &citizen,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                &file,
                (errors, None, None, typed.explication),
            )
            .await
        }
    }
}

/// The person's request `request` of their file, or 404.
pub(super) async fn my_request(
    citizen: &CurrentCitizen,
    file: &File,
    request: &str,
) -> Result<disability_request::Model, AppError> {
    let request: i64 = request.parse().map_err(|_| AppError::NotFound)?;
    files::requests(&citizen.tenant.tenant, file.id())
        .await?
        .into_iter()
        .find(|r| r.id == request)
        .ok_or(AppError::NotFound)
}

/// `GET /mon-espace/mdph/{id}/notifications/{request}`: the decision's letter; the first
/// opening records the day it was received (the appeal delay runs from it).
pub async fn my_notification(
    citizen: CurrentCitizen,
    Path((id, request)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let file = load(&citizen, &id).await?;
    let tenant = &citizen.tenant.tenant;
    let found = my_request(&citizen, &file, &request).await?;
    if found.notified_at.is_none() {
        return Err(AppError::NotFound);
    }
    let now = chrono::Utc::now();
    crate::disability::decisions::received(tenant, &found, (crate::dates::day_of(now), "space"))
        .await?;
    let letterhead = crate::letters::Letterhead::of(tenant).await?;
    let pdf = crate::disability::decisions::letter(
        &letterhead,
        &file,
        &found,
        found.notified_at.unwrap_or(now),
    );
    Ok(crate::http::pdf_attachment(
        &format!("notification-{}-{}.pdf", file.reference(), found.right_code),
        pdf,
    ))
}
