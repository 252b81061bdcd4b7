//! The department administrator's pages: staff accounts, roles, the audit journal.

use app::components::FilterOption;
use app::pages::admin::{
    AccountActions, AuditJournalPage, AuditRow, Choice, JournalFilters, JournalView,
    StaffCreatedPage, StaffFormPage, StaffListPage, StaffRow,
};
use app::validation::FieldErrors;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use tower_sessions::Session;

use super::desks::AdminDesk;
use super::form::{Form, ListQuery, page_number, unknown_filter};
use super::ui::Ui;
use super::{AppError, AppState, CurrentStaff};
use crate::audit;
use crate::staff::lifecycle::{self, LinkPurpose};
use crate::staff::{
    self, AccountError, Author, Email, FirstPassword, NewStaff, Role, StaffAccount,
};
use tenants::Module;

const NOTICE_KEY: &str = "notice";

fn role_choices(staff: &CurrentStaff, checked: &[Role]) -> Vec<Choice> {
    Role::available(staff.tenant.tenant.modules())
        .into_iter()
        .map(|r| Choice {
            value: r.id().to_owned(),
            label: r.label().to_owned(),
            checked: checked.contains(&r),
        })
        .collect()
}

/// The staff account form: `roles` is the group of checked boxes.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct StaffForm {
    display_name: String,
    email: String,
    roles: Vec<String>,
}

/// Where a message about the roles leads: the first of their boxes (`Choices` numbers them).
const ROLES_FIELD: &str = "roles-0";

/// Parses the checked roles; unknown or unavailable ones become form errors.
fn parse_roles(staff: &CurrentStaff, form: &StaffForm, errors: &mut FieldErrors) -> Vec<Role> {
    let mut roles = Vec::new();
    for id in &form.roles {
        match Role::parse_for(id, staff.tenant.tenant.modules()) {
            Ok(role) => roles.push(role),
            Err(e) => errors.add(ROLES_FIELD, e.on_form()),
        }
    }
    roles.sort();
    roles.dedup();
    roles
}

pub async fn staff_list(
    State(state): State<AppState>,
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
) -> Result<Response, AppError> {
    let desk = AdminDesk::open(&staff)?;
    let tenant = &desk.staff().tenant;
    let accounts = staff::list_accounts(&state.platform, &tenant.tenant).await?;
    // `remove` marks the session modified even when empty; read first so a plain view of
    // the list does not rewrite the session.
    let notice = session.get::<String>(NOTICE_KEY).await?;
    if notice.is_some() {
        session.remove::<String>(NOTICE_KEY).await?;
    }
    let rows = accounts
        .into_iter()
        .map(|a| StaffRow {
            href: tenant.href(&format!("/agents/admin/comptes/{}", a.id)),
            email: a.email,
            display_name: a.display_name,
            roles: a.roles.iter().map(|r| r.label().to_owned()).collect(),
            state: if !a.active {
                "désactivé"
            } else if a.awaiting_activation {
                "en attente d'activation"
            } else {
                "actif"
            },
        })
        .collect::<Vec<_>>();
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <StaffListPage ctx staff=rows notice /> }
    }))
}

pub async fn new_staff_form(staff: CurrentStaff, ui: Ui) -> Result<Response, AppError> {
    AdminDesk::open(&staff)?;
    let roles = role_choices(&staff, &[]);
    let action = staff.tenant.href("/agents/admin/comptes/nouveau");
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! {
            <StaffFormPage ctx editing=None action display_name=String::new() email=String::new() roles errors=FieldErrors::new() reset_action=None />
        }
    }))
}

