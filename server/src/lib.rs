//! The `guichet` binary's library: HTTP server, sessions, staff, audit journal, operators' CLI.
//! See `docs/ARCHITECTURE.md` for the map.

// First: the modules below use its macro.
#[macro_use]
mod stored;

pub mod aid_requests;
pub mod api_particulier;
pub mod audit;
pub mod backup;
pub mod balancer;
pub mod brand;
pub mod cache;
pub mod citizens;
pub mod cli;
pub mod cog;
pub mod config;
pub mod dates;
pub mod demo;
pub mod disability;
pub mod documents;
pub mod entity;
pub mod files;
pub mod foundation;
pub mod franceconnect;
pub mod http;
pub mod ids;
pub mod insertion;
pub mod jobs;
pub mod journal_anchor;
pub mod letters;
pub mod links;
pub mod listing;
pub mod mail;
pub mod metrics;
pub mod modules;
pub mod national;
pub mod oidc;
pub mod proconnect;
pub mod render;
pub mod retention;
pub mod search;
pub mod server;
pub mod session_store;
pub mod staff;
pub mod statistics;
pub mod telemetry;
pub mod throttle;
pub mod tls;
pub mod transfer;
pub mod user_relations;
