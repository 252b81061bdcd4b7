use sea_orm::entity::prelude::*;

/// A person's referent over a period (tenant store); the staff account lives in the platform
/// store.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "insertion_referents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub citizen_id: i64,
    pub staff_id: i64,
    pub staff_name: String,
    pub from_on: Date,
    pub to_on: Option<Date>,
    pub assigned_by: i64,
    pub assigned_by_name: String,
    pub note: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
