//! Filing an aid request: a draft per aid, one page per step (saved as they go, and
//! "save and continue later"), a review page, then filing once. The citizen files from their
//! space; reception can file for a citizen who is present, under the mandate they gave
//! (`user_relations::mandates`), through the same pages under `/agents/mandats/{id}/…`.

use app::aid_requests::filing::{
    AnswerForm, DecisionView, InputKind, QuestionView, RequestPage, ReviewLine, ReviewPage,
    ReviewStep, StartPage, StepPage, TimelineEntry,
};
use app::components::{Attachment, ThreadMessage};
use app::validation::FieldErrors;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

use crate::aid_requests::catalogue::{self, Aid};
use crate::aid_requests::decision;
use crate::aid_requests::exchange;
use crate::aid_requests::filing::{
    self, AidRequest, FiledBy, MandateEntry, SaveError, Status, Submission,
};
use crate::aid_requests::form::format_euros;
use crate::aid_requests::form::{Answer, AnswerError, FieldDef, FieldKind, FormDefinition};
use crate::aid_requests::prefill::Prefill as _;
use crate::aid_requests::queue::ChangeError;
use crate::audit::{self, AuditEvent};
use crate::citizens::Citizen;
use crate::documents;
use crate::http::auth::CurrentStaff;
use crate::http::citizen::{CurrentCitizen, absolute};
use crate::http::form::FormData;
use crate::http::ui::Ui;
use crate::http::{AppError, AppState, TenantCtx};
use crate::ids::{AidId, CitizenId, RequestId};
use crate::mail;
use crate::national::RequestData;
use crate::national::pull;
use crate::user_relations::http::mandates::over as mandate_over;
use crate::user_relations::mandates::{self, Mandate};

/// The citizen's own request with its aid and form version; 404 for anyone else's.
async fn load(
    citizen: &CurrentCitizen,
    id: &str,
) -> Result<(AidRequest, Aid, FormDefinition), AppError> {
    load_for(&citizen.tenant, citizen.citizen.id, id).await
}

