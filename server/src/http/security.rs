//! The headers every page carries: a Content Security Policy with a fresh nonce for the one
//! inline script Leptos writes (the islands' loader), no caching of anything but the built
//! files, no framing, no sniffing, and HSTS when the platform is served over HTTPS.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;

use super::AppState;

/// This response's nonce: the islands' loader carries it, and the policy allows only it.
#[derive(Clone, Debug)]
pub struct CspNonce(Arc<str>);

impl CspNonce {
    /// 128 random bits, as CSP asks.
    pub fn new() -> Self {
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes).into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for CspNonce {
    fn default() -> Self {
        Self::new()
    }
}

/// The policy: everything from this origin only; scripts also need the nonce's inline loader
/// and WebAssembly compilation; forms post here, or (after a sign-out) are sent on to the
/// identity providers' session end.
pub fn content_security_policy(nonce: &CspNonce, form_targets: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
         form-action 'self'{form_targets}",
        nonce.as_str()
    )
}

/// The identity providers' origins (from their issuers), where a sign-out form's answer
/// redirects: ` https://a.example https://b.example`.
pub fn form_targets<'a>(issuers: impl IntoIterator<Item = &'a str>) -> String {
    issuers
        .into_iter()
        .filter_map(|issuer| url::Url::parse(issuer).ok())
        .map(|url| format!(" {}", url.origin().ascii_serialization()))
        .collect()
}

/// The policy of an image shown in a page's preview: it loads nothing, and may be framed by this
/// origin's pages only.
pub const PREVIEW_POLICY: &str = "default-src 'none'; frame-ancestors 'self'";

/// The policy of a PDF shown in a page's preview frame: framed by this origin's pages only.
/// Nothing more, because the browser draws a PDF with a viewer page of its own whose styles
/// and scripts `default-src 'none'` would block (Chromium then shows an empty frame); the
/// document was checked to be a PDF when it was sent, and is served `nosniff`.
pub const PDF_PREVIEW_POLICY: &str = "frame-ancestors 'self'";

/// Adds the headers a page carries. An answer's own `Cache-Control` is kept, and so is the
/// framing policy of a document served for a preview (`PREVIEW_POLICY`), which a page frames.
pub fn add_headers(state: &AppState, nonce: &CspNonce, headers: &mut HeaderMap) {
    let previewed = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .is_some_and(|p| p == PREVIEW_POLICY || p == PDF_PREVIEW_POLICY);
    if !previewed {
        let policy = content_security_policy(nonce, &state.settings.csp_form_targets);
        if let Ok(policy) = HeaderValue::from_str(&policy) {
            headers.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Links carry tokens in their query (`?jeton=`): never sent to another site.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // Pages are personal or carry a form token; documents and letters are personal.
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    if state.settings.https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
}
