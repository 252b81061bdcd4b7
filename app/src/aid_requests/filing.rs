//! Filing an aid request: one page per step, a review page, the request's own page.

use leptos::prelude::*;

use serde::{Deserialize, Serialize};

use crate::components::{
    Choice, Choices, MessageThread, SummaryList, SummaryRow, TextArea, ThreadMessage,
};
use crate::islands::{StepQuestion, UploadStatus};
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::pages::national::PullsPanel;
use crate::validation::FieldErrors;

/// The kinds of question a step can show.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum InputKind {
    Text,
    Number,
    Amount,
    Date,
    Choice(Vec<String>),
    YesNo,
    /// The citizen's documents already sent, to re-use: (id, description).
    Document(Vec<(String, String)>),
}

/// One question on a step page, with what is currently answered (an island's props, hence
/// serialisable).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QuestionView {
    pub key: String,
    pub label: String,
    pub help: String,
    pub required: bool,
    pub kind: InputKind,
    pub value: String,
    pub error: Option<String>,
}

impl QuestionView {
    /// The id of the control a link to this question moves to (the error summary's links):
    /// its field, its first option, or its file input.
    pub fn anchor(&self) -> String {
        match &self.kind {
            InputKind::Choice(_) => format!("{}-0", self.key),
            InputKind::YesNo => format!("{}-oui", self.key),
            InputKind::Document(_) => format!("{}-fichier", self.key),
            _ => self.key.clone(),
        }
    }
}

/// The error summary of a step: each question's message linked to it, then what is about the
/// whole page.
fn step_summary(questions: &[QuestionView], page_errors: Vec<String>) -> FieldErrors {
    let mut summary = FieldErrors::new();
    for question in questions {
        if let Some(error) = &question.error {
            summary.add(&question.anchor(), error.clone());
        }
    }
    for error in page_errors {
        if !summary.messages().contains(&error) {
            summary.add_form(error);
        }
    }
    summary
}

/// Before a first request for an aid: what it takes, and the button that starts the draft
/// (a link only shows this page; nothing is created until the citizen presses it).
#[component]
pub fn StartPage(
    ctx: PageContext,
    aid_title: String,
    step_count: u32,
    documents: Vec<String>,
    action: String,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let steps = match step_count {
        0 | 1 => "Votre demande tient en une page.".to_owned(),
        n => format!("Votre demande se remplit en {n} étapes."),
    };
    view! {
        <Document ctx title=format!("Demander : {aid_title}")>
            <h1>{aid_title}</h1>
            <p>{steps}" Vous pouvez l'enregistrer à tout moment et la reprendre plus tard depuis votre espace."</p>
            {(!documents.is_empty()).then(|| view! {
                <h2>"Les documents à préparer"</h2>
                <ul>{documents.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}</ul>
            })}
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <button type="submit">"Commencer ma demande"</button>
            </form>
        </Document>
    }
}

/// One page of the form.
#[component]
pub fn StepPage(
    ctx: PageContext,
    aid_title: String,
    step: u32,
    step_count: u32,
    questions: Vec<QuestionView>,
    errors: Vec<String>,
    action: String,
    previous_href: Option<String>,
    /// Reception filing for a citizen under their mandate: says so on every page.
    on_behalf: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let title = format!("{aid_title} — étape {step} sur {step_count}");
    let uploads = questions
        .iter()
        .any(|q| matches!(q.kind, InputKind::Document(_)));
    let errors = step_summary(&questions, errors);
    view! {
        <Document ctx title=title.clone()>
            <h1>{aid_title}</h1>
            <OnBehalf on_behalf />
            <p class="steps">{format!("Étape {step} sur {step_count}")}</p>
            <ErrorSummary errors />
            <form method="post" action=action novalidate=true enctype="multipart/form-data">
                <CsrfField token=csrf />
                {if questions.is_empty() {
                    view! { <p>"Aucune question sur cette page."</p> }.into_any()
                } else {
                    questions.into_iter().map(|q| view! { <StepQuestion question=q /> }).collect_view().into_any()
                }}
                {uploads.then(|| view! { <UploadStatus /> })}
                <div class="actions">
                    <button type="submit" name="action" value="next">"Continuer"</button>
                    " "
                    <button type="submit" name="action" value="save" class="secondary">"Enregistrer et reprendre plus tard"</button>
                </div>
            </form>
            {previous_href.map(|href| view! { <p><a href=href>"Revenir à l'étape précédente"</a></p> })}
        </Document>
    }
}

/// The notice on reception's filing pages: whom they file for, under which mandate.
#[component]
pub fn OnBehalf(on_behalf: Option<String>) -> impl IntoView {
    on_behalf.map(|text| view! { <div class="alert info" role="note"><p>{text}</p></div> })
}

