//! Access to a module is checked where its handle is obtained: a desk exists only for staff
//! allowed there (the module is subscribed and the staff member holds its role). The check
//! itself is the domain's ([`crate::staff::desk`]); a web desk carries the domain desk the
//! module's functions take, with the signed-in staff member and the page context.

use tenants::{Module, Tenant};

use super::auth::CurrentStaff;
use super::{AppError, TenantCtx};
use crate::staff::{Desk, ModuleWord, Role};

pub use crate::staff::DeskAccess;

/// How `staff` may open `module`, if at all.
pub fn access(staff: &CurrentStaff, module: Module) -> Option<DeskAccess> {
    crate::staff::desk::access(&staff.tenant.tenant, &staff.account, module)
}

/// The modules this staff member may open, with how.
pub fn open_modules(staff: &CurrentStaff) -> Vec<(Module, DeskAccess)> {
    Module::ALL
        .into_iter()
        .filter_map(|m| access(staff, m).map(|a| (m, a)))
        .collect()
}

/// A worker's desk in module `M`, for its staff handlers. Only [`Self::open`] makes one, after
/// the check; it derefs to the domain [`Desk`] the module's file functions take, through
/// which its journal entries go. Each module names its own (`aid_requests::http::AidRequestsDesk`).
pub struct ModuleDesk<'a, M> {
    staff: &'a CurrentStaff,
    desk: Desk<'a, M>,
}

impl<'a, M: ModuleWord> ModuleDesk<'a, M> {
    /// For those who work on files in the module (its own role held): supervisors, who see
    /// figures only, get a [`FiguresDesk`] instead.
    pub fn open(staff: &'a CurrentStaff) -> Result<Self, AppError> {
        let desk = Desk::open(&staff.tenant.tenant, &staff.account).ok_or(AppError::Forbidden)?;
        Ok(Self { staff, desk })
    }

    pub fn staff(&self) -> &'a CurrentStaff {
        self.staff
    }

    pub fn access(&self) -> DeskAccess {
        DeskAccess::Worker(self.desk.role())
    }

    pub fn ctx(&self) -> &'a TenantCtx {
        &self.staff.tenant
    }
}

/// The domain desk, which the module's functions take (`queue::find_filed(&desk, id)`) and
/// which journals (`desk.audit_file(…)`, `desk.file_event(…)`) and gives the department
/// (`desk.tenant()`).
impl<'a, M> std::ops::Deref for ModuleDesk<'a, M> {
    type Target = Desk<'a, M>;

    fn deref(&self) -> &Desk<'a, M> {
        &self.desk
    }
}

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
