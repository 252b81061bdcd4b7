//! The contrat d'engagement's pages for the referent: a version written, its actions, signed
//! for the department, the paper signed kept; and a version as the person reads it.

use app::components::{FilterOption, Tone};
use app::insertion::{
    ActionForm, ActionRow, ContractPage, ContractPageView, ContractSummary, TermsForm, VersionView,
};
use app::validation::FieldErrors;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;

use super::InsertionDesk;
use super::people::{clock_tone, followed_person};
use crate::dates::on as date;
use crate::entity::{insertion_orientation, insertion_person};
use crate::http::auth::CurrentStaff;
use crate::http::form::{Form, FormData, ListQuery};
use crate::http::ui::Ui;
use crate::http::{AppError, AppState};
use crate::insertion::clock::Clock;
use crate::insertion::contract::{self, Contract, ContractStatus, Refusal, Theme};
use crate::insertion::orientation;

/// How a version is shown: where its rows' buttons lead, if anywhere.
pub(crate) struct Buttons<'a> {
    /// Marking an open action of the version in force done: `action id → href`.
    pub done: Option<&'a dyn Fn(i64) -> String>,
    /// Taking an action out of a draft.
    pub remove: Option<&'a dyn Fn(i64) -> String>,
}

/// A version as read, by the referent or the person.
pub(crate) fn version_view(version: &Contract, buttons: Buttons<'_>) -> VersionView {
    let c = &version.row;
    let tone = match c.status {
        ContractStatus::Signed => Tone::Success,
        ContractStatus::ToSign => Tone::Warning,
        ContractStatus::Draft => Tone::Info,
        ContractStatus::Replaced => Tone::Neutral,
    };
    let hours = match &c.reduction_reason {
        Some(reason) => format!("{} heures (réduites : {reason})", c.weekly_hours),
        None => format!("{} heures", c.weekly_hours),
    };
    let mut terms = vec![
        ("Objectifs".to_owned(), c.goals.clone()),
        ("Activité par semaine".to_owned(), hours),
        (
            "Prochain point".to_owned(),
            c.review_on.map(date).unwrap_or_default(),
        ),
        ("Préparé par".to_owned(), c.written_by_name.clone()),
    ];
    if let (Some(at), Some(name)) = (c.department_signed_at, &c.department_signed_name) {
        terms.push((
            "Signé pour le département".to_owned(),
            format!("par {name}, le {}", crate::dates::day(at)),
        ));
    }
    terms.push(("Signature de la personne".to_owned(), person_signature(c)));
    let open = c.status == ContractStatus::Signed;
    let draft = c.status == ContractStatus::Draft;
    let actions = version
        .actions
        .iter()
        .map(|a| ActionRow {
            theme: a.theme.label().to_owned(),
            title: a.title.clone(),
            due: a.due_on.map(date).unwrap_or_else(|| "—".to_owned()),
            state: match (a.done_at, &a.done_by) {
                (Some(at), Some(by)) => format!("Faite le {} ({by})", crate::dates::day(at)),
                (Some(at), None) => format!("Faite le {}", crate::dates::day(at)),
                (None, _) => "À faire".to_owned(),
            },
            done_action: buttons
                .done
                .filter(|_| open && a.done_at.is_none())
                .map(|href| href(a.id)),
            remove_action: buttons.remove.filter(|_| draft).map(|href| href(a.id)),
        })
        .collect();
    VersionView {
        heading: format!("Version {}", c.version),
        status: c.status.label().to_owned(),
        tone,
        terms,
        actions,
    }
}

fn person_signature(c: &crate::entity::insertion_contract::Model) -> String {
    match (c.person_signed_at, c.paper_document_id, c.signed_on) {
        (Some(at), _, _) => format!("Signé dans son espace le {}", crate::dates::day(at)),
        (None, Some(_), Some(on)) => format!("Signé sur papier, copie enregistrée le {}", date(on)),
        _ => "En attente".to_owned(),
    }
}

