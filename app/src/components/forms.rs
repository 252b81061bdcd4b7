//! Form parts: a text field with its hint, message, width and unit; radios and checkboxes with
//! the label beside the control and the question as the legend; the filter bar of lists; the
//! sign-in form. Errors are the server's, in French: forms carry `novalidate`, so the browser
//! never speaks its own language over them.

use leptos::prelude::*;

use crate::islands::PasswordField;
use crate::layout::CsrfField;

/// How wide a field is drawn, in characters of the answer expected: a postcode is not a
/// sentence, and a wide box for a short answer misleads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FieldWidth {
    /// As wide as the form (the default).
    #[default]
    Full,
    Chars5,
    Chars10,
    Chars20,
}

impl FieldWidth {
    fn class(self) -> Option<&'static str> {
        match self {
            FieldWidth::Full => None,
            FieldWidth::Chars5 => Some("width-5"),
            FieldWidth::Chars10 => Some("width-10"),
            FieldWidth::Chars20 => Some("width-20"),
        }
    }
}

/// A text input with its label and, when wrong, its message (linked for screen readers).
#[component]
pub fn TextField(
    /// Also its id: unique on the page.
    #[prop(into)]
    name: String,
    label: &'static str,
    value: String,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] width: FieldWidth,
    /// Shown after the box (« € », « personnes »), never wrapped below it.
    #[prop(optional)]
    unit: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] hint: Option<String>,
    /// The longest answer, in characters.
    #[prop(optional)]
    maxlength: Option<usize>,
    /// A field that may stay empty says so in its label.
    #[prop(optional)]
    optional: bool,
    error: Option<String>,
) -> impl IntoView {
    let (hint_id, error_id) = (format!("{name}-hint"), format!("{name}-error"));
    let described = described_by(&name, hint.is_some(), error.is_some());
    let invalid = error.is_some();
    let shown_label = shown_label(label, optional);
    let input = view! {
        <input
            id=name.clone()
            name=name.clone()
            type=kind.unwrap_or("text")
            class=width.class()
            inputmode=inputmode
            autocomplete=autocomplete
            value=value
            maxlength=maxlength
            aria-invalid=invalid.then_some("true")
            aria-describedby=described
        />
    };
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=name>{shown_label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {error.map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })}
            {match unit {
                Some(unit) => view! { <div class="input-with-unit">{input}<span class="unit">{unit}</span></div> }.into_any(),
                None => input.into_any(),
            }}
        </div>
    }
}

/// A choice in a list, with its label and, when wrong, its message.
#[component]
pub fn SelectField(
    name: &'static str,
    label: &'static str,
    options: Vec<FilterOption>,
    error: Option<String>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let invalid = error.is_some();
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=name>{label}</label>
            {error.map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })}
            <select id=name name=name aria-invalid=invalid.then_some("true")
                aria-describedby=invalid.then_some(error_id)>
                {options.into_iter().map(|o| view! { <option value=o.value selected=o.selected>{o.label}</option> }).collect_view()}
            </select>
        </div>
    }
}

/// A file to send, with the limits every upload states (`validation::DOCUMENT_LIMITS`, or
/// `hint`) and, when refused, why.
#[component]
pub fn FileField(
    name: &'static str,
    label: &'static str,
    /// What the file may be; the document limits when not given.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// `accept`: what the browser offers to choose; documents when not given.
    #[prop(optional)]
    accept: Option<&'static str>,
    #[prop(optional)] optional: bool,
    error: Option<String>,
) -> impl IntoView {
    let (hint_id, error_id) = (format!("{name}-hint"), format!("{name}-error"));
    let described = described_by(name, true, error.is_some());
    let invalid = error.is_some();
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=name>{shown_label(label, optional)}</label>
            <p class="hint" id=hint_id>{hint.unwrap_or(crate::validation::DOCUMENT_LIMITS)}</p>
            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
            <input id=name name=name type="file"
                accept=accept.unwrap_or(".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png")
                aria-invalid=invalid.then_some("true") aria-describedby=described />
        </div>
    }
}

