pub mod m0001_audit_journal;
pub mod m0002_citizens;
