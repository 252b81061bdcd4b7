use sea_orm::entity::prelude::*;

/// A citizen's data kept whatever its age while a dispute is under way (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "legal_holds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub citizen_id: i64,
    pub reason: String,
    pub placed_by: i64,
    pub placed_at: ChronoDateTimeUtc,
    pub lifted_by: Option<i64>,
    pub lifted_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
