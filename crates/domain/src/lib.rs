//! Dateline's newsroom model and the rules that govern it.
//!
//! Everything here is pure: no I/O, no async, no ORM or HTTP types. Values are parsed once at the
//! edge into types that cannot hold invalid data (a [`Slug`] is always a valid slug), and the rules
//! every surface must agree on — above all [`visibility`] — live here exactly once.

pub mod article;
pub mod audit;
pub mod author;
pub mod banned_words;
pub mod body;
pub mod body_html;
pub mod comment;
pub mod cursor;
pub mod destination;
pub mod error;
pub mod ids;
pub mod media;
pub mod page;
pub mod ranking;
pub mod rendition;
pub mod revision;
pub mod role;
pub mod search;
pub mod section;
pub mod slug;
pub mod status;
pub mod story_fields;
pub mod syndication;
pub mod tag;
pub mod text;
pub mod throttle;
pub mod time;
pub mod user;
pub mod visibility;
pub mod workflow;

pub use article::{Article, ArticleFilter, ArticleKey, Correction, EditorialTrail};
pub use audit::AuditEvent;
pub use author::Author;
pub use banned_words::BannedWords;
pub use body::{Block, Body};
pub use comment::{Comment, CommentCursor, CommentSort, CommentState, Commenter, ModerationMode};
pub use cursor::ArticleCursor;
pub use error::ValidationError;
pub use ids::CommentId;
pub use ids::{ArticleId, AuditEventId, AuthorId, MediaId, RevisionId, SectionId, TagId, UserId};
pub use ids::{PartnerId, WebhookId};
pub use media::{FocalPoint, Media};
pub use page::{Page, PageSize};
pub use ranking::{RankedArticle, RankingSize, ViewClaim, ViewTally, Window};
pub use rendition::{Crop, ImageFormat, RenditionFile, RenditionPreset, RenditionSize};
pub use revision::{Revision, RevisionDiff, StoryContent};
pub use role::Role;
pub use section::{Section, SectionNode};
pub use slug::Slug;
pub use status::Status;
pub use story_fields::{CheckedFields, FieldEdit, StoryField};
pub use syndication::{ChangeCursor, ChangeEvent, ChangeEventKind, Partner, Rights, Webhook};
pub use tag::Tag;
pub use text::Text;
pub use time::{Clock, ManualClock, SystemClock, Timestamp};
pub use user::{Email, User};
pub use workflow::{Action, Actor, Approval, PublishAt, TransitionError};
