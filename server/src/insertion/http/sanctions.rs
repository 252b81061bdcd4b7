//! Sanction cases' pages: the officer opens one from a person's page, informs the person (with
//! the letter to print), records what they said, the équipe pluridisciplinaire's opinion, the
//! decision and its lifting. Referents read the cases; the steps are the officer's.

use app::components::Tone;
use app::insertion::{
    AgendaRow, CaseSteps, CaseView, EpAgendaPage, EpAgendaView, MyCaseView, OpenCasePage,
    OpenCaseView, SanctionCasePage, SanctionFields, SanctionsSummary,
};
use app::validation::FieldErrors;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;

use super::people::{followed_person, person_href};
use super::{InsertionDesk, officer_desk};
use crate::dates::on as date;
use crate::entity::{insertion_person, insertion_sanction_case as case_row};
use crate::http::auth::CurrentStaff;
use crate::http::form::{Form, ListQuery};
use crate::http::ui::Ui;
use crate::http::{AppError, AppState};
use crate::insertion::sanctions::{self, CaseStatus, Ground, Opening, Refusal, Sanction};
use crate::staff::Role;

fn case_href(desk: &InsertionDesk<'_>, case_id: i64) -> String {
    desk.ctx()
        .href(&format!("/agents/insertion/sanctions/{case_id}"))
}

/// The cases on the person's page.
pub(super) fn summary(
    desk: &InsertionDesk<'_>,
    person: &insertion_person::Model,
    cases: &[case_row::Model],
) -> SanctionsSummary {
    let officer = desk.account().has_role(Role::InsertionOrientation);
    SanctionsSummary {
        rows: cases
            .iter()
            .map(|c| {
                (
                    case_href(desk, c.id),
                    crate::dates::day(c.opened_at),
                    c.ground.label().to_owned(),
                    c.status.label().to_owned(),
                )
            })
            .collect(),
        open_href: (officer
            && person.left_on.is_none()
            && !cases.iter().any(|c| c.status.is_pending()))
        .then(|| format!("{}/sanction", person_href(desk, person.id))),
    }
}

/// The opening form's fields, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OpenTyped {
    ground: String,
    facts: String,
    household_size: String,
    measure: String,
    rate: String,
    months: String,
}

async fn render_open(
    desk: &InsertionDesk<'_>,
    ui: Ui,
    status: StatusCode,
    person: &insertion_person::Model,
    typed: OpenTyped,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let cases = sanctions::of_person(desk.tenant(), person.id).await?;
    let known = sanctions::known_household(desk.tenant(), person).await?;
    let href = person_href(desk, person.id);
    let view = OpenCaseView {
        name: format!("{} {}", person.given_name, person.family_name),
        person_href: href.clone(),
        action: format!("{href}/sanction"),
        ground: typed.ground,
        facts: typed.facts,
        household_size: if typed.household_size.is_empty() {
            known.to_string()
        } else {
            typed.household_size
        },
        sanction: SanctionFields {
            measure: typed.measure,
            rate: typed.rate,
            months: typed.months,
        },
        repeated: sanctions::repeated(&cases),
    };
    Ok(ui.with_staff(desk.staff()).render(status, move |ctx| {
        view! { <OpenCasePage ctx case=view errors /> }
    }))
}

/// `GET /agents/insertion/personnes/{id}/sanction` (officers).
pub async fn open_case_form(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let person = followed_person(&desk, &id).await?;
    let typed = OpenTyped {
        measure: "suspension".into(),
        rate: sanctions::MIN_RATE.to_string(),
        months: "1".into(),
        ..OpenTyped::default()
    };
    render_open(
        &desk,
        ui,
        StatusCode::OK,
        &person,
        typed,
        FieldErrors::new(),
    )
    .await
}

fn checked_opening(typed: &OpenTyped, known: i32, repeated: bool) -> Result<Opening, FieldErrors> {
    let mut errors = FieldErrors::new();
    let ground = Ground::parse(typed.ground.trim());
    if ground.is_none() {
        errors.add("ground-0", "Choisissez le motif de la procédure.");
    }
    let facts = sanctions::text(
        &mut errors,
        "facts",
        &typed.facts,
        "Écrivez les faits, avec leurs dates : la personne les lira.",
    );
    let household_size = match typed.household_size.trim().parse::<i32>() {
        Ok(n) if (known..=30).contains(&n) => n,
        _ => {
            errors.add(
                "household_size",
                format!(
                    "Indiquez le nombre de personnes au foyer : {known} au moins d'après le fichier de la caisse."
                ),
            );
            known
        }
    };
    let planned = Sanction::parse(
        &typed.measure,
        &typed.rate,
        &typed.months,
        household_size,
        repeated,
    );
    if let Err(e) = &planned {
        errors.extend(e.clone());
    }
    match (ground, facts, planned) {
        (Some(ground), Some(facts), Ok(planned)) if errors.is_empty() => Ok(Opening {
            ground,
            facts,
            household_size,
            planned,
        }),
        _ => Err(errors),
    }
}

