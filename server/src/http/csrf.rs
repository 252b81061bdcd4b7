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
/// Plain forms are small.
const MAX_FORM_BYTES: usize = 256 * 1024;
/// Forms with files: a few documents of 5 MB at most (see `documents::MAX_BYTES`).
pub const MAX_MULTIPART_BYTES: usize = 16 * 1024 * 1024;

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
    let boundary = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok());
    let limit = if boundary.is_some() {
        MAX_MULTIPART_BYTES
    } else {
        MAX_FORM_BYTES
    };
    let Ok(bytes) = to_bytes(body, limit).await else {
        return AppError::BadRequest(if boundary.is_some() {
            "Les fichiers envoyés sont trop volumineux (16 Mo au plus en tout, 5 Mo par document). Réduisez-les et recommencez."
        } else {
            "Le formulaire envoyé est trop volumineux. Raccourcissez vos réponses et recommencez."
        }
        .into())
        .into_response();
    };
    let sent = match boundary {
        Some(boundary) => multipart_token(bytes.clone(), boundary).await,
        None => url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == KEY)
            .map(|(_, v)| v.into_owned()),
    };
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

/// The token field of a multipart form (forms put it first; files before it are skipped).
async fn multipart_token(bytes: axum::body::Bytes, boundary: String) -> Option<String> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(KEY) {
            return field.text().await.ok();
        }
    }
    None
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
