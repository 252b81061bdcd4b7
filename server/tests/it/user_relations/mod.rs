//! User relations: records, contacts, messages, appointments, details, merge, mandates.

mod mandates;
mod records;