/// `POST /agents/insertion/personnes/{id}/sanction`: the case opened (officers).
pub async fn open_case(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<OpenTyped>,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let person = followed_person(&desk, &id).await?;
    let cases = sanctions::of_person(desk.tenant(), person.id).await?;
    let known = sanctions::known_household(desk.tenant(), &person).await?;
    let opening = match checked_opening(&typed, known, sanctions::repeated(&cases)) {
        Ok(opening) => opening,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_open(&desk, ui, status, &person, typed, errors).await;
        }
    };
    match sanctions::open(&desk, &person, &opening).await? {
        Ok(case) => {
            Ok(Redirect::to(&format!("{}?ok=ouverte", case_href(&desk, case))).into_response())
        }
        Err(refusal) => {
            let errors = FieldErrors::form(crate::audit::sentence(&refusal.to_string()));
            render_open(&desk, ui, StatusCode::CONFLICT, &person, typed, errors).await
        }
    }
}

fn tone(status: CaseStatus) -> Tone {
    match status {
        CaseStatus::Opened => Tone::Info,
        CaseStatus::Notified | CaseStatus::Answered => Tone::Warning,
        CaseStatus::Decided => Tone::Error,
        CaseStatus::Dropped | CaseStatus::Lifted => Tone::Success,
    }
}

/// The forms' fields, as typed (every step's; each form sends its own).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct StepTyped {
    observations: String,
    assisted_by: String,
    agenda_on: String,
    session_on: String,
    opinion: String,
    outcome: String,
    measure: String,
    rate: String,
    months: String,
    reason: String,
    starts_on: String,
    on: String,
}

fn steps(desk: &InsertionDesk<'_>, case: &case_row::Model, typed: StepTyped) -> CaseSteps {
    if !desk.account().has_role(Role::InsertionOrientation) {
        return CaseSteps::default();
    }
    let base = case_href(desk, case.id);
    let today = crate::dates::today().to_string();
    let or_today = |typed: String| {
        if typed.is_empty() {
            today.clone()
        } else {
            typed
        }
    };
    let waiting = matches!(case.status, CaseStatus::Notified | CaseStatus::Answered);
    let planned = sanctions::planned(case);
    let sanction = if typed.measure.is_empty() {
        SanctionFields {
            measure: planned.measure.id().to_owned(),
            rate: planned.rate.to_string(),
            months: planned.months.to_string(),
        }
    } else {
        SanctionFields {
            measure: typed.measure.clone(),
            rate: typed.rate.clone(),
            months: typed.months.clone(),
        }
    };
    CaseSteps {
        notify: (case.status == CaseStatus::Opened).then(|| format!("{base}/notification")),
        heard: (case.status == CaseStatus::Notified).then(|| {
            (
                format!("{base}/observations"),
                typed.observations.clone(),
                typed.assisted_by.clone(),
            )
        }),
        schedule: (waiting && case.ep_opinion.is_none()).then(|| {
            (
                format!("{base}/seance"),
                if typed.agenda_on.is_empty() {
                    case.ep_session_on
                        .map(|d| d.to_string())
                        .unwrap_or_default()
                } else {
                    typed.agenda_on.clone()
                },
            )
        }),
        opinion: waiting.then(|| {
            let scheduled = case.ep_session_on.map(|d| d.to_string());
            (
                format!("{base}/avis"),
                if typed.session_on.is_empty() {
                    scheduled.unwrap_or_else(|| today.clone())
                } else {
                    typed.session_on.clone()
                },
                typed.opinion.clone(),
            )
        }),
        decide: waiting.then(|| {
            (
                format!("{base}/decision"),
                sanction,
                typed.reason.clone(),
                or_today(typed.starts_on.clone()),
            )
        }),
        lift: (case.status == CaseStatus::Decided).then(|| {
            (
                format!("{base}/levee"),
                typed.reason.clone(),
                or_today(typed.on.clone()),
            )
        }),
    }
}

