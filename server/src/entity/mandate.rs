use sea_orm::entity::prelude::*;

/// A citizen's mandate for reception to file aid requests, or their request to the MDPH, for
/// them (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "mandates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub citizen_id: i64,
    pub staff_id: i64,
    pub staff_name: String,
    /// The one aid covered; `None`: every aid request.
    pub aid_id: Option<i64>,
    pub valid_until: Date,
    pub notified_by: String,
    pub created_at: ChronoDateTimeUtc,
    pub last_used_at: Option<ChronoDateTimeUtc>,
    pub ended_at: Option<ChronoDateTimeUtc>,
    pub ended_by: Option<String>,
    /// The module filed in: `aid_requests` or `disability`.
    pub module: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
