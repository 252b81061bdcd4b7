use sea_orm::entity::prelude::*;

/// A RAPO: the person contests the committee's decision on one request, which the committee
/// re-examines (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "disability_appeals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub request_id: i64,
    pub file_id: i64,
    pub citizen_id: i64,
    pub reasons: String,
    pub filed_on: Date,
    pub filed_at: ChronoDateTimeUtc,
    pub answer_by: Date,
    pub outcome: Option<String>,
    pub answer_reason: Option<String>,
    pub answered_on: Option<Date>,
    pub answered_by_name: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
