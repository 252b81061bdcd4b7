//! Disability (MDPH, `disability`): the national application CERFA 15692*01 filed online, one
//! request per right, its pieces with the medical certificate, reception's completeness check
//! with its letters and the 4-month clock, the medical compartment, the committee, appeals and
//! renewals (issue 17).
//!
//! Its parts: the rights of part E and the child and adult poles (`rights`), the form's parts
//! as data (`application`), the person's files from draft to filing (`files`), the teams they
//! are routed to by sector (`sectors`), the pieces and the certificate's rules (`pieces`), the
//! sealed medical compartment and the physician's desk (`medical`), reception's completeness
//! steps (`completeness`), the team's evaluation (`evaluation`) and the compensation plan sent
//! to the person (`plan`), the committee's sessions and decisions within the legal bounds, with
//! their notifications (`decisions`, `bounds`), the appeals (`appeals`), the rights in force and
//! their renewal invitations (`register`, sent by `jobs`), the CAF asked about the AAH under
//! the person's consent (`caf`), how long a file is kept once its rights ended
//! (`retention`), how the other parts see the files (`space`) and the supervisor's figures (`figures`), the right of access (`access`), and their
//! pages (`http`).

pub mod access;
pub mod appeals;
pub mod application;
pub mod bounds;
pub mod caf;
pub mod completeness;
pub mod decisions;
pub mod evaluation;
pub mod figures;
pub mod files;
pub mod http;
pub mod indicators;
pub mod jobs;
pub mod medical;
pub mod pieces;
pub mod plan;
pub mod register;
pub mod retention;
pub mod rights;
pub mod sectors;
pub mod space;

/// The module's word as a type: its handles are `Desk<'_>` here and
/// [`http::DisabilityDesk`] in its pages.
pub enum Disability {}

impl crate::staff::ModuleWord for Disability {
    const MODULE: tenants::Module = tenants::Module::Disability;
}

/// A disability worker's handle on the files: the functions that read or change them take it.
pub type Desk<'a> = crate::staff::Desk<'a, Disability>;

/// Why a staff step on a file did not happen, in French: at a field (422) or as a whole
/// (409).
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("{0}")]
    Field(&'static str, String),
    #[error("{0}")]
    Step(String),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// Why reception reads or changes a file, as the person reads it in their journal.
pub const RECEPTION_REASON: &str = "vérification de la demande à la MDPH";

/// Why the team reads a file.
pub const EVALUATION_REASON: &str = "évaluation de la demande à la MDPH";

pub static PART: crate::modules::Part = crate::modules::Part {
    module: Some(tenants::Module::Disability),
    routes: http::routes,
    staff_nav: http::staff_nav,
    admin_nav: http::admin_nav,
    citizen_nav: http::citizen_nav,
    workers: jobs::workers,
    schedules: jobs::schedules,
    housekeeping: crate::modules::no_housekeeping,
    files: Some(space::FILES),
    follow_ups: None,
    access: access::sections,
    home: Some(crate::modules::ModuleHome {
        summary: "Les demandes à la maison départementale des personnes handicapées, de leur dépôt à la décision de la commission : étapes, délais au regard de la limite légale, décisions ; des chiffres, sans noms.",
        figures: |desk| Box::pin(space::figure_lines(desk.tenant())),
    }),
    tables: || {
        use crate::entity::{
            disability_appeal, disability_evaluation, disability_file, disability_key,
            disability_observation, disability_piece, disability_request, disability_sector,
            disability_session,
        };
        use crate::modules::Table;
        use crate::modules::section::DISABILITY;
        vec![
            Table::of::<disability_key::Entity>(None),
            Table::of::<disability_session::Entity>(None),
            Table::of::<disability_sector::Entity>(None),
            Table::of::<disability_file::Entity>(Some(DISABILITY)),
            Table::of::<disability_request::Entity>(Some(DISABILITY)),
            Table::of::<disability_piece::Entity>(Some(DISABILITY)),
            Table::of::<disability_observation::Entity>(Some(DISABILITY)),
            Table::of::<disability_evaluation::Entity>(Some(DISABILITY)),
            Table::of::<disability_appeal::Entity>(Some(DISABILITY)),
        ]
    },
    indicators: Some(&indicators::INDICATORS),
    retention: Some(&retention::RETENTION),
};
