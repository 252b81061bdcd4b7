//! The rights register: each person's rights in force with their dates; the invitation to ask
//! for a renewal 6 months before a right ends (mail, notice in their space, journal), sent
//! once by a daily job; and, for the team, the rights ending without a renewal filed.

use std::collections::HashMap;

use chrono::{DateTime, Months, NaiveDate, Utc};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tenants::Tenant;

use super::decisions::Outcome;
use super::files::File;
use super::rights::Right;
use crate::audit::AuditEvent;
use crate::entity::{disability_file, disability_request};
use crate::mail::{self, OutgoingMail};

/// The months before a right's end when the person is invited to renew it.
pub const INVITE_MONTHS: u32 = 6;

/// Ids per `IN (…)` list, well under both engines' bound-parameter limits.
const CHUNK: usize = 500;

/// The reason the invitation's journal entry gives.
pub const RENEWAL_REASON: &str = "invitation à renouveler un droit avant sa fin";

/// A right granted, with its dates.
#[derive(Clone, Debug)]
pub struct Granted {
    pub request: disability_request::Model,
    pub right: Right,
}

impl Granted {
    /// « du 01/02/2027 au 31/01/2029 », « depuis le 01/02/2027, sans limitation de durée ».
    pub fn period(&self) -> String {
        match (self.request.starts_on, self.request.ends_on) {
            (Some(start), Some(end)) => format!(
                "du {} au {}",
                crate::dates::on(start),
                crate::dates::on(end)
            ),
            (Some(start), None) => format!(
                "depuis le {}, sans limitation de durée",
                crate::dates::on(start)
            ),
            _ => String::new(),
        }
    }

    /// Whether it ends within the invitation's months.
    pub fn ends_soon(&self, today: NaiveDate) -> bool {
        self.request
            .ends_on
            .is_some_and(|end| end >= today && end <= today + Months::new(INVITE_MONTHS))
    }
}

fn granted(rows: Vec<disability_request::Model>) -> Vec<Granted> {
    rows.into_iter()
        .filter(|r| {
            matches!(
                r.outcome.as_deref().and_then(Outcome::parse),
                Some(Outcome::Granted | Outcome::Partial)
            ) && r.notified_at.is_some()
        })
        .filter_map(|request| {
            Right::parse(&request.right_code).map(|right| Granted { request, right })
        })
        .collect()
}

/// The person's rights in force today or starting later, the soonest ending first.
pub async fn in_force(
    tenant: &Tenant,
    citizen_id: i64,
    today: NaiveDate,
) -> Result<Vec<Granted>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = disability_request::Entity::find()
        .filter(disability_request::Column::CitizenId.eq(citizen_id))
        .order_by_asc(disability_request::Column::EndsOn)
        .all(&txn)
        .await?;
    txn.commit().await?;
    let mut rights: Vec<Granted> = granted(rows)
        .into_iter()
        .filter(|g| g.request.ends_on.is_none_or(|end| end >= today))
        .collect();
    // Unlimited rights last.
    rights.sort_by_key(|g| (g.request.ends_on.is_none(), g.request.ends_on));
    Ok(rights)
}

/// A right ending soon with no renewal filed, and whose file it is.
#[derive(Clone, Debug)]
pub struct Ending {
    pub granted: Granted,
    pub file: File,
}

