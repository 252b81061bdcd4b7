use sea_orm::entity::prelude::*;

/// A department's staff identity policy (`staff::identity::IdentityPolicy`, parsed).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_identity_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: i64,
    /// The department's own SIRETs, comma-separated.
    pub sirets: String,
    /// The lowest ProConnect `acr` accepted, if any.
    pub minimum_acr: Option<String>,
    /// Roles, comma-separated, that need a second factor besides those that always do.
    pub second_factor_roles: String,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
