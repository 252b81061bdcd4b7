use sea_orm::entity::prelude::*;

/// An aid of the department's catalogue (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "aids")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub eligibility: String,
    pub documents: String,
    pub deadline_days: i32,
    pub silence_means: String,
    pub open: bool,
    pub form_version: i32,
    /// Its code in the `categorie_aide` nomenclature; empty until ranked. Archives made before
    /// it existed load with it empty.
    #[serde(default)]
    pub category: String,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
