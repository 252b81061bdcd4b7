//! Naming referents: on a person's page, and for many people at once from the list of those
//! without one.

use app::components::FilterOption;
use app::insertion::{
    ReferentForm, ReferentView, WithoutReferentPage, WithoutReferentRow, WithoutReferentView,
};
use app::validation::FieldErrors;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;
use tenants::Platform;

use super::people::{PersonPage, done, followed_person, render_person};
use super::{InsertionDesk, officer_desk};
use crate::entity::insertion_person;
use crate::http::auth::CurrentStaff;
use crate::http::form::{Form, ListQuery, PageHrefs, page_at};
use crate::http::ui::Ui;
use crate::http::{AppError, AppState};
use crate::insertion::clock::Entered;
use crate::insertion::referents::{self, Refusal};
use crate::listing::PageAt;
use crate::staff::{Role, StaffAccount};

/// The department's referents, for the officer's forms.
async fn candidates(
    platform: &Platform,
    desk: &InsertionDesk<'_>,
) -> Result<Vec<StaffAccount>, AppError> {
    Ok(referents::candidates(
        crate::staff::list_accounts(platform, desk.tenant()).await?,
    ))
}

fn options(candidates: &[StaffAccount], chosen: &str) -> Vec<FilterOption> {
    std::iter::once(FilterOption {
        value: String::new(),
        label: "Choisir un référent".to_owned(),
        selected: chosen.is_empty(),
    })
    .chain(candidates.iter().map(|c| FilterOption {
        value: c.id.to_string(),
        label: c.display_name.clone(),
        selected: c.id.to_string() == chosen,
    }))
    .collect()
}

/// The referent part of a person's page.
pub(super) async fn referent_view(
    platform: &Platform,
    desk: &InsertionDesk<'_>,
    person: &insertion_person::Model,
    href: &str,
    typed: Option<(String, String)>,
) -> Result<ReferentView, AppError> {
    let rows = referents::of_person(desk, person.id).await?;
    let day = crate::dates::on;
    let current = rows
        .iter()
        .find(|r| r.to_on.is_none())
        .map(|r| format!("{}, depuis le {}", r.staff_name, day(r.from_on)));
    let history = rows
        .iter()
        .map(|r| {
            vec![
                r.staff_name.clone(),
                day(r.from_on),
                r.to_on.map(day).unwrap_or_else(|| "En cours".to_owned()),
                r.assigned_by_name.clone(),
                r.note.clone(),
            ]
        })
        .collect();
    let officer = desk.account().has_role(Role::InsertionOrientation);
    let form = if officer && person.left_on.is_none() {
        let (chosen, note) = typed.unwrap_or_default();
        Some(ReferentForm {
            action: format!("{href}/referent"),
            options: options(&candidates(platform, desk).await?, &chosen),
            note,
        })
    } else {
        None
    };
    Ok(ReferentView {
        current,
        history,
        form,
    })
}

/// The referent form's fields.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReferentTyped {
    referent: String,
    note: String,
    /// The people ticked, on the list.
    #[serde(rename = "personnes")]
    people: Vec<String>,
}

/// The account `typed` names among `candidates`, or what to say at its field.
fn chosen<'a>(
    typed: &ReferentTyped,
    candidates: &'a [StaffAccount],
) -> Result<&'a StaffAccount, String> {
    if typed.referent.trim().is_empty() {
        return Err("Choisissez le référent dans la liste.".to_owned());
    }
    // An account of another department, or none, is not among this department's referents.
    candidates
        .iter()
        .find(|c| c.id.to_string() == typed.referent.trim())
        .ok_or_else(|| crate::audit::sentence(&Refusal::NotAReferent.to_string()))
}

