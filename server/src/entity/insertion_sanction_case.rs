use sea_orm::entity::prelude::*;

use crate::insertion::sanctions::{CaseStatus, Ground, Measure};

/// A sanction case of a person followed for the RSA, its steps as columns (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "insertion_sanction_cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub citizen_id: i64,
    pub status: CaseStatus,
    pub ground: Ground,
    pub facts: String,
    pub household_size: i32,
    pub repeated: bool,
    pub planned_measure: Measure,
    pub planned_rate: i32,
    pub planned_months: i32,
    pub opened_by: i64,
    pub opened_by_name: String,
    pub opened_at: ChronoDateTimeUtc,
    pub notified_at: Option<ChronoDateTimeUtc>,
    pub observations_due_on: Option<Date>,
    pub observations: Option<String>,
    pub observations_how: Option<String>,
    pub assisted_by: Option<String>,
    pub observations_at: Option<ChronoDateTimeUtc>,
    pub ep_session_on: Option<Date>,
    pub ep_opinion: Option<String>,
    pub decided_measure: Option<Measure>,
    pub decided_rate: Option<i32>,
    pub decided_months: Option<i32>,
    pub decision_reason: Option<String>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<ChronoDateTimeUtc>,
    pub starts_on: Option<Date>,
    pub lifted_on: Option<Date>,
    pub lift_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
