//! The module's background work: reading and writing the benefit funds' files (`import`).

use apalis::prelude::{BoxDynError, Data};
use tenants::{Platform, Slug};

use super::import::ImportFile;
use crate::jobs::{self, Running};
use crate::modules::Services;

pub fn workers(services: &Services) -> Vec<Running<anyhow::Result<()>>> {
    vec![jobs::worker!(
        services.platform,
        services.instance,
        "insertion-import",
        import_file
    )]
}

/// Nothing on a schedule yet (the orientation clock's alerts will be).
pub fn schedules(_: &Services) -> Vec<Running<()>> {
    Vec::new()
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
