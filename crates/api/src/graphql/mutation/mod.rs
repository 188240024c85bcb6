//! Root mutation fields, one object per area, merged into `Mutation`. Each calls the same
//! service function as its REST route.

pub(crate) mod accounts;
pub(crate) mod articles;
pub(crate) mod comments;
pub(crate) mod sections;
pub(crate) mod views;

use async_graphql::MergedObject;

/// Every root mutation field.
#[derive(MergedObject, Default)]
pub struct Mutation(
    articles::ArticleMutation,
    accounts::AccountMutation,
    sections::SectionMutation,
    views::ViewMutation,
    comments::CommentMutation,
);