pub async fn create_staff(
    State(state): State<AppState>,
    staff: CurrentStaff,
    headers: axum::http::HeaderMap,
    ui: Ui,
    Form(form): Form<StaffForm>,
) -> Result<Response, AppError> {
    let desk = AdminDesk::open(&staff)?;
    let tenant = &desk.staff().tenant;
    let mut errors = FieldErrors::new();
    let display_name = form.display_name.trim().to_owned();
    let email_input = form.email.trim().to_owned();
    if display_name.is_empty() {
        errors.add("display_name", "Indiquez le nom et le prénom de l'agent.");
    } else if display_name.chars().count() > 100 || !app::validation::one_line(&display_name) {
        errors.add(
            "display_name",
            "Le nom et le prénom tiennent sur une ligne de 100 caractères au plus : raccourcissez-les.",
        );
    }
    let email = match Email::parse(&email_input) {
        Ok(email) => Some(email),
        Err(e) => {
            errors.add("email", crate::audit::sentence(&e.to_string()));
            None
        }
    };
    let roles = parse_roles(&staff, &form, &mut errors);

    if let (true, Some(email)) = (errors.is_empty(), email) {
        let created = staff::create_account(
            &state.platform,
            &tenant.tenant,
            NewStaff {
                email,
                display_name: display_name.clone(),
                roles: roles.clone(),
                first_password: FirstPassword::ChosenByOwner,
            },
            Author::Staff(&staff.account),
        )
        .await;
        match created {
            Ok(created) => {
                let account = created.account;
                state.accounts.forget(&tenant.tenant, account.id);
                if let Some(token) = created.activation_token {
                    mail_link(
                        &state,
                        &headers,
                        &staff,
                        &account,
                        LinkPurpose::Activation,
                        &token,
                    )
                    .await?;
                }
                let email = account.email;
                let link_lifetime = LinkPurpose::Activation.lifetime_text().to_owned();
                return Ok(ui
                    .with_staff(&staff)
                    .render(StatusCode::CREATED, move |ctx| {
                        view! { <StaffCreatedPage ctx email link_lifetime /> }
                    }));
            }
            Err(AccountError::Db(e)) => return Err(e.into()),
            Err(e @ AccountError::EmailTaken(_)) => {
                errors.add("email", crate::audit::sentence(&e.to_string()))
            }
            Err(e) => errors.add_form(crate::audit::sentence(&e.to_string())),
        }
    }

    let choices = role_choices(&staff, &roles);
    let action = tenant.href("/agents/admin/comptes/nouveau");
    Ok(ui.with_staff(&staff).render(StatusCode::UNPROCESSABLE_ENTITY, move |ctx| {
        view! {
            <StaffFormPage ctx editing=None action display_name email=email_input roles=choices errors reset_action=None />
        }
    }))
}

/// The account the path names, in the administrator's department (404 otherwise).
async fn colleague(
    state: &AppState,
    desk: &AdminDesk<'_>,
    id: &str,
) -> Result<staff::StaffAccount, AppError> {
    let id = super::parse_id(id)?;
    staff::find_account(&state.platform, desk.tenant(), id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn edit_staff_form(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = AdminDesk::open(&staff)?;
    let account = colleague(&state, &desk, &id).await?;
    let id = account.id;
    let roles = role_choices(&staff, &account.roles);
    let action = staff.tenant.href(&format!("/agents/admin/comptes/{id}"));
    let reset_action = staff::second_factor::is_enrolled(&state.platform, id)
        .await?
        .then(|| format!("{action}/double-facteur/reinitialiser"));
    let account_actions = account_actions(&staff, &account);
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! {
            <StaffFormPage ctx editing=Some(account.email.clone()) action display_name=account.display_name email=account.email roles errors=FieldErrors::new() reset_action account_actions />
        }
    }))
}

fn account_actions(staff: &CurrentStaff, account: &StaffAccount) -> AccountActions {
    let base = staff
        .tenant
        .href(&format!("/agents/admin/comptes/{}", account.id));
    let is_self = account.id == staff.account.id;
    AccountActions {
        link_action: format!("{base}/lien"),
        awaiting_activation: account.awaiting_activation,
        active: account.active,
        switch_action: (!is_self).then(|| {
            let verb = if account.active {
                "desactiver"
            } else {
                "reactiver"
            };
            format!("{base}/{verb}")
        }),
    }
}

