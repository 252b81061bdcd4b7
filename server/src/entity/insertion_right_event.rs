use sea_orm::entity::prelude::*;

/// A step of a person's RSA right as the funds' files told it: entry, change of state, exit,
/// return (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "insertion_right_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub citizen_id: i64,
    pub import_id: i64,
    pub happened_on: Date,
    pub kind: crate::insertion::people::EventKind,
    pub right_state: crate::insertion::flux::RightState,
    pub previous_state: Option<crate::insertion::flux::RightState>,
    /// The file's reason for a suspension (`MOTISUSVERSRSA`) or a closure (`MOTICLORSA`).
    pub reason: Option<String>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
