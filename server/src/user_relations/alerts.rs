//! Citizens who stopped responding: a request waiting for their answer too long, or
//! appointments missed twice. Shown on reception's page, with a reminder to send.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use tenants::Tenant;

use crate::entity::{appointment, appointment_slot};

/// How long a request may wait for the citizen's answer before reception is alerted.
pub const WAITING_DAYS: i64 = 15;
/// Missed appointments, within [`MISSED_WITHIN_DAYS`], that raise an alert.
pub const MISSED_APPOINTMENTS: usize = 2;
pub const MISSED_WITHIN_DAYS: i64 = 180;

/// Why reception should reach a citizen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A request asked them for information on this day and still waits.
    Waiting { reference: String, since: NaiveDate },
    /// Appointments missed lately.
    Missed { count: usize },
}

impl Reason {
    pub fn describe(&self) -> String {
        match self {
            Reason::Waiting { reference, since } => format!(
                "la demande {reference} attend sa réponse depuis le {}",
                since.format("%d/%m/%Y")
            ),
            Reason::Missed { count } => format!("{count} rendez-vous manqués"),
        }
    }

    /// The same, said to the citizen.
    pub fn to_citizen(&self) -> String {
        match self {
            Reason::Waiting { reference, since } => format!(
                "votre demande {reference} attend votre réponse depuis le {}",
                since.format("%d/%m/%Y")
            ),
            Reason::Missed { count } => {
                format!("vous n'êtes pas venu(e) à {count} rendez-vous")
            }
        }
    }
}

/// The citizens to reach, with why; by citizen id.
pub async fn silent_citizens(
    tenant: &Tenant,
    now: DateTime<Utc>,
) -> Result<BTreeMap<i64, Vec<Reason>>, DbErr> {
    let mut alerts: BTreeMap<i64, Vec<Reason>> = BTreeMap::new();
    let limit = now.date_naive() - Duration::days(WAITING_DAYS);
    for files in crate::modules::files_in(tenant) {
        for file in (files.waiting_since)(tenant, limit).await? {
            if let (Some(reference), Some(since)) = (file.reference, file.waiting_since) {
                alerts
                    .entry(file.citizen_id)
                    .or_default()
                    .push(Reason::Waiting { reference, since });
            }
        }
    }
    let txn = tenant.db().begin().await?;
    let missed = appointment::Entity::find()
        .filter(appointment::Column::State.eq(super::appointments::State::Missed))
        .all(&txn)
        .await?;
    let recent: Vec<i64> = appointment_slot::Entity::find()
        .filter(appointment_slot::Column::Id.is_in(missed.iter().map(|a| a.slot_id)))
        .filter(appointment_slot::Column::StartsAt.gte(now - Duration::days(MISSED_WITHIN_DAYS)))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    txn.commit().await?;
    let mut per_citizen: BTreeMap<i64, usize> = BTreeMap::new();
    for a in missed.iter().filter(|a| recent.contains(&a.slot_id)) {
        *per_citizen.entry(a.citizen_id).or_default() += 1;
    }
    for (citizen, count) in per_citizen {
        if count >= MISSED_APPOINTMENTS {
            alerts
                .entry(citizen)
                .or_default()
                .push(Reason::Missed { count });
        }
    }
    Ok(alerts)
}
