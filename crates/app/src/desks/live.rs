//! The live wire: one follower of the change feed per node, fanning each new event out to every
//! open subscription and stream on this node.
//!
//! The change feed is the one ordered record of what became public, written in the story's own
//! transaction on whichever node made the change, so following it is what makes every node tell
//! the same events in the same order — a scheduled story included, at its time and not before
//! (the feed positions it only then). The wire reads the feed after its own node's changes at
//! once and every [`POLL`] otherwise (the other nodes' changes, scheduled times), resolves each
//! event's public presentation once for all subscribers, and stops reading when the last
//! subscriber leaves, so an idle node costs the database nothing.

use std::sync::Arc;
use std::time::Duration;

use dateline_domain::syndication::ChangeCursor;
use dateline_domain::{
    ArticleId, ChangeEventKind, Comment, CommentState, Slug, Timestamp, section,
};
use tokio::sync::{Mutex, Notify, broadcast, watch};

use crate::app::App;
use crate::error::AppError;
use crate::record::ArticleRecord;
use crate::service::audience::Audience;
use crate::service::changes::changes_after;

/// How often the wire reads the feed when its own node announced nothing: the bound on how
/// late another node's change or a scheduled publication reaches this node's subscribers.
pub const POLL: Duration = Duration::from_millis(500);
/// How many events a subscriber may fall behind before it is dropped (a stream resumes from
/// its last event id; a subscription is completed and its client subscribes again).
const BACKLOG: usize = 256;
/// Events read from the feed at a time.
const BATCH: i64 = 100;

/// What a live event tells, with only public things in it.
#[derive(Debug, Clone)]
pub enum LiveNews {
    /// A story became public (a scheduled one at its time).
    Published(ArticleRecord),
    /// A public story was edited or corrected.
    Updated(ArticleRecord),
    /// A story stopped being public (unpublished, archived, moved into the future, deleted).
    Removed(ArticleId),
    /// A visible comment was posted on a public story.
    CommentAdded(Comment),
}

/// One event, in feed order.
#[derive(Debug, Clone)]
pub struct LiveEvent {
    /// Its place in the change feed: a stream's event id, from which it resumes.
    pub cursor: ChangeCursor,
    pub news: LiveNews,
    /// The story's section and the sections above it, for section filters.
    pub sections: Vec<Slug>,
    /// When the wire read it: what a flag's expiry is judged against.
    pub at: Timestamp,
}

impl LiveEvent {
    pub fn article_id(&self) -> ArticleId {
        match &self.news {
            LiveNews::Published(record) | LiveNews::Updated(record) => record.article.id,
            LiveNews::Removed(id) => *id,
            LiveNews::CommentAdded(comment) => comment.article_id,
        }
    }

    pub fn position(&self) -> i64 {
        match self.cursor {
            ChangeCursor::After(position) => position,
            ChangeCursor::Legacy { seq, .. } => seq,
        }
    }
}

/// The node's wire. Held once in [`App`].
pub struct LiveWire {
    sender: broadcast::Sender<Arc<LiveEvent>>,
    /// Where the wire has read the feed to; `None` while nobody follows it (the follower task
    /// is not running).
    read_to: Mutex<Option<Option<ChangeCursor>>>,
    /// Woken by this node's own changes, so they go out without waiting for the next poll.
    wake: Arc<Notify>,
    /// Flipped once when the node shuts down: every stream and subscription ends.
    closing: watch::Sender<bool>,
}

impl Default for LiveWire {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(BACKLOG).0,
            read_to: Mutex::new(None),
            wake: Arc::new(Notify::new()),
            closing: watch::channel(false).0,
        }
    }
}

impl LiveWire {
    /// Tells the wire this node changed something public: it reads the feed now.
    pub(crate) fn nudge(&self) {
        self.wake.notify_one();
    }

    /// Whether the node is shutting down, and a way to wait for it.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Ends every stream and subscription on this node (a node shutting down).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// How many streams and subscriptions follow the wire on this node.
    pub fn followers(&self) -> usize {
        self.sender.receiver_count()
    }
}

/// Follows the wire from now on: the first event received comes after `start`, the feed's end
/// when this was called (so a caller replaying the feed up to its end misses nothing).
pub(crate) async fn follow(
    app: &App,
) -> Result<(Option<ChangeCursor>, broadcast::Receiver<Arc<LiveEvent>>), AppError> {
    let wire = app.live();
    let mut read_to = wire.read_to.lock().await;
    let start = match *read_to {
        Some(at) => at,
        None => {
            let end = app.db().changes().end(app.now()).await?;
            *read_to = Some(end);
            tokio::spawn(run(app.clone()));
            end
        }
    };
    Ok((start, wire.sender.subscribe()))
}

/// The follower task: reads the feed after a nudge or a poll, until nobody follows.
async fn run(app: App) {
    let wake = Arc::clone(&app.live().wake);
    loop {
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
        let wire = app.live();
        let mut read_to = wire.read_to.lock().await;
        if wire.sender.receiver_count() == 0 || *wire.closing.borrow() {
            *read_to = None;
            return;
        }
        let Some(from) = *read_to else {
            return;
        };
        match read_feed(&app, from).await {
            Ok((events, end)) => {
                for event in events {
                    // An error only means the last follower left meanwhile.
                    let _ = wire.sender.send(Arc::new(event));
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
pub(crate) async fn read_page(
    app: &App,
    from: Option<ChangeCursor>,
) -> Result<(Vec<LiveEvent>, Option<ChangeCursor>, bool), AppError> {
    let all_sections = app.db().sections().all().await?;
    let now = app.now();
    let page = changes_after(app, &Audience::Public, from, Some(BATCH)).await?;
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
