use sea_orm::entity::prelude::*;

/// The department's medical key, wrapped by the platform's (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "disability_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub wrapped: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
