//! The search index: keeping it in step with stories, and reading it.
//!
//! The index holds what `dateline_domain::search` cuts a story into (bigrams and marks of the
//! headline and of the body). It is written only from `write_story`, inside its transaction, so it
//! never disagrees with the stories. A search is one statement: index match AND the visibility
//! rule AND the filters, scored by the query's boosts, keyset-paged on (score, publishedAt, id).
//!
//! SQLite: FTS5 `search_index` (rowid = `search_documents.doc`); PostgreSQL: one weighted
//! `tsvector` per story in `search_documents.document` under GIN.

use dateline_domain::search::{
    IndexColumn, Probe, RANKED_MATCHES, SearchCursor, SearchDocument, SearchFilter, SearchHit,
    SearchOrder, SearchQuery,
};
use dateline_domain::{ArticleId, Page, PageSize, TagId, Timestamp};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait as _, Order, Query, SelectStatement};
use sea_orm::{ColumnTrait as _, ConnectionTrait, DbBackend, Statement, Value};

use crate::db::Database;
use crate::entity::{article, article_section, article_tag};
use crate::error::StorageError;
use crate::public::public_at;
use crate::repo::story::NewArticle;

/// The most stories one multi-row index insert carries.
const INDEX_CHUNK: usize = 100;

pub struct SearchIndex<'db> {
    pub(crate) db: &'db Database,
}

/// Adds stories to the index (inside the caller's transaction).
pub(crate) async fn index_stories(
    txn: &impl ConnectionTrait,
    batch: &[NewArticle],
) -> Result<(), StorageError> {
    let backend = txn.get_database_backend();
    for chunk in batch.chunks(INDEX_CHUNK) {
        let documents: Vec<(String, SearchDocument)> = chunk
            .iter()
            .map(|new| {
                let story = &new.article;
                (
                    story.id.to_string(),
                    SearchDocument::of(
                        &story.headline,
                        story.subheadline.as_deref(),
                        &story.body_text,
                    ),
                )
            })
            .collect();
        let mut values: Vec<Value> = Vec::with_capacity(documents.len() * 5);
        let rows = vec!["(?, ?, ?, ?, ?)"; documents.len()].join(", ");
        for (id, document) in documents {
            values.extend([
                id.into(),
                document.headline.tokens.into(),
                document.headline.marks.into(),
                document.body.marks.into(),
                document.body.tokens.into(),
            ]);
        }
        match backend {
            DbBackend::Postgres => {
                let sql = format!(
                    "INSERT INTO search_documents (article_id, document) \
                     SELECT v.id, setweight(to_tsvector('simple', v.h), 'A') \
                        || setweight(to_tsvector('simple', v.hm), 'B') \
                        || setweight(to_tsvector('simple', v.bm), 'C') \
                        || setweight(to_tsvector('simple', v.b), 'D') \
                     FROM (VALUES {rows}) AS v (id, h, hm, bm, b)"
                );
                txn.execute_raw(statement(backend, &sql, values)).await?;
            }
            _ => {
                let ids = vec!["(?)"; chunk.len()].join(", ");
                let id_values = chunk
                    .iter()
                    .map(|new| Value::from(new.article.id.to_string()));
                txn.execute_raw(statement(
                    backend,
                    &format!("INSERT INTO search_documents (article_id) VALUES {ids}"),
                    id_values.collect(),
                ))
                .await?;
                let sql = format!(
                    "INSERT INTO search_index (rowid, headline, headline_marks, body_marks, body) \
                     SELECT d.doc, v.column2, v.column3, v.column4, v.column5 \
                     FROM (VALUES {rows}) AS v JOIN search_documents AS d ON d.article_id = v.column1"
                );
                txn.execute_raw(statement(backend, &sql, values)).await?;
            }
        }
    }
    Ok(())
}

