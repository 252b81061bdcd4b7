//! Guichet's pages and components.
//!
//! Pages are rendered on the server from plain data (see `server/src/render.rs`); they work as
//! plain HTML forms. In the browser only *islands* (`#[island]` components) hydrate, to add
//! comfort — never to carry a journey. This keeps pages light for slow links.

#![recursion_limit = "256"]

pub mod aid_requests;
mod browser;
pub mod components;
pub mod disability;
pub mod insertion;
pub mod islands;
pub mod layout;
pub mod pages;
pub mod statistics;
pub mod user_relations;
pub mod validation;

pub use layout::{CitizenBar, Document, NavLink, PageContext, StaffBar, TenantBrand};

/// Browser entry point: called by Leptos' islands loader before it hydrates each island.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
