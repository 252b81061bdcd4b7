//! Server-side rendering of a Leptos view to a full HTML document.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::reactive::owner::Owner;
use leptos::tachys::view::RenderHtml;

/// Renders a page. Islands need a shared context in islands mode to emit their markers. The
/// `nonce` goes on the islands' inline loader, which the page's Content Security Policy
/// allows by it (see `http::security`).
pub fn to_html<V: IntoView + 'static>(nonce: Option<&str>, view: impl FnOnce() -> V) -> String {
    let owner = Owner::new_root(Some(Arc::new(
        hydration_context::SsrSharedContext::new_islands(),
    )));
    let html = owner.with(|| {
        if let Some(nonce) = nonce {
            provide_context(leptos::nonce::Nonce::from_value(nonce));
        }
        view().into_view().to_html()
    });
    drop(owner);
    html
}
