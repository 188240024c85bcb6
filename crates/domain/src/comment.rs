//! Reader comments (뉴스댓글): the text a comment may hold, who wrote it, the moderation state
//! machine, reports, reactions, replies, sorting, and when a story takes comments at all.
//!
//! Comment text is text: it is never interpreted as markup, and [`CommentText::html`] escapes it
//! for pages that insert HTML.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;

use crate::error::ValidationError;
use crate::ids::{ArticleId, CommentId, UserId};
use crate::text::is_invisible;
use crate::time::Timestamp;

/// A reader's chosen name: 1–20 characters of letters, digits, spaces and `_ - .`.
/// Staff comments carry their byline instead and do not go through this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nickname(String);

impl Nickname {
    pub const MAX_CHARS: usize = 20;

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let cleaned: String = input
            .chars()
            .filter(|c| !c.is_control() && !is_invisible(*c))
            .collect();
        let name = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
        let count = name.chars().count();
        if count == 0 || count > Self::MAX_CHARS {
            return Err(ValidationError::new(
                "nickname",
                format!("must be 1 to {} characters", Self::MAX_CHARS),
            ));
        }
        if !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.'))
        {
            return Err(ValidationError::new(
                "nickname",
                "may hold letters, digits, spaces and _ - . only",
            ));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// The text of a comment: 1–1,000 characters after cleaning, at most two links. Control and
/// invisible characters are removed, line ends become `\n`, and more than one blank line in a
/// row is closed up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentText(String);

impl CommentText {
    pub const MAX_CHARS: usize = 1_000;
    pub const MAX_LINKS: usize = 2;

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let unified = input.replace("\r\n", "\n").replace('\r', "\n");
        let cleaned: String = unified
            .chars()
            .filter_map(|c| match c {
                '\n' => Some('\n'),
                '\t' => Some(' '),
                c if c.is_control() || is_invisible(c) => None,
                c => Some(c),
            })
            .collect();
        let mut text = String::with_capacity(cleaned.len());
        let mut blank_run = 0;
        for line in cleaned.trim().lines() {
            let line = line.trim_end();
            blank_run = if line.is_empty() { blank_run + 1 } else { 0 };
            if blank_run <= 1 {
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(line);
            }
        }
        let count = text.chars().count();
        if count == 0 {
            return Err(ValidationError::new("body", "must not be empty"));
        }
        if count > Self::MAX_CHARS {
            return Err(ValidationError::new(
                "body",
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        if count_links(&text) > Self::MAX_LINKS {
            return Err(ValidationError::new(
                "body",
                format!("may hold at most {} links", Self::MAX_LINKS),
            ));
        }
        Ok(Self(text))
    }

    /// Text already cleaned when it was stored.
    pub fn from_stored(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text as HTML: every character that could open markup escaped, lines broken with
    /// `<br>`.
    pub fn html(&self) -> String {
        self.0
            .split('\n')
            .map(|line| html_escape::encode_safe(line).into_owned())
            .collect::<Vec<_>>()
            .join("<br>")
    }
}

fn count_links(text: &str) -> usize {
    let lower = text.to_lowercase();
    lower.matches("http://").count()
        + lower.matches("https://").count()
        + lower.matches("www.").count()
}

/// Where a comment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommentState {
    /// Shown to readers.
    Visible,
    /// Waiting for an editor: a pre-moderated desk or a banned word.
    Held,
    /// Taken down by an editor or by reports, pending review.
    Hidden,
    /// Deleted by its writer or an editor; never shown.
    Deleted,
}

impl CommentState {
    pub const ALL: [CommentState; 4] = [
        CommentState::Visible,
        CommentState::Held,
        CommentState::Hidden,
        CommentState::Deleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommentState::Visible => "visible",
            CommentState::Held => "held",
            CommentState::Hidden => "hidden",
            CommentState::Deleted => "deleted",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == input)
            .ok_or_else(|| {
                ValidationError::new("state", "must be visible, held, hidden or deleted")
            })
    }
}

/// Why a comment waits for an editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldReason {
    /// The story's desk is pre-moderated.
    PreModeration,
    /// The text holds an entry of the banned-word list.
    BannedWord,
    /// Readers reported it often enough.
    Reports,
    /// An editor hid it.
    Editor,
}

impl HoldReason {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldReason::PreModeration => "pre_moderation",
            HoldReason::BannedWord => "banned_word",
            HoldReason::Reports => "reports",
            HoldReason::Editor => "editor",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        [
            HoldReason::PreModeration,
            HoldReason::BannedWord,
            HoldReason::Reports,
            HoldReason::Editor,
        ]
        .into_iter()
        .find(|reason| reason.as_str() == input)
        .ok_or_else(|| ValidationError::new("reason", "not a hold reason"))
    }
}

/// How a desk treats new comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModerationMode {
    /// Shown at once; editors act afterwards.
    #[default]
    Post,
    /// Held until an editor approves.
    Pre,
}

