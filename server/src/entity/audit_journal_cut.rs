use sea_orm::entity::prelude::*;

/// « The journal's entries up to `seq`, the last hashing to `hash`, were removed at their
/// retention term »: the journal then starts at `seq + 1`, linked to `hash`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "audit_journal_cuts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub hash: String,
    pub cut_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
