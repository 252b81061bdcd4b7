//! Aid requests (`aid_requests`): the department's catalogue of aids with their forms, the
//! citizen's filing (drafts, documents, review, reference number), the instructors' queue,
//! requests for more information and the silence rule, decisions with their letters, and the
//! CSV export. Its pages are under [`http`].

pub mod catalogue;
pub mod decision;
pub mod exchange;
pub mod export;
pub mod files;
pub mod filing;
pub mod form;
pub mod http;
pub mod indicators;
pub mod jobs;
pub mod prefill;
pub mod queue;
pub mod retention;

use app::NavLink;
use tenants::Module;

use crate::entity::{
    aid, aid_form_version, aid_request, reference_counter, request_event, request_export,
    request_message,
};
use crate::http::TenantCtx;
use crate::modules::section;
use crate::modules::{Part, Table};
use crate::staff::DeskAccess;

/// The module's word as a type: its handles are `Desk<'_>` here and
/// [`http::AidRequestsDesk`] in its pages.
pub enum AidRequests {}

impl crate::staff::ModuleWord for AidRequests {
    const MODULE: Module = Module::AidRequests;
}

/// An instructor's handle on the module's files: the functions that read or change a
/// request take it.
pub type Desk<'a> = crate::staff::Desk<'a, AidRequests>;

pub static PART: Part = Part {
    module: Some(Module::AidRequests),
    routes: http::routes,
    staff_nav,
    admin_nav,
    citizen_nav: crate::modules::no_nav,
    workers: jobs::workers,
    schedules: jobs::schedules,
    housekeeping: jobs::housekeeping,
    files: Some(files::FILES),
    follow_ups: None,
    access: files::access,
    home: Some(crate::modules::ModuleHome {
        summary: "Les demandes déposées par les usagers attendent dans la file d'instruction.",
        figures: crate::modules::no_figures,
    }),
    tables: || {
        vec![
            Table::of::<aid::Entity>(None),
            Table::of::<aid_form_version::Entity>(None),
            Table::of::<aid_request::Entity>(Some(section::AID_REQUESTS)),
            Table::of::<request_event::Entity>(None),
            Table::of::<reference_counter::Entity>(None),
            Table::of::<crate::entity::decision::Entity>(None),
            Table::of::<request_message::Entity>(None),
            Table::of::<request_export::Entity>(None),
        ]
    },
    indicators: Some(&indicators::INDICATORS),
    retention: Some(&retention::RETENTION),
};

/// Instructors and supervisors alike open the module on its queue.
fn staff_nav(tenant: &TenantCtx, _: DeskAccess) -> Vec<NavLink> {
    vec![NavLink {
        href: tenant.href("/agents/demandes"),
        label: Module::AidRequests.label().into(),
        description: "La file des demandes : filtres, recherche par nom ou référence, échéances.",
    }]
}

fn admin_nav(tenant: &TenantCtx) -> Vec<NavLink> {
    vec![NavLink {
        href: tenant.href("/agents/admin/aides"),
        label: "Catalogue des aides".into(),
        description: "Les aides proposées aux usagers, leurs questions et leurs versions.",
    }]
}
