//! Following live news: the events of the change feed as they happen, filtered to what one
//! subscription or stream asked for, optionally resumed after an event already seen.
//!
//! Every transport (GraphQL subscriptions, the server-sent event stream) calls [`follow_live`]:
//! it follows the node's wire first and then replays the feed from the resume point to its end,
//! so no event falls between the two, and none is told twice.

use std::collections::VecDeque;
use std::sync::Arc;

use dateline_domain::syndication::ChangeCursor;
use dateline_domain::{
    ArticleId, ChangeEventKind, Comment, CommentState, Slug, ValidationError, section,
};
use futures_util::stream::{self, BoxStream};
use tokio::sync::broadcast::error::RecvError;

use crate::app::App;
use crate::desks::live::{LiveEvent, LiveNews, POLL};
use crate::error::AppError;
use crate::service::audience::Audience;
use crate::service::changes::changes_after;
use crate::service::parse_slug;
use crate::service::sections::find_section;

/// Events read from the feed at a time.
const BATCH: i64 = 100;

/// The kinds of live news a follower can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveKind {
    Published,
    Updated,
    Removed,
    Comment,
}

impl LiveKind {
    pub const ALL: [LiveKind; 4] = [
        LiveKind::Published,
        LiveKind::Updated,
        LiveKind::Removed,
        LiveKind::Comment,
    ];

    /// The kind's name in the stream's `event:` field and its `types` filter.
    pub const fn as_str(self) -> &'static str {
        match self {
            LiveKind::Published => "published",
            LiveKind::Updated => "updated",
            LiveKind::Removed => "removed",
            LiveKind::Comment => "comment",
        }
    }

    /// A comma-separated list of kinds (`published,removed`), as a client names them in
    /// `field`; empty or absent means every kind.
    pub fn parse_list(field: &str, input: Option<&str>) -> Result<Vec<LiveKind>, AppError> {
        let Some(input) = input.filter(|input| !input.trim().is_empty()) else {
            return Ok(Self::ALL.to_vec());
        };
        let mut kinds = Vec::new();
        for name in input.split(',').map(str::trim) {
            let kind = Self::ALL
                .into_iter()
                .find(|kind| kind.as_str() == name)
                .ok_or_else(|| {
                    AppError::InvalidParameter(ValidationError::new(
                        field,
                        "must list kinds among published, updated, removed and comment",
                    ))
                })?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        Ok(kinds)
    }

    pub fn of(news: &LiveNews) -> Self {
        match news {
            LiveNews::Published(_) => LiveKind::Published,
            LiveNews::Updated(_) => LiveKind::Updated,
            LiveNews::Removed(_) => LiveKind::Removed,
            LiveNews::CommentAdded(_) => LiveKind::Comment,
        }
    }
}

/// What a follower asked for.
#[derive(Debug, Clone)]
pub struct LiveFilter {
    pub kinds: Vec<LiveKind>,
    /// Stories filed in this section or below it. A removal passes any section filter: it
    /// names only the story's id, which a front end needs to take down what it shows.
    pub section: Option<String>,
    /// One story's news only.
    pub article: Option<ArticleId>,
}

impl LiveFilter {
    fn admits(&self, event: &LiveEvent, section: Option<&Slug>) -> bool {
        let kind = LiveKind::of(&event.news);
        self.kinds.contains(&kind)
            && self.article.is_none_or(|id| id == event.article_id())
            && (kind == LiveKind::Removed
                || kind == LiveKind::Comment
                || section.is_none_or(|slug| event.sections.contains(slug)))
    }
}

/// A follower's events, in feed order; it ends when the follower fell too far behind (resume
/// from the last event's cursor) or the node is shutting down.
pub type LiveStream = BoxStream<'static, Arc<LiveEvent>>;

/// Follows live news from now on, or — with `resume_after`, a cursor an earlier event carried —
/// from just after that event. Checks the filter's section before anything is followed.
pub async fn follow_live(
    app: &App,
    resume_after: Option<&str>,
    filter: LiveFilter,
) -> Result<LiveStream, AppError> {
    let resume = resume_after
        .map(|id| ChangeCursor::decode("lastEventId", id))
        .transpose()?;
    let section = match filter.section.as_deref() {
        Some(slug) => {
            let slug = parse_slug("section", slug)?;
            find_section(app, slug.as_str()).await?;
            Some(slug)
        }
        None => None,
    };
    let (start, receiver) = follow(app).await?;
    let state = Follower {
        app: app.clone(),
        filter,
        section,
        backlog: VecDeque::new(),
        replay: resume.filter(|resume| Some(*resume) != start),
        replayed_to: match resume {
            Some(ChangeCursor::After(position)) => position,
            _ => 0,
        },
        receiver,
        closing: app.live().closing(),
    };
    Ok(Box::pin(stream::unfold(state, Follower::next)))
}

struct Follower {
    app: App,
    filter: LiveFilter,
    section: Option<Slug>,
    backlog: VecDeque<Arc<LiveEvent>>,
    /// Where the replay continues from, while one is under way.
    replay: Option<ChangeCursor>,
    /// The last position the replay told: live events up to it were told already.
    replayed_to: i64,
    receiver: tokio::sync::broadcast::Receiver<Arc<LiveEvent>>,
    closing: tokio::sync::watch::Receiver<bool>,
}

