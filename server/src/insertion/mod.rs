//! Insertion (RSA, `insertion`): the benefit funds' files imported, orientation within the legal
//! clock, referents, the engagement contract, convocations and sanctions (issue 16).
//!
//! Its parts: reading the CAF/MSA monthly « flux bénéficiaires RSA » as a stream (`flux`),
//! the NIR and its key (`nir`), the generator of realistic test files (`generator`), the people
//! the files name and the timeline of their right (`people`), the import with its preview,
//! confirmation and resumable writes (`import`, `jobs`), the list of people to orient with the
//! 6-week clock (`clock`), orientation proposals and decisions (`orientation`), referents and
//! their hand-overs (`referents`), the contrat d'engagement and its versions (`contract`),
//! CSV and XLSX lists read with the department's column mappings (`lists`), invitations to
//! book a meeting and their reminders (`invitations`), follow-up notes
//! (`notes`), sanction cases (`sanctions`), how long a follow-up is kept once the person left
//! (`retention`), the person's own view in their space (`space`), the
//! supervisor's figures (`indicators`), and their pages (`http`).

pub mod access;
pub mod clock;
pub mod contract;
pub mod detection;
pub mod flux;
pub mod generator;
pub mod http;
pub mod import;
pub mod indicators;
pub mod invitations;
pub mod jobs;
pub mod lists;
pub mod nir;
pub mod notes;
pub mod orientation;
pub mod people;
pub mod referents;
pub mod retention;
pub mod returns;
pub mod sanctions;
pub mod settings;
pub mod space;

/// The module's word as a type: its handles are `Desk<'_>` here and
/// [`http::InsertionDesk`] in its pages.
pub enum Insertion {}

impl crate::staff::ModuleWord for Insertion {
    const MODULE: tenants::Module = tenants::Module::Insertion;
}

/// An insertion worker's handle on the people followed: the functions that read or change
/// them take it.
pub type Desk<'a> = crate::staff::Desk<'a, Insertion>;

/// Makes the writes on one person's follow-up wait for each other, so that a check read in
/// `txn` (« no case pending », « no draft ») still holds when it writes. SQLite's write
/// transactions already run one at a time; PostgreSQL takes a lock held until `txn` ends.
pub(crate) async fn one_at_a_time(
    txn: &sea_orm::DatabaseTransaction,
    person_id: i64,
) -> Result<(), sea_orm::DbErr> {
    use sea_orm::{ConnectionTrait as _, DbBackend, Statement};
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '.insertion_people.' || $1, 0))",
            [person_id.to_string().into()],
        ))
        .await?;
    }
    Ok(())
}

/// Why the module reads or changes a file, as the citizen reads it in their journal.
pub const FOLLOW_UP: &str = "orientation et accompagnement au titre du RSA";

pub static PART: crate::modules::Part = crate::modules::Part {
    module: Some(tenants::Module::Insertion),
    routes: http::routes,
    staff_nav: http::staff_nav,
    admin_nav: http::admin_nav,
    citizen_nav: crate::modules::no_nav,
    workers: jobs::workers,
    schedules: jobs::schedules,
    housekeeping: jobs::housekeeping,
    files: None,
    follow_ups: Some(|tenant, citizen_id| Box::pin(space::follow_ups(tenant, citizen_id))),
    access: access::sections,
    home: Some(crate::modules::ModuleHome {
        summary: "Les personnes soumises aux droits et devoirs du RSA, leur orientation et son délai légal ; voici leurs chiffres, sans noms.",
        figures: |desk| Box::pin(indicators::figure_lines(desk.tenant())),
    }),
    tables: || {
        use crate::entity::{
            insertion_contract, insertion_contract_action, insertion_import, insertion_invitation,
            insertion_list_mapping, insertion_note, insertion_orientation, insertion_person,
            insertion_referent, insertion_right_event, insertion_sanction_case, insertion_setting,
        };
        use crate::modules::Table;
        use crate::modules::section::INSERTION;
        vec![
            Table::of::<insertion_import::Entity>(None),
            Table::of::<insertion_setting::Entity>(None),
            Table::of::<insertion_list_mapping::Entity>(None),
            Table::of::<insertion_person::Entity>(Some(INSERTION)),
            Table::of::<insertion_right_event::Entity>(Some(INSERTION)),
            Table::of::<insertion_orientation::Entity>(Some(INSERTION)),
            Table::of::<insertion_referent::Entity>(Some(INSERTION)),
            Table::of::<insertion_contract::Entity>(Some(INSERTION)),
            Table::of::<insertion_contract_action::Entity>(Some(INSERTION)),
            Table::of::<insertion_note::Entity>(Some(INSERTION)),
            Table::of::<insertion_invitation::Entity>(Some(INSERTION)),
            Table::of::<insertion_sanction_case::Entity>(Some(INSERTION)),
        ]
    },
    indicators: Some(&indicators::STATISTICS),
    retention: Some(&retention::RETENTION),
};
