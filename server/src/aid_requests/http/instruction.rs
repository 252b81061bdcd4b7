//! Instructors at work: the queue of filed requests and one request, with assignment.
//! Supervisors see the figures, not the requests. Every opening of a request is journaled.

use std::collections::HashMap;

use app::aid_requests::instruction::{
    DecisionFormView, ExportForm, ExportPage, ExportView, FilterOption, Line, QuestionForm,
    QueuePage, QueueRowView, StaffConsentForm, StaffRequestPage, StatusCount, Tone,
};
use app::components::{Attachment, ListTotal, Preview, ThreadMessage};
use app::pages::national::PullRow;
use app::validation::FieldErrors;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;

use super::AidRequestsDesk;
use crate::aid_requests::catalogue;
use crate::aid_requests::decision::{self, DecisionForm};
use crate::aid_requests::exchange;
use crate::aid_requests::export::{self, Export, ExportRequests};
use crate::aid_requests::filing::{self, AidRequest, Status};
use crate::aid_requests::form::{FormDefinition, format_euros};
use crate::aid_requests::queue::{
    self, Assignee, ChangeError, Deadline, PageAt, QueueFilter, Sort, SortKey,
};
use crate::citizens;
use crate::http::citizen::absolute;
use crate::http::desks::FiguresDesk;
use crate::http::form::{FormFields, ListQuery, PageHrefs, page_at, unknown_filter};
use crate::http::ui::Ui;
use crate::http::{AppError, AppState, CurrentStaff, TenantCtx};
use crate::national::pull::{self, RequestedBy};
use crate::national::{Source, consent};
use crate::staff::Role;
use tenants::Module;

/// The queue's filters as the address carries them. Every value is checked: an unknown one
/// is refused with a French page rather than silently ignored (an export once took every
/// request for a misspelt status). `statut` may repeat, meaning any of them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QueueParams {
    statut: Vec<String>,
    aide: Option<String>,
    agent: Option<String>,
    echeance: Option<String>,
    tri: Option<String>,
    recherche: Option<String>,
    repondu: Option<String>,
    /// The page after the row with this key (`SortKey::encode`).
    apres: Option<String>,
    /// The page before the row with this key.
    avant: Option<String>,
}

impl QueueParams {
    fn filter(&self, me: i64) -> Result<QueueFilter, AppError> {
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        let status = self
            .statut
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| {
                Status::parse(s)
                    .filter(|s| *s != Status::Draft)
                    .ok_or_else(|| unknown_filter("un état de demande", s))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let aid_id = match nonempty(&self.aide) {
            Some(id) => Some(id.parse().map_err(|_| unknown_filter("une aide", &id))?),
            None => None,
        };
        let assignee = match nonempty(&self.agent).as_deref() {
            Some("moi") => Assignee::Staff(me),
            Some("aucun") => Assignee::Nobody,
            Some(id) => Assignee::Staff(id.parse().map_err(|_| unknown_filter("un agent", id))?),
            None => Assignee::Anyone,
        };
        let deadline = match nonempty(&self.echeance).as_deref() {
            Some("depassee") => Deadline::Overdue,
            Some("bientot") => Deadline::Soon,
            Some(other) => return Err(unknown_filter("une échéance", other)),
            None => Deadline::Any,
        };
        let sort = match nonempty(&self.tri).as_deref() {
            Some("depot") => Sort::Filed,
            Some("reference") => Sort::Reference,
            Some("echeance") | None => Sort::DueDate,
            Some(other) => return Err(unknown_filter("un ordre de tri", other)),
        };
        let replied = match nonempty(&self.repondu).as_deref() {
            Some("oui") => true,
            Some(other) => return Err(unknown_filter("un choix de réponse", other)),
            None => false,
        };
        Ok(QueueFilter {
            replied,
            status,
            aid_id,
            assignee,
            deadline,
            sort,
            search: crate::search::parse_search(self.recherche.as_deref().unwrap_or(""))
                .map_err(AppError::BadRequest)?,
        })
    }

    /// Which page of the queue sorted by `sort` the address asks for.
    fn at(&self, sort: Sort) -> Result<PageAt, AppError> {
        page_at(self.apres.as_deref(), self.avant.as_deref(), |raw| {
            SortKey::parse(sort, raw)
        })
    }

    /// The filter's fields that are set (the page aside).
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        let single = [
            ("aide", &self.aide),
            ("agent", &self.agent),
            ("echeance", &self.echeance),
            ("tri", &self.tri),
            ("recherche", &self.recherche),
            ("repondu", &self.repondu),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some((key, value.as_deref().filter(|v| !v.is_empty())?)));
        self.statut
            .iter()
            .filter(|v| !v.is_empty())
            .map(|v| ("statut", v.as_str()))
            .chain(single)
            .collect()
    }

    /// The query string for the same filter sorted by `tri`, from its first page.
    fn sorted_by(&self, tri: &str) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in self.pairs().into_iter().filter(|(key, _)| *key != "tri") {
            query.append_pair(key, value);
        }
        query.append_pair("tri", tri);
        query.finish()
    }

    /// The query string for the same filter, from its first page.
    fn query(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in self.pairs() {
            query.append_pair(key, value);
        }
        query.finish()
    }

    /// The same filter sent back by a form.
    fn from_form(form: &FormFields) -> Self {
        let field = |name: &str| Some(form.get(name).to_owned()).filter(|v| !v.is_empty());
        Self {
            statut: form.all("statut").into_iter().map(str::to_owned).collect(),
            aide: field("aide"),
            agent: field("agent"),
            echeance: field("echeance"),
            tri: field("tri"),
            recherche: field("recherche"),
            repondu: field("repondu"),
            apres: None,
            avant: None,
        }
    }
}

