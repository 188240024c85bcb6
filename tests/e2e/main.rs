//! End-to-end tests: Dateline spoken to over HTTP like a client, on SQLite and PostgreSQL.
#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot set itself up should fail loudly, right there"
)]

mod harness;

mod articles;
mod auth;
mod binary;
mod browser_pages;
mod cache;
mod cli;
mod comments;
mod conformance;
mod desks;
mod graphql;
mod hardening_access;
mod hardening_edge;
mod hardening_outputs;
mod hardening_readers;
mod hardening_text;
mod limits_nodes;
mod live;
mod media;
mod media_nodes;
mod ninjs;
mod openapi;
mod operations;
mod paging;
mod rankings;
mod rankings_nodes;
mod readme;
mod search;
mod syndication;
mod syndication_changes;
mod syndication_partners;
mod taxonomy;
mod visibility;
mod workflow;
