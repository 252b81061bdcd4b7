//! One module per area; every page takes its data ready-made and renders it.

pub mod admin;
pub mod auth;
pub mod catalogue;
pub mod citizen;
pub mod home;
pub mod national;
pub mod retention;
pub mod status;
