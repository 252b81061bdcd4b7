use sea_orm::entity::prelude::*;

/// What one daily pass found past its time in one category, and whether it removed it
/// (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "retention_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ran_at: ChronoDateTimeUtc,
    pub category: String,
    pub months: i32,
    pub applied: bool,
    pub count: i64,
    pub held: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
