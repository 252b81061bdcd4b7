//! What citizens tell the department about how to reach them (phone, postal address,
//! preferred channel) and who lives with them. Every query takes the citizen's id.

use chrono::{Datelike as _, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use tenants::Tenant;

use app::validation::FieldErrors;

use crate::entity::{citizen_detail, household_member};

/// How the citizen prefers to be reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreferredChannel {
    Mail,
    Letter,
    Phone,
    Sms,
}

impl PreferredChannel {
    pub const ALL: [PreferredChannel; 4] = [
        PreferredChannel::Mail,
        PreferredChannel::Letter,
        PreferredChannel::Phone,
        PreferredChannel::Sms,
    ];

    pub fn id(self) -> &'static str {
        match self {
            PreferredChannel::Mail => "mail",
            PreferredChannel::Letter => "letter",
            PreferredChannel::Phone => "phone",
            PreferredChannel::Sms => "sms",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PreferredChannel::Mail => "Courriel",
            PreferredChannel::Letter => "Courrier postal",
            PreferredChannel::Phone => "Téléphone",
            PreferredChannel::Sms => "SMS",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == id)
    }
}

/// Contact details, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Details {
    /// Digits only, `0XXXXXXXXX`, or empty.
    pub phone: String,
    pub postal_address: String,
    pub preferred: PreferredChannel,
}

/// A French phone number as typed ("06 12 34 56 78", "+33 6 12…") into `0612345678`.
pub fn parse_phone(typed: &str) -> Result<String, String> {
    let digits: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let national = match digits.strip_prefix("+33") {
        Some(rest) => format!("0{rest}"),
        None => digits,
    };
    if national.is_empty() {
        return Ok(String::new());
    }
    if national.len() == 10
        && national.starts_with('0')
        && national.chars().all(|c| c.is_ascii_digit())
    {
        Ok(national)
    } else {
        Err("Le numéro de téléphone n'est pas valide : indiquez 10 chiffres, par exemple 06 12 34 56 78.".to_owned())
    }
}

impl Details {
    pub fn parse(phone: &str, address: &str, preferred: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let phone = parse_phone(phone).map_err(|e| errors.add("phone", e)).ok();
        let postal_address = address.trim().to_owned();
        if postal_address.chars().count() > 300 {
            errors.add(
                "address",
                "L'adresse est trop longue : 300 caractères au plus.",
            );
        }
        let preferred = PreferredChannel::parse(preferred.trim());
        match preferred {
            // The first choice carries the group's message (`Choices` names it so).
            None => errors.add(
                "preferred-0",
                "Choisissez comment vous préférez être contacté.",
            ),
            Some(PreferredChannel::Phone | PreferredChannel::Sms)
                if phone.as_deref().is_some_and(str::is_empty) =>
            {
                errors.add(
                    "phone",
                    "Pour être contacté par téléphone ou par SMS, indiquez votre numéro.",
                );
            }
            Some(PreferredChannel::Letter) if postal_address.is_empty() => {
                errors.add(
                    "address",
                    "Pour recevoir des courriers, indiquez votre adresse postale.",
                );
            }
            Some(_) => {}
        }
        match (phone, preferred) {
            (Some(phone), Some(preferred)) if errors.is_empty() => Ok(Self {
                phone,
                postal_address,
                preferred,
            }),
            _ => Err(errors),
        }
    }
}

/// The citizen's details, if they gave any.
pub async fn of(tenant: &Tenant, citizen_id: i64) -> Result<Option<Details>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = citizen_detail::Entity::find_by_id(citizen_id)
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok(row.and_then(|r| {
        Some(Details {
            phone: r.phone,
            postal_address: r.postal_address,
            preferred: PreferredChannel::parse(&r.preferred_channel)?,
        })
    }))
}

