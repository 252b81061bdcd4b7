//! The consent ledger: per citizen, per source and per purpose (the aid being instructed, or a
//! module's requests as a whole: the MDPH's, see [`Purpose`]), when
//! a consent was given, how (by the citizen online, or recorded by staff), until when, and when
//! it was withdrawn. Rows are never deleted: a withdrawn or expired consent stays on record.
//!
//! A consent is *live* while it is neither withdrawn nor expired; [`super::pull`] checks it
//! where the pull is made, and withdrawing refuses every queued pull in the same transaction.

use chrono::{DateTime, Months, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use tenants::{Module, Tenant};

use super::Source;
use super::pull::PullState;
use crate::entity::{consent, data_pull};

/// How long a consent lasts unless withdrawn.
pub const VALID_MONTHS: u32 = 12;

/// Who recorded the consent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GivenBy {
    /// The citizen, online.
    Citizen,
    /// A staff member (id in the platform store), during assisted filing.
    Staff(i64),
}

/// What a consent is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Instructing the requests for this aid.
    Aid(i64),
    /// A module's requests as a whole (the MDPH asking the CAF about the AAH).
    Module(Module),
}

impl Purpose {
    /// Its columns: (`purpose`, `aid_id`).
    fn columns(self) -> (&'static str, i64) {
        match self {
            Purpose::Aid(id) => ("aid", id),
            Purpose::Module(module) => (module.id(), 0),
        }
    }

    fn of(purpose: &str, aid_id: i64) -> Result<Self, DbErr> {
        match purpose {
            "aid" => Ok(Purpose::Aid(aid_id)),
            other => Module::parse(other)
                .map(Purpose::Module)
                .map_err(|_| DbErr::Custom(format!("unknown consent purpose {other}"))),
        }
    }
}

/// A consent as pages and pulls need it.
#[derive(Clone, Debug)]
pub struct Consent {
    pub id: i64,
    pub citizen_id: i64,
    pub source: Source,
    pub purpose: Purpose,
    pub given_at: DateTime<Utc>,
    pub given_by: GivenBy,
    pub expires_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// The France Travail identifier the citizen gave, for that source.
    pub subject: Option<String>,
}

impl Consent {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.withdrawn_at.is_none() && now < self.expires_at
    }

    /// "donné en ligne par vous" / "recueilli par un agent", for the citizen.
    pub fn how(&self) -> &'static str {
        match self.given_by {
            GivenBy::Citizen => "donné en ligne",
            GivenBy::Staff(_) => "recueilli par un agent lors d'un dépôt accompagné",
        }
    }

    /// "en cours jusqu'au …", "retiré le …", "expiré le …".
    pub fn state(&self, now: DateTime<Utc>) -> String {
        match self.withdrawn_at {
            Some(at) => format!("retiré le {}", at.format("%d/%m/%Y")),
            None if now >= self.expires_at => {
                format!("expiré le {}", self.expires_at.format("%d/%m/%Y"))
            }
            None => format!("en cours jusqu'au {}", self.expires_at.format("%d/%m/%Y")),
        }
    }
}

impl TryFrom<consent::Model> for Consent {
    type Error = DbErr;

    fn try_from(m: consent::Model) -> Result<Self, DbErr> {
        Ok(Self {
            id: m.id,
            citizen_id: m.citizen_id,
            source: m.source,
            purpose: Purpose::of(&m.purpose, m.aid_id)?,
            given_at: m.given_at,
            given_by: match (m.given_by.as_str(), m.staff_id) {
                ("staff", Some(id)) => GivenBy::Staff(id),
                _ => GivenBy::Citizen,
            },
            expires_at: m.expires_at,
            withdrawn_at: m.withdrawn_at,
            subject: m.subject,
        })
    }
}

