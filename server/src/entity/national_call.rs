use sea_orm::entity::prelude::*;

/// One call made to the national API, kept 36 months (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "national_calls")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: ChronoDateTimeUtc,
    pub pull_id: i64,
    pub citizen_id: i64,
    pub request_id: Option<i64>,
    pub source: crate::api_particulier::client::Source,
    pub endpoint: String,
    pub requested_by: String,
    pub staff_id: Option<i64>,
    pub http_status: i32,
    pub outcome: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
