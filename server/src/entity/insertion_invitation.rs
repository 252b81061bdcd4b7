use sea_orm::entity::prelude::*;

use crate::insertion::invitations::Purpose;

/// An invitation to book a meeting, sent to a person followed for the RSA (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "insertion_invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub citizen_id: i64,
    pub purpose: Purpose,
    pub service: String,
    pub token: String,
    pub booking_url: String,
    pub sent_by: i64,
    pub sent_by_name: String,
    pub sent_at: ChronoDateTimeUtc,
    pub expires_at: ChronoDateTimeUtc,
    pub reminded_at: Option<ChronoDateTimeUtc>,
    pub appointment_id: Option<i64>,
    pub convocation_reminded_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