/// The live consent of this citizen for this source and purpose, if any.
pub async fn live(
    db: &impl ConnectionTrait,
    citizen_id: i64,
    source: Source,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<Option<Consent>, DbErr> {
    let (purpose, aid_id) = purpose.columns();
    consent::Entity::find()
        .filter(consent::Column::CitizenId.eq(citizen_id))
        .filter(consent::Column::Source.eq(source.id()))
        .filter(consent::Column::Purpose.eq(purpose))
        .filter(consent::Column::AidId.eq(aid_id))
        .filter(consent::Column::WithdrawnAt.is_null())
        .filter(consent::Column::ExpiresAt.gt(now))
        .order_by_desc(consent::Column::Id)
        .one(db)
        .await?
        .map(Consent::try_from)
        .transpose()
}

/// Records a consent, or finds the live one already given. `subject` is how a source that
/// knows the person by an identifier of its own (France Travail) names them: a live consent
/// for another subject is withdrawn and replaced.
pub async fn give(
    db: &impl ConnectionTrait,
    citizen_id: i64,
    (source, purpose): (Source, Purpose),
    by: GivenBy,
    now: DateTime<Utc>,
    subject: Option<&str>,
) -> Result<Consent, DbErr> {
    if let Some(existing) = live(db, citizen_id, source, purpose, now).await? {
        if existing.subject.as_deref() == subject {
            return Ok(existing);
        }
        withdraw(db, citizen_id, existing.id, now).await?;
    }
    let (given_by, staff_id) = match by {
        GivenBy::Citizen => ("citizen", None),
        GivenBy::Staff(id) => ("staff", Some(id)),
    };
    let expires_at = now
        .checked_add_months(Months::new(VALID_MONTHS))
        .ok_or_else(|| DbErr::Custom("date out of range".into()))?;
    let (purpose, aid_id) = purpose.columns();
    consent::ActiveModel {
        citizen_id: Set(citizen_id),
        source: Set(source),
        purpose: Set(purpose.to_owned()),
        aid_id: Set(aid_id),
        given_at: Set(now),
        given_by: Set(given_by.to_owned()),
        staff_id: Set(staff_id),
        expires_at: Set(expires_at),
        withdrawn_at: Set(None),
        subject: Set(subject.map(str::to_owned)),
        ..Default::default()
    }
    .insert(db)
    .await?
    .try_into()
}

/// Withdraws one of the citizen's consents and refuses every pull still queued under it, in
/// one transaction. `false` when there is no such live consent of theirs.
pub async fn withdraw(
    db: &impl ConnectionTrait,
    citizen_id: i64,
    consent_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let withdrawn = consent::Entity::update_many()
        .col_expr(consent::Column::WithdrawnAt, Expr::value(now))
        .filter(consent::Column::Id.eq(consent_id))
        .filter(consent::Column::CitizenId.eq(citizen_id))
        .filter(consent::Column::WithdrawnAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    if withdrawn == 0 {
        return Ok(false);
    }
    data_pull::Entity::update_many()
        .col_expr(data_pull::Column::State, Expr::value(PullState::Refused))
        .col_expr(
            data_pull::Column::Outcome,
            Expr::value("Non demandé : vous avez retiré votre accord."),
        )
        .col_expr(data_pull::Column::FinishedAt, Expr::value(now))
        .filter(data_pull::Column::ConsentId.eq(consent_id))
        .filter(data_pull::Column::State.eq(PullState::Pending))
        .exec(db)
        .await?;
    Ok(true)
}

/// Withdraws the citizen's live consent for this source and purpose, if any (the box unticked
/// in the form).
pub async fn withdraw_for(
    db: &impl ConnectionTrait,
    citizen_id: i64,
    source: Source,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    match live(db, citizen_id, source, purpose, now).await? {
        Some(consent) => withdraw(db, citizen_id, consent.id, now).await,
        None => Ok(false),
    }
}

/// A France Travail identifier as typed, checked: 7 digits and a letter or digit (as on the
/// letters France Travail sends), spaces ignored, upper-cased.
pub fn france_travail_identifier(typed: &str) -> Result<String, String> {
    let id: String = typed
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let well_formed = id.len() == 8
        && id[..7].chars().all(|c| c.is_ascii_digit())
        && id[7..].chars().all(|c| c.is_ascii_alphanumeric());
    if well_formed {
        Ok(id)
    } else if id.is_empty() {
        Err("Indiquez votre identifiant France Travail : il figure sur vos courriers de France Travail (par exemple 1234567A).".into())
    } else {
        Err(format!(
            "« {} » n'est pas un identifiant France Travail : il compte 7 chiffres suivis d'une lettre ou d'un chiffre, par exemple 1234567A.",
            typed.trim()
        ))
    }
}

/// Every consent the citizen ever gave, newest first.
pub async fn list_for_citizen(tenant: &Tenant, citizen_id: i64) -> Result<Vec<Consent>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = consent::Entity::find()
        .filter(consent::Column::CitizenId.eq(citizen_id))
        .order_by_desc(consent::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    rows.into_iter().map(Consent::try_from).collect()
}

/// One consent by id.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<Consent>, DbErr> {
    consent::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Consent::try_from)
        .transpose()
}
