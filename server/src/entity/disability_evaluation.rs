use sea_orm::entity::prelude::*;

/// The team's findings on a disability file: the incapacity rate band and its flags (tenant
/// store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "disability_evaluations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub file_id: i64,
    pub citizen_id: i64,
    pub rate_band: Option<String>,
    pub rsdae: bool,
    pub lasting: bool,
    pub updated_by_name: String,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