/// Takes a story out of the index (inside the caller's transaction).
pub(crate) async fn unindex_story(
    txn: &impl ConnectionTrait,
    id: ArticleId,
) -> Result<(), StorageError> {
    let backend = txn.get_database_backend();
    if backend == DbBackend::Sqlite {
        txn.execute_raw(statement(
            backend,
            "DELETE FROM search_index WHERE rowid IN \
             (SELECT doc FROM search_documents WHERE article_id = ?)",
            vec![id.to_string().into()],
        ))
        .await?;
    }
    txn.execute_raw(statement(
        backend,
        "DELETE FROM search_documents WHERE article_id = ?",
        vec![id.to_string().into()],
    ))
    .await?;
    Ok(())
}

/// A raw statement with `?` placeholders, numbered for PostgreSQL.
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => {
            let mut numbered = String::with_capacity(sql.len() + values.len() * 3);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    numbered.push('$');
                    numbered.push_str(&n.to_string());
                } else {
                    numbered.push(c);
                }
            }
            numbered
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// The engine's text for one probe. Probe tokens hold only Hangul syllables, ASCII lowercase
/// letters and digits (the domain's tokenizer guarantees it), so quoting them is enough.
///
/// `finding`: the probe decides which stories are found rather than how they score. A probe of
/// Hangul tokens then drops its column restriction: bigrams occur only in the headline and body
/// and marks, prefixed `w`/`s`, only in the mark columns, so the restriction changes no answer,
/// while without it PostgreSQL's GIN index answers a word alone instead of rechecking
/// (detoasting) every matching story's vector, and FTS5 need not read position lists to learn
/// the column.
fn probe_text(backend: DbBackend, probe: &Probe, finding: bool) -> String {
    let hangul = probe.phrase.iter().all(|token| !token.is_ascii());
    match backend {
        DbBackend::Postgres => {
            let weights: String = if finding && hangul {
                String::new()
            } else {
                let letters: String = probe
                    .columns
                    .iter()
                    .map(|column| match column {
                        IndexColumn::Headline => 'A',
                        IndexColumn::HeadlineMarks => 'B',
                        IndexColumn::BodyMarks => 'C',
                        IndexColumn::Body => 'D',
                    })
                    .collect();
                format!(":{letters}")
            };
            let tokens: Vec<String> = probe
                .phrase
                .iter()
                .map(|token| format!("'{token}'{weights}"))
                .collect();
            format!("({})", tokens.join(" <-> "))
        }
        _ => {
            let columns: Vec<&str> = probe
                .columns
                .iter()
                .map(|column| match column {
                    IndexColumn::Headline => "headline",
                    IndexColumn::HeadlineMarks => "headline_marks",
                    IndexColumn::BodyMarks => "body_marks",
                    IndexColumn::Body => "body",
                })
                .collect();
            if finding && hangul {
                format!("\"{}\"", probe.phrase.join(" "))
            } else {
                format!("{{{}}} : \"{}\"", columns.join(" "), probe.phrase.join(" "))
            }
        }
    }
}

/// "The story matches this index expression."
fn matches(backend: DbBackend, text: String) -> Expr {
    match backend {
        DbBackend::Postgres => Expr::cust_with_values(
            "search_documents.document @@ to_tsquery('simple', $1)",
            [text],
        ),
        _ => Expr::cust_with_values(
            "search_documents.doc IN (SELECT rowid FROM search_index WHERE search_index MATCH ?)",
            [text],
        ),
    }
}

/// The whole query as one index expression: every word must match, or with `any` one of them.
fn query_text(backend: DbBackend, query: &SearchQuery, any: bool) -> String {
    let probes: Vec<String> = query
        .terms()
        .iter()
        .map(|term| probe_text(backend, &term.probe(), true))
        .collect();
    match backend {
        DbBackend::Postgres => probes.join(if any { " | " } else { " & " }),
        _ => probes
            .iter()
            .map(|probe| format!("({probe})"))
            .collect::<Vec<_>>()
            .join(if any { " OR " } else { " AND " }),
    }
}

