//! Moving through a long list a page at a time.

use leptos::prelude::*;

/// « Page précédente », where the reader is, « Page suivante »; nothing when all fits on one.
#[component]
pub fn Pagination(
    page: u64,
    pages: u64,
    #[prop(optional_no_strip)] previous_href: Option<String>,
    #[prop(optional_no_strip)] next_href: Option<String>,
) -> impl IntoView {
    (pages > 1).then(|| {
        view! {
            <nav aria-label="Pagination" class="pagination">
                <ul>
                    {previous_href.map(|href| view! { <li><a href=href rel="prev">"Page précédente"</a></li> })}
                    <li aria-current="page">{format!("Page {page} sur {pages}")}</li>
                    {next_href.map(|href| view! { <li><a href=href rel="next">"Page suivante"</a></li> })}
                </ul>
            </nav>
        }
    })
}
