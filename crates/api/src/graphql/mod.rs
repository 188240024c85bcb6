//! The GraphQL surface: the schema, its SDL, and the `/graphql` endpoint (POST, GET, GraphiQL).
//!
//! Resolvers are thin: they call the same service functions as REST, and walk relations through
//! DataLoaders so no query runs per item.

mod answer_keys;
mod cost;
mod error_codes;
pub(crate) mod loaders;
pub mod mutation;
pub(crate) mod preload;
pub mod query;
mod safe_get;
pub mod subscription;
pub(crate) mod types;

use async_graphql::dataloader::DataLoader;
use async_graphql::extensions::apollo_persisted_queries::{
    ApolloPersistedQueries, LruCacheStorage,
};
use async_graphql::http::MultipartOptions;
use async_graphql::{Schema, SchemaBuilder, ServerError};
use async_graphql_axum::GraphQLProtocol;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::extract::ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_app::readership::origin::ReaderOrigin;
use dateline_app::service::audience::Audience;

use crate::allowance::Spender;
use crate::cache::CacheKeys;
use crate::graphql::answer_keys::AnswerKeys;
use crate::graphql::loaders::RelationLoader;
use crate::graphql::mutation::Mutation;
use crate::graphql::query::Query;
use crate::graphql::subscription::Subscription;
use crate::http_state::HttpState;
use crate::problem::{ApiError, graphql_error};

/// The deepest a query may nest its data fields; a front page needs about six levels. The
/// depth is counted by `cost.rs`, which holds introspection to a limit of its own (async-graphql's
/// `limit_depth` counts introspection too and refused the standard introspection query).
const MAX_DEPTH: usize = 12;
/// The most a query may cost, counting every field as often as the lists around it repeat it
/// (`graphql/cost.rs`). The README's home page costs about 500, a 50-story page with its
/// sections, bylines, tags and images about 3,500.
pub(crate) const MAX_COMPLEXITY: u64 = 20_000;
/// The most objects a query may return; a 50-story page with relations holds about 1,700.
const MAX_NODES: u64 = 10_000;
/// The largest answer a query may serialise to; beyond it the answer is replaced by an error.
/// The limits above keep every accepted query far below it; this is the backstop for long
/// bodies the count cannot see.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// How many persisted queries (parsed, by sha256) are remembered.
const PERSISTED_QUERIES: usize = 1_024;

pub type DatelineSchema = Schema<Query, Mutation, Subscription>;

pub(crate) fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query::default(), Mutation::default(), Subscription)
        .extension(error_codes::ErrorCodes)
        .extension(safe_get::SafeGet)
        .extension(cost::QueryCost {
            limits: cost::Limits {
                max_depth: MAX_DEPTH,
                max_complexity: MAX_COMPLEXITY,
                max_nodes: MAX_NODES,
            },
        })
        .extension(ApolloPersistedQueries::new(LruCacheStorage::new(
            PERSISTED_QUERIES,
        )))
}

/// The schema, wired to the application and the allowance queries spend by their cost.
pub fn build_schema(http: &HttpState) -> DatelineSchema {
    let app = http.app().clone();
    let loader = DataLoader::new(
        RelationLoader {
            db: app.db().clone(),
        },
        tokio::spawn,
    );
    builder()
        .data(app)
        .data(http.limits_shared())
        .data(loader)
        .finish()
}

/// The schema in SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// `POST /graphql`. The sender's origin goes along for `recordView`, and its audience (a
/// partner's `X-Api-Key`: its sections and rights, as over REST) for every story field. The body is read like
/// every other route's, within the one body limit (an oversize one is `PAYLOAD_TOO_LARGE`).
pub(crate) async fn graphql_post(
    Extension(schema): Extension<DatelineSchema>,
    headers: HeaderMap,
    origin: ReaderOrigin,
    audience: Audience,
    spender: Option<Extension<Spender>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return payload_too_large(&headers);
        }
        Err(rejection) => return request_error(&headers, &rejection.body_text()),
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    let request = match async_graphql::http::receive_body(
        content_type,
        &body[..],
        MultipartOptions::default(),
    )
    .await
    {
        Ok(request) => request,
        Err(err) => return request_error(&headers, &err.to_string()),
    };
    let mut request = request
        .data(Credentials::from_headers(&headers))
        .data(origin)
        .data(audience)
        .data(preload::PageRelations::default());
    if let Some(Extension(spender)) = spender {
        request = request.data(spender);
    }
    respond(&headers, &schema.execute(request).await)
}

