use sea_orm::entity::prelude::*;

/// A citizen's appointment in a slot (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "appointments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub slot_id: i64,
    /// The slot while the appointment holds it; unique.
    pub held_slot_id: Option<i64>,
    pub citizen_id: i64,
    pub booked_by: String,
    pub staff_id: Option<i64>,
    pub state: crate::user_relations::appointments::State,
    pub created_at: ChronoDateTimeUtc,
    pub changed_at: ChronoDateTimeUtc,
    pub reminder_sent_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