fn option(value: &str, label: &str, selected: bool) -> FilterOption {
    FilterOption {
        value: value.into(),
        label: label.into(),
        selected,
    }
}

/// A state's colour in lists: what waits for the department, for the citizen, and how it ended.
fn status_tone(status: Status) -> Tone {
    match status {
        Status::Draft => Tone::Neutral,
        Status::Submitted => Tone::Info,
        Status::InfoRequested => Tone::Warning,
        Status::Granted | Status::PartiallyGranted | Status::ImplicitAcceptance => Tone::Success,
        Status::Refused | Status::ImplicitRefusal => Tone::Error,
    }
}

fn french_date(date: Option<chrono::NaiveDate>) -> String {
    date.map_or_else(String::new, |d| d.format("%d/%m/%Y").to_string())
}

/// Staff names by id, and the instructors (who can be assigned a request).
async fn staff_directory(
    state: &AppState,
    staff: &CurrentStaff,
) -> Result<(HashMap<i64, String>, Vec<(i64, String)>), AppError> {
    let accounts = state
        .accounts
        .directory(&state.platform, &staff.tenant.tenant)
        .await?;
    let names = accounts
        .iter()
        .map(|a| (a.id, a.display_name.clone()))
        .collect();
    let instructors = accounts
        .iter()
        .filter(|a| a.active && a.has_role(Role::AidInstructor))
        .map(|a| (a.id, a.display_name.clone()))
        .collect();
    Ok((names, instructors))
}

/// One row of the queue as the page shows it: its aid and assignee named.
fn queue_row(
    tenant: &TenantCtx,
    r: &queue::QueueRow,
    aid_titles: &HashMap<i64, &str>,
    names: &HashMap<i64, String>,
) -> QueueRowView {
    QueueRowView {
        href: tenant.href(&format!("/agents/demandes/{}", r.id)),
        reference: r.reference.clone(),
        aid: aid_titles
            .get(&r.aid_id)
            .map_or_else(String::new, |title| (*title).to_owned()),
        citizen: r.citizen_name.clone(),
        filed: french_date(r.submitted_on),
        due: french_date(r.due_on),
        overdue: r.overdue,
        status: r.status.staff_label().to_owned(),
        status_tone: status_tone(r.status),
        replied: r.replied,
        assignee: r
            .assignee_id
            .and_then(|id| names.get(&id).cloned())
            .unwrap_or_else(|| "—".into()),
    }
}

pub async fn queue_page(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    ListQuery(params): ListQuery<QueueParams>,
) -> Result<Response, AppError> {
    // Instructors work on the queue; supervisors read its counts, not one row.
    let worker = AidRequestsDesk::open(&staff).ok();
    let desk = FiguresDesk::open(&staff, Module::AidRequests)?;
    let tenant = &staff.tenant;
    let filter = params.filter(staff.account.id)?;
    let at = params.at(filter.sort)?;
    let page = match &worker {
        Some(worker) => queue::queue(worker, &filter, &at).await?,
        None => {
            let figures = queue::figures(desk.tenant(), &filter).await?;
            queue::QueuePage {
                rows: Vec::new(),
                total: figures.total,
                counts: figures.counts,
                overdue: figures.overdue,
                previous: None,
                next: None,
            }
        }
    };
    let aids = state.aid_titles.get(&tenant.tenant).await?;
    let aid_titles: HashMap<i64, &str> = aids
        .iter()
        .map(|(id, title)| (*id, title.as_str()))
        .collect();
    let (names, instructors) = staff_directory(&state, &staff).await?;
    let base = tenant.href("/agents/demandes");
    let counts = page
        .counts
        .iter()
        .map(|(status, count)| StatusCount {
            label: status.staff_label().to_owned(),
            count: *count,
            href: format!("{base}?statut={}", status.id()),
        })
        .collect();
    let rows = worker.is_some().then(|| {
        page.rows
            .iter()
            .map(|r| queue_row(tenant, r, &aid_titles, &names))
            .collect()
    });
    let sorted = |column: usize, tri: &str, sort: Sort, order: &'static str| {
        let href = format!("{base}?{}", params.sorted_by(tri));
        (column, href, (filter.sort == sort).then_some(order))
    };
    let filters = app::aid_requests::instruction::QueueFilters {
        // As typed: the filter holds it lower-cased.
        search: params.recherche.clone().unwrap_or_default(),
        sort_kept: params.tri.clone().filter(|t| !t.is_empty()),
        sort: vec![
            sorted(0, "reference", Sort::Reference, "ascending"),
            sorted(4, "depot", Sort::Filed, "descending"),
            sorted(5, "echeance", Sort::DueDate, "ascending"),
        ],
        ..queue_filters(&filter, &aids, &instructors, staff.account.id, &page)
    };
    let PageHrefs {
        first: first_href,
        previous: previous_href,
        next: next_href,
    } = PageHrefs::new(
        &base,
        &params.pairs(),
        page.previous.as_ref(),
        page.next.as_ref(),
        SortKey::encode,
    );
    let total = ListTotal::from(page.total);
    let overdue = page.overdue;
    let export = worker.is_some().then(|| ExportForm {
        action: tenant.href("/agents/demandes/export"),
        filter: params
            .pairs()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    });
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! {
            <QueuePage
                ctx
                action=base
                filters
                counts
                overdue
                rows
                total
                first_href
                previous_href
                next_href
                export
            />
        }
    }))
}

