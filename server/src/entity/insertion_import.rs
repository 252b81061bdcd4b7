use sea_orm::entity::prelude::*;

/// An import of a benefit fund's file, previewed then written by jobs (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "insertion_imports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub requested_by: i64,
    pub requested_by_name: String,
    pub file_name: String,
    pub file_size: i64,
    pub file_hash: String,
    pub status: crate::insertion::import::ImportStatus,
    pub frequency: Option<String>,
    pub created_on: Option<Date>,
    pub reference_on: Option<Date>,
    pub households_total: Option<i64>,
    pub households_read: i64,
    pub households_applied: i64,
    pub preview: Option<String>,
    pub outcome: Option<String>,
    pub error: Option<String>,
    pub claim: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub confirmed_by: Option<i64>,
    pub confirmed_at: Option<ChronoDateTimeUtc>,
    pub finished_at: Option<ChronoDateTimeUtc>,
    /// The list mapping's version a CSV or XLSX list is read with; none for a fund's XML file.
    pub mapping_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
