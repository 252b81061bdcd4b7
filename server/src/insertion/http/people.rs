//! The people to orient, by deadline, and a person's page with the timeline of their right.

use app::components::Tone;
use app::insertion::{
    InsertionPersonPage, InsertionPersonView, NotesView, OrientationForm, OrientationView,
    ToOrientPage, ToOrientRow, ToOrientView,
};
use app::validation::FieldErrors;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;

use super::{InsertionDesk, officer_desk};
use crate::dates::on as date;
use crate::entity::{insertion_orientation, insertion_person};
use crate::http::auth::CurrentStaff;
use crate::http::form::{Form, ListQuery, PageHrefs, page_at};
use crate::http::ui::Ui;
use crate::http::{AppError, AppState};
use crate::insertion::clock::{self, Clock, Entered, Urgency};
use crate::insertion::orientation::{self, OrientationStatus};
use crate::insertion::settings::{self, Settings};
use crate::insertion::{contract, notes};
use crate::staff::Role;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ToOrientParams {
    q: String,
    /// The page after the person at this position (`Entered::encode`).
    apres: Option<String>,
    /// The page before the person at this position.
    avant: Option<String>,
}

pub(super) fn clock_tone(clock: Clock) -> Tone {
    match clock.urgency() {
        Urgency::Overdue => Tone::Error,
        Urgency::Soon => Tone::Warning,
        Urgency::Later => Tone::Neutral,
    }
}

