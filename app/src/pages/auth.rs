use leptos::prelude::*;

use crate::components::{SignInForm, SuccessNotice};
use crate::islands::PasswordField;
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

/// The ProConnect button, after the federation's published design: the button says who signs
/// the agent in, and a link explains what ProConnect is.
#[component]
fn ProConnectButton(href: String) -> impl IntoView {
    view! {
        <div class="franceconnect">
            <a class="franceconnect-button" href=href>
                <span class="franceconnect-login">"S'identifier avec"</span>
                " "
                <span class="franceconnect-brand">"ProConnect"</span>
            </a>
            <p>
                <a
                    href="https://www.proconnect.gouv.fr/"
                    target="_blank"
                    rel="noopener"
                    title="Qu'est-ce que ProConnect ? - nouvelle fenêtre"
                >
                    "Qu'est-ce que ProConnect ?"
                </a>
            </p>
        </div>
    }
}

/// Choosing a password: a citizen's or a staff member's reset link, a new staff member's
/// activation link (`token` set), or a staff member changing theirs (`ask_current`).
#[component]
pub fn ChoosePasswordPage(
    ctx: PageContext,
    title: String,
    /// What this is for, and for whom, above the form.
    #[prop(optional)]
    intro: Option<String>,
    action: String,
    /// The link's token, sent back with the form.
    #[prop(optional)]
    token: Option<String>,
    /// Ask the current password too (a signed-in change).
    #[prop(optional)]
    ask_current: bool,
    errors: FieldErrors,
    /// After a change went through.
    #[prop(optional_no_strip)]
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let current_error = errors.of("current_password");
    let password_error = errors.of("password");
    let again_error = errors.of("password_again");
    view! {
        <Document ctx title=title.clone()>
            <div class="narrow">
                <h1>{title}</h1>
                <SuccessNotice text=notice />
                <ErrorSummary errors=errors.clone() />
                {intro.map(|text| view! { <p>{text}</p> })}
                <form method="post" action=action novalidate=true>
                    <CsrfField token=csrf />
                    {token.map(|token| view! { <input type="hidden" name="jeton" value=token /> })}
                    {ask_current.then(|| view! {
                        {current_error.map(|e| view! { <p class="field-error" id="current_password-error">{e}</p> })}
                        <PasswordField name="current_password".into() label="Mot de passe actuel".into() autocomplete="current-password".into() described_by="current_password-error".into() />
                    })}
                    <p class="hint" id="password-hint">"Au moins 12 caractères, et pas un mot de passe courant : une phrase de quelques mots est facile à retenir et sûre."</p>
                    {password_error.map(|e| view! { <p class="field-error" id="password-error">{e}</p> })}
                    <PasswordField name="password".into() label="Nouveau mot de passe".into() autocomplete="new-password".into() described_by="password-hint password-error".into() />
                    <p class="hint" id="password_again-hint">"Saisissez le même mot de passe, pour éviter une faute de frappe."</p>
                    {again_error.map(|e| view! { <p class="field-error" id="password_again-error">{e}</p> })}
                    <PasswordField name="password_again".into() label="Nouveau mot de passe, une seconde fois".into() autocomplete="new-password".into() described_by="password_again-hint password_again-error".into() />
                    <button type="submit">"Enregistrer le mot de passe"</button>
                </form>
            </div>
        </Document>
    }
}

/// Staff sign-in: ProConnect when the platform has it, and the department's own accounts.
#[component]
pub fn LoginPage(
    ctx: PageContext,
    error: Option<String>,
    /// After a password was chosen or changed.
    #[prop(optional_no_strip)]
    notice: Option<String>,
    email: String,
    /// Where ProConnect sign-in starts, when configured.
    proconnect_href: Option<String>,
) -> impl IntoView {
    let action = ctx.href("/agents/connexion");
    let csrf = ctx.csrf.clone();
    let has_error = error.is_some();
    view! {
        <Document ctx title="Connexion des agents".into()>
            <div class="narrow">
                <h1>"Connexion des agents"</h1>
                {error.map(|e| view! { <div class="alert error" role="alert" id="login-error"><p>{e}</p></div> })}
                <SuccessNotice text=notice />
                {proconnect_href.map(|href| view! {
                    <h2>"Avec votre compte d'agent public"</h2>
                    <ProConnectButton href />
                    <h2>"Avec votre compte Guichet"</h2>
                })}
                <SignInForm action csrf email_label="Adresse électronique professionnelle" email refused=has_error />
            </div>
        </Document>
    }
}

/// The field for a code of an authenticator app, with its hint and, when wrong, its message.
#[component]
fn CodeField(label: &'static str, hint: &'static str, error: Option<String>) -> impl IntoView {
    let described = if error.is_some() {
        "code-hint code-error"
    } else {
        "code-hint"
    };
    let invalid = error.is_some().then_some("true");
    view! {
        <div class="field">
            <label for="code">{label}</label>
            <p class="hint" id="code-hint">{hint}</p>
            {error.map(|e| view! { <p class="field-error" id="code-error">{e}</p> })}
            <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required=true aria-invalid=invalid aria-describedby=described />
        </div>
    }
}

