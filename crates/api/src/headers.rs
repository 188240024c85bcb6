//! The names of Dateline's own HTTP header fields, in one leaf module that the layers, the
//! extractors and the CORS policy all read.

use axum::http::HeaderName;

/// The header partners send their key in.
pub(crate) const API_KEY_HEADER: &str = "x-api-key";

/// The RateLimit header fields (draft-ietf-httpapi-ratelimit-headers): the policy a sender is
/// held to, and where it stands in it now.
pub(crate) const RATE_LIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
pub(crate) const RATE_LIMIT: HeaderName = HeaderName::from_static("ratelimit");