/// One answered question on the review page.
#[derive(Clone, Debug)]
pub struct ReviewLine {
    pub label: String,
    pub answer: String,
}

/// The answers of one step, with a link to change them.
#[derive(Clone, Debug)]
pub struct ReviewStep {
    pub step: u32,
    pub edit_href: String,
    pub lines: Vec<ReviewLine>,
}

/// Checking everything before filing.
#[component]
pub fn ReviewPage(
    ctx: PageContext,
    aid_title: String,
    steps: Vec<ReviewStep>,
    problems: Vec<String>,
    submit_action: String,
    on_behalf: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let complete = problems.is_empty();
    let (heading, certify, button) = if on_behalf.is_some() {
        (
            format!("Vérifiez la demande avec la personne : {aid_title}"),
            "En déposant la demande, la personne certifie que ces informations sont exactes : relisez-les avec elle.",
            "Déposer la demande pour elle",
        )
    } else {
        (
            format!("Vérifiez votre demande : {aid_title}"),
            "En déposant la demande, vous certifiez que ces informations sont exactes.",
            "Déposer ma demande",
        )
    };
    view! {
        <Document ctx title=format!("{aid_title} — vérifier et déposer")>
            <h1>{heading}</h1>
            <OnBehalf on_behalf />
            <ErrorSummary errors=problems />
            {steps.into_iter().map(|s| view! {
                <section>
                    <h2>{format!("Étape {}", s.step)}</h2>
                    <SummaryList rows=s.lines.into_iter().map(|l| SummaryRow::text(l.label, l.answer)).collect() />
                    <p><a href=s.edit_href>{format!("Modifier l'étape {}", s.step)}</a></p>
                </section>
            }).collect_view()}
            {if complete {
                view! {
                    <form method="post" action=submit_action novalidate=true>
                        <CsrfField token=csrf />
                        <p>{certify}</p>
                        <button type="submit">{button}</button>
                    </form>
                }.into_any()
            } else {
                view! { <p>"Complétez les réponses manquantes pour pouvoir déposer la demande."</p> }.into_any()
            }}
        </Document>
    }
}

/// The citizen's answer to a request for more information: words, a document, or both.
#[derive(Clone, Debug)]
pub struct AnswerForm {
    pub action: String,
    /// What was typed, kept when the answer is sent back with a mistake.
    pub text: String,
    /// The citizen's documents already sent, to choose again: (id, label).
    pub documents: Vec<(String, String)>,
    /// The id of the document chosen, if any.
    pub chosen: String,
    pub errors: FieldErrors,
}

#[component]
fn AnswerFormView(form: AnswerForm, csrf: String) -> impl IntoView {
    let AnswerForm {
        action,
        text,
        documents,
        chosen,
        errors,
    } = form;
    let piece_error = errors.of("piece");
    let piece_described = match piece_error {
        Some(_) => "piece-hint piece-error",
        None => "piece-hint",
    };
    let choices = (!documents.is_empty()).then(|| {
        let mut options = vec![Choice {
            value: String::new(),
            label: "Aucun".into(),
            checked: chosen.is_empty(),
        }];
        options.extend(documents.into_iter().map(|(id, label)| Choice {
            checked: id == chosen,
            value: id,
            label,
        }));
        view! { <Choices name="piece-existant" legend="Un document que vous avez déjà envoyé" options error=None /> }
    });
    view! {
        <h2 id="repondre">"Répondre au département"</h2>
        <ErrorSummary errors=errors.clone() />
        <form method="post" action=action enctype="multipart/form-data" novalidate=true>
            <CsrfField token=csrf />
            <TextArea name="answer" label="Votre réponse au département" value=text
                hint="Écrivez votre réponse, joignez le document demandé, ou les deux."
                rows=4 maxlength=4000 error=errors.of("answer") />
            <fieldset class:field-invalid=piece_error.is_some()>
                <legend>"Joindre un document (facultatif)"</legend>
                <p class="hint" id="piece-hint">{crate::validation::DOCUMENT_LIMITS}</p>
                {piece_error.clone().map(|e| view! { <p class="field-error" id="piece-error">{e}</p> })}
                {choices}
                <div class="field">
                    <label for="piece">"Un nouveau fichier"</label>
                    <input id="piece" name="piece" type="file"
                        accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
                        aria-invalid=piece_error.is_some().then_some("true") aria-describedby=piece_described />
                </div>
            </fieldset>
            <button type="submit">"Envoyer ma réponse"</button>
        </form>
    }
}

