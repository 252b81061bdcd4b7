use sea_orm::entity::prelude::*;

/// An observation of the evaluation team on a disability file, per GEVA area; a physician's
/// medical one is sealed (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "disability_observations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub file_id: i64,
    pub citizen_id: i64,
    pub area: String,
    pub body: String,
    pub medical: bool,
    pub author_id: i64,
    pub author_name: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