/// The sum of the boosts a candidate earns, tested against the candidate's own index entry:
/// on SQLite its `doc` (each boost an FTS5 list built once per statement), on PostgreSQL the
/// small `ranked` vector detoasted once per candidate (see [`scored`]).
fn score(backend: DbBackend, query: &SearchQuery) -> Expr {
    // BIGINT on both engines, so PostgreSQL answers the type the row is read as.
    let mut sql = String::from("CAST((0");
    let mut values = Vec::new();
    for boost in query.terms().iter().flat_map(|term| term.boosts()) {
        values.push(probe_text(backend, &boost.probe, false));
        // sea-query numbers PostgreSQL's parameters within one custom expression from $1.
        let test = match backend {
            DbBackend::Postgres => format!(
                "candidates.ranked @@ to_tsquery('simple', ${})",
                values.len()
            ),
            _ => "candidates.doc IN \
                  (SELECT rowid FROM search_index WHERE search_index MATCH ?)"
                .to_owned(),
        };
        sql.push_str(&format!(
            " + CASE WHEN {test} THEN {} ELSE 0 END",
            boost.weight
        ));
    }
    sql.push_str(") AS BIGINT)");
    Expr::cust_with_values(sql, values)
}

/// Hits strictly after `cursor` in the list's order.
fn after(cursor: &SearchCursor) -> Condition {
    let at = cursor.published_at.as_datetime();
    let id = cursor.id.to_string();
    let newer_first = Condition::any()
        .add(Expr::col(Alias::new("published_at")).lt(at))
        .add(
            Condition::all()
                .add(Expr::col(Alias::new("published_at")).eq(at))
                .add(Expr::col(Alias::new("id")).lt(id)),
        );
    match cursor.order {
        SearchOrder::Newest => newer_first,
        SearchOrder::Relevance => {
            let score = i64::from(cursor.score);
            Condition::any()
                .add(Expr::col(Alias::new("score")).lt(score))
                .add(
                    Condition::all()
                        .add(Expr::col(Alias::new("score")).eq(score))
                        .add(newer_first),
                )
        }
    }
}

/// The public stories `query` matches, newest first: their id and publication time, and what
/// [`scored`] needs to score them (SQLite: the index `doc`; PostgreSQL: the `document`, carried
/// as a TOAST pointer until a candidate survives the LIMIT).
fn found(backend: DbBackend, query: &SearchQuery, any: bool, now: Timestamp) -> SelectStatement {
    let mut found = Query::select();
    found
        .column((article::Entity, article::Column::Id))
        .column((article::Entity, article::Column::PublishedAt))
        .column((
            Alias::new("search_documents"),
            Alias::new(match backend {
                DbBackend::Postgres => "document",
                _ => "doc",
            }),
        ))
        .from(article::Entity)
        .inner_join(
            Alias::new("search_documents"),
            Expr::col((Alias::new("search_documents"), Alias::new("article_id")))
                .equals((article::Entity, article::Column::Id)),
        )
        .cond_where(public_at(now))
        .and_where(matches(backend, query_text(backend, query, any)))
        .order_by((article::Entity, article::Column::PublishedAt), Order::Desc)
        .order_by((article::Entity, article::Column::Id), Order::Desc);
    found
}

/// `candidates` (the output of [`found`], already limited) with their scores: id, published_at,
/// score. On PostgreSQL each candidate's vector is cut to its headline and mark columns (A–C,
/// all the boosts test) once, in a subquery kept apart by `OFFSET 0`, so the boosts do not each
/// detoast the whole story.
fn scored(backend: DbBackend, query: &SearchQuery, candidates: SelectStatement) -> SelectStatement {
    let candidates = match backend {
        DbBackend::Postgres => {
            let mut ranked = SelectStatement::new();
            ranked
                .columns([Alias::new("id"), Alias::new("published_at")])
                .expr_as(
                    Expr::cust("ts_filter(found.document, '{a,b,c}')"),
                    Alias::new("ranked"),
                )
                .from_subquery(candidates, Alias::new("found"))
                .offset(0);
            ranked
        }
        _ => candidates,
    };
    let mut hits = SelectStatement::new();
    hits.columns([Alias::new("id"), Alias::new("published_at")])
        .expr_as(score(backend, query), Alias::new("score"))
        .from_subquery(candidates, Alias::new("candidates"));
    hits
}