impl ModerationMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ModerationMode::Post => "post",
            ModerationMode::Pre => "pre",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        match input.trim() {
            "post" => Ok(ModerationMode::Post),
            "pre" => Ok(ModerationMode::Pre),
            _ => Err(ValidationError::new("moderation", "must be post or pre")),
        }
    }
}

/// Who wrote a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Commenter {
    /// A reader without an account, under a nickname; a password (kept hashed) edits or deletes.
    Reader { nickname: Nickname },
    /// A signed-in newsroom member, under their byline, marked as staff.
    Staff { user: UserId, name: String },
}

impl Commenter {
    pub fn name(&self) -> &str {
        match self {
            Commenter::Reader { nickname } => nickname.as_str(),
            Commenter::Staff { name, .. } => name,
        }
    }

    pub fn is_staff(&self) -> bool {
        matches!(self, Commenter::Staff { .. })
    }
}

/// A comment as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub id: CommentId,
    pub article_id: ArticleId,
    /// The comment this one replies to; replies have no replies of their own.
    pub parent_id: Option<CommentId>,
    pub author: Commenter,
    pub text: CommentText,
    pub state: CommentState,
    pub hold_reason: Option<HoldReason>,
    /// An editor's pick, listed first on request.
    pub picked: bool,
    pub agrees: u64,
    pub disagrees: u64,
    pub reports: u64,
    /// Visible replies.
    pub replies: u64,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
}

/// The state a new (or newly edited) comment starts in: held for a banned word or a
/// pre-moderated desk, otherwise visible. Staff comments skip the desk's pre-moderation but not
/// the banned-word list.
pub fn initial_state(
    mode: ModerationMode,
    staff: bool,
    banned_word: bool,
) -> (CommentState, Option<HoldReason>) {
    if banned_word {
        (CommentState::Held, Some(HoldReason::BannedWord))
    } else if mode == ModerationMode::Pre && !staff {
        (CommentState::Held, Some(HoldReason::PreModeration))
    } else {
        (CommentState::Visible, None)
    }
}

/// What an editor does to a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModerationAction {
    Approve,
    Hide,
    Delete,
    Restore,
    Pick,
    Unpick,
}

impl ModerationAction {
    pub const ALL: [ModerationAction; 6] = [
        ModerationAction::Approve,
        ModerationAction::Hide,
        ModerationAction::Delete,
        ModerationAction::Restore,
        ModerationAction::Pick,
        ModerationAction::Unpick,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ModerationAction::Approve => "approve",
            ModerationAction::Hide => "hide",
            ModerationAction::Delete => "delete",
            ModerationAction::Restore => "restore",
            ModerationAction::Pick => "pick",
            ModerationAction::Unpick => "unpick",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == input.trim())
            .ok_or_else(|| {
                ValidationError::new(
                    "action",
                    "must be approve, hide, delete, restore, pick or unpick",
                )
            })
    }

    /// Where the comment goes: its new state, hold reason and pick flag, or why it cannot.
    ///
    /// Approve releases a held or hidden comment; hide takes down a visible or held one; delete
    /// removes any comment not yet deleted; restore brings back a deleted or hidden one; only a
    /// visible comment is picked, and anything that leaves the page loses its pick.
    pub fn apply(
        self,
        state: CommentState,
        picked: bool,
    ) -> Result<(CommentState, Option<HoldReason>, bool), ModerationError> {
        use CommentState::{Deleted, Held, Hidden, Visible};
        let refused = Err(ModerationError {
            action: self,
            state,
        });
        match (self, state) {
            (ModerationAction::Approve, Held | Hidden)
            | (ModerationAction::Restore, Deleted | Hidden) => Ok((Visible, None, picked)),
            (ModerationAction::Hide, Visible | Held) => {
                Ok((Hidden, Some(HoldReason::Editor), false))
            }
            (ModerationAction::Delete, Visible | Held | Hidden) => Ok((Deleted, None, false)),
            (ModerationAction::Pick, Visible) => Ok((Visible, None, true)),
            (ModerationAction::Unpick, Visible | Held | Hidden) if picked => {
                Ok((state, None, false))
            }
            _ => refused,
        }
    }
}

