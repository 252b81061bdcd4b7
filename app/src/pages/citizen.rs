//! Citizens' pages: sign-in and their own space.

use leptos::prelude::*;

use crate::components::{SignInForm, SuccessNotice, SummaryList, SummaryRow, TextField};
use crate::islands::PasswordField;
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

/// The FranceConnect button, after the state's published design: the button itself says who
/// signs the person in, and a link explains what FranceConnect is.
#[component]
pub fn FranceConnectButton(href: String) -> impl IntoView {
    view! {
        <div class="franceconnect">
            <a class="franceconnect-button" href=href>
                <span class="franceconnect-login">"S'identifier avec"</span>
                " "
                <span class="franceconnect-brand">"FranceConnect"</span>
            </a>
            <p>
                <a
                    href="https://franceconnect.gouv.fr/"
                    target="_blank"
                    rel="noopener"
                    title="Qu'est-ce que FranceConnect ? - nouvelle fenêtre"
                >
                    "Qu'est-ce que FranceConnect ?"
                </a>
            </p>
        </div>
    }
}

/// How a citizen signs in to the department.
#[component]
pub fn CitizenLoginPage(
    ctx: PageContext,
    error: Option<String>,
    notice: Option<String>,
    /// Why the page is shown, when the citizen was on their way to another.
    why: Option<String>,
    /// The page to come back to once signed in: (its path, the same as a query value).
    retour: Option<(String, String)>,
    franceconnect: bool,
    email: String,
) -> impl IntoView {
    let fc_href = match &retour {
        Some((_, encoded)) => ctx.href(&format!("/connexion/franceconnect?retour={encoded}")),
        None => ctx.href("/connexion/franceconnect"),
    };
    let retour = retour.map(|(path, _)| path);
    let action = ctx.href("/connexion");
    let sign_up = ctx.href("/inscription");
    let forgot = ctx.href("/mot-de-passe-oublie");
    let csrf = ctx.csrf.clone();
    let has_error = error.is_some();
    view! {
        <Document ctx title="Connexion".into()>
            <div class="narrow">
                <h1>"Accéder à mon espace"</h1>
                {error.map(|e| view! { <div class="alert error" role="alert" id="login-error"><p>{e}</p></div> })}
                <SuccessNotice text=notice />
                {why.map(|why| view! { <div class="alert info" role="status"><p>{why}</p></div> })}
                <p>"Votre espace vous permet de faire une demande d'aide, de la suivre et de recevoir les réponses du département."</p>
                {franceconnect.then(|| view! {
                    <h2>"Avec FranceConnect"</h2>
                    <p>"FranceConnect est la solution proposée par l'État pour sécuriser et simplifier la connexion aux services en ligne, avec un compte que vous avez déjà (impots.gouv.fr, ameli.fr, l'Identité Numérique La Poste…)."</p>
                    <FranceConnectButton href=fc_href />
                })}
                <h2>"Avec un compte Guichet"</h2>
                <SignInForm action csrf email_label="Adresse électronique" email refused=has_error retour />
                <p><a href=forgot>"Mot de passe oublié ?"</a></p>
                <p>"Pas encore de compte ? " <a href=sign_up>"Créer un compte"</a></p>
            </div>
        </Document>
    }
}

/// What the sign-up form had, to show it again with the errors.
#[derive(Clone, Debug, Default)]
pub struct SignUpValues {
    pub given_name: String,
    pub family_name: String,
    pub email: String,
}

