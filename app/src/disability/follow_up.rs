//! What follows the evaluation: the compensation plan the person answers, the RAPO they file
//! against a decision, their rights in force; and, for the team, the appeals to re-examine and
//! the rights ending without a renewal.

use leptos::prelude::*;

use crate::components::{
    FieldWidth, FilterOption, Notice, NoticeKind, Row, SelectField, SuccessNotice, SummaryList,
    SummaryRow, Table, TextArea, TextField,
};
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

/// One right of the plan: what the team proposes, and why.
#[derive(Clone, Debug)]
pub struct PlanLine {
    pub right: String,
    pub proposal: String,
    pub reason: Option<String>,
}

/// The compensation plan as the person reads and answers it.
#[derive(Clone, Debug)]
pub struct PlanView {
    pub reference: String,
    pub back: String,
    pub lines: Vec<PlanLine>,
    /// While the person may answer: the last day, and where to send the answer.
    pub open: Option<(String, String)>,
    /// Their answer, once sent.
    pub answered: Vec<(String, String)>,
    pub remarks: String,
    pub hearing: bool,
}

#[component]
pub fn PlanPage(
    ctx: PageContext,
    view: PlanView,
    errors: FieldErrors,
    notice: Option<String>,
    refusal: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let PlanView {
        reference,
        back,
        lines,
        open,
        answered,
        remarks,
        hearing,
    } = view;
    let rows = lines
        .into_iter()
        .map(|l| Row::text([l.right, l.proposal, l.reason.unwrap_or_default()]))
        .collect();
    view! {
        <Document ctx title=format!("Plan de compensation — demande {reference}")>
            <p><a href=back>{format!("Retour à la demande {reference}")}</a></p>
            <h1>"Votre plan personnalisé de compensation"</h1>
            <SuccessNotice text=notice />
            {refusal.map(|r| view! { <Notice kind=NoticeKind::Error><p>{r}</p></Notice> })}
            <ErrorSummary errors=errors.clone() />
            <p>"L'équipe de la MDPH a étudié votre situation. Voici ce qu'elle propose à la commission des droits et de l'autonomie (CDAPH), qui décidera."</p>
            <Table caption="Les propositions de l'équipe" headers=vec!["Droit", "Proposition", "Pourquoi"] rows
                empty="Aucune proposition." />
            {(!answered.is_empty()).then(|| view! {
                <h2>"Votre réponse"</h2>
                <SummaryList rows=SummaryRow::pairs(answered) />
            })}
            {open.map(|(by, action)| view! {
                <h2>"Votre réponse"</h2>
                <p>{format!("Vous pouvez écrire vos remarques, ou demander à être entendu par la commission, jusqu'au {by}. Sans réponse, la commission décidera après cette date.")}</p>
                <form method="post" action=action novalidate=true>
                    <CsrfField token=csrf />
                    <TextArea name="remarques" label="Vos remarques sur ce plan" value=remarks rows=6 maxlength=4000 optional=true
                        hint="Ce qui manque, ce qui ne correspond pas à votre situation, ce que vous souhaitez."
                        error=errors.of("remarques") />
                    <div class="field">
                        <div class="choice">
                            <input type="checkbox" id="entendu" name="entendu" value="oui" checked=hearing />
                            <label for="entendu">"Je demande à être entendu par la commission (vous pouvez venir accompagné)"</label>
                        </div>
                    </div>
                    <button type="submit">"Envoyer ma réponse"</button>
                </form>
            })}
        </Document>
    }
}

/// The decision the person contests, and the form of their appeal.
#[derive(Clone, Debug)]
pub struct ContestView {
    pub reference: String,
    pub back: String,
    pub right: String,
    pub decision: Vec<(String, String)>,
    /// Why the decision can no longer be contested, if it cannot.
    pub closed: Option<String>,
    /// The last day, when known.
    pub until: Option<String>,
    pub action: Option<String>,
    pub reasons: String,
}

