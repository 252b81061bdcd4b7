//! How a department's staff prove who they are: its identity policy (the SIRETs it declares
//! as its own, the minimum ProConnect assurance, the roles that need a second factor besides
//! those that always do) and the link between a ProConnect agent and a staff account.
//!
//! An agent signs into the account linked to their (`idp_id`, `sub`). The first time, they
//! are linked by address only to an account the administrator created beforehand, and only
//! if their SIRET is one the department declared: an agent of another administration never
//! gets in, whatever address they show.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
use tenants::{Platform, Tenant};

use super::{Author, Email, Role, StaffAccount, find_account, find_account_by_email};
use crate::audit;
use crate::entity::{staff_identity_policy, staff_proconnect_link};
use crate::proconnect::{Agent, Assurance};

/// A SIRET: 14 digits whose Luhn sum is right (La Poste's establishments excepted, as INSEE
/// numbers them).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Siret(String);

impl Siret {
    pub fn parse(input: &str) -> Result<Self, String> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "« {} » n'est pas un SIRET : il faut 14 chiffres (par exemple 223 000 018 00018)",
                input.trim()
            ));
        }
        // La Poste's SIRETs (SIREN 356000000) follow another rule.
        if !digits.starts_with("356000000") && !luhn(&digits) {
            return Err(format!(
                "le SIRET {digits} n'existe pas (sa clé de contrôle est fausse) : vérifiez-le sur l'annuaire des entreprises"
            ));
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            match (i % 2 == 1, d * 2) {
                (true, doubled) if doubled > 9 => doubled - 9,
                (true, doubled) => doubled,
                (false, _) => d,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A department's identity policy. Without a row, no SIRET is declared (no agent can link
/// through ProConnect), no minimum assurance, and only the roles that always need a second
/// factor do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdentityPolicy {
    pub sirets: Vec<Siret>,
    pub minimum: Option<Assurance>,
    /// Roles that need a second factor in this department besides those that always do.
    pub second_factor_roles: Vec<Role>,
}

impl IdentityPolicy {
    /// Whether an account with these roles must have passed a second factor to work.
    pub fn requires_second_factor(&self, roles: &[Role]) -> bool {
        roles
            .iter()
            .any(|r| r.always_requires_second_factor() || self.second_factor_roles.contains(r))
    }

    /// The declared SIRETs, as text.
    pub fn siret_texts(&self) -> Vec<String> {
        self.sirets.iter().map(|s| s.as_str().to_owned()).collect()
    }

    /// The ids of the roles the department added.
    pub fn role_ids(&self) -> Vec<String> {
        self.second_factor_roles
            .iter()
            .map(|r| r.id().to_owned())
            .collect()
    }

    /// The policy in one line, as the journal records it.
    pub fn described(&self) -> String {
        format!(
            "SIRET [{}], niveau ProConnect minimal {}, double authentification exigée en plus pour [{}]",
            self.siret_texts().join(", "),
            self.minimum.map_or("aucun", |m| m.id()),
            self.role_ids().join(", "),
        )
    }

    fn declares(&self, siret: &str) -> bool {
        self.sirets.iter().any(|s| s.as_str() == siret)
    }
}

fn join<T>(items: &[T], id: impl Fn(&T) -> &str) -> String {
    items.iter().map(id).collect::<Vec<_>>().join(",")
}

/// The department's policy.
pub async fn policy(platform: &Platform, tenant: &Tenant) -> Result<IdentityPolicy, DbErr> {
    let Some(row) = staff_identity_policy::Entity::find_by_id(tenant.id())
        .one(platform.db())
        .await?
    else {
        return Ok(IdentityPolicy::default());
    };
    let corrupt =
        |what: &str| DbErr::Custom(format!("identity policy {}: bad {what}", tenant.id()));
    let list = |text: &str| {
        text.split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    Ok(IdentityPolicy {
        sirets: list(&row.sirets)
            .iter()
            .map(|s| Siret::parse(s).map_err(|_| corrupt("SIRET")))
            .collect::<Result<_, _>>()?,
        minimum: match row.minimum_acr.as_deref() {
            None => None,
            Some(id) => Some(Assurance::parse(id).ok_or_else(|| corrupt("minimum"))?),
        },
        second_factor_roles: list(&row.second_factor_roles)
            .iter()
            .map(|r| Role::parse(r).map_err(|_| corrupt("role")))
            .collect::<Result<_, _>>()?,
    })
}

/// Replaces the department's policy, journaled in `by`'s name.
pub async fn save_policy(
    platform: &Platform,
    tenant: &Tenant,
    policy: &IdentityPolicy,
    by: Author<'_>,
) -> Result<(), DbErr> {
    let txn = tenants::begin_write(platform.db()).await?;
    write_policy(&txn, tenant, policy).await?;
    let entry = by.event(
        "règles de connexion des agents modifiées",
        &policy.described(),
    );
    audit::commit_platform_change(txn, tenant, &[entry]).await
}

/// Replaces the department's policy inside a transaction of the platform's store: a restored
/// department's journal comes from its archive, so nothing is journaled here.
pub async fn write_policy(
    txn: &sea_orm::DatabaseTransaction,
    tenant: &Tenant,
    policy: &IdentityPolicy,
) -> Result<(), DbErr> {
    let row = staff_identity_policy::ActiveModel {
        tenant_id: Set(tenant.id()),
        sirets: Set(join(&policy.sirets, Siret::as_str)),
        minimum_acr: Set(policy.minimum.map(|m| m.id().to_owned())),
        second_factor_roles: Set(join(&policy.second_factor_roles, |r| r.id())),
        updated_at: Set(Utc::now()),
    };
    staff_identity_policy::Entity::delete_by_id(tenant.id())
        .exec(txn)
        .await?;
    row.insert(txn).await?;
    Ok(())
}

/// Why an agent signed in with ProConnect cannot work in this department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentRefused {
    /// Their SIRET is not one the department declared.
    ForeignSiret,
    /// No account with their address was created for them.
    NoAccount,
    /// Their account is deactivated.
    Inactive,
    /// The account with their address signs in as another ProConnect agent.
    LinkedToAnother,
}

/// How an agent came to their account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matched {
    /// Through the link made at an earlier sign-in.
    Linked,
    /// Linked now, by address, to the account the administrator created.
    NewlyLinked,
}

