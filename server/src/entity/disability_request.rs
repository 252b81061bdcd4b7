use sea_orm::entity::prelude::*;

/// One right asked for in a disability file, with its own status and clock (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "disability_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub file_id: i64,
    pub citizen_id: i64,
    pub right_code: String,
    pub status: String,
    pub due_on: Option<Date>,
    pub created_at: ChronoDateTimeUtc,
    pub proposal: Option<String>,
    pub proposal_reason: Option<String>,
    pub outcome: Option<String>,
    pub decision_reason: Option<String>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub without_limit: bool,
    pub level: Option<String>,
    pub decided_on: Option<Date>,
    pub decided_by_name: Option<String>,
    pub notified_at: Option<ChronoDateTimeUtc>,
    pub received_on: Option<Date>,
    pub received_how: Option<String>,
    pub renewal_invited_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
