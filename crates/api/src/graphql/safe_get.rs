//! Keeps GET safe: a request that arrived over GET may not run a mutation, in any form. The
//! check runs on the parsed document — after a persisted query's hash has been turned back
//! into its text — so a hash registered by POST cannot carry a mutation in through a link or
//! an image tag.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{ServerError, ServerResult, Variables};

/// The code a mutation over GET is refused with; the endpoint answers it 405.
pub(crate) const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";

/// Put in a request's data by the GET endpoint.
pub(crate) struct OverGet;

/// Installs the check on a schema.
pub(crate) struct SafeGet;

impl ExtensionFactory for SafeGet {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SafeGet)
    }
}

#[async_trait::async_trait]
impl Extension for SafeGet {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        // Any mutation in the document refuses it: which operation runs is chosen later, and a
        // GET has no business carrying one.
        let mutation = document
            .operations
            .iter()
            .any(|(_, operation)| operation.node.ty == OperationType::Mutation);
        if mutation && ctx.data_opt::<OverGet>().is_some() {
            let mut error = ServerError::new("mutations must be sent with POST", None);
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", METHOD_NOT_ALLOWED);
            return Err(error);
        }
        Ok(document)
    }
}
