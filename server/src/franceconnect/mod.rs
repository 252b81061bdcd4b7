//! FranceConnect v2 (OpenID Connect): the client citizens sign in with, and the simulator the
//! project ships for development and tests. Both speak the real protocol; pointing the
//! configuration at the real FranceConnect needs no code change.

mod client;
mod identity;
pub mod simulator;

pub use client::{FcError, FranceConnect, FranceConnectConfig, PendingSignIn, SignedIn};
pub use identity::FcIdentity;
