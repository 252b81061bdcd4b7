use sea_orm::entity::prelude::*;

/// A citizen of one department (tenant store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "citizens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub fc_sub: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub preferred_username: String,
    pub birthdate: String,
    pub gender: String,
    pub birthplace: String,
    pub birthcountry: String,
    pub email: String,
    pub login_email: Option<String>,
    pub password_hash: Option<String>,
    pub email_confirmed_at: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
    pub last_sign_in_at: Option<ChronoDateTimeUtc>,
    /// The record this one was merged into (it is offered no more). Exports made before it
    /// existed load without it.
    #[serde(default)]
    pub merged_into: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