/// A moderation step the comment's state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} a comment that is {}", action.as_str(), state.as_str())]
pub struct ModerationError {
    pub action: ModerationAction,
    pub state: CommentState,
}

/// Whether the report just counted takes the comment down: a visible comment is hidden pending
/// review once `reports` reaches `threshold`. Editors' picks and staff comments are no exception:
/// a pick that draws that many reports deserves a second look.
pub fn hidden_by_reports(state: CommentState, reports: u64, threshold: u32) -> bool {
    state == CommentState::Visible && reports >= u64::from(threshold)
}

/// Whether a story takes no more comments: an editor closed them, or the story was published
/// longer ago than `auto_close_after` (when the newsroom set one).
pub fn comments_closed(
    closed_by_editor: bool,
    published_at: Timestamp,
    now: Timestamp,
    auto_close_after: Option<Duration>,
) -> bool {
    closed_by_editor || auto_close_after.is_some_and(|age| published_at.plus(age) <= now)
}

/// What a reply needs to know about the comment it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyTarget {
    pub article_id: ArticleId,
    pub parent_id: Option<CommentId>,
    pub state: CommentState,
}

/// One level of replies: a reply answers a visible top-level comment on the same story.
pub fn check_reply(target: ReplyTarget, article: ArticleId) -> Result<(), ValidationError> {
    if target.article_id != article || target.state != CommentState::Visible {
        return Err(ValidationError::new(
            "parentId",
            "no visible comment on this story has that id",
        ));
    }
    if target.parent_id.is_some() {
        return Err(ValidationError::new(
            "parentId",
            "replies are one level deep: answer the comment the reply answers",
        ));
    }
    Ok(())
}

/// 공감 or 비공감.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReactionKind {
    Agree,
    Disagree,
}

impl ReactionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReactionKind::Agree => "agree",
            ReactionKind::Disagree => "disagree",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        match input.trim() {
            "agree" => Ok(ReactionKind::Agree),
            "disagree" => Ok(ReactionKind::Disagree),
            _ => Err(ValidationError::new("kind", "must be agree or disagree")),
        }
    }
}

/// The order comments are listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CommentSort {
    #[default]
    Newest,
    Oldest,
    /// Most 공감 first; ties newest first.
    MostAgreed,
}

impl CommentSort {
    pub fn as_str(self) -> &'static str {
        match self {
            CommentSort::Newest => "newest",
            CommentSort::Oldest => "oldest",
            CommentSort::MostAgreed => "most_agreed",
        }
    }

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        match input.trim() {
            "newest" => Ok(CommentSort::Newest),
            "oldest" => Ok(CommentSort::Oldest),
            "most_agreed" | "most-agreed" | "mostAgreed" => Ok(CommentSort::MostAgreed),
            _ => Err(ValidationError::new(
                "sort",
                "must be newest, oldest or most_agreed",
            )),
        }
    }

    /// The value a comment is ordered by under this sort (besides its id).
    pub fn key_of(self, comment: &Comment) -> i64 {
        match self {
            CommentSort::Newest | CommentSort::Oldest => comment.created_at.unix_seconds(),
            CommentSort::MostAgreed => i64::try_from(comment.agrees).unwrap_or(i64::MAX),
        }
    }
}

/// A position in a comment list: the last item's pick flag (when picks come first), sort key
/// and id. It names the sort and the picks-first choice it was made for, so a cursor cannot be
/// replayed against another order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentCursor {
    pub sort: CommentSort,
    pub picks_first: bool,
    pub picked: bool,
    pub key: i64,
    pub id: CommentId,
}

impl CommentCursor {
    const VERSION: &'static str = "c1";

