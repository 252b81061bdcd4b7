//! Secure messages between a citizen and the department, in threads: general, or about one of
//! the citizen's requests. Sending a message to the citizen mails them that a message waits,
//! never what it says. Every query takes the citizen's id or goes through a thread checked to
//! be theirs, so another citizen's thread is not found.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use tenants::Tenant;

use crate::entity::{message, message_thread};
use crate::mail::{self, OutgoingMail};

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Author {
    Citizen,
    Staff(i64),
}

impl Author {
    fn column(self) -> &'static str {
        match self {
            Author::Citizen => "citizen",
            Author::Staff(_) => "staff",
        }
    }

    fn staff_id(self) -> Option<i64> {
        match self {
            Author::Citizen => None,
            Author::Staff(id) => Some(id),
        }
    }
}

/// A thread as lists show it.
#[derive(Clone, Debug)]
pub struct Thread {
    pub id: i64,
    pub citizen_id: i64,
    pub request_id: Option<i64>,
    pub subject: String,
    pub last_message_at: DateTime<Utc>,
    /// The citizen wrote last: the department owes an answer.
    pub awaiting_department: bool,
    /// The department wrote last and the citizen has not opened the thread since.
    pub unread_by_citizen: bool,
}

impl From<message_thread::Model> for Thread {
    fn from(m: message_thread::Model) -> Self {
        Self {
            id: m.id,
            citizen_id: m.citizen_id,
            request_id: m.request_id,
            subject: m.subject,
            last_message_at: m.last_message_at,
            awaiting_department: m.last_author == "citizen",
            unread_by_citizen: !m.citizen_read,
        }
    }
}

/// One message.
#[derive(Clone, Debug)]
pub struct Message {
    pub id: i64,
    pub author: Author,
    pub body: String,
    pub document_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<message::Model> for Message {
    fn from(m: message::Model) -> Self {
        Self {
            id: m.id,
            author: match (m.author.as_str(), m.staff_id) {
                ("staff", Some(id)) => Author::Staff(id),
                _ => Author::Citizen,
            },
            body: m.body,
            document_id: m.document_id,
            created_at: m.created_at,
        }
    }
}

pub const SUBJECT_MAX: usize = 150;
pub const BODY_MAX: usize = 5000;

/// Checks a thread's subject.
pub fn check_subject(subject: &str) -> Result<String, String> {
    let subject = app::validation::collapse_spaces(subject);
    if subject.is_empty() {
        return Err("Indiquez l'objet de votre message, en quelques mots.".to_owned());
    }
    if subject.chars().count() > SUBJECT_MAX {
        return Err(format!(
            "L'objet est trop long : {SUBJECT_MAX} caractères au plus ; mettez le détail dans le message."
        ));
    }
    Ok(subject)
}

/// Checks a message's text.
pub fn check_body(body: &str) -> Result<String, String> {
    let body = body.trim();
    if body.is_empty() {
        return Err("Votre message est vide : écrivez ce que vous voulez dire.".to_owned());
    }
    if body.chars().count() > BODY_MAX {
        return Err(format!(
            "Le message est trop long : {BODY_MAX} caractères au plus. Découpez-le en plusieurs messages."
        ));
    }
    Ok(body.to_owned())
}

/// Starts a thread with its first message (from the citizen, or from staff to the citizen).
pub async fn start(
    tenant: &Tenant,
    citizen_id: i64,
    request_id: Option<i64>,
    subject: &str,
    first: NewMessage<'_>,
) -> Result<i64, DbErr> {
    let now = Utc::now();
    let txn = tenant.db().begin_write().await?;
    let thread = message_thread::ActiveModel {
        citizen_id: Set(citizen_id),
        request_id: Set(request_id),
        subject: Set(subject.to_owned()),
        created_at: Set(now),
        last_message_at: Set(now),
        last_author: Set(first.author.column().to_owned()),
        citizen_read: Set(first.author == Author::Citizen),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    insert_message(&txn, thread.id, &first, now).await?;
    if let Author::Staff(_) = first.author {
        notify_citizen(&txn, &first).await?;
    }
    journal(&txn, citizen_id, thread.id, &first).await?;
    txn.commit().await?;
    Ok(thread.id)
}

/// A message about to be written.
pub struct NewMessage<'a> {
    pub author: Author,
    pub body: &'a str,
    pub document_id: Option<i64>,
    /// Where the citizen is told to read it (staff messages); their address, if any.
    pub notify: Option<(&'a str, &'a str)>,
    /// How reception's message is journaled in the citizen's file (with the message).
    pub journal: Option<Journaled<'a>>,
}

/// A message reception writes, as the citizen's journal names it.
pub struct Journaled<'a> {
    pub desk: &'a super::Desk<'a>,
    pub action: &'a str,
    /// Why, as the citizen reads it.
    pub reason: &'a str,
}

/// Appends the message's journal entry, if it has one, in the message's transaction.
async fn journal(
    txn: &sea_orm::DatabaseTransaction,
    citizen_id: i64,
    thread_id: i64,
    new: &NewMessage<'_>,
) -> Result<(), DbErr> {
    if let Some(j) = &new.journal {
        let subject = format!("fil de messages {thread_id} (usager {citizen_id})");
        let entry = j.desk.file_event(citizen_id, j.action, &subject, j.reason);
        crate::audit::append_in(txn, &[entry]).await?;
    }
    Ok(())
}

