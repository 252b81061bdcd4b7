//! The CAF side of the AAH: with the person's consent, the MDPH asks the CAF (or the MSA),
//! through API Particulier's AAH endpoint, whether they already receive the AAH and since
//! when, instead of asking them for a certificate. It is national data's exchange, reused as
//! is: the consent is kept in its ledger with the module as purpose (the person gives it from
//! their file and withdraws it from « Mes données »), the call is a durable pull run by its
//! job, and the answer a fact with its provenance, in the person's right of access and
//! their journal of calls. The team reads where it stands on the file's page.

use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use tenants::{Module, Platform, Tenant};

use super::files::File;
use super::rights::Right;
use crate::national::consent::{self, Consent, GivenBy, Purpose};
use crate::national::pull::{self, PullState, RequestedBy};
use crate::national::{Source, summary};

/// What is asked of the CAF.
pub const SOURCE: Source = Source::Aah;

/// What the consent is for: the person's requests to the MDPH.
pub const PURPOSE: Purpose = Purpose::Module(Module::Disability);

/// Where the exchange stands for a person.
#[derive(Clone, Debug)]
pub enum Exchange {
    /// No live consent: nothing is asked.
    NoConsent,
    /// Asked, not answered yet.
    Pending(Consent),
    /// The CAF's answer, as (what, value) lines, with where it came from.
    Received {
        consent: Consent,
        lines: Vec<(String, String)>,
        provenance: String,
    },
    /// Ended without an answer (not found, failed), with the reason.
    Ended(Consent, String),
}

/// Whether the exchange concerns `file`: it asks for the AAH, or for every right.
pub fn concerns(file: &File, rights: &[Right]) -> bool {
    file.row.generic || rights.contains(&Right::Aah)
}

/// The person agrees: the consent is recorded (or the live one found) and the CAF asked, once
/// per consent whatever the clicks, in one transaction; the job is woken after it.
pub async fn agree(
    platform: &Platform,
    tenant: &Tenant,
    citizen_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = tenant.db().begin_write().await?;
    let given = consent::give(
        &txn,
        citizen_id,
        (SOURCE, PURPOSE),
        GivenBy::Citizen,
        now,
        None,
    )
    .await?;
    let key = format!("mdph:{}:consent:{}", SOURCE.id(), given.id);
    let asked = pull::create(&txn, &key, &given, None, RequestedBy::Citizen, now).await?;
    txn.commit().await?;
    pull::wake(platform, tenant, &[asked]).await;
    Ok(())
}

/// Where the exchange stands for the person now: their live consent and the latest pull made
/// under it.
pub async fn exchange(
    tenant: &Tenant,
    citizen_id: i64,
    now: DateTime<Utc>,
) -> Result<Exchange, DbErr> {
    let txn = tenant.db().begin().await?;
    let live = consent::live(&txn, citizen_id, SOURCE, PURPOSE, now).await?;
    txn.commit().await?;
    let Some(consent) = live else {
        return Ok(Exchange::NoConsent);
    };
    // Newest first: the latest pull under this consent says where it stands.
    let latest = pull::for_citizen(tenant, citizen_id)
        .await?
        .into_iter()
        .find(|(p, _)| p.consent_id == consent.id);
    Ok(match latest {
        Some((p, Some(fact))) if p.state == PullState::Received => Exchange::Received {
            consent,
            lines: summary(SOURCE, &fact.data),
            provenance: fact.provenance(),
        },
        None => Exchange::Pending(consent),
        Some((p, _)) if p.state == PullState::Pending => Exchange::Pending(consent),
        Some((p, _)) => Exchange::Ended(consent, p.outcome),
    })
}
