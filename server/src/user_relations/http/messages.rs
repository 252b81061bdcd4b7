//! Secure messages: the citizen's threads with the department, and reception's inbox.

use app::user_relations::{
    MessageForm, MessageRow, MessagesPage, RecordMessageForm, StaffInboxPage, ThreadPage, ThreadRow,
};
use app::validation::FieldErrors;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;

use crate::audit::AuditEvent;
use crate::citizens;
use crate::documents;
use crate::http::auth::CurrentStaff;
use crate::http::citizen::CurrentCitizen;
use crate::http::form::FormData;
use crate::http::form::FormFields;
use crate::http::ui::Ui;
use crate::http::{AppError, AppState};
use crate::user_relations::messages::{self, Author, Journaled, NewMessage, Thread};

use super::*;

/// `GET /mon-espace/messages`: the citizen's threads and the form to write.
pub async fn my_messages(citizen: CurrentCitizen, ui: Ui) -> Result<Response, AppError> {
    let nothing = FieldErrors::new();
    render_my_messages(
        &citizen,
        ui,
        StatusCode::OK,
        MessageForm::default(),
        nothing,
    )
    .await
}

async fn render_my_messages(
    citizen: &CurrentCitizen,
    ui: Ui,
    status: StatusCode,
    form: MessageForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant;
    let requests = citizen_requests(&tenant.tenant, citizen.citizen.id).await?;
    let about: std::collections::HashMap<i64, String> = requests.iter().cloned().collect();
    let threads = messages::threads_of(&tenant.tenant, citizen.citizen.id)
        .await?
        .into_iter()
        .map(|t| ThreadRow {
            href: tenant.href(&format!("/mon-espace/messages/{}", t.id)),
            about: t.request_id.and_then(|id| about.get(&id).cloned()),
            subject: t.subject,
            date: date_time(t.last_message_at),
            state: if t.unread_by_citizen {
                Some("Nouveau message du département".to_owned())
            } else if t.awaiting_department {
                Some("En attente de réponse".to_owned())
            } else {
                None
            },
            citizen: None,
        })
        .collect();
    let requests = requests
        .into_iter()
        .map(|(id, label)| (id.to_string(), label))
        .collect();
    let action = tenant.href("/mon-espace/messages");
    Ok(ui.with_citizen(citizen).render(status, move |ctx| {
        view! { <MessagesPage ctx threads requests form errors action /> }
    }))
}

