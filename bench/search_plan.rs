//! Prints how the database answers searches: the exact statement `GET /api/v1/search` runs for
//! each query given, explained by the engine (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN (ANALYZE,
//! BUFFERS)` on PostgreSQL). Used by `bench/search.sh`.
//!
//! `DATABASE_URL=… cargo run --release --example search-plan -- 부산 경제성장 부산에서`

use anyhow::Context as _;
use dateline_domain::search::{SearchFilter, SearchQuery};
use dateline_domain::{Clock as _, PageSize, SystemClock};
use dateline_storage::Database;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL names the database")?;
    let db = Database::connect(&url).await?;
    let now = SystemClock.now();
    for input in std::env::args().skip(1) {
        let query = SearchQuery::parse(&input)?;
        let plan = db
            .search_index()
            .explain(&query, &SearchFilter::default(), PageSize::DEFAULT, now)
            .await?;
        println!("-- q={input}");
        for line in plan.lines() {
            println!("    {line}");
        }
    }
    Ok(())
}
