//! `dateline seed --views N`: synthetic reader views in the hourly buckets, for benchmarking
//! rankings.
//!
//! Shaped like a newsroom's traffic: a few stories draw most views (Zipf over a shuffled order),
//! stories of the last 30 days draw far more than older ones, and a story's views fall off
//! after publication (exponentially, half within about eight hours). Every view lands in the
//! longest ranking window, so all N are in buckets a ranking reads.

use std::collections::HashMap;

use anyhow::Context as _;
use chrono::Duration;
use dateline_domain::ranking::{hour_start, retention_start};
use dateline_domain::{ArticleId, Timestamp, ViewTally};
use dateline_storage::Database;
use indicatif::{ProgressBar, ProgressStyle};
use rand::distr::Distribution as _;
use rand::distr::weighted::WeightedIndex;
use rand::rngs::StdRng;
use rand::seq::SliceRandom as _;
use rand::{Rng as _, SeedableRng as _};

/// The mean time from publication to a view.
const MEAN_VIEW_DELAY_HOURS: f64 = 12.0;
/// How much less an older story is read than one of the last 30 days.
const OLD_STORY_WEIGHT: f64 = 0.05;
/// Bucket rows written per transaction.
const BATCH: usize = 5_000;

/// Writes `views` synthetic views of the public stories, answering how many bucket rows they
/// filled.
pub(crate) async fn seed_views(
    db: &Database,
    random_seed: u64,
    now: Timestamp,
    views: u64,
) -> anyhow::Result<usize> {
    let mut stories = db
        .article_views()
        .public_story_times(now)
        .await
        .context("listing the public stories")?;
    anyhow::ensure!(
        !stories.is_empty(),
        "there are no public stories to view: seed some with --articles"
    );
    // Its own stream, so views do not shift when the story generator draws differently.
    let mut rng = StdRng::seed_from_u64(random_seed.rotate_left(17));
    // Popularity does not follow publication order: shuffle, then rank.
    stories.sort_unstable_by_key(|(id, _)| *id);
    stories.shuffle(&mut rng);
    let window_start = retention_start(now);
    let weights: Vec<f64> = stories
        .iter()
        .enumerate()
        .map(|(rank, (_, published_at))| {
            let recent = if *published_at >= window_start {
                1.0
            } else {
                OLD_STORY_WEIGHT
            };
            recent / ((rank + 1) as f64).powf(0.9)
        })
        .collect();
    let pick = WeightedIndex::new(weights).context("view weights")?;

    let progress = ProgressBar::new(views);
    progress.set_style(
        ProgressStyle::with_template(
            "{spinner} viewing [{bar:40}] {pos}/{len} views · {per_sec} · eta {eta}",
        )
        .context("progress template")?
        .progress_chars("=> "),
    );
    let mut buckets: HashMap<(ArticleId, Timestamp), u64> = HashMap::new();
    for drawn in 0..views {
        let (article, published_at) = stories[pick.sample(&mut rng)];
        let delay_seconds = -MEAN_VIEW_DELAY_HOURS * 3_600.0 * (1.0 - rng.random::<f64>()).ln();
        let mut at = published_at.plus(Duration::seconds(delay_seconds as i64));
        if at > now || at < window_start {
            // Outside the window: a long-tail read at any moment the story could have had one.
            let from = published_at.max(window_start).unix_seconds();
            let seconds = rng.random_range(from..=now.unix_seconds());
            at = Timestamp::from_unix_seconds(seconds).unwrap_or(now);
        }
        *buckets.entry((article, hour_start(at))).or_default() += 1;
        if drawn % 100_000 == 0 {
            progress.set_position(drawn);
        }
    }
    progress.finish();

    let tallies: Vec<ViewTally> = buckets
        .into_iter()
        .map(|((article, hour), views)| ViewTally {
            article,
            hour,
            views,
        })
        .collect();
    let writing = ProgressBar::new(tallies.len() as u64);
    writing.set_style(
        ProgressStyle::with_template("{spinner} writing buckets [{bar:40}] {pos}/{len} rows")
            .context("progress template")?
            .progress_chars("=> "),
    );
    for chunk in tallies.chunks(BATCH) {
        db.article_views()
            .add(chunk)
            .await
            .context("writing view buckets")?;
        writing.inc(chunk.len() as u64);
    }
    writing.finish();
    Ok(tallies.len())
}
