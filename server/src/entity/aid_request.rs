use sea_orm::entity::prelude::*;

/// A draft or filed aid request (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "aid_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub reference: Option<String>,
    pub citizen_id: i64,
    pub aid_id: i64,
    pub form_version: i32,
    pub status: crate::aid_requests::filing::Status,
    /// JSON of `catalogue::form::Answers`.
    pub answers: String,
    pub submitted_at: Option<ChronoDateTimeUtc>,
    pub due_on: Option<Date>,
    pub paused_since: Option<Date>,
    pub paused_days: i32,
    pub assignee_id: Option<i64>,
    pub version: i32,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    /// The mandate reception filed it under, if it was not the citizen. Exports made before
    /// mandates existed load without it.
    #[serde(default)]
    pub mandate_id: Option<i64>,
    /// When the citizen last answered a request for more information, until the instructor
    /// asks again or decides.
    #[serde(default)]
    pub citizen_replied_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
