//! Staff accounts of a department: parsed inputs, roles, passwords, and the account store.

mod accounts;
pub(crate) mod cache;
pub mod desk;
mod email;
pub mod identity;
pub mod lifecycle;
mod password;
mod role;
pub mod second_factor;

pub use accounts::{
    AccountError, CreatedAccount, FirstPassword, NewStaff, StaffAccount, authenticate,
    create_account, find_account, find_account_by_email, list_accounts, set_roles,
};
pub use cache::{ACCOUNT_TTL, AccountCache, PolicyCache};
pub use desk::{Author, Desk, DeskAccess, ModuleWord};
pub use email::{Email, EmailError};
pub(crate) use password::dummy_hash;
pub use password::{
    MIN_PASSWORD_CHARS, hash_password, new_password_errors, new_password_problem, verify_password,
};
pub use role::{AUTOMATIC_ROLE, Role, RoleError};