impl Follower {
    async fn next(mut self) -> Option<(Arc<LiveEvent>, Self)> {
        loop {
            if *self.closing.borrow() {
                return None;
            }
            if let Some(event) = self.backlog.pop_front() {
                return Some((event, self));
            }
            if let Some(from) = self.replay {
                match read_page(&self.app, Some(from)).await {
                    Ok((events, next, more)) => {
                        for event in events {
                            self.replayed_to = event.position();
                            if self.filter.admits(&event, self.section.as_ref()) {
                                self.backlog.push_back(Arc::new(event));
                            }
                        }
                        self.replay = if more { next } else { None };
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "replaying the change feed for a follower failed");
                        return None;
                    }
                }
                continue;
            }
            tokio::select! {
                _ = self.closing.changed() => return None,
                received = self.receiver.recv() => match received {
                    Ok(event) => {
                        if event.position() > self.replayed_to
                            && self.filter.admits(&event, self.section.as_ref())
                        {
                            return Some((event, self));
                        }
                    }
                    // Fallen behind, or the wire is gone: the follower resumes from its last event.
                    Err(RecvError::Lagged(_) | RecvError::Closed) => return None,
                },
            }
        }
    }
}

/// Follows the wire from now on: the first event received comes after `start`, the feed's end
/// when this was called (so a caller replaying the feed up to its end misses nothing).
async fn follow(
    app: &App,
) -> Result<
    (
        Option<ChangeCursor>,
        tokio::sync::broadcast::Receiver<Arc<LiveEvent>>,
    ),
    AppError,
> {
    let wire = app.live();
    let mut read_to = wire.read_to().lock().await;
    let start = match *read_to {
        Some(at) => at,
        None => {
            let end = app.db().changes().end(app.now()).await?;
            *read_to = Some(end);
            tokio::spawn(run(app.clone()));
            end
        }
    };
    Ok((start, wire.subscribe()))
}

/// The follower task: reads the feed after a nudge or a poll, until nobody follows.
async fn run(app: App) {
    let wake = app.live().wake();
    loop {
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
        let wire = app.live();
        let mut read_to = wire.read_to().lock().await;
        if wire.followers() == 0 || wire.is_closing() {
            *read_to = None;
            return;
        }
        let Some(from) = *read_to else {
            return;
        };
        match read_feed(&app, from).await {
            Ok((events, end)) => {
                for event in events {
                    wire.tell(event);
                }
                *read_to = Some(end);
            }
            Err(err) => {
                tracing::warn!(error = %err, "the live wire could not read the change feed")
            }
        }
    }
}

/// One page of public events after `from`: the events, where the page ends, and whether more
/// follow at once.
async fn read_page(
    app: &App,
    from: Option<ChangeCursor>,
) -> Result<(Vec<LiveEvent>, Option<ChangeCursor>, bool), AppError> {
    let now = app.now();
    let page = changes_after(app, &Audience::Public, from, Some(BATCH)).await?;
    // Most polls find nothing new: the desk tree is read only for a page that has events.
    if page.events.is_empty() {
        return Ok((Vec::new(), page.next, page.more));
    }
    let all_sections = app.db().sections().all().await?;
    let mut events = Vec::with_capacity(page.events.len());
    for (event, record) in page.events {
        let filed = record.as_ref().map(|record| record.article.section_id);
        let news = match (event.kind.as_str(), record) {
            (ChangeEventKind::PUBLISHED, Some(record)) => Some(LiveNews::Published(record)),
            (ChangeEventKind::UPDATED, Some(record)) => Some(LiveNews::Updated(record)),
            // A story no longer public is told only by the takedown the feed holds after
            // this event: a follower replaying the feed hears it once, not once per event.
            (ChangeEventKind::PUBLISHED | ChangeEventKind::UPDATED, None) => None,
            (ChangeEventKind::UNPUBLISHED | ChangeEventKind::DELETED, _) => {
                Some(LiveNews::Removed(event.article))
            }
            // A comment is told only while its story is public and it is visible.
            (ChangeEventKind::COMMENT_CREATED, Some(_)) => match event.comment {
                Some(id) => visible_comment(app, id).await?.map(LiveNews::CommentAdded),
                None => None,
            },
            _ => None,
        };
        let Some(news) = news else { continue };
        let sections = filed
            .map(|id| section::lineage(id, &all_sections))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|id| all_sections.iter().find(|s| s.id == id))
            .map(|s| s.slug.clone())
            .collect();
        events.push(LiveEvent {
            cursor: ChangeCursor::After(event.position),
            news,
            sections,
            at: now,
        });
    }
    Ok((events, page.next, page.more))
}

/// The public events after `from`, up to the feed's end, and that end.
async fn read_feed(
    app: &App,
    mut from: Option<ChangeCursor>,
) -> Result<(Vec<LiveEvent>, Option<ChangeCursor>), AppError> {
    let mut events = Vec::new();
    loop {
        let (page, next, more) = read_page(app, from).await?;
        events.extend(page);
        from = next;
        if !more {
            return Ok((events, from));
        }
    }
}

/// The comment if readers can see it now.
async fn visible_comment(
    app: &App,
    id: dateline_domain::CommentId,
) -> Result<Option<Comment>, AppError> {
    let found = app.db().comments().find(id).await?;
    Ok(found
        .map(|(comment, _)| comment)
        .filter(|comment| comment.state == CommentState::Visible))
}
