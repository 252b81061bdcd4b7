use sea_orm::entity::prelude::*;

/// What a national source said about a citizen, with where and when it came from (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "national_facts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub pull_id: i64,
    pub citizen_id: i64,
    pub source: crate::api_particulier::client::Source,
    pub endpoint: String,
    pub consent_id: i64,
    pub fetched_at: ChronoDateTimeUtc,
    pub data: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
