//! GraphQL subscriptions over WebSocket at `/graphql` (`graphql-transport-ws`, and the legacy
//! `graphql-ws`): live news from the node's wire, the same events the server-sent stream tells.
//!
//! A connection is one of the address's live places (`live_connections.rs`) and holds a bounded
//! number of subscriptions; the server pings it, drops it when it stops reading, and closes it
//! with 1001 when the node shuts down. Subscription documents go through the same depth and
//! cost limits as queries.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_graphql::{Context, Data, ID, Object, Result, Subscription};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::{IntoResponse as _, Response};
use dateline_app::AppError;
use dateline_app::desks::live::{LiveEvent, LiveNews};
use dateline_app::service::live::{self, LiveFilter, LiveKind};
use dateline_domain::ArticleId;
use futures_util::stream::{BoxStream, StreamExt as _};
use futures_util::{SinkExt as _, future};

use crate::graphql::DatelineSchema;
use crate::graphql::types::app;
use crate::graphql::types::article::ArticleObject;
use crate::graphql::types::comment::CommentObject;
use crate::live_connections::{LiveConnection, RETRY_AFTER_SECONDS};
use crate::problem::{ApiError, GraphqlResult as _};

/// The flags a `breakingNews` subscription remembers having told, so an edit of a flagged
/// story is not told again; the oldest are forgotten first.
const TOLD_FLAGS: usize = 256;
/// Subscriptions one connection may hold at once.
const SUBSCRIPTIONS_PER_CONNECTION: usize = 20;
/// How often the server pings a connection, so proxies keep it and a dead peer is noticed.
const PING_EVERY: Duration = Duration::from_secs(30);
/// How long one message may take to leave: a client that stops reading is dropped after it,
/// instead of its messages piling up.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Messages waiting for a slow client before the subscriptions stop being read (and a
/// subscription that falls behind the wire is completed).
const OUTBOX: usize = 32;
/// How long a client may take to be acknowledged after connecting: graphql-ws's own default
/// `connectionInitWaitTimeout`. A socket that never says `connection_init` is closed with 4408
/// rather than holding one of its address's places.
const INIT_TIMEOUT: Duration = Duration::from_secs(3);
/// A socket's read buffer: room for a few subscribe messages.
const SOCKET_BUFFER: usize = 4 * 1024;
/// The largest message a client may send: a subscription document is a few hundred bytes.
const MAX_CLIENT_MESSAGE: usize = 64 * 1024;

/// The root of subscriptions.
#[derive(Default)]
pub struct Subscription;

/// A public story edited, or taken down.
pub(crate) struct ArticleUpdate {
    article_id: ArticleId,
    article: Option<ArticleObject>,
}

/// An edit of a public story, or its removal (unpublished, archived, moved into the future,
/// deleted): then `removed` is true and `article` null.
#[Object]
impl ArticleUpdate {
    async fn article_id(&self) -> ID {
        ID(self.article_id.to_string())
    }

    async fn removed(&self) -> bool {
        self.article.is_none()
    }

    /// The story as readers see it now; null once it is no longer public.
    async fn article(&self) -> Option<&ArticleObject> {
        self.article.as_ref()
    }
}