/// `POST /mon-espace/messages`: the citizen starts a thread. Mistakes come back with the
/// form as typed, and nothing is written.
pub async fn write_to_department(
    State(state): State<AppState>,
    citizen: CurrentCitizen,
    ui: Ui,
    form: FormData,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant;
    let typed: MessageForm = form.fields.read()?;
    let mut errors = FieldErrors::new();
    let subject = messages::check_subject(&typed.subject).map_err(|e| errors.add("subject", e));
    let body = messages::check_body(&typed.body).map_err(|e| errors.add("body", e));
    let request_id = match typed.request.trim() {
        "" => None,
        chosen => {
            let own = citizen_requests(&tenant.tenant, citizen.citizen.id).await?;
            match chosen
                .parse::<i64>()
                .ok()
                .filter(|id| own.iter().any(|(own, _)| own == id))
            {
                Some(id) => Some(id),
                None => {
                    errors.add("request", "Choisissez une de vos demandes dans la liste, ou « Une question générale ».");
                    None
                }
            }
        }
    };
    if let Some(upload) = form.uploads.iter().find(|u| u.field == "piece")
        && let Err(message) = documents::check(upload)
    {
        errors.add("piece", message);
    }
    let (Ok(subject), Ok(body), true) = (subject, body, errors.is_empty()) else {
        return render_my_messages(
            &citizen,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            typed,
            errors,
        )
        .await;
    };
    let document_id =
        match stored_piece(&state, &tenant.tenant, (citizen.citizen.id, None), &form).await? {
            Ok(id) => id,
            Err(message) => {
                return render_my_messages(
                    &citizen,
                    ui,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    typed,
                    FieldErrors::at("piece", message),
                )
                .await;
            }
        };
    let thread = messages::start(
        &tenant.tenant,
        citizen.citizen.id,
        request_id,
        &subject,
        NewMessage {
            author: Author::Citizen,
            body: &body,
            document_id,
            notify: None,
            journal: None,
        },
    )
    .await?;
    Ok(
        Redirect::to(&tenant.href(&format!("/mon-espace/messages/{thread}?ok=envoye")))
            .into_response(),
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct ThreadParams {
    ok: Option<String>,
}

/// What a thread page shows besides the thread: a notice, or a reply sent back with its errors.
#[derive(Default)]
struct Shown {
    notice: Option<String>,
    body: String,
    errors: FieldErrors,
}

impl Shown {
    fn notice(notice: Option<String>) -> Self {
        Self {
            notice,
            ..Self::default()
        }
    }

    fn sent_back(body: String, errors: FieldErrors) -> Self {
        Self {
            body,
            errors,
            ..Self::default()
        }
    }
}

/// `GET /mon-espace/messages/{id}`: one of the citizen's threads (another's is not found).
pub async fn my_thread(
    citizen: CurrentCitizen,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<ThreadParams>,
) -> Result<Response, AppError> {
    let notice = (params.ok.as_deref() == Some("envoye"))
        .then(|| "Votre message est envoyé au département.".to_owned());
    render_my_thread(&citizen, ui, StatusCode::OK, &id, Shown::notice(notice)).await
}

async fn render_my_thread(
    citizen: &CurrentCitizen,
    ui: Ui,
    status: StatusCode,
    id: &str,
    shown: Shown,
) -> Result<Response, AppError> {
    let Shown {
        notice,
        body,
        errors,
    } = shown;
    let tenant = &citizen.tenant;
    let id = crate::http::parse_id(id)?;
    let (thread, list) = messages::read(&tenant.tenant, id, Some(citizen.citizen.id))
        .await?
        .ok_or(AppError::NotFound)?;
    messages::mark_read_by_citizen(&tenant.tenant, citizen.citizen.id, thread.id).await?;
    let about = match thread.request_id {
        Some(request_id) => citizen_requests(&tenant.tenant, citizen.citizen.id)
            .await?
            .into_iter()
            .find(|(id, _)| *id == request_id)
            .map(|(_, label)| format!("À propos de : {label}")),
        None => None,
    };
    let labels = piece_labels(&tenant.tenant, &list).await?;
    let messages = list
        .into_iter()
        .map(|m| MessageRow {
            author: match m.author {
                Author::Citizen => "Vous".to_owned(),
                Author::Staff(_) => "Le département".to_owned(),
            },
            own: m.author == Author::Citizen,
            date: date_time(m.created_at),
            document: m.document_id.and_then(|doc| {
                labels
                    .get(&doc)
                    .map(|label| (tenant.href(&format!("/documents/{doc}")), label.clone()))
            }),
            body: m.body,
        })
        .collect();
    let back = (
        tenant.href("/mon-espace/messages"),
        "Mes messages".to_owned(),
    );
    let reply_action = tenant.href(&format!("/mon-espace/messages/{}", thread.id));
    let subject = thread.subject;
    Ok(ui.with_citizen(citizen).render(status, move |ctx| {
        view! { <ThreadPage ctx subject about back messages reply_action body errors notice with_piece=true /> }
    }))
}

/// Labels of the documents sent in these messages.
async fn piece_labels(
    tenant: &tenants::Tenant,
    list: &[messages::Message],
) -> Result<std::collections::HashMap<i64, String>, AppError> {
    let mut labels = std::collections::HashMap::new();
    for doc in list.iter().filter_map(|m| m.document_id) {
        if let Some(document) = documents::find(tenant, doc).await? {
            labels.insert(doc, document.label());
        }
    }
    Ok(labels)
}

/// `POST /mon-espace/messages/{id}`: the citizen answers in one of their threads.
pub async fn citizen_reply(
    State(state): State<AppState>,
    citizen: CurrentCitizen,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, AppError> {
    let tenant = &citizen.tenant;
    let thread_id = crate::http::parse_id(&id)?;
    // Someone else's thread is not found, before anything is read or stored.
    messages::read(&tenant.tenant, thread_id, Some(citizen.citizen.id))
        .await?
        .ok_or(AppError::NotFound)?;
    let (body, document_id) =
        match checked_reply(&state, &tenant.tenant, (citizen.citizen.id, None), &form).await? {
            Ok(reply) => reply,
            Err((typed, errors)) => {
                let back = Shown::sent_back(typed, errors);
                return render_my_thread(&citizen, ui, StatusCode::UNPROCESSABLE_ENTITY, &id, back)
                    .await;
            }
        };
    messages::reply(
        &tenant.tenant,
        citizen.citizen.id,
        thread_id,
        NewMessage {
            author: Author::Citizen,
            body: &body,
            document_id,
            notify: None,
            journal: None,
        },
    )
    .await?;
    Ok(
        Redirect::to(&tenant.href(&format!("/mon-espace/messages/{thread_id}?ok=envoye")))
            .into_response(),
    )
}

/// Threads listed in reception's inbox at most.
const INBOX_LENGTH: u64 = 200;

/// `GET /agents/messages`: threads where the citizen wrote last. The list names people and
/// subjects; opening a thread is journaled.
pub async fn staff_inbox(staff: CurrentStaff, ui: Ui) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    let tenant = &desk.staff().tenant;
    let waiting = messages::awaiting_department(&tenant.tenant, INBOX_LENGTH).await?;
    let mut threads = Vec::with_capacity(waiting.len());
    for t in &waiting {
        let name = citizens::find(&tenant.tenant, t.citizen_id)
            .await?
            .map(|c| c.display_name());
        threads.push(staff_thread_row(tenant, t, name));
    }
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <StaffInboxPage ctx threads /> }
    }))
}

