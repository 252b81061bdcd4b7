//! National data's background work: the pulls, run under the API's rate limit, and the sweep
//! that takes over pulls whose job was lost.

use std::time::Duration;

use apalis::prelude::{BoxDynError, Data};
use tenants::Platform;

use super::pull::{self, PullNationalData};
use crate::api_particulier::client::Client;
use crate::jobs::{self, Running};
use crate::modules::Services;

pub fn workers(services: &Services) -> Vec<Running<anyhow::Result<()>>> {
    let api = services.national_api.clone();
    vec![jobs::worker!(
        services.platform,
        services.instance,
        "pulls",
        pull_national_data,
        concurrency = api.runs_at_once(),
        data = api
    )]
}

pub fn schedules(services: &Services) -> Vec<Running<()>> {
    vec![Box::pin(schedule_pull_sweep(
        services.platform.clone(),
        services.national_api.claim,
    ))]
}

/// The national API's client, when the platform is configured to reach it, and how long a
/// run may hold a pull.
#[derive(Clone)]
pub struct NationalApi {
    pub client: Option<Client>,
    /// After a crash, a pull held by the dead run is taken over once this has passed; the
    /// sweep also waits this long before enqueueing a pull again.
    pub claim: Duration,
}

impl NationalApi {
    pub fn new(client: Option<Client>, claim: Duration) -> Self {
        Self { client, claim }
    }

    /// Pulls run at once by one node: about a second's worth of calls. Enough to keep the
    /// quota busy while runs wait on the database or the service; a backlog beyond it waits
    /// in the queue, where a crashed node leaves nothing half-taken.
    pub fn runs_at_once(&self) -> usize {
        let per_second = self.client.as_ref().map_or(0, Client::per_second);
        usize::try_from(per_second)
            .unwrap_or(usize::MAX)
            .clamp(8, 500)
    }
}

/// Carries out one national data pull (see `national::pull`).
pub async fn pull_national_data(
    job: PullNationalData,
    platform: Data<Platform>,
    api: Data<NationalApi>,
) -> Result<(), BoxDynError> {
    let api: &NationalApi = &api;
    pull::run_job(&platform, api.client.as_ref(), &job, api.claim).await?;
    Ok(())
}

/// Enqueues again, on a schedule, the pulls whose job was lost (waiting `lost_after` for a
/// pull's job before deciding it is lost).
pub async fn schedule_pull_sweep(platform: Platform, lost_after: Duration) {
    let every = (lost_after / 2).clamp(Duration::from_secs(1), Duration::from_secs(30));
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        if let Err(e) = pull::sweep(&platform, lost_after).await {
            tracing::warn!(error = %e, "could not sweep the national data pulls");
        }
    }
}
