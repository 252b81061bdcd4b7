//! What pages share: a data table with its empty state, and notices. Pages of every module use
//! these rather than writing their own markup, so tables and notices read alike everywhere.

use leptos::prelude::*;

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
