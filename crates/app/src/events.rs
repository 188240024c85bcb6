//! Content changes, announced once a write has committed. Whatever must follow a change —
//! cache invalidation, webhooks, the change feed, subscriptions — subscribes here instead of
//! being called from each write.

use dateline_domain::{ArticleId, AuthorId, CommentId, CommentState, SectionId, TagId, Timestamp};
use tokio::sync::broadcast;

/// What kind of change was made to a story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Created,
    Updated,
    Submitted,
    Published,
    Scheduled,
    Unpublished,
    Archived,
    Deleted,
    /// A section was created or renamed; `article` is `None`.
    SectionChanged,
    /// A reader comment was posted and is visible on `article` (webhook `comment.created`);
    /// the comment itself is told on [`ContentEvents::subscribe_comments`].
    CommentCreated,
    /// A reader comment was posted or edited and is held for review (webhook `comment.held`);
    /// nothing public changed.
    CommentHeld,
    /// A comment was edited, deleted, reported away or moderated: `article`'s comments and
    /// comment count may read differently.
    CommentChanged,
}

/// A committed change, naming everything whose presentation it may alter: the story (if a story
/// changed), and the sections (with ancestors), tags and bylines it was linked to before **or**
/// after.
#[derive(Debug, Clone, PartialEq)]
pub struct ContentChange {
    pub kind: ChangeKind,
    pub article: Option<ArticleId>,
    pub sections: Vec<SectionId>,
    pub tags: Vec<TagId>,
    pub authors: Vec<AuthorId>,
    /// When the story is (or was to be) public; for a scheduled story, when a cache of public
    /// lists must next be refreshed without any further event.
    pub published_at: Option<Timestamp>,
    pub at: Timestamp,
    /// Every public list holds the same stories in the same order as before (an edit of a public
    /// story's text, not of its time, links or lead image): answers listing other stories stand.
    pub lists_unchanged: bool,
}

/// How many changes a slow subscriber may fall behind before it misses some.
const BACKLOG: usize = 1_024;

/// What happened to a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentChangeKind {
    Created,
    Held,
    Edited,
    Deleted,
    Reported,
    Moderated,
}

/// A committed change to one reader comment, for moderation tools (webhooks `comment.created`,
/// `comment.held`) and the change feed. Carries no reader data.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentChange {
    pub kind: CommentChangeKind,
    pub comment: CommentId,
    pub article: ArticleId,
    /// The comment's state after the change.
    pub state: CommentState,
    pub at: Timestamp,
}

/// The in-process bus changes are announced on.
#[derive(Debug)]
pub struct ContentEvents {
    sender: broadcast::Sender<ContentChange>,
    comments: broadcast::Sender<CommentChange>,
}

impl Default for ContentEvents {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(BACKLOG).0,
            comments: broadcast::channel(BACKLOG).0,
        }
    }
}

impl ContentEvents {
    /// Announces a committed change to every subscriber (none is fine).
    pub fn announce(&self, change: ContentChange) {
        tracing::debug!(
            article.id = ?change.article,
            change.kind = ?change.kind,
            change.sections = change.sections.len(),
            "content changed"
        );
        // An error only means nobody is listening.
        let _ = self.sender.send(change);
    }

    /// Changes from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ContentChange> {
        self.sender.subscribe()
    }

    /// Announces a committed comment change (none listening is fine).
    pub fn announce_comment(&self, change: CommentChange) {
        tracing::debug!(comment.id = %change.comment, change.kind = ?change.kind, "comment changed");
        let _ = self.comments.send(change);
    }

    /// Comment changes from now on.
    pub fn subscribe_comments(&self) -> broadcast::Receiver<CommentChange> {
        self.comments.subscribe()
    }
}
