//! The page components every module builds its pages from, after the GOV.UK Design System's
//! patterns: a reader who knows one page knows them all, and a fix here reaches every page.
//! `/composants` in any department shows each one (`pages::catalogue`).
//!
//! - `forms`: text fields (with width and unit), radios and checkboxes beside their labels,
//!   the filter bar and its selects, the sign-in form;
//! - `table`: tables whose rows stack label over value on a phone;
//! - `status`: badges and notices;
//! - `summary`: summary lists (label, value, « Modifier »);
//! - `pagination`: « Page précédente / suivante » with where the reader is;
//! - `thread`: an exchange of messages with the documents sent;
//! - `document`: a document's link, with its preview for a PDF or an image.

mod document;
mod forms;
mod pagination;
mod status;
mod summary;
mod table;
mod thread;

pub use document::{Attachment, DocumentLink, Preview};
pub use forms::{
    Choice, Choices, FieldWidth, FileField, FilterBar, FilterOption, FilterSelect, SearchField,
    SelectField, SignInForm, TextArea, TextField,
};
pub use pagination::{ListTotal, PageLinks, Pagination};
pub use status::{Badge, Notice, NoticeKind, SuccessNotice, Tone};
pub use summary::{SummaryList, SummaryRow};
pub use table::{DataTable, FigureTable, Row, SortLink, Table};
pub use thread::{MessageThread, ThreadMessage};
