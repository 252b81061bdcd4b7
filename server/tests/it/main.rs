//! One integration test binary: the real server on port 0 against a fresh data directory (and
//! a fresh PostgreSQL database), driven over HTTP. Every case runs on SQLite and PostgreSQL.

mod aids;
mod api_particulier;
mod attack;
mod auth;
mod citizen_accounts;
mod citizens;
mod cli;
mod cross_tenant;
mod documents;
mod durability;
mod exchange;
mod export;
mod filing;
mod harness;
mod instruction;
mod jobs;
mod mail;
mod mandates;
mod national;
mod smtp;
mod staff_admin;
mod tenancy;
mod user_relations;
