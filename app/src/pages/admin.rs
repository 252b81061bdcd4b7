//! The department administrator's pages: staff accounts and the audit journal.

use leptos::prelude::*;

pub use crate::components::Choice;
use crate::components::{
    Choices, FieldWidth, FileField, FilterBar, FilterOption, FilterSelect, Pagination, Row,
    SearchField, SuccessNotice, Table, TextArea, TextField,
};
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

#[derive(Clone, Debug)]
pub struct StaffRow {
    pub href: String,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<String>,
    /// « actif », « en attente d'activation », « désactivé ».
    pub state: &'static str,
}

/// What an administrator can do to a colleague's account, on its page.
#[derive(Clone, Debug)]
pub struct AccountActions {
    /// Where to send a link (activation again, or a password reset).
    pub link_action: String,
    /// The colleague has not activated their account yet.
    pub awaiting_activation: bool,
    pub active: bool,
    /// Where to deactivate or reactivate it; `None` on one's own account.
    pub switch_action: Option<String>,
}

#[component]
pub fn StaffListPage(
    ctx: PageContext,
    staff: Vec<StaffRow>,
    notice: Option<String>,
) -> impl IntoView {
    let new_href = ctx.href("/agents/admin/comptes/nouveau");
    let count = staff.len();
    view! {
        <Document ctx title="Agents du département".into()>
            <h1>"Agents du département"</h1>
            <SuccessNotice text=notice />
            <p><a class="button" href=new_href>"Créer un compte agent"</a></p>
            <Table
                caption=format!("{count} compte(s)")
                headers=vec!["Nom", "Adresse électronique", "Rôles", "État"]
                rows=staff.into_iter().map(|s| Row::new(vec![
                    view! { <a href=s.href>{s.display_name}</a> }.into_any(),
                    s.email.into_any(),
                    (if s.roles.is_empty() { "aucun".to_owned() } else { s.roles.join(", ") }).into_any(),
                    s.state.into_any(),
                ])).collect()
                empty="Aucun compte."
            />
        </Document>
    }
}

/// Creating a staff account (`editing` is `None`) or changing one's roles.
#[component]
pub fn StaffFormPage(
    ctx: PageContext,
    /// `Some(email)` when editing an existing account.
    editing: Option<String>,
    action: String,
    display_name: String,
    email: String,
    roles: Vec<Choice>,
    errors: FieldErrors,
    /// Where to reset the colleague's second factor, when they have one.
    reset_action: Option<String>,
    /// On an existing account.
    #[prop(optional)]
    account_actions: Option<AccountActions>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let reset_csrf = ctx.csrf.clone();
    let actions_csrf = ctx.csrf.clone();
    let back = ctx.href("/agents/admin/comptes");
    let title = match &editing {
        Some(email) => format!("Rôles de {email}"),
        None => "Créer un compte agent".to_owned(),
    };
    let is_new = editing.is_none();
    view! {
        <Document ctx title=title.clone()>
            <h1>{title}</h1>
            <ErrorSummary errors=errors.clone() />
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                {is_new.then(|| view! {
                    <TextField name="display_name" label="Nom et prénom" autocomplete="off" maxlength=100 value=display_name.clone() error=errors.of("display_name") />
                    <TextField name="email" label="Adresse électronique professionnelle" kind="email" autocomplete="off" value=email.clone() error=errors.of("email") />
                })}
                <Choices
                    name="roles"
                    legend="Rôles"
                    multiple=true
                    options=roles
                    error=errors.of("roles-0")
                />
                <button type="submit">{if is_new { "Créer le compte" } else { "Enregistrer les rôles" }}</button>
                " "
                <a href=back>"Retour à la liste"</a>
            </form>
            {reset_action.map(|action| view! {
                <h2>"Double authentification"</h2>
                <p>"Ce compte est protégé par une application d'authentification. Si l'agent a perdu son téléphone et ses codes de secours, réinitialisez-la : il se connectera avec son seul mot de passe et pourra en enregistrer une nouvelle. Il en est prévenu par courriel."</p>
                <form method="post" action=action novalidate=true>
                    <CsrfField token=reset_csrf />
                    <button type="submit" class="secondary">"Réinitialiser la double authentification"</button>
                </form>
            })}
            {account_actions.map(|actions| view! { <AccountActionsPanel actions csrf=actions_csrf /> })}
        </Document>
    }
}