/// `GET /agents/messages/{id}`: one thread (journaled, shown to the citizen).
pub async fn staff_thread(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<ThreadParams>,
) -> Result<Response, AppError> {
    let notice = (params.ok.as_deref() == Some("envoye"))
        .then(|| "Votre réponse est envoyée ; l'usager est prévenu par courriel.".to_owned());
    render_staff_thread(&staff, ui, StatusCode::OK, &id, Shown::notice(notice)).await
}

async fn render_staff_thread(
    staff: &CurrentStaff,
    ui: Ui,
    status: StatusCode,
    id: &str,
    shown: Shown,
) -> Result<Response, AppError> {
    let Shown {
        notice,
        body,
        errors,
    } = shown;
    let desk = records_desk(staff)?;
    let tenant = &desk.staff().tenant;
    let id = crate::http::parse_id(id)?;
    let (thread, list) = messages::read(&tenant.tenant, id, None)
        .await?
        .ok_or(AppError::NotFound)?;
    desk.audit_file(
        thread.citizen_id,
        "lecture de vos messages",
        &format!(
            "fil de messages {} (usager {})",
            thread.id, thread.citizen_id
        ),
        "réponse à vos messages",
    )
    .await?;
    let person = citizens::find(&tenant.tenant, thread.citizen_id).await?;
    let name = person
        .as_ref()
        .map_or_else(String::new, |p| p.display_name());
    let labels = piece_labels(&tenant.tenant, &list).await?;
    let messages = list
        .into_iter()
        .map(|m| MessageRow {
            author: match m.author {
                Author::Citizen => name.clone(),
                Author::Staff(staff_id) if staff_id == staff.account.id => "Vous".to_owned(),
                Author::Staff(_) => "Le département".to_owned(),
            },
            own: matches!(m.author, Author::Staff(id) if id == staff.account.id),
            date: date_time(m.created_at),
            document: m.document_id.and_then(|doc| {
                labels.get(&doc).map(|label| {
                    (
                        tenant.href(&format!("/agents/messages/{}/pieces/{doc}", thread.id)),
                        label.clone(),
                    )
                })
            }),
            body: m.body,
        })
        .collect();
    let about = Some(format!("Échange avec {name}"));
    let back = (
        tenant.href(&format!("/agents/usagers/{}", thread.citizen_id)),
        format!("Dossier de {name}"),
    );
    let reply_action = tenant.href(&format!("/agents/messages/{}", thread.id));
    let subject = thread.subject;
    Ok(ui.with_staff(staff).render(status, move |ctx| {
        view! { <ThreadPage ctx subject about back messages reply_action body errors notice with_piece=true /> }
    }))
}

