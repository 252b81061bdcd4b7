use sea_orm::entity::prelude::*;

/// A computation of the department's figures an administrator asked for, followed step by
/// step (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "statistics_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub status: crate::statistics::runs::RunStatus,
    pub steps_done: i32,
    pub steps_total: i32,
    pub figures: Option<i64>,
    pub error: Option<String>,
    pub requested_by: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub finished_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
