//! Filing an aid request: one page per step, a review page, the request's own page.

use leptos::prelude::*;

use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};

/// The kinds of question a step can show.
#[derive(Clone, Debug)]
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

/// One question on a step page, with what is currently answered.
#[derive(Clone, Debug)]
pub struct QuestionView {
    pub key: String,
    pub label: String,
    pub help: String,
    pub required: bool,
    pub kind: InputKind,
    pub value: String,
    pub error: Option<String>,
}

#[component]
fn Question(question: QuestionView) -> impl IntoView {
    let QuestionView {
        key,
        label,
        help,
        required,
        kind,
        value,
        error,
    } = question;
    let label = if required {
        label
    } else {
        format!("{label} (facultatif)")
    };
    let hint_id = format!("{key}-hint");
    let error_id = format!("{key}-error");
    let mut described = Vec::new();
    if !help.is_empty() {
        described.push(hint_id.clone());
    }
    if error.is_some() {
        described.push(error_id.clone());
    }
    let described = (!described.is_empty()).then(|| described.join(" "));
    let invalid = error.is_some().then_some("true");
    let hint =
        (!help.is_empty()).then(|| view! { <p class="hint" id=hint_id.clone()>{help.clone()}</p> });
    let error_view = error.map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> });
    match kind {
        InputKind::Choice(options) => view! {
            <fieldset aria-describedby=described>
                <legend>{label}</legend>
                {hint}
                {error_view}
                {options.into_iter().enumerate().map(|(i, option)| {
                    let id = format!("{key}-{i}");
                    let checked = option == value;
                    view! {
                        <div>
                            <input type="radio" id=id.clone() name=key.clone() value=option.clone() checked=checked />
                            <label for=id>{option}</label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
        }
        .into_any(),
        InputKind::YesNo => {
            let (yes, no) = (format!("{key}-oui"), format!("{key}-non"));
            view! {
                <fieldset aria-describedby=described>
                    <legend>{label}</legend>
                    {hint}
                    {error_view}
                    <div>
                        <input type="radio" id=yes.clone() name=key.clone() value="oui" checked=value == "oui" />
                        <label for=yes>"Oui"</label>
                    </div>
                    <div>
                        <input type="radio" id=no.clone() name=key.clone() value="non" checked=value == "non" />
                        <label for=no>"Non"</label>
                    </div>
                </fieldset>
            }
            .into_any()
        }
        InputKind::Document(documents) => {
            let file_id = format!("{key}-fichier");
            let reuse_name = format!("{key}-existant");
            let limits_id = format!("{key}-limites");
            let file_described = match &described {
                Some(d) => format!("{limits_id} {d}"),
                None => limits_id.clone(),
            };
            view! {
                <fieldset aria-describedby=described.clone()>
                    <legend>{label}</legend>
                    {hint}
                    {error_view}
                    {(!documents.is_empty()).then(|| {
                        let reuse_name = reuse_name.clone();
                        let value = value.clone();
                        view! {
                            <p>"Réutiliser un document déjà envoyé :"</p>
                            {documents.into_iter().enumerate().map(|(i, (id, description))| {
                                let radio = format!("{key}-doc-{i}");
                                let checked = id == value;
                                view! {
                                    <div>
                                        <input type="radio" id=radio.clone() name=reuse_name.clone() value=id checked=checked />
                                        <label for=radio>{description}</label>
                                    </div>
                                }
                            }).collect_view()}
                            <p>"Ou envoyer un nouveau document :"</p>
                        }
                    })}
                    <div class="field">
                        <label for=file_id.clone()>"Fichier"</label>
                        <p class="hint" id=limits_id.clone()>"PDF, JPEG ou PNG, 5 Mo au plus."</p>
                        <input
                            id=file_id
                            name=key.clone()
                            type="file"
                            accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
                            aria-describedby=file_described
                            aria-invalid=invalid
                        />
                    </div>
                </fieldset>
            }
            .into_any()
        }
        other => {
            let (input_type, mode, autocomplete) = match other {
                InputKind::Number => ("text", Some("numeric"), None),
                InputKind::Amount => ("text", Some("decimal"), None),
                InputKind::Date => ("date", None, None),
                _ => ("text", None, Some("off")),
            };
            let unit = matches!(other, InputKind::Amount).then(|| view! { <span class="unit">" €"</span> });
            view! {
                <div class="field">
                    <label for=key.clone()>{label}</label>
                    {hint}
                    {error_view}
                    <input
                        id=key.clone()
                        name=key
                        type=input_type
                        inputmode=mode
                        autocomplete=autocomplete
                        value=value
                        aria-invalid=invalid
                        aria-describedby=described
                    />
                    {unit}
                </div>
            }
            .into_any()
        }
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
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let title = format!("{aid_title} — étape {step} sur {step_count}");
    view! {
        <Document ctx title=title.clone()>
            <h1>{aid_title}</h1>
            <p class="steps">{format!("Étape {step} sur {step_count}")}</p>
            <ErrorSummary errors />
            <form method="post" action=action novalidate=true enctype="multipart/form-data">
                <CsrfField token=csrf />
                {if questions.is_empty() {
                    view! { <p>"Aucune question sur cette page."</p> }.into_any()
                } else {
                    questions.into_iter().map(|q| view! { <Question question=q /> }).collect_view().into_any()
                }}
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
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let complete = problems.is_empty();
    view! {
        <Document ctx title=format!("{aid_title} — vérifier et déposer")>
            <h1>{format!("Vérifiez votre demande : {aid_title}")}</h1>
            <ErrorSummary errors=problems />
            {steps.into_iter().map(|s| view! {
                <section>
                    <h2>{format!("Étape {}", s.step)}</h2>
                    <dl class="identity">
                        {s.lines.into_iter().map(|l| view! { <dt>{l.label}</dt><dd>{l.answer}</dd> }).collect_view()}
                    </dl>
                    <p><a href=s.edit_href>{format!("Modifier l'étape {}", s.step)}</a></p>
                </section>
            }).collect_view()}
            {if complete {
                view! {
                    <form method="post" action=submit_action>
                        <CsrfField token=csrf />
                        <p>"En déposant la demande, vous certifiez que ces informations sont exactes."</p>
                        <button type="submit">"Déposer ma demande"</button>
                    </form>
                }.into_any()
            } else {
                view! { <p>"Complétez les réponses manquantes pour pouvoir déposer la demande."</p> }.into_any()
            }}
        </Document>
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
    due_on: Option<String>,
    timeline: Vec<TimelineEntry>,
    answers: Vec<ReviewLine>,
    continue_href: Option<String>,
    next_step: String,
    /// (what was decided, where to download the letter)
    decision: Option<(String, String)>,
    /// (who and when, text)
    messages: Vec<TimelineEntry>,
    /// Where to send an answer, while the department waits for one.
    answer_action: Option<String>,
    answer_error: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
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
            <dl class="identity">
                <dt>"Référence"</dt>
                <dd>{reference.unwrap_or_else(|| "pas encore attribuée (demande non déposée)".into())}</dd>
                <dt>"État"</dt>
                <dd>{status}</dd>
                {due_on.map(|d| view! { <dt>"Réponse attendue au plus tard le"</dt><dd>{d}</dd> })}
            </dl>
            {decision.map(|(summary, letter)| view! {
                <h2>"Décision"</h2>
                <p>{summary}</p>
                <p><a href=letter download="">"Télécharger le courrier de décision (PDF)"</a></p>
            })}
            <h2>"Ce qu'il vous reste à faire"</h2>
            <p>{next_step}</p>
            {(!messages.is_empty()).then(|| view! {
                <h2>"Échanges avec le département"</h2>
                <ul class="messages">{messages.into_iter().map(|m| view! { <li><strong>{m.date}</strong><p class="message-body">{m.text}</p></li> }).collect_view()}</ul>
            })}
            {answer_action.map(|action| {
                let invalid = answer_error.is_some().then_some("true");
                let described = answer_error.is_some().then_some("answer-error");
                view! {
                    <form method="post" action=action>
                        <CsrfField token=csrf />
                        <div class="field">
                            <label for="answer">"Votre réponse au département"</label>
                            {answer_error.map(|e| view! { <p class="field-error" id="answer-error">{e}</p> })}
                            <textarea id="answer" name="answer" rows="4" aria-invalid=invalid aria-describedby=described></textarea>
                        </div>
                        <button type="submit">"Envoyer ma réponse"</button>
                    </form>
                }
            })}
            {continue_href.map(|href| view! { <p><a class="button" href=href>"Continuer ma demande"</a></p> })}
            <h2>"Historique"</h2>
            {if timeline.is_empty() {
                view! { <p>"Rien pour l'instant."</p> }.into_any()
            } else {
                view! { <ol class="timeline">{timeline.into_iter().map(|e| view! { <li><strong>{e.date}</strong>" — "{e.text}</li> }).collect_view()}</ol> }.into_any()
            }}
            <h2>"Vos réponses"</h2>
            <dl class="identity">
                {answers.into_iter().map(|l| view! { <dt>{l.label}</dt><dd>{l.answer}</dd> }).collect_view()}
            </dl>
        </Document>
    }
}
