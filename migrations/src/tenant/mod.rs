pub mod m0001_audit_journal;
pub mod m0002_citizens;
pub mod m0003_mail_outbox;
pub mod m0004_aids;
pub mod m0005_aid_requests;
pub mod m0006_decisions;
pub mod m0007_request_messages;
pub mod m0008_request_exports;
