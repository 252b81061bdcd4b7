//! API Particulier v3 ("tell us once": data a citizen agreed to share, fetched from the national
//! administrations): the client, and the local simulator the tests and the demo talk to.

pub mod client;
pub mod simulator;
