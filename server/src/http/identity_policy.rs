//! The administrator's page for how the department's staff sign in
//! (`/agents/admin/identite`): its SIRETs for ProConnect, the minimum ProConnect assurance,
//! and the roles that need a second factor besides those that always do.

use app::pages::admin::{Choice, IdentityPolicyPage};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use tower_sessions::Session;

use super::desks::AdminDesk;
use super::form::Form;
use super::ui::Ui;
use super::{AppError, AppState, CurrentStaff};
use app::validation::FieldErrors;

use crate::proconnect::Assurance;
use crate::staff::identity::{self, IdentityPolicy, Siret};
use crate::staff::{Author, Role};

const NOTICE_KEY: &str = "identity_notice";

/// The policy form as typed: `roles` is the group of checked boxes.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PolicyForm {
    sirets: String,
    minimum: String,
    roles: Vec<String>,
}

impl PolicyForm {
    fn of(policy: &IdentityPolicy) -> Self {
        Self {
            sirets: policy.siret_texts().join("\n"),
            minimum: policy
                .minimum
                .map(|m| m.id().to_owned())
                .unwrap_or_default(),
            roles: policy.role_ids(),
        }
    }

    /// The policy, or what is wrong, in French.
    fn parse(&self, modules: &[tenants::Module]) -> Result<IdentityPolicy, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut sirets = Vec::new();
        for line in self.sirets.lines().filter(|l| !l.trim().is_empty()) {
            match Siret::parse(line) {
                Ok(siret) => sirets.push(siret),
                Err(e) => errors.add("sirets", crate::audit::sentence(&e)),
            }
        }
        sirets.sort();
        sirets.dedup();
        let minimum = match self.minimum.as_str() {
            "" => None,
            id => Assurance::parse(id).or_else(|| {
                errors.add(
                    "minimum-0",
                    "Choisissez un niveau de connexion dans la liste.",
                );
                None
            }),
        };
        let mut roles = Vec::new();
        for id in &self.roles {
            match Role::parse_for(id, modules) {
                Ok(role) if !role.always_requires_second_factor() => roles.push(role),
                Ok(_) => {}
                Err(e) => errors.add("roles-0", e.on_form()),
            }
        }
        roles.sort();
        roles.dedup();
        if errors.is_empty() {
            Ok(IdentityPolicy {
                sirets,
                minimum,
                second_factor_roles: roles,
            })
        } else {
            Err(errors)
        }
    }
}

pub async fn page(
    State(state): State<AppState>,
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
) -> Result<Response, AppError> {
    AdminDesk::open(&staff)?;
    let policy = identity::policy(&state.platform, &staff.tenant.tenant).await?;
    let notice = session.get::<String>(NOTICE_KEY).await?;
    if notice.is_some() {
        session.remove::<String>(NOTICE_KEY).await?;
    }
    Ok(render(
        &state,
        &staff,
        ui,
        StatusCode::OK,
        &PolicyForm::of(&policy),
        FieldErrors::new(),
        notice,
    ))
}

pub async fn save(
    State(state): State<AppState>,
    staff: CurrentStaff,
    session: Session,
    ui: Ui,
    Form(form): Form<PolicyForm>,
) -> Result<Response, AppError> {
    AdminDesk::open(&staff)?;
    let tenant = &staff.tenant.tenant;
    let policy = match form.parse(tenant.modules()) {
        Ok(policy) => policy,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(render(&state, &staff, ui, status, &form, errors, None));
        }
    };
    identity::save_policy(
        &state.platform,
        tenant,
        &policy,
        Author::Staff(&staff.account),
    )
    .await?;
    state.policies.forget(tenant);
    session
        .insert(
            NOTICE_KEY,
            "Les règles de connexion sont enregistrées.".to_owned(),
        )
        .await?;
    Ok(Redirect::to(&staff.tenant.href("/agents/admin/identite")).into_response())
}

fn render(
    state: &AppState,
    staff: &CurrentStaff,
    ui: Ui,
    status: StatusCode,
    form: &PolicyForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Response {
    let modules = staff.tenant.tenant.modules();
    let mut minimums = vec![Choice {
        value: String::new(),
        label: "Aucun niveau particulier".to_owned(),
        checked: form.minimum.is_empty(),
    }];
    minimums.extend(Assurance::ALL.into_iter().map(|a| Choice {
        value: a.id().to_owned(),
        label: a.label().to_owned(),
        checked: form.minimum == a.id(),
    }));
    let (always, optional): (Vec<Role>, Vec<Role>) = Role::available(modules)
        .into_iter()
        .partition(|r| r.always_requires_second_factor());
    let always = always.iter().map(|r| r.label().to_owned()).collect();
    let roles = optional
        .into_iter()
        .map(|r| Choice {
            value: r.id().to_owned(),
            label: r.label().to_owned(),
            checked: form.roles.iter().any(|id| id == r.id()),
        })
        .collect();
    let sirets = form.sirets.clone();
    let proconnect = state.proconnect.is_some();
    ui.with_staff(staff).render(status, move |ctx| {
        view! { <IdentityPolicyPage ctx sirets minimums always roles errors notice proconnect /> }
    })
}
