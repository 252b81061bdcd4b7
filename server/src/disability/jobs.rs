//! The module's background work: the renewal invitations, daily (`register::send_invitations`).

use apalis::prelude::{BoxDynError, Data};
use tenants::Platform;

use crate::jobs::{self, Running};
use crate::modules::Services;

pub fn workers(services: &Services) -> Vec<Running<anyhow::Result<()>>> {
    vec![jobs::worker!(
        services.platform,
        services.instance,
        "disability-renewals",
        invite_renewals
    )]
}

pub fn schedules(services: &Services) -> Vec<Running<()>> {
    let platform = services.platform.clone();
    vec![Box::pin(async move {
        jobs::every(
            platform,
            std::time::Duration::from_secs(90),
            std::time::Duration::from_secs(24 * 3600),
            "the renewal invitations",
            || InviteRenewals {
                requested_at: chrono::Utc::now().timestamp(),
            },
        )
        .await;
    })]
}

/// Invites the people whose rights end within 6 months to renew them (idempotent: each right's
/// invitation goes once).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct InviteRenewals {
    /// When it was asked for (Unix seconds); informative only.
    pub requested_at: i64,
}

/// The invitations' job, for every department with the module.
pub async fn invite_renewals(
    _job: InviteRenewals,
    platform: Data<Platform>,
) -> Result<(), BoxDynError> {
    for tenant in platform.list_tenants().await? {
        if tenant.is_suspended() || !tenant.has_module(tenants::Module::Disability) {
            continue;
        }
        let sent = super::register::send_invitations(&tenant, chrono::Utc::now()).await?;
        if sent > 0 {
            tracing::info!(tenant = %tenant.slug(), sent, "renewal invitations queued");
            crate::mail::wake(&platform, &tenant).await;
        }
    }
    Ok(())
}
