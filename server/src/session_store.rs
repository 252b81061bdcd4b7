//! tower-sessions' store over the platform store (sea-orm), so that sessions live in the same
//! database as everything else, on SQLite and PostgreSQL alike, and any node can serve any
//! request.

use async_trait::async_trait;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

use crate::entity::session;

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

/// Where a signed-in staff member is kept in a session.
pub const STAFF_KEY: &str = "staff";
/// A staff member past their password, whose second factor is asked next.
pub const STAFF_PENDING_KEY: &str = "staff_pending";
/// Where a signed-in citizen is kept in a session.
pub const CITIZEN_KEY: &str = "citizen";

/// Whose sessions they are: every session of one holder can be ended at once (deactivation,
/// password change), as the store writes each session's holder beside its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    /// Staff account ids are the platform's, unique across departments.
    Staff(i64),
    /// Citizen ids are their department's.
    Citizen { tenant_id: i64, citizen_id: i64 },
}

impl Holder {
    fn key(self) -> String {
        match self {
            Self::Staff(id) => format!("staff:{id}"),
            Self::Citizen {
                tenant_id,
                citizen_id,
            } => format!("citizen:{tenant_id}:{citizen_id}"),
        }
    }

    /// Read from a session's content: the staff member signed in or half-way (code step), or
    /// the citizen.
    fn of(record: &Record) -> Option<Self> {
        let field = |key: &str, name: &str| {
            record
                .data
                .get(key)
                .and_then(|v| v.get(name))
                .and_then(serde_json::Value::as_i64)
        };
        for key in [STAFF_KEY, STAFF_PENDING_KEY] {
            if let Some(id) = field(key, "staff_id") {
                return Some(Self::Staff(id));
            }
        }
        Some(Self::Citizen {
            tenant_id: field(CITIZEN_KEY, "tenant_id")?,
            citizen_id: field(CITIZEN_KEY, "citizen_id")?,
        })
    }
}

/// Ends every session of `holder` but `keep` (the one that asked, after a password change):
/// their next request finds no session. Returns how many were ended.
pub async fn end_sessions(
    db: &impl ConnectionTrait,
    holder: Holder,
    keep: Option<Id>,
) -> Result<u64, DbErr> {
    let mut delete =
        session::Entity::delete_many().filter(session::Column::Holder.eq(holder.key()));
    if let Some(keep) = keep {
        delete = delete.filter(session::Column::Id.ne(keep.to_string()));
    }
    Ok(delete.exec(db).await?.rows_affected)
}

fn row(record: &Record) -> session_store::Result<session::ActiveModel> {
    Ok(session::ActiveModel {
        id: Set(record.id.to_string()),
        data: Set(serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?),
        expires_at: Set(record.expiry_date.unix_timestamp()),
        holder: Set(Holder::of(record).map(Holder::key)),
    })
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits; a collision is astronomically unlikely, but a retry with a
        // fresh id costs nothing.
        for _ in 0..3 {
            match session::Entity::insert(row(record)?).exec(&self.db).await {
                Ok(_) => return Ok(()),
                Err(e) if e.sql_err().is_some() => record.id = Id::default(),
                Err(e) => return Err(backend(e)),
            }
        }
        Err(backend("could not allocate a session id"))
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        session::Entity::insert(row(record)?)
            .on_conflict(
                OnConflict::column(session::Column::Id)
                    .update_columns([
                        session::Column::Data,
                        session::Column::ExpiresAt,
                        session::Column::Holder,
                    ])
                    .to_owned(),
            )
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let Some(found) = session::Entity::find_by_id(id.to_string())
            .filter(session::Column::ExpiresAt.gt(now))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&found.data)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?,
            expiry_date: time::OffsetDateTime::from_unix_timestamp(found.expires_at)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        session::Entity::delete_by_id(id.to_string())
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(now))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