/// The queue's filter menus, with what `filter` chose selected.
fn queue_filters(
    filter: &QueueFilter,
    aids: &[(i64, String)],
    instructors: &[(i64, String)],
    me: i64,
    figures: &queue::QueuePage,
) -> app::aid_requests::instruction::QueueFilters {
    // Each state says how many requests are in it: the counts need no line of their own.
    let mut status_options = vec![option("", "Tous", filter.status.is_empty())];
    status_options.extend(figures.counts.iter().map(|(s, count)| {
        let label = format!("{} ({count})", s.staff_label());
        option(s.id(), &label, filter.status.contains(s))
    }));
    let mut aid_options = vec![option("", "Toutes", filter.aid_id.is_none())];
    aid_options.extend(
        aids.iter()
            .map(|(id, title)| option(&id.to_string(), title, filter.aid_id == Some(*id))),
    );
    let mut assignee_options = vec![
        option("", "Tous", filter.assignee == Assignee::Anyone),
        option("moi", "Moi", filter.assignee == Assignee::Staff(me)),
        option("aucun", "Personne", filter.assignee == Assignee::Nobody),
    ];
    assignee_options.extend(
        instructors
            .iter()
            .filter(|(id, _)| *id != me)
            .map(|(id, name)| {
                option(
                    &id.to_string(),
                    name,
                    filter.assignee == Assignee::Staff(*id),
                )
            }),
    );
    app::aid_requests::instruction::QueueFilters {
        status: status_options,
        aid: aid_options,
        assignee: assignee_options,
        deadline: vec![
            option("", "Toutes", filter.deadline == Deadline::Any),
            option(
                "depassee",
                &format!("Dépassée ({})", figures.overdue),
                filter.deadline == Deadline::Overdue,
            ),
            option(
                "bientot",
                "Dans les 7 jours",
                filter.deadline == Deadline::Soon,
            ),
        ],
        sort: Vec::new(),
        sort_kept: None,
        search: String::new(),
        replied: vec![
            option("", "Peu importe", !filter.replied),
            option("oui", "L'usager a répondu", filter.replied),
        ],
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RequestParams {
    ok: Option<String>,
}

async fn render_request(
    state: &AppState,
    desk: &AidRequestsDesk<'_>,
    ui: Ui,
    status: StatusCode,
    id: i64,
    message: Option<(bool, String)>,
) -> Result<Response, AppError> {
    render_request_with(state, desk, ui, status, id, message, SentBack::default()).await
}

/// A form of the request page sent back with its errors.
#[derive(Default)]
struct SentBack {
    decision: Option<(DecisionForm, FieldErrors)>,
    consent_error: Option<String>,
    /// A question to the citizen, as typed, and what is wrong with it.
    question: Option<(String, Option<String>)>,
}

/// The request page; `typed` is a decision form sent back with its errors.
async fn render_request_with(
    state: &AppState,
    desk: &AidRequestsDesk<'_>,
    ui: Ui,
    status: StatusCode,
    id: i64,
    message: Option<(bool, String)>,
    sent_back: SentBack,
) -> Result<Response, AppError> {
    let SentBack {
        decision: typed,
        consent_error,
        question,
    } = sent_back;
    let staff = desk.staff();
    let tenant = desk.ctx();
    let request = queue::find_filed(desk, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reference = request.reference.clone().unwrap_or_default();
    desk.audit_file(
        request.citizen_id,
        "consultation d'une demande d'aide",
        &format!("demande {reference} (usager {})", request.citizen_id),
        "instruction de votre demande",
    )
    .await?;
    let aid = catalogue::find(&tenant.tenant, request.aid_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = catalogue::form(&tenant.tenant, aid.id, request.form_version)
        .await?
        .unwrap_or_default();
    let citizen = citizens::find(&tenant.tenant, request.citizen_id)
        .await?
        .map(|p| citizen_lines(&p))
        .unwrap_or_default();
    let documents: HashMap<i64, crate::documents::Document> =
        crate::documents::list_for_citizen(&tenant.tenant, request.citizen_id)
            .await?
            .into_iter()
            .map(|d| (d.id, d))
            .collect();
    let (answers, attachments) = answers_and_attachments(tenant, &request, &form, &documents);
    let timeline = filing::events(&tenant.tenant, request.id)
        .await?
        .into_iter()
        .map(|e| line(&crate::dates::date_time(e.at), e.detail))
        .collect();
    let (_, instructors) = staff_directory(state, staff).await?;
    let assignees = assignee_options(&instructors, request.assignee_id);
    let today = chrono::Utc::now().date_naive();
    let overdue = queue::is_open(request.status) && request.due_on.is_some_and(|d| d < today);
    let decision_lines = decision::find(&tenant.tenant, request.id)
        .await?
        .map(decision_lines)
        .unwrap_or_default();
    let messages = message_lines(tenant, request.id).await?;
    let question_form = (request.status == Status::Submitted).then(|| {
        let (text, error) = question.unwrap_or_default();
        QuestionForm {
            action: tenant.href(&format!("/agents/demandes/{id}/complement")),
            text,
            error,
        }
    });
    let (assigned_to, take, next_href) = at_hand(desk, &request, &instructors).await?;
    let decision_form = queue::is_open(request.status).then(|| {
        let (typed, errors) = typed.unwrap_or_default();
        decision_form(tenant, id, typed, errors)
    });
    let (pulls, refresh_action, consent_form) =
        national_panel(state, tenant, &request, &form, consent_error).await?;
    let aid_title = aid.title.clone();
    let status_label = request.status.staff_label().to_owned();
    let request_status = request.status;
    let due = french_date(request.due_on);
    let assign_action = tenant.href(&format!("/agents/demandes/{id}/attribuer"));
    let back_href = tenant.href("/agents/demandes");
    let wider_href = tenant.href(&format!(
        "/agents/usagers/{}/acces-elargi",
        request.citizen_id
    ));
    let version = request.version;
    Ok(ui.with_staff(staff).render(status, move |ctx| {
        view! {
            <StaffRequestPage
                ctx
                reference
                aid_title
                status=status_label
                status_tone=status_tone(request_status)
                due
                overdue
                citizen
                answers
                timeline
                assign_action
                version
                assignees
                assigned_to
                take
                next_href
                message
                back_href
                decision=decision_lines
                decision_form
                messages
                question_form
                attachments
                pulls
                refresh_action
                consent_form
                wider_href
            />
        }
    }))
}

/// What the actions panel says and offers: who has the request, whether to offer « Me
/// l'attribuer », and the next request waiting.
async fn at_hand(
    desk: &AidRequestsDesk<'_>,
    request: &AidRequest,
    instructors: &[(i64, String)],
) -> Result<(String, bool, Option<String>), AppError> {
    let me = desk.staff().account.id;
    let assigned_to = match request.assignee_id {
        Some(a) => instructors
            .iter()
            .find(|(id, _)| *id == a)
            .map_or_else(|| "un agent".to_owned(), |(_, name)| name.clone()),
        None => "personne".to_owned(),
    };
    let take = queue::is_open(request.status) && request.assignee_id != Some(me);
    let next_href = queue::next_to_instruct(desk, me, request.id)
        .await?
        .map(|next| desk.ctx().href(&format!("/agents/demandes/{next}")));
    Ok((assigned_to, take, next_href))
}

/// Who may take the request: nobody (back in the queue) or one of the instructors.
fn assignee_options(instructors: &[(i64, String)], current: Option<i64>) -> Vec<FilterOption> {
    std::iter::once(option(
        "aucun",
        "Personne (dans la file)",
        current.is_none(),
    ))
    .chain(
        instructors
            .iter()
            .map(|(id, name)| option(&id.to_string(), name, current == Some(*id))),
    )
    .collect()
}

/// The request's exchange with the citizen, oldest first, with the documents the citizen sent.
async fn message_lines(
    tenant: &TenantCtx,
    request_id: i64,
) -> Result<Vec<ThreadMessage>, AppError> {
    Ok(exchange::messages(&tenant.tenant, request_id)
        .await?
        .into_iter()
        .map(|m| {
            let who = if m.from_citizen {
                "Usager"
            } else {
                "Département"
            };
            ThreadMessage {
                heading: format!("{who} — {}", crate::dates::date_time(m.at)),
                body: m.body,
                attachment: m.document.map(|d| {
                    let path = format!("/agents/demandes/{request_id}/documents/{}", d.id);
                    attachment(&tenant.href(&path), &d)
                }),
            }
        })
        .collect())
}

/// A document of the request as the instructor's page offers it: to save, and to preview.
fn attachment(href: &str, document: &crate::documents::Document) -> Attachment {
    Attachment {
        href: href.to_owned(),
        label: document.label(),
        preview: Preview::of(&document.content_type, href),
    }
}

/// The request's answers as the instructor reads them (a document by its name), and its
/// documents.
fn answers_and_attachments(
    tenant: &TenantCtx,
    request: &AidRequest,
    form: &FormDefinition,
    documents: &HashMap<i64, crate::documents::Document>,
) -> (Vec<Line>, Vec<(String, Attachment)>) {
    use crate::aid_requests::form::Answer;
    let answers = form
        .fields
        .iter()
        .map(|f| {
            let text = match request.answers.get(&f.key) {
                None => "(pas de réponse)".into(),
                Some(Answer::Document(id)) => documents
                    .get(id)
                    .map_or_else(|| format!("document n° {id}"), |d| d.label()),
                Some(answer) => answer.display(),
            };
            line(&f.label, text)
        })
        .collect();
    let attachments = form
        .fields
        .iter()
        .filter_map(|field| match request.answers.get(&field.key) {
            Some(Answer::Document(doc_id)) => documents.get(doc_id).map(|d| {
                let href = tenant.href(&format!(
                    "/agents/demandes/{}/documents/{doc_id}",
                    request.id
                ));
                (field.label.clone(), attachment(&href, d))
            }),
            _ => None,
        })
        .collect();
    (answers, attachments)
}

fn decision_form(
    tenant: &TenantCtx,
    id: i64,
    typed: DecisionForm,
    errors: FieldErrors,
) -> DecisionFormView {
    DecisionFormView {
        action: tenant.href(&format!("/agents/demandes/{id}/decider")),
        outcome: typed.outcome.clone(),
        amount: typed.amount.clone(),
        reasons: decision::REASONS
            .iter()
            .map(|r| ((*r).to_owned(), typed.reasons.iter().any(|t| t == r)))
            .collect(),
        comment: typed.comment.clone(),
        errors,
    }
}

/// The request's national data: its pulls, the refresh action, and the consent form for
/// consents given in person (while the request is open and the service reachable).
async fn national_panel(
    state: &AppState,
    tenant: &TenantCtx,
    request: &AidRequest,
    form: &FormDefinition,
    consent_error: Option<String>,
) -> Result<(Vec<PullRow>, Option<String>, Option<StaffConsentForm>), AppError> {
    let refresh_href = tenant.href(&format!(
        "/agents/demandes/{}/donnees/actualiser",
        request.id
    ));
    let pulls = pull::for_request(&tenant.tenant, request.id)
        .await?
        .iter()
        .map(|(p, fact)| {
            crate::national::http::pull_row(p, fact.as_ref(), Some(refresh_href.clone()))
        })
        .collect();
    let reachable = !form.sources().is_empty() && state.national_api.client.is_some();
    let consent_form = if reachable && queue::is_open(request.status) {
        staff_consent_form(tenant, request, form, consent_error).await?
    } else {
        None
    };
    Ok((pulls, reachable.then_some(refresh_href), consent_form))
}

fn line(label: &str, value: String) -> Line {
    Line {
        label: label.into(),
        value,
    }
}

/// Who filed, as the instructor reads it.
fn citizen_lines(p: &citizens::Citizen) -> Vec<Line> {
    let mut lines = vec![
        line("Nom", p.family_name.clone()),
        line("Prénoms", p.given_name.clone()),
    ];
    if !p.birthdate.is_empty() {
        lines.push(line(
            "Date de naissance",
            crate::http::citizen::french_date(&p.birthdate),
        ));
    }
    lines.push(line("Adresse électronique", p.email.clone()));
    lines.push(line(
        "Identité",
        if p.via_franceconnect {
            "vérifiée par FranceConnect".into()
        } else {
            "déclarée (compte Guichet)".into()
        },
    ));
    lines
}

fn decision_lines(d: decision::Decision) -> Vec<Line> {
    let mut lines = vec![line("Décision", d.outcome.staff_label().to_owned())];
    if let Some(cents) = d.amount_cents {
        lines.push(line("Montant", format_euros(cents)));
    }
    lines.push(line("Motifs", d.reasons.join(" ")));
    if !d.comment.is_empty() {
        lines.push(line("Précisions", d.comment));
    }
    lines.push(line("Date", d.decided_at.format("%d/%m/%Y").to_string()));
    if let Some(signatory) = d.signatory {
        lines.push(line("Signée", signatory));
    }
    lines
}

/// The consents the instructor may record for the citizen (given on paper): the form's
/// sources without a live consent. France Travail needs the citizen's identifier, which they
/// give online.
async fn staff_consent_form(
    tenant: &TenantCtx,
    request: &AidRequest,
    form: &FormDefinition,
    error: Option<String>,
) -> Result<Option<StaffConsentForm>, AppError> {
    let now = chrono::Utc::now();
    let txn = tenant.tenant.db().begin().await?;
    let mut choices = Vec::new();
    for source in form
        .sources()
        .into_iter()
        .filter(|s| *s != Source::FranceTravail)
    {
        if consent::live(
            &txn,
            request.citizen_id,
            source,
            consent::Purpose::Aid(request.aid_id),
            now,
        )
        .await?
        .is_none()
        {
            choices.push((
                format!("accord-{}", source.id()),
                format!("{} (auprès de {})", source.label(), source.provider()),
            ));
        }
    }
    txn.commit().await?;
    Ok((!choices.is_empty()).then(|| StaffConsentForm {
        action: tenant.href(&format!("/agents/demandes/{}/donnees/accord", request.id)),
        choices,
        error,
    }))
}

pub async fn request_page(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<RequestParams>,
) -> Result<Response, AppError> {
    let desk = AidRequestsDesk::open(&staff)?;
    let message = match params.ok.as_deref() {
        Some("attribuee") => Some((true, "L'attribution est enregistrée.".to_owned())),
        Some("question") => Some((
            true,
            "La question est envoyée ; le délai est suspendu jusqu'à la réponse de l'usager."
                .to_owned(),
        )),
        Some("decidee") => Some((
            true,
            "La décision est enregistrée ; l'usager est prévenu par courriel, courrier joint."
                .to_owned(),
        )),
        _ => None,
    };
    render_request(
        &state,
        &desk,
        ui,
        StatusCode::OK,
        crate::http::parse_id(&id)?,
        message,
    )
    .await
}

pub async fn assign(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = AidRequestsDesk::open(&staff)?;
    let id = crate::http::parse_id(&id)?;
    let tenant = desk.ctx();
    let (_, instructors) = staff_directory(&state, &staff).await?;
    let assignee = match form.get("assignee") {
        "aucun" => None,
        "moi" => Some(staff.account.id),
        other => Some(
            other
                .parse::<i64>()
                .map_err(|_| AppError::BadRequest("Choisissez un agent dans la liste.".into()))?,
        ),
    };
    let assignee = match assignee {
        None => None,
        Some(chosen) => Some(
            instructors
                .iter()
                .find(|(id, _)| *id == chosen)
                .map(|(id, name)| (*id, name.as_str()))
                .ok_or_else(|| {
                    AppError::BadRequest(
                        "Cet agent ne peut pas instruire de demandes d'aide : choisissez un agent dans la liste."
                            .into(),
                    )
                })?,
        ),
    };
    let version: i32 = form.get("version").parse().unwrap_or(-1);
    match queue::assign(&desk, id, version, assignee).await {
        Ok(()) => Ok(
            Redirect::to(&tenant.href(&format!("/agents/demandes/{id}?ok=attribuee")))
                .into_response(),
        ),
        Err(ChangeError::Conflict) => {
            render_request(
                &state,
                &desk,
                ui,
                StatusCode::CONFLICT,
                id,
                Some((
                    false,
                    "Quelqu'un d'autre a modifié cette demande pendant que vous la consultiez : rien n'a été enregistré. Voici la demande à jour ; recommencez si besoin."
                        .into(),
                )),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn decide(
    State(state): State<AppState>,
    staff: CurrentStaff,
    headers: axum::http::HeaderMap,
    ui: Ui,
    Path(id): Path<String>,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = AidRequestsDesk::open(&staff)?;
    let id = crate::http::parse_id(&id)?;
    let tenant = desk.ctx();
    let typed: DecisionForm = form.read()?;
    let valid = match typed.validate() {
        Ok(valid) => valid,
        Err(errors) => {
            return render_request_with(
                &state,
                &desk,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                id,
                None,
                SentBack {
                    decision: Some((typed, errors)),
                    ..SentBack::default()
                },
            )
            .await;
        }
    };
    let version: i32 = form.get("version").parse().unwrap_or(-1);
    let space_url = absolute(&state, &headers, tenant, &format!("/demandes/{id}"));
    match decision::decide(&state.platform, &desk, id, version, &valid, &space_url).await {
        Ok(()) => {
            crate::mail::wake(&state.platform, &tenant.tenant).await;
            Ok(Redirect::to(&tenant.href(&format!("/agents/demandes/{id}?ok=decidee"))).into_response())
        }
        Err(ChangeError::Conflict) => {
            render_request_with(
                &state,
                &desk,
                ui,
                StatusCode::CONFLICT,
                id,
                Some((
                    false,
                    "Quelqu'un d'autre a modifié cette demande pendant que vous la consultiez : votre décision n'a pas été enregistrée. Voici la demande à jour ; recommencez si elle est toujours à décider."
                        .into(),
                )),
                SentBack {
                    decision: Some((typed, FieldErrors::new())),
                    ..SentBack::default()
                },
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn ask(
    State(state): State<AppState>,
    staff: CurrentStaff,
    headers: axum::http::HeaderMap,
    ui: Ui,
    Path(id): Path<String>,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = AidRequestsDesk::open(&staff)?;
    let id = crate::http::parse_id(&id)?;
    let tenant = desk.ctx();
    let typed = form.get("question").to_owned();
    let sent_back = |error: Option<String>| SentBack {
        question: Some((typed.clone(), error)),
        ..SentBack::default()
    };
    let question = match exchange::check_message(&typed) {
        Ok(question) => question,
        Err(message) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let sent_back = sent_back(Some(message));
            return render_request_with(&state, &desk, ui, status, id, None, sent_back).await;
        }
    };
    let version: i32 = form.get("version").parse().unwrap_or(-1);
    let request_url = absolute(&state, &headers, tenant, &format!("/demandes/{id}"));
    match exchange::ask_citizen(&desk, id, version, &question, &request_url).await {
        Ok(()) => {
            crate::mail::wake(&state.platform, &tenant.tenant).await;
            Ok(
                Redirect::to(&tenant.href(&format!("/agents/demandes/{id}?ok=question")))
                    .into_response(),
            )
        }
        Err(ChangeError::Conflict) => {
            let notice = format!(
                "Cette demande a changé pendant que vous la consultiez (ou attend déjà l'usager) : votre question n'a pas été envoyée. La voici, pour la reprendre si besoin : « {question} »"
            );
            let status = StatusCode::CONFLICT;
            let sent_back = sent_back(None);
            render_request_with(
                &state,
                &desk,
                ui,
                status,
                id,
                Some((false, notice)),
                sent_back,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /agents/demandes/{id}/documents/{doc}`: a document attached to a filed request, for its
/// instructors; journaled like any reading of the citizen's file.
pub async fn request_document(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Path((id, doc)): Path<(String, String)>,
    ListQuery(view): ListQuery<crate::http::DocumentView>,
) -> Result<Response, AppError> {
    let desk = AidRequestsDesk::open(&staff)?;
    let tenant = desk.ctx();
    let request = queue::find_filed(&desk, crate::http::parse_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let doc_id = crate::http::parse_id(&doc)?;
    let attached = request
        .answers
        .values()
        .any(|a| *a == crate::aid_requests::form::Answer::Document(doc_id))
        || exchange::sent_with_answer(&tenant.tenant, request.id, doc_id).await?;
    if !attached {
        return Err(AppError::NotFound);
    }
    let document = crate::documents::find(&tenant.tenant, doc_id)
        .await?
        .filter(|d| d.citizen_id == request.citizen_id)
        .ok_or(AppError::NotFound)?;
    desk.audit_file(
        request.citizen_id,
        "consultation d'un document",
        &format!(
            "document {doc_id} de la demande {} (usager {})",
            request.reference.clone().unwrap_or_default(),
            request.citizen_id
        ),
        "instruction de votre demande",
    )
    .await?;
    let bytes = crate::documents::read(&state.platform, &tenant.tenant, &document).await?;
    Ok(crate::http::document_answer(&document, bytes, view))
}

/// `POST /agents/demandes/export`: starts a CSV export of the queue as filtered.
pub async fn export_start(
    State(state): State<AppState>,
    staff: CurrentStaff,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = AidRequestsDesk::open(&staff)?;
    let tenant = desk.ctx();
    let params = QueueParams::from_form(&form);
    let filter = params.filter(staff.account.id)?;
    let id = export::create(&desk, &filter, &params.query()).await?;
    enqueue_export(&state, &staff, id).await;
    Ok(Redirect::to(&tenant.href(&format!("/agents/demandes/export/{id}"))).into_response())
}

/// A lost enqueue is not fatal: the export's page enqueues it again (see `needs_new_job`).
async fn enqueue_export(state: &AppState, staff: &CurrentStaff, id: i64) {
    let job = ExportRequests {
        tenant: staff.tenant.tenant.slug().to_string(),
        export_id: id,
    };
    if let Err(e) = crate::jobs::enqueue(&state.platform, job).await {
        tracing::warn!(export = id, error = %e, "export job not enqueued; its page will retry");
    }
}

/// An export of this staff member's (anyone else's is not found).
async fn own_export(desk: &AidRequestsDesk<'_>, id: &str) -> Result<Export, AppError> {
    let id = crate::http::parse_id(id)?;
    export::find(desk, id)
        .await?
        .filter(|e| e.requested_by == desk.staff().account.id)
        .ok_or(AppError::NotFound)
}

/// An export of this staff member's being followed (its page, its state): a job that seems
/// lost is enqueued again.
async fn followed_export(
    state: &AppState,
    staff: &CurrentStaff,
    id: &str,
) -> Result<Export, AppError> {
    let export = own_export(&AidRequestsDesk::open(staff)?, id).await?;
    if export.needs_new_job(chrono::Utc::now()) {
        enqueue_export(state, staff, export.id).await;
    }
    Ok(export)
}

/// `GET /agents/demandes/export/{id}`: the export's progress, then its download link.
pub async fn export_page(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let export = followed_export(&state, &staff, &id).await?;
    let tenant = &staff.tenant;
    let page = tenant.href(&format!("/agents/demandes/export/{}", export.id));
    let view = ExportView {
        status: export.status.label().to_owned(),
        finished: export.status.finished(),
        written: export.written,
        total: export.total,
        download_href: export::file(&export).map(|_| format!("{page}/fichier")),
        error: export.error.clone(),
        state_href: format!("{page}/etat"),
        refresh_href: page,
        queue_href: tenant.href("/agents/demandes"),
    };
    Ok(ui.with_staff(&staff).render(
        StatusCode::OK,
        move |ctx| view! { <ExportPage ctx export=view /> },
    ))
}

/// `GET /agents/demandes/export/{id}/etat`: the progress as JSON, for the page's island.
pub async fn export_state(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let export = followed_export(&state, &staff, &id).await?;
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({
            "status": export.status.label(),
            "written": export.written,
            "total": export.total,
            "finished": export.status.finished(),
        })),
    )
        .into_response())
}

/// `GET /agents/demandes/export/{id}/fichier`: the CSV file, journaled.
pub async fn export_file(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = AidRequestsDesk::open(&staff)?;
    let export = own_export(&desk, &id).await?;
    let tenant = desk.ctx();
    let key = export::file(&export).ok_or(AppError::NotFound)?;
    let bytes = crate::files::read(&state.platform, tenant.tenant.slug(), &key)
        .await
        .map_err(|e| AppError::Internal(format!("export {key}: {e}")))?;
    staff
        .audit(
            "téléchargement d'un export CSV des demandes d'aide",
            &format!("export n° {} ({} demandes)", export.id, export.written),
            "instruction",
        )
        .await?;
    // The file holds each of these citizens' requests: each reads that it left in a file.
    desk.audit_files(
        &export.citizen_ids,
        "téléchargement de vos demandes dans un export (fichier CSV)",
        &format!("export n° {} des demandes d'aide", export.id),
        "instruction de vos demandes",
    )
    .await?;
    let name = format!("demandes-{}-{}.csv", tenant.tenant.slug(), export.id);
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// `POST /agents/demandes/{id}/donnees/actualiser`: asks every source the citizen agreed to
/// again, under their live consent (a retry after a failure, or fresher data). The calls are
/// traced under the staff member's name and appear in the citizen's journal.
pub async fn refresh_national_data(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = AidRequestsDesk::open(&staff)?;
    let id = crate::http::parse_id(&id)?;
    let tenant = desk.ctx();
    let request = queue::find_filed(&desk, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = catalogue::form(&tenant.tenant, request.aid_id, request.form_version)
        .await?
        .unwrap_or_default();
    let now = chrono::Utc::now();
    let txn = tenant.tenant.db().begin_write().await?;
    let latest = pull::for_request(&tenant.tenant, id).await?;
    let mut pulls = Vec::new();
    let mut missing = Vec::new();
    for source in form.sources() {
        let Some(consent) = consent::live(
            &txn,
            request.citizen_id,
            source,
            consent::Purpose::Aid(request.aid_id),
            now,
        )
        .await?
        else {
            missing.push(source.label());
            continue;
        };
        // Keyed on the latest pull the page showed: a double click asks once.
        let after = latest
            .iter()
            .find(|(p, _)| p.source == source)
            .map_or(0, |(p, _)| p.id);
        let key = format!("request:{id}:{}:after:{after}", source.id());
        pulls.push(
            pull::create(
                &txn,
                &key,
                &consent,
                Some(id),
                RequestedBy::Staff(staff.account.id),
                now,
            )
            .await?,
        );
    }
    let reference = request.reference.clone().unwrap_or_default();
    let journal = desk.file_event(
        request.citizen_id,
        "demande de données aux administrations",
        &format!("demande {reference} (usager {})", request.citizen_id),
        "instruction de votre demande",
    );
    crate::audit::append_in(&txn, &[journal]).await?;
    txn.commit().await?;
    pull::wake(&state.platform, &tenant.tenant, &pulls).await;
    let message = if missing.is_empty() {
        (
            true,
            "Les informations sont demandées de nouveau ; la page montre leur état.".to_owned(),
        )
    } else {
        (
            false,
            format!(
                "L'usager n'a pas d'accord en cours pour : {}. Rien n'est demandé en son nom pour ces informations : demandez-lui le justificatif.",
                missing.join(", ")
            ),
        )
    };
    render_request(&state, &desk, ui, StatusCode::OK, id, Some(message)).await
}

/// `POST /agents/demandes/{id}/donnees/accord`: records the consent the citizen gave a staff
/// member (in person or in writing), under that staff member's name, and asks the sources at
/// once. The citizen is told by mail and can withdraw it from their space.
/// Records the consents the citizen gave the instructor in person, queues their pulls, tells
/// the citizen by mail and journals it, all in one transaction.
async fn record_staff_consents(
    state: &AppState,
    desk: &AidRequestsDesk<'_>,
    request: &AidRequest,
    chosen: Vec<Source>,
    space: &str,
) -> Result<(), AppError> {
    let tenant = desk.ctx();
    let staff = desk.staff();
    let citizen = citizens::find(&tenant.tenant, request.citizen_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let aid = catalogue::find(&tenant.tenant, request.aid_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = chrono::Utc::now();
    let txn = tenant.tenant.db().begin_write().await?;
    let mut pulls = Vec::new();
    let mut labels = Vec::new();
    for source in chosen {
        let given = consent::give(
            &txn,
            request.citizen_id,
            (source, consent::Purpose::Aid(request.aid_id)),
            consent::GivenBy::Staff(staff.account.id),
            now,
            None,
        )
        .await?;
        labels.push(source.label());
        pulls.push(
            pull::create_for_consent(
                &txn,
                &given,
                request.id,
                RequestedBy::Staff(staff.account.id),
                now,
            )
            .await?,
        );
    }
    if !citizen.email.is_empty() {
        crate::mail::queue(
            &txn,
            crate::mail::OutgoingMail {
                to: citizen.email.clone(),
                subject: "Votre accord pour obtenir des informations auprès des administrations"
                    .into(),
                text: format!(
                    "Bonjour {},\n\nÀ votre demande, un agent du département a enregistré votre accord pour que nous obtenions directement ces informations, pour votre demande « {} » : {}.\n\nCet accord vaut douze mois. Vous pouvez le retirer à tout moment dans votre espace, rubrique « Mes données » : {space}\n\n{}\n",
                    citizen.display_name(),
                    aid.title,
                    labels.join(", "),
                    tenant.tenant.name(),
                ),
                attachments: vec![],
            },
        )
        .await?;
    }
    let journal = desk.file_event(
        request.citizen_id,
        &format!("enregistrement de votre accord : {}", labels.join(", ")),
        &format!(
            "demande {} (usager {})",
            request.reference.clone().unwrap_or_default(),
            request.citizen_id
        ),
        "accord donné en personne",
    );
    crate::audit::append_in(&txn, &[journal]).await?;
    txn.commit().await?;
    pull::wake(&state.platform, &tenant.tenant, &pulls).await;
    crate::mail::wake(&state.platform, &tenant.tenant).await;
    Ok(())
}

pub async fn record_consent(
    State(state): State<AppState>,
    staff: CurrentStaff,
    headers: axum::http::HeaderMap,
    ui: Ui,
    Path(id): Path<String>,
    fields: FormFields,
) -> Result<Response, AppError> {
    let desk = AidRequestsDesk::open(&staff)?;
    let id = crate::http::parse_id(&id)?;
    let tenant = desk.ctx();
    let request = queue::find_filed(&desk, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !queue::is_open(request.status) || state.national_api.client.is_none() {
        return Err(AppError::Conflict(
            "Cette demande ne peut plus recevoir d'informations des administrations.".into(),
        ));
    }
    let form = catalogue::form(&tenant.tenant, request.aid_id, request.form_version)
        .await?
        .unwrap_or_default();
    let chosen: Vec<_> = form
        .sources()
        .into_iter()
        .filter(|s| {
            *s != Source::FranceTravail && fields.get(&format!("accord-{}", s.id())) == "on"
        })
        .collect();
    let problem = if chosen.is_empty() {
        Some("Cochez au moins une information que l'usager accepte de laisser demander.")
    } else if fields.get("attestation") != "on" {
        Some(
            "Cochez la case qui confirme que l'usager vous a donné cet accord : sans elle, rien n'est enregistré.",
        )
    } else {
        None
    };
    if let Some(problem) = problem {
        return render_request_with(
            &state,
            &desk,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            id,
            None,
            SentBack {
                consent_error: Some(problem.to_owned()),
                ..SentBack::default()
            },
        )
        .await;
    }
    let space = absolute(&state, &headers, tenant, "/mon-espace/donnees");
    record_staff_consents(&state, &desk, &request, chosen, &space).await?;
    render_request(
        &state,
        &desk,
        ui,
        StatusCode::OK,
        id,
        Some((
            true,
            "L'accord est enregistré et les informations sont demandées ; l'usager en est informé par courriel.".into(),
        )),
    )
    .await
}
