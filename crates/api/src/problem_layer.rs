//! Makes every error answer a problem document: axum's own rejections (body limit, JSON, path
//! and query), the timeout layer's 408 and anything else that leaves the stack as plain text
//! are rewritten here, once, as problem+json with a stable code, so no handler has to remember.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};

use crate::problem::ApiError;

/// The most of a rejection's text kept as the problem's detail; axum's are one line.
const DETAIL_BYTES: usize = 4 * 1024;

/// Media types that already carry an error in a form clients parse: problems, and GraphQL
/// answers (which speak `extensions.code`).
fn already_structured(content_type: &str) -> bool {
    content_type.starts_with("application/problem+json")
        || content_type.starts_with("application/graphql-response+json")
        || content_type.starts_with("application/json")
}

/// Rewrites an error answer that is not a problem (or GraphQL) document into one, keeping its
/// status and headers such as `Allow` and `Retry-After`.
pub(crate) async fn errors_as_problems(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let structured = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(already_structured);
    if structured {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // A coded body (the compression layer may have run) is not readable text: say nothing.
    let plain = !parts.headers.contains_key(header::CONTENT_ENCODING);
    let detail = match axum::body::to_bytes(body, DETAIL_BYTES).await {
        Ok(bytes) if plain && !bytes.trim_ascii().is_empty() => {
            Some(String::from_utf8_lossy(bytes.trim_ascii()).into_owned())
        }
        _ => None,
    };
    let mut problem = ApiError::from_status(status, detail.as_deref()).into_response();
    // The status the answer was given stays (a 411 stays 411 even if its code is generic).
    *problem.status_mut() = status;
    for name in [
        header::CONTENT_TYPE,
        header::CONTENT_LENGTH,
        header::CONTENT_ENCODING,
    ] {
        parts.headers.remove(name);
    }
    let headers = problem.headers_mut();
    for name in parts.headers.keys() {
        headers.remove(name);
    }
    for (name, value) in &parts.headers {
        headers.append(name.clone(), value.clone());
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    problem
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt as _;

    use super::*;

    #[tokio::test]
    async fn a_plain_text_rejection_leaves_as_a_problem_with_its_status_and_headers() {
        let router = Router::new()
            .route(
                "/",
                get(|| async {
                    (
                        StatusCode::PAYLOAD_TOO_LARGE,
                        [(header::RETRY_AFTER, "5")],
                        "length limit exceeded",
                    )
                }),
            )
            .layer(axum::middleware::from_fn(errors_as_problems));
        let response = router
            .oneshot(Request::get("/").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["code"], "PAYLOAD_TOO_LARGE");
        assert_eq!(problem["status"], 413);
    }
}
