use sea_orm::entity::prelude::*;

/// A time staff offer for appointments, at one service and place (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "appointment_slots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub service: String,
    pub place: String,
    pub starts_at: ChronoDateTimeUtc,
    pub minutes: i32,
    pub staff_id: i64,
    pub withdrawn_at: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
