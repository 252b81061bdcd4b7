//! The contrat d'engagement's pages: the referent's (writing a version, its actions, signing
//! it for the department, keeping the paper signed) and the person's in their space (reading
//! it, signing it, marking an action done).

use leptos::prelude::*;

use crate::components::{
    Badge, FieldWidth, FileField, FilterOption, Notice, NoticeKind, Row, SelectField,
    SuccessNotice, SummaryList, SummaryRow, Table, TextArea, TextField, Tone,
};
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

/// One action of a version.
#[derive(Clone, Debug)]
pub struct ActionRow {
    pub theme: String,
    pub title: String,
    pub due: String,
    /// « À faire », « Faite le 12/01/2027 (la personne) ».
    pub state: String,
    /// Where to mark it done, while it is open in the version in force.
    pub done_action: Option<String>,
    /// Where to take it out, while the version is a draft.
    pub remove_action: Option<String>,
}

/// A version of the contract as read: its terms and its actions.
#[derive(Clone, Debug)]
pub struct VersionView {
    /// « Version 2 », with where it stands.
    pub heading: String,
    pub status: String,
    pub tone: Tone,
    pub terms: Vec<(String, String)>,
    pub actions: Vec<ActionRow>,
}

/// The terms' fields, as typed.
#[derive(Clone, Debug, Default)]
pub struct TermsForm {
    pub action: String,
    pub goals: String,
    pub weekly_hours: String,
    pub reduction_reason: String,
    pub review_on: String,
    pub button: String,
}

/// The new action's fields, as typed.
#[derive(Clone, Debug, Default)]
pub struct ActionForm {
    pub action: String,
    pub themes: Vec<FilterOption>,
    pub title: String,
    pub due_on: String,
}

/// What the referent sees and may do on a person's contract.
#[derive(Clone, Debug)]
pub struct ContractPageView {
    pub name: String,
    pub person_href: String,
    /// The orientation in force, in words; none: no contract can be written yet.
    pub orientation: Option<String>,
    /// The month to sign: (words, tone, last day).
    pub sign_by: Option<(String, Tone, String)>,
    /// The version being written or waiting for the person.
    pub writing: Option<VersionView>,
    /// The draft's terms (or a new version's).
    pub terms_form: Option<TermsForm>,
    pub action_form: Option<ActionForm>,
    /// Signing the draft for the department.
    pub sign_action: Option<String>,
    /// Keeping the scan of the paper signed, while the version waits for the person.
    pub paper_action: Option<String>,
    /// Taking that version back to change it.
    pub take_back_action: Option<String>,
    pub in_force: Option<VersionView>,
    /// (version, status, signed on, how).
    pub history: Vec<Vec<String>>,
}

/// The table of a version's actions, with the buttons each row allows.
#[component]
fn ActionsTable(actions: Vec<ActionRow>, csrf: String, caption: String) -> impl IntoView {
    let rows = actions
        .into_iter()
        .map(|a| {
            let done = a.done_action.map(|action| {
                let label = format!("C'est fait : {}", a.title);
                view! {
                    <form method="post" action=action class="inline" novalidate=true>
                        <CsrfField token=csrf.clone() />
                        <button type="submit" class="secondary" aria-label=label>"C'est fait"</button>
                    </form>
                }
            });
            let remove = a.remove_action.map(|action| {
                let label = format!("Retirer : {}", a.title);
                view! {
                    <form method="post" action=action class="inline" novalidate=true>
                        <CsrfField token=csrf.clone() />
                        <button type="submit" class="secondary" aria-label=label>"Retirer"</button>
                    </form>
                }
            });
            Row::new(vec![
                a.theme.into_any(),
                a.title.into_any(),
                a.due.into_any(),
                view! { {a.state} {done} {remove} }.into_any(),
            ])
        })
        .collect();
    view! {
        <Table caption headers=vec!["Thème", "Action", "Échéance", "Où elle en est"] rows
            empty="Aucune action pour l'instant." />
    }
}

/// A version: where it stands, its terms, its actions.
#[component]
pub fn ContractVersion(version: VersionView, csrf: String) -> impl IntoView {
    let VersionView {
        heading,
        status,
        tone,
        terms,
        actions,
    } = version;
    let caption = format!("Actions — {heading}");
    view! {
        <h3>{heading} " " <Badge text=status tone /></h3>
        <SummaryList rows=SummaryRow::pairs(terms) />
        <ActionsTable actions csrf caption />
    }
}

