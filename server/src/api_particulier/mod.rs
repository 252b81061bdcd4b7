//! API Particulier v3 ("tell us once": data a citizen agreed to share, fetched from the national
//! administrations). For now, the local simulator the tests and the demo talk to.

pub mod simulator;
