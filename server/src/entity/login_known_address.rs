use sea_orm::entity::prelude::*;

/// An address an account signed in from (see `throttle`): failures from it are counted apart
/// from strangers' failures.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_known_addresses")]
pub struct Model {
    /// The account's throttle key: `account:<tenant id>:<email>` or `citizen:…`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_key: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub address: String,
    /// Unix seconds of the last good sign-in from it.
    pub seen_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