#[component]
pub fn ContestPage(ctx: PageContext, view: ContestView, errors: FieldErrors) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let ContestView {
        reference,
        back,
        right,
        decision,
        closed,
        until,
        action,
        reasons,
    } = view;
    view! {
        <Document ctx title=format!("Contester une décision — {right}")>
            <p><a href=back>{format!("Retour à la demande {reference}")}</a></p>
            <h1>{format!("Contester la décision : {right}")}</h1>
            <ErrorSummary errors=errors.clone() />
            <SummaryList rows=SummaryRow::pairs(decision) />
            {closed.map(|c| view! { <Notice kind=NoticeKind::Error><p>{c}</p></Notice> })}
            {action.map(|action| view! {
                <h2>"Votre recours"</h2>
                <p>"Avant de saisir le tribunal, la loi demande un recours administratif préalable (RAPO) : la commission réexamine votre demande. Elle vous répond dans les 2 mois ; sans réponse, votre recours est rejeté et vous pouvez alors saisir le tribunal."</p>
                {until.map(|u| view! { <p>{format!("Vous pouvez contester cette décision jusqu'au {u}.")}</p> })}
                <form method="post" action=action novalidate=true>
                    <CsrfField token=csrf />
                    <TextArea name="motifs" label="Pourquoi contestez-vous cette décision ?" value=reasons rows=8 maxlength=4000
                        hint="Dites ce qui vous semble faux ou oublié. Vous pouvez ajouter des pièces à votre demande ensuite."
                        error=errors.of("motifs") />
                    <button type="submit">"Envoyer mon recours"</button>
                </form>
            })}
        </Document>
    }
}

/// One of the person's rights in force.
#[derive(Clone, Debug)]
pub struct RightInForce {
    pub right: String,
    pub period: String,
    pub ends_soon: bool,
}

/// The person's rights in force, with a word on those ending soon.
#[component]
pub fn RightsInForce(rights: Vec<RightInForce>) -> impl IntoView {
    let ending: Vec<String> = rights
        .iter()
        .filter(|r| r.ends_soon)
        .map(|r| r.right.clone())
        .collect();
    let rows = rights
        .into_iter()
        .map(|r| Row::text([r.right, r.period]))
        .collect();
    view! {
        <h2>"Mes droits en cours"</h2>
        {(!ending.is_empty()).then(|| view! {
            <Notice kind=NoticeKind::Info title=Some("Pensez à demander le renouvellement".to_owned())>
                <p>{format!("Ces droits prennent fin dans moins de 6 mois : {}. Demandez leur renouvellement dès maintenant, plus bas sur cette page, pour qu'ils ne s'interrompent pas.", ending.join(", "))}</p>
            </Notice>
        })}
        <Table caption="Les droits accordés par la commission" headers=vec!["Droit", "Période"] rows
            empty="Aucun droit en cours." />
    }
}

/// The plan, the receipts and the appeals on a file's staff page.
#[derive(Clone, Debug, Default)]
pub struct FollowUpView {
    pub plan: Vec<(String, String)>,
    pub send_plan: Option<String>,
    /// The form recording a notification's postal receipt: (action, the notifications not
    /// known to be received).
    pub receipt: Option<(String, Vec<FilterOption>)>,
    pub appeals: Vec<(String, String)>,
}

#[component]
pub fn StaffFollowUp(view: FollowUpView, csrf: String, errors: FieldErrors) -> impl IntoView {
    let FollowUpView {
        plan,
        send_plan,
        receipt,
        appeals,
    } = view;
    let csrf_plan = csrf.clone();
    view! {
        {(!plan.is_empty() || send_plan.is_some()).then(|| view! {
            <h2>"Plan personnalisé de compensation"</h2>
            <SummaryList rows=SummaryRow::pairs(plan) />
        })}
        {send_plan.map(|action| view! {
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf_plan />
                <p>"La personne reçoit les propositions de l'équipe et a 15 jours pour faire ses remarques ou demander à être entendue ; la commission décide après."</p>
                <button type="submit">"Envoyer le plan à la personne"</button>
            </form>
        })}
        {receipt.map(|(action, notifications)| view! {
            <h2>"Réception d'une notification"</h2>
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <p>"Le délai de recours court à partir de la réception : enregistrez la date de l'avis de réception postal, si la personne n'a pas ouvert la notification dans son espace."</p>
                <SelectField name="demande" label="Notification" options=notifications error=errors.of("demande") />
                <TextField name="recu_le" label="Reçue le" kind="date" width=FieldWidth::Chars10 value=String::new()
                    error=errors.of("recu_le") />
                <button type="submit" class="secondary">"Enregistrer la réception"</button>
            </form>
        })}
        {(!appeals.is_empty()).then(|| view! {
            <h2>"Recours (RAPO)"</h2>
            <SummaryList rows=SummaryRow::pairs(appeals) />
        })}
    }
}

