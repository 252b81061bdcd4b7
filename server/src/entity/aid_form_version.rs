use sea_orm::entity::prelude::*;

/// One version of an aid's form (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "aid_form_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub aid_id: i64,
    pub version: i32,
    /// JSON of `catalogue::form::FormDefinition`.
    pub definition: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