/// The answer to a body over the limit: a GraphQL error with `PAYLOAD_TOO_LARGE`, status 413.
pub(crate) fn payload_too_large(headers: &HeaderMap) -> Response {
    let mut response = error_response(headers, &ApiError::PayloadTooLarge);
    *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    response
}

/// `GET /graphql`: a WebSocket for subscriptions when the client asks to upgrade, GraphiQL for
/// a browser, otherwise a query from the URL (or a persisted query's hash in `extensions`).
/// Mutations are not taken over GET, which must stay safe to cache and repeat; a successful
/// answer is cached like REST.
#[expect(
    clippy::too_many_arguments,
    reason = "an axum handler: each argument is one extractor"
)]
pub(crate) async fn graphql_get(
    State(http): State<HttpState>,
    Extension(schema): Extension<DatelineSchema>,
    headers: HeaderMap,
    method: Method,
    uri: axum::http::Uri,
    origin: ReaderOrigin,
    socket: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    protocol: Result<GraphQLProtocol, StatusCode>,
    audience: Audience,
    spender: Option<Extension<Spender>>,
) -> Response {
    if let Ok(socket) = socket {
        let Ok(protocol) = protocol else {
            return request_error(
                &headers,
                "a subscription socket needs Sec-WebSocket-Protocol graphql-transport-ws or graphql-ws",
            );
        };
        let connection = http.live_connections().admit(origin.network(), "websocket");
        return subscription::upgrade(
            socket,
            protocol,
            schema,
            connection,
            http.app().live().closing(),
        );
    }
    let query_string = uri.query().unwrap_or_default();
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html && !query_string.contains("query=") {
        return crate::ui::graphiql();
    }
    let request = match async_graphql::http::parse_query_string(query_string) {
        Ok(request) => request,
        Err(err) => return request_error(&headers, &err.to_string()),
    };
    let mut request = request
        .data(Credentials::from_headers(&headers))
        .data(audience)
        .data(preload::PageRelations::default());
    if let Some(Extension(spender)) = spender {
        request = request.data(spender);
    }
    if method == Method::GET {
        request = request.data(safe_get::OverGet);
    }
    let reads = AnswerKeys::shared();
    request = request.data(reads.clone());
    let response = schema.execute(request).await;
    let mut http = respond(&headers, &response);
    if response.errors.is_empty() && response.http_headers.is_empty() {
        cache_keys(&reads, &response.data).attach(&mut http);
    }
    http
}

/// A GraphQL answer's keys: what its resolvers noted reading (stories, sections, authors,
/// tags, the lists it walked, comment threads; how long counts and rankings in it stay true),
/// and every prefixed id inside it besides.
fn cache_keys(reads: &AnswerKeys, data: &async_graphql::Value) -> CacheKeys {
    let mut ids = Vec::new();
    ids_in(data, &mut ids);
    let mut keys = reads.keys();
    for id in &ids {
        keys.named(id);
    }
    keys
}

/// The prefixed ids (stories, sections, authors, tags) anywhere in an answer: its surrogate
/// keys.
fn ids_in(value: &async_graphql::Value, found: &mut Vec<String>) {
    match value {
        async_graphql::Value::String(text)
            if dateline_domain::ArticleId::parse(text).is_ok()
                || dateline_domain::SectionId::parse(text).is_ok()
                || dateline_domain::AuthorId::parse(text).is_ok()
                || dateline_domain::TagId::parse(text).is_ok() =>
        {
            found.push(text.clone());
        }
        async_graphql::Value::List(items) => {
            for item in items {
                ids_in(item, found);
            }
        }
        async_graphql::Value::Object(fields) => {
            for field in fields.values() {
                ids_in(field, found);
            }
        }
        _ => {}
    }
}

/// The request's `Authorization` header, for resolvers that need a signed-in account. Public
/// fields never look at it.
pub(crate) struct Credentials(pub(crate) Option<String>);

