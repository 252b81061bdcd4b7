use sea_orm::entity::prelude::*;

/// A disability file (MDPH): the national application and where it stands (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "disability_files")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub citizen_id: i64,
    pub kind: String,
    pub previous_file_id: Option<i64>,
    pub filed_by: String,
    pub filed_by_name: String,
    pub answers: String,
    pub form_version: String,
    pub generic: bool,
    pub status: String,
    pub pole: Option<String>,
    pub sector: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub filed_at: Option<ChronoDateTimeUtc>,
    pub pieces_asked_at: Option<ChronoDateTimeUtc>,
    pub pieces_deadline: Option<Date>,
    pub pieces_message: Option<String>,
    pub citizen_explanation: Option<String>,
    pub complete_on: Option<Date>,
    pub irrecevable_at: Option<ChronoDateTimeUtc>,
    pub session_id: Option<i64>,
    pub plan_sent_at: Option<ChronoDateTimeUtc>,
    pub plan_answer_by: Option<Date>,
    pub plan_remarks: Option<String>,
    pub plan_hearing: bool,
    pub plan_answered_at: Option<ChronoDateTimeUtc>,
    /// The mandate reception filed it under; `None` when the person did.
    pub mandate_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
