//! Anti-forgery tokens: one random token per session, repeated in every form, checked by a
//! middleware on every state-changing request so that no handler can forget it. The same
//! middleware bounds what a body may cost before anyone is known: a request whose session has
//! no token is refused before its body is read; a body is read within a time limit, and only a
//! signed-in person may send the large forms that carry files.

use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use tower_sessions::Session;

use super::AppError;

const KEY: &str = "csrf";
/// The cookie of a visitor with no session: a random value whose MAC is their form token.
pub const FORM_COOKIE: &str = "guichet_form";

/// Signs anonymous visitors' form tokens (derived from the platform's key), so that showing
/// a sign-in or sign-up form stores nothing: the session (a row) starts at sign-in.
#[derive(Clone)]
pub struct FormKey([u8; 32]);

impl std::fmt::Debug for FormKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormKey(…)")
    }
}

impl FormKey {
    pub fn new(seal: &crate::staff::second_factor::SealKey) -> Self {
        Self(seal.derive("guichet anonymous form token v1"))
    }

    /// The form token that goes with this cookie value.
    fn token_for(&self, cookie_value: &str) -> String {
        use hmac::Mac as _;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.0)
            .expect("HMAC takes a key of any length");
        mac.update(cookie_value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The form token of a visitor without a session, from their form cookie.
    pub fn anonymous_token(&self, headers: &axum::http::HeaderMap) -> Option<String> {
        form_cookie(headers).map(|value| self.token_for(&value))
    }

    /// A new form cookie: its `Set-Cookie` value and the token that goes with it.
    pub fn new_cookie(&self, https: bool) -> (String, String) {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let value = hex::encode(bytes);
        let secure = if https { "; Secure" } else { "" };
        let header = format!("{FORM_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{secure}");
        (header, self.token_for(&value))
    }
}

/// The form cookie's value, if the request carries a well-formed one.
fn form_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| {
            *name == FORM_COOKIE
                && value.len() == 64
                && value.bytes().all(|b| b.is_ascii_hexdigit())
        })
        .map(|(_, value)| value.to_owned())
}

/// Addresses whose multipart body is not read here but by its handler as it arrives (a
/// benefit fund's file of hundreds of megabytes): the form's first field must be the token,
/// checked before any byte of a file is kept (`form::StreamedUpload`). Signed-in people only.
pub const STREAMED_SUFFIX: &str = "/televersement";
/// Plain forms are small.
const MAX_FORM_BYTES: usize = 256 * 1024;
/// Forms with files: a few documents of 5 MB at most (see `documents::MAX_BYTES`).
pub const MAX_MULTIPART_BYTES: usize = 16 * 1024 * 1024;
/// How long an anonymous visitor's form may take to arrive (sign-in, sign-up: a few lines).
const ANONYMOUS_BODY_TIME: Duration = Duration::from_secs(10);
/// How long a signed-in person's form may take: 16 MB at about 1 Mbit/s.
const SIGNED_IN_BODY_TIME: Duration = Duration::from_secs(180);

/// The session's token, if it has one.
pub async fn existing(session: &Session) -> Result<Option<String>, AppError> {
    Ok(session.get::<String>(KEY).await?)
}

/// Replaces the token (at sign-in, with the session id).
pub async fn rotate(session: &Session) -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    session.insert(KEY, &token).await?;
    Ok(token)
}

pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub async fn verify_form_token(
    State(key): State<FormKey>,
    session: Session,
    req: Request,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    match checked_body(&key, &session, req).await {
        Ok(req) => next.run(req).await,
        Err(e) => {
            // The body may be left unread: the connection cannot carry another request.
            let mut refused = e.into_response();
            refused.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
            refused
        }
    }
}

/// The request with its body read, if its token is the session's; refused as early as
/// possible otherwise: no token in the session, no body read at all.
/// A second layer beside the token: a browser says where a form comes from, and one sent from
/// another site — another department's subdomain included — is refused even with a good token.
/// (Requests that say nothing, from a script or an old browser, rely on the token alone.)
fn from_elsewhere(headers: &axum::http::HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if text("sec-fetch-site").is_some_and(|site| !matches!(site, "same-origin" | "none")) {
        return true;
    }
    let Some(origin) = text("origin") else {
        return false;
    };
    let origin_authority = url::Url::parse(origin).ok().and_then(|url| {
        let host = url.host_str()?.to_owned();
        Some(match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        })
    });
    // The proxy in front passes `Host` on: departments are told apart by it too.
    !origin_authority
        .zip(text("host"))
        .is_some_and(|(origin, host)| origin.eq_ignore_ascii_case(host))
}

