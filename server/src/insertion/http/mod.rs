//! Insertion's pages: the people to orient with their clock, a person's page, the imports of
//! the benefit funds' files (sending, preview, confirmation, progress).

mod contracts;
mod imports;
mod invitations;
mod lists;
mod people;
mod referents;
mod sanctions;
mod settings;
mod space;

pub use contracts::*;
pub use imports::*;
pub use invitations::*;
pub use lists::*;
pub use people::*;
pub use referents::*;
pub use sanctions::*;
pub use settings::*;
pub use space::*;

use app::validation::FieldErrors;

use crate::http::AppError;
use crate::http::auth::CurrentStaff;
use crate::http::desks::DeskAccess;
use crate::staff::Role;

/// Insertion's desk in the pages: see [`crate::http::desks::ModuleDesk`].
pub type InsertionDesk<'a> = crate::http::desks::ModuleDesk<'a, super::Insertion>;

/// How a page comes back after a step that did not happen: its form's mistakes (422), or why
/// the step is refused, in a sentence (409).
fn not_done<R: std::fmt::Display>(
    refused: Result<FieldErrors, R>,
) -> (axum::http::StatusCode, FieldErrors, Option<String>) {
    use axum::http::StatusCode;
    match refused {
        Ok(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        Err(refusal) => (
            StatusCode::CONFLICT,
            FieldErrors::new(),
            Some(crate::audit::sentence(&refusal.to_string())),
        ),
    }
}

/// The desk of an orientation officer: imports, and (next) orientation decisions and
/// sanction cases, are theirs.
fn officer_desk(staff: &CurrentStaff) -> Result<InsertionDesk<'_>, AppError> {
    let desk = InsertionDesk::open(staff)?;
    if !staff.account.has_role(Role::InsertionOrientation) {
        return Err(AppError::Forbidden);
    }
    Ok(desk)
}

pub fn routes(routes: crate::modules::Routes) -> crate::modules::Routes {
    let routes = people_routes(routes);
    let routes = contract_routes(routes);
    let routes = sanction_routes(routes);
    let routes = import_routes(routes);
    citizen_routes(routes)
}

/// The people, their orientation, referents, notes and invitations.
fn people_routes(routes: crate::modules::Routes) -> crate::modules::Routes {
    use axum::routing::{get, post};
    routes
        .route("/agents/insertion", get(to_orient))
        .route("/agents/insertion/personnes/{id}", get(person_page))
        .route(
            "/agents/insertion/personnes/{id}/orientation/proposition",
            post(propose_orientation),
        )
        .route(
            "/agents/insertion/personnes/{id}/orientation/decision",
            post(decide_orientation),
        )
        .route(
            "/agents/insertion/personnes/{id}/orientation/refus",
            post(refuse_orientation),
        )
        .route(
            "/agents/insertion/personnes/{id}/referent",
            post(name_referent),
        )
        .route("/agents/insertion/personnes/{id}/notes", post(write_note))
        .route(
            "/agents/insertion/personnes/{id}/invitation",
            get(invite_form).post(invite),
        )
        .route("/agents/insertion/invitations/{id}", get(invitation_page))
        .route(
            "/agents/insertion/invitations/{id}/courrier",
            get(invitation_letter),
        )
        .route(
            "/agents/insertion/invitations/{id}/presence",
            post(record_presence),
        )
        .route(
            "/agents/insertion/sans-referent",
            get(without_referent).post(name_referent_for_many),
        )
}

/// The contrat d'engagement.
fn contract_routes(routes: crate::modules::Routes) -> crate::modules::Routes {
    use axum::routing::{get, post};
    routes
        .route(
            "/agents/insertion/personnes/{id}/contrat",
            get(contract_page).post(save_terms),
        )
        .route(
            "/agents/insertion/personnes/{id}/contrat/actions",
            post(add_action),
        )
        .route(
            "/agents/insertion/personnes/{id}/contrat/actions/{action}/retirer",
            post(remove_action),
        )
        .route(
            "/agents/insertion/personnes/{id}/contrat/actions/{action}/faite",
            post(mark_done),
        )
        .route(
            "/agents/insertion/personnes/{id}/contrat/signature",
            post(sign),
        )
        .route(
            "/agents/insertion/personnes/{id}/contrat/papier",
            post(signed_on_paper),
        )
        .route(
            "/agents/insertion/personnes/{id}/contrat/reprise",
            post(take_back),
        )
}

