//! The daily pass over every department (and on demand: `guichet retention report` counts
//! without removing).

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{BoxDynError, Data};
use serde::{Deserialize, Serialize};
use tenants::{Platform, TenantStatus};

use super::Mode;
use crate::jobs::{self, Running};
use crate::journal_anchor::JournalAnchor;
use crate::modules::Services;

pub fn workers(services: &Services) -> Vec<Running<anyhow::Result<()>>> {
    vec![jobs::worker!(
        services.platform,
        services.instance,
        "retention",
        apply_retention,
        data = services.journal_anchor.clone()
    )]
}

pub fn schedules(services: &Services) -> Vec<Running<()>> {
    let platform = services.platform.clone();
    vec![Box::pin(async move {
        jobs::every(
            platform,
            Duration::from_secs(15 * 60),
            Duration::from_secs(24 * 3600),
            "the retention pass",
            || ApplyRetention {
                requested_at: chrono::Utc::now().timestamp(),
            },
        )
        .await;
    })]
}

/// One pass over every active department.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApplyRetention {
    /// When it was asked for (Unix seconds); informative only.
    pub requested_at: i64,
}

pub async fn apply_retention(
    _job: ApplyRetention,
    platform: Data<Platform>,
    anchor: Data<Option<Arc<JournalAnchor>>>,
) -> Result<(), BoxDynError> {
    apply_all(&platform, anchor.as_deref()).await?;
    Ok(())
}

/// A pass over every active department as each is set; a suspended one waits. Without the
/// `anchor`, a journal's head cannot be cut (the pass fails in that category).
pub async fn apply_all(platform: &Platform, anchor: Option<&JournalAnchor>) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    for tenant in platform.list_tenants().await? {
        if tenant.status() != TenantStatus::Active {
            continue;
        }
        let outcomes = super::pass(platform, anchor, &tenant, now, Mode::AsSet).await?;
        let removed: u64 = outcomes.iter().filter(|o| o.applied).map(|o| o.due).sum();
        tracing::info!(tenant = %tenant.slug(), removed, "retention pass");
    }
    Ok(())
}
