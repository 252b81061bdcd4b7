use sea_orm::entity::prelude::*;

/// A session of the committee (CDAPH), whose agenda holds files (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "disability_sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub held_on: Date,
    pub formation: String,
    pub created_by_name: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