#[component]
fn TermsFields(form: TermsForm, csrf: String, errors: FieldErrors) -> impl IntoView {
    let TermsForm {
        action,
        goals,
        weekly_hours,
        reduction_reason,
        review_on,
        button,
    } = form;
    view! {
        <form method="post" action=action novalidate=true>
            <CsrfField token=csrf />
            <TextArea name="goals" label="Objectifs" value=goals rows=4 maxlength=2000
                hint="Ce que la personne et le référent visent ensemble ; la personne les lira dans son espace."
                error=errors.of("goals") />
            <TextField name="weekly_hours" label="Heures d'activité par semaine" value=weekly_hours
                inputmode="numeric" width=FieldWidth::Chars5 unit="heures"
                hint="15 heures au moins, sauf réduction motivée."
                error=errors.of("weekly_hours") />
            <TextArea name="reduction_reason" label="Raison d'une réduction sous 15 heures"
                value=reduction_reason rows=2 maxlength=1000 optional=true
                hint="Santé, handicap, parent isolé, situation de la personne…"
                error=errors.of("reduction_reason") />
            <TextField name="review_on" label="Prochain point sur le contrat" kind="date" value=review_on
                width=FieldWidth::Chars10 hint="Dans les 6 mois ; dans les 12 mois sur le parcours social."
                error=errors.of("review_on") />
            <button type="submit">{button}</button>
        </form>
    }
}

#[component]
fn ActionFields(form: ActionForm, csrf: String, errors: FieldErrors) -> impl IntoView {
    let ActionForm {
        action,
        themes,
        title,
        due_on,
    } = form;
    view! {
        <h3>"Ajouter une action"</h3>
        <form method="post" action=action novalidate=true>
            <CsrfField token=csrf />
            <SelectField name="theme" label="Thème" options=themes error=errors.of("theme") />
            <TextField name="title" label="Action" value=title maxlength=200
                hint="Ce que la personne fera, dit simplement : elle le lira."
                error=errors.of("title") />
            <TextField name="due_on" label="Échéance" kind="date" value=due_on optional=true
                width=FieldWidth::Chars10 error=errors.of("due_on") />
            <button type="submit" class="secondary">"Ajouter l'action"</button>
        </form>
    }
}

/// The referent's page on a person's contract.
#[component]
pub fn ContractPage(
    ctx: PageContext,
    contract: ContractPageView,
    errors: FieldErrors,
    notice: Option<String>,
    refusal: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let ContractPageView {
        name,
        person_href,
        orientation,
        sign_by,
        writing,
        terms_form,
        action_form,
        sign_action,
        paper_action,
        take_back_action,
        in_force,
        history,
    } = contract;
    let c7 = csrf.clone();
    let writing_heading = writing.is_some();
    let (c1, c2, c3, c4, c5, c6) = (
        csrf.clone(),
        csrf.clone(),
        csrf.clone(),
        csrf.clone(),
        csrf.clone(),
        csrf.clone(),
    );
    let (e1, e2, e3) = (errors.clone(), errors.clone(), errors.clone());
    view! {
        <Document ctx title=format!("{name} — contrat d'engagement")>
            <p><a href=person_href>{format!("Retour au suivi de {name}")}</a></p>
            <h1>"Contrat d'engagement"</h1>
            <p class="lead">{name.clone()}</p>
            <SuccessNotice text=notice />
            {refusal.map(|r| view! { <Notice kind=NoticeKind::Error><p>{r}</p></Notice> })}
            <ErrorSummary errors=errors.clone() />
            {match orientation {
                Some(o) => view! { <p>"Orientation en cours : " {o}</p> }.into_any(),
                None => view! {
                    <p>"La personne n'a pas d'orientation en cours : le contrat se prépare une fois l'orientation décidée."</p>
                }.into_any(),
            }}
            {sign_by.map(|(text, tone, last)| view! {
                <p>"Délai pour signer le contrat : " <Badge text tone /> {format!(" (avant le {last})")}</p>
            })}
            {writing_heading.then(|| view! { <h2>"Version en préparation"</h2> })}
            {writing.map(|v| view! { <ContractVersion version=v csrf=c1 /> })}
            {terms_form.map(|form| {
                let title = if writing_heading { "Les termes" } else { "Préparer une version du contrat" };
                view! { <h3>{title}</h3> <TermsFields form csrf=c2 errors=e1 /> }
            })}
            {action_form.map(|form| view! { <ActionFields form csrf=c3 errors=e2 /> })}
            {sign_action.map(|action| view! {
                <h3>"Signer pour le département"</h3>
                <p>"Une fois signée, cette version ne change plus : la personne la lit et la signe dans son espace, ou sur papier."</p>
                <form method="post" action=action novalidate=true>
                    <CsrfField token=c4 />
                    <button type="submit">"Signer pour le département"</button>
                </form>
            })}
            {paper_action.map(|action| view! {
                <h3>"Signée sur papier"</h3>
                <p>"Si la personne a signé le contrat imprimé, gardez-en la copie numérisée : le contrat entre en vigueur."</p>
                <form method="post" action=action enctype="multipart/form-data" novalidate=true>
                    <CsrfField token=c5 />
                    <FileField name="scan" label="Copie du contrat signé" error=e3.of("scan") />
                    <button type="submit" class="secondary">"Enregistrer le contrat signé"</button>
                </form>
            })}
            {take_back_action.map(|action| view! {
                <h3>"Modifier avant la signature de la personne"</h3>
                <p>"La version redevient un brouillon : la personne ne la voit plus jusqu'à ce que vous la signiez de nouveau."</p>
                <form method="post" action=action novalidate=true>
                    <CsrfField token=c7 />
                    <button type="submit" class="secondary">"Reprendre la version pour la modifier"</button>
                </form>
            })}
            <h2>"Contrat en vigueur"</h2>
            {match in_force {
                Some(v) => view! { <ContractVersion version=v csrf=c6 /> }.into_any(),
                None => view! { <p>"Aucun contrat signé pour l'instant."</p> }.into_any(),
            }}
            {(!history.is_empty()).then(|| view! {
                <crate::components::DataTable
                    caption="Versions du contrat"
                    headers=&["Version", "État", "Signée le", "Signature de la personne"]
                    rows=history
                    empty=""
                />
            })}
        </Document>
    }
}

