use sea_orm::entity::prelude::*;

/// The department's code, in a shared nomenclature, for one of its own labels (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "statistics_label_map")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub nomenclature: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub label_key: String,
    pub label: String,
    pub code: String,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
