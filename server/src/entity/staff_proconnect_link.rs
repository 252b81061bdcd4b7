use sea_orm::entity::prelude::*;

/// The ProConnect agent (identity provider and subject) who signs into a staff account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_proconnect_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub staff_id: i64,
    pub tenant_id: i64,
    pub idp_id: String,
    pub sub: String,
    pub linked_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
