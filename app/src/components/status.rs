//! Badges (a request's state, at a glance) and notices (what just happened, what to know).

use leptos::prelude::*;

/// What a badge or a notice says about its subject; each has its colour, all of them at least
/// 4.5:1 against their background.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Neutral,
    Info,
    Success,
    Warning,
    Error,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Neutral => "badge",
            Tone::Info => "badge badge-info",
            Tone::Success => "badge badge-success",
            Tone::Warning => "badge badge-warning",
            Tone::Error => "badge badge-error",
        }
    }
}

/// A short label in a coloured box: never the only way a state is told (its text says it).
#[component]
pub fn Badge(#[prop(into)] text: String, tone: Tone) -> impl IntoView {
    view! { <strong class=tone.class()>{text}</strong> }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    /// Something was done: read out politely when the page shows.
    Success,
    /// Something to know before going on.
    Info,
    /// Something went wrong that is not a form's mistake (those go in the error summary).
    Error,
}

/// A block above the content with an optional heading.
#[component]
pub fn Notice(
    kind: NoticeKind,
    #[prop(optional_no_strip)] title: Option<String>,
    children: Children,
) -> impl IntoView {
    let (class, role) = match kind {
        NoticeKind::Success => ("alert success", "status"),
        NoticeKind::Info => ("alert info", "note"),
        NoticeKind::Error => ("alert error", "alert"),
    };
    view! {
        <div class=class role=role>
            {title.map(|t| view! { <h2>{t}</h2> })}
            {children()}
        </div>
    }
}

/// A notice that something was done, when there is one.
#[component]
pub fn SuccessNotice(text: Option<String>) -> impl IntoView {
    text.map(|text| view! { <Notice kind=NoticeKind::Success><p>{text}</p></Notice> })
}
