use sea_orm::entity::prelude::*;

/// A merge of two records waiting for a second staff member's approval (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "merge_proposals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kept_id: i64,
    pub absorbed_id: i64,
    pub proposed_by: i64,
    pub proposed_by_name: String,
    pub why: String,
    pub created_at: ChronoDateTimeUtc,
    pub approved_by: Option<i64>,
    pub approved_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
