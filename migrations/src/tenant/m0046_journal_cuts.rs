//! The journal's oldest entries may go at their retention term (`retention::journal`): each
//! cut is recorded here, « the entries up to `seq`, the last hashing to `hash`, were removed »,
//! and the journal's guard lets a row be deleted only at or before the last recorded cut.
//! Everything else stays refused: an update, a truncation, a deletion past the cut, and any
//! change to the cuts themselves (append-only too, `APPEND_ONLY_TABLES`). On PostgreSQL the
//! application's role still may not delete from the journal at all: a cut runs with the
//! owner's rights.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditJournalCuts {
    Table,
    Seq,
    Hash,
    CutAt,
}

const SQLITE_UP: [&str; 4] = [
    "DROP TRIGGER audit_journal_no_delete",
    "CREATE TRIGGER audit_journal_no_delete BEFORE DELETE ON audit_journal \
     WHEN OLD.seq > (SELECT COALESCE(MAX(seq), 0) FROM audit_journal_cuts) \
     BEGIN SELECT RAISE(ABORT, 'le journal d''audit ne se modifie pas'); END",
    "CREATE TRIGGER audit_journal_cuts_no_update BEFORE UPDATE ON audit_journal_cuts \
     BEGIN SELECT RAISE(ABORT, 'le journal d''audit ne se modifie pas'); END",
    "CREATE TRIGGER audit_journal_cuts_no_delete BEFORE DELETE ON audit_journal_cuts \
     BEGIN SELECT RAISE(ABORT, 'le journal d''audit ne se modifie pas'); END",
];

const POSTGRES_UP: [&str; 3] = [
    // Statement-level for TRUNCATE (no OLD row): hence the nested test.
    "CREATE OR REPLACE FUNCTION audit_journal_append_only() RETURNS trigger LANGUAGE plpgsql \
     AS $$ BEGIN \
       IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_journal' THEN \
         IF OLD.seq <= (SELECT COALESCE(MAX(seq), 0) FROM audit_journal_cuts) THEN \
           RETURN OLD; \
         END IF; \
       END IF; \
       RAISE EXCEPTION 'le journal d''audit ne se modifie pas'; \
     END $$",
    "CREATE TRIGGER audit_journal_cuts_no_change BEFORE UPDATE OR DELETE ON audit_journal_cuts \
     FOR EACH ROW EXECUTE FUNCTION audit_journal_append_only()",
    "CREATE TRIGGER audit_journal_cuts_no_truncate BEFORE TRUNCATE ON audit_journal_cuts \
     FOR EACH STATEMENT EXECUTE FUNCTION audit_journal_append_only()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditJournalCuts::Table)
                    .col(
                        ColumnDef::new(AuditJournalCuts::Seq)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AuditJournalCuts::Hash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditJournalCuts::CutAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
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
                "DROP TRIGGER IF EXISTS audit_journal_cuts_no_truncate ON audit_journal_cuts",
                "DROP TRIGGER IF EXISTS audit_journal_cuts_no_change ON audit_journal_cuts",
                "CREATE OR REPLACE FUNCTION audit_journal_append_only() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ \
                 BEGIN RAISE EXCEPTION 'le journal d''audit ne se modifie pas'; END $$",
            ],
            _ => &[
                "DROP TRIGGER IF EXISTS audit_journal_cuts_no_update",
                "DROP TRIGGER IF EXISTS audit_journal_cuts_no_delete",
                "DROP TRIGGER audit_journal_no_delete",
                "CREATE TRIGGER audit_journal_no_delete BEFORE DELETE ON audit_journal \
                 BEGIN SELECT RAISE(ABORT, 'le journal d''audit ne se modifie pas'); END",
            ],
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        manager
            .drop_table(Table::drop().table(AuditJournalCuts::Table).to_owned())
            .await
    }
}
