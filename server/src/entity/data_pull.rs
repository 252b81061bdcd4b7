use sea_orm::entity::prelude::*;

/// One fetch of a national source for a citizen, carried out by a job (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "data_pulls")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub idempotency_key: String,
    pub citizen_id: i64,
    pub request_id: Option<i64>,
    pub source: crate::api_particulier::client::Source,
    pub consent_id: i64,
    pub requested_by: String,
    pub staff_id: Option<i64>,
    pub state: crate::national::pull::PullState,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub claim: Option<String>,
    pub claimed_until: i64,
    pub enqueued_at: i64,
    pub outcome: String,
    pub created_at: ChronoDateTimeUtc,
    pub finished_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
