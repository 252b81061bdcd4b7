use leptos::prelude::*;

use crate::layout::{Document, PageContext};

/// An error or status page: not found, forbidden, suspended, too many attempts, internal error.
#[component]
pub fn StatusPage(
    ctx: PageContext,
    title: String,
    message: String,
    #[prop(optional)] link: Option<(String, String)>,
) -> impl IntoView {
    view! {
        <Document ctx title=title.clone()>
            <div class="narrow">
                <h1>{title}</h1>
                <p>{message}</p>
                {link.map(|(href, label)| view! { <p><a href=href>{label}</a></p> })}
            </div>
        </Document>
    }
}
