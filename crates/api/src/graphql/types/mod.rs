//! GraphQL output types. Each wraps a domain value; none is a database row.

pub(crate) mod article;
pub(crate) mod author;
pub(crate) mod body;
pub(crate) mod comment;
pub(crate) mod connection;
pub(crate) mod media;
pub(crate) mod newsroom;
pub(crate) mod node;
pub(crate) mod popular;
pub(crate) mod search;
pub(crate) mod section;
pub(crate) mod tag;

use async_graphql::Context;
use async_graphql::dataloader::DataLoader;
use dateline_app::App;
use dateline_app::service::articles::ArticlePage;
use dateline_app::service::audience::Audience;

use crate::graphql::loaders::RelationLoader;

/// The application state the schema was built with.
pub(crate) fn app<'a>(ctx: &Context<'a>) -> &'a App {
    ctx.data_unchecked::<App>()
}

/// Who is asking: a partner named by `X-Api-Key` (its sections and rights, as over REST), or
/// the public. A request the endpoint did not give one to (the schema run on its own) is public.
pub(crate) fn audience<'a>(ctx: &Context<'a>) -> &'a Audience {
    static PUBLIC: Audience = Audience::Public;
    ctx.data_opt::<Audience>().unwrap_or(&PUBLIC)
}

/// Notes a story list in the answer's cache keys: every list changes with the public set, a
/// filtered one with its section's, tag's or author's stories (as REST's lists), and the page
/// with an edit of any story on it.
pub(crate) fn note_list(ctx: &Context<'_>, page: &ArticlePage) {
    let filters = [
        page.filter.section.map(|id| id.to_string()),
        page.filter.tag.map(|id| id.to_string()),
        page.filter.author.map(|id| id.to_string()),
    ];
    crate::graphql::answer_keys::note(ctx, |keys| {
        keys.story_list(filters.iter().flatten().map(String::as_str));
        for article in &page.articles {
            keys.story(article.id);
        }
    });
}

/// Notes a page's stories as served to the partner asking, for its usage report.
pub(crate) fn record_served(ctx: &Context<'_>, page: &ArticlePage) {
    audience(ctx).record_served(app(ctx), &page.articles);
}

/// The signed-in account a resolver acts for; 401 (`UNAUTHORIZED`) without valid credentials.
pub(crate) async fn principal(
    ctx: &Context<'_>,
) -> Result<dateline_app::auth::Principal, dateline_app::AppError> {
    let credentials = ctx
        .data_opt::<crate::graphql::Credentials>()
        .and_then(|credentials| credentials.0.as_deref());
    dateline_app::auth::authenticate(app(ctx), credentials).await
}

/// The relation loader the schema was built with.
pub(crate) fn loader<'a>(ctx: &Context<'a>) -> &'a DataLoader<RelationLoader> {
    ctx.data_unchecked::<DataLoader<RelationLoader>>()
}

/// Turns a loader failure into a GraphQL error that keeps its code. The loader logged the
/// failure once for its batch, so the fields that read it only carry it.
#[expect(
    clippy::needless_pass_by_value,
    reason = "shaped for `map_err`, which hands over the error by value"
)]
pub(crate) fn load_failed(err: std::sync::Arc<dateline_app::AppError>) -> async_graphql::Error {
    crate::problem::carry_graphql_error(err.as_ref())
}

/// The signed-in account when the request carries credentials; `None` without any. Credentials
/// that do not hold are still an error.
pub(crate) async fn optional_principal(
    ctx: &Context<'_>,
) -> Result<Option<dateline_app::auth::Principal>, dateline_app::AppError> {
    let sent = ctx
        .data_opt::<crate::graphql::Credentials>()
        .is_some_and(|credentials| credentials.0.is_some());
    if sent {
        principal(ctx).await.map(Some)
    } else {
        Ok(None)
    }
}
