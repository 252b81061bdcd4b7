//! Statistics (`statistics`, issue 18): each department's indicators, computed on shared
//! nomenclatures, compared across departments, with statistical secrecy applied in one place
//! before any display, export or API output. A platform capability, not a module: every
//! department has it, and it reads what the modules declare (`Part::indicators`), never their
//! tables.
//!
//! The shared nomenclatures (`nomenclatures`), the secrecy engine (`secrecy`), the indicators'
//! declarations and their figures computed each night (`indicators`, `jobs`), the dashboards
//! (`http`, `publish`, `chart`), the comparison across departments and the open data
//! (`comparison`, `open_data`), the national returns (`returns`) and early detection
//! (`detection`).

pub mod chart;
pub mod comparison;
pub mod detection;
pub mod detection_http;
pub mod http;
pub mod indicators;
pub mod jobs;
pub mod mapping;
pub mod nomenclatures;
pub mod open_data;
pub mod publish;
pub mod returns;
pub mod returns_http;
pub mod runs;
pub mod secrecy;

use crate::entity::{
    detection_rule, statistics_label_map, statistics_monthly, statistics_profile,
    statistics_return, statistics_run, statistics_yearly,
};
use crate::modules::{Part, Table};

pub static PART: Part = Part {
    module: None,
    routes: |routes| returns_http::routes(detection_http::routes(http::routes(routes))),
    staff_nav: |_, _| Vec::new(),
    admin_nav,
    citizen_nav: crate::modules::no_nav,
    home: None,
    workers: jobs::workers,
    schedules: jobs::schedules,
    housekeeping: crate::modules::no_housekeeping,
    files: None,
    follow_ups: None,
    access: crate::citizens::file::no_sections,
    tables: || {
        vec![
            Table::of::<statistics_monthly::Entity>(None),
            Table::of::<statistics_yearly::Entity>(None),
            Table::of::<statistics_profile::Entity>(None),
            Table::of::<statistics_return::Entity>(None),
            Table::of::<statistics_label_map::Entity>(None),
            Table::of::<statistics_run::Entity>(None),
            Table::of::<detection_rule::Entity>(None),
        ]
    },
    indicators: None,
    retention: None,
};

/// Administrators find the statistics beside the department's settings; supervisors from
/// each module they supervise (`http::ui::StaffMenu`).
fn admin_nav(tenant: &crate::http::TenantCtx) -> Vec<app::NavLink> {
    vec![
        app::NavLink {
            href: tenant.href("/agents/statistiques"),
            label: "Statistiques".into(),
            description: "Les indicateurs du département par mois, en graphiques et en tableaux à télécharger.",
        },
        app::NavLink {
            href: tenant.href("/agents/reperage/regles"),
            label: "Règles de repérage".into(),
            description: "Les situations où un contact peut aider que les agents de chaque module voient.",
        },
    ]
}
