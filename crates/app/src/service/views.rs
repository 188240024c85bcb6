//! Recording a reader's view of a story: the view beacon and its GraphQL mirror.

use dateline_domain::ArticleId;
use dateline_domain::ranking::parse_reader_id;

use crate::app::App;
use crate::error::AppError;
use crate::readership::ViewOutcome;
use crate::readership::origin::ReaderOrigin;

/// Records a view of the public story `article_id` by the reader `reader_id` (a first-party id
/// the front end keeps) or, without one, by the client's address and User-Agent. A story that is
/// not public is a 404 and is not counted. Repeats within 30 minutes and crawlers are accepted
/// but not counted; the outcome says which (and is traced with the story's id — never the
/// reader's), never told to the client.
///
/// Decided in memory; the database is read only when the story's status is not cached.
pub async fn record_view(
    state: &App,
    article_id: &str,
    reader_id: Option<&str>,
    origin: &ReaderOrigin,
) -> Result<ViewOutcome, AppError> {
    let not_found = || AppError::not_found(format!("no article {article_id:?}"));
    let id = ArticleId::parse(article_id).map_err(|_| not_found())?;
    let reader_id = reader_id.map(parse_reader_id).transpose()?;
    let now = state.now();
    let public = state
        .views()
        .is_public(state.db(), id, now)
        .await
        .map_err(|err| {
            tracing::warn!(error = %err, "checking a viewed story failed");
            AppError::Unavailable("views cannot be recorded right now".into())
        })?;
    if !public {
        return Err(not_found());
    }
    let outcome = state.views().record(id, reader_id, origin, now);
    tracing::trace!(article.id = %id, views.outcome = ?outcome, "view received");
    Ok(outcome)
}
