//! What a GraphQL answer read, as the response cache's keys. Resolvers note the stories,
//! sections, authors, tags, lists and comment threads they looked at — including what they
//! looked for and did not find — so a change drops exactly the cached answers that showed it, on
//! every node, as REST answers are dropped (decision 0501). An answer that read no list survives
//! edits to other stories; one that read no comments survives every comment.

use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::Context;

use crate::cache::CacheKeys;

/// The keys of one GraphQL request's answer, filled while it runs.
#[derive(Default)]
pub(crate) struct AnswerKeys(Mutex<CacheKeys>);

impl AnswerKeys {
    pub(crate) fn shared() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The keys noted so far. A resolver that panicked mid-note cannot leave fewer keys than it
    /// read: each note is whole or absent, so a poisoned lock's keys are still usable.
    pub(crate) fn keys(&self) -> CacheKeys {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Notes what a resolver read. Only cacheable requests (GET) carry a collector; elsewhere this
/// does nothing.
pub(crate) fn note(ctx: &Context<'_>, read: impl FnOnce(&mut CacheKeys)) {
    if let Some(keys) = ctx.data_opt::<Arc<AnswerKeys>>() {
        read(&mut keys.0.lock().unwrap_or_else(PoisonError::into_inner));
    }
}
