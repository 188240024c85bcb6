//! The editorial workflow: which role may move a story from which status to which.
//!
//! ```text
//! DRAFT ──submit──▶ SUBMITTED ──approve──▶ PUBLISHED, or SCHEDULED (publishAt in the future)
//!   └────────────approve (editors)──────────▲          │ unpublish
//!                     UNPUBLISHED ◀──────────────────────┘
//!                          ├── approve ──▶ PUBLISHED / SCHEDULED again
//!                          └── archive ──▶ ARCHIVED
//! ```
//!
//! Every rule takes the story's *effective* status ([`crate::Article::status_at`]): a scheduled
//! story whose time has come is published, and is treated as such. Role is checked before state,
//! so a reporter asking to approve hears "not your role" (403) whatever the story's status, while
//! an editor asking for an impossible move hears the current status (409).

use std::fmt;

use crate::ids::UserId;
use crate::role::Role;
use crate::status::Status;
use crate::time::Timestamp;

/// Something done to a story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Edit,
    Submit,
    Approve,
    Unpublish,
    Archive,
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Edit => "edit",
            Action::Submit => "submit",
            Action::Approve => "approve",
            Action::Unpublish => "unpublish",
            Action::Archive => "archive",
            Action::Delete => "delete",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a workflow step was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The role may not do this at all, or not to this story (403).
    #[error("a {role} may not {action} this story")]
    Forbidden { role: Role, action: Action },
    /// The story's status does not allow it (409).
    #[error("cannot {action} a story that is {current}")]
    Illegal { current: Status, action: Action },
    /// An approval asked for a time already past without saying it means to backdate (422):
    /// more often a wrong date or time zone than a wish to publish under an old time.
    #[error(
        "publishAt {at} is in the past: send a future time to schedule, none to publish now, \
         or say backdate to publish under that time"
    )]
    PastPublishTime { at: Timestamp },
}

/// When an approved story appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishAt {
    Now,
    /// At this time: a future one schedules; one already past is refused.
    At(Timestamp),
    /// Under this time even if it is past (a story that ran in print yesterday).
    Backdated(Timestamp),
}

impl PublishAt {
    /// What a request's `publishAt` and `backdate` ask for.
    pub fn requested(at: Option<Timestamp>, backdate: bool) -> Self {
        match at {
            None => Self::Now,
            Some(at) if backdate => Self::Backdated(at),
            Some(at) => Self::At(at),
        }
    }
}

/// How far in the past a `publishAt` may be and still mean "now": the editor's clock and ours
/// disagree by a little, and an approval sent as the minute turns should not be refused.
const CLOCK_SKEW_SECONDS: i64 = 60;

/// Who acts on a story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user: UserId,
    pub role: Role,
}

impl Actor {
    /// Whether the actor wrote the story (`owner` is the account that created it).
    pub fn owns(&self, owner: Option<UserId>) -> bool {
        owner == Some(self.user)
    }

    /// Whether the actor may see the story at all: editors see every story, reporters their own.
    pub fn can_see(&self, owner: Option<UserId>) -> bool {
        self.role.is_editor() || self.owns(owner)
    }
}

/// What an approval decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approval {
    /// PUBLISHED, or SCHEDULED when the publication time is still ahead.
    pub status: Status,
    pub published_at: Timestamp,
    pub approved_at: Timestamp,
}

fn forbidden(role: Role, action: Action) -> TransitionError {
    TransitionError::Forbidden { role, action }
}

fn illegal(current: Status, action: Action) -> TransitionError {
    TransitionError::Illegal { current, action }
}

impl Status {
    /// DRAFT → SUBMITTED, by the story's reporter or an editor.
    pub fn submit(self, role: Role, owns: bool) -> Result<Status, TransitionError> {
        if !(owns || role.is_editor()) {
            return Err(forbidden(role, Action::Submit));
        }
        match self {
            Status::Draft => Ok(Status::Submitted),
            current => Err(illegal(current, Action::Submit)),
        }
    }

