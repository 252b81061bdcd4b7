//! The administrator's page on how long the department keeps each category of data: the
//! durations, what the last pass found past its term (the dry run before anything is removed),
//! and the files kept for a dispute.

use leptos::prelude::*;

use crate::components::{
    Choice, Choices, FieldWidth, Notice, NoticeKind, Row, SuccessNotice, Table, TextArea, TextField,
};
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

/// One category as the form shows it.
#[derive(Clone, Debug)]
pub struct RetentionCategory {
    /// Names its fields: `mois-{key}`, `appliquer-{key}`.
    pub key: String,
    pub label: String,
    /// « Entre 12 et 120 mois, à compter de leur dernière modification. »
    pub hint: String,
    pub basis: String,
    /// As typed, or as set.
    pub months: String,
    pub applied: bool,
    /// As saved (the summary's), whatever the form holds.
    pub saved: (u32, bool),
    /// What the last pass found: « 12 supprimées le 3 décembre 2026 », « 40 à supprimer (compté
    /// le …) », or « Pas encore compté ».
    pub last_pass: String,
    /// « dont 2 conservées pour un litige », or empty.
    pub held: String,
}

/// A dispute's hold, as listed.
#[derive(Clone, Debug)]
pub struct HoldRow {
    pub citizen: String,
    pub reason: String,
    pub since: String,
    pub lift_action: String,
}