/// `POST /agents/insertion/personnes/{id}/referent` (officers).
pub async fn name_referent(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Form(typed): Form<ReferentTyped>,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let person = followed_person(&desk, &id).await?;
    let all = candidates(&state.platform, &desk).await?;
    let back = |errors: FieldErrors, refusal: Option<String>| PersonPage {
        typed: None,
        referent_typed: Some((typed.referent.clone(), typed.note.clone())),
        note_typed: String::new(),
        errors,
        notice: None,
        refusal,
    };
    let referent = match chosen(&typed, &all) {
        Ok(referent) => referent,
        Err(message) => {
            let page = back(FieldErrors::at("referent", message), None);
            return render_person(
                &state.platform,
                &desk,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                &id,
                page,
            )
            .await;
        }
    };
    let today = crate::dates::today();
    match referents::assign(&desk, &[person.id], referent, &all, &typed.note, today).await? {
        Ok(_) => Ok(done(&desk, person.id, "referent")),
        Err(refusal) => {
            let page = back(
                FieldErrors::new(),
                Some(crate::audit::sentence(&refusal.to_string())),
            );
            render_person(&state.platform, &desk, ui, StatusCode::CONFLICT, &id, page).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WithoutParams {
    /// The page after the person at this position (`Entered::encode`).
    apres: Option<String>,
    /// The page before the person at this position.
    avant: Option<String>,
    ok: Option<String>,
}

/// `GET /agents/insertion/sans-referent`.
pub async fn without_referent(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    ListQuery(params): ListQuery<WithoutParams>,
) -> Result<Response, AppError> {
    let desk = InsertionDesk::open(&staff)?;
    let at = page_at(
        params.apres.as_deref(),
        params.avant.as_deref(),
        Entered::parse,
    )?;
    let notice = params
        .ok
        .as_deref()
        .and_then(|n| n.parse::<u64>().ok())
        .map(|n| match n {
            1 => "Le référent est désigné pour 1 personne.".to_owned(),
            n => format!("Le référent est désigné pour {n} personnes."),
        });
    let page = WithoutPage {
        at,
        typed: ReferentTyped::default(),
        errors: FieldErrors::new(),
        notice,
    };
    render_without(&state.platform, &desk, ui, StatusCode::OK, page).await
}

/// The list's page, and the form as typed with its mistakes, or what was just done.
struct WithoutPage {
    at: PageAt<Entered>,
    typed: ReferentTyped,
    errors: FieldErrors,
    notice: Option<String>,
}

async fn render_without(
    platform: &Platform,
    desk: &InsertionDesk<'_>,
    ui: Ui,
    status: StatusCode,
    shown: WithoutPage,
) -> Result<Response, AppError> {
    let WithoutPage {
        at,
        typed,
        errors,
        notice,
    } = shown;
    let (people, total) = referents::people_without(desk, &at).await?;
    let tenant = desk.ctx();
    let list_href = tenant.href("/agents/insertion/sans-referent");
    let hrefs = PageHrefs::new(
        &list_href,
        &[],
        people.previous.as_ref(),
        people.next.as_ref(),
        Entered::encode,
    );
    let form = if desk.account().has_role(Role::InsertionOrientation) {
        Some(ReferentForm {
            action: list_href.clone(),
            options: options(&candidates(platform, desk).await?, &typed.referent),
            note: typed.note.clone(),
        })
    } else {
        None
    };
    let view = WithoutReferentView {
        rows: people
            .rows
            .into_iter()
            .map(|p| WithoutReferentRow {
                id: p.id,
                href: tenant.href(&format!("/agents/insertion/personnes/{}", p.id)),
                name: format!("{} {}", p.family_name, p.given_name),
                commune: p.commune.unwrap_or_default(),
                entered: crate::dates::on(p.entered_on),
            })
            .collect(),
        total: total.into(),
        first_href: hrefs.first,
        previous_href: hrefs.previous,
        next_href: hrefs.next,
        back_href: tenant.href("/agents/insertion"),
        form,
        ticked: typed.people.iter().filter_map(|p| p.parse().ok()).collect(),
    };
    Ok(ui.with_staff(desk.staff()).render(status, move |ctx| {
        view! { <WithoutReferentPage ctx list=view errors notice /> }
    }))
}

/// `POST /agents/insertion/sans-referent` (officers): one referent for the people ticked.
pub async fn name_referent_for_many(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Form(typed): Form<ReferentTyped>,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let all = candidates(&state.platform, &desk).await?;
    let mut errors = FieldErrors::new();
    let ids: Vec<i64> = typed.people.iter().filter_map(|p| p.parse().ok()).collect();
    if ids.is_empty() || ids.len() != typed.people.len() {
        errors.add(
            "personnes-0",
            "Cochez les personnes à qui désigner ce référent.",
        );
    }
    let referent = match chosen(&typed, &all) {
        Ok(referent) => Some(referent),
        Err(message) => {
            errors.add("referent", message);
            None
        }
    };
    let (Some(referent), true) = (referent, errors.is_empty()) else {
        let page = WithoutPage {
            at: PageAt::First,
            typed,
            errors,
            notice: None,
        };
        return render_without(
            &state.platform,
            &desk,
            ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            page,
        )
        .await;
    };
    let today = crate::dates::today();
    match referents::assign(&desk, &ids, referent, &all, &typed.note, today).await? {
        Ok(named) => {
            let href = desk
                .ctx()
                .href(&format!("/agents/insertion/sans-referent?ok={named}"));
            Ok(Redirect::to(&href).into_response())
        }
        Err(refusal) => {
            let errors =
                FieldErrors::at("personnes-0", crate::audit::sentence(&refusal.to_string()));
            let page = WithoutPage {
                at: PageAt::First,
                typed,
                errors,
                notice: None,
            };
            render_without(&state.platform, &desk, ui, StatusCode::CONFLICT, page).await
        }
    }
}