/// Sanction cases and the équipe pluridisciplinaire's agenda.
fn sanction_routes(routes: crate::modules::Routes) -> crate::modules::Routes {
    use axum::routing::{get, post};
    routes
        .route(
            "/agents/insertion/personnes/{id}/sanction",
            get(open_case_form).post(open_case),
        )
        .route("/agents/insertion/sanctions/{id}", get(case_page))
        .route(
            "/agents/insertion/sanctions/{id}/notification",
            post(notify_case),
        )
        .route(
            "/agents/insertion/sanctions/{id}/observations",
            post(record_heard),
        )
        .route(
            "/agents/insertion/sanctions/{id}/seance",
            post(schedule_case),
        )
        .route(
            "/agents/insertion/sanctions/{id}/avis",
            post(record_opinion),
        )
        .route(
            "/agents/insertion/equipe-pluridisciplinaire",
            get(ep_agenda),
        )
        .route(
            "/agents/insertion/sanctions/{id}/decision",
            post(record_decision),
        )
        .route(
            "/agents/insertion/sanctions/{id}/levee",
            post(record_lifting),
        )
        .route(
            "/agents/insertion/sanctions/{id}/courrier",
            get(case_letter),
        )
}

/// The funds' files and lists, their mappings, and the module's settings.
fn import_routes(routes: crate::modules::Routes) -> crate::modules::Routes {
    use axum::routing::{get, post};
    routes
        .route("/agents/insertion/imports", get(imports_page))
        .route("/agents/insertion/imports/televersement", post(upload_file))
        .route(
            "/agents/insertion/imports/liste/televersement",
            post(upload_list),
        )
        .route(
            "/agents/insertion/correspondances",
            get(mappings_page).post(save_mapping),
        )
        .route("/agents/insertion/imports/{id}", get(import_page))
        .route("/agents/insertion/imports/{id}/etat", get(import_state))
        .route("/agents/insertion/imports/{id}/confirmer", post(confirm))
        .route("/agents/insertion/imports/{id}/abandonner", post(cancel))
        .route(
            "/agents/admin/insertion",
            get(settings_page).post(save_settings),
        )
}

/// The person's side: their space, and the booking link (no account needed).
fn citizen_routes(routes: crate::modules::Routes) -> crate::modules::Routes {
    use axum::routing::{get, post};
    routes
        .route(
            "/rendez-vous/{token}",
            get(booking_page).post(book_through_link),
        )
        .route("/mon-espace/rsa", get(my_follow_up))
        .route(
            "/mon-espace/rsa/contrat/{id}/signer",
            post(sign_my_contract),
        )
        .route(
            "/mon-espace/rsa/actions/{id}/faite",
            post(mark_my_action_done),
        )
        .route(
            "/mon-espace/rsa/sanctions/{id}/observations",
            post(send_my_observations),
        )
}

/// The administrator sets the department's names for the tracks and the booking links' life.
pub fn admin_nav(tenant: &crate::http::TenantCtx) -> Vec<app::NavLink> {
    vec![app::NavLink {
        href: tenant.href("/agents/admin/insertion"),
        label: "Réglages de l'insertion".into(),
        description: "Les noms des parcours dans le département, la durée des liens pour prendre rendez-vous.",
    }]
}

/// Referents and orientation officers work on people; a supervisor sees the module's figures.
pub fn staff_nav(tenant: &crate::http::TenantCtx, access: DeskAccess) -> Vec<app::NavLink> {
    let link = |href: &str, label: &str, description| app::NavLink {
        href: tenant.href(href),
        label: label.into(),
        description,
    };
    match access {
        DeskAccess::Worker(_) => vec![
            link(
                "/agents/insertion",
                "Personnes à orienter (RSA)",
                "Les bénéficiaires du RSA soumis aux droits et devoirs, par délai d'orientation ; importer le fichier de la CAF ou de la MSA.",
            ),
            link(
                "/agents/insertion/equipe-pluridisciplinaire",
                "Équipe pluridisciplinaire",
                "Les procédures de sanction en attente de décision, par séance.",
            ),
        ],
        DeskAccess::Supervisor => vec![link(
            "/agents/modules/insertion",
            tenants::Module::Insertion.label(),
            "Les chiffres de l'insertion : personnes à orienter, délais dépassés.",
        )],
    }
}