/// The second step of a staff sign-in: the code of the authenticator app, or a recovery code.
#[component]
pub fn SecondFactorPage(ctx: PageContext, error: Option<String>) -> impl IntoView {
    let action = ctx.href("/agents/connexion/code");
    let csrf = ctx.csrf.clone();
    view! {
        <Document ctx title="Code de connexion".into()>
            <div class="narrow">
                <h1>"Code de connexion"</h1>
                <p>"Votre compte est protégé par un second facteur."</p>
                <form method="post" action=action novalidate=true>
                    <CsrfField token=csrf />
                    <CodeField
                        label="Code à 6 chiffres de votre application"
                        hint="Ou l'un de vos codes de secours, par exemple abcde-23456 : chacun ne sert qu'une fois."
                        error
                    />
                    <button type="submit">"Valider"</button>
                </form>
            </div>
        </Document>
    }
}

/// Enrolling an authenticator app: its QR code (drawn on the server), the same secret as text,
/// and the code it makes to confirm.
#[component]
pub fn EnrolSecondFactorPage(
    ctx: PageContext,
    qr_svg: String,
    secret_text: String,
    enrolled: bool,
    /// The staff member's roles need a second factor and they have none yet: nothing else
    /// opens until they enrol.
    required: bool,
    /// Their roles let them remove it.
    removable: bool,
    error: Option<String>,
    notice: Option<String>,
) -> impl IntoView {
    let action = ctx.href("/agents/securite/double-facteur");
    let renew = ctx.href("/agents/securite/double-facteur/codes-de-secours");
    let remove = ctx.href("/agents/securite/double-facteur/supprimer");
    let csrf = ctx.csrf.clone();
    view! {
        <Document ctx title="Double authentification".into()>
            <div class="narrow">
                <h1>"Double authentification"</h1>
                <SuccessNotice text=notice />
                {required.then(|| view! { <div class="alert" role="status"><p>"Votre rôle donne accès à des dossiers sensibles : votre département demande une double authentification. Enregistrez une application d'authentification pour continuer (ou connectez-vous avec ProConnect et une double authentification)."</p></div> })}
                {enrolled.then(|| view! { <p class="alert">"Une application est déjà enregistrée pour votre compte : en enregistrer une autre remplace la première et vos codes de secours."</p> })}
                <ol>
                    <li>"Ouvrez une application d'authentification sur votre téléphone (par exemple FreeOTP, Aegis ou celle de votre organisme)."</li>
                    <li>"Ajoutez un compte en lisant ce code QR, ou en saisissant la clé ci-dessous."</li>
                    <li>"Saisissez le code à 6 chiffres que l'application affiche."</li>
                </ol>
                <div class="qr" role="img" aria-label="Code QR de la clé (la même clé est écrite dessous)" inner_html=qr_svg></div>
                <p>"Clé à saisir : " <code id="secret">{secret_text}</code></p>
                <form method="post" action=action novalidate=true>
                    <CsrfField token=csrf.clone() />
                    <CodeField label="Code à 6 chiffres" hint="Le code change toutes les 30 secondes." error />
                    <button type="submit">"Enregistrer l'application"</button>
                </form>
                {enrolled.then(|| view! {
                    <h2>"Codes de secours"</h2>
                    <p>"Vous avez perdu vos codes de secours ou en avez utilisé plusieurs : créez-en de nouveaux. Les anciens ne serviront plus."</p>
                    <form method="post" action=renew novalidate=true>
                        <CsrfField token=csrf.clone() />
                        <button type="submit" class="secondary">"Créer de nouveaux codes de secours"</button>
                    </form>
                    <h2>"Supprimer la double authentification"</h2>
                    {if removable {
                        view! {
                            <p>"Seul votre mot de passe vous sera alors demandé à la connexion."</p>
                            <form method="post" action=remove.clone() novalidate=true>
                                <CsrfField token=csrf.clone() />
                                <button type="submit" class="secondary">"Supprimer l'application et les codes de secours"</button>
                            </form>
                        }.into_any()
                    } else {
                        view! { <p>"Votre rôle exige la double authentification : elle ne peut pas être supprimée. Pour changer de téléphone, enregistrez la nouvelle application ci-dessus ; elle remplacera l'ancienne."</p> }.into_any()
                    }}
                })}
            </div>
        </Document>
    }
}

/// The recovery codes, shown once right after an enrolment.
#[component]
pub fn RecoveryCodesPage(
    ctx: PageContext,
    codes: Vec<String>,
    /// New codes for an app already enrolled, rather than a new app's.
    renewed: bool,
) -> impl IntoView {
    let done = if renewed {
        "Vos nouveaux codes de secours sont prêts : les anciens ne servent plus."
    } else {
        "Votre application est enregistrée : elle vous sera demandée à chaque connexion."
    };
    let home = ctx.href("/agents/");
    view! {
        <Document ctx title="Vos codes de secours".into()>
            <div class="narrow">
                <h1>"Vos codes de secours"</h1>
                <div class="alert success" role="status"><p>{done}</p></div>
                <p>"Si vous perdez votre téléphone, chacun de ces codes remplace une fois le code de l'application. Notez-les ou imprimez-les maintenant et gardez-les en lieu sûr : ils ne seront plus affichés."</p>
                <ul class="recovery-codes">
                    {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                </ul>
                <p><a href=home>"Continuer vers l'accueil"</a></p>
            </div>
        </Document>
    }
}
