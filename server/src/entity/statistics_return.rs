use sea_orm::entity::prelude::*;

/// One answer of a national survey for a calendar year, for everyone or one code of a
/// breakdown, before secrecy (tenant store).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "statistics_returns")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub year: i32,
    pub survey: String,
    pub question: String,
    pub breakdown: String,
    pub code: String,
    pub value: f64,
    pub persons: i64,
    pub computed_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
