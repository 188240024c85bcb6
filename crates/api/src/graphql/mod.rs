//! The GraphQL surface: the schema, its SDL, and the `/graphql` endpoint (POST, GET, GraphiQL).
//!
//! Resolvers are thin: they call the same service functions as REST, and walk relations through
//! DataLoaders so no query runs per item.

mod cost;
mod error_codes;
pub(crate) mod loaders;
pub mod mutation;
pub(crate) mod preload;
pub mod query;
pub(crate) mod types;

use async_graphql::dataloader::DataLoader;
use async_graphql::extensions::apollo_persisted_queries::{
    ApolloPersistedQueries, LruCacheStorage,
};
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::OperationType;
use async_graphql::{EmptySubscription, Schema, SchemaBuilder};
use async_graphql_axum::GraphQLRequest;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::cache::CacheKeys;
use crate::graphql::loaders::RelationLoader;
use crate::graphql::mutation::Mutation;
use crate::graphql::query::Query;
use dateline_app::App;
use dateline_app::AppError;
use dateline_app::readership::origin::ReaderOrigin;

/// The deepest a query may nest; a front page needs about six levels.
const MAX_DEPTH: usize = 12;
/// The most fields a query may cost; a 50-story page with relations costs well under this.
const MAX_COMPLEXITY: usize = 5_000;
/// How many persisted queries (parsed, by sha256) are remembered.
const PERSISTED_QUERIES: usize = 1_024;

pub type DatelineSchema = Schema<Query, Mutation, EmptySubscription>;

fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(error_codes::ErrorCodes)
        .extension(cost::QueryCost {
            max_depth: MAX_DEPTH,
            max_complexity: MAX_COMPLEXITY,
        })
        .extension(ApolloPersistedQueries::new(LruCacheStorage::new(
            PERSISTED_QUERIES,
        )))
}

/// The schema, wired to the application.
pub fn build_schema(state: App) -> DatelineSchema {
    let loader = DataLoader::new(
        RelationLoader {
            db: state.db().clone(),
        },
        tokio::spawn,
    );
    builder().data(state).data(loader).finish()
}

/// The schema in SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// `POST /graphql`. The sender's origin goes along for `recordView`.
pub(crate) async fn graphql_post(
    Extension(schema): Extension<DatelineSchema>,
    headers: HeaderMap,
    origin: ReaderOrigin,
    request: Result<GraphQLRequest, async_graphql_axum::rejection::GraphQLRejection>,
) -> Response {
    match request {
        Ok(request) => {
            let request = request
                .into_inner()
                .data(Credentials::from_headers(&headers))
                .data(origin)
                .data(preload::PageRelations::default());
            respond(&headers, &schema.execute(request).await)
        }
        Err(rejection) => request_error(&headers, &rejection.0.to_string()),
    }
}

/// `GET /graphql`: GraphiQL for a browser, otherwise a query from the URL (or a persisted
/// query's hash in `extensions`). Mutations are not taken over GET, which must stay safe to
/// cache and repeat; a successful answer is cached like REST.
pub(crate) async fn graphql_get(
    State(state): State<App>,
    Extension(schema): Extension<DatelineSchema>,
    headers: HeaderMap,
    method: Method,
    uri: axum::http::Uri,
) -> Response {
    let query_string = uri.query().unwrap_or_default();
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html && !query_string.contains("query=") {
        return Html(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .title("Dateline GraphQL")
                .finish(),
        )
        .into_response();
    }
    let request = match async_graphql::http::parse_query_string(query_string) {
        Ok(request) => request,
        Err(err) => return request_error(&headers, &err.to_string()),
    };
    if method == Method::GET && is_mutation(&request) {
        let mut response = request_error(&headers, "mutations must be sent with POST");
        *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let request = request
        .data(Credentials::from_headers(&headers))
        .data(preload::PageRelations::default());
    let response = schema.execute(request).await;
    let mut http = respond(&headers, &response);
    if response.errors.is_empty() && response.http_headers.is_empty() {
        cache_keys(&state, &response.data).attach(&mut http);
    }
    http
}

/// A GraphQL answer's keys: the ids inside it, and `graphql` (its list membership is not
/// traced, so any change to the public set drops it). Kept no longer than view counts and
/// rankings stay fresh, since any field might show them.
fn cache_keys(state: &App, data: &async_graphql::Value) -> CacheKeys {
    let mut ids = Vec::new();
    ids_in(data, &mut ids);
    let mut keys = CacheKeys::new();
    keys.graphql()
        .shows_view_counts()
        .fresh_for(state.settings().views.ranking_cache_ttl);
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

fn is_mutation(request: &async_graphql::Request) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    document.operations.iter().any(|(name, operation)| {
        let selected = match (&request.operation_name, name) {
            (Some(wanted), Some(name)) => wanted.as_str() == name.as_str(),
            _ => true,
        };
        selected && operation.node.ty == OperationType::Mutation
    })
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
    let body = crate::script_safe_json::to_vec(response).unwrap_or_default();
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
    http
}

/// A request that is not GraphQL at all: malformed JSON, a missing query.
fn request_error(headers: &HeaderMap, message: &str) -> Response {
    let error =
        AppError::InvalidParameter(dateline_domain::ValidationError::new("request", message));
    let mut server_error = async_graphql::ServerError::new(error.detail(), None);
    server_error.extensions = crate::problem::graphql_error(&error).extensions;
    respond(
        headers,
        &async_graphql::Response::from_errors(vec![server_error]),
    )
}
