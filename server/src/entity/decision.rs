use sea_orm::entity::prelude::*;

/// The decision on an aid request (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "decisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub request_id: i64,
    pub outcome: String,
    pub amount_cents: Option<i64>,
    /// JSON list of reasons.
    pub reasons: String,
    pub comment: String,
    pub decided_by: Option<i64>,
    pub decided_at: ChronoDateTimeUtc,
    pub letter_file: Option<String>,
    /// Who signed the letter, as it names them: « Camille Martin, chargée … ».
    #[serde(default)]
    pub signatory: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
