//! Sanction cases' pages: opening one, the case with the step the officer takes next, and the
//! person's side in their space (where the case stands, their observations).

use leptos::prelude::*;

use crate::components::{
    Badge, Choice, Choices, FieldWidth, Notice, NoticeKind, Row, SuccessNotice, SummaryList,
    SummaryRow, Table, TextArea, TextField, Tone,
};
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

/// The sanction's fields (planned or decided), as typed.
#[derive(Clone, Debug, Default)]
pub struct SanctionFields {
    pub measure: String,
    pub rate: String,
    pub months: String,
}

#[component]
fn SanctionInputs(fields: SanctionFields, errors: FieldErrors) -> impl IntoView {
    let options = [
        (
            "suspension",
            "Suspension-remobilisation (une part du RSA, pour 1 à 2 mois, 4 en cas de récidive)",
        ),
        (
            "suppression",
            "Suppression du RSA (après l'avis de l'équipe pluridisciplinaire)",
        ),
    ]
    .iter()
    .map(|(value, label)| Choice {
        value: (*value).to_owned(),
        label: (*label).to_owned(),
        checked: fields.measure == *value,
    })
    .collect();
    view! {
        <Choices name="measure" legend="Sanction" options error=errors.of("measure-0") />
        <TextField name="rate" label="Taux de la suspension" value=fields.rate inputmode="numeric"
            width=FieldWidth::Chars5 unit="%" hint="30 % au moins ; 50 % au plus pour un foyer de plus d'une personne."
            error=errors.of("rate") />
        <TextField name="months" label="Durée de la suspension" value=fields.months inputmode="numeric"
            width=FieldWidth::Chars5 unit="mois" error=errors.of("months") />
    }
}

/// Opening a case, as typed.
#[derive(Clone, Debug, Default)]
pub struct OpenCaseView {
    pub name: String,
    pub person_href: String,
    pub action: String,
    pub ground: String,
    pub facts: String,
    pub household_size: String,
    pub sanction: SanctionFields,
    /// A suspension was decided before: said, since the duration may be longer.
    pub repeated: bool,
}

const GROUNDS: [(&str, &str); 3] = [
    (
        "refused_contract",
        "Refus de signer le contrat d'engagement",
    ),
    ("contract_breach", "Manquement aux engagements du contrat"),
    (
        "missed_appointment",
        "Absence à un rendez-vous sans motif légitime",
    ),
];

#[component]
pub fn OpenCasePage(ctx: PageContext, case: OpenCaseView, errors: FieldErrors) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let grounds = GROUNDS
        .iter()
        .map(|(value, label)| Choice {
            value: (*value).to_owned(),
            label: (*label).to_owned(),
            checked: case.ground == *value,
        })
        .collect();
    let name = case.name.clone();
    view! {
        <Document ctx title=format!("{name} — procédure de sanction")>
            <p><a href=case.person_href>{format!("Retour au suivi de {name}")}</a></p>
            <h1>"Ouvrir une procédure de sanction"</h1>
            <ErrorSummary errors=errors.clone() />
            <p>"La personne sera informée des faits et de la sanction envisagée, et aura un mois pour présenter ses observations avant toute décision."</p>
            {case.repeated.then(|| view! { <p>"Une suspension a déjà été décidée pour cette personne : la durée peut aller jusqu'à 4 mois."</p> })}
            <form method="post" action=case.action novalidate=true>
                <CsrfField token=csrf />
                <Choices name="ground" legend="Motif" options=grounds error=errors.of("ground-0") />
                <TextArea name="facts" label="Les faits" value=case.facts rows=4 maxlength=4000
                    hint="Ce qui s'est passé, avec les dates : la personne les lira tels quels."
                    error=errors.of("facts") />
                <TextField name="household_size" label="Personnes au foyer" value=case.household_size
                    inputmode="numeric" width=FieldWidth::Chars5 unit="personnes"
                    hint="Le plafond de 50 % vaut pour un foyer de plus d'une personne."
                    error=errors.of("household_size") />
                <SanctionInputs fields=case.sanction errors=errors.clone() />
                <button type="submit">"Ouvrir la procédure"</button>
            </form>
        </Document>
    }
}

/// What the officer may do next on a case, each with its form's values as typed.
#[derive(Clone, Debug, Default)]
pub struct CaseSteps {
    pub notify: Option<String>,
    /// (action, observations, assisted by).
    pub heard: Option<(String, String, String)>,
    /// (action, session day): on a session's agenda.
    pub schedule: Option<(String, String)>,
    /// (action, session day, opinion).
    pub opinion: Option<(String, String, String)>,
    /// (action, sanction, reason, starts on).
    pub decide: Option<(String, SanctionFields, String, String)>,
    /// (action, reason, on).
    pub lift: Option<(String, String, String)>,
}