/// Mails a colleague the link to choose their password.
async fn mail_link(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    staff: &CurrentStaff,
    account: &StaffAccount,
    purpose: LinkPurpose,
    token: &str,
) -> Result<(), AppError> {
    let tenant = &staff.tenant;
    let path = format!("{}?jeton=", super::staff_password::LINK_PATH);
    let link = format!(
        "{}{token}",
        super::citizen::absolute(state, headers, tenant, &path)
    );
    let lifetime = purpose.lifetime_text();
    let (subject, text) = match purpose {
        LinkPurpose::Activation => (
            format!("Votre compte Guichet — {}", tenant.tenant.name()),
            format!(
                "{} vous a créé un compte d'agent sur Guichet ({}), avec l'adresse {}.\n\nPour l'activer, choisissez votre mot de passe en ouvrant ce lien (valable {lifetime}, une seule fois) :\n{link}\n\nSi vous n'attendiez pas ce message, ignorez-le et prévenez votre administrateur.",
                staff.account.display_name,
                tenant.tenant.name(),
                account.email
            ),
        ),
        LinkPurpose::Reset => (
            "Choisir un nouveau mot de passe Guichet".to_owned(),
            format!(
                "{} vous envoie un lien pour choisir un nouveau mot de passe de votre compte Guichet ({}). Ouvrez-le (valable {lifetime}, une seule fois) :\n{link}\n\nVotre mot de passe actuel reste valable tant que vous n'en avez pas choisi un autre. Si vous n'avez rien demandé, prévenez votre administrateur.",
                staff.account.display_name, account.email
            ),
        ),
    };
    crate::mail::tell(
        &state.platform,
        &tenant.tenant,
        &account.email,
        &subject,
        &text,
    )
    .await?;
    Ok(())
}

/// `POST /agents/admin/comptes/{id}/lien`: mails the colleague a link to choose their
/// password: the activation link again, or a reset link. The administrator never sees it.
pub async fn send_link(
    State(state): State<AppState>,
    staff: CurrentStaff,
    headers: axum::http::HeaderMap,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = AdminDesk::open(&staff)?;
    let tenant = &desk.staff().tenant;
    let account = colleague(&state, &desk, &id).await?;
    if !account.active {
        return Err(AppError::Conflict(
            "Ce compte est désactivé : réactivez-le avant de lui envoyer un lien.".into(),
        ));
    }
    let purpose = if account.awaiting_activation {
        LinkPurpose::Activation
    } else {
        LinkPurpose::Reset
    };
    let by = Author::Staff(&staff.account);
    let token = lifecycle::send_link(&state.platform, &tenant.tenant, &account, purpose, by)
        .await?
        .ok_or(AppError::NotFound)?;
    mail_link(&state, &headers, &staff, &account, purpose, &token).await?;
    let notice = format!(
        "Un lien pour choisir son mot de passe vient d'être envoyé à {} (valable {}).",
        account.email,
        purpose.lifetime_text()
    );
    session.insert(NOTICE_KEY, notice).await?;
    Ok(Redirect::to(&tenant.href("/agents/admin/comptes")).into_response())
}

/// `POST /agents/admin/comptes/{id}/desactiver`: every session of the colleague ends now,
/// and sign-in is refused (ProConnect too) until reactivated. Journaled; the colleague is told.
pub async fn deactivate(
    state: State<AppState>,
    staff: CurrentStaff,
    session: Session,
    id: Path<String>,
) -> Result<Response, AppError> {
    switch_active(state, staff, session, id, false).await
}

/// `POST /agents/admin/comptes/{id}/reactiver`
pub async fn reactivate(
    state: State<AppState>,
    staff: CurrentStaff,
    session: Session,
    id: Path<String>,
) -> Result<Response, AppError> {
    switch_active(state, staff, session, id, true).await
}

async fn switch_active(
    State(state): State<AppState>,
    staff: CurrentStaff,
    session: Session,
    Path(id): Path<String>,
    active: bool,
) -> Result<Response, AppError> {
    let desk = AdminDesk::open(&staff)?;
    let tenant = &desk.staff().tenant;
    let account = colleague(&state, &desk, &id).await?;
    if account.id == staff.account.id {
        return Err(AppError::Conflict(
            "Vous ne pouvez pas désactiver votre propre compte : demandez-le à un autre administrateur.".into(),
        ));
    }
    let by = Author::Staff(&staff.account);
    let updated = lifecycle::set_active(&state.platform, &tenant.tenant, &account, active, by)
        .await?
        .ok_or(AppError::NotFound)?;
    state.accounts.forget(&tenant.tenant, updated.id);
    let (subject, text, notice) = if active {
        (
            "Votre compte Guichet est réactivé",
            format!(
                "{} a réactivé votre compte Guichet : vous pouvez vous connecter de nouveau.",
                staff.account.display_name
            ),
            format!("Le compte de {} est réactivé.", updated.email),
        )
    } else {
        (
            "Votre compte Guichet est désactivé",
            format!(
                "{} a désactivé votre compte Guichet : vos sessions sont fermées et vous ne pouvez plus vous connecter. Si c'est une erreur, adressez-vous à lui.",
                staff.account.display_name
            ),
            format!(
                "Le compte de {} est désactivé : ses sessions sont fermées.",
                updated.email
            ),
        )
    };
    crate::mail::tell(
        &state.platform,
        &tenant.tenant,
        &updated.email,
        subject,
        &text,
    )
    .await?;
    session.insert(NOTICE_KEY, notice).await?;
    Ok(Redirect::to(&tenant.href("/agents/admin/comptes")).into_response())
}

