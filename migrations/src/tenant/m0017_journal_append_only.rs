//! The audit journal refuses to be changed: the database itself rejects any UPDATE, DELETE or
//! TRUNCATE of it, whoever asks. (Someone who can drop the triggers can still cut it: the
//! signed checkpoints kept outside the database reveal that, see `journal_anchor`.)

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: [&str; 2] = [
    "CREATE TRIGGER audit_journal_no_update BEFORE UPDATE ON audit_journal \
     BEGIN SELECT RAISE(ABORT, 'le journal d''audit ne se modifie pas'); END",
    "CREATE TRIGGER audit_journal_no_delete BEFORE DELETE ON audit_journal \
     BEGIN SELECT RAISE(ABORT, 'le journal d''audit ne se modifie pas'); END",
];

const POSTGRES_UP: [&str; 3] = [
    "CREATE FUNCTION audit_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN RAISE EXCEPTION 'le journal d''audit ne se modifie pas'; END $$",
    "CREATE TRIGGER audit_journal_no_change BEFORE UPDATE OR DELETE ON audit_journal \
     FOR EACH ROW EXECUTE FUNCTION audit_journal_append_only()",
    "CREATE TRIGGER audit_journal_no_truncate BEFORE TRUNCATE ON audit_journal \
     FOR EACH STATEMENT EXECUTE FUNCTION audit_journal_append_only()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements: &[&str] = match db.get_database_backend() {
            DbBackend::Postgres => &POSTGRES_UP,
            _ => &SQLITE_UP,
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements: &[&str] = match db.get_database_backend() {
            DbBackend::Postgres => &[
                "DROP TRIGGER IF EXISTS audit_journal_no_truncate ON audit_journal",
                "DROP TRIGGER IF EXISTS audit_journal_no_change ON audit_journal",
                "DROP FUNCTION IF EXISTS audit_journal_append_only()",
            ],
            _ => &[
                "DROP TRIGGER IF EXISTS audit_journal_no_update",
                "DROP TRIGGER IF EXISTS audit_journal_no_delete",
            ],
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
