//! Keyset paging: walking a list while stories are being published never repeats or skips one.

use std::collections::HashSet;

use chrono::Duration;
use serde_json::json;

use crate::harness::ArticleBuilder;
use crate::on_both_engines;

on_both_engines! {
    async fn paging_the_latest_list_while_publishing_returns_every_story_exactly_once(app) {
        let desk = app.section("society", "사회").await;
        let mut expected = Vec::new();
        for n in 0..17 {
            // Ties on publication time are common (batch approvals); the id breaks them.
            let age = Duration::minutes(10 * (n / 3));
            expected.push(ArticleBuilder::new(&format!("기사 {n}"), &desk).published_ago(age).insert(&app).await);
        }
        // Newest first: by time, then by id.
        expected.sort_by_key(|a| std::cmp::Reverse((a.published_at, a.id)));

        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let path = match &cursor {
                Some(cursor) => format!("/api/v1/articles?limit=4&cursor={cursor}"),
                None => "/api/v1/articles?limit=4".to_owned(),
            };
            let page = app.get(&path).await.json();
            assert_eq!(page["page"]["limit"], 4);
            seen.extend(page["data"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_owned()));
            pages += 1;
            // Breaking news lands between page reads.
            app.clock.advance(Duration::seconds(30));
            ArticleBuilder::new(&format!("속보 {pages}"), &desk).published_ago(Duration::zero()).insert(&app).await;
            match page["page"]["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        let expected_ids: Vec<String> = expected.iter().map(|a| a.id.to_string()).collect();
        assert_eq!(seen, expected_ids, "every story once, newest first");
        assert_eq!(pages, 5);
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len());
    }

    async fn graphql_paging_matches_its_total_count(app) {
        let desk = app.section("economy", "경제").await;
        for n in 0..11 {
            ArticleBuilder::new(&format!("경제 {n}"), &desk).published_ago(Duration::minutes(n)).insert(&app).await;
        }
        let query = "query($after: String) { articles(first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }";
        let mut after = serde_json::Value::Null;
        let mut ids = Vec::new();
        loop {
            let response = app.graphql(query, json!({"after": after})).await;
            let connection = &response["data"]["articles"];
            assert_eq!(connection["totalCount"], 11);
            for edge in connection["edges"].as_array().unwrap() {
                ids.push(edge["node"]["id"].as_str().unwrap().to_owned());
            }
            if connection["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = connection["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(ids.len(), 11);
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 11);
    }
}