/// The month to sign under the orientation in force, on the person's pages.
fn sign_by_clock(
    orientation: Option<&insertion_orientation::Model>,
    versions: &[Contract],
) -> Option<(String, Tone, String)> {
    let start = orientation?.starts_on?;
    let deadline = contract::sign_by(start, versions)?;
    let clock = Clock::until(deadline, crate::dates::today());
    Some((clock.words(), clock_tone(clock), date(deadline)))
}

/// The contract on the person's page.
pub(super) fn contract_summary(
    href: String,
    orientation: Option<&insertion_orientation::Model>,
    versions: &[Contract],
) -> ContractSummary {
    let mut state = match contract::in_force(versions) {
        Some(c) => format!(
            "Version {} en vigueur depuis le {}.",
            c.row.version,
            c.row.signed_on.map(date).unwrap_or_default()
        ),
        None => "Aucun contrat signé.".to_owned(),
    };
    if let Some(c) = contract::being_written(versions) {
        state.push_str(&format!(
            " Version {} : {}.",
            c.row.version,
            c.row.status.label().to_lowercase()
        ));
    }
    ContractSummary {
        href,
        state,
        sign_by: sign_by_clock(orientation, versions),
    }
}

/// The terms' fields as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TermsTyped {
    goals: String,
    weekly_hours: String,
    reduction_reason: String,
    review_on: String,
}

/// The new action's fields as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionTyped {
    theme: String,
    title: String,
    due_on: String,
}

