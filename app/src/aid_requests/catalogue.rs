//! The catalogue of aids: the administrator's pages to define them, and the public pages.

use leptos::prelude::*;

use crate::components::{
    FieldWidth, FilterOption, Row, SelectField, SuccessNotice, Table, TextArea, TextField,
};
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

#[derive(Clone, Debug)]
pub struct AidAdminRow {
    pub href: String,
    pub title: String,
    pub open: bool,
    pub deadline_days: i32,
    pub questions: usize,
    pub version: i32,
}

/// The administrator's list of aids.
#[component]
pub fn AidAdminListPage(
    ctx: PageContext,
    aids: Vec<AidAdminRow>,
    notice: Option<String>,
) -> impl IntoView {
    let new_href = ctx.href("/agents/admin/aides/nouvelle");
    let count = aids.len();
    view! {
        <Document ctx title="Catalogue des aides".into()>
            <h1>"Catalogue des aides"</h1>
            <SuccessNotice text=notice />
            <p><a class="button" href=new_href>"Créer une aide"</a></p>
            <Table
                caption=format!("{count} aide(s)")
                headers=vec!["Aide", "État", "Délai", "Questions", "Version du formulaire"]
                rows=aids.into_iter().map(|a| Row::new(vec![
                    view! { <a href=a.href>{a.title}</a> }.into_any(),
                    (if a.open { "ouverte" } else { "fermée" }).into_any(),
                    format!("{} jours", a.deadline_days).into_any(),
                    a.questions.to_string().into_any(),
                    a.version.to_string().into_any(),
                ])).collect()
                empty="Aucune aide n'est encore définie."
            />
        </Document>
    }
}