/// Adds a message to a thread of this citizen; `false` if the thread is not theirs.
pub async fn reply(
    tenant: &Tenant,
    citizen_id: i64,
    thread_id: i64,
    new: NewMessage<'_>,
) -> Result<bool, DbErr> {
    let now = Utc::now();
    let txn = tenant.db().begin_write().await?;
    let updated = message_thread::Entity::update_many()
        .col_expr(message_thread::Column::LastMessageAt, Expr::value(now))
        .col_expr(
            message_thread::Column::LastAuthor,
            Expr::value(new.author.column()),
        )
        .col_expr(
            message_thread::Column::CitizenRead,
            Expr::value(new.author == Author::Citizen),
        )
        .filter(message_thread::Column::Id.eq(thread_id))
        .filter(message_thread::Column::CitizenId.eq(citizen_id))
        .exec(&txn)
        .await?
        .rows_affected;
    if updated == 0 {
        txn.rollback().await?;
        return Ok(false);
    }
    insert_message(&txn, thread_id, &new, now).await?;
    if let Author::Staff(_) = new.author {
        notify_citizen(&txn, &new).await?;
    }
    journal(&txn, citizen_id, thread_id, &new).await?;
    txn.commit().await?;
    Ok(true)
}

async fn insert_message(
    txn: &impl sea_orm::ConnectionTrait,
    thread_id: i64,
    new: &NewMessage<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    message::ActiveModel {
        thread_id: Set(thread_id),
        author: Set(new.author.column().to_owned()),
        staff_id: Set(new.author.staff_id()),
        body: Set(new.body.to_owned()),
        document_id: Set(new.document_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Tells the citizen a message waits, in the same transaction: never its content, which a
/// mailbox is not safe enough to hold.
async fn notify_citizen(
    txn: &impl sea_orm::ConnectionTrait,
    new: &NewMessage<'_>,
) -> Result<(), DbErr> {
    let Some((address, url)) = new.notify.filter(|(address, _)| !address.is_empty()) else {
        return Ok(());
    };
    mail::queue(
        txn,
        OutgoingMail {
            to: address.to_owned(),
            subject: "Un message vous attend dans votre espace".to_owned(),
            text: format!(
                "Bonjour,\n\nLe département vous a écrit. Pour lire son message, connectez-vous à votre espace :\n{url}\n\nPour protéger vos informations, le message n'est pas recopié dans ce courriel.\n"
            ),
            attachments: Vec::new(),
        },
    )
    .await?;
    Ok(())
}

/// The citizen's threads, most recent first.
pub async fn threads_of(tenant: &Tenant, citizen_id: i64) -> Result<Vec<Thread>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = message_thread::Entity::find()
        .filter(message_thread::Column::CitizenId.eq(citizen_id))
        .order_by_desc(message_thread::Column::LastMessageAt)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows.into_iter().map(Thread::from).collect())
}

/// Threads where the citizen wrote last, oldest first: what the department owes answers to.
pub async fn awaiting_department(tenant: &Tenant, limit: u64) -> Result<Vec<Thread>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = message_thread::Entity::find()
        .filter(message_thread::Column::LastAuthor.eq("citizen"))
        .order_by_asc(message_thread::Column::LastMessageAt)
        .limit(limit)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows.into_iter().map(Thread::from).collect())
}

/// A thread and its messages, oldest first; `None` unless it is this citizen's, when a
/// citizen asks (`citizen_id`), or when it does not exist.
pub async fn read(
    tenant: &Tenant,
    thread_id: i64,
    citizen_id: Option<i64>,
) -> Result<Option<(Thread, Vec<Message>)>, DbErr> {
    let txn = tenant.db().begin().await?;
    let mut query = message_thread::Entity::find_by_id(thread_id);
    if let Some(citizen_id) = citizen_id {
        query = query.filter(message_thread::Column::CitizenId.eq(citizen_id));
    }
    let Some(thread) = query.one(&txn).await? else {
        txn.commit().await?;
        return Ok(None);
    };
    let messages = message::Entity::find()
        .filter(message::Column::ThreadId.eq(thread.id))
        .order_by_asc(message::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(Some((
        thread.into(),
        messages.into_iter().map(Message::from).collect(),
    )))
}

/// The citizen opened the thread: the department's messages are read.
pub async fn mark_read_by_citizen(
    tenant: &Tenant,
    citizen_id: i64,
    thread_id: i64,
) -> Result<(), DbErr> {
    let txn = tenant.db().begin_write().await?;
    message_thread::Entity::update_many()
        .col_expr(message_thread::Column::CitizenRead, Expr::value(true))
        .filter(message_thread::Column::Id.eq(thread_id))
        .filter(message_thread::Column::CitizenId.eq(citizen_id))
        .filter(message_thread::Column::CitizenRead.eq(false))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Whether a document was sent in one of the messages of this thread.
pub async fn thread_holds_document(
    tenant: &Tenant,
    thread_id: i64,
    document_id: i64,
) -> Result<bool, DbErr> {
    let txn = tenant.db().begin().await?;
    let found = message::Entity::find()
        .filter(message::Column::ThreadId.eq(thread_id))
        .filter(message::Column::DocumentId.eq(document_id))
        .one(&txn)
        .await?
        .is_some();
    txn.commit().await?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_and_bodies_are_checked() {
        assert_eq!(check_subject("  Mon loyer ").unwrap(), "Mon loyer");
        assert!(check_subject(" ").unwrap_err().contains("objet"));
        assert!(check_subject(&"x".repeat(SUBJECT_MAX + 1)).is_err());
        assert!(check_body("\n\n").unwrap_err().contains("vide"));
        assert!(
            check_body(&"x".repeat(BODY_MAX + 1))
                .unwrap_err()
                .contains("trop long")
        );
        assert_eq!(check_body(" Bonjour ").unwrap(), "Bonjour");
    }
}
