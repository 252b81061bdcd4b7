//! Access to a module is checked where its handle is obtained: a desk exists only for staff
//! allowed there (the module is subscribed and the staff member holds its role).

use tenants::{Module, Tenant};

use super::auth::CurrentStaff;
use super::{AppError, TenantCtx};
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

/// How `staff` may open `module`, if at all.
pub fn access(staff: &CurrentStaff, module: Module) -> Option<DeskAccess> {
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
        ///
        /// Only [`Self::open`] makes one, after the check: its fields are private, and the
        /// module's file functions and journal entries go through it.
        pub struct $name<'a> {
            staff: &'a CurrentStaff,
            access: DeskAccess,
        }

        impl<'a> $name<'a> {
            pub const MODULE: Module = $module;

            /// For those who work on files in the module (its own role held): supervisors,
            /// who see figures only, get a [`FiguresDesk`] instead.
            pub fn open(staff: &'a CurrentStaff) -> Result<Self, AppError> {
                match access(staff, Self::MODULE) {
                    Some(access @ DeskAccess::Worker(_)) => Ok(Self { staff, access }),
                    _ => Err(AppError::Forbidden),
                }
            }

            pub fn staff(&self) -> &'a CurrentStaff {
                self.staff
            }

            pub fn access(&self) -> DeskAccess {
                self.access
            }

            /// The department, as the module's functions take it.
            pub fn tenant(&self) -> &'a Tenant {
                &self.staff.tenant.tenant
            }

            pub fn ctx(&self) -> &'a TenantCtx {
                &self.staff.tenant
            }

            /// Journals a read or change of a citizen's file in this module: the entry also
            /// shows in that citizen's access journal. `reason` is what the citizen reads.
            pub async fn audit_file(
                &self,
                citizen_id: i64,
                action: &str,
                subject: &str,
                reason: &str,
            ) -> Result<(), AppError> {
                self.staff
                    .record(action, subject, reason, Some((Self::MODULE, citizen_id)))
                    .await
            }

            /// As [`Self::audit_file`] for many citizens read at once (a file holding their
            /// requests): one entry in each one's access journal, all written or none.
            pub async fn audit_files(
                &self,
                citizen_ids: &[i64],
                action: &str,
                subject: &str,
                reason: &str,
            ) -> Result<(), AppError> {
                self.staff
                    .record_many(Self::MODULE, citizen_ids, action, subject, reason)
                    .await
            }

            /// The entry [`Self::audit_file`] would write, for a domain function to write in
            /// the transaction of its change (`audit::append_in`).
            pub fn file_event(
                &self,
                citizen_id: i64,
                action: &str,
                subject: &str,
                reason: &str,
            ) -> crate::audit::AuditEvent {
                self.staff
                    .event(action, subject, reason, Some((Self::MODULE, citizen_id)))
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

/// A module's figures, for whoever may open it, supervisors included: it reads no citizen's
/// file and writes no journal entry, so a supervisor's handle cannot reach one.
pub struct FiguresDesk<'a> {
    staff: &'a CurrentStaff,
    module: Module,
    access: DeskAccess,
}

impl<'a> FiguresDesk<'a> {
    pub fn open(staff: &'a CurrentStaff, module: Module) -> Result<Self, AppError> {
        access(staff, module)
            .map(|access| Self {
                staff,
                module,
                access,
            })
            .ok_or(AppError::Forbidden)
    }

    pub fn module(&self) -> Module {
        self.module
    }

    pub fn access(&self) -> DeskAccess {
        self.access
    }

    /// The department, for counting (never for reading a file).
    pub fn tenant(&self) -> &'a Tenant {
        &self.staff.tenant.tenant
    }
}

/// The department administrator's desk: staff accounts and the audit journal.
pub struct AdminDesk<'a> {
    staff: &'a CurrentStaff,
}

impl<'a> AdminDesk<'a> {
    pub fn open(staff: &'a CurrentStaff) -> Result<Self, AppError> {
        staff
            .account
            .has_role(Role::Admin)
            .then_some(Self { staff })
            .ok_or(AppError::Forbidden)
    }

    pub fn staff(&self) -> &'a CurrentStaff {
        self.staff
    }

    pub fn tenant(&self) -> &'a Tenant {
        &self.staff.tenant.tenant
    }
}