    pub fn after(sort: CommentSort, picks_first: bool, comment: &Comment) -> Self {
        Self {
            sort,
            picks_first,
            picked: picks_first && comment.picked,
            key: sort.key_of(comment),
            id: comment.id,
        }
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{}:{}:{}:{}:{}:{}",
            Self::VERSION,
            self.sort.as_str(),
            u8::from(self.picks_first),
            u8::from(self.picked),
            self.key,
            self.id
        ))
    }

    /// Reads a cursor issued for the same sort and picks-first choice.
    pub fn decode(
        input: &str,
        sort: CommentSort,
        picks_first: bool,
    ) -> Result<Self, ValidationError> {
        let invalid = || ValidationError::new("cursor", "not a cursor this API issued");
        let bytes = URL_SAFE_NO_PAD.decode(input).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let parts: Vec<&str> = text.split(':').collect();
        let [version, sort_name, first, picked, key, id] = parts[..] else {
            return Err(invalid());
        };
        if version != Self::VERSION {
            return Err(invalid());
        }
        let cursor = Self {
            sort: CommentSort::parse(sort_name).map_err(|_| invalid())?,
            picks_first: first == "1",
            picked: picked == "1",
            key: key.parse().map_err(|_| invalid())?,
            id: CommentId::parse(id).map_err(|_| invalid())?,
        };
        if cursor.sort != sort || cursor.picks_first != picks_first {
            return Err(ValidationError::new(
                "cursor",
                "the cursor belongs to another sort order; start again without it",
            ));
        }
        Ok(cursor)
    }
}

/// The fewest characters a comment password may have. Six, not four: a comment's password is
/// guessed from outside with nothing else to know, and each comment allows only a few wrong
/// tries an hour, so the space must outlast that budget (10⁶ digits at ten an hour is years).
pub const MIN_COMMENT_PASSWORD_CHARS: usize = 6;
/// The most: enough for a passphrase, short enough that hashing it costs nothing extra.
pub const MAX_COMMENT_PASSWORD_CHARS: usize = 64;