    /// An editor's approval (기사승인): publishes now, schedules for a future time, or backdates
    /// when asked to. A scheduled story may be approved again to move its time; an unpublished
    /// one to bring it back.
    pub fn approve(
        self,
        role: Role,
        publish_at: PublishAt,
        now: Timestamp,
    ) -> Result<Approval, TransitionError> {
        if !role.is_editor() {
            return Err(forbidden(role, Action::Approve));
        }
        match self {
            Status::Draft | Status::Submitted | Status::Scheduled | Status::Unpublished => {
                let published_at = match publish_at {
                    PublishAt::Now => now,
                    PublishAt::At(at) if at > now => at,
                    PublishAt::At(at)
                        if (now.as_datetime() - at.as_datetime()).num_seconds()
                            <= CLOCK_SKEW_SECONDS =>
                    {
                        now
                    }
                    PublishAt::At(at) => return Err(TransitionError::PastPublishTime { at }),
                    PublishAt::Backdated(at) => at,
                };
                let status = if published_at > now {
                    Status::Scheduled
                } else {
                    Status::Published
                };
                Ok(Approval {
                    status,
                    published_at,
                    approved_at: now,
                })
            }
            current => Err(illegal(current, Action::Approve)),
        }
    }

    /// PUBLISHED or SCHEDULED → UNPUBLISHED, by an editor.
    pub fn unpublish(self, role: Role) -> Result<Status, TransitionError> {
        if !role.is_editor() {
            return Err(forbidden(role, Action::Unpublish));
        }
        match self {
            Status::Published | Status::Scheduled => Ok(Status::Unpublished),
            current => Err(illegal(current, Action::Unpublish)),
        }
    }

    /// UNPUBLISHED → ARCHIVED, by an editor.
    pub fn archive(self, role: Role) -> Result<Status, TransitionError> {
        if !role.is_editor() {
            return Err(forbidden(role, Action::Archive));
        }
        match self {
            Status::Unpublished => Ok(Status::Archived),
            current => Err(illegal(current, Action::Archive)),
        }
    }

    /// Whether a story may be edited: reporters edit their own drafts only; editors any story
    /// that is not archived (a published story's edit moves its updatedAt).
    pub fn check_edit(self, role: Role, owns: bool) -> Result<(), TransitionError> {
        if role.is_editor() {
            return match self {
                Status::Archived => Err(illegal(self, Action::Edit)),
                _ => Ok(()),
            };
        }
        if owns && self == Status::Draft {
            Ok(())
        } else {
            Err(forbidden(role, Action::Edit))
        }
    }

