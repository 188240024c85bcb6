//! Reports what each query cost — its complexity and depth as the limits count them — in the
//! response's `extensions.cost`, so a client sees how close it runs to the limits.

use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextRequest, NextValidation,
};
use async_graphql::{Response, ServerError, ValidationResult, value};

/// Installs the report on a schema.
pub(crate) struct QueryCost {
    pub(crate) max_depth: usize,
    pub(crate) max_complexity: usize,
}

impl ExtensionFactory for QueryCost {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CostOfOne {
            max_depth: self.max_depth,
            max_complexity: self.max_complexity,
            measured: Mutex::default(),
        })
    }
}

/// One request's measurement (an extension instance lives for one request).
struct CostOfOne {
    max_depth: usize,
    max_complexity: usize,
    measured: Mutex<Option<(usize, usize)>>,
}

#[async_trait::async_trait]
impl Extension for CostOfOne {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let response = next.run(ctx).await;
        let measured = *self.measured.lock().unwrap_or_else(PoisonError::into_inner);
        match measured {
            Some((complexity, depth)) => response.extension(
                "cost",
                value!({
                    "complexity": complexity,
                    "depth": depth,
                    "maxComplexity": self.max_complexity,
                    "maxDepth": self.max_depth,
                }),
            ),
            None => response,
        }
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        *self.measured.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((result.complexity, result.depth));
        Ok(result)
    }
}
