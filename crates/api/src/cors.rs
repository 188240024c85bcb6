//! Cross-origin access for page scripts: which origins may call the API, which request headers
//! they may send and which answer headers they may read.
//!
//! The headers are named rather than `*`: the Fetch standard's wildcard never covers
//! `Authorization`, so a newsroom tool on another origin could not send its bearer token, and
//! without `Access-Control-Expose-Headers` a script cannot read the ETag it must send back with
//! `If-Match`, or the `Retry-After` it must wait.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::headers::{API_KEY_HEADER, RATE_LIMIT, RATE_LIMIT_POLICY};

/// What a cross-origin request may send.
const ALLOWED_HEADERS: [HeaderName; 5] = [
    header::AUTHORIZATION,
    header::CONTENT_TYPE,
    HeaderName::from_static(API_KEY_HEADER),
    header::IF_NONE_MATCH,
    header::IF_MATCH,
];

/// What a page script may read of an answer beyond the CORS-safelisted headers.
const EXPOSED_HEADERS: [HeaderName; 5] = [
    header::ETAG,
    RATE_LIMIT,
    RATE_LIMIT_POLICY,
    header::RETRY_AFTER,
    header::LOCATION,
];

const ALLOWED_METHODS: [Method; 7] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
];

/// How long a browser may keep a preflight's answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(86_400);

/// The origins whose pages may call the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Any origin: right for public reads, and what a headless API is for.
    #[default]
    Any,
    /// Only these (`https://www.news.example`), each in its serialised origin form.
    Only(Vec<HeaderValue>),
}

impl CorsOrigins {
    /// Reads `*` or a list of origins (`https://a.example,https://b.example:8443`).
    pub fn parse(origins: &[String]) -> Result<Self, String> {
        if origins.is_empty() || origins.iter().any(|origin| origin.trim() == "*") {
            return Ok(Self::Any);
        }
        origins
            .iter()
            .map(|origin| {
                let origin = origin.trim();
                let url = url::Url::parse(origin).map_err(|_| {
                    format!("{origin:?} is not an origin such as https://news.example")
                })?;
                let serialised = url.origin().ascii_serialization();
                if !matches!(url.scheme(), "http" | "https") || serialised == "null" {
                    return Err(format!("{origin:?} is not an http(s) origin"));
                }
                HeaderValue::from_str(&serialised).map_err(|err| err.to_string())
            })
            .collect::<Result<_, _>>()
            .map(Self::Only)
    }

    /// The layer answering preflights and marking answers for these origins.
    pub(crate) fn layer(&self) -> CorsLayer {
        let origins = match self {
            Self::Any => AllowOrigin::any(),
            Self::Only(list) => AllowOrigin::list(list.iter().cloned()),
        };
        CorsLayer::new()
            .allow_origin(origins)
            .allow_methods(ALLOWED_METHODS)
            .allow_headers(ALLOWED_HEADERS)
            .expose_headers(EXPOSED_HEADERS)
            .max_age(PREFLIGHT_MAX_AGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_kept_in_their_serialised_form_and_star_means_any() {
        assert_eq!(CorsOrigins::parse(&[]).unwrap(), CorsOrigins::Any);
        assert_eq!(CorsOrigins::parse(&["*".into()]).unwrap(), CorsOrigins::Any);
        assert_eq!(
            CorsOrigins::parse(&["https://News.Example/path".into()]).unwrap(),
            CorsOrigins::Only(vec![HeaderValue::from_static("https://news.example")])
        );
        for bad in ["news.example", "ftp://news.example", "javascript:alert(1)"] {
            assert!(CorsOrigins::parse(&[bad.into()]).is_err(), "{bad}");
        }
    }
}