    /// Whether a story may be deleted: reporters their own drafts; editors anything not public
    /// or scheduled (unpublish it first, so the public hears it went).
    pub fn check_delete(self, role: Role, owns: bool) -> Result<(), TransitionError> {
        if role.is_editor() {
            return match self {
                Status::Published | Status::Scheduled => Err(illegal(self, Action::Delete)),
                _ => Ok(()),
            };
        }
        if owns && self == Status::Draft {
            Ok(())
        } else {
            Err(forbidden(role, Action::Delete))
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn now() -> Timestamp {
        Timestamp::parse_rfc3339("2026-11-30T12:00:00+09:00").unwrap()
    }

    #[test]
    fn a_reporter_submits_their_own_draft_and_nothing_else() {
        assert_eq!(
            Status::Draft.submit(Role::Reporter, true),
            Ok(Status::Submitted)
        );
        assert!(matches!(
            Status::Draft.submit(Role::Reporter, false),
            Err(TransitionError::Forbidden { .. })
        ));
        assert_eq!(
            Status::Submitted.submit(Role::Reporter, true),
            Err(TransitionError::Illegal {
                current: Status::Submitted,
                action: Action::Submit
            })
        );
    }

    #[test]
    fn only_editors_approve_and_a_future_time_schedules() {
        assert!(matches!(
            Status::Submitted.approve(Role::Reporter, PublishAt::Now, now()),
            Err(TransitionError::Forbidden { .. })
        ));
        let now_approval = Status::Submitted
            .approve(Role::Editor, PublishAt::Now, now())
            .unwrap();
        assert_eq!(now_approval.status, Status::Published);
        assert_eq!(now_approval.published_at, now());
        assert_eq!(now_approval.approved_at, now());

        let later = now().plus(Duration::hours(2));
        let scheduled = Status::Draft
            .approve(Role::Admin, PublishAt::At(later), now())
            .unwrap();
        assert_eq!(scheduled.status, Status::Scheduled);
        assert_eq!(scheduled.published_at, later);

        let earlier = now().minus(Duration::hours(2));
        let backdated = Status::Submitted
            .approve(Role::Editor, PublishAt::Backdated(earlier), now())
            .unwrap();
        assert_eq!(backdated.status, Status::Published);
        assert_eq!(backdated.published_at, earlier);
    }

    #[test]
    fn a_past_time_is_refused_unless_the_editor_means_to_backdate() {
        let earlier = now().minus(Duration::hours(2));
        assert_eq!(
            Status::Submitted.approve(Role::Editor, PublishAt::At(earlier), now()),
            Err(TransitionError::PastPublishTime { at: earlier })
        );
        // A clock a few seconds behind ours still means now.
        let skewed = Status::Submitted
            .approve(
                Role::Editor,
                PublishAt::At(now().minus(Duration::seconds(20))),
                now(),
            )
            .unwrap();
        assert_eq!(skewed.published_at, now());
        assert_eq!(skewed.status, Status::Published);
    }

    #[test]
    fn published_and_archived_stories_cannot_be_approved_again() {
        for current in [Status::Published, Status::Archived] {
            assert_eq!(
                current.approve(Role::Editor, PublishAt::Now, now()),
                Err(TransitionError::Illegal {
                    current,
                    action: Action::Approve
                })
            );
        }
        assert!(
            Status::Scheduled
                .approve(Role::Editor, PublishAt::Now, now())
                .is_ok()
        );
        assert!(
            Status::Unpublished
                .approve(Role::Editor, PublishAt::Now, now())
                .is_ok()
        );
    }

    #[test]
    fn unpublishing_and_archiving_follow_the_chain() {
        assert_eq!(
            Status::Published.unpublish(Role::Editor),
            Ok(Status::Unpublished)
        );
        assert_eq!(
            Status::Scheduled.unpublish(Role::Editor),
            Ok(Status::Unpublished)
        );
        assert!(matches!(
            Status::Draft.unpublish(Role::Editor),
            Err(TransitionError::Illegal { .. })
        ));
        assert!(matches!(
            Status::Published.unpublish(Role::Reporter),
            Err(TransitionError::Forbidden { .. })
        ));
        assert_eq!(
            Status::Unpublished.archive(Role::Editor),
            Ok(Status::Archived)
        );
        assert!(matches!(
            Status::Published.archive(Role::Editor),
            Err(TransitionError::Illegal { .. })
        ));
    }

    #[test]
    fn reporters_edit_their_own_drafts_until_submitted() {
        assert!(Status::Draft.check_edit(Role::Reporter, true).is_ok());
        assert!(Status::Draft.check_edit(Role::Reporter, false).is_err());
        assert!(Status::Submitted.check_edit(Role::Reporter, true).is_err());
        assert!(Status::Published.check_edit(Role::Editor, false).is_ok());
        assert!(matches!(
            Status::Archived.check_edit(Role::Editor, false),
            Err(TransitionError::Illegal { .. })
        ));
    }

    #[test]
    fn public_stories_are_unpublished_before_they_are_deleted() {
        assert!(Status::Draft.check_delete(Role::Reporter, true).is_ok());
        assert!(
            Status::Submitted
                .check_delete(Role::Reporter, true)
                .is_err()
        );
        assert!(
            Status::Unpublished
                .check_delete(Role::Editor, false)
                .is_ok()
        );
        assert!(matches!(
            Status::Published.check_delete(Role::Editor, false),
            Err(TransitionError::Illegal { .. })
        ));
    }

    #[test]
    fn editors_see_every_story_and_reporters_their_own() {
        let me = UserId::generate();
        let reporter = Actor {
            user: me,
            role: Role::Reporter,
        };
        assert!(reporter.can_see(Some(me)));
        assert!(!reporter.can_see(Some(UserId::generate())));
        assert!(!reporter.can_see(None));
        let editor = Actor {
            user: me,
            role: Role::Editor,
        };
        assert!(editor.can_see(None));
    }
}
