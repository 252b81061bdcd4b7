use sea_orm::entity::prelude::*;

/// One version of a person's contrat d'engagement (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "insertion_contracts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub citizen_id: i64,
    pub version: i32,
    pub status: crate::insertion::contract::ContractStatus,
    pub goals: String,
    pub weekly_hours: i32,
    pub reduction_reason: Option<String>,
    pub review_on: Option<Date>,
    pub written_by: i64,
    pub written_by_name: String,
    pub department_signed_at: Option<ChronoDateTimeUtc>,
    pub department_signed_name: Option<String>,
    pub person_signed_at: Option<ChronoDateTimeUtc>,
    pub paper_document_id: Option<i64>,
    pub signed_on: Option<Date>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
