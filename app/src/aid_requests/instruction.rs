//! The instructors' pages: the queue of filed requests and one request.

use leptos::prelude::*;

use crate::pages::national::{PullRow, PullsPanel};

use crate::islands::{JobProgress, grouped};
use crate::layout::{CsrfField, Document, PageContext};

use crate::components::{
    Attachment, Badge, Choice, Choices, DocumentLink, FieldWidth, FilterBar, FilterSelect,
    ListTotal, MessageThread, PageLinks, Row, SearchField, SortLink, SummaryList, SummaryRow,
    Table, TextArea, TextField, ThreadMessage,
};
pub use crate::components::{FilterOption, Tone};
use crate::layout::ErrorSummary;
use crate::validation::FieldErrors;

/// The queue's filters.
#[derive(Clone, Debug)]
pub struct QueueFilters {
    pub status: Vec<FilterOption>,
    pub aid: Vec<FilterOption>,
    pub assignee: Vec<FilterOption>,
    pub deadline: Vec<FilterOption>,
    /// The sort chosen by a column's header, kept when the filters change.
    pub sort_kept: Option<String>,
    /// The columns the queue sorts on: (column, link, how it is sorted now).
    pub sort: Vec<(usize, String, Option<&'static str>)>,
    /// Words searched for in references and names, as typed.
    pub search: String,
    /// Only requests the citizen answered.
    pub replied: Vec<FilterOption>,
}

#[derive(Clone, Debug)]
pub struct QueueRowView {
    pub href: String,
    pub reference: String,
    pub aid: String,
    pub citizen: String,
    pub filed: String,
    pub due: String,
    pub overdue: bool,
    pub status: String,
    pub status_tone: Tone,
    /// The citizen answered a request for more information since the instructor last acted.
    pub replied: bool,
    pub assignee: String,
}

/// The button that exports the queue, as filtered, to a CSV file.
#[derive(Clone, Debug)]
pub struct ExportForm {
    pub action: String,
    /// The filter now applied, sent again as hidden fields.
    pub filter: Vec<(String, String)>,
}

/// « 52 demande(s) », « plus de 1 000 demandes ».
fn requests(total: ListTotal) -> String {
    match total {
        ListTotal::Exact(n) => format!("{} demande(s)", grouped(n)),
        ListTotal::MoreThan(n) => format!("plus de {} demandes", grouped(n)),
    }
}

fn export_label(total: ListTotal) -> String {
    match total {
        ListTotal::Exact(n) => format!("Exporter ces {} demandes (fichier CSV)", grouped(n)),
        ListTotal::MoreThan(n) => {
            format!(
                "Exporter ces demandes, plus de {} (fichier CSV)",
                grouped(n)
            )
        }
    }
}

/// The count of one status, linking to the queue filtered on it.
#[derive(Clone, Debug)]
pub struct StatusCount {
    pub label: String,
    pub count: u64,
    pub href: String,
}

#[component]
pub fn QueuePage(
    ctx: PageContext,
    action: String,
    filters: QueueFilters,
    counts: Vec<StatusCount>,
    overdue: u64,
    /// `None` for supervisors: figures, not contents.
    rows: Option<Vec<QueueRowView>>,
    total: ListTotal,
    /// Back to the first page, from any other.
    first_href: Option<String>,
    previous_href: Option<String>,
    next_href: Option<String>,
    /// `None` for supervisors.
    export: Option<ExportForm>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let overdue_count = (overdue > 0).then(|| {
        view! { <li class="overdue"><Badge text=format!("Délai dépassé : {overdue}") tone=Tone::Error /></li> }
    });
    view! {
        <Document ctx title="Demandes d'aide à instruire".into()>
            <h1>"Demandes d'aide"</h1>
            // Instructors read the counts in the state filter; supervisors, who see no row,
            // read them here.
            {rows.is_none().then(|| view! {
                <section aria-labelledby="chiffres" class="queue-figures">
                    <h2 id="chiffres">"En chiffres"</h2>
                    <ul class="counts">
                        {counts.into_iter().map(|c| view! { <li><a href=c.href>{format!("{} : {}", c.label, c.count)}</a></li> }).collect_view()}
                        {overdue_count}
                    </ul>
                </section>
            })}
            {rows.map(|rows| {
                let reset = action.clone();
                view! {
                <FilterBar action=action reset_href=reset>
                    {filters.sort_kept.map(|tri| view! { <input type="hidden" name="tri" value=tri /> })}
                    <SearchField name="recherche" label="Nom ou référence" value=filters.search />
                    <FilterSelect name="statut" label="État" options=filters.status />
                    <FilterSelect name="aide" label="Aide" options=filters.aid />
                    <FilterSelect name="agent" label="Agent" options=filters.assignee />
                    <FilterSelect name="echeance" label="Échéance" options=filters.deadline />
                    <FilterSelect name="repondu" label="Réponse de l'usager" options=filters.replied />
                </FilterBar>
                <Table
                    class="dense"
                    sort=filters.sort.into_iter().map(|(column, href, current)| SortLink { column, href, current }).collect()
                    caption=requests(total)
                    headers=vec!["Référence", "Usager", "Aide", "État", "Déposée le", "Échéance", "Agent"]
                    rows=rows.into_iter().map(queue_row).collect()
                    empty="Aucune demande ne correspond à ces filtres."
                />
                <PageLinks first_href previous_href next_href />
                {export.filter(|_| total != ListTotal::Exact(0)).map(|export| view! {
                    <form method="post" action=export.action class="export" novalidate=true>
                        <CsrfField token=csrf.clone() />
                        {export.filter.into_iter().map(|(name, value)| view! { <input type="hidden" name=name value=value /> }).collect_view()}
                        <button type="submit" class="secondary">{export_label(total)}</button>
                    </form>
                })}
            }})}
        </Document>
    }
}

/// A request of the queue: its reference leads to it; state and lateness show as badges.
fn queue_row(r: QueueRowView) -> Row {
    let due = view! {
        {r.due}
        {r.overdue.then(|| view! { " " <Badge text="dépassée" tone=Tone::Error /> })}
    };
    let status = view! {
        <Badge text=r.status tone=r.status_tone />
        {r.replied.then(|| view! { " " <Badge text="L'usager a répondu" tone=Tone::Success /> })}
    };
    let row = Row::new(vec![
        view! { <a href=r.href>{r.reference}</a> }.into_any(),
        r.citizen.into_any(),
        r.aid.into_any(),
        status.into_any(),
        r.filed.into_any(),
        due.into_any(),
        r.assignee.into_any(),
    ]);
    match r.overdue {
        true => row.marked("overdue"),
        false => row,
    }
}

#[derive(Clone, Debug)]
pub struct Line {
    pub label: String,
    pub value: String,
}

/// Recording a consent the citizen gave a staff member (in person or in writing).
#[derive(Clone, Debug)]
pub struct StaffConsentForm {
    pub action: String,
    /// (field name, what the citizen agrees to) for each source without a live consent.
    pub choices: Vec<(String, String)>,
    pub error: Option<String>,
}

/// The decision form, on an open request.
#[derive(Clone, Debug)]
pub struct DecisionFormView {
    pub action: String,
    pub outcome: String,
    pub amount: String,
    /// (reason, checked)
    pub reasons: Vec<(String, bool)>,
    pub comment: String,
    pub errors: FieldErrors,
}

#[component]
fn DecisionFormSection(form: DecisionFormView, csrf: String, version: i32) -> impl IntoView {
    let DecisionFormView {
        action,
        outcome,
        amount,
        reasons,
        comment,
        errors,
    } = form;
    let outcomes = [
        ("granted", "Accordée"),
        ("partially_granted", "Accordée en partie"),
        ("refused", "Refusée"),
    ]
    .into_iter()
    .map(|(value, label)| Choice {
        value: value.into(),
        label: label.into(),
        checked: outcome == value,
    })
    .collect();
    let reasons = reasons
        .into_iter()
        .map(|(reason, checked)| Choice {
            value: reason.clone(),
            label: reason,
            checked,
        })
        .collect();
    view! {
        <section id="decision" aria-labelledby="decision-title">
            <h2 id="decision-title">"Décision"</h2>
            <ErrorSummary errors=errors.clone() />
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <input type="hidden" name="version" value=version.to_string() />
                <Choices name="outcome" legend="Décision" options=outcomes error=errors.of("outcome-0") />
                <TextField name="amount" label="Montant accordé, en euros (vide pour un refus)" value=amount
                    width=FieldWidth::Chars10 unit="€" inputmode="decimal" error=errors.of("amount") />
                <Choices name="reasons" legend="Motifs (au moins un)" multiple=true options=reasons error=errors.of("reasons-0") />
                <TextArea name="comment" label="Précisions pour l'usager" value=comment rows=3 maxlength=2000
                    optional=true error=errors.of("comment") />
                <button type="submit">"Enregistrer la décision et prévenir l'usager"</button>
            </form>
        </section>
    }
}

/// A question to the citizen, as typed when sent back.
#[derive(Clone, Debug, Default)]
pub struct QuestionForm {
    pub action: String,
    pub text: String,
    pub error: Option<String>,
}

#[component]
fn QuestionFormSection(form: QuestionForm, csrf: String, version: i32) -> impl IntoView {
    let QuestionForm {
        action,
        text,
        error,
    } = form;
    view! {
        <form method="post" action=action id="question-form" novalidate=true>
            <CsrfField token=csrf />
            <input type="hidden" name="version" value=version.to_string() />
            <TextArea name="question" label="Demander des informations complémentaires à l'usager" value=text
                hint="Le délai d'instruction est suspendu jusqu'à sa réponse. L'usager est prévenu par courriel (sans le contenu de la question)."
                rows=3 maxlength=4000 error />
            <button type="submit" class="secondary">"Envoyer la question"</button>
        </form>
    }
}

/// What an instructor does with a request, at the top of its page (beside it on a wide
/// screen, where it stays in view): take it, go to the decision or the question, go on to the
/// next one.
#[component]
fn CaseActions(
    status: String,
    status_tone: Tone,
    due: String,
    overdue: bool,
    assigned_to: String,
    /// « Me l'attribuer »: the request is open and someone else's or no one's.
    take: Option<(String, String, i32)>,
    decide: bool,
    ask: bool,
    next_href: Option<String>,
    back_href: String,
) -> impl IntoView {
    view! {
        <aside class="case-actions" aria-labelledby="case-actions-title">
            <h2 id="case-actions-title" class="visually-hidden">"Actions"</h2>
            <p><Badge text=status tone=status_tone /></p>
            <dl class="compact">
                <dt>"Échéance"</dt>
                <dd>{due}{overdue.then(|| view! { " " <Badge text="dépassée" tone=Tone::Error /> })}</dd>
                <dt>"Attribuée à"</dt>
                <dd>{assigned_to}</dd>
            </dl>
            {take.map(|(action, csrf, version)| view! {
                <form method="post" action=action novalidate=true>
                    <CsrfField token=csrf />
                    <input type="hidden" name="version" value=version.to_string() />
                    <input type="hidden" name="assignee" value="moi" />
                    <button type="submit">"Me l'attribuer"</button>
                </form>
            })}
            <ul class="case-links">
                {decide.then(|| view! { <li><a href="#decision">"Décider"</a></li> })}
                {ask.then(|| view! { <li><a href="#question">"Demander un complément"</a></li> })}
                {next_href.map(|href| view! { <li><a href=href>"Demande suivante"</a></li> })}
                <li><a href=back_href>"Retour à la file"</a></li>
            </ul>
        </aside>
    }
}

/// One request, for its instructor.
#[component]
pub fn StaffRequestPage(
    ctx: PageContext,
    reference: String,
    aid_title: String,
    status: String,
    status_tone: Tone,
    due: String,
    overdue: bool,
    citizen: Vec<Line>,
    answers: Vec<Line>,
    timeline: Vec<Line>,
    assign_action: String,
    version: i32,
    assignees: Vec<FilterOption>,
    /// Who has the request now.
    assigned_to: String,
    /// The request is open and not this instructor's: offer « Me l'attribuer ».
    take: bool,
    /// The next request waiting for the department, theirs or no one's.
    next_href: Option<String>,
    message: Option<(bool, String)>,
    back_href: String,
    decision: Vec<Line>,
    decision_form: Option<DecisionFormView>,
    /// (who and when, text)
    messages: Vec<ThreadMessage>,
    /// The question to the citizen, while the request can take one.
    question_form: Option<QuestionForm>,
    /// (the question it answers, the document) for each document of the form.
    attachments: Vec<(String, Attachment)>,
    /// What national administrations sent, and where each pull stands.
    pulls: Vec<PullRow>,
    /// Where to ask the consented sources again.
    refresh_action: Option<String>,
    /// Where to record a consent the citizen gave in person or in writing.
    consent_form: Option<StaffConsentForm>,
    /// Where to ask for the citizen's whole record (the named wider access).
    wider_href: String,
) -> impl IntoView {
    let consent_csrf = ctx.csrf.clone();
    let csrf = ctx.csrf.clone();
    let pulls_csrf = ctx.csrf.clone();
    let decision_csrf = ctx.csrf.clone();
    let question_csrf = ctx.csrf.clone();
    let take = take.then(|| (assign_action.clone(), ctx.csrf.clone(), version));
    let decide = decision_form.is_some();
    let ask = question_form.is_some();
    view! {
        <Document ctx title=format!("Demande {reference}")>
            <h1>{format!("Demande {reference} — {aid_title}")}</h1>
            {message.map(|(ok, text)| if ok {
                view! { <div class="alert success" role="status"><p>{text}</p></div> }.into_any()
            } else {
                view! { <div class="alert error" role="alert"><p>{text}</p></div> }.into_any()
            })}
            <div class="case-layout">
                <CaseActions status status_tone due overdue assigned_to take decide ask next_href back_href />
                <div class="case-main">
                    <h2>"Usager"</h2>
                    <SummaryList rows=citizen.into_iter().map(|l| SummaryRow::text(l.label, l.value)).collect() />
                    <p><a href=wider_href>"Voir tout le dossier de l'usager (accès élargi : motif demandé, inscrit à son journal)"</a></p>
                    <h2>"Réponses"</h2>
                    <SummaryList rows=answers.into_iter().map(|l| SummaryRow::text(l.label, l.value)).collect() />
                    {(!attachments.is_empty()).then(|| view! {
                        <h2>"Pièces jointes"</h2>
                        <ul class="attachments">{attachments.into_iter().map(|(question, attachment)| view! {
                            <li>{format!("{question} : ")}<DocumentLink attachment /></li>
                        }).collect_view()}</ul>
                    })}
                    <h2>"Échanges avec l'usager"</h2>
                    <MessageThread messages empty="Aucun échange pour l'instant." />
                    {question_form.map(|form| view! { <QuestionFormSection form csrf=question_csrf version /> })}
                    {(!decision.is_empty()).then(|| view! {
                        <h2>"Décision rendue"</h2>
                        <SummaryList rows=decision.into_iter().map(|l| SummaryRow::text(l.label, l.value)).collect() />
                    })}
                    {decision_form.map(|form| view! { <DecisionFormSection form csrf=decision_csrf version /> })}
                    <PullsPanel pulls csrf=pulls_csrf refresh_action />
                    {consent_form.map(|form| view! { <StaffConsentSection form csrf=consent_csrf /> })}
                    <h2>"Attribution"</h2>
                    <form method="post" action=assign_action novalidate=true>
                        <CsrfField token=csrf />
                        <input type="hidden" name="version" value=version.to_string() />
                        <div class="field inline">
                            <label for="assignee">"Agent chargé de la demande"</label>
                            <select id="assignee" name="assignee">
                                {assignees.into_iter().map(|o| view! { <option value=o.value selected=o.selected>{o.label}</option> }).collect_view()}
                            </select>
                        </div>
                        <button type="submit" class="secondary">"Attribuer"</button>
                    </form>
                    <h2>"Historique"</h2>
                    <ol class="timeline">{timeline.into_iter().map(|l| view! { <li><strong>{l.label}</strong>" — "{l.value}</li> }).collect_view()}</ol>
                </div>
            </div>
        </Document>
    }
}

/// Where reception records a consent the citizen gave in person or in writing.
#[component]
fn StaffConsentSection(form: StaffConsentForm, csrf: String) -> impl IntoView {
    let invalid = form.error.is_some().then_some("true");
    view! {
        <h3>"Enregistrer l'accord de l'usager"</h3>
        <form method="post" action=form.action novalidate=true>
            <CsrfField token=csrf />
            <fieldset>
                <legend>"Informations que l'usager accepte de laisser demander pour cette demande"</legend>
                {form.choices.into_iter().map(|(name, label)| view! {
                    <div class="field">
                        <input type="checkbox" id=name.clone() name=name.clone() value="on" />
                        <label for=name>{label}</label>
                    </div>
                }).collect_view()}
            </fieldset>
            <div class="field">
                {form.error.map(|e| view! { <p class="field-error" id="attestation-error">{e}</p> })}
                <input type="checkbox" id="attestation" name="attestation" value="on" aria-invalid=invalid aria-describedby=invalid.map(|_| "attestation-error") />
                <label for="attestation">"L'usager m'a donné cet accord, en personne ou par écrit. Il en sera informé par courriel et pourra le retirer dans son espace."</label>
            </div>
            <button type="submit" class="secondary">"Enregistrer l'accord"</button>
        </form>
    }
}

/// Where a CSV export stands, as its page shows it.
#[derive(Clone, Debug)]
pub struct ExportView {
    pub status: String,
    pub finished: bool,
    pub written: u64,
    pub total: Option<u64>,
    pub download_href: Option<String>,
    pub error: Option<String>,
    /// This page again (to follow the progress without JavaScript).
    pub refresh_href: String,
    /// The progress as JSON, for the island.
    pub state_href: String,
    pub queue_href: String,
}

/// The progress of a CSV export, then its download link.
#[component]
pub fn ExportPage(ctx: PageContext, export: ExportView) -> impl IntoView {
    let ExportView {
        status,
        finished,
        written,
        total,
        download_href,
        error,
        refresh_href,
        state_href,
        queue_href,
    } = export;
    view! {
        <Document ctx title="Export CSV des demandes".into()>
            <h1>"Export CSV des demandes"</h1>
            <p>{format!("État : {status}")}</p>
            <JobProgress state_href written total finished
                label="Avancement de l'export".to_owned()
                unit="demandes écrites".to_owned()
                waiting="Le décompte des demandes à exporter va commencer.".to_owned() />
            {error.map(|e| view! { <div class="alert error" role="alert"><p>{e}</p></div> })}
            {download_href.map(|href| view! {
                <p><a href=href download="">{format!("Télécharger le fichier CSV ({} demandes)", grouped(written))}</a></p>
                <p class="hint">"Le fichier est conservé 24 heures, puis supprimé. Il contient des données personnelles : ne le gardez pas plus longtemps que nécessaire."</p>
            })}
            {(!finished).then(|| view! {
                <p><a href=refresh_href>"Actualiser l'avancement"</a></p>
                <p class="hint">"Vous pouvez quitter cette page : l'export continue, et son fichier vous attendra ici."</p>
            })}
            <p><a href=queue_href>"Retour aux demandes"</a></p>
        </Document>
    }
}
