//! The search index: every story's headline and body cut into bigrams and marks by the domain's
//! tokenizer, in the database so that every node shares it.
//!
//! SQLite: `search_documents` numbers each story (`doc`), and the FTS5 table `search_index`
//! holds its four text columns under that number as rowid. PostgreSQL: one `tsvector('simple')`
//! per story, the columns told apart by weight (A headline, B headline marks, C body marks,
//! D body), under a GIN index. Every story is indexed whatever its status; searches join the
//! visibility rule, so a scheduled story becomes findable at its time without reindexing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
#[expect(
    elided_lifetimes_in_paths,
    reason = "MigrationTrait leaves SchemaManager's lifetime late-bound; naming it breaks the impl"
)]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &[
                "CREATE TABLE search_documents (
                    article_id VARCHAR(40) PRIMARY KEY,
                    document TSVECTOR NOT NULL
                )",
                "CREATE INDEX idx_search_documents_document ON search_documents USING GIN (document)",
            ],
            _ => &[
                "CREATE TABLE search_documents (
                    doc INTEGER PRIMARY KEY,
                    article_id VARCHAR(40) NOT NULL UNIQUE
                )",
                // unicode61 keeps a run of letters (Hangul or Latin) as one token, so bigrams and
                // marks arrive whole; diacritic folding is off so Hangul is never decomposed.
                "CREATE VIRTUAL TABLE search_index USING fts5(
                    headline, body, headline_marks, body_marks,
                    content = '', contentless_delete = 1,
                    tokenize = 'unicode61 remove_diacritics 0'
                )",
            ],
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Sqlite {
            db.execute_unprepared("DROP TABLE search_index").await?;
        }
        db.execute_unprepared("DROP TABLE search_documents").await?;
        Ok(())
    }
}
