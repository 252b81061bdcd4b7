//! Statistics (`statistics`, issue 18): each department's indicators, computed on shared
//! nomenclatures, compared across departments, with statistical secrecy applied in one place
//! before any display, export or API output.
//!
//! Built so far: the shared nomenclatures (`nomenclatures`) and the secrecy engine
//! (`secrecy`). The indicators, the nightly aggregates, the dashboards, the comparison, the
//! national returns and early detection come next.

pub mod nomenclatures;
pub mod secrecy;
