//! Mail to citizens and staff, through an outbox in each tenant store.
//!
//! A message is queued with [`queue`] inside the transaction of the change it tells about, so it
//! exists exactly when the change does. Delivery is a job ([`DeliverMail`], per tenant) that
//! sends what is due over SMTP (lettre) and, on failure, retries later with a growing delay —
//! a mail server outage delays mail but loses none. A periodic sweep enqueues delivery for every
//! tenant with mail due, which also covers a crash between a commit and its enqueue.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use tenants::{Platform, Tenant};

use crate::entity::mail_outbox;

/// How many messages one delivery run sends at most (the next run takes the rest).
const BATCH: u64 = 50;
/// While a worker sends a message, others leave it alone this long.
const LEASE_SECS: i64 = 120;
/// The longest wait between two attempts.
const MAX_BACKOFF_SECS: i64 = 3600;

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    /// No SMTP server configured: mail waits in the outbox until one is (`serve` warns the
    /// operator at start). Nothing of it reaches the log: mails carry live links.
    Held { from: Mailbox },
    /// The demo without an SMTP server: each message is written as a `.eml` file in `dir`,
    /// where whoever tries the demo opens it to follow its link; the log names the file only.
    Folder {
        from: Mailbox,
        dir: std::path::PathBuf,
    },
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp { from, .. } => write!(f, "Mailer::Smtp(from {from})"),
            Mailer::Held { from } => write!(f, "Mailer::Held(from {from})"),
            Mailer::Folder { from, dir } => {
                write!(f, "Mailer::Folder(from {from} into {})", dir.display())
            }
        }
    }
}

impl Mailer {
    /// From `smtp://host:port`, `smtp://user:pass@host?tls=required` or `smtps://…`; `None`
    /// holds mail in the outbox.
    pub fn new(url: Option<&str>, from: &str) -> anyhow::Result<Self> {
        let from: Mailbox = from.parse().map_err(|_| {
            anyhow::anyhow!(
                "l'expéditeur « {from} » est invalide : attendu par exemple « Département <ne-pas-repondre@exemple.fr> » (GUICHET_MAIL_FROM)"
            )
        })?;
        match url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Ok(Mailer::Held { from }),
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "l'adresse du serveur de courriel « {url} » est invalide ({e}) : attendu smtp://hôte:port ou smtps://utilisateur:mot-de-passe@hôte (GUICHET_SMTP_URL)"
                        )
                    })?
                    .timeout(Some(Duration::from_secs(20)))
                    .build();
                Ok(Mailer::Smtp { transport, from })
            }
        }
    }

    /// Writes mail into `dir` instead of sending it (the demo).
    pub fn into_folder(self, dir: std::path::PathBuf) -> Self {
        match self {
            Mailer::Held { from } => Mailer::Folder { from, dir },
            other => other,
        }
    }

    /// Whether mail waits in the outbox for want of an SMTP server.
    pub fn holds_mail(&self) -> bool {
        matches!(self, Mailer::Held { .. })
    }

    async fn send(&self, row: &mail_outbox::Model) -> Result<(), String> {
        match self {
            Mailer::Held { .. } => Err("aucun serveur SMTP n'est configuré".to_owned()),
            Mailer::Folder { from, dir } => {
                let message = build_message(from, row)?;
                let name = format!("{}-{}.eml", Utc::now().format("%Y%m%d-%H%M%S%.3f"), row.id);
                let path = dir.join(name);
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| e.to_string())?;
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::info!(to = %row.recipient, file = %path.display(), "mail written (demo, no SMTP server)");
                Ok(())
            }
            Mailer::Smtp { transport, from } => {
                let message = build_message(from, row)?;
                transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// A file sent with a message.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MailAttachment {
    pub filename: String,
    pub content_type: String,
    /// Base64 of the content.
    pub base64: String,
}

impl MailAttachment {
    pub fn new(filename: &str, content_type: &str, content: &[u8]) -> Self {
        Self {
            filename: filename.to_owned(),
            content_type: content_type.to_owned(),
            base64: STANDARD.encode(content),
        }
    }
}

/// A message to send.
#[derive(Clone, Debug)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub attachments: Vec<MailAttachment>,
}

