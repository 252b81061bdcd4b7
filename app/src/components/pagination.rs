//! Moving through a long list a page at a time.

/// How many rows a list's filter matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListTotal {
    Exact(u64),
    /// Counting stopped there: the figure would cost as much as the list is long.
    MoreThan(u64),
}

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

/// « Première page », « Page précédente », « Page suivante » for a list read from a row's
/// position rather than by page number: where a reader is in it cannot be told without
/// counting every row before, which would make each page cost as much as the whole list.
#[component]
pub fn PageLinks(
    #[prop(optional_no_strip)] first_href: Option<String>,
    #[prop(optional_no_strip)] previous_href: Option<String>,
    #[prop(optional_no_strip)] next_href: Option<String>,
) -> impl IntoView {
    (previous_href.is_some() || next_href.is_some()).then(|| {
        view! {
            <nav aria-label="Pagination" class="pagination">
                <ul>
                    {first_href.map(|href| view! { <li><a href=href>"Première page"</a></li> })}
                    {previous_href.map(|href| view! { <li><a href=href rel="prev">"Page précédente"</a></li> })}
                    {next_href.map(|href| view! { <li><a href=href rel="next">"Page suivante"</a></li> })}
                </ul>
            </nav>
        }
    })
}
