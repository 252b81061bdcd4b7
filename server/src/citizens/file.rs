//! A citizen's file as the parts of the platform show it to one another: the files a module
//! keeps for them (their aid requests…) and the sections of their right of access.
//!
//! A module declares how its files are read (`modules::Part::files`) and what its sections of
//! the right of access hold (`modules::Part::access`); reception's record, its alerts and
//! mandates, « Mes données » and the right of access read those declarations, never the
//! module. So imports run one way: a module → user relations → citizens.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DbErr;
use serde::Serialize;
use tenants::Tenant;

use crate::modules::Boxed;

/// One part of the right of access: "Vos demandes", "Vos messages"…
#[derive(Clone, Debug, Serialize)]
pub struct Section {
    pub title: String,
    pub items: Vec<Item>,
}

/// One thing held, with its facts as label and value.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    pub heading: String,
    pub lines: Vec<(String, String)>,
}

/// A fact of an [`Item`].
pub fn line(label: &str, value: impl Into<String>) -> (String, String) {
    (label.to_owned(), value.into())
}

/// How the right of access writes a moment.
pub fn date(at: DateTime<Utc>) -> String {
    crate::dates::date_time(at)
}

/// A part's sections of a citizen's right of access.
pub type AccessSections = for<'a> fn(&'a Tenant, &'a super::Citizen) -> Boxed<'a, Sections>;
pub type Sections = Result<Vec<Section>, DbErr>;

/// No section.
pub fn no_sections<'a>(_: &'a Tenant, _: &'a super::Citizen) -> Boxed<'a, Sections> {
    Box::pin(async { Ok(Vec::new()) })
}

/// What a citizen may file: an aid of the catalogue…
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileKind {
    pub id: i64,
    pub slug: String,
    pub title: String,
    /// Open to new files.
    pub open: bool,
}

/// One of a citizen's files, as the other parts list it.
#[derive(Clone, Debug)]
pub struct FileLine {
    pub id: i64,
    pub citizen_id: i64,
    /// Its [`FileKind`]'s title.
    pub title: String,
    /// `None` while it is a draft.
    pub reference: Option<String>,
    pub status: String,
    pub draft: bool,
    pub filed_at: Option<DateTime<Utc>>,
    /// Its last change: a draft not filed by its department's term goes ([`Files::drafts`]).
    pub changed_at: DateTime<Utc>,
    /// Waiting for the citizen's answer since this day.
    pub waiting_since: Option<NaiveDate>,
}

impl FileLine {
    /// How the citizen's pages name it: « votre demande 2026-… ».
    pub fn name_for_citizen(&self) -> String {
        match &self.reference {
            Some(reference) => format!("votre demande {reference}"),
            None => format!("votre brouillon « {} »", self.title),
        }
    }
}

/// Something a module follows a citizen for (their RSA follow-up…), as the other parts say
/// it: the citizen's space links to it, reception's record says that it exists, nothing more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowUp {
    pub title: String,
    pub since: NaiveDate,
    /// Where the citizen reads it, within the department (`/mon-espace/rsa`).
    pub citizen_path: String,
}

/// A module's follow-ups of a citizen, in force now.
pub type FollowUps = for<'a> fn(&'a Tenant, i64) -> Boxed<'a, Result<Vec<FollowUp>, DbErr>>;

type Lines = Result<Vec<FileLine>, DbErr>;
type Kinds = Result<Vec<FileKind>, DbErr>;

/// How a module's files are read by the parts that show them.
pub struct Files {
    /// What may be filed (`open_only`: only what is open now).
    pub kinds: for<'a> fn(&'a Tenant, bool) -> Boxed<'a, Kinds>,
    /// The citizen's files, drafts included, newest first.
    pub of_citizen: for<'a> fn(&'a Tenant, i64) -> Boxed<'a, Lines>,
    /// The files prepared or filed under a mandate, oldest first.
    pub under_mandate: for<'a> fn(&'a Tenant, i64) -> Boxed<'a, Lines>,
    /// The files waiting for their citizen's answer since `limit` or before.
    pub waiting_since: for<'a> fn(&'a Tenant, NaiveDate) -> Boxed<'a, Lines>,
    /// Where the citizen follows file `id`, within the department (`/demandes/12`).
    pub citizen_path: fn(i64) -> String,
    /// Whether the citizen has a file open in the module (filed, not yet decided): only then
    /// may its workers open a wider access to their record.
    pub has_open_case: for<'a> fn(&'a Tenant, i64) -> Boxed<'a, Result<bool, DbErr>>,
    /// A module whose request a mandate or a consent names as a whole (the MDPH's), beside
    /// the aid catalogue's kinds; `None`: none.
    pub whole_request: Option<WholeRequest>,
    /// The retention category that removes its drafts never filed (`retention`): the
    /// citizen's space says until when a draft is kept, and the person may erase their drafts.
    /// `None`: drafts are kept, and stop an erasure asked online.
    pub drafts: Option<&'static str>,
}

/// A module's request as a mandate or a consent names it, and as reception files it.
#[derive(Clone, Copy, Debug)]
pub struct WholeRequest {
    /// Its value in the mandate form's list.
    pub slug: &'static str,
    /// Its name in that list and on the mandate's page (« Demande à la MDPH »).
    pub title: &'static str,
    /// What the mandate covers, as its letter says it (« la demande à la … »).
    pub scope: &'static str,
    /// Where reception starts a draft under mandate `id` (a form's action), within the
    /// department.
    pub start_path: fn(i64) -> String,
    /// Where reception goes on with draft `file` under mandate `id`.
    pub draft_path: fn(i64, i64) -> String,
}
