//! SeaORM entities: the tables as rows. They never leave this crate; repositories turn them into
//! domain values.

pub(crate) mod article;
pub(crate) mod article_author;
pub(crate) mod article_revision;
pub(crate) mod article_section;
pub(crate) mod article_section_history;
pub(crate) mod article_tag;
pub(crate) mod article_view_hourly;
pub(crate) mod article_view_total;
pub(crate) mod audit_event;
pub(crate) mod author;
pub(crate) mod comment;
pub(crate) mod comment_reaction;
pub(crate) mod comment_report;
pub(crate) mod content_change;
pub(crate) mod media;
pub(crate) mod partner;
pub(crate) mod partner_delivery;
pub(crate) mod refresh_token;
pub(crate) mod section;
pub(crate) mod tag;
pub(crate) mod user;
pub(crate) mod webhook;
pub(crate) mod webhook_delivery;
