//! A staff member's handle on one module, for the module's own functions: it exists only
//! once the check passed (the department subscribed to the module, the staff member holds its
//! role), its fields are private, and its type names the module, so an aid-requests function
//! cannot be handed a user-relations desk. The web layer wraps it (`http::desks`).

use std::marker::PhantomData;

use sea_orm::DbErr;
use tenants::{Module, Tenant};

use super::{Role, StaffAccount};
use crate::audit::{self, AuditEvent};

/// The word of a business module, carried by a type: each module folder has one
/// (`aid_requests::AidRequests`, `user_relations::UserRelations`).
pub trait ModuleWord {
    const MODULE: Module;
}

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

/// How `account` may open `module` in `tenant`, if at all.
pub fn access(tenant: &Tenant, account: &StaffAccount, module: Module) -> Option<DeskAccess> {
    if !tenant.has_module(module) {
        return None;
    }
    if let Some(role) = account.roles.iter().find(|r| r.module() == Some(module)) {
        return Some(DeskAccess::Worker(*role));
    }
    account
        .has_role(Role::Supervisor)
        .then_some(DeskAccess::Supervisor)
}

/// A worker's handle on module `M`'s files in one department.
///
/// A module's file functions take its own desk, opened by the check:
///
/// ```no_run
/// # async fn page(tenant: &tenants::Tenant, me: &guichet::staff::StaffAccount) {
/// if let Some(desk) = guichet::aid_requests::Desk::open(tenant, me) {
///     let _ = guichet::aid_requests::queue::find_filed(&desk, 1).await;
/// }
/// # }
/// ```
///
/// Another module's desk does not open them:
///
/// ```compile_fail,E0308
/// # async fn page(tenant: &tenants::Tenant, me: &guichet::staff::StaffAccount) {
/// if let Some(desk) = guichet::user_relations::Desk::open(tenant, me) {
///     let _ = guichet::aid_requests::queue::find_filed(&desk, 1).await;
/// }
/// # }
/// ```
///
/// nor does the department alone:
///
/// ```compile_fail,E0308
/// # async fn page(tenant: &tenants::Tenant) {
/// let _ = guichet::aid_requests::queue::find_filed(tenant, 1).await;
/// # }
/// ```
pub struct Desk<'a, M> {
    tenant: &'a Tenant,
    account: &'a StaffAccount,
    role: Role,
    module: PhantomData<M>,
}

impl<'a, M: ModuleWord> Desk<'a, M> {
    /// For those who hold the module's own role in a department subscribed to it; supervisors,
    /// who see figures only, get none.
    pub fn open(tenant: &'a Tenant, account: &'a StaffAccount) -> Option<Self> {
        match access(tenant, account, M::MODULE)? {
            DeskAccess::Worker(role) => Some(Self {
                tenant,
                account,
                role,
                module: PhantomData,
            }),
            DeskAccess::Supervisor => None,
        }
    }

    pub fn tenant(&self) -> &'a Tenant {
        self.tenant
    }

    pub fn account(&self) -> &'a StaffAccount {
        self.account
    }

    pub fn role(&self) -> Role {
        self.role
    }

    /// The journal entry for a read or change of `citizen_id`'s file in this module, in this
    /// staff member's name: it also shows in that citizen's access journal. A function that
    /// changes the file writes it in the change's transaction (`audit::append_in`).
    pub fn file_event(
        &self,
        citizen_id: i64,
        action: &str,
        subject: &str,
        reason: &str,
    ) -> AuditEvent {
        event(
            self.account,
            action,
            subject,
            reason,
            Some((M::MODULE, citizen_id)),
        )
    }

    /// Journals a read of `citizen_id`'s file; `reason` is what the citizen reads.
    pub async fn audit_file(
        &self,
        citizen_id: i64,
        action: &str,
        subject: &str,
        reason: &str,
    ) -> Result<(), DbErr> {
        audit::record(
            self.tenant,
            self.file_event(citizen_id, action, subject, reason),
        )
        .await?;
        Ok(())
    }

    /// As [`Self::audit_file`] for many citizens read at once (a file holding their
    /// requests): one entry in each one's access journal, all written or none.
    pub async fn audit_files(
        &self,
        citizen_ids: &[i64],
        action: &str,
        subject: &str,
        reason: &str,
    ) -> Result<(), DbErr> {
        let events: Vec<AuditEvent> = citizen_ids
            .iter()
            .map(|id| self.file_event(*id, action, subject, reason))
            .collect();
        audit::record_many(self.tenant, &events).await
    }
}

/// A journal entry in `account`'s name, about a citizen's file in a module or about nothing.
pub fn event(
    account: &StaffAccount,
    action: &str,
    subject: &str,
    reason: &str,
    file: Option<(Module, i64)>,
) -> AuditEvent {
    AuditEvent {
        actor_id: Some(account.id),
        actor_email: account.email.clone(),
        actor_role: account.role_ids(),
        action: action.to_owned(),
        subject: subject.to_owned(),
        reason: reason.to_owned(),
        citizen_id: file.map(|(_, citizen)| citizen),
        module: file.map_or_else(String::new, |(module, _)| module.id().to_owned()),
    }
}

/// Who changes a staff account or a department's sign-in rules: the function making the change
/// journals it in their name, in the change's commit (`audit::commit_platform_change`).
#[derive(Clone, Copy, Debug)]
pub enum Author<'a> {
    /// A signed-in staff member of the department: the account's owner or an administrator.
    Staff(&'a StaffAccount),
    /// The platform's operator; the text says how (a command, the demo's setup), as the
    /// entry's reason.
    Operator(&'a str),
}

impl Author<'_> {
    pub fn event(self, action: &str, subject: &str) -> AuditEvent {
        match self {
            Author::Staff(account) => event(account, action, subject, "", None),
            Author::Operator(how) => AuditEvent {
                actor_id: None,
                actor_email: "opérateur de la plateforme".into(),
                actor_role: "operator".into(),
                action: action.to_owned(),
                subject: subject.to_owned(),
                reason: how.to_owned(),
                citizen_id: None,
                module: String::new(),
            },
        }
    }

    /// Whether the author is the account `staff_id` itself.
    pub fn is(self, staff_id: i64) -> bool {
        matches!(self, Author::Staff(account) if account.id == staff_id)
    }
}
