use sea_orm::entity::prelude::*;

/// A thread of secure messages between a citizen and the department (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "message_threads")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub citizen_id: i64,
    pub request_id: Option<i64>,
    pub subject: String,
    pub created_at: ChronoDateTimeUtc,
    pub last_message_at: ChronoDateTimeUtc,
    /// `citizen` or `staff`.
    pub last_author: String,
    pub citizen_read: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
