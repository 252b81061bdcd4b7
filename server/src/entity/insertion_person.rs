use sea_orm::entity::prelude::*;

/// A person the department follows for the RSA: an applicant or partner named by a benefit
/// fund's file, joined to their one citizen record (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "insertion_people")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub citizen_id: i64,
    pub nir: Option<String>,
    pub fund: String,
    pub matricule: String,
    pub role: String,
    pub internal_id: Option<String>,
    pub family_name: String,
    pub given_name: String,
    pub birth_date: Option<Date>,
    pub sex: String,
    pub right_state: crate::insertion::flux::RightState,
    pub rights_and_duties: bool,
    pub homeless: bool,
    pub postcode: Option<String>,
    pub commune: Option<String>,
    pub france_travail_id: Option<String>,
    pub household_hash: String,
    /// The household's type, a code of the `menage` nomenclature (a partner, children or
    /// not), as the fund's last file gave it.
    pub household: Option<String>,
    pub entered_on: Date,
    pub left_on: Option<Date>,
    pub last_import_id: i64,
    /// Days from entry to the first orientation decided; none until one is.
    pub orientation_days: Option<i32>,
    /// The referent now.
    pub referent_id: Option<i64>,
    /// The first orientation's start.
    pub oriented_on: Option<Date>,
    /// Whether the first contract was signed within the month after `oriented_on`.
    pub contract_in_time: Option<bool>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
