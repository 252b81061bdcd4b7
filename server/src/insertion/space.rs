//! The person's own view of their follow-up, read with their citizen id (never a desk): their
//! orientation, their referent, their contract, their sanction cases once they are told. And what the other parts say of it: that they
//! are followed, since when (`modules::Part::follow_ups`) — never the notes or the contract.

use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use tenants::Tenant;

use super::contract::{self, Contract};
use super::orientation::OrientationStatus;
use crate::citizens::file::FollowUp;
use crate::entity::{
    insertion_orientation, insertion_person, insertion_referent, insertion_sanction_case,
};

/// Where the citizen reads their follow-up.
pub const PATH: &str = "/mon-espace/rsa";

/// One follow-up of the citizen (usually they are one person of one fund's file).
#[derive(Clone, Debug)]
pub struct MyFollowUp {
    pub person: insertion_person::Model,
    pub orientation: Option<insertion_orientation::Model>,
    pub referent: Option<insertion_referent::Model>,
    pub contracts: Vec<Contract>,
    /// Their sanction cases, newest first.
    pub cases: Vec<insertion_sanction_case::Model>,
}

/// The citizen's follow-ups, in force or past.
pub async fn of_citizen(tenant: &Tenant, citizen_id: i64) -> Result<Vec<MyFollowUp>, DbErr> {
    let mut mine = Vec::new();
    for person in contract::people_of_citizen(tenant, citizen_id).await? {
        let txn = tenant.db().begin().await?;
        let orientation = insertion_orientation::Entity::find()
            .filter(insertion_orientation::Column::PersonId.eq(person.id))
            .filter(insertion_orientation::Column::Status.eq(OrientationStatus::Decided))
            .filter(insertion_orientation::Column::EndsOn.is_null())
            .one(&txn)
            .await?;
        let referent = insertion_referent::Entity::find()
            .filter(insertion_referent::Column::PersonId.eq(person.id))
            .filter(insertion_referent::Column::ToOn.is_null())
            .order_by_desc(insertion_referent::Column::Id)
            .one(&txn)
            .await?;
        txn.commit().await?;
        let contracts = contract::of_person(tenant, person.id).await?;
        let cases = super::sanctions::of_person(tenant, person.id).await?;
        mine.push(MyFollowUp {
            person,
            orientation,
            referent,
            contracts,
            cases,
        });
    }
    Ok(mine)
}

/// The citizen is followed for the RSA while a file names them subject to rights and duties.
pub async fn follow_ups(tenant: &Tenant, citizen_id: i64) -> Result<Vec<FollowUp>, DbErr> {
    Ok(contract::people_of_citizen(tenant, citizen_id)
        .await?
        .into_iter()
        .filter(|p| p.rights_and_duties && p.left_on.is_none())
        .map(|p| FollowUp {
            title: "Accompagnement au titre du RSA".to_owned(),
            since: p.entered_on,
            citizen_path: PATH.to_owned(),
        })
        .collect())
}
