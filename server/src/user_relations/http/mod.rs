//! User relations (`user_relations`): reception's record of a citizen (contacts, messages,
//! appointments, alerts), the wider access for other modules, and the citizen's side:
//! messages, appointments, contact details and household, access journal, right of access.

mod access;
mod appointments;
mod details;
pub mod mandates;
mod messages;
mod records;

pub use access::*;
pub use appointments::*;
pub use details::*;
pub use messages::*;
pub use records::*;

use tenants::Module;

use crate::http::AppError;
use crate::http::auth::CurrentStaff;
use crate::http::desks::DeskAccess;

/// Reception's desk in the pages: see [`crate::http::desks::ModuleDesk`].
pub type UserRelationsDesk<'a> = crate::http::desks::ModuleDesk<'a, super::UserRelations>;

/// Reception's desk, for those who work on files (supervisors see figures, not records).
fn records_desk(staff: &CurrentStaff) -> Result<UserRelationsDesk<'_>, AppError> {
    UserRelationsDesk::open(staff)
}

/// The record the path names, in reception's department (404 otherwise).
async fn record_of(
    desk: &UserRelationsDesk<'_>,
    id: &str,
) -> Result<crate::citizens::Citizen, AppError> {
    let id = crate::http::parse_id(id)?;
    crate::citizens::find(desk.tenant(), id)
        .await?
        .ok_or(AppError::NotFound)
}

fn date_time(at: chrono::DateTime<chrono::Utc>) -> String {
    crate::dates::date_time(at)
}

/// What a citizen may say a message is about: their filed requests.
async fn citizen_requests(
    tenant: &tenants::Tenant,
    citizen_id: i64,
) -> Result<Vec<(i64, String)>, AppError> {
    let mut requests = Vec::new();
    for files in crate::modules::all_files() {
        for file in (files.of_citizen)(tenant, citizen_id).await? {
            if let Some(reference) = file.reference {
                requests.push((file.id, format!("{} — demande {reference}", file.title)));
            }
        }
    }
    Ok(requests)
}

pub fn routes(routes: crate::modules::Routes) -> crate::modules::Routes {
    use axum::routing::{get, post};
    routes
        .route("/mon-espace/journal", get(access_journal))
        .route(
            "/mon-espace/coordonnees",
            get(my_details).post(save_my_details),
        )
        .route("/mon-espace/coordonnees/foyer", post(add_household_member))
        .route(
            "/mon-espace/coordonnees/foyer/{id}/retirer",
            post(remove_household_member),
        )
        .route("/mon-espace/mes-informations", get(my_information))
        .route(
            "/mon-espace/mes-informations.json",
            get(my_information_file),
        )
        .route(
            "/mon-espace/rendez-vous",
            get(my_appointments).post(citizen_book),
        )
        .route("/mon-espace/rendez-vous/{id}/annuler", post(citizen_cancel))
        .route(
            "/mon-espace/messages",
            get(my_messages).post(write_to_department),
        )
        .route(
            "/mon-espace/messages/{id}",
            get(my_thread).post(citizen_reply),
        )
        .route("/mon-espace/mandats", get(mandates::my_mandates))
        .route("/mon-espace/mandats/{id}/revoquer", post(mandates::revoke))
        .route("/agents/usagers", get(search))
        .route(
            "/agents/usagers/nouveau",
            get(new_record_form).post(create_record),
        )
        .route("/agents/usagers/{id}", get(record))
        .route("/agents/usagers/{id}/contacts", post(log_contact))
        .route("/agents/usagers/{id}/relance", post(remind))
        .route(
            "/agents/usagers/{id}/fusionner/{absorbed}",
            post(merge_records),
        )
        .route(
            "/agents/usagers/{id}/acces-elargi",
            get(wider_access_form).post(wider_access),
        )
        .route("/agents/acces-elargis", get(open_wider_accesses))
        .route("/agents/acces-elargis/{id}/fin", post(end_wider_access))
        .route("/agents/usagers/{id}/messages", post(staff_write))
        .route(
            "/agents/usagers/{id}/mandats/nouveau",
            get(mandates::new_mandate_form),
        )
        .route(
            "/agents/usagers/{id}/mandats",
            post(mandates::record_mandate),
        )
        .route("/agents/usagers/{id}/rendez-vous", post(staff_book))
        .route("/agents/mandats/{id}", get(mandates::mandate_page))
        .route(
            "/agents/mandats/{id}/courrier",
            get(mandates::mandate_letter),
        )
        .route("/agents/mandats/{id}/fin", post(mandates::end_mandate))
        .route("/agents/messages", get(staff_inbox))
        .route("/agents/messages/{id}", get(staff_thread).post(staff_reply))
        .route("/agents/messages/{thread}/pieces/{doc}", get(staff_piece))
        .route(
            "/agents/rendez-vous",
            get(staff_appointments).post(publish_slots),
        )
        .route("/agents/rendez-vous/{id}/presence", post(record_attendance))
}

/// Reception works on records, messages and appointments; a supervisor sees the module's
/// figures.
pub fn staff_nav(tenant: &crate::http::TenantCtx, access: DeskAccess) -> Vec<app::NavLink> {
    let link = |href: &str, label: &str, description| app::NavLink {
        href: tenant.href(href),
        label: label.into(),
        description,
    };
    match access {
        DeskAccess::Worker(_) => vec![
            link(
                "/agents/usagers",
                Module::UserRelations.label(),
                "Trouver le dossier d'un usager, noter un contact, lui écrire ; les usagers qui ne répondent plus.",
            ),
            link(
                "/agents/messages",
                "Messages des usagers",
                "Les messages qui attendent une réponse.",
            ),
            link(
                "/agents/rendez-vous",
                "Rendez-vous",
                "Publier des créneaux, voir qui a réservé, noter qui est venu.",
            ),
        ],
        DeskAccess::Supervisor => vec![
            link(
                "/agents/modules/user_relations",
                Module::UserRelations.label(),
                "Les chiffres de l'accueil : contacts, messages, rendez-vous.",
            ),
            link(
                "/agents/acces-elargis",
                "Accès élargis en cours",
                "Les agents d'autres services qui voient un dossier complet, et pourquoi.",
            ),
        ],
    }
}