impl Credentials {
    fn from_headers(headers: &HeaderMap) -> Self {
        Self(
            headers
                .get(header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
        )
    }
}

/// Whether the client reads the GraphQL-over-HTTP media type (the default) or plain JSON.
fn wants_graphql_response(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|accept| {
            !accept.contains("application/json")
                || accept.contains("application/graphql-response+json")
        })
}

/// Serialises a response. Under `application/graphql-response+json`, a request that could not
/// run at all (a syntax or validation error: errors without a path) answers 400, per GraphQL
/// over HTTP; under `application/json` it answers 200.
fn respond(headers: &HeaderMap, response: &async_graphql::Response) -> Response {
    let request_failed = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|err| err.path.is_empty());
    let graphql_type = wants_graphql_response(headers);
    let status = if request_failed && graphql_type {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    // Script-safe (`<`, `>`, `&` as \u escapes): `Article.jsonLd` is meant for a page's
    // `<script>` block, and a front end may paste the answer's text there as it comes.
    let mut body = crate::script_safe_json::to_vec(response).unwrap_or_default();
    if body.len() > MAX_RESPONSE_BYTES {
        tracing::warn!(
            response.bytes = body.len(),
            "GraphQL answer over the size limit replaced by an error"
        );
        let error = ServerError::new(
            format!(
                "the answer would be {} bytes, over the limit of {MAX_RESPONSE_BYTES}; ask for smaller pages or fewer fields",
                body.len()
            ),
            None,
        );
        let mut error = error;
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", RESPONSE_TOO_LARGE);
        body = serde_json::to_vec(&async_graphql::Response::from_errors(vec![error]))
            .unwrap_or_default();
    }
    let content_type = if graphql_type {
        "application/graphql-response+json"
    } else {
        "application/json"
    };
    let mut http = (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response();
    // Headers resolvers asked for, such as `Cache-Control: no-store` on a preview.
    for (name, value) in &response.http_headers {
        http.headers_mut().insert(name.clone(), value.clone());
    }
    refusal_status(response, &mut http);
    http
}

/// A request refused as a whole for a reason HTTP has a status for answers with it: a
/// mutation over GET 405 (with `Allow: POST`), an allowance spent 429 (with `Retry-After`).
fn refusal_status(response: &async_graphql::Response, http: &mut Response) {
    for error in &response.errors {
        let Some(extensions) = &error.extensions else {
            continue;
        };
        let code = extensions.get("code");
        let is = |wanted: &str| code == Some(&async_graphql::Value::from(wanted));
        if is(safe_get::METHOD_NOT_ALLOWED) {
            *http.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            http.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return;
        }
        if is(cost::TOO_MANY_REQUESTS) {
            *http.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            if let Some(async_graphql::Value::Number(seconds)) = extensions.get("retryAfter")
                && let Some(seconds) = seconds.as_u64()
            {
                http.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            return;
        }
    }
    // Every failure is the database being away (it is down or restarting): 503 with
    // Retry-After, as REST answers, so clients back off and the response cache may answer a
    // public read with the copy it kept (stale-if-error).
    let unavailable =
        async_graphql::Value::from(dateline_app::AppError::Unavailable(String::new()).code());
    if !response.errors.is_empty()
        && response.errors.iter().all(|error| {
            error
                .extensions
                .as_ref()
                .and_then(|extensions| extensions.get("code"))
                == Some(&unavailable)
        })
    {
        *http.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        http.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(crate::problem::RETRY_UNAVAILABLE_AFTER),
        );
    }
}

/// The code an answer too large to send is replaced with.
const RESPONSE_TOO_LARGE: &str = "RESPONSE_TOO_LARGE";

/// A request that is not GraphQL at all: malformed JSON, a missing query.
fn request_error(headers: &HeaderMap, message: &str) -> Response {
    error_response(
        headers,
        &ApiError::from(dateline_domain::ValidationError::new("request", message)),
    )
}

/// A request refused before it could run, as a GraphQL answer with the error's code.
fn error_response(headers: &HeaderMap, error: &ApiError) -> Response {
    let mut server_error = ServerError::new(error.detail(), None);
    server_error.extensions = match error {
        ApiError::App(err) => graphql_error(err).extensions,
        other => {
            let mut extensions = async_graphql::ErrorExtensionValues::default();
            extensions.set("code", other.code());
            Some(extensions)
        }
    };
    respond(
        headers,
        &async_graphql::Response::from_errors(vec![server_error]),
    )
}