/// An appeal waiting for the committee, with its answer form for the secretariat.
#[derive(Clone, Debug)]
pub struct AppealItem {
    pub id: i64,
    pub href: String,
    pub heading: String,
    pub facts: Vec<(String, String)>,
    pub action: Option<String>,
    /// Whether the right may have a complement level (AEEH, PCH).
    pub level: bool,
}

/// A right ending within 6 months with no renewal filed.
#[derive(Clone, Debug)]
pub struct EndingRow {
    pub href: String,
    pub reference: String,
    pub right: String,
    pub ends_on: String,
    pub invited: String,
}

/// The team's follow-up: the appeals to re-examine, the rights ending without a renewal.
#[component]
pub fn FollowUpPage(
    ctx: PageContext,
    appeals: Vec<AppealItem>,
    ending: Vec<EndingRow>,
    /// How many there are in all (the list shows the soonest).
    ending_total: usize,
    errors: FieldErrors,
    notice: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let ending_caption = if ending_total > ending.len() {
        format!(
            "Fins de droits dans les 6 mois : {ending_total}, les {} plus proches ici",
            ending.len()
        )
    } else {
        format!("Fins de droits dans les 6 mois : {ending_total}")
    };
    let ending_rows = ending
        .into_iter()
        .map(|e| {
            Row::new(vec![
                view! { <a href=e.href>{e.reference}</a> }.into_any(),
                e.right.into_any(),
                e.ends_on.into_any(),
                e.invited.into_any(),
            ])
        })
        .collect();
    view! {
        <Document ctx title="Recours et renouvellements".into()>
            <h1>"Recours et renouvellements"</h1>
            <SuccessNotice text=notice />
            <ErrorSummary errors=errors.clone() />
            <h2>"Recours à réexaminer"</h2>
            {if appeals.is_empty() {
                view! { <p class="empty">"Aucun recours en attente."</p> }.into_any()
            } else {
                appeals.into_iter().map(|a| view! { <AppealAnswer appeal=a csrf=csrf.clone() errors=errors.clone() /> }).collect_view().into_any()
            }}
            <h2>"Droits qui prennent fin sans renouvellement"</h2>
            <p>"Les droits accordés qui prennent fin dans les 6 mois, sans nouvelle demande déposée. La personne est invitée d'elle-même à demander le renouvellement ; un appel peut l'aider."</p>
            <Table caption=ending_caption headers=vec!["Dossier", "Droit", "Fin le", "Invitation envoyée"]
                rows=ending_rows empty="Aucun droit ne prend fin sans renouvellement dans les 6 mois." />
        </Document>
    }
}

#[component]
fn AppealAnswer(appeal: AppealItem, csrf: String, errors: FieldErrors) -> impl IntoView {
    let AppealItem {
        id,
        href,
        heading,
        facts,
        action,
        level,
    } = appeal;
    let key = |name: &str| format!("{name}-{id}");
    let answer_error = errors.of(&key("reponse"));
    let (keep_id, revise_id, reason_id) =
        (key("maintenir"), key("modifier"), key("motif_reexamen"));
    let reason_error = errors.of(&reason_id);
    let (answer_invalid, reason_invalid) = (answer_error.is_some(), reason_error.is_some());
    view! {
        <h3><a href=href>{heading.clone()}</a></h3>
        <SummaryList rows=SummaryRow::pairs(facts) />
        {action.map(|action| view! {
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <fieldset>
                    <legend>{format!("Réponse au recours : {heading}")}</legend>
                    <div class="field" class:field-invalid=answer_invalid>
                        {answer_error.map(|e| view! { <p class="field-error">{e}</p> })}
                        <div class="choice">
                            <input type="radio" id=keep_id.clone() name="reponse" value="maintained" />
                            <label for=keep_id>"La commission maintient sa décision"</label>
                        </div>
                        <div class="choice">
                            <input type="radio" id=revise_id.clone() name="reponse" value="revised" />
                            <label for=revise_id>"La commission modifie sa décision (nouvelle décision ci-dessous)"</label>
                        </div>
                    </div>
                    <div class="field" class:field-invalid=reason_invalid>
                        <label for=reason_id.clone()>"Motifs de la réponse"</label>
                        {reason_error.map(|e| view! { <p class="field-error">{e}</p> })}
                        <textarea id=reason_id name="motif_reexamen" rows=3 maxlength=4000></textarea>
                    </div>
                    <super::committee::DecisionFields suffix=format!("{id}") errors=errors.clone() level final_only=true />
                    <button type="submit">"Enregistrer la réponse"</button>
                </fieldset>
            </form>
        })}
    }
}