/// What the case page shows besides the case.
#[derive(Default)]
struct Shown {
    typed: StepTyped,
    errors: FieldErrors,
    notice: Option<String>,
    refusal: Option<String>,
}

async fn render_case(
    desk: &InsertionDesk<'_>,
    ui: Ui,
    status: StatusCode,
    case: &case_row::Model,
    shown: Shown,
) -> Result<Response, AppError> {
    let person = followed_person(desk, &case.person_id.to_string()).await?;
    let view = CaseView {
        id: case.id,
        name: format!("{} {}", person.given_name, person.family_name),
        person_href: person_href(desk, person.id),
        status: case.status.label().to_owned(),
        tone: tone(case.status),
        lines: sanctions::lines(case),
        letter_href: case
            .notified_at
            .map(|_| format!("{}/courrier", case_href(desk, case.id))),
        steps: steps(desk, case, shown.typed),
    };
    let Shown {
        errors,
        notice,
        refusal,
        ..
    } = shown;
    Ok(ui.with_staff(desk.staff()).render(status, move |ctx| {
        view! { <SanctionCasePage ctx case=view errors notice refusal /> }
    }))
}

async fn case_of(desk: &InsertionDesk<'_>, id: &str) -> Result<case_row::Model, AppError> {
    let id = crate::http::parse_id(id)?;
    sanctions::find(desk.tenant(), id)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CaseParams {
    ok: Option<String>,
}

/// `GET /agents/insertion/sanctions/{id}`: journaled as a read of the person's file.
pub async fn case_page(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    ListQuery(params): ListQuery<CaseParams>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let case = case_of(&desk, &id).await?;
    desk.audit_file(
        case.citizen_id,
        "consultation d'une procédure de sanction",
        &format!("procédure de sanction n° {}", case.id),
        crate::insertion::FOLLOW_UP,
    )
    .await?;
    let notice = match params.ok.as_deref() {
        Some("ouverte") => {
            Some("La procédure est ouverte : informez la personne quand elle est prête.")
        }
        Some("informee") => Some(
            "La personne est informée : elle le lit dans son espace. Imprimez le courrier pour l'envoyer.",
        ),
        Some("observations") => Some("Les observations sont enregistrées."),
        Some("avis") => Some("L'avis de l'équipe pluridisciplinaire est enregistré."),
        Some("seance") => Some("Le cas est inscrit à l'ordre du jour de la séance."),
        Some("decidee") => {
            Some("La décision est enregistrée ; la personne la lit dans son espace.")
        }
        Some("levee") => Some("La sanction est levée."),
        _ => None,
    };
    let shown = Shown {
        notice: notice.map(str::to_owned),
        ..Shown::default()
    };
    render_case(&desk, ui, StatusCode::OK, &case, shown).await
}

fn done(desk: &InsertionDesk<'_>, case: i64, what: &str) -> Response {
    Redirect::to(&format!("{}?ok={what}", case_href(desk, case))).into_response()
}

/// The case page again, with the mistakes (422) or why the step is refused (409).
async fn again(
    desk: &InsertionDesk<'_>,
    ui: Ui,
    case: &case_row::Model,
    typed: StepTyped,
    refused: Result<FieldErrors, Refusal>,
) -> Result<Response, AppError> {
    let (status, errors, refusal) = super::not_done(refused);
    let shown = Shown {
        typed,
        errors,
        notice: None,
        refusal,
    };
    render_case(desk, ui, status, case, shown).await
}

/// `POST …/sanctions/{id}/notification`.
pub async fn notify_case(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let case = case_of(&desk, &id).await?;
    match sanctions::notify(&desk, &case, crate::dates::today()).await? {
        Ok(_) => Ok(done(&desk, case.id, "informee")),
        Err(refusal) => again(&desk, ui, &case, StepTyped::default(), Err(refusal)).await,
    }
}

/// `POST …/sanctions/{id}/observations`: what the person said in an interview.
pub async fn record_heard(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<StepTyped>,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let case = case_of(&desk, &id).await?;
    let mut errors = FieldErrors::new();
    let said = "Écrivez ce que la personne a dit.";
    let Some(observations) =
        sanctions::text(&mut errors, "observations", &typed.observations, said)
    else {
        return again(&desk, ui, &case, typed, Ok(errors)).await;
    };
    let assisted = Some(typed.assisted_by.trim().to_owned()).filter(|a| !a.is_empty());
    match sanctions::heard(&desk, &case, &observations, assisted).await? {
        Ok(()) => Ok(done(&desk, case.id, "observations")),
        Err(refusal) => again(&desk, ui, &case, typed, Err(refusal)).await,
    }
}

fn day_field(errors: &mut FieldErrors, field: &str, typed: &str) -> Option<chrono::NaiveDate> {
    let day = chrono::NaiveDate::parse_from_str(typed.trim(), "%Y-%m-%d").ok();
    if day.is_none() {
        errors.add(field, "Indiquez la date, par exemple 04/12/2026.");
    }
    day
}

/// `POST …/sanctions/{id}/seance`: the case on a session's agenda (a session to come).
pub async fn schedule_case(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<StepTyped>,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let case = case_of(&desk, &id).await?;
    let mut errors = FieldErrors::new();
    let today = crate::dates::today();
    let session_on = day_field(&mut errors, "agenda_on", &typed.agenda_on).filter(|day| {
        let ok = (today..=today + chrono::Duration::days(366)).contains(day);
        if !ok {
            errors.add(
                "agenda_on",
                "Indiquez une séance à venir, dans l'année ; pour une séance passée, enregistrez son avis.",
            );
        }
        ok
    });
    let Some(session_on) = session_on else {
        return again(&desk, ui, &case, typed, Ok(errors)).await;
    };
    match sanctions::schedule(&desk, &case, session_on).await? {
        Ok(()) => Ok(done(&desk, case.id, "seance")),
        Err(refusal) => again(&desk, ui, &case, typed, Err(refusal)).await,
    }
}

/// `GET /agents/insertion/equipe-pluridisciplinaire`: the cases waiting for a decision, by
/// session; journaled in each person's access journal.
pub async fn ep_agenda(staff: CurrentStaff, ui: Ui) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let cases = sanctions::agenda(desk.tenant()).await?;
    let citizens: Vec<i64> = cases.iter().map(|(c, _)| c.citizen_id).collect();
    desk.audit_files(
        &citizens,
        "consultation de l'ordre du jour de l'équipe pluridisciplinaire",
        "procédures de sanction en attente de décision",
        crate::insertion::FOLLOW_UP,
    )
    .await?;
    let mut sessions: Vec<(String, Vec<AgendaRow>)> = Vec::new();
    let mut unscheduled = Vec::new();
    for (case, person) in &cases {
        let row = AgendaRow {
            href: case_href(&desk, case.id),
            name: format!("{} {}", person.given_name, person.family_name),
            ground: case.ground.label().to_owned(),
            planned: sanctions::planned(case).words(),
            observations: match (&case.observations, case.observations_due_on) {
                (Some(_), _) => "Reçues".to_owned(),
                (None, Some(due)) => format!("Attendues jusqu'au {}", date(due)),
                (None, None) => String::new(),
            },
        };
        match case.ep_session_on {
            Some(on) => {
                let heading = format!("Séance du {}", date(on));
                match sessions.last_mut() {
                    Some((last, rows)) if *last == heading => rows.push(row),
                    _ => sessions.push((heading, vec![row])),
                }
            }
            None => unscheduled.push(row),
        }
    }
    let view = EpAgendaView {
        back_href: desk.ctx().href("/agents/insertion"),
        sessions,
        unscheduled,
    };
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <EpAgendaPage ctx agenda=view /> }
    }))
}

