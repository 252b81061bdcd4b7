//! What pages share: a data table with its empty state, notices, a text field with its
//! message, and the sign-in form. Pages of every module use
//! these rather than writing their own markup, so tables and notices read alike everywhere.

use leptos::prelude::*;

use crate::islands::PasswordField;
use crate::layout::CsrfField;

/// A table of text cells with its caption and column headers; `empty` is said instead when
/// there is no row.
#[component]
pub fn DataTable(
    caption: &'static str,
    headers: &'static [&'static str],
    rows: Vec<Vec<String>>,
    empty: &'static str,
) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p>{empty}</p> }.into_any();
    }
    view! {
        <table>
            <caption>{caption}</caption>
            <thead><tr>{headers.iter().map(|h| view! { <th scope="col">{*h}</th> }).collect_view()}</tr></thead>
            <tbody>
                {rows.into_iter().map(|cells| view! {
                    <tr>{cells.into_iter().map(|cell| view! { <td>{cell}</td> }).collect_view()}</tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// A notice that something was done, read out by screen readers when it appears.
#[component]
pub fn SuccessNotice(text: Option<String>) -> impl IntoView {
    text.map(|text| view! { <div class="alert success" role="status"><p>{text}</p></div> })
}

/// A text input with its label and, when wrong, its message (linked for screen readers).
#[component]
pub fn TextField(
    name: &'static str,
    label: &'static str,
    value: String,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    /// The longest answer, in characters.
    #[prop(optional)]
    maxlength: Option<usize>,
    /// A field that may stay empty says so in its label.
    #[prop(optional)]
    optional: bool,
    error: Option<String>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let described = match (hint.is_some(), error.is_some()) {
        (true, true) => Some(format!("{hint_id} {error_id}")),
        (true, false) => Some(hint_id.clone()),
        (false, true) => Some(error_id.clone()),
        (false, false) => None,
    };
    let invalid = error.is_some();
    view! {
        <div class="field">
            <label for=name>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {error.map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })}
            <input
                id=name
                name=name
                type=kind.unwrap_or("text")
                autocomplete=autocomplete
                value=value
                maxlength=maxlength
                required=!optional
                aria-invalid=invalid.then_some("true")
                aria-describedby=described
            />
        </div>
    }
}

/// The email-and-password sign-in form, staff's and citizens' alike; a refusal shown above it
/// (`id="login-error"`) is what the address field is described by.
#[component]
pub fn SignInForm(
    action: String,
    csrf: String,
    email_label: &'static str,
    email: String,
    refused: bool,
    /// The page to come back to once signed in, carried by the form (no session before it).
    #[prop(optional_no_strip)]
    retour: Option<String>,
) -> impl IntoView {
    view! {
        <form method="post" action=action novalidate=true>
            <CsrfField token=csrf />
            {retour.map(|path| view! { <input type="hidden" name="retour" value=path /> })}
            <div class="field">
                <label for="email">{email_label}</label>
                <input
                    id="email"
                    name="email"
                    type="email"
                    autocomplete="username"
                    required=true
                    value=email
                    aria-invalid=refused.then_some("true")
                    aria-describedby=refused.then_some("login-error")
                />
            </div>
            <PasswordField name="password".into() label="Mot de passe".into() />
            <button type="submit">"Se connecter"</button>
        </form>
    }
}
