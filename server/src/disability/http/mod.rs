//! Disability's pages: the person files their request to the MDPH from their space (the
//! form's parts, the rights, the pieces, the review); reception lists the files by stage and
//! checks each one's completeness; physicians alone open medical pieces; the team evaluates
//! and sends the plan, the committee decides and answers appeals (`follow_up`).

mod caf;
mod committee;
mod filer;
mod filing;
mod follow_up;
mod reception;
mod sectors;

pub use caf::agree as agree_to_caf;
pub use committee::*;
pub use filing::*;
pub use follow_up::*;
pub use reception::*;
pub use sectors::*;

use crate::http::AppError;
use crate::http::auth::CurrentStaff;
use crate::http::desks::DeskAccess;
use crate::staff::Role;

/// Disability's desk in the pages: see [`crate::http::desks::ModuleDesk`].
pub type DisabilityDesk<'a> = crate::http::desks::ModuleDesk<'a, super::Disability>;

/// The desk of reception (completeness), whose steps are theirs alone.
fn reception_desk(staff: &CurrentStaff) -> Result<DisabilityDesk<'_>, AppError> {
    let desk = DisabilityDesk::open(staff)?;
    if !staff.account.has_role(Role::DisabilityReception) {
        return Err(AppError::Forbidden);
    }
    Ok(desk)
}

pub fn routes(routes: crate::modules::Routes) -> crate::modules::Routes {
    use axum::routing::{get, post};
    routes
        .route("/mon-espace/mdph", get(my_files).post(start))
        .route("/mon-espace/mdph/{id}", get(my_file))
        .route(
            "/mon-espace/mdph/{id}/etape/{step}",
            get(step_page).post(save_step),
        )
        .route(
            "/mon-espace/mdph/{id}/droits",
            get(rights_page).post(save_rights),
        )
        .route(
            "/mon-espace/mdph/{id}/pieces",
            get(pieces_page).post(add_piece),
        )
        .route("/mon-espace/mdph/{id}/recapitulatif", get(review))
        .route("/mon-espace/mdph/{id}/depot", post(file_request))
        .route("/mon-espace/mdph/{id}/explication", post(explain))
        .route("/mon-espace/mdph/{id}/caf", post(agree_to_caf))
        // Reception's way through the same draft pages, under the person's mandate `{id}`
        // (`filer::Filer`); the draft is `{file}`.
        .route("/agents/mandats/{id}/mdph", post(start))
        .route(
            "/agents/mandats/{id}/mdph/{file}/etape/{step}",
            get(step_page).post(save_step),
        )
        .route(
            "/agents/mandats/{id}/mdph/{file}/droits",
            get(rights_page).post(save_rights),
        )
        .route(
            "/agents/mandats/{id}/mdph/{file}/pieces",
            get(pieces_page).post(add_piece),
        )
        .route(
            "/agents/mandats/{id}/mdph/{file}/recapitulatif",
            get(review),
        )
        .route("/agents/mandats/{id}/mdph/{file}/depot", post(file_request))
        .route("/agents/handicap", get(queue))
        .route("/agents/handicap/dossiers/{id}", get(file_page))
        .route(
            "/agents/handicap/dossiers/{id}/recevabilite",
            post(acknowledge),
        )
        .route(
            "/agents/handicap/dossiers/{id}/pieces-manquantes",
            post(ask_for_pieces),
        )
        .route(
            "/agents/handicap/dossiers/{id}/irrecevable",
            post(declare_irrecevable),
        )
        .route(
            "/agents/handicap/dossiers/{id}/observations",
            post(write_observation),
        )
        .route(
            "/agents/handicap/dossiers/{id}/constats",
            post(save_findings),
        )
        .route(
            "/agents/handicap/dossiers/{id}/propositions/{request}",
            post(propose),
        )
        .route(
            "/agents/handicap/commission",
            get(sessions_page).post(open_session),
        )
        .route("/agents/handicap/commission/{id}", get(session_page))
        .route("/agents/handicap/dossiers/{id}/seance", post(put_on_agenda))
        .route("/agents/handicap/demandes/{id}/decision", post(decide))
        .route(
            "/mon-espace/mdph/{id}/notifications/{request}",
            get(my_notification),
        )
        .route(
            "/mon-espace/mdph/{id}/plan",
            get(plan_page).post(answer_plan),
        )
        .route(
            "/mon-espace/mdph/{id}/recours/{request}",
            get(contest_page).post(contest),
        )
        .route(
            "/mon-espace/mdph/{id}/recours/{request}/reponse",
            get(appeal_answer),
        )
        .route("/agents/handicap/dossiers/{id}/plan", post(send_plan))
        .route(
            "/agents/handicap/dossiers/{id}/reception",
            post(record_receipt),
        )
        .route("/agents/handicap/suivi", get(follow_up_page))
        .route(SECTORS_PATH, get(sectors_page).post(save_sectors))
        .route("/agents/handicap/recours/{id}", post(answer_appeal))
        .route("/agents/handicap/pieces/{id}", get(open_piece))
        .route("/agents/handicap/pieces/{id}/examen", post(review_piece))
}

/// The administrator sets which team receives which files.
pub fn admin_nav(tenant: &crate::http::TenantCtx) -> Vec<app::NavLink> {
    vec![app::NavLink {
        href: tenant.href(SECTORS_PATH),
        label: "Secteurs de la MDPH".into(),
        description: "Quelle équipe reçoit quelles demandes, par code postal et par pôle.",
    }]
}

/// The person starts and follows their requests from their space.
pub fn citizen_nav(tenant: &crate::http::TenantCtx) -> Vec<app::NavLink> {
    vec![app::NavLink {
        href: tenant.href(super::space::PATH),
        label: "Mes demandes à la MDPH".into(),
        description: "demander l'AAH, la PCH, une carte mobilité inclusion, une RQTH, une orientation ou l'AEEH pour un enfant, et suivre ces demandes.",
    }]
}

/// Every worker of the module reads the files; a supervisor sees the module's figures.
pub fn staff_nav(tenant: &crate::http::TenantCtx, access: DeskAccess) -> Vec<app::NavLink> {
    match access {
        DeskAccess::Worker(_) => vec![
            app::NavLink {
                href: tenant.href("/agents/handicap"),
                label: "Demandes à la MDPH".into(),
                description: "Les demandes déposées, leur recevabilité, les pièces à examiner, les délais.",
            },
            app::NavLink {
                href: tenant.href("/agents/handicap/commission"),
                label: "Commission (CDAPH)".into(),
                description: "Les séances de la commission, leur ordre du jour et ses décisions.",
            },
            app::NavLink {
                href: tenant.href("/agents/handicap/suivi"),
                label: "Recours et renouvellements".into(),
                description: "Les recours à réexaminer, les droits qui prennent fin sans renouvellement.",
            },
        ],
        DeskAccess::Supervisor => vec![app::NavLink {
            href: tenant.href("/agents/modules/disability"),
            label: tenants::Module::Disability.label().into(),
            description: "Les chiffres des demandes à la MDPH, par étape.",
        }],
    }
}
