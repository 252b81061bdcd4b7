use sea_orm::entity::prelude::*;

/// An action of a contrat d'engagement's version, by theme, with its due date (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "insertion_contract_actions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    pub person_id: i64,
    pub citizen_id: i64,
    pub theme: crate::insertion::contract::Theme,
    pub title: String,
    pub due_on: Option<Date>,
    pub done_at: Option<ChronoDateTimeUtc>,
    pub done_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
