//! Reader comment settings from the command line: limits, thresholds, the banned-word list and
//! the key reader addresses are hashed with.

use std::num::NonZeroU32;

use anyhow::Context as _;
use dateline_app::{CommentSettings, RateLimit};
use dateline_domain::BannedWords;
use secrecy::{ExposeSecret as _, SecretString};

use crate::cli::{AutoClose, CommentArgs};

fn rate((per_reader, per_address): (u32, u32)) -> RateLimit {
    // The command line refuses zero rates; MIN only stands in for the impossible case.
    RateLimit {
        per_reader: NonZeroU32::new(per_reader).unwrap_or(NonZeroU32::MIN),
        per_address: NonZeroU32::new(per_address).unwrap_or(NonZeroU32::MIN),
    }
}

/// The settings; the reader secret falls back to the JWT secret, then to a random key.
pub(crate) fn comment_settings(
    args: &CommentArgs,
    jwt_secret: Option<&SecretString>,
) -> anyhow::Result<CommentSettings> {
    let defaults = CommentSettings::default();
    let banned_words = match &args.comment_banned_words {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the banned-word list {}", path.display()))?;
            let words = BannedWords::from_lines(&text);
            tracing::info!(entries = words.len(), "banned-word list loaded");
            words
        }
        None => defaults.banned_words,
    };
    let reader_secret = args
        .comment_reader_secret
        .as_ref()
        .or(jwt_secret)
        .map_or(defaults.reader_secret, |secret| {
            secret.expose_secret().as_bytes().to_vec()
        });
    Ok(CommentSettings {
        report_threshold: args.comment_report_threshold,
        auto_close_after: match args.comment_auto_close_after {
            AutoClose::Never => None,
            AutoClose::After(age) => Some(
                chrono::Duration::from_std(age)
                    .context("--comment-auto-close-after is too long")?,
            ),
        },
        post_rate: rate(args.comment_post_rate),
        report_rate: rate(args.comment_report_rate),
        reaction_rate: rate(args.comment_reaction_rate),
        duplicate_window: chrono::Duration::from_std(args.comment_duplicate_window)
            .context("--comment-duplicate-window is too long")?,
        banned_words,
        reader_secret,
        password_guesses: args.comment_password_guesses,
        password_guess_window: chrono::Duration::from_std(args.comment_password_guess_window)
            .context("--comment-password-guess-window is too long")?,
    })
}