async fn load_for(
    tenant: &TenantCtx,
    citizen_id: i64,
    id: &str,
) -> Result<(AidRequest, Aid, FormDefinition), AppError> {
    let tenant = &tenant.tenant;
    let request = filing::find_for_citizen(
        tenant,
        CitizenId(citizen_id),
        RequestId(crate::http::parse_id(id)?),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let aid = catalogue::find(tenant, request.aid_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = catalogue::form(tenant, aid.id, request.form_version)
        .await?
        .unwrap_or_default();
    Ok((request, aid, form))
}

fn request_href(citizen: &CurrentCitizen, id: i64, rest: &str) -> String {
    citizen.tenant.href(&format!("/demandes/{id}{rest}"))
}

/// Who fills the form in.
enum Filer {
    Citizen(CurrentCitizen),
    /// Reception, for a citizen present at the desk, under the mandate they gave.
    Reception {
        staff: CurrentStaff,
        mandate: Mandate,
        citizen: Citizen,
    },
}

impl Filer {
    /// Reception under mandate `id`: the user-relations desk, and a mandate of this
    /// department; whether it is still live is checked by [`Filer::check_live`] and, for
    /// writes, again inside their transaction.
    async fn reception(staff: CurrentStaff, mandate_id: &str) -> Result<Self, AppError> {
        let (_, mandate, citizen) =
            crate::user_relations::http::mandates::mandate_of(&staff, mandate_id).await?;
        Ok(Self::Reception {
            staff,
            mandate,
            citizen,
        })
    }

    fn tenant(&self) -> &TenantCtx {
        match self {
            Filer::Citizen(c) => &c.tenant,
            Filer::Reception { staff, .. } => &staff.tenant,
        }
    }

    fn citizen(&self) -> &Citizen {
        match self {
            Filer::Citizen(c) => &c.citizen,
            Filer::Reception { citizen, .. } => citizen,
        }
    }

    /// Who files, for the domain: under a mandate, with `entry` journaling each change in
    /// the change's transaction.
    fn filed_by<'a>(&self, entry: MandateEntry<'a>) -> FiledBy<'a> {
        match self {
            Filer::Citizen(_) => FiledBy::Citizen,
            Filer::Reception { staff, mandate, .. } => FiledBy::Mandate {
                id: mandate.id,
                staff_id: staff.account.id,
                journal: entry,
            },
        }
    }

    fn href(&self, request_id: i64, rest: &str) -> String {
        match self {
            Filer::Citizen(c) => request_href(c, request_id, rest),
            Filer::Reception { staff, mandate, .. } => staff.tenant.href(&format!(
                "/agents/mandats/{}/demandes/{request_id}{rest}",
                mandate.id
            )),
        }
    }

    /// Where the form ends: the request's page for the citizen, the mandate's for reception.
    fn done_href(&self, request_id: i64, query: &str) -> String {
        match self {
            Filer::Citizen(c) => request_href(c, request_id, query),
            Filer::Reception { staff, mandate, .. } => staff
                .tenant
                .href(&format!("/agents/mandats/{}{query}", mandate.id)),
        }
    }

    /// Where filing lands: reception's mandate page names the request filed.
    fn filed_href(&self, request_id: i64) -> String {
        match self {
            Filer::Citizen(_) => self.done_href(request_id, "?depot=ok"),
            Filer::Reception { .. } => self.done_href(request_id, &format!("?depot={request_id}")),
        }
    }

    fn ui(&self, ui: Ui) -> Ui {
        match self {
            Filer::Citizen(c) => ui.with_citizen(c),
            Filer::Reception { staff, .. } => ui.with_staff(staff),
        }
    }

    /// The banner reception's pages carry.
    fn on_behalf(&self) -> Option<String> {
        match self {
            Filer::Citizen(_) => None,
            Filer::Reception {
                mandate, citizen, ..
            } => Some(format!(
                "Dépôt assisté : vous remplissez cette demande pour {}, présente à l'accueil, sous son mandat n° {} (valable jusqu'au {}). Relisez chaque réponse avec elle.",
                citizen.display_name(),
                mandate.id,
                mandate.until()
            )),
        }
    }

    /// Reception may work under a live mandate only.
    fn check_live(&self) -> Result<(), AppError> {
        match self {
            Filer::Reception { mandate, .. } if !mandate.is_live(mandates::today()) => {
                Err(mandate_over(mandate))
            }
            _ => Ok(()),
        }
    }

    /// The request with its aid and form: the citizen's own; for reception, one the mandate
    /// covers, while it is live.
    async fn load(&self, id: &str) -> Result<(AidRequest, Aid, FormDefinition), AppError> {
        self.check_live()?;
        let loaded = load_for(self.tenant(), self.citizen().id, id).await?;
        if let Filer::Reception { mandate, .. } = self
            && !mandate.covers(loaded.0.aid_id)
        {
            return Err(AppError::NotFound);
        }
        Ok(loaded)
    }

    /// Reception's journal entry for `action` on the request (the citizen's own use is not
    /// journaled: `None`).
    fn entry(&self, action: &str, request: &AidRequest, aid: &Aid) -> Option<AuditEvent> {
        let Filer::Reception {
            staff,
            mandate,
            citizen,
        } = self
        else {
            return None;
        };
        let what = match &request.reference {
            Some(reference) => format!("demande {reference}"),
            None => format!("brouillon n° {}", request.id),
        };
        // Reception's desk was opened by `Filer::reception`: the entry is in that module.
        Some(crate::staff::desk::event(
            &staff.account,
            action,
            &format!("{} — {what} « {} »", citizen.audit_subject(), aid.title),
            &format!(
                "dépôt d'une demande pour vous, sous votre mandat n° {}",
                mandate.id
            ),
            Some((tenants::Module::UserRelations, citizen.id)),
        ))
    }

    /// Journals reception's read of the request; its changes are journaled in their own
    /// transaction ([`Filer::filed_by`]).
    async fn journal(&self, action: &str, request: &AidRequest, aid: &Aid) -> Result<(), AppError> {
        if let Some(entry) = self.entry(action, request, aid) {
            audit::record(&self.tenant().tenant, entry).await?;
        }
        Ok(())
    }

    /// Documents that may be chosen again: all the citizen's own for them; for reception,
    /// only those already in this request (reception does not browse their other papers).
    async fn documents(&self, request: &AidRequest) -> Result<Vec<(String, String)>, AppError> {
        let names = document_names(self.tenant(), self.citizen().id).await?;
        let mut ids: Vec<i64> = match self {
            Filer::Citizen(_) => names.keys().copied().collect(),
            Filer::Reception { .. } => request
                .answers
                .values()
                .filter_map(|a| match a {
                    Answer::Document(id) => Some(*id),
                    _ => None,
                })
                .filter(|id| names.contains_key(id))
                .collect(),
        };
        ids.sort_unstable();
        ids.dedup();
        Ok(ids
            .into_iter()
            .rev()
            .map(|id| (id.to_string(), names[&id].clone()))
            .collect())
    }
}

