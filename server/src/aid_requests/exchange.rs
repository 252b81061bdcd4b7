//! Asking the citizen for more information (the legal clock stops), the citizen's answer (the
//! clock resumes, the due date moves by the days paused), and the silence rule applied when a
//! request's due date has passed without a decision.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Set, sea_query::Expr,
};
use tenants::Tenant;

use super::Desk;
use super::filing::{Status, record_event};
use super::queue::ChangeError;
use crate::aid_requests::catalogue::{self, Silence};
use crate::citizens;
use std::collections::HashMap;

use crate::entity::{aid_request, decision, document, request_message};
use crate::mail::{self, OutgoingMail};

/// The longest message, either way.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// A message about a request.
#[derive(Clone, Debug)]
pub struct Message {
    pub from_citizen: bool,
    pub body: String,
    pub at: DateTime<Utc>,
    /// The document sent with it.
    pub document: Option<crate::documents::Document>,
}

pub async fn messages(tenant: &Tenant, request_id: i64) -> Result<Vec<Message>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = request_message::Entity::find()
        .filter(request_message::Column::RequestId.eq(request_id))
        .order_by_asc(request_message::Column::Id)
        .all(&txn)
        .await?;
    let document_ids: Vec<i64> = rows.iter().filter_map(|m| m.document_id).collect();
    let documents: HashMap<i64, crate::documents::Document> = document::Entity::find()
        .filter(document::Column::Id.is_in(document_ids))
        .all(&txn)
        .await?
        .into_iter()
        .map(|d| (d.id, d.into()))
        .collect();
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .map(|m| Message {
            from_citizen: m.author == "citizen",
            body: m.body,
            at: m.created_at,
            document: m.document_id.and_then(|id| documents.get(&id).cloned()),
        })
        .collect())
}

/// Whether `document_id` was sent with one of the citizen's answers about this request (the
/// instructor may then read it, like a document of the form).
pub async fn sent_with_answer(
    tenant: &Tenant,
    request_id: i64,
    document_id: i64,
) -> Result<bool, DbErr> {
    let txn = tenant.db().begin().await?;
    let found = request_message::Entity::find()
        .filter(request_message::Column::RequestId.eq(request_id))
        .filter(request_message::Column::DocumentId.eq(document_id))
        .filter(request_message::Column::Author.eq("citizen"))
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok(found.is_some())
}

/// Checks a message's text: what is wrong, in French, or the trimmed text.
pub fn check_message(body: &str) -> Result<String, String> {
    let body = body.trim();
    if body.is_empty() {
        return Err("Écrivez votre message avant de l'envoyer.".into());
    }
    if body.chars().count() > MAX_MESSAGE_CHARS {
        return Err(format!(
            "Le message est trop long ({MAX_MESSAGE_CHARS} caractères au plus) : raccourcissez-le."
        ));
    }
    Ok(body.to_owned())
}

