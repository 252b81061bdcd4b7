use sea_orm::entity::prelude::*;

/// One indicator's figure over the twelve months ending with `ending`, all or for one code of
/// a breakdown (tenant store): what departments are compared on.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "statistics_yearly")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub indicator: String,
    pub ending: String,
    pub breakdown: String,
    pub code: String,
    pub value: f64,
    pub persons: i64,
    pub computed_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