/// The rights ending within the invitation's months (or already invited and still ending),
/// for which the person has filed no later request of the same right, the soonest first.
pub async fn ending_without_renewal(
    tenant: &Tenant,
    today: NaiveDate,
) -> Result<Vec<Ending>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = disability_request::Entity::find()
        .filter(disability_request::Column::EndsOn.gte(today))
        .filter(disability_request::Column::EndsOn.lte(today + Months::new(INVITE_MONTHS)))
        .filter(
            disability_request::Column::Outcome
                .is_in([Outcome::Granted.id(), Outcome::Partial.id()]),
        )
        .order_by_asc(disability_request::Column::EndsOn)
        .order_by_asc(disability_request::Column::Id)
        .all(&txn)
        .await?;
    let granted = granted(rows);
    // The latest file asking each person's right (or every right), unless refused as
    // irrecevable: a later one than the decision's renews it. Read in chunks, not per right.
    let mut citizens: Vec<i64> = granted.iter().map(|g| g.request.citizen_id).collect();
    citizens.sort_unstable();
    citizens.dedup();
    let mut latest: HashMap<(i64, String), i64> = HashMap::new();
    for chunk in citizens.chunks(CHUNK) {
        let asked: Vec<(i64, String, i64)> = disability_request::Entity::find()
            .select_only()
            .columns([
                disability_request::Column::CitizenId,
                disability_request::Column::RightCode,
                disability_request::Column::FileId,
            ])
            .filter(disability_request::Column::CitizenId.is_in(chunk.iter().copied()))
            .filter(disability_request::Column::Status.ne("irrecevable"))
            .into_tuple()
            .all(&txn)
            .await?;
        for (citizen, right, file) in asked {
            let entry = latest.entry((citizen, right)).or_insert(file);
            *entry = (*entry).max(file);
        }
    }
    let still: Vec<Granted> = granted
        .into_iter()
        .filter(|g| {
            let r = &g.request;
            latest
                .get(&(r.citizen_id, r.right_code.clone()))
                .is_none_or(|latest| *latest <= r.file_id)
        })
        .collect();
    let mut file_ids: Vec<i64> = still.iter().map(|g| g.request.file_id).collect();
    file_ids.sort_unstable();
    file_ids.dedup();
    let mut files: HashMap<i64, disability_file::Model> = HashMap::new();
    for chunk in file_ids.chunks(CHUNK) {
        for row in disability_file::Entity::find()
            .filter(disability_file::Column::Id.is_in(chunk.iter().copied()))
            .all(&txn)
            .await?
        {
            files.insert(row.id, row);
        }
    }
    txn.commit().await?;
    Ok(still
        .into_iter()
        .filter_map(|granted| {
            let file = files.get(&granted.request.file_id)?.clone();
            Some(Ending {
                granted,
                file: File::from_row(file),
            })
        })
        .collect())
}

fn invitation_event(citizen_id: i64, subject: String) -> AuditEvent {
    AuditEvent {
        actor_id: None,
        actor_email: "envoi automatique".into(),
        actor_role: crate::staff::AUTOMATIC_ROLE.into(),
        action: "invitation à demander le renouvellement d'un droit".into(),
        subject,
        reason: RENEWAL_REASON.into(),
        citizen_id: Some(citizen_id),
        module: tenants::Module::Disability.id().into(),
    }
}

/// Invites every person whose right ends within 6 months and who has not renewed it, once per
/// right: the mark, the journal entry and the mail commit together. Returns how many.
pub async fn send_invitations(tenant: &Tenant, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let today = crate::dates::day_of(now);
    let mut sent = 0;
    for ending in ending_without_renewal(tenant, today).await? {
        let request = &ending.granted.request;
        if request.renewal_invited_at.is_some() {
            continue;
        }
        let to = crate::citizens::mail_address(tenant, request.citizen_id).await?;
        let txn = tenant.db().begin_write().await?;
        // Marked only if nobody marked it meanwhile: two nodes invite once.
        let marked = disability_request::Entity::update_many()
            .col_expr(
                disability_request::Column::RenewalInvitedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(disability_request::Column::Id.eq(request.id))
            .filter(disability_request::Column::RenewalInvitedAt.is_null())
            .exec(&txn)
            .await?;
        if marked.rows_affected == 0 {
            continue;
        }
        let right = ending.granted.right;
        let ends_on = request.ends_on.map(crate::dates::on).unwrap_or_default();
        let event = invitation_event(
            request.citizen_id,
            format!(
                "dossier {} — {} : fin le {ends_on}",
                ending.file.reference(),
                right.short()
            ),
        );
        crate::audit::append_in(&txn, &[event]).await?;
        if let Some(to) = to {
            mail::queue(
                &txn,
                OutgoingMail {
                    to,
                    subject: format!("Votre droit prend fin le {ends_on} : demandez son renouvellement"),
                    text: format!(
                        "Bonjour,\n\nVotre droit « {} » accordé par la MDPH prend fin le {ends_on}. Pour qu'il ne s'interrompe pas, demandez son renouvellement dès maintenant : la MDPH a besoin de plusieurs mois pour l'étudier.\n\nConnectez-vous à votre espace, rubrique « Mes demandes à la MDPH », et choisissez « Demander un renouvellement » : vos réponses précédentes sont reprises, vous les relisez et joignez un certificat médical de moins d'un an.\n\n{}\n",
                        right.label(),
                        tenant.name()
                    ),
                    attachments: Vec::new(),
                },
            )
            .await?;
        }
        txn.commit().await?;
        sent += 1;
    }
    Ok(sent)
}
