use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "audit_journal")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub at: ChronoDateTimeUtc,
    pub actor_id: Option<i64>,
    pub actor_email: String,
    pub actor_role: String,
    pub action: String,
    pub subject: String,
    pub reason: String,
    pub prev_hash: String,
    pub hash: String,
    /// The citizen whose file the entry is about, if any (shown to them). Exports made before
    /// it existed load without it.
    #[serde(default)]
    pub citizen_id: Option<i64>,
    /// The module acted in, or empty.
    #[serde(default)]
    pub module: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