fn build_message(from: &Mailbox, row: &mail_outbox::Model) -> Result<Message, String> {
    let to: Mailbox = row
        .recipient
        .parse()
        .map_err(|e| format!("destinataire invalide : {e}"))?;
    let attachments: Vec<MailAttachment> =
        serde_json::from_str(&row.attachments).map_err(|e| e.to_string())?;
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(row.subject.clone());
    let text = SinglePart::plain(row.body_text.clone());
    let message = if attachments.is_empty() {
        builder.singlepart(text)
    } else {
        let mut parts = MultiPart::mixed().singlepart(text);
        for a in attachments {
            let content = STANDARD.decode(&a.base64).map_err(|e| e.to_string())?;
            let content_type = ContentType::parse(&a.content_type).map_err(|e| e.to_string())?;
            parts = parts.singlepart(Attachment::new(a.filename).body(content, content_type));
        }
        builder.multipart(parts)
    };
    message.map_err(|e| e.to_string())
}

/// Queues a message in the tenant's outbox, inside the caller's transaction.
pub async fn queue(txn: &impl ConnectionTrait, mail: OutgoingMail) -> Result<i64, DbErr> {
    let row = mail_outbox::ActiveModel {
        recipient: Set(mail.to),
        subject: Set(mail.subject),
        body_text: Set(mail.text),
        attachments: Set(
            serde_json::to_string(&mail.attachments).map_err(|e| DbErr::Custom(e.to_string()))?
        ),
        created_at: Set(Utc::now()),
        attempts: Set(0),
        next_attempt_at: Set(Utc::now().timestamp()),
        sent_at: Set(None),
        last_error: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(row.id)
}

/// Delivers the tenant's mail now due. Returns how many were sent.
pub async fn deliver_due(tenant: &Tenant, mailer: &Mailer) -> Result<usize, DbErr> {
    if mailer.holds_mail() {
        return Ok(0);
    }
    let now = Utc::now().timestamp();
    let txn = tenant.db().begin().await?;
    let due = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::SentAt.is_null())
        .filter(mail_outbox::Column::NextAttemptAt.lte(now))
        .order_by_asc(mail_outbox::Column::Id)
        .limit(BATCH)
        .all(&txn)
        .await?;
    txn.commit().await?;

    let mut sent = 0;
    for row in due {
        // Claim it: only the worker whose update matches the row as read sends it.
        let txn = tenant.db().begin_write().await?;
        let claimed = mail_outbox::Entity::update_many()
            .col_expr(
                mail_outbox::Column::NextAttemptAt,
                Expr::value(now + LEASE_SECS),
            )
            .filter(mail_outbox::Column::Id.eq(row.id))
            .filter(mail_outbox::Column::SentAt.is_null())
            .filter(mail_outbox::Column::NextAttemptAt.eq(row.next_attempt_at))
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        txn.commit().await?;
        if !claimed {
            continue;
        }
        let outcome = mailer.send(&row).await;
        let txn = tenant.db().begin_write().await?;
        let mut update: mail_outbox::ActiveModel = row.clone().into();
        update.attempts = Set(row.attempts + 1);
        match outcome {
            Ok(()) => {
                update.sent_at = Set(Some(Utc::now()));
                update.last_error = Set(None);
                sent += 1;
            }
            Err(error) => {
                let wait = backoff_secs(row.attempts + 1);
                tracing::warn!(tenant = %tenant.slug(), mail = row.id, %error, wait, "mail not sent, will retry");
                update.next_attempt_at = Set(Utc::now().timestamp() + wait);
                update.last_error = Set(Some(error));
            }
        }
        update.update(&txn).await?;
        txn.commit().await?;
    }
    Ok(sent)
}

