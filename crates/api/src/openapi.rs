//! The OpenAPI description: its top level, the problem answers operations share, and what the
//! layers around every route add to every operation they wrap. A handler's annotation says what
//! the handler itself answers; the rate limit, the body limit and the response cache answer for
//! many routes at once, so their statuses are added here from the same rules those layers
//! follow — a route added later is described correctly without anyone remembering to. Each
//! operation's example request and answer are real ones, captured from the demo.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr};
use utoipa::{OpenApi, ToResponse};

use crate::ratelimit;

/// The API description the generated paths are added to.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Dateline",
        description = "A headless news content API: articles, sections, authors, tags and media for newsroom front ends. Times are RFC 3339 with the newsroom's offset; ids are opaque strings; errors are RFC 9457 problem+json.",
    ),
    servers((url = "/", description = "The server this description was fetched from")),
    tags(
        (name = "articles", description = "Public stories: latest news, section fronts, one story"),
        (name = "sections", description = "The desk tree"),
        (name = "authors", description = "Bylines"),
        (name = "tags", description = "Keywords"),
        (name = "media", description = "Image files, uploads and renditions"),
        (name = "auth", description = "Signing in, tokens and accounts"),
        (name = "newsroom", description = "Writing, editing, approving and scheduling stories; revisions, previews and the audit trail (bearer token)"),
        (name = "rankings", description = "The view beacon and most-viewed rankings"),
        (name = "operations", description = "Health and readiness"),
        (name = "syndication", description = "Feeds, sitemaps, structured data, partners with API keys (X-Api-Key), the change feed and webhooks"),
        (name = "comments", description = "Reader comments (뉴스댓글): posting without an account, reports, reactions, and editors' moderation"),
        (name = "live", description = "Live news as server-sent events; GraphQL subscriptions carry the same events over WebSocket at /graphql"),
    ),
    components(responses(
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        PreconditionFailed,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        PreconditionRequired,
        TooManyRequests,
        ServiceUnavailable,
        NotModified,
    )),
    modifiers(&SecuritySchemes)
)]
pub(crate) struct ApiDoc;

/// Declares the `bearer` scheme the newsroom's routes name and the `partnerKey` header a
/// partner sends on public reads.
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            PARTNER_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "A partner's API key: its own rate limit, rights and sections. Optional; an unknown key is 401.",
            ))),
        );
        for (name, description) in [
            (
                "Retry-After",
                "Seconds until a request is allowed again; waiting this long is enough",
            ),
            (
                "RateLimit",
                "The allowance left now (IETF httpapi RateLimit draft): `\"policy\";r=remaining;t=seconds until full`",
            ),
            (
                "RateLimit-Policy",
                "The policy the sender is held to: `\"policy\";q=requests;w=window seconds`",
            ),
        ] {
            let schema = if name == "Retry-After" {
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1))
            } else {
                ObjectBuilder::new().schema_type(Type::String)
            };
            components.headers.insert(
                name.to_owned(),
                HeaderBuilder::new()
                    .schema(Some(schema))
                    .description(Some(description))
                    .build()
                    .into(),
            );
        }
    }
}

/// The security scheme name of `X-Api-Key`.
const PARTNER_KEY: &str = "partnerKey";

const PROBLEM_JSON: &str = "application/problem+json";

/// A problem answer: its description and an example document of its status and code.
fn problem(description: &str, status: u16, code: &str, title: &str, detail: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .example(Some(json!({
                    "type": format!("/problems/{}", code.to_ascii_lowercase().replace('_', "-")),
                    "title": title,
                    "status": status,
                    "detail": detail,
                    "code": code,
                })))
                .build(),
        )
        .build()
}

/// One shared problem answer, in `components.responses` under the type's name.
macro_rules! problem_response {
    ($name:ident, $status:literal, $code:literal, $title:literal, $detail:literal, $description:literal) => {
        #[doc = $description]
        pub(crate) struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (
                    stringify!($name),
                    problem($description, $status, $code, $title, $detail).into(),
                )
            }
        }
    };
}