/// A case on its page.
#[derive(Clone, Debug)]
pub struct CaseView {
    pub id: i64,
    pub name: String,
    pub person_href: String,
    pub status: String,
    pub tone: Tone,
    pub lines: Vec<(String, String)>,
    /// The notice to print, once the person is told.
    pub letter_href: Option<String>,
    pub steps: CaseSteps,
}

#[component]
fn CaseStepForms(steps: CaseSteps, csrf: String, errors: FieldErrors) -> impl IntoView {
    let CaseSteps {
        notify,
        heard,
        schedule,
        opinion,
        decide,
        lift,
    } = steps;
    let (c1, c2, c3, c4, c5) = (
        csrf.clone(),
        csrf.clone(),
        csrf.clone(),
        csrf.clone(),
        csrf.clone(),
    );
    let (e1, e2, e3, e4) = (
        errors.clone(),
        errors.clone(),
        errors.clone(),
        errors.clone(),
    );
    let schedule_error = errors.of("agenda_on");
    view! {
        {notify.map(|action| view! {
            <h2>"Informer la personne"</h2>
            <p>"La personne lit les faits et la sanction envisagée dans son espace ; imprimez aussi le courrier. Elle a un mois pour répondre."</p>
            <form method="post" action=action novalidate=true>
                <CsrfField token=c1 />
                <button type="submit">"Informer la personne"</button>
            </form>
        })}
        {heard.map(|(action, observations, assisted)| view! {
            <h2>"Observations recueillies en entretien"</h2>
            <form method="post" action=action novalidate=true>
                <CsrfField token=c2 />
                <TextArea name="observations" label="Ce que la personne a dit" value=observations rows=4
                    maxlength=4000 error=e1.of("observations") />
                <TextField name="assisted_by" label="Assistée par" value=assisted optional=true
                    hint="La personne de son choix qui l'accompagnait, s'il y en avait une."
                    error=e1.of("assisted_by") />
                <button type="submit" class="secondary">"Enregistrer les observations"</button>
            </form>
        })}
        {schedule.map(|(action, on)| view! {
            <h2>"Séance de l'équipe pluridisciplinaire"</h2>
            <form method="post" action=action novalidate=true>
                <CsrfField token=csrf />
                <TextField name="agenda_on" label="Inscrire à la séance du" kind="date" value=on
                    width=FieldWidth::Chars10 error=schedule_error />
                <button type="submit" class="secondary">"Inscrire à l'ordre du jour"</button>
            </form>
        })}
        {opinion.map(|(action, session_on, opinion)| view! {
            <h2>"Avis de l'équipe pluridisciplinaire"</h2>
            <form method="post" action=action novalidate=true>
                <CsrfField token=c3 />
                <TextField name="session_on" label="Date de la séance" kind="date" value=session_on
                    width=FieldWidth::Chars10 error=e2.of("session_on") />
                <TextArea name="opinion" label="Avis" value=opinion rows=3 maxlength=4000
                    error=e2.of("opinion") />
                <button type="submit" class="secondary">"Enregistrer l'avis"</button>
            </form>
        })}
        {decide.map(|(action, sanction, reason, starts_on)| view! {
            <h2>"Décider"</h2>
            <form method="post" action=action novalidate=true>
                <CsrfField token=c4 />
                <SanctionInputs fields=sanction errors=e3.clone() />
                <TextArea name="reason" label="Motifs de la décision" value=reason rows=3 maxlength=4000
                    hint="Ce qui fonde la décision, au vu des observations : la personne le lira."
                    error=e3.of("reason") />
                <TextField name="starts_on" label="À partir du" kind="date" value=starts_on
                    width=FieldWidth::Chars10 error=e3.of("starts_on") />
                <button type="submit" name="outcome" value="sanction">"Décider la sanction"</button>
                " "
                <button type="submit" name="outcome" value="none" class="secondary">"Classer sans suite"</button>
            </form>
        })}
        {lift.map(|(action, reason, on)| view! {
            <h2>"Lever la sanction"</h2>
            <form method="post" action=action novalidate=true>
                <CsrfField token=c5 />
                <TextArea name="reason" label="Ce que la personne a fait" value=reason rows=2 maxlength=4000
                    error=e4.of("reason") />
                <TextField name="on" label="Levée à partir du" kind="date" value=on
                    width=FieldWidth::Chars10 error=e4.of("on") />
                <button type="submit" class="secondary">"Lever la sanction"</button>
            </form>
        })}
    }
}

