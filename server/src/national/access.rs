//! National data's sections of a citizen's right of access: their consents, what the
//! administrations sent, and the calls made in their name.

use chrono::Utc;
use sea_orm::DbErr;
use tenants::Tenant;

use super::{consent, pull};
use crate::citizens::Citizen;
use crate::citizens::file::{Item, Section, Sections, date, line};
use crate::modules::{Boxed, section};

/// `modules::Part::access` of national data.
pub fn sections<'a>(tenant: &'a Tenant, citizen: &'a Citizen) -> Boxed<'a, Sections> {
    Box::pin(async move {
        let id = citizen.id;
        Ok(vec![
            consents(tenant, id).await?,
            facts(tenant, id).await?,
            calls(tenant, id).await?,
        ])
    })
}

/// Their consents to national data.
async fn consents(tenant: &Tenant, id: i64) -> Result<Section, DbErr> {
    let now = Utc::now();
    Ok(Section {
        title: section::CONSENTS.into(),
        items: consent::list_for_citizen(tenant, id)
            .await?
            .into_iter()
            .map(|c| Item {
                heading: c.source.label().to_owned(),
                lines: vec![
                    line("Donné le", date(c.given_at)),
                    line("Comment", c.how()),
                    line("État", c.state(now)),
                ],
            })
            .collect(),
    })
}

/// What the administrations sent, with its provenance.
async fn facts(tenant: &Tenant, id: i64) -> Result<Section, DbErr> {
    Ok(Section {
        title: section::FACTS.into(),
        items: pull::for_citizen(tenant, id)
            .await?
            .into_iter()
            .filter_map(|(p, fact)| fact.map(|f| (p, f)))
            .map(|(_, fact)| Item {
                heading: fact.source.label().to_owned(),
                lines: vec![
                    line("Source", fact.provenance()),
                    line("Contenu", fact.data.to_string()),
                ],
            })
            .collect(),
    })
}

/// The calls made in their name to the administrations.
async fn calls(tenant: &Tenant, id: i64) -> Result<Section, DbErr> {
    Ok(Section {
        title: section::CALLS.into(),
        items: pull::calls_for_citizen(tenant, id)
            .await?
            .into_iter()
            .map(|c| Item {
                heading: date(c.at),
                lines: vec![
                    line("Information", c.source.label()),
                    line("Pourquoi", c.requested_by.label()),
                    line("Résultat", c.outcome),
                ],
            })
            .collect(),
    })
}
