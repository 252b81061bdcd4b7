use sea_orm::entity::prelude::*;

/// A piece of a disability file: a citizen's document, or a medical piece sealed in the
/// medical compartment (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "disability_pieces")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub file_id: i64,
    pub citizen_id: i64,
    pub kind: String,
    pub medical: bool,
    pub document_id: Option<i64>,
    pub sealed_key: Option<String>,
    pub sealed_name: Option<String>,
    pub content_type: String,
    pub size: i64,
    pub certificate_date: Option<Date>,
    pub rpps: Option<String>,
    pub status: String,
    pub reason: Option<String>,
    pub reviewed_by_name: Option<String>,
    pub reviewed_at: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
