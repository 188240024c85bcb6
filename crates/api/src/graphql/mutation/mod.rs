//! Root mutation fields, one object per area, merged into `Mutation`.

pub(crate) mod views;

use async_graphql::MergedObject;

/// Every root mutation field.
#[derive(MergedObject, Default)]
pub struct Mutation(views::ViewMutation);
