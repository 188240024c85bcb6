//! `Article`: a public story and everything its page shows.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, FixedOffset};
use dateline_app::AppError;
use dateline_app::service::media::body_html;
use dateline_app::service::related;
use dateline_domain::Article;

use crate::graphql::answer_keys::note;
use crate::graphql::loaders::{BylineOf, TagsOf};
use crate::graphql::preload::preloaded;
use crate::graphql::types::author::AuthorObject;
use crate::graphql::types::body::BodyBlock;
use crate::graphql::types::comment::{CommentConnection, CommentCountOf, CommentSortInput};
use crate::graphql::types::media::MediaObject;
use crate::graphql::types::popular::ViewCountOf;
use crate::graphql::types::section::SectionObject;
use crate::graphql::types::tag::TagObject;
use crate::graphql::types::{app, audience, load_failed, loader};
use crate::problem::GraphqlResult as _;

pub(crate) struct ArticleObject(pub(crate) Article);

impl ArticleObject {
    /// Whether the audience asking may have the story's body.
    fn full_text(&self, ctx: &Context<'_>) -> bool {
        audience(ctx).may_have_full_text(&self.0)
    }
}

/// A public note that the story was corrected.
#[derive(SimpleObject)]
pub(crate) struct Correction {
    note: String,
    corrected_at: DateTime<FixedOffset>,
}

/// A story.
#[Object(name = "Article")]
impl ArticleObject {
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn slug(&self) -> &str {
        self.0.slug.as_str()
    }

    async fn headline(&self) -> &str {
        &self.0.headline
    }

    /// The deck under the headline.
    async fn subheadline(&self) -> Option<&str> {
        self.0.subheadline.as_deref()
    }

    async fn summary(&self) -> &str {
        &self.0.summary
    }

    /// The body as ordered blocks.
    async fn body(&self, ctx: &Context<'_>) -> Vec<BodyBlock> {
        if !self.full_text(ctx) {
            return Vec::new();
        }
        self.0.body.blocks().iter().map(BodyBlock::from).collect()
    }

    /// The body rendered as HTML; every text escaped.
    async fn body_html(&self, ctx: &Context<'_>) -> String {
        if !self.full_text(ctx) {
            return String::new();
        }
        body_html(app(ctx).settings(), &self.0)
    }

    /// The body as plain text, paragraphs separated by blank lines.
    async fn body_text(&self, ctx: &Context<'_>) -> &str {
        if !self.full_text(ctx) {
            return "";
        }
        &self.0.body_text
    }

    /// Whether `body`, `bodyHtml` and `bodyText` carry the story. False only for a partner
    /// (`X-Api-Key`) whose rights cover summaries, or for a story not for syndication: the three
    /// are then empty, as REST leaves them out.
    async fn has_full_text(&self, ctx: &Context<'_>) -> bool {
        self.full_text(ctx)
    }

    /// The primary section.
    async fn section(&self, ctx: &Context<'_>) -> Result<Option<SectionObject>> {
        note(ctx, |keys| {
            keys.section(self.0.section_id);
        });
        if let Some(record) = preloaded(ctx, self.0.id) {
            return Ok(record.section.clone().map(SectionObject));
        }
        let section = loader(ctx)
            .load_one(self.0.section_id)
            .await
            .map_err(load_failed)?;
        Ok(section.map(SectionObject))
    }

    /// The byline, in order.
    async fn authors(&self, ctx: &Context<'_>) -> Result<Vec<AuthorObject>> {
        if let Some(record) = preloaded(ctx, self.0.id) {
            note(ctx, |keys| {
                for author in &record.authors {
                    keys.author(author.id);
                }
            });
            return Ok(record.authors.iter().cloned().map(AuthorObject).collect());
        }
        let authors = loader(ctx)
            .load_one(BylineOf(self.0.id))
            .await
            .map_err(load_failed)?;
        let authors = authors.unwrap_or_default();
        note(ctx, |keys| {
            for author in &authors {
                keys.author(author.id);
            }
        });
        Ok(authors.into_iter().map(AuthorObject).collect())
    }

    async fn tags(&self, ctx: &Context<'_>) -> Result<Vec<TagObject>> {
        if let Some(record) = preloaded(ctx, self.0.id) {
            note(ctx, |keys| {
                for tag in &record.tags {
                    keys.tag(tag.id);
                }
            });
            return Ok(record.tags.iter().cloned().map(TagObject).collect());
        }
        let tags = loader(ctx)
            .load_one(TagsOf(self.0.id))
            .await
            .map_err(load_failed)?;
        let tags = tags.unwrap_or_default();
        note(ctx, |keys| {
            for tag in &tags {
                keys.tag(tag.id);
            }
        });
        Ok(tags.into_iter().map(TagObject).collect())
    }

    async fn lead_image(&self, ctx: &Context<'_>) -> Result<Option<MediaObject>> {
        let Some(id) = self.0.lead_image_id else {
            return Ok(None);
        };
        if let Some(record) = preloaded(ctx, self.0.id) {
            return Ok(record.lead_image.clone().map(MediaObject));
        }
        let media = loader(ctx).load_one(id).await.map_err(load_failed)?;
        Ok(media.map(MediaObject))
    }

    /// The copyright line printed under the story.
    async fn copyright(&self) -> &str {
        &self.0.copyright
    }

