use sea_orm::entity::prelude::*;

/// A CSV export of the instructors' queue, made by a job (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "request_exports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub requested_by: i64,
    pub filter: String,
    pub status: crate::aid_requests::export::ExportStatus,
    pub total: Option<i64>,
    pub written: i64,
    pub file_name: Option<String>,
    pub error: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub claim: Option<String>,
    pub finished_at: Option<ChronoDateTimeUtc>,
    /// JSON array of the ids of the citizens whose requests the file holds. Exports made
    /// before it existed load with none.
    #[serde(default)]
    pub citizen_ids: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
