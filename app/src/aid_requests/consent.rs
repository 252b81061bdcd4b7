//! The consent step of a request: which national sources the citizen agrees to share.

use leptos::prelude::*;

use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};

/// One source the citizen may agree to.
#[derive(Clone, Debug)]
pub struct ConsentChoice {
    /// The form field's name (`accord-<source>`).
    pub name: String,
    /// "votre quotient familial (CAF ou MSA)"
    pub what: String,
    /// "la CAF ou la MSA"
    pub provider: String,
    /// The questions it answers or the certificates it replaces.
    pub replaces: Vec<String>,
    pub checked: bool,
    /// For a source that knows people by an identifier (France Travail): the field asking
    /// for it.
    pub identifier: Option<IdentifierField>,
}

/// The identifier a source needs, with what was typed and what is wrong with it.
#[derive(Clone, Debug)]
pub struct IdentifierField {
    pub name: String,
    pub label: String,
    pub value: String,
    pub error: Option<String>,
}

/// Before the first step: does the citizen agree that the department fetches some answers?
#[component]
pub fn ConsentPage(
    ctx: PageContext,
    aid_title: String,
    choices: Vec<ConsentChoice>,
    action: String,
    my_data_href: String,
    /// Set when the service is known to be down: the citizen is told they will be asked for
    /// the certificates.
    degraded: Option<String>,
    errors: crate::validation::FieldErrors,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    view! {
        <Document ctx title=format!("{aid_title} — vos informations auprès des administrations")>
            <h1>{aid_title}</h1>
            <p class="steps">"Avant de commencer"</p>
            <ErrorSummary errors />
            <h2>"Gagnez du temps : nous pouvons demander certaines informations pour vous"</h2>
            <p>"Avec votre accord, le département obtient ces informations directement auprès des administrations qui les connaissent. Vous n'aurez pas à envoyer de justificatif. Sans votre accord, vous les indiquerez vous-même et joindrez le justificatif : votre demande sera traitée de la même façon."</p>
            {degraded.map(|text| view! { <div class="alert" role="status"><p>{text}</p></div> })}
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <fieldset>
                    <legend>"Ce que vous acceptez de nous laisser demander"</legend>
                    {choices.into_iter().map(|c| {
                        let id = c.name.clone();
                        let hint = format!("{id}-hint");
                        let replaces = c.replaces.join(", ");
                        view! {
                            <div class="field">
                                <input type="checkbox" id=id.clone() name=id.clone() value="on" checked=c.checked aria-describedby=hint.clone() />
                                <label for=id>{format!("J'accepte que le département obtienne {} auprès de {} pour cette demande.", c.what, c.provider)}</label>
                                <p class="hint" id=hint>{format!("Cela concerne : {replaces}.")}</p>
                                {c.identifier.map(|field| {
                                    let error_id = format!("{}-error", field.name);
                                    let invalid = field.error.is_some().then_some("true");
                                    let described = field.error.is_some().then(|| error_id.clone());
                                    view! {
                                        <label for=field.name.clone()>{field.label}</label>
                                        {field.error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
                                        <input type="text" id=field.name.clone() name=field.name autocomplete="off" value=field.value aria-invalid=invalid aria-describedby=described />
                                    }
                                })}
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <p>"Votre accord vaut douze mois, pour cette aide seulement. Vous pouvez le retirer à tout moment dans "<a href=my_data_href>"Mes données"</a>" : plus rien ne sera alors demandé en votre nom."</p>
                <button type="submit">"Continuer"</button>
            </form>
        </Document>
    }
}
