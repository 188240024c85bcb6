//! The live wire's state: one follower of the change feed per node, fanning each new event out
//! to every open subscription and stream on this node. `service::live` runs it.
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
use dateline_domain::{ArticleId, Comment, Slug, Timestamp};
use tokio::sync::{Mutex, Notify, broadcast, watch};

use crate::record::ArticleRecord;

/// How often the wire reads the feed when its own node announced nothing: the bound on how
/// late another node's change or a scheduled publication reaches this node's subscribers.
pub const POLL: Duration = Duration::from_millis(500);
/// How many events a subscriber may fall behind before it is dropped (a stream resumes from
/// its last event id; a subscription is completed and its client subscribes again).
const BACKLOG: usize = 256;

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

/// The node's wire. Held once in [`crate::App`].
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

    pub(crate) fn is_closing(&self) -> bool {
        *self.closing.borrow()
    }

    /// Where the wire has read the feed to, held while the follower task reads it.
    pub(crate) fn read_to(&self) -> &Mutex<Option<Option<ChangeCursor>>> {
        &self.read_to
    }

    pub(crate) fn wake(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.sender.subscribe()
    }

    /// Sends one event to every follower (none left is fine).
    pub(crate) fn tell(&self, event: LiveEvent) {
        let _ = self.sender.send(Arc::new(event));
    }
}
