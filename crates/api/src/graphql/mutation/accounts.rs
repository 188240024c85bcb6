//! `createUser`, `updateUser` (admins).

use async_graphql::{Context, ID, Object, Result};
use dateline_app::service::accounts::{self, AccountChanges, NewAccount};
use secrecy::SecretString;

use crate::graphql::types::newsroom::{NewUserInput, UserChangesInput, UserObject};
use crate::graphql::types::{app, principal};
use crate::problem::GraphqlResult as _;

#[derive(Default)]
pub(crate) struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates an account (admins).
    async fn create_user(&self, ctx: &Context<'_>, input: NewUserInput) -> Result<UserObject> {
        let principal = principal(ctx).await.or_graphql_error()?;
        let account = NewAccount {
            email: input.email,
            display_name: input.display_name,
            role: input.role.wire().to_owned(),
            password: SecretString::from(input.password),
            author: input.author,
        };
        accounts::create_user(app(ctx), &principal, account)
            .await
            .map(UserObject)
            .or_graphql_error()
    }

    /// Changes an account (admins).
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UserChangesInput,
    ) -> Result<UserObject> {
        let principal = principal(ctx).await.or_graphql_error()?;
        let changes = AccountChanges {
            author: input.author(),
            display_name: input.display_name,
            role: input.role.map(|role| role.wire().to_owned()),
            disabled: input.disabled,
            password: input.password.map(SecretString::from),
        };
        accounts::update_user(app(ctx), &principal, &id, changes)
            .await
            .map(UserObject)
            .or_graphql_error()
    }
}
