//! sea-orm entities. Platform store: staff accounts and roles, sessions, login failures.
//! Tenant store: the audit journal, citizens, mail outbox, aids and their form versions,
//! requests, consents and the national data pulled under them, contacts logged by staff.

pub mod aid;
pub mod aid_form_version;
pub mod aid_request;
pub mod appointment;
pub mod appointment_slot;
pub mod audit_entry;
pub mod citizen;
pub mod citizen_detail;
pub mod citizen_token;
pub mod consent;
pub mod contact;
pub mod data_pull;
pub mod decision;
pub mod department_brand;
pub mod document;
pub mod household_member;
pub mod insertion_import;
pub mod insertion_orientation;
pub mod insertion_person;
pub mod insertion_referent;
pub mod insertion_right_event;
pub mod login_failure;
pub mod login_known_address;
pub mod mail_outbox;
pub mod mandate;
pub mod merge_proposal;
pub mod message;
pub mod message_thread;
pub mod national_call;
pub mod national_fact;
pub mod reference_counter;
pub mod request_event;
pub mod request_export;
pub mod request_message;
pub mod session;
pub mod staff_account;
pub mod staff_identity_policy;
pub mod staff_proconnect_link;
pub mod staff_recovery_code;
pub mod staff_role;
pub mod staff_token;
pub mod staff_totp;
pub mod wider_access;
