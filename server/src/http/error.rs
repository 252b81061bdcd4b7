//! One error type for handlers, turned into a French page by [`super::dispatch`].

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("page introuvable")]
    NotFound,
    #[error("accès refusé")]
    Forbidden,
    /// Refused, with why and what to do instead in the message.
    #[error("accès refusé : {0}")]
    ForbiddenBecause(String),
    /// Not signed in: go to the sign-in page of this department.
    #[error("connexion requise")]
    SignInRequired { login_href: String },
    /// Signed in, but the account's roles need a second factor it has not passed: enrol one.
    #[error("double authentification requise")]
    SecondFactorRequired { enrol_href: String },
    #[error("formulaire expiré")]
    CsrfMismatch,
    #[error("requête invalide : {0}")]
    BadRequest(String),
    /// A body larger than what the route (and who sends it) may send.
    #[error("envoi trop volumineux : {0}")]
    TooLarge(&'static str),
    /// A body that did not arrive in time.
    #[error("envoi trop lent")]
    TooSlow,
    /// The action no longer fits the state of things (a closed aid, a changed record).
    #[error("conflit : {0}")]
    Conflict(String),
    #[error("erreur interne : {0}")]
    Internal(String),
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<tenants::StoreError> for AppError {
    fn from(e: tenants::StoreError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(e: tower_sessions::session::Error) -> Self {
        AppError::Internal(e.to_string())
    }
}

/// What the error page shows; put in the response's extensions for the dispatcher to render
/// inside the department's layout.
#[derive(Clone, Debug)]
pub struct ErrorPage {
    pub title: &'static str,
    pub message: String,
}

impl ErrorPage {
    pub fn response(
        status: StatusCode,
        title: &'static str,
        message: impl Into<String>,
    ) -> Response {
        let page = ErrorPage {
            title,
            message: message.into(),
        };
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{}\n{}", page.title, page.message),
        )
            .into_response();
        response.extensions_mut().insert(page);
        response
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => ErrorPage::response(
                StatusCode::NOT_FOUND,
                "Page introuvable",
                "La page demandée n'existe pas ou n'est plus disponible. Vérifiez l'adresse, ou revenez à l'accueil.",
            ),
            AppError::Forbidden => ErrorPage::response(
                StatusCode::FORBIDDEN,
                "Accès refusé",
                "Votre compte ne vous donne pas accès à cette page. Si vous pensez que c'est une erreur, contactez l'administrateur de votre département.",
            ),
            AppError::ForbiddenBecause(message) => {
                ErrorPage::response(StatusCode::FORBIDDEN, "Accès refusé", &message)
            }
            AppError::SignInRequired { login_href } => Redirect::to(&login_href).into_response(),
            AppError::SecondFactorRequired { enrol_href } => {
                Redirect::to(&enrol_href).into_response()
            }
            AppError::CsrfMismatch => ErrorPage::response(
                StatusCode::FORBIDDEN,
                "Formulaire expiré",
                "Ce formulaire a expiré ou ne vient pas de ce site. Rechargez la page, puis recommencez.",
            ),
            AppError::BadRequest(message) => {
                ErrorPage::response(StatusCode::BAD_REQUEST, "Requête invalide", message)
            }
            AppError::TooLarge(message) => ErrorPage::response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Envoi trop volumineux",
                message,
            ),
            AppError::TooSlow => ErrorPage::response(
                StatusCode::REQUEST_TIMEOUT,
                "Envoi interrompu",
                "Le formulaire n'est pas arrivé à temps : la connexion est peut-être trop lente. Rechargez la page, puis recommencez.",
            ),
            AppError::Conflict(message) => {
                ErrorPage::response(StatusCode::CONFLICT, "Action impossible", message)
            }
            AppError::Internal(detail) => {
                // The detail goes to the log, never to the browser.
                tracing::error!(%detail, "internal error");
                ErrorPage::response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Erreur du service",
                    "Une erreur est survenue de notre côté. Réessayez dans quelques minutes ; si elle persiste, signalez-la au département.",
                )
            }
        }
    }
}
