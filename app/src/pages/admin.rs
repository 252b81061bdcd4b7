//! The department administrator's pages: staff accounts and the audit journal.

use leptos::prelude::*;

use crate::components::SuccessNotice;
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};

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

#[derive(Clone, Debug)]
pub struct RoleChoice {
    pub id: String,
    pub label: String,
    pub checked: bool,
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
            <table>
                <caption>{format!("{count} compte(s)")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Nom"</th>
                        <th scope="col">"Adresse électronique"</th>
                        <th scope="col">"Rôles"</th>
                        <th scope="col">"État"</th>
                    </tr>
                </thead>
                <tbody>
                    {staff.into_iter().map(|s| view! {
                        <tr>
                            <td><a href=s.href>{s.display_name}</a></td>
                            <td>{s.email}</td>
                            <td>{if s.roles.is_empty() { "aucun".to_owned() } else { s.roles.join(", ") }}</td>
                            <td>{s.state}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
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
    roles: Vec<RoleChoice>,
    errors: Vec<String>,
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
            <ErrorSummary errors />
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                {is_new.then(|| view! {
                    <div class="field">
                        <label for="display_name">"Nom et prénom"</label>
                        <input id="display_name" name="display_name" type="text" autocomplete="off" required=true value=display_name.clone() />
                    </div>
                    <div class="field">
                        <label for="email">"Adresse électronique professionnelle"</label>
                        <input id="email" name="email" type="email" autocomplete="off" required=true value=email.clone() />
                    </div>
                })}
                <fieldset>
                    <legend>"Rôles"</legend>
                    {roles.into_iter().map(|r| {
                        let id = format!("role-{}", r.id);
                        view! {
                            <div class="checkbox">
                                <input type="checkbox" id=id.clone() name="roles" value=r.id checked=r.checked />
                                <label for=id>{r.label}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <button type="submit">{if is_new { "Créer le compte" } else { "Enregistrer les rôles" }}</button>
                " "
                <a href=back>"Retour à la liste"</a>
            </form>
            {reset_action.map(|action| view! {
                <h2>"Double authentification"</h2>
                <p>"Ce compte est protégé par une application d'authentification. Si l'agent a perdu son téléphone et ses codes de secours, réinitialisez-la : il se connectera avec son seul mot de passe et pourra en enregistrer une nouvelle. Il en est prévenu par courriel."</p>
                <form method="post" action=action>
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
            <form method="post" action=actions.link_action>
                <CsrfField token=csrf />
                <button type="submit" class="secondary">{link_button}</button>
            </form>
        })}
        {actions.switch_action.map(|action| if active {
            view! {
                <p>"Un agent qui quitte le service ou s'absente longtemps : désactivez son compte. Ses sessions sont fermées à l'instant, il ne peut plus se connecter (ProConnect compris), et il en est prévenu par courriel. Ses dossiers et le journal restent."</p>
                <form method="post" action=action>
                    <CsrfField token=switch_csrf />
                    <button type="submit" class="secondary">"Désactiver le compte"</button>
                </form>
            }.into_any()
        } else {
            view! {
                <p>"Ce compte est désactivé : l'agent ne peut pas se connecter."</p>
                <form method="post" action=action>
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
    pub action: String,
    pub subject: String,
    pub reason: String,
}

#[component]
pub fn AuditJournalPage(ctx: PageContext, entries: Vec<AuditRow>) -> impl IntoView {
    view! {
        <Document ctx title="Journal d'audit".into()>
            <h1>"Journal d'audit"</h1>
            <p>"Les 200 dernières opérations des agents, de la plus récente à la plus ancienne."</p>
            <table>
                <caption>"Opérations enregistrées"</caption>
                <thead>
                    <tr>
                        <th scope="col">"N°"</th>
                        <th scope="col">"Date"</th>
                        <th scope="col">"Agent"</th>
                        <th scope="col">"Rôle"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Objet"</th>
                        <th scope="col">"Motif"</th>
                    </tr>
                </thead>
                <tbody>
                    {entries.into_iter().map(|e| view! {
                        <tr>
                            <td>{e.seq}</td>
                            <td>{e.at}</td>
                            <td>{e.actor}</td>
                            <td>{e.role}</td>
                            <td>{e.action}</td>
                            <td>{e.subject}</td>
                            <td>{e.reason}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </Document>
    }
}

/// A choice of a radio group or a checkbox group: its value, label and whether it is chosen.
#[derive(Clone, Debug)]
pub struct Choice {
    pub id: String,
    pub label: String,
    pub checked: bool,
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
    errors: Vec<String>,
    notice: Option<String>,
    proconnect: bool,
) -> impl IntoView {
    let action = ctx.href("/agents/admin/identite");
    let csrf = ctx.csrf.clone();
    view! {
        <Document ctx title="Connexion des agents".into()>
            <h1>"Connexion des agents"</h1>
            <SuccessNotice text=notice />
            <ErrorSummary errors />
            {(!proconnect).then(|| view! { <p class="alert">"ProConnect n'est pas configuré sur cette plateforme : ces réglages s'appliqueront dès que l'opérateur l'aura activé."</p> })}
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <h2>"ProConnect"</h2>
                <div class="field">
                    <label for="sirets">"SIRET de votre département"</label>
                    <p class="hint" id="sirets-hint">"Un par ligne. Un agent qui se connecte avec ProConnect n'accède à son compte que si son SIRET est l'un de ceux-ci, et si vous avez créé son compte avec son adresse professionnelle."</p>
                    <textarea id="sirets" name="sirets" rows="3" aria-describedby="sirets-hint">{sirets}</textarea>
                </div>
                <fieldset>
                    <legend>"Niveau de connexion exigé de ProConnect"</legend>
                    {minimums.into_iter().map(|m| {
                        let id = format!("minimum-{}", m.id);
                        view! {
                            <div class="checkbox">
                                <input type="radio" id=id.clone() name="minimum" value=m.id checked=m.checked />
                                <label for=id>{m.label}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <h2>"Double authentification"</h2>
                <p>"Toujours exigée pour : " {always.join(", ")} "."</p>
                <fieldset>
                    <legend>"L'exiger aussi pour"</legend>
                    {roles.into_iter().map(|r| {
                        let id = format!("role-{}", r.id);
                        view! {
                            <div class="checkbox">
                                <input type="checkbox" id=id.clone() name="roles" value=r.id checked=r.checked />
                                <label for=id>{r.label}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <button type="submit">"Enregistrer"</button>
            </form>
        </Document>
    }
}