/// A password a reader sets to edit or delete their comment later: 6–64 characters.
pub fn check_comment_password(password: &str) -> Result<(), ValidationError> {
    let count = password.chars().count();
    if (MIN_COMMENT_PASSWORD_CHARS..=MAX_COMMENT_PASSWORD_CHARS).contains(&count) {
        Ok(())
    } else {
        Err(ValidationError::new(
            "password",
            format!(
                "must be {MIN_COMMENT_PASSWORD_CHARS} to {MAX_COMMENT_PASSWORD_CHARS} characters"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(1_800_000_000 + seconds).unwrap()
    }

    #[test]
    fn a_nickname_is_trimmed_and_bounded() {
        assert_eq!(
            Nickname::parse("  부산 갈매기  ").unwrap().as_str(),
            "부산 갈매기"
        );
        assert_eq!(Nickname::parse("a\u{200B}b").unwrap().as_str(), "ab");
        for bad in ["", "   ", "<script>", "가".repeat(21).as_str(), "a&b"] {
            assert_eq!(
                Nickname::parse(bad).unwrap_err().field,
                "nickname",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn comment_text_is_cleaned_and_bounded() {
        let text = CommentText::parse("  첫 줄\r\n\r\n\r\n\r\n둘째\u{0007} 줄\u{202E}  ").unwrap();
        assert_eq!(text.as_str(), "첫 줄\n\n둘째 줄");
        assert!(CommentText::parse(" \n\t ").is_err());
        assert!(CommentText::parse(&"가".repeat(1_000)).is_ok());
        assert!(CommentText::parse(&"가".repeat(1_001)).is_err());
    }

    #[test]
    fn more_than_two_links_are_refused() {
        assert!(CommentText::parse("see https://a.example and www.b.example").is_ok());
        let err =
            CommentText::parse("https://a.example http://b.example WWW.c.example").unwrap_err();
        assert_eq!(err.field, "body");
    }

    #[test]
    fn markup_is_escaped_never_interpreted() {
        let text = CommentText::parse("<script>alert('x')</script>\n& \"따옴표\"").unwrap();
        assert_eq!(text.as_str(), "<script>alert('x')</script>\n& \"따옴표\"");
        let html = text.html();
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("<br>&amp; &quot;따옴표&quot;"));
    }

    #[test]
    fn new_comments_are_held_for_banned_words_and_pre_moderated_desks() {
        use CommentState::{Held, Visible};
        assert_eq!(
            initial_state(ModerationMode::Post, false, false),
            (Visible, None)
        );
        assert_eq!(
            initial_state(ModerationMode::Pre, false, false),
            (Held, Some(HoldReason::PreModeration))
        );
        assert_eq!(
            initial_state(ModerationMode::Pre, true, false),
            (Visible, None)
        );
        assert_eq!(
            initial_state(ModerationMode::Post, true, true),
            (Held, Some(HoldReason::BannedWord))
        );
    }

    #[test]
    fn moderation_moves_between_states_as_allowed() {
        use CommentState::{Deleted, Held, Hidden, Visible};
        use ModerationAction::{Approve, Delete, Hide, Pick, Restore, Unpick};
        assert_eq!(Approve.apply(Held, false).unwrap(), (Visible, None, false));
        assert_eq!(Approve.apply(Hidden, false).unwrap().0, Visible);
        assert!(Approve.apply(Visible, false).is_err());
        assert_eq!(
            Hide.apply(Visible, true).unwrap(),
            (Hidden, Some(HoldReason::Editor), false)
        );
        assert!(Hide.apply(Deleted, false).is_err());
        assert_eq!(Delete.apply(Held, false).unwrap().0, Deleted);
        assert!(Delete.apply(Deleted, false).is_err());
        assert_eq!(Restore.apply(Deleted, false).unwrap().0, Visible);
        assert!(Restore.apply(Visible, false).is_err());
        assert_eq!(Pick.apply(Visible, false).unwrap(), (Visible, None, true));
        assert!(Pick.apply(Held, false).is_err());
        assert_eq!(Unpick.apply(Visible, true).unwrap(), (Visible, None, false));
        assert!(Unpick.apply(Visible, false).is_err());
        let err = Pick.apply(Deleted, false).unwrap_err();
        assert_eq!(err.to_string(), "cannot pick a comment that is deleted");
    }

    #[test]
    fn reports_reaching_the_threshold_hide_a_visible_comment() {
        assert!(!hidden_by_reports(CommentState::Visible, 2, 3));
        assert!(hidden_by_reports(CommentState::Visible, 3, 3));
        assert!(!hidden_by_reports(CommentState::Held, 5, 3));
    }

    #[test]
    fn comments_close_by_editor_or_with_age() {
        let published = at(0);
        let week = Some(Duration::days(7));
        assert!(!comments_closed(false, published, at(60), week));
        assert!(comments_closed(true, published, at(60), week));
        assert!(comments_closed(
            false,
            published,
            published.plus(Duration::days(7)),
            week
        ));
        assert!(!comments_closed(false, published, at(86_400 * 365), None));
    }

    #[test]
    fn replies_are_one_level_deep_on_the_same_story() {
        let story = ArticleId::generate();
        let top = ReplyTarget {
            article_id: story,
            parent_id: None,
            state: CommentState::Visible,
        };
        assert!(check_reply(top, story).is_ok());
        assert!(check_reply(top, ArticleId::generate()).is_err());
        let reply = ReplyTarget {
            parent_id: Some(CommentId::generate()),
            ..top
        };
        assert!(check_reply(reply, story).is_err());
        let held = ReplyTarget {
            state: CommentState::Held,
            ..top
        };
        assert!(check_reply(held, story).is_err());
    }

    #[test]
    fn a_cursor_round_trips_only_for_its_own_order() {
        let cursor = CommentCursor {
            sort: CommentSort::MostAgreed,
            picks_first: true,
            picked: true,
            key: 42,
            id: CommentId::generate(),
        };
        let text = cursor.encode();
        assert_eq!(
            CommentCursor::decode(&text, CommentSort::MostAgreed, true).unwrap(),
            cursor
        );
        assert!(CommentCursor::decode(&text, CommentSort::Newest, true).is_err());
        assert!(CommentCursor::decode(&text, CommentSort::MostAgreed, false).is_err());
        assert!(CommentCursor::decode("garbage", CommentSort::Newest, false).is_err());
    }

    #[test]
    fn sorts_reactions_and_passwords_parse() {
        assert_eq!(
            CommentSort::parse("most-agreed").unwrap(),
            CommentSort::MostAgreed
        );
        assert!(CommentSort::parse("best").is_err());
        assert_eq!(
            ReactionKind::parse("disagree").unwrap(),
            ReactionKind::Disagree
        );
        assert!(ReactionKind::parse("love").is_err());
        assert!(check_comment_password("123456").is_ok());
        assert!(check_comment_password("12345").is_err());
        assert_eq!(ModerationMode::parse("pre").unwrap(), ModerationMode::Pre);
    }
}
