//! `/api/v1/stream`: live news as server-sent events, for mobile apps and simple pages.
//!
//! Each event's `id` is its change-feed cursor, so a client that reconnects with
//! `Last-Event-ID` (every `EventSource` does) gets what it missed from the feed, then the live
//! events, with nothing skipped or told twice. A client that falls too far behind is dropped and
//! resumes the same way. Heartbeat comments keep proxies from closing an idle stream, and
//! `X-Accel-Buffering: no` keeps nginx from holding events back.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use dateline_app::desks::live::{LiveEvent, LiveNews};
use dateline_app::readership::origin::ReaderOrigin;
use dateline_app::service::live::{self, LiveFilter, LiveKind};
use dateline_app::{App, AppError};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http_state::HttpState;
use crate::live_connections::RETRY_AFTER_SECONDS;
use crate::problem::{ApiError, Problem};
use crate::rest::comments::CommentResponse;
use crate::rest::dto::ArticleResponse;
use crate::rest::extract::ApiQuery;

/// How often an idle stream sends a heartbeat comment.
const HEARTBEAT: Duration = Duration::from_secs(15);

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct StreamParams {
    /// Comma-separated kinds: `published`, `updated`, `removed`, `comment` (default all).
    types: Option<String>,
    /// Stories filed in this section or below it (removals pass any section filter).
    section: Option<String>,
    /// Resume after this event id, for clients that cannot send `Last-Event-ID`.
    last_event_id: Option<String>,
}

/// The `data` of one event.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StreamEvent {
    /// `published`, `updated`, `removed` or `comment` (also the event's `event` field).
    #[serde(rename = "type")]
    kind: &'static str,
    article_id: String,
    /// The story as readers see it (no body); absent on a removal and a comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    article: Option<ArticleResponse>,
    /// The comment, on a `comment` event.
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<CommentResponse>,
}

/// Live news as server-sent events (`text/event-stream`).
///
/// Events: `published` (a story became public; a scheduled one at its time), `updated` (a public
/// story was edited), `removed` (a story stopped being public: only its id), `comment` (a visible
/// comment on a public story). Each `id` is a change-feed cursor: reconnect with
/// `Last-Event-ID` to resume after it. One address may hold a limited number of streams open.
#[utoipa::path(
    get,
    path = "/api/v1/stream",
    tag = "live",
    params(StreamParams),
    responses(
        (status = 200, description = "An endless stream of events, with heartbeats", body = StreamEvent, content_type = "text/event-stream"),
        (status = 400, description = "A malformed type list, section or event id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such section", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn stream(
    State(http): State<HttpState>,
    origin: ReaderOrigin,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<StreamParams>,
) -> Result<Response, ApiError> {
    let app = http.app().clone();
    let filter = LiveFilter {
        kinds: LiveKind::parse_list("types", params.types.as_deref())?,
        section: params.section,
        article: None,
    };
    let resume = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or(params.last_event_id)
        .filter(|id| !id.is_empty());
    let connection = http
        .live_connections()
        .admit(origin.network(), "stream")
        .ok_or(AppError::RateLimited {
            retry_after: RETRY_AFTER_SECONDS,
        })?;
    let events = live::follow_live(&app, resume.as_deref(), filter).await?;
    let events = events.map(move |event| {
        // The connection's place is held for as long as the stream is.
        let _held = &connection;
        Ok::<_, Infallible>(sse_event(&app, &event))
    });
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat"))
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

fn sse_event(app: &App, event: &LiveEvent) -> Event {
    let settings = app.settings();
    let kind = LiveKind::of(&event.news);
    let data = StreamEvent {
        kind: kind.as_str(),
        article_id: event.article_id().to_string(),
        article: match &event.news {
            LiveNews::Published(record) | LiveNews::Updated(record) => {
                Some(ArticleResponse::new(settings, record, false))
            }
            LiveNews::Removed(_) | LiveNews::CommentAdded(_) => None,
        },
        comment: match &event.news {
            LiveNews::CommentAdded(comment) => Some(CommentResponse::new(settings, comment, false)),
            _ => None,
        },
    };
    let event_out = Event::default()
        .id(event.cursor.encode())
        .event(kind.as_str());
    // The data is plain JSON of owned strings; it cannot fail to serialise, but a failure
    // would still send the event, just without its data.
    event_out.json_data(&data).unwrap_or_else(|_| {
        Event::default()
            .id(event.cursor.encode())
            .event(kind.as_str())
    })
}
