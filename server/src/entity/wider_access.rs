use sea_orm::entity::prelude::*;

/// A wider access a staff member of another module opened to a citizen's record (tenant
/// store): live from `granted_at` to `until`, unless ended before.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "wider_accesses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub citizen_id: i64,
    pub staff_id: i64,
    pub staff_name: String,
    pub module: String,
    pub reason: String,
    pub granted_at: ChronoDateTimeUtc,
    pub until: ChronoDateTimeUtc,
    pub ended_at: Option<ChronoDateTimeUtc>,
    pub ended_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