/// `POST /agents/admin/comptes/{id}/double-facteur/reinitialiser`: the colleague lost their
/// app and their recovery codes; journaled, and they are told by mail.
pub async fn reset_second_factor(
    State(state): State<AppState>,
    staff: CurrentStaff,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = AdminDesk::open(&staff)?;
    let tenant = &desk.staff().tenant;
    let account = colleague(&state, &desk, &id).await?;
    let by = Author::Staff(&staff.account);
    let removed = staff::second_factor::remove(&state.platform, &tenant.tenant, &account, by);
    let notice = if removed.await? {
        crate::mail::tell(
            &state.platform,
            &tenant.tenant,
            &account.email,
            "Votre double authentification a été réinitialisée",
            &format!("{} a réinitialisé la double authentification de votre compte Guichet : vous vous connectez avec votre seul mot de passe, et vous pouvez enregistrer une nouvelle application depuis votre tableau de bord. Si vous ne l'avez pas demandé, prévenez-le.", staff.account.display_name),
        )
        .await?;
        format!(
            "La double authentification de {} est réinitialisée.",
            account.email
        )
    } else {
        format!("{} n'avait pas de double authentification.", account.email)
    };
    session.insert(NOTICE_KEY, notice).await?;
    Ok(Redirect::to(&tenant.href("/agents/admin/comptes")).into_response())
}

pub async fn update_staff(
    State(state): State<AppState>,
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
    Path(id): Path<String>,
    Form(form): Form<StaffForm>,
) -> Result<Response, AppError> {
    let desk = AdminDesk::open(&staff)?;
    let tenant = &desk.staff().tenant;
    let account = colleague(&state, &desk, &id).await?;
    let id = account.id;
    let mut errors = FieldErrors::new();
    let roles = parse_roles(&staff, &form, &mut errors);
    if id == staff.account.id && !roles.contains(&Role::Admin) {
        errors.add(
            ROLES_FIELD,
            "Vous ne pouvez pas retirer votre propre rôle d'administrateur : demandez-le à un autre administrateur.",
        );
    }
    if errors.is_empty() {
        let by = Author::Staff(&staff.account);
        match staff::set_roles(&state.platform, &tenant.tenant, id, &roles, by).await {
            Ok(Some(updated)) => {
                state.accounts.forget(&tenant.tenant, updated.id);
                session
                    .insert(
                        NOTICE_KEY,
                        format!("Les rôles de {} sont enregistrés.", updated.email),
                    )
                    .await?;
                return Ok(Redirect::to(&tenant.href("/agents/admin/comptes")).into_response());
            }
            Ok(None) => return Err(AppError::NotFound),
            Err(AccountError::Db(e)) => return Err(e.into()),
            Err(e) => errors.add(ROLES_FIELD, crate::audit::sentence(&e.to_string())),
        }
    }
    let choices = role_choices(&staff, &roles);
    let action = tenant.href(&format!("/agents/admin/comptes/{id}"));
    let account_actions = account_actions(&staff, &account);
    Ok(ui.with_staff(&staff).render(StatusCode::UNPROCESSABLE_ENTITY, move |ctx| {
        view! {
            <StaffFormPage ctx editing=Some(account.email.clone()) action display_name=account.display_name email=account.email roles=choices errors reset_action=None account_actions />
        }
    }))
}

/// The journal's filters as the address carries them; every value is one the page offers, or
/// refused by name.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct JournalParams {
    agent: Option<String>,
    module: Option<String>,
    periode: Option<String>,
    recherche: Option<String>,
    page: Option<String>,
}

/// The journal's periods: (value, label, how far back).
const PERIODS: [(&str, &str, i64); 3] = [
    ("jour", "Dernières 24 heures", 1),
    ("semaine", "7 derniers jours", 7),
    ("mois", "30 derniers jours", 30),
];

/// The module filter's value for entries made outside any module.
const OUTSIDE_MODULES: &str = "departement";