/// Creating a local account.
#[component]
pub fn SignUpPage(ctx: PageContext, values: SignUpValues, errors: FieldErrors) -> impl IntoView {
    let action = ctx.href("/inscription");
    let csrf = ctx.csrf.clone();
    let password_error = errors.of("password");
    let again_error = errors.of("password_again");
    view! {
        <Document ctx title="Créer un compte".into()>
            <div class="narrow">
                <h1>"Créer un compte"</h1>
                <ErrorSummary errors=errors.clone() />
                <p>"Tous les champs sont obligatoires. Vous recevrez un lien pour confirmer votre adresse électronique."</p>
                <form method="post" action=action novalidate=true>
                    <CsrfField token=csrf />
                    <TextField name="given_name" label="Prénom" value=values.given_name autocomplete="given-name" error=errors.of("given_name") />
                    <TextField name="family_name" label="Nom" value=values.family_name autocomplete="family-name" error=errors.of("family_name") />
                    <TextField name="email" label="Adresse électronique" kind="email" value=values.email autocomplete="email" hint="Par exemple : prenom.nom@exemple.fr" error=errors.of("email") />
                    <p class="hint" id="password-hint">"Au moins 12 caractères. Une phrase de quelques mots est facile à retenir et sûre."</p>
                    {password_error.map(|e| view! { <p class="field-error" id="password-error">{e}</p> })}
                    <PasswordField name="password".into() label="Mot de passe".into() autocomplete="new-password".into() described_by="password-hint password-error".into() />
                    <p class="hint" id="password_again-hint">"Saisissez le même mot de passe, pour éviter une faute de frappe."</p>
                    {again_error.map(|e| view! { <p class="field-error" id="password_again-error">{e}</p> })}
                    <PasswordField name="password_again".into() label="Mot de passe, une seconde fois".into() autocomplete="new-password".into() described_by="password_again-hint password_again-error".into() />
                    <button type="submit">"Créer mon compte"</button>
                </form>
            </div>
        </Document>
    }
}

/// A short message page ("check your mail", "link expired"...).
#[component]
pub fn MessagePage(
    ctx: PageContext,
    title: String,
    paragraphs: Vec<String>,
    link: Option<(String, String)>,
) -> impl IntoView {
    view! {
        <Document ctx title=title.clone()>
            <div class="narrow">
                <h1>{title}</h1>
                {paragraphs.into_iter().map(|p| view! { <p>{p}</p> }).collect_view()}
                {link.map(|(href, label)| view! { <p><a href=href>{label}</a></p> })}
            </div>
        </Document>
    }
}

/// Confirming an address: a button, so that mail scanners opening the link confirm nothing.
#[component]
pub fn ConfirmEmailPage(ctx: PageContext, token: String) -> impl IntoView {
    let action = ctx.href("/inscription/confirmer");
    let csrf = ctx.csrf.clone();
    view! {
        <Document ctx title="Confirmer mon adresse".into()>
            <div class="narrow">
                <h1>"Confirmer mon adresse"</h1>
                <p>"Un dernier clic pour activer votre compte."</p>
                <form method="post" action=action novalidate=true>
                    <CsrfField token=csrf />
                    <input type="hidden" name="jeton" value=token />
                    <button type="submit">"Confirmer mon adresse et accéder à mon espace"</button>
                </form>
            </div>
        </Document>
    }
}

/// Asking for a password reset link.
#[component]
pub fn ForgotPasswordPage(ctx: PageContext, error: Option<String>, email: String) -> impl IntoView {
    let action = ctx.href("/mot-de-passe-oublie");
    let csrf = ctx.csrf.clone();
    view! {
        <Document ctx title="Mot de passe oublié".into()>
            <div class="narrow">
                <h1>"Mot de passe oublié"</h1>
                <p>"Indiquez l'adresse de votre compte : nous vous enverrons un lien pour choisir un nouveau mot de passe."</p>
                <form method="post" action=action novalidate=true>
                    <CsrfField token=csrf />
                    <TextField name="email" label="Adresse électronique" kind="email" value=email autocomplete="email" error=error />
                    <button type="submit">"Recevoir le lien"</button>
                </form>
            </div>
        </Document>
    }
}

/// One line of the citizen's identity.
#[derive(Clone, Debug)]
pub struct IdentityLine {
    pub label: String,
    pub value: String,
}

/// One of the citizen's requests, in their space.
#[derive(Clone, Debug)]
pub struct RequestSummary {
    pub href: String,
    pub title: String,
    pub reference: Option<String>,
    pub status: String,
    /// A draft: the day it goes if it is not filed by then (the department's retention), in
    /// words.
    pub kept_until: Option<String>,
}

