use sea_orm::entity::prelude::*;

/// An orientation of a person followed for the RSA: proposed, then decided or refused
/// (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "insertion_orientations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub citizen_id: i64,
    pub track: crate::insertion::orientation::Track,
    pub body: String,
    pub status: crate::insertion::orientation::OrientationStatus,
    pub proposed_by: Option<i64>,
    pub proposed_by_name: Option<String>,
    pub proposed_at: Option<ChronoDateTimeUtc>,
    pub proposal_reason: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<ChronoDateTimeUtc>,
    pub decision_reason: Option<String>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