/// 30 s, 1 min, 2 min… up to an hour between attempts; never given up.
fn backoff_secs(attempts: i32) -> i64 {
    let exponent = attempts.clamp(1, 20) as u32 - 1;
    (30_i64 << exponent.min(10)).min(MAX_BACKOFF_SECS)
}

/// How many messages of the tenant wait to be sent.
pub async fn pending_count(tenant: &Tenant) -> Result<u64, DbErr> {
    let txn = tenant.db().begin().await?;
    let count = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::SentAt.is_null())
        .count(&txn)
        .await?;
    txn.commit().await?;
    Ok(count)
}

/// Whether the tenant has mail due now.
pub async fn has_due(tenant: &Tenant) -> Result<bool, DbErr> {
    let now = Utc::now().timestamp();
    let txn = tenant.db().begin().await?;
    let count = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::SentAt.is_null())
        .filter(mail_outbox::Column::NextAttemptAt.lte(now))
        .count(&txn)
        .await?;
    txn.commit().await?;
    Ok(count > 0)
}

/// The delivery job: one tenant's due mail. Idempotent (claims rows before sending).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeliverMail {
    pub tenant: String,
}

/// Asks a worker to deliver the tenant's mail now (after a commit that queued some). A failure
/// here only delays the mail until the next sweep.
pub async fn wake(platform: &Platform, tenant: &Tenant) {
    let job = DeliverMail {
        tenant: tenant.slug().to_string(),
    };
    if let Err(e) = crate::jobs::enqueue(platform, job).await {
        tracing::warn!(tenant = %tenant.slug(), error = %e, "mail delivery not enqueued; the sweep will");
    }
}

/// Deletes the mail sent more than `kept` ago: what it said lives on in the records it was
/// about (requests, letters, the journal), and old mails carry links. Mail not yet sent stays.
pub async fn purge_sent(tenant: &Tenant, kept: Duration) -> Result<u64, DbErr> {
    let kept = chrono::Duration::from_std(kept).unwrap_or(chrono::Duration::MAX);
    let before = Utc::now()
        .checked_sub_signed(kept)
        .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC);
    let txn = tenant.db().begin_write().await?;
    let purged = mail_outbox::Entity::delete_many()
        .filter(mail_outbox::Column::SentAt.lt(before))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(purged)
}

/// Tells a staff member or a citizen about something done to their account (a link, a
/// deactivation, a security change): one plain message, queued and delivery woken.
pub async fn tell(
    platform: &Platform,
    tenant: &Tenant,
    to: &str,
    subject: &str,
    text: &str,
) -> Result<(), DbErr> {
    let txn = tenant.db().begin_write().await?;
    queue(
        &txn,
        OutgoingMail {
            to: to.to_owned(),
            subject: subject.to_owned(),
            text: format!("Bonjour,\n\n{text}\n\n{}\n", tenant.name()),
            attachments: vec![],
        },
    )
    .await?;
    txn.commit().await?;
    wake(platform, tenant).await;
    Ok(())
}

/// Enqueues delivery for every tenant with mail due.
pub async fn sweep(platform: &Platform) -> anyhow::Result<()> {
    for tenant in platform.list_tenants().await? {
        if !tenant.is_suspended() && has_due(&tenant).await? {
            crate::jobs::enqueue(
                platform,
                DeliverMail {
                    tenant: tenant.slug().to_string(),
                },
            )
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_and_longer_up_to_an_hour() {
        assert_eq!(backoff_secs(1), 30);
        assert_eq!(backoff_secs(2), 60);
        assert_eq!(backoff_secs(3), 120);
        assert_eq!(backoff_secs(8), 3600);
        assert_eq!(backoff_secs(1000), 3600);
    }

    #[test]
    fn a_bad_sender_is_explained_in_french() {
        let error = Mailer::new(None, "pas une adresse")
            .unwrap_err()
            .to_string();
        assert!(error.contains("GUICHET_MAIL_FROM"), "{error}");
        let error = Mailer::new(Some("ftp://x"), "a@b.fr")
            .unwrap_err()
            .to_string();
        assert!(error.contains("GUICHET_SMTP_URL"), "{error}");
    }
}
