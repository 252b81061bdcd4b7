//! ProConnect (ex AgentConnect), the OpenID Connect federation public servants sign in with:
//! the client staff sign in with, and the simulator the project ships for development and
//! tests. Both speak the real protocol; pointing the configuration at ProConnect's
//! integration, production or RIE issuer needs no code change.

mod agent;
mod client;
pub mod simulator;

pub use agent::{Agent, Assurance, PcClaims};
pub use client::{PcError, PendingSignIn, ProConnect, ProConnectConfig, SignedInAgent};
