//! The aid-requests pages: the catalogue (public and administrator's), the citizen's filing
//! (also reception's, under a mandate), the consent step, and the instructors' pages.

pub mod catalogue;
pub mod consent;
pub mod filing;
pub mod instruction;

use axum::routing::{get, post};

use crate::modules::Routes;

use crate::aid_requests::catalogue::FormChangeError;
use crate::aid_requests::queue::ChangeError;
use crate::http::AppError;

/// What a change refused means over HTTP when the page has nothing better to show: a handler
/// matches the case it re-renders (a conflict shows the page again with a notice) and passes
/// the rest here with `?`.
impl From<ChangeError> for AppError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::NotFound => AppError::NotFound,
            ChangeError::Conflict => AppError::Conflict(
                "Quelqu'un d'autre a modifié cette demande entre-temps : rechargez la page.".into(),
            ),
            ChangeError::Db(e) => e.into(),
        }
    }
}

impl From<FormChangeError> for AppError {
    fn from(e: FormChangeError) -> Self {
        match e {
            FormChangeError::NotFound => AppError::NotFound,
            FormChangeError::Conflict => AppError::Conflict(
                "Ce formulaire a été modifié entre-temps : rechargez la page.".into(),
            ),
            FormChangeError::Invalid(message) => AppError::BadRequest(message),
            FormChangeError::Db(e) => e.into(),
        }
    }
}

/// An instructor's desk in the pages: see [`crate::http::desks::ModuleDesk`].
pub type AidRequestsDesk<'a> = crate::http::desks::ModuleDesk<'a, super::AidRequests>;

pub fn routes(routes: Routes) -> Routes {
    routes
        .route("/aides", get(catalogue::catalogue))
        .route("/aides/{slug}", get(catalogue::aid_page))
        .route(
            "/aides/{slug}/demander",
            get(filing::start_page).post(filing::start),
        )
        .route("/demandes/{id}", get(filing::request_page))
        .route(
            "/demandes/{id}/etape/{step}",
            get(filing::step_page).post(filing::save_step),
        )
        .route(
            "/demandes/{id}/donnees",
            get(consent::consent_page).post(consent::consent_save),
        )
        .route("/demandes/{id}/recapitulatif", get(filing::review))
        .route("/demandes/{id}/deposer", post(filing::submit))
        .route("/demandes/{id}/courrier", get(filing::letter))
        .route("/demandes/{id}/complement", post(filing::answer))
        .route(
            "/agents/mandats/{id}/aides/{slug}",
            post(filing::assisted_start),
        )
        .route(
            "/agents/mandats/{id}/demandes/{request}/etape/{step}",
            get(filing::assisted_step_page).post(filing::assisted_save_step),
        )
        .route(
            "/agents/mandats/{id}/demandes/{request}/recapitulatif",
            get(filing::assisted_review),
        )
        .route(
            "/agents/mandats/{id}/demandes/{request}/deposer",
            post(filing::assisted_submit),
        )
        .route("/agents/demandes", get(instruction::queue_page))
        .route("/agents/demandes/export", post(instruction::export_start))
        .route(
            "/agents/demandes/export/{id}",
            get(instruction::export_page),
        )
        .route(
            "/agents/demandes/export/{id}/etat",
            get(instruction::export_state),
        )
        .route(
            "/agents/demandes/export/{id}/fichier",
            get(instruction::export_file),
        )
        .route("/agents/demandes/{id}", get(instruction::request_page))
        .route("/agents/demandes/{id}/attribuer", post(instruction::assign))
        .route("/agents/demandes/{id}/decider", post(instruction::decide))
        .route("/agents/demandes/{id}/complement", post(instruction::ask))
        .route(
            "/agents/demandes/{id}/donnees/actualiser",
            post(instruction::refresh_national_data),
        )
        .route(
            "/agents/demandes/{id}/donnees/accord",
            post(instruction::record_consent),
        )
        .route(
            "/agents/demandes/{id}/documents/{doc}",
            get(instruction::request_document),
        )
        .route("/agents/admin/aides", get(catalogue::admin_list))
        .route(
            "/agents/admin/aides/nouvelle",
            get(catalogue::new_aid_form).post(catalogue::create_aid),
        )
        .route(
            "/agents/admin/aides/{id}",
            get(catalogue::edit_aid_form).post(catalogue::update_aid),
        )
        .route(
            "/agents/admin/aides/{id}/questions",
            post(catalogue::add_question),
        )
        .route(
            "/agents/admin/aides/{id}/questions/{key}/retirer",
            post(catalogue::remove_question),
        )
}
