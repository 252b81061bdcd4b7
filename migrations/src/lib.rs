//! Schema migrations, written with sea-query builders so that the same files run on SQLite and
//! PostgreSQL.
//!
//! There are two migrators:
//! - [`PlatformMigrator`] for the platform (control) store: tenants, staff accounts, sessions,
//!   login throttling;
//! - [`TenantMigrator`] for each tenant's own store (a SQLite file, or a PostgreSQL schema that
//!   the caller pins with `SET LOCAL search_path` before running it).
//!
//! Changes to live data follow expand, then contract: add in one migration, remove in a later one.

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod platform;
mod tenant;

/// Migrations of the platform store.
pub struct PlatformMigrator;

#[async_trait::async_trait]
impl MigratorTrait for PlatformMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(platform::m0001_foundation::Migration),
            Box::new(platform::m0002_staff_second_factor::Migration),
            Box::new(platform::m0003_staff_proconnect::Migration),
            Box::new(platform::m0004_staff_lifecycle::Migration),
            Box::new(platform::m0005_statistics_shared::Migration),
            Box::new(platform::m0006_schedule_ticks::Migration),
        ]
    }
}

/// Tenant tables the application only adds to and reads: on PostgreSQL its data role is
/// granted neither UPDATE, DELETE nor TRUNCATE on them (their triggers refuse those too, for
/// every role: `m0017_journal_append_only`; only the journal's head before a recorded cut may
/// go, by the owner: `m0046_journal_cuts`).
pub const APPEND_ONLY_TABLES: &[&str] = &["audit_journal", "audit_journal_cuts"];

/// Migrations of every tenant store.
pub struct TenantMigrator;

#[async_trait::async_trait]
impl MigratorTrait for TenantMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(tenant::m0001_audit_journal::Migration),
            Box::new(tenant::m0002_citizens::Migration),
            Box::new(tenant::m0003_mail_outbox::Migration),
            Box::new(tenant::m0004_aids::Migration),
            Box::new(tenant::m0005_aid_requests::Migration),
            Box::new(tenant::m0006_decisions::Migration),
            Box::new(tenant::m0007_request_messages::Migration),
            Box::new(tenant::m0008_request_exports::Migration),
            Box::new(tenant::m0009_national_data::Migration),
            Box::new(tenant::m0010_user_relations::Migration),
            Box::new(tenant::m0011_messages::Migration),
            Box::new(tenant::m0012_appointments::Migration),
            Box::new(tenant::m0013_citizen_details::Migration),
            Box::new(tenant::m0014_merged_citizens::Migration),
            Box::new(tenant::m0015_mandates::Migration),
            Box::new(tenant::m0016_export_citizens::Migration),
            Box::new(tenant::m0017_journal_append_only::Migration),
            Box::new(tenant::m0018_wider_accesses::Migration),
            Box::new(tenant::m0019_merge_proposals::Migration),
            Box::new(tenant::m0020_citizen_replies::Migration),
            Box::new(tenant::m0021_department_brand::Migration),
            Box::new(tenant::m0022_insertion::Migration),
            Box::new(tenant::m0023_insertion_orientations::Migration),
            Box::new(tenant::m0024_insertion_referents::Migration),
            Box::new(tenant::m0025_insertion_contracts::Migration),
            Box::new(tenant::m0026_insertion_notes::Migration),
            Box::new(tenant::m0027_insertion_sanctions::Migration),
            Box::new(tenant::m0028_insertion_settings::Migration),
            Box::new(tenant::m0029_insertion_invitations::Migration),
            Box::new(tenant::m0030_insertion_list_mappings::Migration),
            Box::new(tenant::m0031_disability::Migration),
            Box::new(tenant::m0032_disability_evaluation::Migration),
            Box::new(tenant::m0033_disability_decisions::Migration),
            Box::new(tenant::m0034_disability_follow_up::Migration),
            Box::new(tenant::m0035_disability_mandates::Migration),
            Box::new(tenant::m0036_consent_purposes::Migration),
            Box::new(tenant::m0037_statistics::Migration),
            Box::new(tenant::m0038_statistics_comparison::Migration),
            Box::new(tenant::m0039_detection::Migration),
            Box::new(tenant::m0040_national_returns::Migration),
            Box::new(tenant::m0041_retention::Migration),
            Box::new(tenant::m0042_queue_counts::Migration),
            Box::new(tenant::m0043_insertion_list_indexes::Migration),
            Box::new(tenant::m0044_disability_list::Migration),
            Box::new(tenant::m0045_queue_state_index::Migration),
            Box::new(tenant::m0046_journal_cuts::Migration),
            Box::new(tenant::m0047_statement_counts::Migration),
            Box::new(tenant::m0048_insertion_counts::Migration),
            Box::new(tenant::m0049_insertion_partial_indexes::Migration),
        ]
    }
}
