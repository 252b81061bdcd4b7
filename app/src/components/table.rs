//! Tables. On a phone each row becomes a block where every cell shows its column's name before
//! its value (`data-label`, read by the stylesheet), so nothing scrolls sideways (WCAG 1.4.10).

use leptos::prelude::*;

/// One row of a `Table`: its cells in column order, and a class to mark it (`overdue`).
pub struct Row {
    pub cells: Vec<AnyView>,
    pub class: Option<&'static str>,
}

impl Row {
    pub fn new(cells: Vec<AnyView>) -> Self {
        Row { cells, class: None }
    }

    /// A row of plain text cells.
    pub fn text(cells: impl IntoIterator<Item = String>) -> Self {
        Row::new(cells.into_iter().map(IntoAny::into_any).collect())
    }

    pub fn marked(mut self, class: &'static str) -> Self {
        self.class = Some(class);
        self
    }
}

/// A table with its caption and column headers; `empty` is said instead when there is no row.
#[component]
pub fn Table(
    #[prop(into)] caption: String,
    headers: Vec<&'static str>,
    rows: Vec<Row>,
    #[prop(into)] empty: String,
) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    let head = headers
        .iter()
        .map(|h| view! { <th scope="col">{*h}</th> })
        .collect_view();
    let body = rows
        .into_iter()
        .map(|row| {
            let cells = row
                .cells
                .into_iter()
                .zip(headers.iter().copied())
                .map(|(cell, label)| view! { <td data-label=label>{cell}</td> })
                .collect_view();
            view! { <tr class=row.class>{cells}</tr> }
        })
        .collect_view();
    view! {
        <table class="stacked">
            <caption>{caption}</caption>
            <thead><tr>{head}</tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
    .into_any()
}

/// A table of text cells only.
#[component]
pub fn DataTable(
    caption: &'static str,
    headers: &'static [&'static str],
    rows: Vec<Vec<String>>,
    empty: &'static str,
) -> impl IntoView {
    let rows = rows.into_iter().map(Row::text).collect();
    view! { <Table caption headers=headers.to_vec() rows empty /> }
}
