//! The REST surface: JSON under `/api/v1`, documented by the OpenAPI it generates.
//!
//! Handlers extract and parse input, call one service function, and map the result to a response
//! type from `dto`.

pub(crate) mod articles;
pub(crate) mod auth;
pub(crate) mod authors;
pub(crate) mod changes;
pub(crate) mod comments;
pub(crate) mod dto;
pub(crate) mod extract;
pub(crate) mod health;
pub(crate) mod media;
pub(crate) mod newsroom;
pub(crate) mod newsroom_dto;
pub(crate) mod partners;
pub(crate) mod popular;
pub(crate) mod search;
pub(crate) mod sections;
pub(crate) mod stream;
pub(crate) mod structured;
pub(crate) mod syndication;
pub(crate) mod tags;
pub(crate) mod users;
pub(crate) mod views;
pub(crate) mod webhooks;