/// The password link and the deactivation of a colleague's account.
#[component]
fn AccountActionsPanel(actions: AccountActions, csrf: String) -> impl IntoView {
    let switch_csrf = csrf.clone();
    let (link_text, link_button) = if actions.awaiting_activation {
        (
            "Ce compte attend son activation : l'agent n'a pas encore choisi son mot de passe. Si le lien reçu a expiré ou s'est perdu, envoyez-en un nouveau (le précédent cessera de fonctionner).",
            "Renvoyer le lien d'activation",
        )
    } else {
        (
            "Si l'agent a oublié son mot de passe, envoyez-lui un lien pour en choisir un nouveau, valable 24 heures. Vous ne voyez jamais son mot de passe ; ses sessions ouvertes seront fermées quand il l'aura changé.",
            "Envoyer un lien pour choisir un nouveau mot de passe",
        )
    };
    let active = actions.active;
    view! {
        <h2>"Compte"</h2>
        {active.then(|| view! {
            <p>{link_text}</p>
            <form method="post" action=actions.link_action novalidate=true>
                <CsrfField token=csrf />
                <button type="submit" class="secondary">{link_button}</button>
            </form>
        })}
        {actions.switch_action.map(|action| if active {
            view! {
                <p>"Un agent qui quitte le service ou s'absente longtemps : désactivez son compte. Ses sessions sont fermées à l'instant, il ne peut plus se connecter (ProConnect compris), et il en est prévenu par courriel. Ses dossiers et le journal restent."</p>
                <form method="post" action=action novalidate=true>
                    <CsrfField token=switch_csrf />
                    <button type="submit" class="secondary">"Désactiver le compte"</button>
                </form>
            }.into_any()
        } else {
            view! {
                <p>"Ce compte est désactivé : l'agent ne peut pas se connecter."</p>
                <form method="post" action=action novalidate=true>
                    <CsrfField token=switch_csrf />
                    <button type="submit" class="secondary">"Réactiver le compte"</button>
                </form>
            }.into_any()
        })}
    }
}

/// After an account is created: its owner was mailed a link to choose their password.
#[component]
pub fn StaffCreatedPage(ctx: PageContext, email: String, link_lifetime: String) -> impl IntoView {
    let back = ctx.href("/agents/admin/comptes");
    view! {
        <Document ctx title="Compte créé".into()>
            <h1>"Compte créé"</h1>
            <div class="alert success" role="status">
                <p>{format!("Le compte de {email} est créé.")}</p>
            </div>
            <p>{format!("Un courriel vient de lui être envoyé avec un lien pour activer son compte en choisissant son mot de passe, valable {link_lifetime}. Personne d'autre ne connaîtra ce mot de passe. Si le lien se perd, renvoyez-le depuis la page de son compte.")}</p>
            <p><a href=back>"Retour à la liste des agents"</a></p>
        </Document>
    }
}

#[derive(Clone, Debug)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub role: String,
    pub module: String,
    pub action: String,
    pub subject: String,
    pub reason: String,
}

/// The journal's select filters.
#[derive(Clone, Debug)]
pub struct JournalFilters {
    pub agents: Vec<FilterOption>,
    pub modules: Vec<FilterOption>,
    pub periods: Vec<FilterOption>,
}

/// Where the reader is in the journal, and the ways to move.
#[derive(Clone, Debug)]
pub struct JournalView {
    /// Entries the filters select.
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    pub previous_href: Option<String>,
    pub next_href: Option<String>,
    pub search: String,
    pub action: String,
    pub reset_href: String,
}

/// The department's audit journal, filtered and a page at a time.
#[component]
pub fn AuditJournalPage(
    ctx: PageContext,
    entries: Vec<AuditRow>,
    filters: JournalFilters,
    view: JournalView,
) -> impl IntoView {
    let JournalView {
        total,
        page,
        pages,
        previous_href,
        next_href,
        search,
        action,
        reset_href,
    } = view;
    let rows = entries
        .into_iter()
        .map(|e| {
            Row::text([
                e.at,
                format!("{} ({})", e.actor, e.role),
                e.module,
                e.action,
                e.subject,
                e.reason,
                e.seq.to_string(),
            ])
        })
        .collect();
    view! {
        <Document ctx title="Journal d'audit".into()>
            <h1>"Journal d'audit"</h1>
            <p>"Chaque opération des agents et de l'opérateur, de la plus récente à la plus ancienne, à l'heure de Paris. Le journal est chaîné : une entrée modifiée ou retirée se voit à la vérification."</p>
            <FilterBar action reset_href>
                <FilterSelect name="agent" label="Agent" options=filters.agents />
                <FilterSelect name="module" label="Module" options=filters.modules />
                <FilterSelect name="periode" label="Période" options=filters.periods />
                <SearchField name="recherche" label="Mots" value=search hint="Dans l'action, l'objet, le motif ou l'adresse de l'agent." />
            </FilterBar>
            <Table
                caption=format!("{total} opération(s)")
                headers=vec!["Date", "Agent", "Module", "Action", "Objet", "Motif", "N°"]
                rows
                empty="Aucune opération ne correspond à ces filtres."
                class="dense"
            />
            <Pagination page pages previous_href next_href />
        </Document>
    }
}