impl JournalParams {
    fn query(&self, actors: &[String]) -> Result<audit::JournalQuery, AppError> {
        let set = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        let actor = match set(&self.agent) {
            Some(a) if actors.contains(&a) => Some(a),
            Some(a) => return Err(unknown_filter("un agent du journal", &a)),
            None => None,
        };
        let module = match set(&self.module).as_deref() {
            Some(OUTSIDE_MODULES) => Some(String::new()),
            Some(id) => Some(
                Module::parse(id)
                    .map_err(|_| unknown_filter("un module", id))?
                    .id()
                    .to_owned(),
            ),
            None => None,
        };
        let since = match set(&self.periode).as_deref() {
            Some(p) => {
                let (_, _, days) = PERIODS
                    .iter()
                    .find(|(value, _, _)| *value == p)
                    .ok_or_else(|| unknown_filter("une période", p))?;
                Some(chrono::Utc::now() - chrono::Duration::days(*days))
            }
            None => None,
        };
        Ok(audit::JournalQuery {
            actor,
            module,
            since,
            words: crate::search::parse_search(self.recherche.as_deref().unwrap_or(""))
                .map_err(AppError::BadRequest)?,
            page: page_number(self.page.as_deref())?,
        })
    }

    /// The address of this view of the journal at `page`.
    fn href(&self, base: &str, page: u64) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("agent", &self.agent),
            ("module", &self.module),
            ("periode", &self.periode),
            ("recherche", &self.recherche),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                query.append_pair(name, v);
            }
        }
        query.append_pair("page", &page.to_string());
        format!("{base}?{}", query.finish())
    }
}

/// `GET /agents/admin/journal`: the department's journal, newest first, a page at a time,
/// narrowed by agent, module, period and words; moments on the local clock, roles and modules
/// in words.
pub async fn audit_journal(
    staff: CurrentStaff,
    ui: Ui,
    ListQuery(params): ListQuery<JournalParams>,
) -> Result<Response, AppError> {
    let desk = AdminDesk::open(&staff)?;
    let tenant = &desk.staff().tenant;
    let actors = audit::actors(&tenant.tenant).await?;
    let query = params.query(&actors)?;
    let (entries, total) = audit::search(&tenant.tenant, &query).await?;
    let entries = entries
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            at: crate::dates::date_time(e.at),
            actor: e.actor_email,
            role: Role::labels_of(&e.actor_role),
            module: Module::parse(&e.module)
                .map_or_else(|_| "—".to_owned(), |m| m.label().to_owned()),
            action: e.action,
            subject: e.subject,
            reason: e.reason,
        })
        .collect::<Vec<_>>();
    let base = tenant.href("/agents/admin/journal");
    let pages = total.div_ceil(audit::JOURNAL_PAGE).max(1);
    let page = query.page.min(pages);
    let filters = journal_filters(&params, actors, tenant.tenant.modules());
    let view = JournalView {
        total,
        page,
        pages,
        previous_href: (page > 1).then(|| params.href(&base, page - 1)),
        next_href: (page < pages).then(|| params.href(&base, page + 1)),
        search: params.recherche.clone().unwrap_or_default(),
        reset_href: base.clone(),
        action: base,
    };
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <AuditJournalPage ctx entries filters view /> }
    }))
}

/// The journal's select filters, each with its current choice.
fn journal_filters(
    params: &JournalParams,
    actors: Vec<String>,
    modules: &[Module],
) -> JournalFilters {
    let options = |all: &str, current: &Option<String>, values: Vec<(String, String)>| {
        let current = current.as_deref().unwrap_or("");
        std::iter::once((String::new(), all.to_owned()))
            .chain(values)
            .map(|(value, label)| FilterOption {
                selected: value == current,
                value,
                label,
            })
            .collect()
    };
    JournalFilters {
        agents: options(
            "Tous",
            &params.agent,
            actors.into_iter().map(|a| (a.clone(), a)).collect(),
        ),
        modules: options(
            "Tous",
            &params.module,
            modules
                .iter()
                .map(|m| (m.id().to_owned(), m.label().to_owned()))
                .chain([(
                    OUTSIDE_MODULES.to_owned(),
                    "Hors module (comptes, connexions, réglages)".to_owned(),
                )])
                .collect(),
        ),
        periods: options(
            "Depuis le début",
            &params.periode,
            PERIODS
                .iter()
                .map(|(value, label, _)| ((*value).to_owned(), (*label).to_owned()))
                .collect(),
        ),
    }
}