async fn add_message(
    txn: &DatabaseTransaction,
    request_id: i64,
    author: &str,
    body: &str,
    document_id: Option<i64>,
) -> Result<(), DbErr> {
    request_message::ActiveModel {
        request_id: Set(request_id),
        author: Set(author.to_owned()),
        body: Set(body.to_owned()),
        created_at: Set(Utc::now()),
        document_id: Set(document_id),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The instructor asks the citizen for more information: the request waits for the citizen and
/// its clock stops. The mail says a question waits, not what it is (it may be personal).
pub async fn ask_citizen(
    desk: &Desk<'_>,
    request_id: i64,
    expected_version: i32,
    question: &str,
    request_url: &str,
) -> Result<(), ChangeError> {
    let tenant = desk.tenant();
    let staff_id = desk.account().id;
    let today = Utc::now().date_naive();
    let txn = tenant.db().begin_write().await?;
    let Some(row) = aid_request::Entity::find_by_id(request_id)
        .filter(aid_request::Column::Status.ne(Status::Draft))
        .one(&txn)
        .await?
    else {
        return Err(ChangeError::NotFound);
    };
    if row.version != expected_version || row.status != Status::Submitted {
        return Err(ChangeError::Conflict);
    }
    let updated = aid_request::Entity::update_many()
        .col_expr(
            aid_request::Column::Status,
            Expr::value(Status::InfoRequested),
        )
        .col_expr(aid_request::Column::PausedSince, Expr::value(today))
        // A new question: the earlier answer is read.
        .col_expr(
            aid_request::Column::CitizenRepliedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(aid_request::Column::Version, Expr::value(row.version + 1))
        .col_expr(aid_request::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(aid_request::Column::Id.eq(request_id))
        .filter(aid_request::Column::Version.eq(expected_version))
        .exec(&txn)
        .await?
        .rows_affected;
    if updated != 1 {
        return Err(ChangeError::Conflict);
    }
    add_message(
        &txn,
        request_id,
        &format!("staff:{staff_id}"),
        question,
        None,
    )
    .await?;
    record_event(
        &txn,
        request_id,
        "info_requested",
        &format!("staff:{staff_id}"),
        "Le département demande des informations complémentaires ; le délai de réponse est suspendu.",
    )
    .await?;
    let journal = desk.file_event(
        row.citizen_id,
        "demande d'informations à l'usager",
        &format!("demande {}", row.reference.clone().unwrap_or_default()),
        "instruction de votre demande",
    );
    crate::audit::append_in(&txn, &[journal]).await?;
    tell_citizen(&txn, tenant, &row, |name, reference| {
        (
            format!("Votre demande {reference} : une question vous attend"),
            format!(
                "Bonjour {name},\n\nLe département a besoin d'informations complémentaires pour instruire votre demande {reference}. Pour lire sa question et y répondre, connectez-vous à votre espace : {request_url}\n\nLe délai de traitement de votre demande est suspendu jusqu'à votre réponse.\n\n{}\n",
                tenant.name()
            ),
        )
    })
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The citizen's answer: words, a document of theirs (just sent or chosen again), or both.
#[derive(Clone, Debug)]
pub struct Answer {
    pub body: String,
    pub document_id: Option<i64>,
}

/// The citizen answers: the clock resumes and the due date moves by the days it was stopped.
/// A document must be the citizen's own.
pub async fn answer(
    tenant: &Tenant,
    citizen_id: i64,
    request_id: i64,
    answer: &Answer,
) -> Result<(), ChangeError> {
    let today = Utc::now().date_naive();
    let txn = tenant.db().begin_write().await?;
    let Some(row) = aid_request::Entity::find_by_id(request_id)
        .filter(aid_request::Column::CitizenId.eq(citizen_id))
        .one(&txn)
        .await?
    else {
        return Err(ChangeError::NotFound);
    };
    if row.status != Status::InfoRequested {
        return Err(ChangeError::Conflict);
    }
    if let Some(document_id) = answer.document_id {
        let theirs = document::Entity::find_by_id(document_id)
            .filter(document::Column::CitizenId.eq(citizen_id))
            .one(&txn)
            .await?;
        if theirs.is_none() {
            return Err(ChangeError::NotFound);
        }
    }
    let paused = row
        .paused_since
        .map_or(0, |since| (today - since).num_days().max(0));
    let due_on = row.due_on.map(|due| due + Duration::days(paused));
    let updated = aid_request::Entity::update_many()
        .col_expr(aid_request::Column::Status, Expr::value(Status::Submitted))
        .col_expr(
            aid_request::Column::PausedSince,
            Expr::value(Option::<NaiveDate>::None),
        )
        .col_expr(
            aid_request::Column::PausedDays,
            Expr::value(row.paused_days + paused as i32),
        )
        .col_expr(aid_request::Column::DueOn, Expr::value(due_on))
        .col_expr(
            aid_request::Column::CitizenRepliedAt,
            Expr::value(Utc::now()),
        )
        .col_expr(aid_request::Column::Version, Expr::value(row.version + 1))
        .col_expr(aid_request::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(aid_request::Column::Id.eq(request_id))
        .filter(aid_request::Column::Version.eq(row.version))
        .exec(&txn)
        .await?
        .rows_affected;
    if updated != 1 {
        return Err(ChangeError::Conflict);
    }
    add_message(
        &txn,
        request_id,
        "citizen",
        &answer.body,
        answer.document_id,
    )
    .await?;
    let detail = match due_on {
        Some(due) => format!(
            "Réponse de l'usager envoyée ; le délai reprend, nouvelle échéance le {}.",
            due.format("%d/%m/%Y")
        ),
        None => "Réponse de l'usager envoyée ; le délai reprend.".to_owned(),
    };
    record_event(&txn, request_id, "answered", "citizen", &detail).await?;
    txn.commit().await?;
    Ok(())
}

/// Applies the silence rule to the tenant's requests past their due date (never to those
/// waiting for the citizen: their clock is stopped). Returns how many were settled. Safe to
/// run twice: a request is settled only while it is still open.
pub async fn apply_silence(tenant: &Tenant, today: NaiveDate) -> Result<usize, DbErr> {
    let txn = tenant.db().begin().await?;
    let due = aid_request::Entity::find()
        .filter(aid_request::Column::Status.eq(Status::Submitted))
        .filter(aid_request::Column::DueOn.lt(today))
        .all(&txn)
        .await?;
    txn.commit().await?;
    let mut settled = 0;
    for row in due {
        let Some(aid) = catalogue::find(tenant, row.aid_id).await? else {
            continue;
        };
        let (status, label) = match aid.silence {
            Silence::Acceptance => (Status::ImplicitAcceptance, "acceptée"),
            Silence::Refusal => (Status::ImplicitRefusal, "refusée"),
        };
        let txn = tenant.db().begin_write().await?;
        let updated = aid_request::Entity::update_many()
            .col_expr(aid_request::Column::Status, Expr::value(status.id()))
            .col_expr(aid_request::Column::Version, Expr::value(row.version + 1))
            .col_expr(aid_request::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(aid_request::Column::Id.eq(row.id))
            .filter(aid_request::Column::Status.eq(Status::Submitted))
            .filter(aid_request::Column::Version.eq(row.version))
            .exec(&txn)
            .await?
            .rows_affected;
        if updated != 1 {
            continue;
        }
        decision::ActiveModel {
            request_id: Set(row.id),
            outcome: Set(status.id().to_owned()),
            amount_cents: Set(None),
            reasons: Set("[]".into()),
            comment: Set(format!(
                "Sans décision dans le délai de {} jours, le silence du département vaut {}.",
                aid.deadline_days,
                if aid.silence == Silence::Acceptance {
                    "acceptation"
                } else {
                    "refus"
                }
            )),
            decided_by: Set(None),
            decided_at: Set(Utc::now()),
            letter_file: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        record_event(
            &txn,
            row.id,
            "silence",
            "system",
            &format!("Délai dépassé sans décision : la demande est {label} (décision implicite)."),
        )
        .await?;
        let silence = if aid.silence == Silence::Acceptance {
            "acceptation"
        } else {
            "refus"
        };
        tell_citizen(&txn, tenant, &row, |name, reference| {
            (
                format!("Votre demande {reference} : décision implicite"),
                format!(
                    "Bonjour {name},\n\nLe délai d'instruction de votre demande {reference} (« {} ») est écoulé sans décision. Selon les règles de cette aide, ce silence vaut {silence}.\n\nVous pouvez consulter votre demande dans votre espace.\n\n{}\n",
                    aid.title,
                    tenant.name()
                ),
            )
        })
        .await?;
        txn.commit().await?;
        settled += 1;
    }
    Ok(settled)
}

/// Queues, in `txn`, a mail to the citizen whose request `row` is, when they have an address;
/// `write` gets their name and the request's reference and gives the subject and the text.
async fn tell_citizen(
    txn: &sea_orm::DatabaseTransaction,
    tenant: &Tenant,
    row: &aid_request::Model,
    write: impl FnOnce(&str, &str) -> (String, String),
) -> Result<(), DbErr> {
    let Some(citizen) = citizens::find(tenant, row.citizen_id).await? else {
        return Ok(());
    };
    if citizen.email.is_empty() {
        return Ok(());
    }
    let reference = row.reference.clone().unwrap_or_default();
    let (subject, text) = write(&citizen.display_name(), &reference);
    mail::queue(
        txn,
        OutgoingMail {
            to: citizen.email,
            subject,
            text,
            attachments: vec![],
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_checked() {
        assert!(check_message("  ").is_err());
        assert_eq!(check_message(" Bonjour ").unwrap(), "Bonjour");
        assert!(check_message(&"x".repeat(MAX_MESSAGE_CHARS + 1)).is_err());
    }
}
