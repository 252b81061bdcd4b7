//! Assisted filing under a mandate: reception records it and files under it; the citizen
//! reads and revokes their mandates from their space.

use leptos::prelude::*;

use crate::components::{
    Choice, Choices, FilterOption, Row, SelectField, SuccessNotice, SummaryList, SummaryRow, Table,
};
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

/// A mandate as a line on the record page and in the citizen's space.
#[derive(Clone, Debug, Default)]
pub struct MandateSummary {
    pub href: String,
    /// "toutes les demandes d'aide au département" or "la demande « … »".
    pub scope: String,
    pub until: String,
    pub state: String,
    pub recorded: String,
}

/// A request filed (or being prepared) under a mandate.
#[derive(Clone, Debug)]
pub struct MandateRequest {
    pub aid: String,
    /// The reference, or "brouillon".
    pub reference: String,
    pub status: String,
    /// Reception continues a draft here while the mandate is live.
    pub continue_href: Option<String>,
}

/// What reception typed, sent back with the mistakes.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MandateForm {
    #[serde(rename = "aide")]
    pub aid: String,
    #[serde(rename = "jusqu_au")]
    pub until: String,
    #[serde(rename = "presente", deserialize_with = "crate::validation::checkbox")]
    pub present: bool,
    #[serde(rename = "identite", deserialize_with = "crate::validation::checkbox")]
    pub identity_checked: bool,
}

/// `/agents/usagers/{id}/mandats/nouveau`: reception records a mandate with the citizen.
#[component]
pub fn NewMandatePage(
    ctx: PageContext,
    name: String,
    record_href: String,
    action: String,
    /// (slug, title) of the aids open to requests.
    aids: Vec<(String, String)>,
    /// (value, title) of the requests filed as a whole (« Demande à la MDPH »).
    wholes: Vec<(String, String)>,
    form: MandateForm,
    longest: String,
    errors: FieldErrors,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let all_selected = form.aid == "toutes";
    let every_aid = (!aids.is_empty()).then(|| FilterOption {
        value: "toutes".into(),
        label: "Toutes les demandes d'aide".into(),
        selected: all_selected,
    });
    let until_error = errors.of("jusqu_au");
    view! {
        <Document ctx title=format!("Mandat de dépôt — {name}")>
            <p><a href=record_href>{format!("Revenir au dossier de {name}")}</a></p>
            <h1>{format!("Enregistrer un mandat de dépôt pour {name}")}</h1>
            <p>"Avec ce mandat, la personne présente à l'accueil autorise le département à déposer en son nom ce que couvre le mandat : une demande d'aide, toutes, ou sa demande à la MDPH selon ce que propose le département. Elle en est prévenue par courriel, ou par le courrier que vous lui remettez, et peut le révoquer à tout moment depuis son espace."</p>
            <ErrorSummary errors=errors.clone() />
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <SelectField
                    name="aide"
                    label="Ce que couvre le mandat"
                    options=std::iter::once(FilterOption { value: String::new(), label: "— choisir —".into(), selected: form.aid.is_empty() })
                        .chain(aids.into_iter().map(|(slug, title)| FilterOption {
                            selected: slug == form.aid,
                            value: slug,
                            label: format!("La demande « {title} »"),
                        }))
                        .chain(every_aid)
                        .chain(wholes.into_iter().map(|(value, title)| FilterOption {
                            selected: value == form.aid,
                            value,
                            label: title,
                        }))
                        .collect()
                    error=errors.of("aide")
                />
                <div class="field" class:field-invalid=until_error.is_some()>
                    <label for="jusqu_au">"Valable jusqu'au (inclus)"</label>
                    <p class="hint" id="jusqu_au-hint">{format!("Un an au plus : le {longest} au plus tard.")}</p>
                    {until_error.clone().map(|e| view! { <p class="field-error" id="jusqu_au-error">{e}</p> })}
                    <input id="jusqu_au" name="jusqu_au" type="date" value=form.until
                        aria-invalid=until_error.is_some().then_some("true")
                        aria-describedby=if until_error.is_some() { "jusqu_au-hint jusqu_au-error" } else { "jusqu_au-hint" } />
                </div>
                <Choices
                    name="presente"
                    legend="La personne est à l'accueil"
                    multiple=true
                    options=vec![Choice { value: "oui".into(), label: "La personne est présente et m'a donné son accord pour ce mandat".into(), checked: form.present }]
                    error=errors.of("presente-0")
                />
                <Choices
                    name="identite"
                    legend="Son identité"
                    multiple=true
                    options=vec![Choice { value: "oui".into(), label: "J'ai vérifié son identité sur une pièce d'identité".into(), checked: form.identity_checked }]
                    error=errors.of("identite-0")
                />
                <button type="submit">"Enregistrer le mandat"</button>
            </form>
        </Document>
    }
}