/// The department's staff identity policy: its SIRETs (which ProConnect agents may link to
/// their account), the minimum ProConnect assurance, the roles that need a second factor.
#[component]
pub fn IdentityPolicyPage(
    ctx: PageContext,
    sirets: String,
    /// The minimum assurances, the first being « none ».
    minimums: Vec<Choice>,
    /// Roles that always need a second factor (labels).
    always: Vec<String>,
    /// Roles the department can add.
    roles: Vec<Choice>,
    errors: FieldErrors,
    notice: Option<String>,
    proconnect: bool,
) -> impl IntoView {
    let action = ctx.href("/agents/admin/identite");
    let csrf = ctx.csrf.clone();
    view! {
        <Document ctx title="Connexion des agents".into()>
            <h1>"Connexion des agents"</h1>
            <SuccessNotice text=notice />
            <ErrorSummary errors=errors.clone() />
            {(!proconnect).then(|| view! { <p class="alert">"ProConnect n'est pas configuré sur cette plateforme : ces réglages s'appliqueront dès que l'opérateur l'aura activé."</p> })}
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <h2>"ProConnect"</h2>
                <TextArea
                    name="sirets"
                    label="SIRET de votre département"
                    hint="Un par ligne. Un agent qui se connecte avec ProConnect n'accède à son compte que si son SIRET est l'un de ceux-ci, et si vous avez créé son compte avec son adresse professionnelle."
                    rows=3
                    maxlength=2000
                    value=sirets
                    error=errors.of("sirets")
                />
                <Choices
                    name="minimum"
                    legend="Niveau de connexion exigé de ProConnect"
                    options=minimums
                    error=errors.of("minimum-0")
                />
                <h2>"Double authentification"</h2>
                <p>"Toujours exigée pour : " {always.join(", ")} "."</p>
                <Choices
                    name="roles"
                    legend="L'exiger aussi pour"
                    multiple=true
                    options=roles
                    error=errors.of("roles-0")
                />
                <button type="submit">"Enregistrer"</button>
            </form>
        </Document>
    }
}

/// The look form's values.
#[derive(Clone, Debug)]
pub struct BrandForm {
    /// `#1f5f8b`, as typed.
    pub colour: String,
    pub colour_action: String,
    pub logo_action: String,
    /// The current logo, if any.
    pub logo_src: Option<String>,
}

/// The department's look: its colour (checked against white text) and its logo.
#[component]
pub fn BrandPage(
    ctx: PageContext,
    form: BrandForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let logo_csrf = ctx.csrf.clone();
    let has_logo = form.logo_src.is_some();
    view! {
        <Document ctx title="Apparence du département".into()>
            <h1>"Apparence du département"</h1>
            <SuccessNotice text=notice />
            <ErrorSummary errors=errors.clone() />
            <p>"Le logo et la couleur du département paraissent sur chaque page de Guichet et sur chaque courrier. L'identité de l'État (Marianne, bleu France) est réservée aux services de l'État : choisissez celle du département."</p>
            <h2>"Couleur principale"</h2>
            <form method="post" action=form.colour_action novalidate=true>
                <CsrfField token=csrf />
                <TextField
                    name="colour"
                    label="Couleur, en hexadécimal"
                    hint="Par exemple #1f5f8b. Le texte blanc des boutons et du bandeau doit y rester lisible : contraste de 4,5 pour 1 au moins."
                    value=form.colour
                    width=FieldWidth::Chars10
                    maxlength=7
                    error=errors.of("colour")
                />
                <button type="submit">"Enregistrer la couleur"</button>
            </form>
            <h2>"Logo"</h2>
            {form.logo_src.map(|src| view! {
                <p>"Logo actuel :"</p>
                <p><img class="logo-preview" src=src alt="Logo actuel du département" /></p>
            })}
            <form method="post" action=form.logo_action enctype="multipart/form-data" novalidate=true>
                <CsrfField token=logo_csrf />
                <FileField
                    name="logo"
                    label="Fichier du logo"
                    hint="Une image PNG, 1 Mo au plus. Elle est réduite pour tenir dans 480 × 96 pixels."
                    accept="image/png"
                    error=errors.of("logo")
                />
                <button type="submit">"Enregistrer le logo"</button>
                {has_logo.then(|| view! {
                    " "
                    <button type="submit" name="retirer" value="oui" class="secondary">"Retirer le logo"</button>
                })}
            </form>
        </Document>
    }
}
