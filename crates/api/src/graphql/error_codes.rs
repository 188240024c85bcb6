//! Gives every error a request can fail with before it runs a stable `extensions.code`, as
//! resolver errors already have: `GRAPHQL_PARSE_FAILED` for a syntax error and
//! `GRAPHQL_VALIDATION_FAILED` for a query the schema refuses (unknown fields, wrong arguments,
//! depth or complexity over the limits).

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerError, ServerResult, ValidationResult, Variables};

pub(crate) const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub(crate) const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

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