/// The decision as its citizen reads it: the same content as the letter, in the same words.
#[derive(Clone, Debug)]
pub struct DecisionView {
    /// What was decided, the amount, the date.
    pub summary: String,
    pub reasons: Vec<String>,
    /// What the instructor added for the citizen.
    pub comment: String,
    /// How to contest it, in plain words.
    pub appeal: String,
    /// Who signed it, by name and function.
    pub signatory: Option<String>,
    pub letter_href: String,
}

#[component]
fn DecisionSection(decision: DecisionView) -> impl IntoView {
    let DecisionView {
        summary,
        reasons,
        comment,
        appeal,
        signatory,
        letter_href,
    } = decision;
    view! {
        <section aria-labelledby="decision-title">
            <h2 id="decision-title">"Décision"</h2>
            <p>{summary}</p>
            {(!reasons.is_empty()).then(|| view! {
                <h3>"Pourquoi"</h3>
                <ul>{reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
            })}
            {(!comment.trim().is_empty()).then(|| view! {
                <h3>"Précisions de l'agent qui a instruit votre demande"</h3>
                <p class="message-body">{comment}</p>
            })}
            {signatory.map(|s| view! { <p>{format!("Décision signée : {s}.")}</p> })}
            <h3>"Si vous n'êtes pas d'accord"</h3>
            <p>{appeal}</p>
            <p><a href=letter_href download="">"Télécharger le courrier de décision (PDF)"</a></p>
        </section>
    }
}

/// A line of a request's timeline.
#[derive(Clone, Debug)]
pub struct TimelineEntry {
    pub date: String,
    pub text: String,
}

/// A request as its citizen follows it.
#[component]
pub fn RequestPage(
    ctx: PageContext,
    aid_title: String,
    reference: Option<String>,
    status: String,
    just_filed: bool,
    /// The date the answer is due by, while the department's clock runs.
    due_on: Option<String>,
    /// The clock is stopped until the citizen answers a request for more information.
    clock_suspended: bool,
    timeline: Vec<TimelineEntry>,
    answers: Vec<ReviewLine>,
    continue_href: Option<String>,
    next_step: String,
    decision: Option<DecisionView>,
    messages: Vec<ThreadMessage>,
    /// The answer form, while the department waits for one.
    answer: Option<AnswerForm>,
    /// What national administrations sent for this request, with its source.
    pulls: Vec<crate::pages::national::PullRow>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let pulls_csrf = ctx.csrf.clone();
    let space = ctx.href("/mon-espace");
    view! {
        <Document ctx title=aid_title.clone()>
            <p><a href=space>"Mon espace"</a></p>
            <h1>{aid_title}</h1>
            {just_filed.then(|| view! {
                <div class="alert success" role="status">
                    <p>{format!("Votre demande est déposée. Sa référence : {}. Un accusé de réception vous est envoyé par courriel.", reference.clone().unwrap_or_default())}</p>
                </div>
            })}
            <SummaryList rows=[
                Some(SummaryRow::text("Référence", reference.unwrap_or_else(|| "pas encore attribuée (demande non déposée)".into()))),
                Some(SummaryRow::text("État", status)),
                due_on.map(|d| SummaryRow::text("Réponse attendue au plus tard le", d)),
                clock_suspended.then(|| SummaryRow::text("Délai de réponse", "Suspendu : il reprend quand vous aurez répondu à la question du département.")),
            ].into_iter().flatten().collect() />
            {decision.map(|d| view! { <DecisionSection decision=d /> })}
            {(!pulls.is_empty()).then(|| view! { <PullsPanel pulls csrf=pulls_csrf refresh_action=None /> })}
            <h2>"Ce qu'il vous reste à faire"</h2>
            <p>{next_step}</p>
            {(!messages.is_empty()).then(|| view! {
                <h2>"Échanges avec le département"</h2>
                <MessageThread messages empty="" />
            })}
            {answer.map(|form| view! { <AnswerFormView form csrf /> })}
            {continue_href.map(|href| view! { <p><a class="button" href=href>"Continuer ma demande"</a></p> })}
            <h2>"Historique"</h2>
            {if timeline.is_empty() {
                view! { <p>"Rien pour l'instant."</p> }.into_any()
            } else {
                view! { <ol class="timeline">{timeline.into_iter().map(|e| view! { <li><strong>{e.date}</strong>" — "{e.text}</li> }).collect_view()}</ol> }.into_any()
            }}
            <h2>"Vos réponses"</h2>
            <SummaryList rows=answers.into_iter().map(|l| SummaryRow::text(l.label, l.answer)).collect() />
        </Document>
    }
}