/// `POST /agents/messages/{id}`: reception answers; the citizen is told by mail that a message
/// waits.
pub async fn staff_reply(
    State(state): State<AppState>,
    staff: CurrentStaff,
    headers: HeaderMap,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    let tenant = &desk.staff().tenant;
    let thread_id = crate::http::parse_id(&id)?;
    let (thread, _) = messages::read(&tenant.tenant, thread_id, None)
        .await?
        .ok_or(AppError::NotFound)?;
    let person = citizens::find(&tenant.tenant, thread.citizen_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let piece_entry = desk.file_event(
        person.id,
        "ajout d'un document joint à une réponse",
        &format!("fil de messages {thread_id} (usager {})", person.id),
        "réponse à vos messages",
    );
    let (body, document_id) = match checked_reply(
        &state,
        &tenant.tenant,
        (person.id, Some(piece_entry)),
        &form,
    )
    .await?
    {
        Ok(reply) => reply,
        Err((typed, errors)) => {
            let back = Shown::sent_back(typed, errors);
            return render_staff_thread(&staff, ui, StatusCode::UNPROCESSABLE_ENTITY, &id, back)
                .await;
        }
    };
    let url = crate::http::citizen::absolute(
        &state,
        &headers,
        tenant,
        &format!("/mon-espace/messages/{thread_id}"),
    );
    messages::reply(
        &tenant.tenant,
        person.id,
        thread_id,
        NewMessage {
            author: Author::Staff(staff.account.id),
            body: &body,
            document_id,
            notify: Some((&person.email, &url)),
            journal: Some(Journaled {
                desk: &desk,
                action: "réponse à votre message",
                reason: "réponse à vos messages",
            }),
        },
    )
    .await?;
    crate::mail::wake(&state.platform, &tenant.tenant).await;
    Ok(
        Redirect::to(&tenant.href(&format!("/agents/messages/{thread_id}?ok=envoye")))
            .into_response(),
    )
}

/// `POST /agents/usagers/{id}/messages`: reception writes to a citizen first.
pub async fn staff_write(
    State(state): State<AppState>,
    staff: CurrentStaff,
    headers: HeaderMap,
    ui: Ui,
    Path(id): Path<String>,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    let tenant = &desk.staff().tenant;
    let person = super::record_of(&desk, &id).await?;
    let typed: RecordMessageForm = form.read()?;
    let mut errors = FieldErrors::new();
    let subject = messages::check_subject(&typed.message_subject)
        .map_err(|e| errors.add("message_subject", e));
    let body = messages::check_body(&typed.message_body).map_err(|e| errors.add("message_body", e));
    let (Ok(subject), Ok(body)) = (subject, body) else {
        return render_record(
            &staff,
            RecordAccess::Reception(desk),
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            &id,
            None,
            Typed::Message(typed),
            errors,
        )
        .await;
    };
    let written = FirstMessage {
        subject: &subject,
        body: &body,
        action: "envoi d'un message",
        reason: crate::user_relations::RECEPTION,
    };
    let thread = write_first(&state, &headers, &desk, &person, written).await?;
    Ok(Redirect::to(&tenant.href(&format!("/agents/messages/{thread}?ok=envoye"))).into_response())
}

/// `GET /agents/messages/{thread}/pieces/{doc}`: a document sent in the thread (journaled).
pub async fn staff_piece(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Path((thread, doc)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let desk = records_desk(&staff)?;
    let tenant = &desk.staff().tenant;
    let (thread_id, doc_id) = (
        crate::http::parse_id(&thread)?,
        crate::http::parse_id(&doc)?,
    );
    if !messages::thread_holds_document(&tenant.tenant, thread_id, doc_id).await? {
        return Err(AppError::NotFound);
    }
    let (thread, _) = messages::read(&tenant.tenant, thread_id, None)
        .await?
        .ok_or(AppError::NotFound)?;
    let document = documents::find(&tenant.tenant, doc_id)
        .await?
        .filter(|d| d.citizen_id == thread.citizen_id)
        .ok_or(AppError::NotFound)?;
    desk.audit_file(
        thread.citizen_id,
        "consultation d'un document joint à un message",
        &format!(
            "document {doc_id}, fil de messages {thread_id} (usager {})",
            thread.citizen_id
        ),
        "réponse à vos messages",
    )
    .await?;
    let bytes = documents::read(&state.platform, &tenant.tenant, &document).await?;
    Ok(crate::http::document_response(&document, bytes))
}

// ---------------------------------------------------------------------------------------------
// Appointments

pub(super) fn staff_thread_row(
    tenant: &crate::http::TenantCtx,
    t: &Thread,
    citizen: Option<String>,
) -> ThreadRow {
    ThreadRow {
        href: tenant.href(&format!("/agents/messages/{}", t.id)),
        subject: t.subject.clone(),
        about: None,
        date: date_time(t.last_message_at),
        state: t.awaiting_department.then(|| "À répondre".to_owned()),
        citizen,
    }
}

/// Checks and stores the document sent with a message, as the citizen's document.
pub(super) async fn stored_piece(
    state: &AppState,
    tenant: &tenants::Tenant,
    (citizen_id, journal): (i64, Option<AuditEvent>),
    form: &FormData,
) -> Result<Result<Option<i64>, String>, AppError> {
    let Some(upload) = form.uploads.iter().find(|u| u.field == "piece") else {
        return Ok(Ok(None));
    };
    let mime = match documents::check(upload) {
        Ok(mime) => mime,
        Err(message) => return Ok(Err(message)),
    };
    let document =
        documents::save(&state.platform, tenant, citizen_id, upload, mime, journal).await?;
    Ok(Ok(Some(document.id)))
}

/// A reply as sent: its text checked, and its document (if any) checked and stored as the
/// citizen's (journaled with `journal` when staff add it). On a mistake, what was typed and
/// what is wrong, and nothing stored.
pub(super) async fn checked_reply(
    state: &AppState,
    tenant: &tenants::Tenant,
    (citizen_id, journal): (i64, Option<AuditEvent>),
    form: &FormData,
) -> Result<Result<(String, Option<i64>), (String, FieldErrors)>, AppError> {
    let typed = form.fields.get("body").to_owned();
    let mut errors = FieldErrors::new();
    let body = messages::check_body(&typed).map_err(|e| errors.add("body", e));
    if let Some(upload) = form.uploads.iter().find(|u| u.field == "piece")
        && let Err(message) = documents::check(upload)
    {
        errors.add("piece", message);
    }
    let (Ok(body), true) = (body, errors.is_empty()) else {
        return Ok(Err((typed, errors)));
    };
    Ok(
        match stored_piece(state, tenant, (citizen_id, journal), form).await? {
            Ok(document_id) => Ok((body, document_id)),
            Err(message) => Err((typed, FieldErrors::at("piece", message))),
        },
    )
}

/// A thread reception starts, and how the citizen's journal names it.
pub(super) struct FirstMessage<'a> {
    pub subject: &'a str,
    pub body: &'a str,
    pub action: &'a str,
    pub reason: &'a str,
}

/// Starts a thread from reception to `person`: they are mailed that a message waits (never
/// its content), and it is journaled. Returns the thread's id.
pub(super) async fn write_first(
    state: &AppState,
    headers: &HeaderMap,
    desk: &UserRelationsDesk<'_>,
    person: &citizens::Citizen,
    message: FirstMessage<'_>,
) -> Result<i64, AppError> {
    let tenant = desk.ctx();
    // The thread's address is known once it exists: the mail names the messages page.
    let url = crate::http::citizen::absolute(state, headers, tenant, "/mon-espace/messages");
    let thread = messages::start(
        &tenant.tenant,
        person.id,
        None,
        message.subject,
        NewMessage {
            author: Author::Staff(desk.staff().account.id),
            body: message.body,
            document_id: None,
            notify: Some((&person.email, &url)),
            journal: Some(Journaled {
                desk,
                action: message.action,
                reason: message.reason,
            }),
        },
    )
    .await?;
    crate::mail::wake(&state.platform, &tenant.tenant).await;
    Ok(thread)
}