problem_response!(
    BadRequest,
    400,
    "BAD_REQUEST",
    "Bad request parameter",
    "limit: must be between 1 and 100",
    "A query parameter, header or body that cannot be read"
);
problem_response!(
    Unauthorized,
    401,
    "UNAUTHORIZED",
    "Not signed in",
    "no bearer token",
    "No bearer token, or one that is expired, revoked or tampered with; or an API key no partner holds (`WWW-Authenticate` names the scheme)"
);
problem_response!(
    Forbidden,
    403,
    "FORBIDDEN",
    "Not allowed for this role",
    "editors only",
    "Signed in, but this role may not do it"
);
problem_response!(
    NotFound,
    404,
    "NOT_FOUND",
    "Not found",
    "no article \"art_01J0000000000000000000000\"",
    "Nothing by that id or slug (or nothing public)"
);
problem_response!(
    PreconditionFailed,
    412,
    "PRECONDITION_FAILED",
    "Edited by someone else",
    "version 3 is stale: the story is at version 4",
    "`If-Match` names a version that is no longer current"
);
problem_response!(
    PayloadTooLarge,
    413,
    "PAYLOAD_TOO_LARGE",
    "Request body too large",
    "request body too large",
    "The request body is over the limit"
);
problem_response!(
    UnsupportedMediaType,
    415,
    "UNSUPPORTED_MEDIA_TYPE",
    "Unsupported media type",
    "send the body as application/json",
    "The body is not in a media type this operation reads"
);
problem_response!(
    Unprocessable,
    422,
    "VALIDATION",
    "Invalid content",
    "headline: must not be empty",
    "The body was read but a field breaks a rule (`errors` names it)"
);
problem_response!(
    PreconditionRequired,
    428,
    "PRECONDITION_REQUIRED",
    "Version required",
    "send If-Match or version",
    "An edit must name the version it was made from (`If-Match` or `version`)"
);
problem_response!(
    TooManyRequests,
    429,
    "TOO_MANY_REQUESTS",
    "Too many requests",
    "too many requests; retry after 20 seconds",
    "An allowance is spent: the client's rate limit, or this operation's own (comments, reports, reactions, password tries, sign-in failures). `Retry-After` says how long until a request is allowed again"
);
problem_response!(
    ServiceUnavailable,
    503,
    "UNAVAILABLE",
    "Service unavailable",
    "the database does not answer",
    "The database does not answer; try again later"
);

/// `304`: the client's copy is current.
pub(crate) struct NotModified;

impl<'r> ToResponse<'r> for NotModified {
    fn response() -> (&'r str, RefOr<Response>) {
        (
            "NotModified",
            ResponseBuilder::new()
                .description("Unchanged since the ETag sent in If-None-Match; no body")
                .build()
                .into(),
        )
    }
}

/// Adds to every operation what the layers around the routes answer (see `router.rs`):
///
/// - the rate limit (`ratelimit::limit_public_reads`) on every path it does not exempt: 429 with
///   `Retry-After` and the `RateLimit` fields, 401 for an API key no partner holds, and the
///   optional `X-Api-Key` as a security alternative where the operation names no other;
/// - the body limit: 413 wherever a body is read; a JSON body may also be unreadable (400),
///   sent as another type (415) or break a field rule (422);
/// - query strings parsed at the edge: 400;
/// - the response cache: 304 on a public GET it validates.
pub(crate) fn add_layer_answers(openapi: &mut Document) {
    let rate_limited_headers = ["Retry-After", "RateLimit", "RateLimit-Policy"];
    if let Some(components) = openapi.components.as_mut()
        && let Some(RefOr::T(limited)) = components.responses.get_mut("TooManyRequests")
    {
        for name in rate_limited_headers {
            limited.headers.insert(
                name.to_owned(),
                RefOr::Ref(Ref::new(format!("#/components/headers/{name}"))),
            );
        }
    }
    for (path, item) in openapi.paths.paths.iter_mut() {
        let limited = ratelimit::is_limited_path(path);
        let cached = is_validated_path(path);
        let operations = [
            (&mut item.get, true),
            (&mut item.head, true),
            (&mut item.put, false),
            (&mut item.post, false),
            (&mut item.patch, false),
            (&mut item.delete, false),
        ];
        for (operation, read) in operations {
            let Some(operation) = operation.as_mut() else {
                continue;
            };
            add_operation_answers(operation, limited, read && cached);
        }
    }
}