/// `/agents/mandats/{id}`: one mandate, what was filed under it, and filing under it.
#[component]
pub fn MandatePage(
    ctx: PageContext,
    name: String,
    record_href: String,
    mandate: MandateSummary,
    notice: Option<String>,
    /// How the citizen was told: a sentence.
    told: String,
    letter_href: String,
    requests: Vec<MandateRequest>,
    /// While live: (aid title, action to open its draft) for each aid it covers.
    can_file: Vec<(String, String)>,
    end_action: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let end_csrf = ctx.csrf.clone();
    view! {
        <Document ctx title=format!("Mandat de dépôt — {name}")>
            <p><a href=record_href>{format!("Revenir au dossier de {name}")}</a></p>
            <h1>{format!("Mandat de dépôt de {name}")}</h1>
            <SuccessNotice text=notice />
            <SummaryList rows=vec![
                SummaryRow::text("Couvre", mandate.scope),
                SummaryRow::text("Valable jusqu'au", mandate.until),
                SummaryRow::text("État", mandate.state),
                SummaryRow::text("Enregistré", mandate.recorded),
                SummaryRow::text("Personne prévenue", told),
            ] />
            <p><a href=letter_href download="">"Télécharger le courrier du mandat (PDF), à remettre à la personne"</a></p>
            <h2>"Demandes sous ce mandat"</h2>
            <Table
                caption="Déposées ou en préparation pour la personne"
                headers=vec!["Aide", "Référence", "État"]
                rows=requests.into_iter().map(|r| Row::new(vec![
                    r.aid.into_any(),
                    r.reference.into_any(),
                    view! { {r.status}" "{r.continue_href.map(|href| view! { <a href=href>"Continuer"</a> })} }.into_any(),
                ])).collect()
                empty="Aucune pour l'instant."
            />
            {(!can_file.is_empty()).then(|| view! {
                <h2>"Déposer une demande pour la personne"</h2>
                <ul class="actions-list">
                    {can_file.into_iter().map(|(title, action)| {
                        let csrf = csrf.clone();
                        view! {
                            <li>
                                <form method="post" action=action novalidate=true>
                                    <CsrfField token=csrf />
                                    <button type="submit">{format!("Remplir « {title} »")}</button>
                                </form>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            {end_action.map(|action| view! {
                <h2>"Mettre fin au mandat"</h2>
                <p>"Si la personne le demande à l'accueil, ou si l'aide apportée est terminée. Les demandes déjà déposées restent les siennes."</p>
                <form method="post" action=action novalidate=true>
                    <CsrfField token=end_csrf />
                    <button type="submit" class="secondary">"Mettre fin au mandat"</button>
                </form>
            })}
        </Document>
    }
}

/// One of the citizen's mandates in their space.
#[derive(Clone, Debug)]
pub struct MyMandate {
    pub summary: MandateSummary,
    /// References of the requests filed under it.
    pub filed: Vec<String>,
    pub revoke_action: Option<String>,
}

/// `/mon-espace/mandats`: the mandates the citizen gave, with a button to revoke each.
#[component]
pub fn MyMandatesPage(
    ctx: PageContext,
    mandates: Vec<MyMandate>,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let space = ctx.href("/mon-espace");
    view! {
        <Document ctx title="Mes mandats".to_owned()>
            <p><a href=space>"Mon espace"</a></p>
            <h1>"Mes mandats"</h1>
            <p>"Un mandat autorise l'accueil du département à déposer une demande d'aide en votre nom, quand vous le lui demandez. Vous pouvez révoquer un mandat à tout moment, sans vous justifier : plus rien ne pourra être déposé en votre nom sous ce mandat. Les demandes déjà déposées restent les vôtres."</p>
            <SuccessNotice text=notice />
            {if mandates.is_empty() {
                view! { <p>"Vous n'avez donné aucun mandat."</p> }.into_any()
            } else {
                mandates.into_iter().enumerate().map(|(i, m)| {
                    let csrf = csrf.clone();
                    let heading = format!("Mandat pour {}", m.summary.scope);
                    let heading_id = format!("mandat-{i}");
                    let button_for = heading_id.clone();
                    let labelled_by = heading_id.clone();
                    view! {
                        <section aria-labelledby=labelled_by>
                            <h2 id=heading_id>{heading}</h2>
                            <SummaryList rows=vec![
                                SummaryRow::text("Valable jusqu'au", m.summary.until),
                                SummaryRow::text("État", m.summary.state),
                                SummaryRow::text("Enregistré", m.summary.recorded),
                                SummaryRow::text(
                                    "Demandes déposées sous ce mandat",
                                    if m.filed.is_empty() { "aucune".to_owned() } else { m.filed.join(", ") },
                                ),
                            ] />
                            {m.revoke_action.map(|action| view! {
                                <form method="post" action=action novalidate=true>
                                    <CsrfField token=csrf />
                                    <button type="submit" aria-describedby=button_for>"Révoquer ce mandat"</button>
                                </form>
                            })}
                        </section>
                    }
                }).collect_view().into_any()
            }}
        </Document>
    }
}
