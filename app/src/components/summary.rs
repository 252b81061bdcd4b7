//! Summary lists: what is known, label beside value (above it on a phone), with a link to
//! change a line where it can be changed (« check your answers »).

use leptos::prelude::*;

pub struct SummaryRow {
    pub label: String,
    pub value: AnyView,
    /// Where to change this line; the link names the line for screen readers.
    pub change: Option<String>,
}

impl SummaryRow {
    pub fn text(label: impl Into<String>, value: impl Into<String>) -> Self {
        SummaryRow {
            label: label.into(),
            value: value.into().into_any(),
            change: None,
        }
    }

    /// Rows of plain text, from (label, value) pairs.
    pub fn pairs(lines: impl IntoIterator<Item = (String, String)>) -> Vec<Self> {
        lines
            .into_iter()
            .map(|(label, value)| SummaryRow::text(label, value))
            .collect()
    }

    pub fn changed_at(mut self, href: String) -> Self {
        self.change = Some(href);
        self
    }
}

#[component]
pub fn SummaryList(rows: Vec<SummaryRow>) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|row| {
            let change = row.change.map(|href| {
                let label = row.label.clone();
                view! {
                    <dd class="summary-change">
                        <a href=href>"Modifier"<span class="visually-hidden">{format!(" : {label}")}</span></a>
                    </dd>
                }
            });
            view! {
                <div class="summary-row">
                    <dt>{row.label}</dt>
                    <dd>{row.value}</dd>
                    {change}
                </div>
            }
        })
        .collect_view();
    view! { <dl class="summary-list">{rows}</dl> }
}
