//! Following live news: the events of the change feed as they happen, filtered to what one
//! subscription or stream asked for, optionally resumed after an event already seen.
//!
//! Every transport (GraphQL subscriptions, the server-sent event stream) calls [`follow_live`]:
//! it follows the node's wire first and then replays the feed from the resume point to its end,
//! so no event falls between the two, and none is told twice.

use std::collections::VecDeque;
use std::sync::Arc;

use dateline_domain::syndication::ChangeCursor;
use dateline_domain::{ArticleId, Slug, ValidationError};
use futures_util::stream::{self, BoxStream};
use tokio::sync::broadcast::error::RecvError;

use crate::app::App;
use crate::desks::live::{self, LiveEvent, LiveNews};
use crate::error::AppError;
use crate::service::parse_slug;
use crate::service::sections::find_section;

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
    let resume = resume_after.map(ChangeCursor::decode).transpose()?;
    let section = match filter.section.as_deref() {
        Some(slug) => {
            let slug = parse_slug("section", slug)?;
            find_section(app, slug.as_str()).await?;
            Some(slug)
        }
        None => None,
    };
    let (start, receiver) = live::follow(app).await?;
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
                match live::read_page(&self.app, Some(from)).await {
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