/// The account this agent signs into, linking it on the first sign-in.
pub async fn account_for_agent(
    platform: &Platform,
    tenant: &Tenant,
    policy: &IdentityPolicy,
    agent: &Agent,
) -> Result<Result<(StaffAccount, Matched), AgentRefused>, DbErr> {
    // The SIRET is checked at every sign-in: an agent who moved to another administration
    // no longer gets in through an old link.
    if !policy.declares(&agent.siret) {
        return Ok(Err(AgentRefused::ForeignSiret));
    }
    let link = staff_proconnect_link::Entity::find()
        .filter(staff_proconnect_link::Column::TenantId.eq(tenant.id()))
        .filter(staff_proconnect_link::Column::IdpId.eq(&agent.idp_id))
        .filter(staff_proconnect_link::Column::Sub.eq(&agent.sub))
        .one(platform.db())
        .await?;
    if let Some(link) = link {
        return Ok(match find_account(platform, tenant, link.staff_id).await? {
            Some(account) if account.active => Ok((account, Matched::Linked)),
            Some(_) => Err(AgentRefused::Inactive),
            None => Err(AgentRefused::NoAccount),
        });
    }
    let Some(account) = (match Email::parse(&agent.email) {
        Ok(email) => find_account_by_email(platform, tenant, &email).await?,
        Err(_) => None,
    }) else {
        return Ok(Err(AgentRefused::NoAccount));
    };
    if !account.active {
        return Ok(Err(AgentRefused::Inactive));
    }
    let inserted = staff_proconnect_link::ActiveModel {
        staff_id: Set(account.id),
        tenant_id: Set(tenant.id()),
        idp_id: Set(agent.idp_id.clone()),
        sub: Set(agent.sub.clone()),
        linked_at: Set(Utc::now()),
    }
    .insert(platform.db())
    .await;
    match inserted {
        Ok(_) => Ok(Ok((account, Matched::NewlyLinked))),
        // The account is already linked to another agent (its key is the account).
        Err(e) if e.sql_err().is_some() => Ok(Err(AgentRefused::LinkedToAnother)),
        Err(e) => Err(e),
    }
}

/// Whether this account signs in through ProConnect (it has a link).
pub async fn is_linked(platform: &Platform, staff_id: i64) -> Result<bool, DbErr> {
    Ok(staff_proconnect_link::Entity::find_by_id(staff_id)
        .one(platform.db())
        .await?
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_siret_has_fourteen_digits_and_a_right_key() {
        assert_eq!(
            Siret::parse("223 000 018 00018").unwrap().as_str(),
            "22300001800018"
        );
        assert!(Siret::parse("22300001800012").unwrap_err().contains("clé"));
        assert!(
            Siret::parse("2230000180001")
                .unwrap_err()
                .contains("14 chiffres")
        );
        assert!(Siret::parse("2230000180001A").is_err());
        // La Poste's establishments do not follow the Luhn rule.
        assert!(Siret::parse("35600000000048").is_ok());
    }

    #[test]
    fn second_factor_roles_add_to_those_that_always_need_one() {
        let policy = IdentityPolicy::default();
        assert!(policy.requires_second_factor(&[Role::Admin]));
        assert!(policy.requires_second_factor(&[Role::Reception, Role::InsertionReferent]));
        assert!(!policy.requires_second_factor(&[Role::Reception]));
        let stricter = IdentityPolicy {
            second_factor_roles: vec![Role::Reception],
            ..IdentityPolicy::default()
        };
        assert!(stricter.requires_second_factor(&[Role::Reception]));
        assert!(!stricter.requires_second_factor(&[Role::AidInstructor]));
    }
}
