//! Platform-store entities owned by the registry.
pub mod tenant;
