//! The aid-requests pages: the catalogue, the filing steps, the consent step, the instructors'
//! queue and request page.

pub mod catalogue;
pub mod consent;
pub mod filing;
pub mod instruction;
