//! Gives every error a request can fail with before it runs a stable `extensions.code`, as
//! resolver errors already have: `GRAPHQL_PARSE_FAILED` for a syntax error and
//! `GRAPHQL_VALIDATION_FAILED` for a query the schema refuses (unknown fields, wrong arguments),
//! `QUERY_TOO_DEEP` and `QUERY_TOO_COMPLEX` for one over the limits (set by `cost.rs`), and
//! `PERSISTED_QUERY_NOT_FOUND` for a persisted-query hash this server has not seen (the client
//! then sends the query with its hash).

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
    NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ServerError, ServerResult, ValidationResult, Variables};

pub(crate) const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub(crate) const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
pub(crate) const TOO_DEEP: &str = "QUERY_TOO_DEEP";
pub(crate) const TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
pub(crate) const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
/// A persisted-query extension that is malformed or whose hash does not match its query.
pub(crate) const PERSISTED_QUERY_INVALID: &str = "PERSISTED_QUERY_INVALID";

/// The message its persisted-queries extension answers an unknown hash with; Apollo clients
/// match on it.
const NOT_FOUND_MESSAGE: &str = "PersistedQueryNotFound";

/// Installs the codes on a schema.
pub(crate) struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

fn with_code(mut error: ServerError, code: &str) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code);
    }
    error
}

#[async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|error| with_code(error, PARSE_FAILED))
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        next.run(ctx, request).await.map_err(|error| {
            let code = if error.message == NOT_FOUND_MESSAGE {
                PERSISTED_QUERY_NOT_FOUND
            } else {
                PERSISTED_QUERY_INVALID
            };
            with_code(error, code)
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|error| with_code(error, VALIDATION_FAILED))
                .collect()
        })
    }
}
