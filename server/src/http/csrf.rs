//! Anti-forgery tokens: one random token per session, repeated in every form, checked by a
//! middleware on every state-changing request so that no handler can forget it.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use tower_sessions::Session;

use super::AppError;

const KEY: &str = "csrf";
/// Forms of the back-office are small; uploads will get their own route and limit.
const MAX_FORM_BYTES: usize = 256 * 1024;

/// The session's token, if it has one.
pub async fn existing(session: &Session) -> Result<Option<String>, AppError> {
    Ok(session.get::<String>(KEY).await?)
}

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String, AppError> {
    if let Some(token) = session.get::<String>(KEY).await? {
        return Ok(token);
    }
    rotate(session).await
}

/// Replaces the token (at sign-in, with the session id).
pub async fn rotate(session: &Session) -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    session.insert(KEY, &token).await?;
    Ok(token)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub async fn verify_form_token(session: Session, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return AppError::BadRequest(
            "Le formulaire envoyé est trop volumineux. Raccourcissez vos réponses et recommencez."
                .into(),
        )
        .into_response();
    };
    let sent = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == KEY)
        .map(|(_, v)| v.into_owned());
    let expected = match session.get::<String>(KEY).await {
        Ok(v) => v,
        Err(e) => return AppError::from(e).into_response(),
    };
    match (sent, expected) {
        (Some(sent), Some(expected)) if constant_time_eq(sent.as_bytes(), expected.as_bytes()) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => AppError::CsrfMismatch.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn compares_tokens() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