/// `GET /agents/insertion`: the people to orient, the nearest deadline first.
pub async fn to_orient(
    staff: CurrentStaff,
    ui: Ui,
    ListQuery(params): ListQuery<ToOrientParams>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let words = crate::search::parse_search(&params.q).map_err(AppError::BadRequest)?;
    let at = page_at(
        params.apres.as_deref(),
        params.avant.as_deref(),
        Entered::parse,
    )?;
    let (people, total) = clock::people_to_orient(&desk, &words, &at).await?;
    let today = crate::dates::today();
    let tenant = desk.ctx();
    let rows = people
        .rows
        .into_iter()
        .map(|p| {
            let clock = Clock::from_entry(p.entered_on, today);
            ToOrientRow {
                href: tenant.href(&format!("/agents/insertion/personnes/{}", p.id)),
                name: format!("{} {}", p.family_name, p.given_name),
                commune: p.commune.unwrap_or_else(|| {
                    if p.homeless {
                        "Sans domicile stable".to_owned()
                    } else {
                        String::new()
                    }
                }),
                entered: crate::dates::on(p.entered_on),
                deadline: crate::dates::on(clock.deadline),
                clock: clock.words(),
                tone: clock_tone(clock),
            }
        })
        .collect();
    let list_href = tenant.href("/agents/insertion");
    let search = [("q", params.q.as_str())];
    let hrefs = PageHrefs::new(
        &list_href,
        if params.q.is_empty() { &[] } else { &search },
        people.previous.as_ref(),
        people.next.as_ref(),
        Entered::encode,
    );
    let view = ToOrientView {
        search: params.q.clone(),
        rows,
        total: total.into(),
        first_href: hrefs.first,
        previous_href: hrefs.previous,
        next_href: hrefs.next,
        list_href: list_href.clone(),
        imports_href: staff
            .account
            .has_role(Role::InsertionOrientation)
            .then(|| tenant.href("/agents/insertion/imports")),
        without_referent_href: tenant.href("/agents/insertion/sans-referent"),
    };
    Ok(ui.with_staff(&staff).render(StatusCode::OK, move |ctx| {
        view! { <ToOrientPage ctx list=view /> }
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PersonParams {
    ok: Option<String>,
}

/// `GET /agents/insertion/personnes/{id}`: journaled in the person's access journal.
pub async fn person_page(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    ListQuery(params): ListQuery<PersonParams>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let notice = match params.ok.as_deref() {
        Some("proposee") => {
            Some("La proposition d'orientation est envoyée à l'officier d'orientation.")
        }
        Some("decidee") => Some("L'orientation est décidée."),
        Some("refusee") => Some("La proposition n'est pas retenue ; la personne reste à orienter."),
        Some("referent") => Some("Le référent est désigné."),
        Some("note") => Some("La note est enregistrée."),
        _ => None,
    };
    let page = PersonPage {
        typed: None,
        referent_typed: None,
        note_typed: String::new(),
        errors: FieldErrors::new(),
        notice: notice.map(str::to_owned),
        refusal: None,
    };
    render_person(&state.platform, &desk, ui, StatusCode::OK, &id, page).await
}

/// What a person's page shows besides the person: a form as typed, with its mistakes, or
/// what just happened.
pub(super) struct PersonPage {
    pub(super) typed: Option<OrientationTyped>,
    /// The referent form, as typed.
    pub(super) referent_typed: Option<(String, String)>,
    /// The note, as typed.
    pub(super) note_typed: String,
    pub(super) errors: FieldErrors,
    pub(super) notice: Option<String>,
    pub(super) refusal: Option<String>,
}

/// The orientation forms' fields, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrientationTyped {
    track: String,
    body: String,
    reason: String,
    starts_on: String,
    refusal: String,
}

pub(super) async fn render_person(
    platform: &tenants::Platform,
    desk: &InsertionDesk<'_>,
    ui: Ui,
    status: StatusCode,
    id: &str,
    page: PersonPage,
) -> Result<Response, AppError> {
    let id = crate::http::parse_id(id)?;
    let (person, events) = clock::person(desk, id).await?.ok_or(AppError::NotFound)?;
    let orientations = orientation::of_person(desk, id).await?;
    let today = crate::dates::today();
    let in_force = orientation::in_force(&orientations);
    let clock =
        (person.rights_and_duties && person.left_on.is_none() && in_force.is_none()).then(|| {
            let clock = Clock::from_entry(person.entered_on, today);
            (clock.words(), clock_tone(clock), date(clock.deadline))
        });
    let timeline = events
        .iter()
        .map(|e| {
            vec![
                date(e.happened_on),
                e.kind.label().to_owned(),
                match e.previous_state {
                    Some(before) => format!(
                        "{} (auparavant : {})",
                        e.right_state.label(),
                        before.label()
                    ),
                    None => e.right_state.label().to_owned(),
                },
            ]
        })
        .collect();
    let href = person_href(desk, person.id);
    let view = InsertionPersonView {
        name: format!("{} {}", person.given_name, person.family_name),
        facts: person_facts(&person),
        timeline,
        clock,
        back_href: desk.ctx().href("/agents/insertion"),
        orientation: orientation_view(
            desk,
            &person,
            &orientations,
            (&href, &settings::read(desk.tenant()).await?),
            page.typed,
            today,
        ),
        referent: super::referents::referent_view(
            platform,
            desk,
            &person,
            &href,
            page.referent_typed,
        )
        .await?,
        contract: super::contracts::contract_summary(
            format!("{href}/contrat"),
            in_force,
            &contract::of_person(desk.tenant(), person.id).await?,
        ),
        invitations: super::invitations::summary(
            desk,
            &person,
            &crate::insertion::invitations::of_person(desk.tenant(), person.id).await?,
        ),
        notes: NotesView {
            rows: notes::of_person(desk, person.id)
                .await?
                .into_iter()
                .map(|n| (n.author_name, crate::dates::date_time(n.created_at), n.body))
                .collect(),
            action: format!("{href}/notes"),
            typed: page.note_typed,
        },
        sanctions: super::sanctions::summary(
            desk,
            &person,
            &crate::insertion::sanctions::of_person(desk.tenant(), person.id).await?,
        ),
    };
    let PersonPage {
        errors,
        notice,
        refusal,
        ..
    } = page;
    Ok(ui.with_staff(desk.staff()).render(status, move |ctx| {
        view! { <InsertionPersonPage ctx person=view errors notice refusal /> }
    }))
}

fn person_facts(person: &insertion_person::Model) -> Vec<(String, String)> {
    let mut facts = vec![
        ("Caisse".to_owned(), person.fund.clone()),
        ("Numéro d'allocataire".to_owned(), person.matricule.clone()),
        (
            "Rôle dans le dossier".to_owned(),
            if person.role == "CJT" {
                "Conjoint ou partenaire"
            } else {
                "Demandeur"
            }
            .to_owned(),
        ),
        (
            "NIR".to_owned(),
            person.nir.clone().unwrap_or_else(|| "Inconnu".to_owned()),
        ),
        (
            "Date de naissance".to_owned(),
            person.birth_date.map(date).unwrap_or_default(),
        ),
        (
            "Situation du droit".to_owned(),
            person.right_state.label().to_owned(),
        ),
        (
            "Soumis aux droits et devoirs".to_owned(),
            if person.rights_and_duties {
                "Oui"
            } else {
                "Non"
            }
            .to_owned(),
        ),
        (
            "Adresse".to_owned(),
            if person.homeless {
                "Sans domicile stable".to_owned()
            } else {
                format!(
                    "{} {}",
                    person.postcode.clone().unwrap_or_default(),
                    person.commune.clone().unwrap_or_default()
                )
            },
        ),
        (
            "Information reçue par le département le".to_owned(),
            date(person.entered_on),
        ),
    ];
    if let Some(left) = person.left_on {
        facts.push(("Sorti du RSA le".to_owned(), date(left)));
    }
    facts
}

fn orientation_view(
    desk: &InsertionDesk<'_>,
    person: &insertion_person::Model,
    rows: &[insertion_orientation::Model],
    (href, names): (&str, &Settings),
    typed: Option<OrientationTyped>,
    today: chrono::NaiveDate,
) -> OrientationView {
    let officer = desk.account().has_role(Role::InsertionOrientation);
    let current = orientation::in_force(rows)
        .map(|o| {
            vec![
                ("Parcours".to_owned(), names.label(o.track)),
                ("Organisme".to_owned(), o.body.clone()),
                (
                    "Depuis le".to_owned(),
                    o.starts_on.map(date).unwrap_or_default(),
                ),
                (
                    "Décidée par".to_owned(),
                    o.decided_by_name.clone().unwrap_or_default(),
                ),
                (
                    "Motif".to_owned(),
                    o.decision_reason.clone().unwrap_or_default(),
                ),
            ]
        })
        .unwrap_or_default();
    let waiting = orientation::pending(rows);
    let pending = waiting
        .map(|o| {
            vec![
                ("Parcours proposé".to_owned(), names.label(o.track)),
                ("Organisme".to_owned(), o.body.clone()),
                (
                    "Proposée par".to_owned(),
                    format!(
                        "{}, le {}",
                        o.proposed_by_name.clone().unwrap_or_default(),
                        o.proposed_at.map(crate::dates::day).unwrap_or_default()
                    ),
                ),
                (
                    "Motif".to_owned(),
                    o.proposal_reason.clone().unwrap_or_default(),
                ),
            ]
        })
        .unwrap_or_default();
    let history = rows
        .iter()
        .filter(|o| o.status == OrientationStatus::Decided)
        .map(|o| {
            vec![
                o.starts_on.map(date).unwrap_or_default(),
                o.ends_on.map(date).unwrap_or_else(|| "En cours".to_owned()),
                names.label(o.track),
                o.body.clone(),
                if o.ends_on.is_some() {
                    "Close"
                } else {
                    "En cours"
                }
                .to_owned(),
            ]
        })
        .collect();
    // The officer decides (a proposal waiting fills the form); a referent proposes when
    // nothing waits. Nobody acts on someone who left.
    let form = (person.left_on.is_none() && (officer || waiting.is_none())).then(|| {
        let typed = typed.unwrap_or_else(|| OrientationTyped {
            track: waiting.map(|w| w.track.id().to_owned()).unwrap_or_default(),
            body: waiting.map(|w| w.body.clone()).unwrap_or_default(),
            reason: waiting
                .and_then(|w| w.proposal_reason.clone())
                .unwrap_or_default(),
            starts_on: today.to_string(),
            refusal: String::new(),
        });
        OrientationForm {
            action: format!(
                "{href}/orientation/{}",
                if officer { "decision" } else { "proposition" }
            ),
            decides: officer,
            track: typed.track,
            body: typed.body,
            reason: typed.reason,
            starts_on: typed.starts_on,
            refuse_action: (officer && waiting.is_some())
                .then(|| format!("{href}/orientation/refus")),
            refusal: typed.refusal,
            own_names: names.labels.to_vec(),
        }
    });
    OrientationView {
        current,
        pending,
        history,
        form,
    }
}

/// Renders the person's page again with the form as typed and its mistakes (422), or with
/// why the step is refused (409).
async fn again(
    platform: &tenants::Platform,
    desk: &InsertionDesk<'_>,
    ui: Ui,
    id: &str,
    typed: OrientationTyped,
    refused: Result<FieldErrors, orientation::Refusal>,
) -> Result<Response, AppError> {
    let (status, errors, refusal) = super::not_done(refused);
    let page = PersonPage {
        typed: Some(typed),
        referent_typed: None,
        note_typed: String::new(),
        errors,
        notice: None,
        refusal,
    };
    render_person(platform, desk, ui, status, id, page).await
}

pub(super) async fn followed_person(
    desk: &InsertionDesk<'_>,
    id: &str,
) -> Result<insertion_person::Model, AppError> {
    let id = crate::http::parse_id(id)?;
    clock::find_person(desk, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A person's page, in this department.
pub(super) fn person_href(desk: &InsertionDesk<'_>, person_id: i64) -> String {
    desk.ctx()
        .href(&format!("/agents/insertion/personnes/{person_id}"))
}

pub(super) fn done(desk: &InsertionDesk<'_>, person: i64, what: &str) -> Response {
    let href = format!("{}?ok={what}", person_href(desk, person));
    Redirect::to(&href).into_response()
}

/// `POST /agents/insertion/personnes/{id}/orientation/proposition`.
pub async fn propose_orientation(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<OrientationTyped>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let person = followed_person(&desk, &id).await?;
    let choice = match orientation::Choice::parse(&typed.track, &typed.body, &typed.reason) {
        Ok(choice) => choice,
        Err(errors) => return again(&state.platform, &desk, ui, &id, typed, Ok(errors)).await,
    };
    match orientation::propose(&desk, &person, &choice).await? {
        Ok(_) => Ok(done(&desk, person.id, "proposee")),
        Err(refusal) => again(&state.platform, &desk, ui, &id, typed, Err(refusal)).await,
    }
}

/// `POST /agents/insertion/personnes/{id}/orientation/decision` (officers).
pub async fn decide_orientation(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<OrientationTyped>,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let person = followed_person(&desk, &id).await?;
    let parsed = orientation::Choice::parse(&typed.track, &typed.body, &typed.reason);
    let starts_on = chrono::NaiveDate::parse_from_str(typed.starts_on.trim(), "%Y-%m-%d");
    let (choice, starts_on) = match (parsed, starts_on) {
        (Ok(choice), Ok(day)) => (choice, day),
        (parsed, day) => {
            let mut errors = parsed.err().unwrap_or_default();
            if day.is_err() {
                errors.add(
                    "starts_on",
                    "Indiquez la date de début, par exemple 04/12/2026.",
                );
            }
            return again(&state.platform, &desk, ui, &id, typed, Ok(errors)).await;
        }
    };
    let today = crate::dates::today();
    match orientation::decide(&desk, &person, &choice, starts_on, today).await? {
        Ok(_) => Ok(done(&desk, person.id, "decidee")),
        Err(refusal) => again(&state.platform, &desk, ui, &id, typed, Err(refusal)).await,
    }
}

/// `POST /agents/insertion/personnes/{id}/orientation/refus` (officers).
pub async fn refuse_orientation(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<OrientationTyped>,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let person = followed_person(&desk, &id).await?;
    if typed.refusal.trim().is_empty() {
        let errors = FieldErrors::at(
            "refusal",
            "Écrivez pourquoi la proposition n'est pas retenue : son auteur le lira.",
        );
        return again(&state.platform, &desk, ui, &id, typed, Ok(errors)).await;
    }
    match orientation::refuse(&desk, &person, &typed.refusal).await? {
        Ok(()) => Ok(done(&desk, person.id, "refusee")),
        Err(refusal) => again(&state.platform, &desk, ui, &id, typed, Err(refusal)).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoteTyped {
    follow_up: String,
}

/// `POST /agents/insertion/personnes/{id}/notes`: a follow-up note.
pub async fn write_note(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<NoteTyped>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let person = followed_person(&desk, &id).await?;
    match notes::parse(&typed.follow_up) {
        Ok(body) => {
            notes::write(&desk, &person, &body).await?;
            Ok(done(&desk, person.id, "note"))
        }
        Err(message) => {
            let page = PersonPage {
                typed: None,
                referent_typed: None,
                note_typed: typed.follow_up,
                errors: FieldErrors::at("follow_up", message),
                notice: None,
                refusal: None,
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_person(&state.platform, &desk, ui, status, &id, page).await
        }
    }
}