/// What the aid form shows.
#[derive(Clone, Debug, Default)]
pub struct AidValues {
    pub title: String,
    pub description: String,
    pub eligibility: String,
    pub documents: String,
    pub deadline_days: String,
    pub silence: String,
    pub open: bool,
    /// Its code in the shared nomenclature of aid categories (statistics), or empty.
    pub category: String,
    /// (code, label) of each category it can be ranked in.
    pub categories: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct QuestionRow {
    pub key: String,
    pub step: u32,
    pub label: String,
    pub kind: String,
    pub required: bool,
    pub options: Vec<String>,
    pub delete_action: String,
}

/// An existing aid's form questions, with the version the page was made from.
#[derive(Clone, Debug)]
pub struct AidQuestions {
    pub public_href: String,
    pub version: i32,
    pub questions: Vec<QuestionRow>,
    pub add_action: String,
    /// (id, label) of each question type.
    pub kinds: Vec<(String, String)>,
    /// (id, label) of each fact a national administration can give instead of the citizen.
    pub facts: Vec<(String, String)>,
    /// The question being added, as typed (kept when it comes back with mistakes).
    pub typed: NewQuestion,
    /// Each at its field (`q-label`, `q-step`, `q-kind`, `q-options`, `q-fact`).
    pub errors: FieldErrors,
}

/// A question to add, as typed in the builder.
#[derive(Clone, Debug)]
pub struct NewQuestion {
    pub label: String,
    pub help: String,
    pub step: String,
    pub kind: String,
    pub options: String,
    pub fact: String,
    pub required: bool,
    /// For a number or an amount: the smallest and largest answers accepted, as typed.
    pub least: String,
    pub most: String,
}

impl Default for NewQuestion {
    /// A new question: on the first page, required.
    fn default() -> Self {
        Self {
            label: String::new(),
            help: String::new(),
            step: "1".into(),
            kind: String::new(),
            options: String::new(),
            fact: String::new(),
            required: true,
            least: String::new(),
            most: String::new(),
        }
    }
}

/// Creating an aid (`questions` is `None`) or changing one.
#[component]
pub fn AidEditPage(
    ctx: PageContext,
    heading: String,
    action: String,
    values: AidValues,
    errors: FieldErrors,
    questions: Option<AidQuestions>,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let back = ctx.href("/agents/admin/aides");
    let acceptance = values.silence == "acceptance";
    let refusal = values.silence == "refusal";
    let categories: Vec<FilterOption> = std::iter::once((String::new(), "Non classée".to_owned()))
        .chain(values.categories.iter().cloned())
        .map(|(code, label)| FilterOption {
            selected: code == values.category,
            value: code,
            label,
        })
        .collect();
    view! {
        <Document ctx title=heading.clone()>
            <p><a href=back>"Retour au catalogue"</a></p>
            <h1>{heading}</h1>
            <SuccessNotice text=notice />
            <ErrorSummary errors=errors.clone() />
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf.clone() />
                <TextField name="title" label="Titre" maxlength=150 value=values.title error=errors.of("title") />
                <TextArea name="description" label="Description en langage simple" rows=4 maxlength=4000 value=values.description error=errors.of("description") />
                <TextArea name="eligibility" label="Qui peut la demander" rows=3 maxlength=4000 value=values.eligibility error=errors.of("eligibility") />
                <TextArea name="documents" label="Documents à fournir (un par ligne)" rows=3 maxlength=4000 optional=true value=values.documents error=errors.of("documents") />
                <TextField name="deadline_days" label="Délai d'instruction" unit="jours" hint="Entre 1 et 365." width=FieldWidth::Chars5 inputmode="numeric" value=values.deadline_days error=errors.of("deadline_days") />
                <fieldset class:field-invalid=errors.of("silence-acceptance").is_some()>
                    <legend>"À la fin du délai, le silence du département…"</legend>
                    {errors.of("silence-acceptance").map(|e| view! { <p class="field-error" id="silence-error">{e}</p> })}
                    <div>
                        <input type="radio" id="silence-acceptance" name="silence" value="acceptance" checked=acceptance />
                        <label for="silence-acceptance">"vaut acceptation"</label>
                    </div>
                    <div>
                        <input type="radio" id="silence-refusal" name="silence" value="refusal" checked=refusal />
                        <label for="silence-refusal">"vaut refus"</label>
                    </div>
                </fieldset>
                <SelectField name="category" label="Catégorie de l'aide (statistiques partagées entre départements)" options=categories error=errors.of("category") />
                <div class="field">
                    <input type="checkbox" id="open" name="open" value="on" checked=values.open />
                    <label for="open">"Ouverte aux demandes"</label>
                </div>
                <button type="submit">"Enregistrer"</button>
            </form>
            {questions.map(|questions| view! { <AidQuestionsSection questions csrf=csrf.clone() /> })}
        </Document>
    }
}

/// An aid's form: its questions, and adding one.
#[component]
fn AidQuestionsSection(questions: AidQuestions, csrf: String) -> impl IntoView {
    let AidQuestions {
        public_href,
        version,
        questions,
        add_action,
        kinds,
        facts,
        typed,
        errors,
    } = questions;
    let count = questions.len();
    let version_text = version.to_string();
    let add_csrf = csrf.clone();
    view! {
        <h2>"Formulaire de demande"</h2>
        <p>{format!("Version {version} du formulaire. Les demandes déjà faites gardent la version sous laquelle elles ont été déposées.")}</p>
        <p><a href=public_href>"Voir la page publique de l'aide"</a></p>
        <Table
            caption=format!("{count} question(s)")
            headers=vec!["Étape", "Question", "Type", "Obligatoire", "Action"]
            rows=questions.into_iter().map(|row| {
                let options = if row.options.is_empty() { String::new() } else { format!(" : {}", row.options.join(", ")) };
                let remove = view! {
                    <form method="post" action=row.delete_action novalidate=true>
                        <CsrfField token=csrf.clone() />
                        <input type="hidden" name="version" value=version_text.clone() />
                        <button type="submit" class="secondary">{format!("Retirer « {} »", row.label)}</button>
                    </form>
                };
                Row::new(vec![
                    row.step.to_string().into_any(),
                    row.label.clone().into_any(),
                    format!("{}{options}", row.kind).into_any(),
                    (if row.required { "oui" } else { "non" }).into_any(),
                    remove.into_any(),
                ])
            }).collect()
            empty="Aucune question pour l'instant."
        />
        <AddQuestionForm action=add_action csrf=add_csrf version kinds facts typed errors />
    }
}

/// The form that adds a question, with each mistake at its field and everything typed kept.
#[component]
fn AddQuestionForm(
    action: String,
    csrf: String,
    version: i32,
    kinds: Vec<(String, String)>,
    facts: Vec<(String, String)>,
    typed: NewQuestion,
    errors: FieldErrors,
) -> impl IntoView {
    // A field's message, right above it, and what describes it.
    let message = |id: &str| {
        errors
            .of(id)
            .map(|e| view! { <p class="field-error" id=format!("{id}-error")>{e}</p> })
    };
    let described = |id: &str| errors.of(id).map(|_| format!("{id}-error"));
    let invalid = |id: &str| errors.of(id).map(|_| "true");
    view! {
        <h3>"Ajouter une question"</h3>
        <ErrorSummary errors=errors.clone() />
        <form method="post" action=action novalidate=true>
            <CsrfField token=csrf />
            <input type="hidden" name="version" value=version.to_string() />
            <div class="field">
                <label for="q-label">"Question"</label>
                {message("q-label")}
                <input id="q-label" name="label" type="text" maxlength="200" value=typed.label
                    aria-invalid=invalid("q-label") aria-describedby=described("q-label") />
            </div>
            <div class="field">
                <label for="q-help">"Aide à la réponse (facultatif)"</label>
                <input id="q-help" name="help" type="text" value=typed.help />
            </div>
            <div class="field">
                <label for="q-step">"Étape (page du formulaire)"</label>
                {message("q-step")}
                <input id="q-step" name="step" type="text" class="width-5" inputmode="numeric" value=typed.step
                    aria-invalid=invalid("q-step") aria-describedby=described("q-step") />
            </div>
            <div class="field">
                <label for="q-kind">"Type de réponse"</label>
                {message("q-kind")}
                <select id="q-kind" name="kind" aria-invalid=invalid("q-kind") aria-describedby=described("q-kind")>
                    {kinds.into_iter().map(|(id, label)| {
                        let selected = id == typed.kind;
                        view! { <option value=id selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="q-options">"Réponses possibles, pour un choix dans une liste (une par ligne)"</label>
                {message("q-options")}
                <textarea id="q-options" name="options" rows="3"
                    aria-invalid=invalid("q-options") aria-describedby=described("q-options")>{typed.options}</textarea>
            </div>
            <div class="field">
                <label for="q-fact">"Donnée qu'une administration peut transmettre, avec l'accord de l'usager (facultatif)"</label>
                <p class="hint" id="q-fact-hint">"Une réponse est alors pré-remplie ; un justificatif n'est plus demandé à l'usager qui donne son accord."</p>
                {message("q-fact")}
                <select id="q-fact" name="fact" aria-invalid=invalid("q-fact")
                    aria-describedby=match described("q-fact") { Some(e) => format!("q-fact-hint {e}"), None => "q-fact-hint".to_owned() }>
                    <option value="">"Aucune : l'usager répond lui-même"</option>
                    {facts.into_iter().map(|(id, label)| {
                        let selected = id == typed.fact;
                        view! { <option value=id selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <fieldset>
                <legend>"Pour un nombre ou un montant : réponses acceptées (facultatif)"</legend>
                <div class="field">
                    <label for="q-least">"Au moins"</label>
                    {message("q-least")}
                    <input id="q-least" name="least" type="text" class="width-10" inputmode="decimal" value=typed.least
                        aria-invalid=invalid("q-least") aria-describedby=described("q-least") />
                </div>
                <div class="field">
                    <label for="q-most">"Au plus"</label>
                    {message("q-most")}
                    <input id="q-most" name="most" type="text" class="width-10" inputmode="decimal" value=typed.most
                        aria-invalid=invalid("q-most") aria-describedby=described("q-most") />
                </div>
            </fieldset>
            <div class="choice">
                <input type="checkbox" id="q-required" name="required" value="on" checked=typed.required />
                <label for="q-required">"Réponse obligatoire"</label>
            </div>
            <button type="submit">"Ajouter la question"</button>
        </form>
    }
}

#[derive(Clone, Debug)]
pub struct CatalogueItem {
    pub href: String,
    pub title: String,
    pub summary: String,
}

/// The aids a citizen can ask for.
#[component]
pub fn CataloguePage(ctx: PageContext, aids: Vec<CatalogueItem>) -> impl IntoView {
    view! {
        <Document ctx title="Les aides du département".into()>
            <h1>"Les aides du département"</h1>
            {if aids.is_empty() {
                view! { <p>"Aucune aide n'est ouverte aux demandes en ce moment."</p> }.into_any()
            } else {
                view! {
                    <ul class="cards">
                        {aids.into_iter().map(|a| view! {
                            <li class="card">
                                <h2><a href=a.href>{a.title}</a></h2>
                                <p>{a.summary}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </Document>
    }
}

/// One aid, as a citizen reads it before asking for it.
#[component]
pub fn AidPublicPage(
    ctx: PageContext,
    title: String,
    description: String,
    eligibility: String,
    documents: Vec<String>,
    deadline_days: i32,
    silence_label: String,
    open: bool,
    file_href: String,
) -> impl IntoView {
    let catalogue = ctx.href("/aides");
    // Signed in, the button starts the draft at once (a POST); otherwise the link leads to
    // sign-in, then to the page that starts it.
    let csrf = ctx.csrf.clone();
    let signed_in = ctx.citizen.is_some();
    view! {
        <Document ctx title=title.clone()>
            <p><a href=catalogue>"Toutes les aides"</a></p>
            <h1>{title}</h1>
            <p>{description}</p>
            <h2>"Qui peut la demander ?"</h2>
            <p>{eligibility}</p>
            <h2>"Les documents à préparer"</h2>
            {if documents.is_empty() {
                view! { <p>"Aucun document n'est demandé."</p> }.into_any()
            } else {
                view! { <ul>{documents.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}</ul> }.into_any()
            }}
            <h2>"Et ensuite ?"</h2>
            <p>{format!("Le département vous répond dans un délai de {deadline_days} jours. Sans réponse à la fin de ce délai, son silence {silence_label}.")}</p>
            {if open {
                if signed_in {
                    view! {
                        <form method="post" action=file_href novalidate=true>
                            <CsrfField token=csrf />
                            <button type="submit">"Faire une demande"</button>
                        </form>
                    }.into_any()
                } else {
                    view! { <p><a class="button" href=file_href>"Faire une demande"</a></p> }.into_any()
                }
            } else {
                view! { <div class="alert" role="status"><p>"Cette aide n'est plus ouverte aux demandes."</p></div> }.into_any()
            }}
        </Document>
    }
}