fn add_operation_answers(operation: &mut Operation, limited: bool, cached: bool) {
    let signed_in = operation.security.as_ref().is_some_and(|security| {
        security
            .iter()
            .any(|requirement| *requirement != SecurityRequirement::default())
    });
    if operation.security.is_none() {
        let mut security = vec![SecurityRequirement::default()];
        if limited {
            security.push(SecurityRequirement::new(PARTNER_KEY, Vec::<String>::new()));
        }
        operation.security = Some(security);
    }
    let query = operation.parameters.iter().flatten().any(|parameter| {
        matches!(parameter, RefOr::T(parameter) if parameter.parameter_in == ParameterIn::Query)
    });
    let (body, json_body) = match &operation.request_body {
        Some(RefOr::T(RequestBody { content, .. })) => {
            (true, content.contains_key("application/json"))
        }
        Some(RefOr::Ref(_)) => (true, false),
        None => (false, false),
    };
    let mut answers: Vec<(&str, &str)> = Vec::new();
    if cached && !signed_in {
        answers.push(("304", "NotModified"));
    }
    if query || json_body {
        answers.push(("400", "BadRequest"));
    }
    if limited {
        answers.push(("401", "Unauthorized"));
        answers.push(("429", "TooManyRequests"));
    }
    if body {
        answers.push(("413", "PayloadTooLarge"));
    }
    if json_body {
        answers.push(("415", "UnsupportedMediaType"));
        answers.push(("422", "Unprocessable"));
    }
    let responses = &mut operation.responses.responses;
    for (status, component) in answers {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(component)));
    }
}

/// Public GETs whose answers the response cache validates (`ETag`, `304`), as
/// `cache::layer` decides it.
fn is_validated_path(path: &str) -> bool {
    crate::cache::layer::is_cacheable_path(path)
}

/// One operation's captured exchange: the body it was sent (if any) and what it answered.
#[derive(Deserialize)]
struct Exchange {
    request: Option<Value>,
    response: Option<Value>,
}

/// A real request and answer per operation, by operation id, from a fresh demo
/// (`scripts/capture-openapi-examples` writes it). `tests/e2e/openapi.rs` checks each against
/// the schema it illustrates, so an answer whose shape changes fails until it is captured again.
const EXAMPLES: &str = include_str!("openapi/examples.json");

/// Sets each operation's request-body and success-answer examples from [`EXAMPLES`], where the
/// handler's annotation gave none.
pub(crate) fn add_examples(openapi: &mut Document) {
    let exchanges: BTreeMap<String, Exchange> = match serde_json::from_str(EXAMPLES) {
        Ok(exchanges) => exchanges,
        Err(error) => {
            // Only a hand-edited file can fail here; the document is still valid without them,
            // and the test that every operation has an example names the problem.
            tracing::error!(%error, "openapi/examples.json is not readable");
            return;
        }
    };
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            let Some(exchange) = operation
                .operation_id
                .as_ref()
                .and_then(|id| exchanges.get(id))
            else {
                continue;
            };
            if let (Some(request), Some(RefOr::T(body))) =
                (&exchange.request, operation.request_body.as_mut())
            {
                for content in body.content.values_mut() {
                    if let RefOr::T(content) = content {
                        content.example.get_or_insert_with(|| request.clone());
                    }
                }
            }
            let success = operation
                .responses
                .responses
                .iter_mut()
                .find(|(status, _)| status.starts_with('2'));
            if let (Some(answer), Some((_, RefOr::T(response)))) = (&exchange.response, success) {
                for content in response.content.values_mut() {
                    if let RefOr::T(content) = content {
                        content.example.get_or_insert_with(|| answer.clone());
                    }
                }
            }
        }
    }
}

/// Removes the schemas nothing in the document refers to. utoipa registers every body type it
/// meets, but writes an `Item<T>` wrapper with `T` inline, so `T`'s own entry is referenced by
/// nothing; code generators would emit a dead type for each, and linters flag them. Runs to a
/// fixed point, since dropping one schema can leave another unreferenced.
pub(crate) fn drop_unreferenced_schemas(openapi: &mut Document) {
    loop {
        // Serialising a document of strings and maps cannot fail; if it ever did, keeping every
        // schema is the safe answer.
        let Ok(text) = serde_json::to_string(&*openapi) else {
            return;
        };
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let unreferenced: Vec<String> = components
            .schemas
            .keys()
            .filter(|name| !text.contains(&format!("\"#/components/schemas/{name}\"")))
            .cloned()
            .collect();
        if unreferenced.is_empty() {
            return;
        }
        for name in unreferenced {
            components.schemas.remove(&name);
        }
    }
}