/// Saves the citizen's details (replacing earlier ones).
pub async fn save(tenant: &Tenant, citizen_id: i64, details: &Details) -> Result<(), DbErr> {
    let txn = tenant.db().begin_write().await?;
    let row = citizen_detail::ActiveModel {
        citizen_id: Set(citizen_id),
        phone: Set(details.phone.clone()),
        postal_address: Set(details.postal_address.clone()),
        preferred_channel: Set(details.preferred.id().to_owned()),
        updated_at: Set(Utc::now()),
    };
    if citizen_detail::Entity::find_by_id(citizen_id)
        .one(&txn)
        .await?
        .is_some()
    {
        row.update(&txn).await?;
    } else {
        row.insert(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// How a household member is related to the citizen.
pub const RELATIONS: [(&str, &str); 4] = [
    ("spouse", "Conjoint ou conjointe"),
    ("child", "Enfant"),
    ("parent", "Parent"),
    ("other", "Autre personne"),
];

/// Someone who lives with the citizen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: i64,
    pub given_name: String,
    pub family_name: String,
    /// The label of [`RELATIONS`].
    pub relation: &'static str,
    pub birth_year: Option<i32>,
}

/// A member as typed, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMember {
    pub given_name: String,
    pub family_name: String,
    pub relation: &'static str,
    pub birth_year: Option<i32>,
}

impl NewMember {
    pub fn parse(
        given: &str,
        family: &str,
        relation: &str,
        birth_year: &str,
        this_year: i32,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let given = given.trim();
        let family = family.trim();
        if given.is_empty() || given.chars().count() > 100 {
            errors.add(
                "given",
                "Indiquez le prénom de la personne (100 caractères au plus).",
            );
        }
        if family.is_empty() || family.chars().count() > 100 {
            errors.add(
                "family",
                "Indiquez le nom de la personne (100 caractères au plus).",
            );
        }
        let relation = RELATIONS
            .iter()
            .find(|(id, _)| *id == relation.trim())
            .map(|(id, _)| *id);
        if relation.is_none() {
            errors.add("relation", "Choisissez le lien de la personne avec vous.");
        }
        let birth_year = match birth_year.trim() {
            "" => None,
            typed => match typed.parse::<i32>() {
                Ok(year) if (this_year - 120..=this_year).contains(&year) => Some(year),
                _ => {
                    errors.add("birth_year", format!(
                        "L'année de naissance doit être une année sur quatre chiffres, entre {} et {this_year}.",
                        this_year - 120
                    ));
                    None
                }
            },
        };
        match relation {
            Some(relation) if errors.is_empty() => Ok(Self {
                given_name: given.to_owned(),
                family_name: family.to_owned(),
                relation,
                birth_year,
            }),
            _ => Err(errors),
        }
    }
}

/// The household members, in the order they were added.
pub async fn household(tenant: &Tenant, citizen_id: i64) -> Result<Vec<Member>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = household_member::Entity::find()
        .filter(household_member::Column::CitizenId.eq(citizen_id))
        .order_by_asc(household_member::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| Member {
            id: r.id,
            given_name: r.given_name,
            family_name: r.family_name,
            relation: RELATIONS
                .iter()
                .find(|(id, _)| *id == r.relation)
                .map_or("Autre personne", |(_, label)| label),
            birth_year: r.birth_year,
        })
        .collect())
}

pub async fn add_member(
    tenant: &Tenant,
    citizen_id: i64,
    member: &NewMember,
) -> Result<i64, DbErr> {
    let txn = tenant.db().begin_write().await?;
    let row = household_member::ActiveModel {
        citizen_id: Set(citizen_id),
        given_name: Set(member.given_name.clone()),
        family_name: Set(member.family_name.clone()),
        relation: Set(member.relation.to_owned()),
        birth_year: Set(member.birth_year),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

/// Removes one of the citizen's household members; `false` if it is not theirs.
pub async fn remove_member(
    tenant: &Tenant,
    citizen_id: i64,
    member_id: i64,
) -> Result<bool, DbErr> {
    let txn = tenant.db().begin_write().await?;
    let removed = household_member::Entity::delete_many()
        .filter(household_member::Column::Id.eq(member_id))
        .filter(household_member::Column::CitizenId.eq(citizen_id))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(removed == 1)
}

/// This year, for checking birth years.
pub fn this_year() -> i32 {
    Utc::now().year()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_read_the_way_people_write_them() {
        assert_eq!(parse_phone("06 12 34 56 78").unwrap(), "0612345678");
        assert_eq!(parse_phone("+33 6.12.34.56.78").unwrap(), "0612345678");
        assert_eq!(parse_phone("  ").unwrap(), "");
        assert!(parse_phone("12 34").unwrap_err().contains("10 chiffres"));
        assert!(parse_phone("06 12 34 56 7a").is_err());
    }

    #[test]
    fn details_fit_the_channel_chosen() {
        let sms = Details::parse("", "", "sms").unwrap_err();
        assert!(sms.of("phone").unwrap().contains("numéro"));
        let letter = Details::parse("", "", "letter").unwrap_err();
        assert!(letter.of("address").unwrap().contains("adresse"));
        assert!(Details::parse("", "", "pigeon").is_err());
        let ok = Details::parse("0612345678", "", "sms").unwrap();
        assert_eq!(ok.preferred, PreferredChannel::Sms);
    }

    #[test]
    fn household_members_are_checked() {
        let ok = NewMember::parse("Inès", "Dubois", "child", "2015", 2026).unwrap();
        assert_eq!(ok.birth_year, Some(2015));
        let errors = NewMember::parse(" ", "", "cousin", "15", 2026).unwrap_err();
        for field in ["given", "family", "relation", "birth_year"] {
            assert!(errors.of(field).is_some(), "{field}: {errors:?}");
        }
    }
}
