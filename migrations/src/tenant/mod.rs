pub mod m0001_audit_journal;