    /// The label the body opens with, such as `[데이트라인뉴스]`.
    async fn source_label(&self) -> Option<&str> {
        self.0.source_label.as_deref()
    }

    /// Where readers find the story.
    async fn url(&self, ctx: &Context<'_>) -> String {
        dateline_app::presentation::story_url(
            app(ctx).settings(),
            self.0.slug.as_str(),
            self.0.canonical_url.as_deref(),
        )
    }

    async fn published_at(&self, ctx: &Context<'_>) -> Option<DateTime<FixedOffset>> {
        let settings = app(ctx).settings();
        self.0.published_at.map(|at| settings.local_time(at))
    }

    /// Flagged as breaking news (속보) until then; null when the desk set no flag.
    async fn breaking_until(&self, ctx: &Context<'_>) -> Option<DateTime<FixedOffset>> {
        let settings = app(ctx).settings();
        self.0.breaking_until.map(|at| settings.local_time(at))
    }

    /// The editor's approval (기사승인).
    async fn approved_at(&self, ctx: &Context<'_>) -> Option<DateTime<FixedOffset>> {
        let settings = app(ctx).settings();
        self.0.approved_at.map(|at| settings.local_time(at))
    }

    async fn updated_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        app(ctx).settings().local_time(self.0.updated_at)
    }

    async fn corrections(&self, ctx: &Context<'_>) -> Vec<Correction> {
        let settings = app(ctx).settings();
        self.0
            .corrections
            .iter()
            .map(|c| Correction {
                note: c.note.clone(),
                corrected_at: settings.local_time(c.corrected_at),
            })
            .collect()
    }

    /// Views of all time, as of the last flush (every few seconds).
    async fn view_count(&self, ctx: &Context<'_>) -> Result<u64> {
        // Counts move with every flush, announced by nothing.
        note(ctx, |keys| {
            keys.shows_view_counts();
        });
        if let Some(record) = preloaded(ctx, self.0.id) {
            return Ok(record.view_count);
        }
        let views = loader(ctx)
            .load_one(ViewCountOf(self.0.id))
            .await
            .map_err(load_failed)?;
        Ok(views.unwrap_or(0))
    }

    /// Public stories related to this one: sharing its tags first, then its section, then words
    /// of its headline. Worked out at most once a minute per story (meant for one story's page,
    /// not for every item of a list).
    async fn related(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many stories, 1–20", default = 5)] first: i32,
    ) -> Result<Vec<ArticleObject>> {
        let state = app(ctx);
        // Related stories are chosen among every public one, by what they say.
        note(ctx, |keys| {
            keys.story_list([]).any_story();
        });
        let limit = related::parse_limit(Some(i64::from(first)))
            .map_err(AppError::from)
            .or_graphql_error()?;
        let stories = related::related(state, &self.0, limit)
            .await
            .or_graphql_error()?;
        Ok(stories.into_iter().map(ArticleObject).collect())
    }

    /// The story as a schema.org NewsArticle (JSON-LD): headline, images in 16:9, 4:3 and 1:1,
    /// dates, authors, publisher and copyright holder. Meant for one story's page: each one
    /// loads its relations on its own.
    async fn json_ld(&self, ctx: &Context<'_>) -> Result<async_graphql::Json<serde_json::Value>> {
        let state = app(ctx);
        let record = dateline_app::service::articles::with_relations(state, vec![self.0.clone()])
            .await
            .or_graphql_error()?;
        Ok(async_graphql::Json(
            record
                .first()
                .map(|record| dateline_app::service::structured::json_ld(state.settings(), record))
                .unwrap_or_default(),
        ))
    }

    /// The story as an IPTC ninjs 2.4 document. Meant for one story: each one loads its
    /// relations on its own.
    async fn ninjs(&self, ctx: &Context<'_>) -> Result<async_graphql::Json<serde_json::Value>> {
        let state = app(ctx);
        let record = dateline_app::service::articles::with_relations(state, vec![self.0.clone()])
            .await
            .or_graphql_error()?;
        Ok(async_graphql::Json(
            record
                .first()
                .map(|record| {
                    dateline_app::service::structured::ninjs(
                        state.settings(),
                        record,
                        audience(ctx),
                    )
                })
                .unwrap_or_default(),
        ))
    }

    /// Comments readers can see (replies included).
    async fn comment_count(&self, ctx: &Context<'_>) -> Result<u64> {
        let id = self.0.id.to_string();
        note(ctx, |keys| {
            keys.comment_thread(&id);
        });
        let count = loader(ctx)
            .load_one(CommentCountOf(self.0.id, app(ctx).now()))
            .await
            .map_err(load_failed)?;
        Ok(count.unwrap_or(0))
    }

    /// The story's visible top-level comments, each with its reply count (replies: the
    /// `comments` of `Query.commentReplies`). NOT_FOUND unless the story is public.
    async fn comments(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "CommentSortInput::Newest")] sort: CommentSortInput,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i64,
        after: Option<String>,
        #[graphql(desc = "Editor's picks first", default = false)] picks_first: bool,
    ) -> Result<CommentConnection> {
        crate::graphql::query::comments::comment_page(
            ctx,
            &self.0.id.to_string(),
            sort,
            first,
            after,
            picks_first,
            None,
        )
        .await
    }
}