#[component]
pub fn SanctionCasePage(
    ctx: PageContext,
    case: CaseView,
    errors: FieldErrors,
    notice: Option<String>,
    refusal: Option<String>,
) -> impl IntoView {
    let csrf = ctx.csrf.clone();
    let CaseView {
        id,
        name,
        person_href,
        status,
        tone,
        lines,
        letter_href,
        steps,
    } = case;
    view! {
        <Document ctx title=format!("Procédure de sanction n° {id} — {name}")>
            <p><a href=person_href>{format!("Retour au suivi de {name}")}</a></p>
            <h1>{format!("Procédure de sanction n° {id}")}</h1>
            <p class="lead">{name.clone()} " " <Badge text=status tone /></p>
            <SuccessNotice text=notice />
            {refusal.map(|r| view! { <Notice kind=NoticeKind::Error><p>{r}</p></Notice> })}
            <ErrorSummary errors=errors.clone() />
            <SummaryList rows=SummaryRow::pairs(lines) />
            {letter_href.map(|href| view! { <p><a href=href>"Imprimer le courrier d'information (PDF)"</a></p> })}
            <CaseStepForms steps csrf errors />
        </Document>
    }
}

/// A case as the person reads it in their space.
#[derive(Clone, Debug)]
pub struct MyCaseView {
    pub heading: String,
    pub lines: Vec<(String, String)>,
    /// While their observations are awaited: where to send them, and as typed.
    pub observe: Option<(String, String)>,
}

/// The person's cases, in their space.
#[component]
pub fn MyCases(cases: Vec<MyCaseView>, csrf: String, errors: FieldErrors) -> impl IntoView {
    (!cases.is_empty()).then(|| {
        view! {
            <h2>"Procédure de sanction"</h2>
            {cases.into_iter().map(|c| {
                let csrf = csrf.clone();
                let error = errors.of("observations");
                view! {
                    <h3>{c.heading}</h3>
                    <SummaryList rows=SummaryRow::pairs(c.lines) />
                    {c.observe.map(|(action, typed)| view! {
                        <p>"Vous pouvez expliquer votre situation avant toute décision : par écrit ici, ou lors d'un entretien où vous pouvez venir accompagné de la personne de votre choix (demandez-le par message)."</p>
                        <form method="post" action=action novalidate=true>
                            <CsrfField token=csrf />
                            <TextArea name="observations" label="Vos observations" value=typed rows=5
                                maxlength=4000 error=error />
                            <button type="submit">"Envoyer mes observations"</button>
                        </form>
                    })}
                }
            }).collect_view()}
        }
    })
}

/// A case on the équipe pluridisciplinaire's agenda.
#[derive(Clone, Debug)]
pub struct AgendaRow {
    pub href: String,
    pub name: String,
    pub ground: String,
    pub planned: String,
    pub observations: String,
}

#[derive(Clone, Debug)]
pub struct EpAgendaView {
    pub back_href: String,
    /// (« Séance du 12/12/2026 », its cases), the nearest first.
    pub sessions: Vec<(String, Vec<AgendaRow>)>,
    pub unscheduled: Vec<AgendaRow>,
}

fn agenda_rows(rows: Vec<AgendaRow>) -> Vec<Row> {
    rows.into_iter()
        .map(|r| {
            Row::new(vec![
                view! { <a href=r.href>{r.name}</a> }.into_any(),
                r.ground.into_any(),
                r.planned.into_any(),
                r.observations.into_any(),
            ])
        })
        .collect()
}

const AGENDA_HEADERS: [&str; 4] = ["Personne", "Motif", "Sanction envisagée", "Observations"];

/// `/agents/insertion/equipe-pluridisciplinaire`: the cases waiting for a decision, by session.
#[component]
pub fn EpAgendaPage(ctx: PageContext, agenda: EpAgendaView) -> impl IntoView {
    let EpAgendaView {
        back_href,
        sessions,
        unscheduled,
    } = agenda;
    view! {
        <Document ctx title="Équipe pluridisciplinaire : ordre du jour".to_owned()>
            <p><a href=back_href>"Retour aux personnes à orienter"</a></p>
            <h1>"Équipe pluridisciplinaire : ordre du jour"</h1>
            <p>"Les procédures de sanction en attente de décision. Un cas s'inscrit à une séance depuis sa page ; l'avis s'y enregistre après la séance."</p>
            {sessions.into_iter().map(|(heading, rows)| view! {
                <h2>{heading.clone()}</h2>
                <Table caption=heading headers=AGENDA_HEADERS.to_vec() rows=agenda_rows(rows) empty="" />
            }).collect_view()}
            <h2>"En attente, sans séance"</h2>
            <Table caption="Cas sans séance fixée" headers=AGENDA_HEADERS.to_vec()
                rows=agenda_rows(unscheduled) empty="Aucun cas en attente sans séance." />
        </Document>
    }
}
