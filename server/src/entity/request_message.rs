use sea_orm::entity::prelude::*;

/// A message about a request, between the department and the citizen (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "request_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub request_id: i64,
    pub author: String,
    pub body: String,
    pub created_at: ChronoDateTimeUtc,
    /// A document the citizen sent with an answer (theirs: `documents`).
    #[serde(default)]
    pub document_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