#[component]
pub fn RetentionPage(
    ctx: PageContext,
    categories: Vec<RetentionCategory>,
    holds: Vec<HoldRow>,
    /// The hold form as typed.
    hold_citizen: String,
    hold_reason: String,
    errors: FieldErrors,
    notice: Option<String>,
) -> impl IntoView {
    let settings_action = ctx.href("/agents/admin/conservation");
    let count_action = ctx.href("/agents/admin/conservation/compter");
    let hold_action = ctx.href("/agents/admin/conservation/litiges");
    let (csrf, count_csrf, hold_csrf) = (ctx.csrf.clone(), ctx.csrf.clone(), ctx.csrf.clone());
    let summary_errors = errors.clone();
    let summary = categories
        .iter()
        .map(|c| {
            Row::text([
                c.label.clone(),
                format!("{}\u{a0}mois", c.saved.0),
                if c.saved.1 {
                    "Supprimé chaque jour".to_owned()
                } else {
                    "Compté seulement".to_owned()
                },
                [c.last_pass.clone(), c.held.clone()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(", "),
            ])
        })
        .collect();
    let fields = categories
        .into_iter()
        .map(|c| {
            let error = errors.of(&format!("mois-{}", c.key));
            view! { <CategoryFields category=c error /> }
        })
        .collect_view();
    view! {
        <Document ctx title="Conservation des données".into()>
            <h1>"Conservation des données"</h1>
            <SuccessNotice text=notice />
            <ErrorSummary errors=summary_errors />
            <p>"Chaque catégorie de données est gardée le temps que la loi ou le référentiel de la CNIL pour le secteur social et médico-social prévoit, puis supprimée. Chaque nuit, la plateforme compte ce qui a dépassé sa durée ; elle ne le supprime que dans les catégories où vous l'avez demandé, après avoir lu ce compte. Les dossiers conservés pour un litige ne perdent rien. Chaque suppression est inscrite au journal, et dans le dossier de l'usager concerné."</p>
            <Table
                caption="Ce que le dernier passage a trouvé"
                headers=vec!["Catégorie", "Durée", "Suppression", "Dernier passage"]
                rows=summary
                empty="Aucune catégorie de données."
            />
            <form method="post" action=count_action>
                <CsrfField token=count_csrf />
                <button type="submit" class="secondary">"Compter maintenant, sans rien supprimer"</button>
            </form>
            <h2>"Durées et suppression"</h2>
            <form method="post" action=settings_action novalidate=true>
                <CsrfField token=csrf />
                {fields}
                <button type="submit">"Enregistrer"</button>
            </form>
            <LegalHolds holds action=hold_action csrf=hold_csrf citizen=hold_citizen reason=hold_reason errors />
        </Document>
    }
}

/// One category's duration and switch.
#[component]
fn CategoryFields(category: RetentionCategory, error: Option<String>) -> impl IntoView {
    let applied = Choice {
        value: "oui".into(),
        label: "Supprimer chaque jour ce qui a dépassé cette durée".into(),
        checked: category.applied,
    };
    view! {
        <fieldset class="group">
            <legend>{category.label}</legend>
            <p class="hint">{category.basis}</p>
            <TextField
                name=format!("mois-{}", category.key)
                label="Durée de conservation"
                value=category.months
                width=FieldWidth::Chars5
                inputmode="numeric"
                unit="mois"
                hint=category.hint
                error=error
            />
            <Choices
                name=format!("appliquer-{}", category.key)
                legend="Suppression"
                multiple=true
                options=vec![applied]
            />
        </fieldset>
    }
}

/// The holds under way, each with its button to lift it, and the form to place one.
#[component]
fn LegalHolds(
    holds: Vec<HoldRow>,
    action: String,
    csrf: String,
    citizen: String,
    reason: String,
    errors: FieldErrors,
) -> impl IntoView {
    let rows = holds
        .into_iter()
        .map(|h| {
            let csrf = csrf.clone();
            Row::new(vec![
                h.citizen.into_any(),
                h.reason.into_any(),
                h.since.into_any(),
                view! {
                    <form method="post" action=h.lift_action class="inline">
                        <CsrfField token=csrf />
                        <button type="submit" class="secondary">"Lever la conservation"</button>
                    </form>
                }
                .into_any(),
            ])
        })
        .collect();
    view! {
        <h2>"Dossiers conservés pour un litige"</h2>
        <Notice kind=NoticeKind::Info>
            <p>"Tant qu'un recours, une réclamation ou une procédure est en cours, rien du dossier de l'usager n'est supprimé, quel que soit son âge."</p>
        </Notice>
        <Table
            caption="Conservations en cours"
            headers=vec!["Usager", "Raison", "Depuis", "Action"]
            rows
            empty="Aucun dossier n'est conservé pour un litige."
        />
        <form method="post" action=action novalidate=true>
            <CsrfField token=csrf />
            <TextField
                name="usager"
                label="Numéro de l'usager"
                value=citizen
                width=FieldWidth::Chars10
                inputmode="numeric"
                hint="Il figure sur sa fiche, après « Usager n° »."
                error=errors.of("usager")
            />
            <TextArea
                name="raison"
                label="Raison"
                hint="La référence du recours ou du litige."
                rows=2
                maxlength=500
                value=reason
                error=errors.of("raison")
            />
            <button type="submit">"Conserver ce dossier"</button>
        </form>
    }
}

/// What the department must keep of a citizen, and why.
#[derive(Clone, Debug)]
pub struct KeptLine {
    pub what: String,
    pub why: String,
}

/// The citizen's request to erase their data: refused with each reason, or offered with what
/// it erases and what stays.
#[component]
pub fn ErasurePage(
    ctx: PageContext,
    /// Empty when the erasure is possible.
    kept: Vec<KeptLine>,
    /// What stays after an erasure in any case.
    always_kept: Vec<String>,
    /// Each category's duration, as « Fils de messages : 24 mois après leur dernier message ».
    durations: Vec<String>,
    errors: FieldErrors,
) -> impl IntoView {
    let action = ctx.href("/mon-espace/effacement");
    let space = ctx.href("/mon-espace");
    let csrf = ctx.csrf.clone();
    let possible = kept.is_empty();
    let confirm = Choice {
        value: "oui".into(),
        label: "Je veux effacer mon compte et mes données ; je sais que c'est définitif.".into(),
        checked: false,
    };
    view! {
        <Document ctx title="Effacer mes données".into()>
            <h1>"Effacer mes données"</h1>
            <ErrorSummary errors=errors.clone() />
            {if possible {
                view! {
                    <p>"Vous pouvez demander l'effacement de votre compte et de tout ce que le département conserve sur vous : vos brouillons, vos documents, vos messages, vos rendez-vous, vos accords et les informations reçues des administrations, vos coordonnées et votre foyer."</p>
                    <p>"Restent seulement :"</p>
                    <ul>{always_kept.into_iter().map(|k| view! { <li>{k}</li> }).collect_view()}</ul>
                    <form method="post" action=action novalidate=true>
                        <CsrfField token=csrf />
                        <Choices name="confirmation" legend="Confirmation" multiple=true options=vec![confirm] error=errors.of("confirmation-0") />
                        <button type="submit">"Effacer mes données"</button>
                    </form>
                }.into_any()
            } else {
                view! {
                    <Notice kind=NoticeKind::Info title=Some("Le département ne peut pas effacer vos données maintenant".to_owned())>
                        <p>"La loi l'oblige à garder :"</p>
                        <ul>{kept.into_iter().map(|k| view! { <li><strong>{k.what}</strong>" : "{k.why}</li> }).collect_view()}</ul>
                    </Notice>
                    <p>"Vos autres données restent effacées à leur terme, sans que vous ayez à le demander."</p>
                }.into_any()
            }}
            <h2>"Combien de temps le département garde vos données"</h2>
            <ul>{durations.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}</ul>
            <p><a href=space>"Retour à mon espace"</a></p>
        </Document>
    }
}

/// After the erasure: the citizen is signed out, their account gone.
#[component]
pub fn ErasedPage(
    ctx: PageContext,
    /// Whether a confirmation went to the account's address.
    mailed: bool,
) -> impl IntoView {
    let home = ctx.href("/");
    view! {
        <Document ctx title="Données effacées".into()>
            <h1>"Vos données sont effacées"</h1>
            <p>"Votre compte et les données que le département conservait sur vous sont effacés. Cet effacement est inscrit au journal du département."</p>
            {mailed.then(|| view! {
                <p>"Un courriel vous le confirme à l'adresse de votre compte."</p>
            })}
            <p><a href=home>"Retour à l'accueil du département"</a></p>
        </Document>
    }
}
