//! National data under consent: the citizen's "my data" page (consents, facts with their
//! provenance, the journal of calls), and the panel of a request's pulls shown to staff and to
//! the citizen.

use leptos::prelude::*;

use crate::components::{DataTable, Row, SuccessNotice, SummaryList, SummaryRow, Table};
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};

/// A consent, as the citizen reads it.
#[derive(Clone, Debug)]
pub struct ConsentRow {
    pub source: String,
    pub aid: String,
    /// "le 25/11/2026, donné en ligne"
    pub given: String,
    /// "en cours jusqu'au …", "retiré le …"
    pub state: String,
    /// Where to withdraw it, while it is live.
    pub withdraw_action: Option<String>,
}

/// One pull and what it brought.
#[derive(Clone, Debug)]
pub struct PullRow {
    pub source: String,
    /// "reçu", "en cours", "échec"…
    pub state: String,
    /// "le 25/11/2026 à 14:03, au dépôt de votre demande"
    pub asked: String,
    /// Why it ended as it did.
    pub outcome: String,
    /// (what, value) lines of the received fact.
    pub lines: Vec<(String, String)>,
    pub provenance: Option<String>,
    /// Staff only: where to ask again.
    pub retry_action: Option<String>,
}

/// A call to the national API, for the citizen's journal.
#[derive(Clone, Debug)]
pub struct CallRow {
    pub date: String,
    pub source: String,
    pub why: String,
    pub outcome: String,
}

/// The pulls of a request, with the facts received and where they came from.
#[component]
pub fn PullsPanel(
    pulls: Vec<PullRow>,
    csrf: String,
    /// Staff only: ask every consented source again.
    refresh_action: Option<String>,
) -> impl IntoView {
    view! {
        <section aria-labelledby="national-data">
            <h2 id="national-data">"Informations transmises par les administrations"</h2>
            {if pulls.is_empty() {
                view! { <p>"Aucune information n'a été demandée aux administrations pour cette demande."</p> }.into_any()
            } else {
                view! {
                    <ul class="pulls">
                        {pulls.into_iter().map(|p| {
                            let csrf = csrf.clone();
                            view! {
                                <li>
                                    <h3>{format!("{} : {}", p.source, p.state)}</h3>
                                    <p>{format!("Demandé {}. {}", p.asked, p.outcome)}</p>
                                    {(!p.lines.is_empty()).then(|| view! {
                                        <SummaryList rows=SummaryRow::pairs(p.lines) />
                                    })}
                                    {p.provenance.map(|text| view! { <p class="hint">{format!("Source : {text}")}</p> })}
                                    {p.retry_action.map(|action| view! {
                                        <form method="post" action=action novalidate=true>
                                            <CsrfField token=csrf />
                                            <button type="submit" class="secondary">"Demander de nouveau"</button>
                                        </form>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {refresh_action.map(|action| view! {
                <form method="post" action=action novalidate=true>
                    <CsrfField token=csrf.clone() />
                    <button type="submit" class="secondary">"Actualiser les informations (sous l'accord en cours de l'usager)"</button>
                </form>
            })}
        </section>
    }
}

/// The citizen's consents, the facts held on them and every call made in their name.
#[component]
pub fn MyDataPage(
    ctx: PageContext,
    consents: Vec<ConsentRow>,
    pulls: Vec<PullRow>,
    calls: Vec<CallRow>,
    notice: Option<String>,
    errors: Vec<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let space = ctx.href("/mon-espace");
    view! {
        <Document ctx title="Mes données et mes accords".to_owned()>
            <p><a href=space>"Mon espace"</a></p>
            <h1>"Mes données et mes accords"</h1>
            <SuccessNotice text=notice />
            <ErrorSummary errors />
            <h2>"Mes accords"</h2>
            <Table
                caption="Ce que vous avez accepté que le département demande pour vous"
                headers=vec!["Information", "Pour l'aide", "Accord", "État", "Action"]
                rows=consents.into_iter().map(|c| {
                    let label = format!("Retirer mon accord : {} pour « {} »", c.source, c.aid);
                    let withdraw = c.withdraw_action.map(|action| view! {
                        <form method="post" action=action novalidate=true>
                            <CsrfField token=csrf.clone() />
                            <button type="submit" class="secondary">{label}</button>
                        </form>
                    });
                    Row::new(vec![
                        c.source.into_any(),
                        c.aid.into_any(),
                        c.given.into_any(),
                        c.state.into_any(),
                        withdraw.into_any(),
                    ])
                }).collect()
                empty="Vous n'avez donné aucun accord : le département ne demande rien en votre nom aux administrations."
            />
            <PullsPanel pulls csrf=csrf.clone() refresh_action=None />
            <h2>"Journal des demandes faites en mon nom"</h2>
            <CallsTable calls empty="Aucune demande n'a été faite en votre nom." caption="Chaque appel aux administrations, le plus récent en premier (conservé 36 mois)" />
        </Document>
    }
}

/// The calls made to the national administrations in the citizen's name (« Mes données » and
/// the access journal).
#[component]
pub fn CallsTable(
    calls: Vec<CallRow>,
    empty: &'static str,
    caption: &'static str,
) -> impl IntoView {
    let rows = calls
        .into_iter()
        .map(|c| vec![c.date, c.source, c.why, c.outcome])
        .collect();
    view! {
        <DataTable caption headers=&["Date", "Information", "Pourquoi", "Résultat"] rows empty />
    }
}
