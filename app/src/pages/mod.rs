//! One module per area; every page takes its data ready-made and renders it.

pub mod admin;
pub mod aids;
pub mod auth;
pub mod citizen;
pub mod filing;
pub mod home;
pub mod instruction;
pub mod mandates;
pub mod national;
pub mod status;
pub mod user_relations;
