//! Disability's pages (MDPH), by who reads them: the person's requests, the rights and pieces
//! steps of the national form (its parts are the aid form's step pages) and the review before
//! filing (`filing`); reception's list and a file's staff page (`reception`); the committee's
//! sessions (`committee`); the plan, appeals, rights in force and the team's follow-up
//! (`follow_up`); the administrator's sectors (`sectors`).

use leptos::prelude::*;

use crate::aid_requests::filing::OnBehalf;
use crate::components::{
    Badge, Choice, Choices, FieldWidth, FileField, FilterBar, FilterOption, FilterSelect, Notice,
    NoticeKind, PageLinks, Row, SelectField, SuccessNotice, SummaryList, SummaryRow, Table,
    TextArea, TextField, Tone,
};
use crate::layout::{CsrfField, Document, ErrorSummary, PageContext};
use crate::validation::FieldErrors;

mod committee;
mod filing;
mod follow_up;
mod reception;
mod sectors;
pub use committee::*;
pub use filing::*;
pub use follow_up::*;
pub use reception::*;
pub use sectors::*;