/// The person's follow-up as they read it in their space.
#[derive(Clone, Debug)]
pub struct MyFollowUpView {
    /// Their orientation, referent… as label and value.
    pub facts: Vec<(String, String)>,
    /// The meetings to book: what to click, and the booking link.
    pub invitations: Vec<(String, String)>,
    /// The version waiting for their signature, and where to sign it.
    pub to_sign: Option<(VersionView, String)>,
    pub in_force: Option<VersionView>,
    pub cases: Vec<super::MyCaseView>,
}

/// `/mon-espace/rsa`: the person's orientation, referent and contract.
#[component]
pub fn MyFollowUpPage(
    ctx: PageContext,
    follow_up: MyFollowUpView,
    errors: FieldErrors,
    notice: Option<String>,
    refusal: Option<String>,
) -> impl IntoView {
    let (c1, c2, c3, c4) = (
        ctx.csrf.clone(),
        ctx.csrf.clone(),
        ctx.csrf.clone(),
        ctx.csrf.clone(),
    );
    let MyFollowUpView {
        facts,
        invitations,
        to_sign,
        in_force,
        cases,
    } = follow_up;
    let case_errors = errors.clone();
    let sign_error = errors.of("read-0");
    let sign_invalid = sign_error.is_some();
    view! {
        <Document ctx title="Votre accompagnement RSA".to_owned()>
            <h1>"Votre accompagnement RSA"</h1>
            <SuccessNotice text=notice />
            {refusal.map(|r| view! { <Notice kind=NoticeKind::Error><p>{r}</p></Notice> })}
            <ErrorSummary errors=errors.clone() />
            <p>"Le RSA s'accompagne d'un suivi : un parcours décidé avec vous, un référent, et un contrat d'engagement qui dit ce que vous ferez et ce que le département fera pour vous."</p>
            <SummaryList rows=SummaryRow::pairs(facts) />
            {(!invitations.is_empty()).then(|| view! {
                <h2>"Vos rendez-vous à prendre"</h2>
                <ul>
                    {invitations.into_iter().map(|(text, href)| view! { <li><a href=href>{text}</a></li> }).collect_view()}
                </ul>
            })}
            {to_sign.map(|(version, action)| view! {
                <h2>"Votre contrat à signer"</h2>
                <p>"Lisez-le : il a été préparé avec votre référent et signé par le département. Si quelque chose ne vous convient pas, écrivez à votre référent avant de signer."</p>
                <ContractVersion version csrf=c1 />
                <form method="post" action=action novalidate=true>
                    <CsrfField token=c2 />
                    <fieldset class="choices" class:field-invalid=sign_invalid>
                        <legend>"Votre signature"</legend>
                        {sign_error.clone().map(|e| view! { <p class="field-error" id="read-error">{e}</p> })}
                        <div class="choice">
                            <input type="checkbox" id="read-0" name="read" value="oui"
                                aria-describedby=sign_invalid.then_some("read-error") />
                            <label for="read-0">"J'ai lu mon contrat d'engagement et je m'engage à le suivre."</label>
                        </div>
                    </fieldset>
                    <button type="submit">"Signer mon contrat"</button>
                </form>
            })}
            <h2>"Votre contrat en vigueur"</h2>
            {match in_force {
                Some(version) => view! {
                    <p>"Quand vous avez fait une action, dites-le : votre référent le verra."</p>
                    <ContractVersion version csrf=c3 />
                }.into_any(),
                None => view! { <p>"Vous n'avez pas encore de contrat signé."</p> }.into_any(),
            }}
            <super::MyCases cases csrf=c4 errors=case_errors />
        </Document>
    }
}
