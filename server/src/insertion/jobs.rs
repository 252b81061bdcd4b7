//! The module's background work: reading and writing the benefit funds' files (`import`), and
//! the invitations' reminders, hourly (`invitations::send_reminders`).

use apalis::prelude::{BoxDynError, Data};
use tenants::{Platform, Slug};

use super::import::ImportFile;
use crate::jobs::{self, Running};
use crate::modules::Services;

pub fn workers(services: &Services) -> Vec<Running<anyhow::Result<()>>> {
    vec![
        jobs::worker!(
            services.platform,
            services.instance,
            "insertion-import",
            import_file
        ),
        jobs::worker!(
            services.platform,
            services.instance,
            "insertion-reminders",
            remind_invitations
        ),
    ]
}

pub fn schedules(services: &Services) -> Vec<Running<()>> {
    let platform = services.platform.clone();
    vec![Box::pin(async move {
        jobs::every(
            platform,
            std::time::Duration::from_secs(60),
            std::time::Duration::from_secs(3600),
            "the invitations' reminders",
            || RemindInvitations {
                requested_at: chrono::Utc::now().timestamp(),
            },
        )
        .await;
    })]
}

/// Reminds the people invited of the links they have not used and of their appointments
/// (idempotent: each reminder goes once).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RemindInvitations {
    /// When it was asked for (Unix seconds); informative only.
    pub requested_at: i64,
}

/// The reminders' job, for every department with the module.
pub async fn remind_invitations(
    _job: RemindInvitations,
    platform: Data<Platform>,
) -> Result<(), BoxDynError> {
    for tenant in platform.list_tenants().await? {
        if tenant.is_suspended() || !tenant.has_module(tenants::Module::Insertion) {
            continue;
        }
        let sent = super::invitations::send_reminders(&tenant, chrono::Utc::now()).await?;
        if sent > 0 {
            tracing::info!(tenant = %tenant.slug(), sent, "invitation reminders queued");
            crate::mail::wake(&platform, &tenant).await;
        }
    }
    Ok(())
}

/// Previews left unconfirmed for a week are given up, their files deleted.
pub fn housekeeping<'a>(
    platform: &'a Platform,
    tenant: &'a tenants::Tenant,
) -> crate::modules::Boxed<'a, anyhow::Result<()>> {
    Box::pin(async move {
        let given_up = super::import::give_up_stale(platform, tenant).await?;
        if given_up > 0 {
            tracing::info!(tenant = %tenant.slug(), given_up, "stale insertion imports given up");
        }
        Ok(())
    })
}

/// Runs the next pass of one import (see `import::run`).
pub async fn import_file(job: ImportFile, platform: Data<Platform>) -> Result<(), BoxDynError> {
    let slug = Slug::parse(&job.tenant)?;
    // A suspended department's import waits; its page enqueues it again once the department
    // is resumed (`Import::needs_new_job`).
    if let Some(tenant) = platform.tenant_by_slug(&slug).await?
        && !tenant.is_suspended()
        && tenant.has_module(tenants::Module::Insertion)
    {
        super::import::run(&platform, &tenant, job.import_id).await?;
    }
    Ok(())
}
