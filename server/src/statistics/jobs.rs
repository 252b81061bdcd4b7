//! The nightly computation of every department's indicators (and on demand: `guichet
//! statistics compute`, or an administrator's « Recalculer maintenant », `super::runs`).

use std::time::Duration;

use apalis::prelude::{BoxDynError, Data};
use serde::{Deserialize, Serialize};
use tenants::{Platform, TenantStatus};

use super::runs::ComputeDepartment;
use crate::jobs::{self, Running};
use crate::modules::Services;

pub fn workers(services: &Services) -> Vec<Running<anyhow::Result<()>>> {
    vec![
        jobs::worker!(
            services.platform,
            services.instance,
            "statistics",
            compute_indicators
        ),
        jobs::worker!(
            services.platform,
            services.instance,
            "statistics_run",
            compute_department
        ),
    ]
}

/// Runs a computation an administrator asked for (`super::runs`).
pub async fn compute_department(
    job: ComputeDepartment,
    platform: Data<Platform>,
) -> Result<(), BoxDynError> {
    let slug = tenants::Slug::parse(&job.tenant)?;
    // A suspended department's computation waits: its page enqueues it again later.
    if let Some(tenant) = platform.tenant_by_slug(&slug).await?
        && !tenant.is_suspended()
    {
        let today = crate::dates::today();
        super::runs::run(&platform, &tenant, job.run, today, job.threshold).await?;
    }
    Ok(())
}

pub fn schedules(services: &Services) -> Vec<Running<()>> {
    let platform = services.platform.clone();
    let threshold = services.statistics_threshold;
    vec![Box::pin(async move {
        jobs::every(
            platform,
            Duration::from_secs(5 * 60),
            Duration::from_secs(24 * 3600),
            "the indicators' computation",
            || ComputeIndicators {
                day: chrono::Utc::now()
                    .date_naive()
                    .format("%Y-%m-%d")
                    .to_string(),
                threshold,
            },
        )
        .await
    })]
}

/// Computes every active department's indicators as of `day` (`YYYY-MM-DD`), and shares
/// those of the departments that agreed to be compared under secrecy's `threshold`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ComputeIndicators {
    pub day: String,
    #[serde(default = "default_threshold")]
    pub threshold: u64,
}

fn default_threshold() -> u64 {
    super::secrecy::DEFAULT_THRESHOLD
}

/// Idempotent: each department's figures of the months computed are replaced in one go.
pub async fn compute_indicators(
    job: ComputeIndicators,
    platform: Data<Platform>,
) -> Result<(), BoxDynError> {
    let day = chrono::NaiveDate::parse_from_str(&job.day, "%Y-%m-%d")?;
    compute_all(&platform, day, job.threshold).await?;
    Ok(())
}

/// Every active department's indicators as of `day`, shared where agreed; how many figures
/// each got.
pub async fn compute_all(
    platform: &Platform,
    day: chrono::NaiveDate,
    threshold: u64,
) -> anyhow::Result<Vec<(String, usize)>> {
    let mut done = Vec::new();
    for tenant in platform.list_tenants().await? {
        if tenant.status() != TenantStatus::Active {
            continue;
        }
        let started = std::time::Instant::now();
        let figures = super::indicators::compute(&tenant, day).await?;
        super::comparison::share(platform, &tenant, threshold).await?;
        tracing::info!(
            tenant = %tenant.slug(),
            figures,
            ms = started.elapsed().as_millis() as u64,
            "indicators computed"
        );
        done.push((tenant.slug().to_string(), figures));
    }
    Ok(done)
}
