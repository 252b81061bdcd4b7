use sea_orm::entity::prelude::*;

/// A citizen's consent to a national source being read for one aid, or for a module's
/// requests as a whole (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "consents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub citizen_id: i64,
    pub source: crate::api_particulier::client::Source,
    pub aid_id: i64,
    pub given_at: ChronoDateTimeUtc,
    pub given_by: String,
    pub staff_id: Option<i64>,
    pub expires_at: ChronoDateTimeUtc,
    pub withdrawn_at: Option<ChronoDateTimeUtc>,
    pub subject: Option<String>,
    /// `aid` (for `aid_id`) or a module's word (`disability`, `aid_id` 0).
    pub purpose: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