/// `POST …/sanctions/{id}/avis`: the équipe pluridisciplinaire's opinion.
pub async fn record_opinion(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<StepTyped>,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let case = case_of(&desk, &id).await?;
    let mut errors = FieldErrors::new();
    let session_on = day_field(&mut errors, "session_on", &typed.session_on);
    let opinion = sanctions::text(
        &mut errors,
        "opinion",
        &typed.opinion,
        "Écrivez l'avis de l'équipe.",
    );
    let (Some(session_on), Some(opinion)) = (session_on, opinion) else {
        return again(&desk, ui, &case, typed, Ok(errors)).await;
    };
    match sanctions::opinion(&desk, &case, session_on, &opinion).await? {
        Ok(()) => Ok(done(&desk, case.id, "avis")),
        Err(refusal) => again(&desk, ui, &case, typed, Err(refusal)).await,
    }
}

/// `POST …/sanctions/{id}/decision`: a sanction within the bounds, or none.
pub async fn record_decision(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<StepTyped>,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let case = case_of(&desk, &id).await?;
    let mut errors = FieldErrors::new();
    let sanction = if typed.outcome == "none" {
        None
    } else {
        match Sanction::parse(
            &typed.measure,
            &typed.rate,
            &typed.months,
            case.household_size,
            case.repeated,
        ) {
            Ok(s) => Some(s),
            Err(e) => {
                errors.extend(e);
                None
            }
        }
    };
    let reason = sanctions::text(
        &mut errors,
        "reason",
        &typed.reason,
        "Écrivez les motifs de la décision : la personne les lira.",
    );
    let starts_on = day_field(&mut errors, "starts_on", &typed.starts_on);
    let (Some(reason), Some(starts_on), true) = (reason, starts_on, errors.is_empty()) else {
        return again(&desk, ui, &case, typed, Ok(errors)).await;
    };
    let today = crate::dates::today();
    match sanctions::decide(&desk, &case, sanction, &reason, starts_on, today).await? {
        Ok(()) => Ok(done(&desk, case.id, "decidee")),
        Err(refusal) => again(&desk, ui, &case, typed, Err(refusal)).await,
    }
}

