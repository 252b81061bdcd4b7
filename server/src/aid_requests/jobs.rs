//! The module's background work: the daily silence rule, and the instructors' CSV exports.

use std::time::Duration;

use apalis::prelude::{BoxDynError, Data};
use serde::{Deserialize, Serialize};
use tenants::{Platform, Slug, Tenant};

use super::export::ExportRequests;
use crate::jobs::{self, Running};
use crate::mail;
use crate::modules::{Boxed, Services};

pub fn workers(services: &Services) -> Vec<Running<anyhow::Result<()>>> {
    vec![
        jobs::worker!(
            services.platform,
            services.instance,
            "silence",
            apply_silence
        ),
        jobs::worker!(
            services.platform,
            services.instance,
            "export",
            export_requests
        ),
    ]
}

pub fn schedules(services: &Services) -> Vec<Running<()>> {
    vec![Box::pin(schedule_silence(services.platform.clone()))]
}

/// Export files are deleted a day after they were made.
pub fn housekeeping<'a>(
    platform: &'a Platform,
    tenant: &'a Tenant,
) -> Boxed<'a, anyhow::Result<()>> {
    Box::pin(async move {
        super::export::purge_expired(platform, tenant).await?;
        Ok(())
    })
}

/// Applies the silence rule to every department's requests past their due date.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApplySilence {
    /// The day it was asked for (`YYYY-MM-DD`); requests due before it are settled.
    pub day: String,
}

/// The silence job. Idempotent: a request is settled only while it is still open.
pub async fn apply_silence(job: ApplySilence, platform: Data<Platform>) -> Result<(), BoxDynError> {
    let today = chrono::NaiveDate::parse_from_str(&job.day, "%Y-%m-%d")?;
    for tenant in platform.list_tenants().await? {
        if !tenant.has_module(tenants::Module::AidRequests) {
            continue;
        }
        let settled = super::exchange::apply_silence(&tenant, today).await?;
        if settled > 0 {
            tracing::info!(tenant = %tenant.slug(), settled, "silence rule applied");
            mail::wake(&platform, &tenant).await;
        }
    }
    Ok(())
}

/// Enqueues the silence job once a day (the first time a minute after start).
pub async fn schedule_silence(platform: Platform) {
    jobs::every(
        platform,
        Duration::from_secs(60),
        Duration::from_secs(24 * 3600),
        "the silence job",
        || ApplySilence {
            day: chrono::Utc::now()
                .date_naive()
                .format("%Y-%m-%d")
                .to_string(),
        },
    )
    .await;
}

/// Makes one CSV export of the instructors' queue (see `export`).
pub async fn export_requests(
    job: ExportRequests,
    platform: Data<Platform>,
) -> Result<(), BoxDynError> {
    let slug = Slug::parse(&job.tenant)?;
    // A suspended department's export stays queued; its status page enqueues it again once
    // the department is resumed (`Export::needs_new_job`).
    if let Some(tenant) = platform.tenant_by_slug(&slug).await?
        && !tenant.is_suspended()
    {
        super::export::run(&platform, &tenant, job.export_id).await?;
    }
    Ok(())
}
