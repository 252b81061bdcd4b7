use sea_orm::entity::prelude::*;

/// A contact with a citizen that staff logged: visit, call, letter or mail (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub citizen_id: i64,
    /// `YYYY-MM-DD`.
    pub day: String,
    pub channel: String,
    pub subject: String,
    pub note: String,
    pub staff_id: i64,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