/// `POST …/sanctions/{id}/levee`: the person complied.
pub async fn record_lifting(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<StepTyped>,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let case = case_of(&desk, &id).await?;
    let mut errors = FieldErrors::new();
    let reason = sanctions::text(
        &mut errors,
        "reason",
        &typed.reason,
        "Écrivez ce que la personne a fait.",
    );
    let on = day_field(&mut errors, "on", &typed.on);
    let (Some(reason), Some(on)) = (reason, on) else {
        return again(&desk, ui, &case, typed, Ok(errors)).await;
    };
    match sanctions::lift(&desk, &case, &reason, on).await? {
        Ok(()) => Ok(done(&desk, case.id, "levee")),
        Err(refusal) => again(&desk, ui, &case, typed, Err(refusal)).await,
    }
}

/// `GET …/sanctions/{id}/courrier`: the notice to the person, as a PDF letter (journaled).
pub async fn case_letter(
    State(state): State<AppState>,
    headers: HeaderMap,
    staff: CurrentStaff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let case = case_of(&desk, &id).await?;
    let Some(due) = case.observations_due_on else {
        return Err(AppError::NotFound);
    };
    let person = followed_person(&desk, &case.person_id.to_string()).await?;
    desk.audit_file(
        case.citizen_id,
        "impression du courrier d'une procédure de sanction",
        &format!("procédure de sanction n° {}", case.id),
        crate::insertion::FOLLOW_UP,
    )
    .await?;
    let space =
        crate::http::citizen::absolute(&state, &headers, desk.ctx(), crate::insertion::space::PATH);
    let text = format!(
        "Le département envisage une sanction sur votre RSA, pour le motif suivant : {}.\nLes faits : {}\nSanction envisagée : {}.\nAvant toute décision, vous pouvez présenter vos observations jusqu'au {} : par écrit depuis votre espace ({space}), ou lors d'un entretien où vous pouvez venir accompagné(e) de la personne de votre choix. Pour demander un entretien, écrivez-nous depuis votre espace ou appelez le département.\nSi vous reprenez vos engagements, dites-le : la procédure peut s'arrêter.",
        case.ground.label().to_lowercase(),
        case.facts,
        sanctions::planned(&case).words().to_lowercase(),
        date(due)
    );
    let letterhead = crate::letters::Letterhead::of(desk.tenant()).await?;
    let pdf = crate::letters::notice_pdf(
        &letterhead,
        &format!("{} {}", person.given_name, person.family_name),
        &crate::dates::day(case.notified_at.unwrap_or(case.opened_at)),
        "procédure de sanction sur votre RSA : vos observations",
        &text,
    );
    Ok(crate::http::pdf_attachment(
        &format!("procedure-{}.pdf", case.id),
        pdf,
    ))
}

/// The person's cases as they read them: from the day they are told.
pub(super) fn my_cases(
    tenant: &crate::http::TenantCtx,
    cases: &[case_row::Model],
    typed: &str,
) -> Vec<MyCaseView> {
    cases
        .iter()
        .filter(|c| c.status != CaseStatus::Opened)
        .map(|c| {
            let mut lines = vec![("Où elle en est".to_owned(), c.status.label().to_owned())];
            lines.extend(sanctions::lines(c));
            MyCaseView {
                heading: format!(
                    "Procédure n° {}, ouverte le {}",
                    c.id,
                    crate::dates::day(c.opened_at)
                ),
                lines,
                observe: (c.status == CaseStatus::Notified).then(|| {
                    (
                        tenant.href(&format!(
                            "{}/sanctions/{}/observations",
                            crate::insertion::space::PATH,
                            c.id
                        )),
                        typed.to_owned(),
                    )
                }),
            }
        })
        .collect()
}