#[Subscription]
impl Subscription {
    /// Each story as it becomes public (a scheduled one at its time, never earlier), in this
    /// section or below it when one is named.
    async fn article_published(
        &self,
        ctx: &Context<'_>,
        section: Option<String>,
    ) -> Result<BoxStream<'static, ArticleObject>> {
        let events = follow(ctx, vec![LiveKind::Published], section, None).await?;
        Ok(events
            .filter_map(|event| {
                future::ready(match &event.news {
                    LiveNews::Published(record) => Some(ArticleObject(record.article.clone())),
                    _ => None,
                })
            })
            .boxed())
    }

    /// Stories flagged as breaking news (속보), as they become public flagged or are flagged
    /// while public; each at most once a flag.
    async fn breaking_news(&self, ctx: &Context<'_>) -> Result<BoxStream<'static, ArticleObject>> {
        let events = follow(
            ctx,
            vec![LiveKind::Published, LiveKind::Updated],
            None,
            None,
        )
        .await?;
        let mut told: Vec<(ArticleId, Option<dateline_domain::Timestamp>)> = Vec::new();
        Ok(events
            .filter_map(move |event| {
                let breaking = match &event.news {
                    LiveNews::Published(record) | LiveNews::Updated(record)
                        if record
                            .article
                            .breaking_until
                            .is_some_and(|until| until > event.at) =>
                    {
                        let flag = (record.article.id, record.article.breaking_until);
                        // An edit of a story already told with this flag is not news again.
                        (!told.contains(&flag)).then(|| {
                            if told.len() == TOLD_FLAGS {
                                told.remove(0);
                            }
                            told.push(flag);
                            ArticleObject(record.article.clone())
                        })
                    }
                    _ => None,
                };
                future::ready(breaking)
            })
            .boxed())
    }

    /// Edits and corrections of one public story, and its removal.
    async fn article_updated(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<BoxStream<'static, ArticleUpdate>> {
        let article = parse_article_id(&id)?;
        let events = follow(
            ctx,
            vec![LiveKind::Updated, LiveKind::Removed],
            None,
            Some(article),
        )
        .await?;
        Ok(events
            .filter_map(|event| {
                future::ready(match &event.news {
                    LiveNews::Updated(record) => Some(ArticleUpdate {
                        article_id: record.article.id,
                        article: Some(ArticleObject(record.article.clone())),
                    }),
                    LiveNews::Removed(id) => Some(ArticleUpdate {
                        article_id: *id,
                        article: None,
                    }),
                    _ => None,
                })
            })
            .boxed())
    }

    /// Comments readers can see, as they are posted on one public story (held ones never).
    async fn comment_added(
        &self,
        ctx: &Context<'_>,
        article_id: ID,
    ) -> Result<BoxStream<'static, CommentObject>> {
        let article = parse_article_id(&article_id)?;
        let events = follow(ctx, vec![LiveKind::Comment], None, Some(article)).await?;
        Ok(events
            .filter_map(|event| {
                future::ready(match &event.news {
                    LiveNews::CommentAdded(comment) => Some(CommentObject {
                        comment: comment.clone(),
                        for_editor: false,
                    }),
                    _ => None,
                })
            })
            .boxed())
    }
}

fn parse_article_id(id: &ID) -> Result<ArticleId> {
    ArticleId::parse(id)
        .map_err(AppError::InvalidParameter)
        .or_graphql_error()
}

/// The live events one subscription asked for, holding one of its connection's places.
async fn follow(
    ctx: &Context<'_>,
    kinds: Vec<LiveKind>,
    section: Option<String>,
    article: Option<ArticleId>,
) -> Result<BoxStream<'static, Arc<LiveEvent>>> {
    let slot = ctx
        .data_opt::<SubscriptionSlots>()
        .map(SubscriptionSlots::take)
        .transpose()?;
    let filter = LiveFilter {
        kinds,
        section,
        article,
    };
    let events = live::follow_live(app(ctx), None, filter)
        .await
        .or_graphql_error()?;
    Ok(events
        .map(move |event| {
            // The connection's place is held for as long as the subscription is.
            let _held = &slot;
            event
        })
        .boxed())
}

/// The subscriptions open on one connection.
#[derive(Clone, Default)]
struct SubscriptionSlots(Arc<AtomicUsize>);

/// One subscription's place on its connection, given back when it ends.
struct SubscriptionSlot(Arc<AtomicUsize>);

impl SubscriptionSlots {
    fn take(&self) -> Result<SubscriptionSlot> {
        let taken = self.0.fetch_add(1, Ordering::AcqRel);
        if taken >= SUBSCRIPTIONS_PER_CONNECTION {
            self.0.fetch_sub(1, Ordering::AcqRel);
            return Err(AppError::RateLimited {
                retry_after: RETRY_AFTER_SECONDS,
            })
            .or_graphql_error();
        }
        Ok(SubscriptionSlot(Arc::clone(&self.0)))
    }
}

