//! The module's background work: reminding citizens of tomorrow's appointments, hourly.

use std::time::Duration;

use apalis::prelude::{BoxDynError, Data};
use serde::{Deserialize, Serialize};
use tenants::Platform;

use crate::jobs::{self, Running};
use crate::mail;
use crate::modules::Services;

pub fn workers(services: &Services) -> Vec<Running<anyhow::Result<()>>> {
    vec![jobs::worker!(
        services.platform,
        services.instance,
        "reminders",
        remind_appointments
    )]
}

pub fn schedules(services: &Services) -> Vec<Running<()>> {
    vec![Box::pin(schedule_reminders(
        services.platform.clone(),
        Duration::from_secs(3600),
    ))]
}

/// Reminds citizens of their appointments of the next day (see
/// `user_relations::appointments::send_reminders`; idempotent: each appointment is reminded
/// once).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RemindAppointments {
    /// When it was asked for (Unix seconds); informative only.
    pub requested_at: i64,
}

/// The reminder job.
pub async fn remind_appointments(
    _job: RemindAppointments,
    platform: Data<Platform>,
) -> Result<(), BoxDynError> {
    for tenant in platform.list_tenants().await? {
        if !tenant.has_module(tenants::Module::UserRelations) {
            continue;
        }
        let sent = super::appointments::send_reminders(&tenant, chrono::Utc::now()).await?;
        if sent > 0 {
            tracing::info!(tenant = %tenant.slug(), sent, "appointment reminders queued");
            mail::wake(&platform, &tenant).await;
        }
    }
    Ok(())
}

/// Enqueues the reminder job every `every` (an hour in production), the first time a minute
/// after start.
pub async fn schedule_reminders(platform: Platform, every: Duration) {
    jobs::every(
        platform,
        Duration::from_secs(60),
        every,
        "the appointment reminders",
        || RemindAppointments {
            requested_at: chrono::Utc::now().timestamp(),
        },
    )
    .await;
}
