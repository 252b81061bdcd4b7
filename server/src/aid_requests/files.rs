//! Aid requests as the other parts show them (see `citizens::file`): reception's record and
//! alerts, the requests filed under a mandate, « Mes données », and the requests' section of
//! the citizen's right of access.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Select};
use tenants::Tenant;

use super::filing::{AidRequest, Status};
use super::{catalogue, filing};
use crate::citizens::Citizen;
use crate::citizens::file::{FileKind, FileLine, Files, Item, Section, Sections, date, line};
use crate::entity::aid_request;
use crate::modules::{Boxed, section};

pub const FILES: Files = Files {
    kinds: |tenant, open_only| Box::pin(kinds(tenant, open_only)),
    of_citizen: |tenant, citizen_id| {
        Box::pin(lines(
            tenant,
            aid_request::Entity::find()
                .filter(aid_request::Column::CitizenId.eq(citizen_id))
                .order_by_desc(aid_request::Column::UpdatedAt),
        ))
    },
    under_mandate: |tenant, mandate_id| {
        Box::pin(lines(
            tenant,
            aid_request::Entity::find()
                .filter(aid_request::Column::MandateId.eq(mandate_id))
                .order_by_asc(aid_request::Column::Id),
        ))
    },
    waiting_since: |tenant, limit: NaiveDate| {
        Box::pin(lines(
            tenant,
            aid_request::Entity::find()
                .filter(aid_request::Column::Status.eq(Status::InfoRequested))
                .filter(aid_request::Column::PausedSince.lte(limit))
                .order_by_asc(aid_request::Column::Id),
        ))
    },
    citizen_path: |id| format!("/demandes/{id}"),
    has_open_case: |tenant, citizen_id| Box::pin(has_open_case(tenant, citizen_id)),
    // Each aid is its own kind under a mandate.
    whole_request: None,
    drafts: Some(super::retention::DRAFTS),
};

/// A request filed and not yet decided (being instructed, or waiting for the citizen).
async fn has_open_case(tenant: &Tenant, citizen_id: i64) -> Result<bool, DbErr> {
    use sea_orm::PaginatorTrait;
    let txn = tenant.db().begin().await?;
    let open = aid_request::Entity::find()
        .filter(aid_request::Column::CitizenId.eq(citizen_id))
        .filter(aid_request::Column::Status.is_in([Status::Submitted, Status::InfoRequested]))
        .count(&txn)
        .await?;
    txn.commit().await?;
    Ok(open > 0)
}

async fn kinds(tenant: &Tenant, open_only: bool) -> Result<Vec<FileKind>, DbErr> {
    Ok(catalogue::list(tenant, open_only)
        .await?
        .into_iter()
        .map(FileKind::from)
        .collect())
}

impl From<catalogue::Aid> for FileKind {
    fn from(aid: catalogue::Aid) -> Self {
        FileKind {
            id: aid.id,
            slug: aid.slug,
            title: aid.title,
            open: aid.open,
        }
    }
}

async fn lines(
    tenant: &Tenant,
    query: Select<aid_request::Entity>,
) -> Result<Vec<FileLine>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = query.all(&txn).await?;
    txn.commit().await?;
    let titles = catalogue::titles(tenant).await?;
    rows.into_iter()
        .map(|row| {
            let (waiting_since, changed_at) = (row.paused_since, row.updated_at);
            let request = AidRequest::try_from(row)?;
            Ok(FileLine {
                id: request.id,
                citizen_id: request.citizen_id,
                title: titled(&titles, request.aid_id),
                draft: request.status == Status::Draft,
                status: request.status.label().to_owned(),
                reference: request.reference,
                filed_at: request.submitted_at,
                changed_at,
                waiting_since: waiting_since.filter(|_| request.status == Status::InfoRequested),
            })
        })
        .collect()
}

fn titled(titles: &HashMap<i64, String>, aid_id: i64) -> String {
    titles
        .get(&aid_id)
        .cloned()
        .unwrap_or_else(|| "Aide".to_owned())
}

/// The requests' section of the right of access: each request with its answers.
pub fn access<'a>(tenant: &'a Tenant, citizen: &'a Citizen) -> Boxed<'a, Sections> {
    Box::pin(async move { Ok(vec![requests_section(tenant, citizen.id).await?]) })
}

async fn requests_section(tenant: &Tenant, id: i64) -> Result<Section, DbErr> {
    let mut items = Vec::new();
    for (request, title) in filing::list_for_citizen(tenant, id).await? {
        let form = catalogue::form(tenant, request.aid_id, request.form_version)
            .await?
            .unwrap_or_default();
        let mut lines = vec![line("État", request.status.label())];
        if let Some(at) = request.submitted_at {
            lines.push(line("Déposée le", date(at)));
        }
        for (key, answer) in &request.answers {
            let label = form
                .fields
                .iter()
                .find(|f| &f.key == key)
                .map_or_else(|| key.clone(), |f| f.label.clone());
            lines.push((label, answer.display()));
        }
        items.push(Item {
            heading: match request.reference {
                Some(reference) => format!("{title} — demande {reference}"),
                None => format!("{title} — brouillon"),
            },
            lines,
        });
    }
    Ok(Section {
        title: section::AID_REQUESTS.into(),
        items,
    })
}