/// Narrows `found` to `filter`'s section and time range.
fn filtered(found: &mut SelectStatement, filter: &SearchFilter) {
    if let Some(section) = filter.section {
        found.and_where(
            article::Column::Id.in_subquery(
                Query::select()
                    .column(article_section::Column::ArticleId)
                    .from(article_section::Entity)
                    .and_where(article_section::Column::SectionId.eq(section.to_string()))
                    .to_owned(),
            ),
        );
    }
    if let Some(from) = filter.from {
        found.and_where(article::Column::PublishedAt.gte(from.as_datetime()));
    }
    if let Some(to) = filter.to {
        found.and_where(article::Column::PublishedAt.lte(to.as_datetime()));
    }
}

impl SearchIndex<'_> {
    /// The statement a search runs: public stories matching `query` within `filter`, best first.
    pub fn statement(
        &self,
        query: &SearchQuery,
        filter: &SearchFilter,
        cursor: Option<&SearchCursor>,
        size: PageSize,
        now: Timestamp,
    ) -> Statement {
        let backend = self.db.write.get_database_backend();
        let mut found = found(backend, query, false, now);
        filtered(&mut found, filter);
        if filter.order == SearchOrder::Newest {
            // No score to compute: walk the matches newest first and stop after one page.
            let mut page = SelectStatement::new();
            page.columns([Alias::new("id"), Alias::new("published_at")])
                .expr_as(
                    Expr::val(0).cast_as(Alias::new("BIGINT")),
                    Alias::new("score"),
                )
                .from_subquery(found, Alias::new("found"));
            if let Some(cursor) = cursor {
                page.cond_where(after(cursor));
            }
            page.order_by(Alias::new("published_at"), Order::Desc)
                .order_by(Alias::new("id"), Order::Desc)
                .limit(size.get() + 1);
            return backend.build(&page);
        }
        found.limit(RANKED_MATCHES);
        let mut page = SelectStatement::new();
        page.columns([
            Alias::new("id"),
            Alias::new("published_at"),
            Alias::new("score"),
        ])
        .from_subquery(scored(backend, query, found), Alias::new("hits"));
        if let Some(cursor) = cursor {
            page.cond_where(after(cursor));
        }
        page.order_by(Alias::new("score"), Order::Desc)
            .order_by(Alias::new("published_at"), Order::Desc)
            .order_by(Alias::new("id"), Order::Desc)
            .limit(size.get() + 1);
        backend.build(&page)
    }

    /// Public stories other than `except` that match any word of `query`, best first: the
    /// text-similarity candidates of related stories.
    pub async fn similar(
        &self,
        query: &SearchQuery,
        except: ArticleId,
        now: Timestamp,
        limit: u64,
    ) -> Result<Vec<(ArticleId, u32)>, StorageError> {
        let backend = self.db.write.get_database_backend();
        let mut found = found(backend, query, true, now);
        found
            .and_where(article::Column::Id.ne(except.to_string()))
            .limit(RANKED_MATCHES);
        let mut best = SelectStatement::new();
        best.columns([Alias::new("id"), Alias::new("score")])
            .from_subquery(scored(backend, query, found), Alias::new("hits"))
            .order_by(Alias::new("score"), Order::Desc)
            .order_by(Alias::new("published_at"), Order::Desc)
            .limit(limit);
        let rows = self.db.read.query_all(&best).await?;
        rows.into_iter()
            .map(|row| {
                let id: String = row.try_get("", "id")?;
                let score: i64 = row.try_get("", "score")?;
                Ok((ArticleId::parse(&id)?, u32::try_from(score).unwrap_or(0)))
            })
            .collect()
    }

    /// Public stories other than `except` that carry any of `tags`, with how many they share,
    /// most shared first (then newer).
    pub async fn sharing_tags(
        &self,
        tags: &[TagId],
        except: ArticleId,
        now: Timestamp,
        limit: u64,
    ) -> Result<Vec<(ArticleId, u32)>, StorageError> {
        if tags.is_empty() {
            return Ok(Vec::new());
        }
        let shared = Expr::col((article_tag::Entity, article_tag::Column::TagId))
            .count()
            .cast_as(Alias::new("BIGINT"));
        let mut query = Query::select();
        query
            .column((article_tag::Entity, article_tag::Column::ArticleId))
            .expr_as(shared.clone(), Alias::new("shared"))
            .from(article_tag::Entity)
            .inner_join(
                article::Entity,
                Expr::col((article::Entity, article::Column::Id))
                    .equals((article_tag::Entity, article_tag::Column::ArticleId)),
            )
            .cond_where(public_at(now))
            .and_where(
                Expr::col((article_tag::Entity, article_tag::Column::TagId))
                    .is_in(tags.iter().map(ToString::to_string)),
            )
            .and_where(
                Expr::col((article_tag::Entity, article_tag::Column::ArticleId))
                    .ne(except.to_string()),
            )
            .group_by_col((article_tag::Entity, article_tag::Column::ArticleId))
            .order_by_expr(shared, Order::Desc)
            .order_by_expr(
                Expr::col((article::Entity, article::Column::PublishedAt)).max(),
                Order::Desc,
            )
            .limit(limit);
        let rows = self.db.read.query_all(&query).await?;
        rows.into_iter()
            .map(|row| {
                let id: String = row.try_get("", "article_id")?;
                let shared: i64 = row.try_get("", "shared")?;
                Ok((ArticleId::parse(&id)?, u32::try_from(shared).unwrap_or(0)))
            })
            .collect()
    }

    /// One page of hits: public stories matching `query` within `filter`, after `cursor`.
    pub async fn search(
        &self,
        query: &SearchQuery,
        filter: &SearchFilter,
        cursor: Option<&SearchCursor>,
        size: PageSize,
        now: Timestamp,
    ) -> Result<Page<SearchHit, SearchCursor>, StorageError> {
        let statement = self.statement(query, filter, cursor, size, now);
        let rows = self.db.read.query_all_raw(statement).await?;
        let mut items = rows
            .into_iter()
            .map(|row| {
                let id: String = row.try_get("", "id")?;
                let published_at: chrono::DateTime<chrono::Utc> =
                    row.try_get("", "published_at")?;
                let score: i64 = row.try_get("", "score")?;
                Ok(SearchHit {
                    id: ArticleId::parse(&id)?,
                    score: u32::try_from(score).unwrap_or(0),
                    published_at: Timestamp::from_datetime(published_at),
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        let more = items.len() as u64 > size.get();
        items.truncate(size.get() as usize);
        let next = if more {
            items.last().map(|hit| hit.cursor(filter.order))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// The query plan of a search, as the engine explains it (for benchmarks and operators).
    pub async fn explain(
        &self,
        query: &SearchQuery,
        filter: &SearchFilter,
        size: PageSize,
        now: Timestamp,
    ) -> Result<String, StorageError> {
        let statement = self.statement(query, filter, None, size, now);
        let backend = statement.db_backend;
        let prefix = match backend {
            DbBackend::Postgres => "EXPLAIN (ANALYZE, BUFFERS) ",
            _ => "EXPLAIN QUERY PLAN ",
        };
        let explained = Statement {
            sql: format!("{prefix}{}", statement.sql),
            ..statement
        };
        let rows = self.db.read.query_all_raw(explained).await?;
        let column = match backend {
            DbBackend::Postgres => "QUERY PLAN",
            _ => "detail",
        };
        let lines = rows
            .iter()
            .map(|row| row.try_get::<String>("", column))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(lines.join("\n"))
    }
}
