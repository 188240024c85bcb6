//! `createSection`, `updateSection` (admins).

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result};
use dateline_app::service::sections::{self, SectionInput};

use crate::graphql::types::section::SectionObject;
use crate::graphql::types::{app, principal};
use crate::problem::GraphqlResult as _;

#[derive(Default)]
pub(crate) struct SectionMutation;

/// A desk to add, or the changes to one (its slug and parent never change).
#[derive(InputObject, Default)]
pub(crate) struct SectionFields {
    slug: Option<String>,
    name: Option<String>,
    description: MaybeUndefined<String>,
    /// New sections only: the parent's slug.
    parent: Option<String>,
    position: Option<i32>,
}

impl From<SectionFields> for SectionInput {
    fn from(fields: SectionFields) -> Self {
        Self {
            slug: fields.slug,
            name: fields.name,
            description: match fields.description {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(text) => Some(Some(text)),
            },
            parent: fields.parent,
            position: fields.position,
        }
    }
}

#[Object]
impl SectionMutation {
    /// Adds a section (admins).
    async fn create_section(
        &self,
        ctx: &Context<'_>,
        input: SectionFields,
    ) -> Result<SectionObject> {
        let principal = principal(ctx).await.or_graphql_error()?;
        sections::create_section(app(ctx), &principal, input.into())
            .await
            .map(SectionObject)
            .or_graphql_error()
    }

    /// Renames, describes or reorders a section (admins).
    async fn update_section(
        &self,
        ctx: &Context<'_>,
        slug: String,
        input: SectionFields,
    ) -> Result<SectionObject> {
        let principal = principal(ctx).await.or_graphql_error()?;
        sections::update_section(app(ctx), &principal, &slug, input.into())
            .await
            .map(SectionObject)
            .or_graphql_error()
    }
}