/// What the contract page shows besides the contract: forms as typed, mistakes, outcome.
#[derive(Default)]
struct Shown {
    terms: Option<TermsTyped>,
    action: Option<ActionTyped>,
    errors: FieldErrors,
    notice: Option<String>,
    refusal: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ContractParams {
    ok: Option<String>,
}

/// `GET /agents/insertion/personnes/{id}/contrat`: journaled as a read of the person's file.
pub async fn contract_page(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    ListQuery(params): ListQuery<ContractParams>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let person = followed_person(&desk, &id).await?;
    desk.audit_file(
        person.citizen_id,
        "consultation de votre contrat d'engagement",
        &format!("personne suivie n° {}", person.id),
        crate::insertion::FOLLOW_UP,
    )
    .await?;
    let notice = match params.ok.as_deref() {
        Some("termes") => Some("Les termes du contrat sont enregistrés."),
        Some("action") => Some("L'action est ajoutée au contrat."),
        Some("retiree") => Some("L'action est retirée du contrat."),
        Some("faite") => Some("L'action est marquée comme faite."),
        Some("signe") => Some(
            "Le contrat est signé pour le département : la personne peut le lire et le signer dans son espace.",
        ),
        Some("reprise") => Some(
            "La version est reprise : modifiez-la, puis signez-la de nouveau pour le département.",
        ),
        Some("papier") => {
            Some("La copie du contrat signé est enregistrée : le contrat est en vigueur.")
        }
        _ => None,
    };
    let shown = Shown {
        notice: notice.map(str::to_owned),
        ..Shown::default()
    };
    render(&desk, ui, StatusCode::OK, &person, shown).await
}

fn themes(chosen: &str) -> Vec<FilterOption> {
    std::iter::once(FilterOption {
        value: String::new(),
        label: "Choisir un thème".to_owned(),
        selected: chosen.is_empty(),
    })
    .chain(Theme::ALL.iter().map(|t| FilterOption {
        value: t.id().to_owned(),
        label: t.label().to_owned(),
        selected: t.id() == chosen,
    }))
    .collect()
}

/// The terms' form: as typed, or from the draft, or (a new version) from the one in force.
fn terms_form(
    action: &str,
    typed: Option<TermsTyped>,
    draft: Option<&Contract>,
    in_force: Option<&Contract>,
) -> TermsForm {
    let typed = typed.unwrap_or_else(|| {
        let from = draft.or(in_force).map(|c| &c.row);
        TermsTyped {
            goals: from.map(|c| c.goals.clone()).unwrap_or_default(),
            weekly_hours: from
                .map_or(contract::WEEKLY_HOURS, |c| c.weekly_hours)
                .to_string(),
            reduction_reason: from
                .and_then(|c| c.reduction_reason.clone())
                .unwrap_or_default(),
            review_on: draft
                .and_then(|c| c.row.review_on)
                .map(|d| d.to_string())
                .unwrap_or_default(),
        }
    });
    TermsForm {
        action: action.to_owned(),
        goals: typed.goals,
        weekly_hours: typed.weekly_hours,
        reduction_reason: typed.reduction_reason,
        review_on: typed.review_on,
        button: if draft.is_some() {
            "Enregistrer les termes"
        } else if in_force.is_some() {
            "Préparer une nouvelle version"
        } else {
            "Préparer le contrat"
        }
        .to_owned(),
    }
}

async fn render(
    desk: &InsertionDesk<'_>,
    ui: Ui,
    status: StatusCode,
    person: &insertion_person::Model,
    shown: Shown,
) -> Result<Response, AppError> {
    let orientations = orientation::of_person(desk, person.id).await?;
    let in_force_orientation = orientation::in_force(&orientations);
    let versions = contract::of_person(desk.tenant(), person.id).await?;
    let names = crate::insertion::settings::read(desk.tenant()).await?;
    let person_href = super::people::person_href(desk, person.id);
    let base = format!("{person_href}/contrat");
    let done_href = |action: i64| format!("{base}/actions/{action}/faite");
    let remove_href = |action: i64| format!("{base}/actions/{action}/retirer");
    let writing = contract::being_written(&versions);
    let draft = writing.filter(|c| c.row.status == ContractStatus::Draft);
    let active = person.left_on.is_none() && in_force_orientation.is_some();
    let in_force = contract::in_force(&versions);
    // A new version starts from the one in force; a draft's terms are its own.
    let terms_form = (active && (writing.is_none() || draft.is_some()))
        .then(|| terms_form(&base, shown.terms.clone(), draft, in_force));
    let action_form = draft.map(|_| {
        let typed = shown.action.clone().unwrap_or_default();
        ActionForm {
            action: format!("{base}/actions"),
            themes: themes(&typed.theme),
            title: typed.title,
            due_on: typed.due_on,
        }
    });
    let waiting = writing.filter(|c| c.row.status == ContractStatus::ToSign);
    let history = versions
        .iter()
        .map(|c| {
            vec![
                c.row.version.to_string(),
                c.row.status.label().to_owned(),
                c.row.signed_on.map(date).unwrap_or_else(|| "—".to_owned()),
                person_signature(&c.row),
            ]
        })
        .collect();
    let view = ContractPageView {
        name: format!("{} {}", person.given_name, person.family_name),
        person_href,
        orientation: in_force_orientation.map(|o| {
            format!(
                "{}, {} (depuis le {})",
                names.label(o.track),
                o.body,
                o.starts_on.map(date).unwrap_or_default()
            )
        }),
        sign_by: sign_by_clock(in_force_orientation, &versions),
        writing: writing.map(|c| {
            version_view(
                c,
                Buttons {
                    done: None,
                    remove: Some(&remove_href),
                },
            )
        }),
        terms_form,
        action_form,
        sign_action: draft.map(|_| format!("{base}/signature")),
        paper_action: waiting.map(|_| format!("{base}/papier")),
        take_back_action: waiting.map(|_| format!("{base}/reprise")),
        in_force: in_force.map(|c| {
            version_view(
                c,
                Buttons {
                    done: Some(&done_href),
                    remove: None,
                },
            )
        }),
        history,
    };
    let Shown {
        errors,
        notice,
        refusal,
        ..
    } = shown;
    Ok(ui.with_staff(desk.staff()).render(status, move |ctx| {
        view! { <ContractPage ctx contract=view errors notice refusal /> }
    }))
}

fn done(desk: &InsertionDesk<'_>, person: i64, what: &str) -> Response {
    let href = desk.ctx().href(&format!(
        "/agents/insertion/personnes/{person}/contrat?ok={what}"
    ));
    Redirect::to(&href).into_response()
}

/// The page again: with the mistakes at their fields (422), or why the step is refused (409).
async fn again(
    desk: &InsertionDesk<'_>,
    ui: Ui,
    person: &insertion_person::Model,
    mut shown: Shown,
    refused: Result<FieldErrors, Refusal>,
) -> Result<Response, AppError> {
    let (status, errors, refusal) = super::not_done(refused);
    shown.errors = errors;
    shown.refusal = refusal;
    render(desk, ui, status, person, shown).await
}

/// `POST …/contrat`: a new version's terms, or the draft's.
pub async fn save_terms(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<TermsTyped>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let person = followed_person(&desk, &id).await?;
    let orientations = orientation::of_person(&desk, person.id).await?;
    let shown = Shown {
        terms: Some(typed.clone()),
        ..Shown::default()
    };
    let track = orientation::in_force(&orientations).map(|o| o.track);
    // The form is checked first, so a mistake is said even before an orientation exists.
    let terms = match contract::Terms::parse(
        &typed.goals,
        &typed.weekly_hours,
        &typed.reduction_reason,
        &typed.review_on,
        track.unwrap_or(orientation::Track::Social),
        crate::dates::today(),
    ) {
        Ok(terms) => terms,
        Err(errors) => return again(&desk, ui, &person, shown, Ok(errors)).await,
    };
    if track.is_none() {
        return again(&desk, ui, &person, shown, Err(Refusal::NoOrientation)).await;
    }
    let versions = contract::of_person(desk.tenant(), person.id).await?;
    let outcome = match contract::being_written(&versions) {
        Some(c) => contract::amend(&desk, &person, c.row.id, &terms).await?,
        None => contract::start(&desk, &person, &terms).await?.map(|_| ()),
    };
    match outcome {
        Ok(()) => Ok(done(&desk, person.id, "termes")),
        Err(refusal) => again(&desk, ui, &person, shown, Err(refusal)).await,
    }
}

/// The draft of `person`, or why there is none to change.
async fn the_draft(
    desk: &InsertionDesk<'_>,
    person: &insertion_person::Model,
) -> Result<Result<i64, Refusal>, AppError> {
    let versions = contract::of_person(desk.tenant(), person.id).await?;
    Ok(match contract::being_written(&versions) {
        Some(c) if c.row.status == ContractStatus::Draft => Ok(c.row.id),
        Some(_) => Err(Refusal::Frozen),
        None => Err(Refusal::NoDraft),
    })
}

/// `POST …/contrat/actions`: an action added to the draft.
pub async fn add_action(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<ActionTyped>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let person = followed_person(&desk, &id).await?;
    let shown = Shown {
        action: Some(typed.clone()),
        ..Shown::default()
    };
    let action = match contract::NewAction::parse(
        &typed.theme,
        &typed.title,
        &typed.due_on,
        crate::dates::today(),
    ) {
        Ok(action) => action,
        Err(errors) => return again(&desk, ui, &person, shown, Ok(errors)).await,
    };
    let draft = match the_draft(&desk, &person).await? {
        Ok(draft) => draft,
        Err(refusal) => return again(&desk, ui, &person, shown, Err(refusal)).await,
    };
    match contract::add_action(&desk, &person, draft, &action).await? {
        Ok(_) => Ok(done(&desk, person.id, "action")),
        Err(refusal) => again(&desk, ui, &person, shown, Err(refusal)).await,
    }
}

/// `POST …/contrat/actions/{action}/retirer`.
pub async fn remove_action(
    staff: CurrentStaff,
    ui: Ui,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let person = followed_person(&desk, &id).await?;
    let action = crate::http::parse_id(&action)?;
    let draft = match the_draft(&desk, &person).await? {
        Ok(draft) => draft,
        Err(refusal) => return again(&desk, ui, &person, Shown::default(), Err(refusal)).await,
    };
    match contract::remove_action(&desk, &person, draft, action).await? {
        Ok(()) => Ok(done(&desk, person.id, "retiree")),
        Err(refusal) => again(&desk, ui, &person, Shown::default(), Err(refusal)).await,
    }
}

/// `POST …/contrat/actions/{action}/faite`: an action of the version in force done.
pub async fn mark_done(
    staff: CurrentStaff,
    ui: Ui,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let person = followed_person(&desk, &id).await?;
    let action = crate::http::parse_id(&action)?;
    match contract::mark_done_by_staff(&desk, &person, action).await? {
        Ok(()) => Ok(done(&desk, person.id, "faite")),
        Err(refusal) => again(&desk, ui, &person, Shown::default(), Err(refusal)).await,
    }
}

/// `POST …/contrat/signature`: the draft signed for the department.
pub async fn sign(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let person = followed_person(&desk, &id).await?;
    let outcome = match the_draft(&desk, &person).await? {
        Ok(draft) => contract::sign_for_department(&desk, &person, draft).await?,
        Err(refusal) => Err(refusal),
    };
    match outcome {
        Ok(()) => Ok(done(&desk, person.id, "signe")),
        Err(refusal) => again(&desk, ui, &person, Shown::default(), Err(refusal)).await,
    }
}

/// `POST …/contrat/reprise`: the version waiting for the person taken back to be changed.
pub async fn take_back(
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let person = followed_person(&desk, &id).await?;
    let versions = contract::of_person(desk.tenant(), person.id).await?;
    let waiting = contract::being_written(&versions)
        .filter(|c| c.row.status == ContractStatus::ToSign)
        .map(|c| c.row.id);
    let outcome = match waiting {
        Some(id) => contract::take_back(&desk, &person, id).await?,
        None => Err(contract::Refusal::NotToSign),
    };
    match outcome {
        Ok(()) => Ok(done(&desk, person.id, "reprise")),
        Err(refusal) => again(&desk, ui, &person, Shown::default(), Err(refusal)).await,
    }
}

/// `POST …/contrat/papier`: the scan of the paper the person signed; checked before it is
/// stored, and stored only when a version waits for the person.
pub async fn signed_on_paper(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let person = followed_person(&desk, &id).await?;
    let Some(upload) = form.uploads.iter().find(|u| u.field == "scan") else {
        let errors = FieldErrors::at(
            "scan",
            "Choisissez la copie numérisée du contrat signé (PDF, JPEG ou PNG).",
        );
        return again(&desk, ui, &person, Shown::default(), Ok(errors)).await;
    };
    let mime = match crate::documents::check(upload) {
        Ok(mime) => mime,
        Err(message) => {
            let errors = FieldErrors::at("scan", message);
            return again(&desk, ui, &person, Shown::default(), Ok(errors)).await;
        }
    };
    let versions = contract::of_person(desk.tenant(), person.id).await?;
    let Some(waiting) = contract::being_written(&versions)
        .filter(|c| c.row.status == ContractStatus::ToSign)
        .map(|c| c.row.id)
    else {
        return again(
            &desk,
            ui,
            &person,
            Shown::default(),
            Err(Refusal::NotToSign),
        )
        .await;
    };
    let journal = desk.file_event(
        person.citizen_id,
        "ajout d'un document à votre dossier",
        "contrat d'engagement signé sur papier",
        crate::insertion::FOLLOW_UP,
    );
    let document = crate::documents::save(
        &state.platform,
        desk.tenant(),
        person.citizen_id,
        upload,
        mime,
        Some(journal),
    )
    .await?;
    match contract::signed_on_paper(&desk, &person, waiting, document.id).await? {
        Ok(()) => Ok(done(&desk, person.id, "papier")),
        Err(refusal) => again(&desk, ui, &person, Shown::default(), Err(refusal)).await,
    }
}
