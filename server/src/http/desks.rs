//! Access to a module is checked where its handle is obtained: a desk exists only for staff
//! allowed there (the module is subscribed and the staff member holds its role).

use tenants::Module;

use super::AppError;
use super::auth::CurrentStaff;
use crate::staff::Role;

/// How a staff member works in a module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeskAccess {
    /// Holds the module's own role: works on files.
    Worker(Role),
    /// Supervisor: sees figures, not contents.
    Supervisor,
}

impl DeskAccess {
    pub fn label(self) -> &'static str {
        match self {
            DeskAccess::Worker(role) => role.label(),
            DeskAccess::Supervisor => Role::Supervisor.label(),
        }
    }
}

fn access(staff: &CurrentStaff, module: Module) -> Option<DeskAccess> {
    if !staff.tenant.tenant.has_module(module) {
        return None;
    }
    if let Some(role) = staff
        .account
        .roles
        .iter()
        .find(|r| r.module() == Some(module))
    {
        return Some(DeskAccess::Worker(*role));
    }
    staff
        .account
        .has_role(Role::Supervisor)
        .then_some(DeskAccess::Supervisor)
}

/// The modules this staff member may open, with how.
pub fn open_modules(staff: &CurrentStaff) -> Vec<(Module, DeskAccess)> {
    Module::ALL
        .into_iter()
        .filter_map(|m| access(staff, m).map(|a| (m, a)))
        .collect()
}

macro_rules! module_desk {
    ($(#[$doc:meta])* $name:ident, $module:expr) => {
        $(#[$doc])*
        pub struct $name<'a> {
            pub staff: &'a CurrentStaff,
            pub access: DeskAccess,
        }

        impl<'a> $name<'a> {
            pub const MODULE: Module = $module;

            pub fn open(staff: &'a CurrentStaff) -> Result<Self, AppError> {
                access(staff, Self::MODULE)
                    .map(|access| Self { staff, access })
                    .ok_or(AppError::Forbidden)
            }

            /// For those who work on files in the module: supervisors, who see figures
            /// only, are refused.
            pub fn open_worker(staff: &'a CurrentStaff) -> Result<Self, AppError> {
                let desk = Self::open(staff)?;
                match desk.access {
                    DeskAccess::Worker(_) => Ok(desk),
                    DeskAccess::Supervisor => Err(AppError::Forbidden),
                }
            }
        }
    };
}

module_desk!(
    /// The aid-requests module (`aid_requests`).
    AidRequestsDesk,
    Module::AidRequests
);
module_desk!(
    /// The user-relations module (`user_relations`).
    UserRelationsDesk,
    Module::UserRelations
);
module_desk!(
    /// The insertion module (`insertion`).
    InsertionDesk,
    Module::Insertion
);
module_desk!(
    /// The disability module (`disability`).
    DisabilityDesk,
    Module::Disability
);

/// The department administrator's desk: staff accounts and the audit journal.
pub struct AdminDesk<'a> {
    pub staff: &'a CurrentStaff,
}

impl<'a> AdminDesk<'a> {
    pub fn open(staff: &'a CurrentStaff) -> Result<Self, AppError> {
        staff
            .account
            .has_role(Role::Admin)
            .then_some(Self { staff })
            .ok_or(AppError::Forbidden)
    }
}
