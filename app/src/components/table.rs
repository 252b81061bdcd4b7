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

/// A column the table can be sorted by: its header becomes a link to the list sorted on it.
pub struct SortLink {
    pub column: usize,
    pub href: String,
    /// The list is sorted on this column now: `ascending` or `descending` (`aria-sort`).
    pub current: Option<&'static str>,
}

/// A table with its caption and column headers; `empty` is said instead when there is no row.
#[component]
pub fn Table(
    #[prop(into)] caption: String,
    headers: Vec<&'static str>,
    rows: Vec<Row>,
    #[prop(into)] empty: String,
    /// `dense`: tighter rows, for lists read at volume (the instructors' queue).
    #[prop(optional)]
    class: Option<&'static str>,
    /// Columns whose header sorts the list.
    #[prop(optional)]
    sort: Vec<SortLink>,
) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    let mut sort = sort;
    let head = headers
        .iter()
        .enumerate()
        .map(|(i, h)| match sort.iter().position(|s| s.column == i) {
            Some(at) => {
                let link = sort.swap_remove(at);
                view! {
                    <th scope="col" aria-sort=link.current>
                        <a href=link.href>{*h}<span class="visually-hidden">" (trier sur cette colonne)"</span></a>
                    </th>
                }
                .into_any()
            }
            None => view! { <th scope="col">{*h}</th> }.into_any(),
        })
        .collect_view();
    let body = rows
        .into_iter()
        .map(|row| {
            let cells = row
                .cells
                .into_iter()
                .zip(headers.iter().copied())
                // One box per cell, so that stacked on a phone it sits beside its label.
                .map(|(cell, label)| view! { <td data-label=label><span class="cell">{cell}</span></td> })
                .collect_view();
            view! { <tr class=row.class>{cells}</tr> }
        })
        .collect_view();
    view! {
        <table class=format!("stacked {}", class.unwrap_or_default())>
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

/// A table of figures: a header for each row (a month, a category) and for each column, so a
/// screen reader names both for every figure; stacked on a phone like [`Table`].
#[component]
pub fn FigureTable(
    #[prop(into)] caption: String,
    /// The first column's header (what the rows are), then the figures' columns.
    headers: Vec<String>,
    /// Each row's header and its figures, in column order.
    rows: Vec<(String, Vec<String>)>,
) -> impl IntoView {
    let labels = headers.clone();
    let head = headers
        .into_iter()
        .map(|h| view! { <th scope="col">{h}</th> })
        .collect_view();
    let body = rows
        .into_iter()
        .map(|(header, cells)| {
            let cells = cells
                .into_iter()
                .zip(labels.iter().skip(1).cloned())
                .map(|(cell, label)| view! { <td data-label=label><span class="cell">{cell}</span></td> })
                .collect_view();
            view! { <tr><th scope="row">{header}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <table class="stacked figures">
            <caption>{caption}</caption>
            <thead><tr>{head}</tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
}