/// The aid asked for by its address, if it is still open to requests.
async fn open_aid(tenant: &tenants::Tenant, slug: &str) -> Result<Aid, AppError> {
    let aid = catalogue::find_by_slug(tenant, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if !aid.open {
        return Err(AppError::Conflict(
            "Cette aide n'est plus ouverte aux demandes. Consultez les autres aides du département.".into(),
        ));
    }
    Ok(aid)
}

/// Where a draft is taken up: the consent to national exchanges first when it is offered
/// (the citizen's own act, from their space), else the first step.
async fn first_page(
    state: &AppState,
    filer: &Filer,
    draft: &AidRequest,
) -> Result<Response, AppError> {
    let form = catalogue::form(&filer.tenant().tenant, draft.aid_id, draft.form_version)
        .await?
        .unwrap_or_default();
    let first = match filer {
        Filer::Citizen(citizen) if super::consent::offered(state, citizen, &form) => "/donnees",
        _ => "/etape/1",
    };
    Ok(Redirect::to(&filer.href(draft.id, first)).into_response())
}

/// Opens (or resumes) the draft for this aid.
async fn start_for(state: &AppState, filer: &Filer, slug: &str) -> Result<Response, AppError> {
    filer.check_live()?;
    let tenant = &filer.tenant().tenant;
    let aid = open_aid(tenant, slug).await?;
    let entry = |action: &str, draft: &AidRequest| filer.entry(action, draft, &aid);
    let draft =
        match filing::draft_for(tenant, filer.citizen().id, &aid, filer.filed_by(&entry)).await {
            Ok(draft) => draft,
            Err(SaveError::MandateOver | SaveError::NotADraft) => match filer {
                Filer::Reception { mandate, .. } if mandate.covers(aid.id) => {
                    return Err(mandate_over(mandate));
                }
                _ => return Err(AppError::NotFound),
            },
            Err(SaveError::Db(e)) => return Err(e.into()),
        };
    first_page(state, filer, &draft).await
}

/// `GET /aides/{slug}/demander`: the citizen's draft for this aid when there is one; else a
/// page to start it. A GET never creates a draft: a crawler or a browser's prefetch following
/// the link leaves nothing behind.
pub async fn start_page(
    State(state): State<AppState>,
    citizen: CurrentCitizen,
    ui: Ui,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant.tenant;
    let aid = open_aid(tenant, &slug).await?;
    if let Some(draft) = filing::find_draft(tenant, CitizenId(citizen.citizen.id), aid.id).await? {
        return first_page(&state, &Filer::Citizen(citizen), &draft).await;
    }
    let step_count = catalogue::form(tenant, aid.id, aid.form_version)
        .await?
        .unwrap_or_default()
        .step_count();
    let documents = aid.document_list();
    let action = citizen
        .tenant
        .href(&format!("/aides/{}/demander", aid.slug));
    let aid_title = aid.title;
    Ok(ui
        .with_citizen(&citizen)
        .render(StatusCode::OK, move |ctx| {
            view! { <StartPage ctx aid_title step_count documents action /> }
        }))
}

/// `POST /aides/{slug}/demander`: starts the citizen's draft for this aid (or resumes the one
/// they have).
pub async fn start(
    State(state): State<AppState>,
    citizen: CurrentCitizen,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    start_for(&state, &Filer::Citizen(citizen), &slug).await
}

/// `POST /agents/mandats/{mandate}/aides/{slug}`: reception opens the draft for this aid.
pub async fn assisted_start(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Path((mandate, slug)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let filer = Filer::reception(staff, &mandate).await?;
    start_for(&state, &filer, &slug).await
}

fn input_kind(kind: &FieldKind, documents: &[(String, String)]) -> InputKind {
    match kind {
        FieldKind::Text => InputKind::Text,
        FieldKind::Number => InputKind::Number,
        FieldKind::Amount => InputKind::Amount,
        FieldKind::Date => InputKind::Date,
        FieldKind::Choice { options } => InputKind::Choice(options.clone()),
        FieldKind::YesNo => InputKind::YesNo,
        FieldKind::Document => InputKind::Document(documents.to_vec()),
    }
}

/// How national data bears on the questions of one request: notes, pre-filled answers and
/// certificates no longer needed.
struct National {
    data: RequestData,
    waived: HashSet<String>,
}

impl National {
    async fn load(
        filer: &Filer,
        request: &AidRequest,
        form: &FormDefinition,
    ) -> Result<Self, AppError> {
        let data = RequestData::load(
            &filer.tenant().tenant,
            CitizenId(filer.citizen().id),
            AidId(request.aid_id),
            RequestId(request.id),
        )
        .await?;
        let waived = data.waived(form);
        Ok(Self { data, waived })
    }

    /// The value a question shows: the answer given, else what national data says.
    fn value(&self, field: &FieldDef, answer: Option<&Answer>) -> String {
        match answer {
            Some(a) => a.input_value(),
            None => self
                .data
                .prefill(field)
                .map(|(a, _)| a.input_value())
                .unwrap_or_default(),
        }
    }

    fn question(
        &self,
        field: &FieldDef,
        documents: &[(String, String)],
        value: String,
        answer: Option<&Answer>,
        error: Option<String>,
    ) -> QuestionView {
        let note = self.data.note(field, answer);
        let help = match note {
            Some(note) if field.help.is_empty() => note,
            Some(note) => format!("{} {note}", field.help),
            None => field.help.clone(),
        };
        QuestionView {
            key: field.key.clone(),
            label: field.label.clone(),
            help,
            required: field.required && !self.waived.contains(&field.key),
            kind: input_kind(&field.kind, documents),
            value,
            error,
        }
    }
}

fn parse_step(step: &str, form: &FormDefinition) -> Result<u32, AppError> {
    step.parse::<u32>()
        .ok()
        .filter(|s| (1..=form.step_count()).contains(s))
        .ok_or(AppError::NotFound)
}

/// One step's page as shown: its questions (with answers or typed values) and its errors.
struct StepView {
    step: u32,
    questions: Vec<QuestionView>,
    errors: Vec<String>,
}

fn render_step(
    filer: &Filer,
    ui: Ui,
    status: StatusCode,
    (request, aid, form): (&AidRequest, &Aid, &FormDefinition),
    view_state: StepView,
) -> Response {
    let StepView {
        step,
        questions,
        errors,
    } = view_state;
    let action = filer.href(request.id, &format!("/etape/{step}"));
    let previous_href = (step > 1).then(|| filer.href(request.id, &format!("/etape/{}", step - 1)));
    let aid_title = aid.title.clone();
    let step_count = form.step_count();
    let on_behalf = filer.on_behalf();
    filer.ui(ui).render(status, move |ctx| {
        view! {
            <StepPage ctx aid_title step step_count questions errors action previous_href on_behalf />
        }
    })
}

async fn step_page_for(filer: &Filer, ui: Ui, id: &str, step: &str) -> Result<Response, AppError> {
    let (request, aid, form) = filer.load(id).await?;
    if request.status != Status::Draft {
        return Ok(Redirect::to(&filer.done_href(request.id, "")).into_response());
    }
    let step = parse_step(step, &form)?;
    filer
        .journal("consultation d'une demande (dépôt assisté)", &request, &aid)
        .await?;
    let documents = filer.documents(&request).await?;
    let national = National::load(filer, &request, &form).await?;
    let questions = form
        .step_fields(step)
        .map(|f| {
            let answer = request.answers.get(&f.key);
            national.question(f, &documents, national.value(f, answer), answer, None)
        })
        .collect();
    Ok(render_step(
        filer,
        ui,
        StatusCode::OK,
        (&request, &aid, &form),
        StepView {
            step,
            questions,
            errors: vec![],
        },
    ))
}

pub async fn step_page(
    citizen: CurrentCitizen,
    ui: Ui,
    Path((id, step)): Path<(String, String)>,
) -> Result<Response, AppError> {
    step_page_for(&Filer::Citizen(citizen), ui, &id, &step).await
}

pub async fn assisted_step_page(
    staff: CurrentStaff,
    ui: Ui,
    Path((mandate, id, step)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let filer = Filer::reception(staff, &mandate).await?;
    step_page_for(&filer, ui, &id, &step).await
}

/// The document a step's question gets: a new file (checked, then kept in the citizen's
/// documents), or one of those offered chosen again, or the one already attached; `Err` says
/// what is wrong with the file or the choice.
async fn chosen_document(
    state: &AppState,
    filer: &Filer,
    (request, aid): (&AidRequest, &Aid),
    field: &FieldDef,
    data: &FormData,
    selectable: &[(String, String)],
) -> Result<Result<Option<i64>, String>, AppError> {
    let upload = data.uploads.iter().find(|u| u.field == field.key);
    let reused = data.fields.get(&format!("{}-existant", field.key)).trim();
    if let Some(upload) = upload {
        return Ok(match documents::check(upload) {
            Ok(mime) => {
                let tenant = &filer.tenant().tenant;
                let journal = filer.entry(
                    "ajout d'un document à vos documents (dépôt assisté)",
                    request,
                    aid,
                );
                let doc = documents::save(
                    &state.platform,
                    tenant,
                    filer.citizen().id,
                    upload,
                    mime,
                    journal,
                )
                .await?;
                Ok(Some(doc.id))
            }
            Err(message) => Err(message),
        });
    }
    if !reused.is_empty() {
        return Ok(selectable
            .iter()
            .find(|(doc_id, _)| doc_id == reused)
            .and_then(|(doc_id, _)| doc_id.parse::<i64>().ok())
            .map(Some)
            .ok_or_else(|| format!("Le document choisi pour « {} » n'existe pas : choisissez-en un dans la liste ou envoyez un fichier.", field.label)));
    }
    Ok(Ok(match request.answers.get(&field.key) {
        Some(Answer::Document(doc_id)) => Some(*doc_id),
        _ => None,
    }))
}

/// A step's documents: a new file (checked, then kept in the citizen's documents), one of
/// those offered chosen again, or the one already attached; by question. What is wrong goes
/// to `errors`, what is chosen to `answers` too.
async fn step_documents(
    state: &AppState,
    filer: &Filer,
    (request, aid, form, step): (&AidRequest, &Aid, &FormDefinition, u32),
    (data, national): (&FormData, &National),
    (answers, errors): (
        &mut crate::aid_requests::form::Answers,
        &mut Vec<AnswerError>,
    ),
) -> Result<HashMap<String, i64>, AppError> {
    let selectable = filer.documents(request).await?;
    let mut chosen_documents = HashMap::new();
    for field in form
        .step_fields(step)
        .filter(|f| f.kind == FieldKind::Document)
    {
        let answer =
            match chosen_document(state, filer, (request, aid), field, data, &selectable).await? {
                Ok(answer) => answer,
                Err(message) => {
                    errors.push(AnswerError {
                        key: field.key.clone(),
                        message,
                    });
                    None
                }
            };
        match answer {
            Some(doc_id) => {
                chosen_documents.insert(field.key.clone(), doc_id);
                answers.insert(field.key.clone(), Answer::Document(doc_id));
            }
            None if field.required
                && !national.waived.contains(&field.key)
                && !errors.iter().any(|e| e.key == field.key) =>
            {
                errors.push(AnswerError {
                    key: field.key.clone(),
                    message: app::validation::document_required_message(&field.label),
                });
            }
            None => {}
        }
    }
    Ok(chosen_documents)
}

async fn save_step_for(
    state: &AppState,
    filer: &Filer,
    ui: Ui,
    (id, step): (&str, &str),
    data: FormData,
) -> Result<Response, AppError> {
    let (request, aid, form) = filer.load(id).await?;
    if request.status != Status::Draft {
        return Ok(Redirect::to(&filer.done_href(request.id, "")).into_response());
    }
    let step = parse_step(step, &form)?;
    let tenant = &filer.tenant().tenant;
    let citizen_id = filer.citizen().id;
    let national = National::load(filer, &request, &form).await?;
    let form_fields = &data.fields;
    let (mut answers, mut errors) = form.read_step(step, |key| form_fields.get(key).to_owned());
    let chosen_documents = step_documents(
        state,
        filer,
        (&request, &aid, &form, step),
        (&data, &national),
        (&mut answers, &mut errors),
    )
    .await?;
    let save_only = form_fields.get("action") == "save";
    if !errors.is_empty() && !save_only {
        // Nothing is saved: reception has read the draft, its answers are shown again.
        filer
            .journal("consultation d'une demande (dépôt assisté)", &request, &aid)
            .await?;
        let documents = filer.documents(&request).await?;
        let questions = form
            .step_fields(step)
            .map(|f| {
                let error = errors
                    .iter()
                    .find(|e| e.key == f.key)
                    .map(|e| e.message.clone());
                let value = match chosen_documents.get(&f.key) {
                    Some(doc_id) => doc_id.to_string(),
                    None => form_fields.get(&f.key).trim().to_owned(),
                };
                national.question(f, &documents, value, answers.get(&f.key), error)
            })
            .collect();
        let summary = errors.iter().map(|e| e.message.clone()).collect();
        return Ok(render_step(
            filer,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            (&request, &aid, &form),
            StepView {
                step,
                questions,
                errors: summary,
            },
        ));
    }
    // "Save and continue later" keeps what is valid; the rest is asked again next time.
    let entry = |action: &str, saved: &AidRequest| filer.entry(action, saved, &aid);
    let saved = filing::save_step(
        tenant,
        CitizenId(citizen_id),
        RequestId(request.id),
        &form,
        step,
        answers,
        filer.filed_by(&entry),
    )
    .await;
    match (saved, filer) {
        (Ok(_), _) => {}
        (Err(SaveError::NotADraft), _) => {
            return Ok(Redirect::to(&filer.done_href(request.id, "")).into_response());
        }
        (Err(SaveError::MandateOver), Filer::Reception { mandate, .. }) => {
            return Err(mandate_over(mandate));
        }
        (Err(SaveError::MandateOver), Filer::Citizen(_)) => return Err(AppError::NotFound),
        (Err(SaveError::Db(e)), _) => return Err(e.into()),
    }
    if save_only {
        let later = match filer {
            Filer::Citizen(c) => c.tenant.href("/mon-espace?brouillon=enregistre"),
            Filer::Reception { .. } => filer.done_href(request.id, "?ok=brouillon"),
        };
        return Ok(Redirect::to(&later).into_response());
    }
    let next = if step < form.step_count() {
        format!("/etape/{}", step + 1)
    } else {
        "/recapitulatif".to_owned()
    };
    Ok(Redirect::to(&filer.href(request.id, &next)).into_response())
}

pub async fn save_step(
    State(state): State<AppState>,
    citizen: CurrentCitizen,
    ui: Ui,
    Path((id, step)): Path<(String, String)>,
    data: FormData,
) -> Result<Response, AppError> {
    save_step_for(&state, &Filer::Citizen(citizen), ui, (&id, &step), data).await
}

pub async fn assisted_save_step(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path((mandate, id, step)): Path<(String, String, String)>,
    data: FormData,
) -> Result<Response, AppError> {
    let filer = Filer::reception(staff, &mandate).await?;
    save_step_for(&state, &filer, ui, (&id, &step), data).await
}

/// The citizen's documents by id, to name them where an answer points at one.
async fn document_names(
    tenant: &TenantCtx,
    citizen_id: i64,
) -> Result<HashMap<i64, String>, AppError> {
    Ok(documents::labels_for_citizen(&tenant.tenant, citizen_id).await?)
}

/// An answer as the citizen reads it; a document by its name.
fn answer_text(answer: &Answer, names: &HashMap<i64, String>) -> String {
    match answer {
        Answer::Document(id) => names.get(id).cloned().unwrap_or_else(|| answer.display()),
        other => other.display(),
    }
}

fn review_steps(
    filer: &Filer,
    request: &AidRequest,
    form: &FormDefinition,
    names: &HashMap<i64, String>,
    national: &National,
) -> Vec<ReviewStep> {
    (1..=form.step_count())
        .map(|step| ReviewStep {
            step,
            edit_href: filer.href(request.id, &format!("/etape/{step}")),
            lines: form
                .step_fields(step)
                .map(|f| {
                    let answer = request.answers.get(&f.key);
                    let text = answer.map_or_else(
                        || {
                            if national.waived.contains(&f.key) {
                                "(inutile : transmis par l'administration avec votre accord)"
                                    .to_owned()
                            } else {
                                "(pas de réponse)".to_owned()
                            }
                        },
                        |a| answer_text(a, names),
                    );
                    let provenance = match (answer, national.data.prefill(f)) {
                        (Some(given), Some((value, fact))) if *given == value => format!(
                            " — transmis par {} le {}",
                            fact.source.provider(),
                            fact.fetched_at.format("%d/%m/%Y")
                        ),
                        _ => String::new(),
                    };
                    ReviewLine {
                        label: f.label.clone(),
                        answer: format!("{text}{provenance}"),
                    }
                })
                .collect(),
        })
        .collect()
}

async fn render_review(
    filer: &Filer,
    ui: Ui,
    status: StatusCode,
    (request, aid): (&AidRequest, &Aid),
    (form, national): (&FormDefinition, &National),
    problems: Vec<String>,
) -> Result<Response, AppError> {
    let names = document_names(filer.tenant(), filer.citizen().id).await?;
    let steps = review_steps(filer, request, form, &names, national);
    let submit_action = filer.href(request.id, "/deposer");
    let aid_title = aid.title.clone();
    let on_behalf = filer.on_behalf();
    Ok(filer.ui(ui).render(status, move |ctx| {
        view! { <ReviewPage ctx aid_title steps problems submit_action on_behalf /> }
    }))
}

async fn review_for(filer: &Filer, ui: Ui, id: &str) -> Result<Response, AppError> {
    let (request, aid, form) = filer.load(id).await?;
    if request.status != Status::Draft {
        return Ok(Redirect::to(&filer.done_href(request.id, "")).into_response());
    }
    filer
        .journal("consultation d'une demande (dépôt assisté)", &request, &aid)
        .await?;
    let national = National::load(filer, &request, &form).await?;
    let problems = form
        .check_complete_waiving(&request.answers, &national.waived)
        .into_iter()
        .map(|e| e.message)
        .collect();
    render_review(
        filer,
        ui,
        StatusCode::OK,
        (&request, &aid),
        (&form, &national),
        problems,
    )
    .await
}

pub async fn review(
    citizen: CurrentCitizen,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    review_for(&Filer::Citizen(citizen), ui, &id).await
}

pub async fn assisted_review(
    staff: CurrentStaff,
    ui: Ui,
    Path((mandate, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let filer = Filer::reception(staff, &mandate).await?;
    review_for(&filer, ui, &id).await
}

async fn submit_for(
    state: &AppState,
    filer: &Filer,
    headers: &HeaderMap,
    ui: Ui,
    id: &str,
) -> Result<Response, AppError> {
    let (request, aid, form) = filer.load(id).await?;
    let tenant = &filer.tenant().tenant;
    // The receipt points the citizen at their own page, whoever filed.
    let receipt_url = absolute(
        state,
        headers,
        filer.tenant(),
        &format!("/demandes/{}", request.id),
    );
    let national = National::load(filer, &request, &form).await?;
    let entry = |action: &str, filed: &AidRequest| filer.entry(action, filed, &aid);
    let outcome = filing::submit(
        tenant,
        filer.citizen(),
        request.id,
        &receipt_url,
        &national.waived,
        filer.filed_by(&entry),
    )
    .await?;
    // A filing is journaled with it; otherwise what the citizen reads says what happened:
    // sent back to complete, or not filed.
    let unfiled = match &outcome {
        Submission::Submitted(_) => None,
        Submission::Incomplete(_) => Some("consultation d'une demande (dépôt assisté)"),
        _ => Some("tentative de dépôt d'une demande (dépôt assisté)"),
    };
    if let Some(action) = unfiled {
        filer.journal(action, &request, &aid).await?;
    }
    match outcome {
        Submission::Submitted(filed) => {
            mail::wake(&state.platform, tenant).await;
            let pulls = pull::for_request(tenant, filed.id).await?;
            let pulls: Vec<_> = pulls.into_iter().map(|(p, _)| p).collect();
            pull::wake(&state.platform, tenant, &pulls).await;
            Ok(Redirect::to(&filer.filed_href(filed.id)).into_response())
        }
        Submission::AlreadySubmitted(filed) => {
            Ok(Redirect::to(&filer.filed_href(filed.id)).into_response())
        }
        Submission::Incomplete(problems) => {
            let problems = problems.into_iter().map(|e| e.message).collect();
            render_review(filer, ui, StatusCode::UNPROCESSABLE_ENTITY, (&request, &aid), (&form, &national), problems).await
        }
        Submission::AidClosed => Err(AppError::Conflict(
            "Cette aide n'est plus ouverte aux demandes : le brouillon est conservé, mais il ne peut plus être déposé.".into(),
        )),
        Submission::MandateOver => match filer {
            Filer::Reception { mandate, .. } => Err(mandate_over(mandate)),
            Filer::Citizen(_) => Err(AppError::NotFound),
        },
        Submission::NotFound => Err(AppError::NotFound),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    citizen: CurrentCitizen,
    headers: HeaderMap,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    submit_for(&state, &Filer::Citizen(citizen), &headers, ui, &id).await
}

pub async fn assisted_submit(
    State(state): State<AppState>,
    staff: CurrentStaff,
    headers: HeaderMap,
    ui: Ui,
    Path((mandate, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let filer = Filer::reception(staff, &mandate).await?;
    submit_for(&state, &filer, &headers, ui, &id).await
}

#[derive(Debug, Deserialize)]
pub struct RequestParams {
    depot: Option<String>,
}

pub async fn request_page(
    citizen: CurrentCitizen,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<RequestParams>,
) -> Result<Response, AppError> {
    let just_filed = params.depot.as_deref() == Some("ok");
    render_request(&citizen, ui, StatusCode::OK, &id, just_filed, None).await
}

/// A request's exchange as its citizen reads it, with the documents they sent.
async fn citizen_thread(
    tenant: &TenantCtx,
    request_id: i64,
) -> Result<Vec<ThreadMessage>, AppError> {
    Ok(exchange::messages(&tenant.tenant, request_id)
        .await?
        .into_iter()
        .map(|m| ThreadMessage {
            heading: format!(
                "{} — {}",
                if m.from_citizen {
                    "Vous"
                } else {
                    "Le département"
                },
                m.at.format("%d/%m/%Y")
            ),
            body: m.body,
            attachment: m.document.map(|d| Attachment {
                href: tenant.href(&format!("/documents/{}", d.id)),
                label: d.label(),
                preview: None,
            }),
        })
        .collect())
}

/// The answer form sent back with its mistakes, as it was filled in.
struct AnswerSentBack {
    text: String,
    chosen: String,
    errors: FieldErrors,
}

async fn render_request(
    citizen: &CurrentCitizen,
    ui: Ui,
    http_status: StatusCode,
    id: &str,
    just_filed: bool,
    sent_back: Option<AnswerSentBack>,
) -> Result<Response, AppError> {
    let citizen = citizen.clone();
    let (request, aid, form) = load(&citizen, id).await?;
    let tenant = &citizen.tenant.tenant;
    let timeline = filing::events(tenant, request.id)
        .await?
        .into_iter()
        .filter(|e| e.shown_to_citizen())
        .map(|e| TimelineEntry {
            date: e.at.format("%d/%m/%Y").to_string(),
            text: e.detail,
        })
        .collect();
    let names = document_names(&citizen.tenant, citizen.citizen.id).await?;
    let answers = form
        .fields
        .iter()
        .filter_map(|f| {
            request.answers.get(&f.key).map(|a| ReviewLine {
                label: f.label.clone(),
                answer: answer_text(a, &names),
            })
        })
        .collect();
    let (continue_href, next_step) = match request.status {
        Status::Draft => (
            Some(request_href(&citizen, request.id, "/etape/1")),
            "Votre demande n'est pas encore déposée : terminez-la, vérifiez-la, puis déposez-la.".to_owned(),
        ),
        Status::Submitted => (
            None,
            "Rien pour l'instant : le département instruit votre demande. Vous serez prévenu par courriel.".to_owned(),
        ),
        Status::InfoRequested => (
            None,
            "Le département vous demande des informations complémentaires : lisez sa question ci-dessous et répondez-y. Le délai de traitement reprendra à votre réponse.".to_owned(),
        ),
        _ => (None, "Votre demande est terminée.".to_owned()),
    };
    let just_filed = just_filed && request.status != Status::Draft;
    let messages = citizen_thread(&citizen.tenant, request.id).await?;
    let answer = match request.status == Status::InfoRequested {
        true => {
            let sent_back = sent_back.unwrap_or(AnswerSentBack {
                text: String::new(),
                chosen: String::new(),
                errors: FieldErrors::new(),
            });
            Some(AnswerForm {
                action: request_href(&citizen, request.id, "/complement"),
                text: sent_back.text,
                documents: vault_choices(&names),
                chosen: sent_back.chosen,
                errors: sent_back.errors,
            })
        }
        false => None,
    };
    let decision = decision::find(tenant, request.id).await?.map(|d| {
        let summary = match d.amount_cents {
            Some(cents) => format!(
                "Votre demande est {} : {} (le {}).",
                d.outcome.label().to_lowercase(),
                format_euros(cents),
                d.decided_at.format("%d/%m/%Y")
            ),
            None => format!(
                "Votre demande est {} (le {}).",
                d.outcome.label().to_lowercase(),
                d.decided_at.format("%d/%m/%Y")
            ),
        };
        DecisionView {
            summary,
            reasons: d.reasons,
            comment: d.comment,
            appeal: crate::letters::appeal_text(tenant.name()),
            signatory: d.signatory,
            letter_href: request_href(&citizen, request.id, "/courrier"),
        }
    });
    let aid_title = aid.title.clone();
    let status = request.status.label().to_owned();
    let reference = request.reference.clone();
    // A date only while the department's clock runs: it stops while the citizen is asked
    // for more, and a decided request has no deadline left.
    let clock_suspended = request.status == Status::InfoRequested;
    let due_on = request
        .due_on
        .filter(|_| request.status == Status::Submitted)
        .map(|d| d.format("%d/%m/%Y").to_string());
    let pulls = pull::for_request(tenant, request.id)
        .await?
        .iter()
        .map(|(p, fact)| crate::national::http::pull_row(p, fact.as_ref(), None))
        .collect();
    Ok(ui.with_citizen(&citizen).render(http_status, move |ctx| {
        view! {
            <RequestPage ctx aid_title reference status just_filed due_on clock_suspended timeline answers continue_href next_step decision messages answer pulls />
        }
    }))
}

/// The citizen's documents to choose from, newest first: (id, label).
fn vault_choices(names: &HashMap<i64, String>) -> Vec<(String, String)> {
    let mut documents: Vec<(i64, String)> = names.iter().map(|(id, l)| (*id, l.clone())).collect();
    documents.sort_by_key(|(id, _)| std::cmp::Reverse(*id));
    documents
        .into_iter()
        .map(|(id, label)| (id.to_string(), label))
        .collect()
}

/// `POST /demandes/{id}/complement`: the citizen answers the department's question, with words,
/// a document (sent now or chosen among theirs), or both. A mistake sends the form back as
/// filled in, with the message at its field.
pub async fn answer(
    State(state): State<AppState>,
    citizen: CurrentCitizen,
    ui: Ui,
    Path(id): Path<String>,
    data: FormData,
) -> Result<Response, AppError> {
    let (request, _, _) = load(&citizen, &id).await?;
    if request.status != Status::InfoRequested {
        // Answered already (a second tab, a double click) or decided meanwhile: nothing is
        // stored, the page shows where the request stands.
        return Ok(Redirect::to(&request_href(&citizen, request.id, "")).into_response());
    }
    let tenant = &citizen.tenant.tenant;
    let text = data.fields.get("answer").to_owned();
    let chosen = data.fields.get("piece-existant").trim().to_owned();
    let upload = data.uploads.iter().find(|u| u.field == "piece");
    let mut errors = FieldErrors::new();
    let body = match exchange::check_message(&text) {
        Ok(body) => body,
        Err(_) if text.trim().is_empty() => String::new(),
        Err(message) => {
            errors.add("answer", message);
            String::new()
        }
    };
    let names = document_names(&citizen.tenant, citizen.citizen.id).await?;
    let reused = match chosen.as_str() {
        "" => None,
        chosen => match chosen
            .parse::<i64>()
            .ok()
            .filter(|id| names.contains_key(id))
        {
            Some(id) => Some(id),
            None => {
                errors.add("piece", "Ce document n'est pas parmi les vôtres : choisissez-en un dans la liste ou envoyez un fichier.");
                None
            }
        },
    };
    let mime = match upload.map(documents::check) {
        Some(Err(message)) => {
            errors.add("piece", message);
            None
        }
        Some(Ok(_)) if reused.is_some() => {
            errors.add(
                "piece",
                "Choisissez un document déjà envoyé ou un nouveau fichier, pas les deux.",
            );
            None
        }
        Some(Ok(mime)) => Some(mime),
        None => None,
    };
    if errors.is_empty() && body.is_empty() && upload.is_none() && reused.is_none() {
        errors.add(
            "answer",
            "Écrivez votre réponse ou joignez un document avant d'envoyer.",
        );
    }
    if !errors.is_empty() {
        let sent_back = AnswerSentBack {
            text,
            chosen,
            errors,
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_request(&citizen, ui, status, &id, false, Some(sent_back)).await;
    }
    let document_id = match (upload, mime) {
        (Some(upload), Some(mime)) => {
            let doc = documents::save(
                &state.platform,
                tenant,
                citizen.citizen.id,
                upload,
                mime,
                None,
            )
            .await?;
            Some(doc.id)
        }
        _ => reused,
    };
    let answer = exchange::Answer { body, document_id };
    match exchange::answer(tenant, citizen.citizen.id, request.id, &answer).await {
        Ok(()) => Ok(Redirect::to(&request_href(&citizen, request.id, "")).into_response()),
        // Answered already (a second tab, a double click): the page shows where it stands.
        Err(ChangeError::Conflict) => {
            Ok(Redirect::to(&request_href(&citizen, request.id, "")).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /demandes/{id}/courrier`: the decision letter, to its citizen only.
pub async fn letter(
    State(state): State<AppState>,
    citizen: CurrentCitizen,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (request, _, _) = load(&citizen, &id).await?;
    let tenant = &citizen.tenant.tenant;
    let file = decision::find(tenant, request.id)
        .await?
        .and_then(|d| d.letter_file)
        .ok_or(AppError::NotFound)?;
    let bytes = crate::files::read(&state.platform, tenant.slug(), &file)
        .await
        .map_err(|e| AppError::Internal(format!("letter {file}: {e}")))?;
    let name = format!(
        "decision-{}.pdf",
        request.reference.unwrap_or_else(|| request.id.to_string())
    );
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