impl Drop for SubscriptionSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// `GET /graphql` asking for a WebSocket: one of the address's live places, or 429.
pub(crate) fn upgrade(
    upgrade: WebSocketUpgrade,
    protocol: GraphQLProtocol,
    schema: DatelineSchema,
    connection: Option<LiveConnection>,
    closing: tokio::sync::watch::Receiver<bool>,
) -> Response {
    let Some(connection) = connection else {
        return ApiError::App(AppError::RateLimited {
            retry_after: RETRY_AFTER_SECONDS,
        })
        .into_response();
    };
    upgrade
        .protocols(["graphql-transport-ws", "graphql-ws"])
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        // tungstenite's 128 KiB read and write buffers per socket would make 5,000 idle
        // subscribers cost over a gigabyte; their messages are a few hundred bytes.
        .read_buffer_size(SOCKET_BUFFER)
        .write_buffer_size(0)
        .on_upgrade(move |socket| serve(socket, schema, protocol, connection, closing))
}

/// Runs one connection until the client leaves, stops reading, or the node shuts down.
///
/// async-graphql-axum's socket speaks the protocol; its messages go out through a bounded
/// outbox to a writer that also pings, gives each message [`SEND_TIMEOUT`] to leave, and says
/// 1001 at shutdown. When the writer stops, the socket's input ends too.
async fn serve(
    socket: WebSocket,
    schema: DatelineSchema,
    protocol: GraphQLProtocol,
    connection: LiveConnection,
    closing: tokio::sync::watch::Receiver<bool>,
) {
    let (socket_sink, socket_stream) = socket.split();
    let (outbox, outgoing) = tokio::sync::mpsc::channel::<Message>(OUTBOX);
    let (stopped, mut writer_stopped) = tokio::sync::watch::channel(false);
    let writer = tokio::spawn(write(socket_sink, outgoing, closing, stopped));
    let input = socket_stream.take_until(async move {
        let _ = writer_stopped.wait_for(|stopped| *stopped).await;
    });
    let sink = futures_util::sink::unfold(outbox, |outbox, message: Message| async move {
        outbox.send(message).await.map(|()| outbox)
    });
    let mut data = Data::default();
    data.insert(SubscriptionSlots::default());
    GraphQLWebSocket::new_with_pair(Box::pin(sink), input, schema, protocol)
        .with_data(data)
        .serve()
        .await;
    // The protocol is done (the client left or was dropped): the writer says goodbye and ends.
    let _ = writer.await;
    drop(connection);
}

/// Sends the protocol's messages and the pings, until the protocol ends, a message cannot
/// leave in time, or the node shuts down; then marks itself stopped.
async fn write(
    mut sink: futures_util::stream::SplitSink<WebSocket, Message>,
    mut outgoing: tokio::sync::mpsc::Receiver<Message>,
    mut closing: tokio::sync::watch::Receiver<bool>,
    stopped: tokio::sync::watch::Sender<bool>,
) {
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.reset();
    let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
    tokio::pin!(init_deadline);
    // The protocol's first message to the client is its acknowledgement.
    let mut acknowledged = false;
    loop {
        let message = tokio::select! {
            _ = closing.wait_for(|closing| *closing) => {
                Message::Close(Some(CloseFrame {
                    code: 1001,
                    reason: "the server is shutting down".into(),
                }))
            }
            () = &mut init_deadline, if !acknowledged => {
                Message::Close(Some(CloseFrame {
                    code: 4408,
                    reason: "connection initialisation timeout".into(),
                }))
            }
            _ = ping.tick() => Message::Ping(Vec::new().into()),
            message = outgoing.recv() => match message {
                Some(message) => {
                    acknowledged = true;
                    message
                }
                None => break,
            },
        };
        let last = matches!(message, Message::Close(_));
        match tokio::time::timeout(SEND_TIMEOUT, sink.send(message)).await {
            Ok(Ok(())) if !last => {}
            // Closed, gone, or no longer reading: stop.
            _ => break,
        }
    }
    let _ = sink.close().await;
    stopped.send_replace(true);
}
