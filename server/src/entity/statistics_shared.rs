use sea_orm::entity::prelude::*;

/// A consenting department's figure over twelve months, secrecy applied (platform store):
/// see `statistics::comparison`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "statistics_shared")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub department: String,
    pub size: String,
    pub indicator: String,
    pub ending: String,
    /// `None` when secrecy hides it.
    pub value: Option<f64>,
    pub published_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