async fn checked_body(key: &FormKey, session: &Session, req: Request) -> Result<Request, AppError> {
    let expected = match session.get::<String>(KEY).await? {
        Some(token) => token,
        None => key
            .anonymous_token(req.headers())
            .ok_or(AppError::CsrfMismatch)?,
    };
    if from_elsewhere(req.headers()) {
        return Err(AppError::CsrfMismatch);
    }
    let signed_in = signed_in(session).await?;
    let (parts, body) = req.into_parts();
    let boundary = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok());
    if signed_in && boundary.is_some() && parts.uri.path().ends_with(STREAMED_SUFFIX) {
        // Read by its handler as it arrives, the token first (`form::StreamedUpload`).
        let mut req = Request::from_parts(parts, body);
        req.extensions_mut()
            .insert(super::form::ExpectedToken(expected));
        return Ok(req);
    }
    let (limit, too_large) = match (&boundary, signed_in) {
        (Some(_), true) => (
            MAX_MULTIPART_BYTES,
            "Les fichiers envoyés sont trop volumineux (16 Mo au plus en tout, 5 Mo par document). Réduisez-les et recommencez.",
        ),
        _ => (
            MAX_FORM_BYTES,
            "Le formulaire envoyé est trop volumineux. Raccourcissez vos réponses et recommencez.",
        ),
    };
    let time = if signed_in {
        SIGNED_IN_BODY_TIME
    } else {
        ANONYMOUS_BODY_TIME
    };
    let bytes = match tokio::time::timeout(time, to_bytes(body, limit)).await {
        Err(_) => return Err(AppError::TooSlow),
        Ok(Err(_)) => return Err(AppError::TooLarge(too_large)),
        Ok(Ok(bytes)) => bytes,
    };
    let sent = match boundary {
        Some(boundary) => multipart_token(bytes.clone(), boundary).await,
        None => url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == KEY)
            .map(|(_, v)| v.into_owned()),
    };
    match sent {
        Some(sent) if constant_time_eq(sent.as_bytes(), expected.as_bytes()) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(AppError::CsrfMismatch),
    }
}

/// Whether the session holds a signed-in staff member or citizen.
async fn signed_in(session: &Session) -> Result<bool, AppError> {
    use crate::session_store::{CITIZEN_KEY, STAFF_KEY};
    for key in [STAFF_KEY, CITIZEN_KEY] {
        if session.get::<serde_json::Value>(key).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
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
    use super::{constant_time_eq, from_elsewhere};

    fn headers(pairs: &[(&'static str, &'static str)]) -> axum::http::HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (axum::http::HeaderName::from_static(k), v.parse().unwrap()))
            .collect()
    }

    #[test]
    fn forms_from_other_sites_are_told_apart() {
        let here = ("host", "gard.guichet.fr");
        assert!(!from_elsewhere(&headers(&[here])));
        assert!(!from_elsewhere(&headers(&[
            here,
            ("origin", "https://gard.guichet.fr")
        ])));
        assert!(!from_elsewhere(&headers(&[
            here,
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(from_elsewhere(&headers(&[
            here,
            ("origin", "https://evil.example")
        ])));
        assert!(from_elsewhere(&headers(&[
            here,
            ("origin", "https://herault.guichet.fr")
        ])));
        assert!(from_elsewhere(&headers(&[here, ("origin", "null")])));
        assert!(from_elsewhere(&headers(&[
            here,
            ("sec-fetch-site", "same-site")
        ])));
        assert!(from_elsewhere(&headers(&[
            here,
            ("sec-fetch-site", "cross-site")
        ])));
        let local = ("host", "127.0.0.1:3000");
        assert!(!from_elsewhere(&headers(&[
            local,
            ("origin", "http://127.0.0.1:3000")
        ])));
        assert!(from_elsewhere(&headers(&[
            local,
            ("origin", "http://127.0.0.1:3001")
        ])));
    }

    #[test]
    fn compares_tokens() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