/// What describes field `name`: its hint (`{name}-hint`) and its message (`{name}-error`).
fn described_by(name: &str, hint: bool, error: bool) -> Option<String> {
    match (hint, error) {
        (true, true) => Some(format!("{name}-hint {name}-error")),
        (true, false) => Some(format!("{name}-hint")),
        (false, true) => Some(format!("{name}-error")),
        (false, false) => None,
    }
}

/// A field that may stay empty says so in its label.
fn shown_label(label: &str, optional: bool) -> String {
    match optional {
        true => format!("{label} (facultatif)"),
        false => label.to_owned(),
    }
}

/// A text of several lines with its label, hint and message, like `TextField`.
#[component]
pub fn TextArea(
    name: &'static str,
    label: &'static str,
    value: String,
    #[prop(optional)] hint: Option<&'static str>,
    rows: u32,
    /// The longest answer, in characters.
    maxlength: usize,
    #[prop(optional)] optional: bool,
    error: Option<String>,
) -> impl IntoView {
    let (hint_id, error_id) = (format!("{name}-hint"), format!("{name}-error"));
    let described = described_by(name, hint.is_some(), error.is_some());
    let invalid = error.is_some();
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=name>{shown_label(label, optional)}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
            <textarea id=name name=name rows=rows maxlength=maxlength
                aria-invalid=invalid.then_some("true") aria-describedby=described>{value}</textarea>
        </div>
    }
}

/// One option of `Choices`.
#[derive(Clone, Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// A question answered by radios (one answer) or checkboxes (several): the question is the
/// legend, each control sits before its label, and a message links to the first control
/// (`{name}-0`).
#[component]
pub fn Choices(
    #[prop(into)] name: String,
    #[prop(into)] legend: String,
    options: Vec<Choice>,
    /// Checkboxes when true, radios otherwise.
    #[prop(optional)]
    multiple: bool,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional_no_strip)] error: Option<String>,
) -> impl IntoView {
    let hint_id = format!("{name}-hint");
    let error_id = format!("{name}-error");
    let described = [
        hint.map(|_| hint_id.clone()),
        error.as_ref().map(|_| error_id.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let kind = if multiple { "checkbox" } else { "radio" };
    let invalid = error.is_some();
    view! {
        <fieldset class="choices" class:field-invalid=invalid aria-describedby=(!described.is_empty()).then_some(described)>
            <legend>{legend}</legend>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {error.map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })}
            {options.into_iter().enumerate().map(|(i, option)| {
                let id = format!("{name}-{i}");
                view! {
                    <div class="choice">
                        <input type=kind id=id.clone() name=name.clone() value=option.value checked=option.checked />
                        <label for=id>{option.label}</label>
                    </div>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// An option of a filter's list.
#[derive(Clone, Debug)]
pub struct FilterOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The filters above a list, in one row where the screen allows: plain GET, so every filtered
/// view is a link to keep or share, and works without JavaScript.
#[component]
pub fn FilterBar(
    action: String,
    /// Where the list without any filter is.
    reset_href: String,
    children: Children,
) -> impl IntoView {
    view! {
        <form method="get" action=action class="filter-bar" role="search" aria-label="Filtrer la liste" novalidate=true>
            <div class="filter-fields">{children()}</div>
            <div class="filter-actions">
                <button type="submit">"Filtrer"</button>
                <a href=reset_href>"Effacer les filtres"</a>
            </div>
        </form>
    }
}

/// A list to filter on, inside a `FilterBar`.
#[component]
pub fn FilterSelect(
    name: &'static str,
    label: &'static str,
    options: Vec<FilterOption>,
) -> impl IntoView {
    let id = format!("filtre-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=name>
                {options.into_iter().map(|o| view! { <option value=o.value selected=o.selected>{o.label}</option> }).collect_view()}
            </select>
        </div>
    }
}

/// Free text to search for, inside a `FilterBar`.
#[component]
pub fn SearchField(
    name: &'static str,
    label: &'static str,
    value: String,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let id = format!("filtre-{name}");
    let hint_id = format!("{id}-hint");
    view! {
        <div class="field search">
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <input id=id type="search" name=name value=value maxlength=100
                aria-describedby=hint.map(|_| hint_id.clone()) />
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
