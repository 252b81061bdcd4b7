//! Aid requests: the catalogue, filing, documents, instruction, exchanges with the citizen and
//! the CSV export.

mod aids;
mod documents;
mod exchange;
mod export;
mod filing;
mod instruction;
mod queue_pages;
