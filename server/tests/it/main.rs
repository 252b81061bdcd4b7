//! One integration test binary: the real server on port 0 against a fresh data directory (and
//! a fresh PostgreSQL database), driven over HTTP. Every case runs on SQLite and PostgreSQL.

mod aid_requests;
mod api_particulier;
mod attack;
mod auth;
mod brand;
mod citizen_accounts;
mod citizens;
mod cli;
mod cross_tenant;
mod disability;
mod durability;
mod fixtures;
mod forms_keep_values;
mod harness;
mod insertion;
mod invariants;
mod jobs;
mod journal;
mod layers;
mod limits;
mod mail;
mod national;
mod proconnect;
mod refusals;
mod second_factor;
mod secure_defaults;
mod smtp;
mod staff_admin;
mod staff_lifecycle;
mod statistics;
mod statistics_comparison;
mod statistics_detection;
mod statistics_returns;
mod tenancy;
mod user_relations;