/// The citizen's own space.
#[component]
pub fn CitizenSpacePage(
    ctx: PageContext,
    greeting_name: String,
    identity: Vec<IdentityLine>,
    via_franceconnect: bool,
    requests: Vec<RequestSummary>,
    /// What the department follows them for (their RSA follow-up…).
    follow_ups: Vec<FollowUpLink>,
    /// What the department's modules let them start here (a request to the MDPH…).
    services: Vec<crate::NavLink>,
    notice: Option<String>,
) -> impl IntoView {
    let catalogue = ctx.href("/aides");
    let my_data = ctx.href("/mon-espace/donnees");
    let journal = ctx.href("/mon-espace/journal");
    let messages = ctx.href("/mon-espace/messages");
    let appointments = ctx.href("/mon-espace/rendez-vous");
    let information = ctx.href("/mon-espace/mes-informations");
    let details = ctx.href("/mon-espace/coordonnees");
    let mandates = ctx.href("/mon-espace/mandats");
    let erasure = ctx.href("/mon-espace/effacement");
    view! {
        <Document ctx title="Mon espace".into()>
            <h1>{format!("Bonjour {greeting_name}")}</h1>
            <SuccessNotice text=notice />
            {(!follow_ups.is_empty()).then(|| view! {
                <h2>"Mon accompagnement"</h2>
                <ul class="cards">
                    {follow_ups.into_iter().map(|f| view! {
                        <li class="card">
                            <a href=f.href>{f.title}</a>
                            <p>{format!("Depuis le {}", f.since)}</p>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            <h2>"Mes demandes"</h2>
            {if requests.is_empty() {
                view! { <p>"Vous n'avez pas encore de demande."</p> }.into_any()
            } else {
                view! {
                    <ul class="cards">
                        {requests.into_iter().map(|r| view! {
                            <li class="card">
                                <a href=r.href>{r.title}</a>
                                <p>{match r.reference { Some(reference) => format!("Référence {reference} — {}", r.status), None => r.status }}</p>
                                {r.kept_until.map(|day| view! {
                                    <p>{format!("Gardé jusqu'au {day} : déposez-le avant, sinon il sera effacé.")}</p>
                                })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <p><a href=catalogue>"Faire une nouvelle demande"</a></p>
            {services.into_iter().map(|s| view! {
                <p><a href=s.href>{s.label}</a>{format!(" : {}", s.description)}</p>
            }).collect_view()}
            <p><a href=mandates>"Mes mandats"</a>" : ce que vous avez autorisé l'accueil du département à déposer en votre nom, et comment le révoquer."</p>
            <h2>"Mes rendez-vous"</h2>
            <p><a href=appointments>"Mes rendez-vous"</a>" : prendre, déplacer ou annuler un rendez-vous avec le département."</p>
            <h2>"Mes messages"</h2>
            <p><a href=messages>"Mes messages"</a>" : écrire au département et lire ses réponses."</p>
            <h2>"Mes données"</h2>
            <p><a href=my_data>"Mes données et mes accords"</a>" : ce que les administrations ont transmis avec votre accord, et chaque demande faite en votre nom."</p>
            <p><a href=information>"Toutes mes informations"</a>" : tout ce que le département conserve sur vous, à lire ou à télécharger."</p>
            <p><a href=journal>"Qui a consulté mon dossier"</a>" : chaque consultation ou modification de votre dossier par un agent du département."</p>
            <p><a href=details>"Mes coordonnées et mon foyer"</a>" : téléphone, adresse, comment vous joindre, les personnes qui vivent avec vous."</p>
            <p><a href=erasure>"Effacer mes données"</a>" : ce que le département peut effacer à votre demande, et ce qu'il doit garder."</p>
            <h2>"Mon identité"</h2>
            {via_franceconnect.then(|| view! {
                <p>"Ces informations viennent de FranceConnect : pour les corriger, adressez-vous à l'organisme qui vous a fourni votre compte."</p>
            })}
            <SummaryList rows=identity.into_iter().map(|line| SummaryRow::text(line.label, line.value)).collect() />
        </Document>
    }
}

/// A follow-up in the citizen's space: where to read it, since when.
#[derive(Clone, Debug)]
pub struct FollowUpLink {
    pub href: String,
    pub title: String,
    pub since: String,
}

/// After signing out.
#[component]
pub fn SignedOutPage(ctx: PageContext) -> impl IntoView {
    let login = ctx.href("/connexion");
    view! {
        <Document ctx title="Déconnexion".into()>
            <h1>"Vous êtes déconnecté"</h1>
            <p>"Vous avez bien quitté votre espace. Pensez à fermer votre navigateur si vous êtes sur un ordinateur partagé."</p>
            <p><a href=login>"Se reconnecter"</a></p>
        </Document>
    }
}
