use sea_orm::entity::prelude::*;

/// A staff member's TOTP secret, sealed (`staff::second_factor::SealKey`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_totp")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub staff_id: i64,
    pub secret_sealed: String,
    /// The time step of the last code accepted: a code at or before it is refused.
    pub last_step: Option<i64>,
    pub enrolled_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
