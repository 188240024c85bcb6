//! `/openapi.json` against itself and against the server: every response described, every
//! operation named, and every status the rate limiter answers declared where it answers it.

use std::collections::HashSet;

use axum::body::Body;
use axum::http::{Method, Request};
use dateline_app::SyndicationSettings;
use serde_json::Value;

use crate::harness::{Engine, TestApp};

const METHODS: [&str; 6] = ["get", "put", "post", "patch", "delete", "head"];

/// Every operation in the document: (method, path, operation).
fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                found.push((method.to_owned(), path.clone(), operation.clone()));
            }
        }
    }
    assert!(found.len() > 50, "the document lists the REST operations");
    found
}

/// A response as written, or the component a `$ref` names.
fn resolve<'a>(spec: &'a Value, response: &'a Value) -> &'a Value {
    match response["$ref"].as_str() {
        Some(reference) => {
            let name = reference.strip_prefix("#/components/responses/").unwrap();
            &spec["components"]["responses"][name]
        }
        None => response,
    }
}

#[tokio::test]
async fn every_openapi_response_is_described_and_every_operation_named_once_under_a_known_tag() {
    let app = TestApp::new(Engine::Sqlite).await;
    let spec = app.get("/openapi.json").await.json();
    let tags: HashSet<&str> = spec["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tag| tag["name"].as_str().unwrap())
        .collect();
    let mut ids = HashSet::new();
    for (method, path, operation) in operations(&spec) {
        let id = operation["operationId"].as_str().unwrap_or_default();
        assert!(!id.is_empty(), "{method} {path} has an operationId");
        assert!(ids.insert(id.to_owned()), "{method} {path}: {id} is unique");
        assert!(
            operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{method} {path} has a summary"
        );
        for tag in operation["tags"].as_array().unwrap() {
            assert!(
                tags.contains(tag.as_str().unwrap()),
                "{method} {path}: {tag} is listed"
            );
        }
        for (status, response) in operation["responses"].as_object().unwrap() {
            let response = resolve(&spec, response);
            assert!(
                response["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{method} {path} {status} has a description"
            );
        }
    }
}

/// A request to `path` with its parameters filled in: no token, no key, no body.
fn probe(method: &str, path: &str) -> Request<Body> {
    let uri = path
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "x"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    Request::builder()
        .method(Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap())
        .uri(uri)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn every_operation_the_rate_limiter_refuses_declares_429_with_its_openapi_headers() {
    // One request a minute: the first probe of each operation may pass, the second is the
    // limiter's to answer. Whatever it refuses must say so in the document, with the headers.
    let app = TestApp::with_syndication(
        Engine::Sqlite,
        SyndicationSettings {
            anonymous_rate_per_minute: 1,
            ..SyndicationSettings::default()
        },
    )
    .await;
    let spec = app.get("/openapi.json").await.json();
    let mut refused = 0;
    for (method, path, operation) in operations(&spec) {
        app.request(probe(&method, &path)).await;
        let answer = app.request(probe(&method, &path)).await;
        let declared = operation["responses"].get("429");
        if answer.status != 429 {
            assert!(
                declared.is_none(),
                "{method} {path} declares 429 the limiter does not answer (got {})",
                answer.status
            );
            continue;
        }
        refused += 1;
        assert!(answer.header("retry-after").is_some(), "{method} {path}");
        let declared = resolve(
            &spec,
            declared
                .unwrap_or_else(|| panic!("{method} {path} is rate limited but declares no 429")),
        );
        for header in ["Retry-After", "RateLimit", "RateLimit-Policy"] {
            assert!(
                declared["headers"].get(header).is_some(),
                "{method} {path}: 429 declares {header}"
            );
        }
        assert!(
            declared["content"]["application/problem+json"]["schema"].is_object(),
            "{method} {path}: 429 is a problem document"
        );
    }
    assert!(
        refused > 40,
        "the public operations are limited ({refused})"
    );
}

#[test]
fn the_openapi_command_prints_the_document_the_server_serves() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_dateline"))
        .arg("openapi")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let served = serde_json::to_value(dateline_api::router::openapi_document()).unwrap();
    assert_eq!(printed, served);
    assert_eq!(printed["openapi"], "3.1.0");
}

/// A validator for the schema `schema` of the document `spec`: the document is the root, so
/// `#/components/schemas/…` references resolve inside it (OpenAPI 3.1 schemas are JSON
/// Schema 2020-12).
fn schema_validator(spec: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = spec.clone();
    let object = root.as_object_mut().unwrap();
    object.insert(
        "$schema".into(),
        "https://json-schema.org/draft/2020-12/schema".into(),
    );
    object.insert("allOf".into(), serde_json::json!([schema]));
    jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap()
}

/// Every operation shows a real request body and answer (captured from the demo by
/// `scripts/capture-openapi-examples`), and each still matches the schema beside it, formats
/// included: an answer whose shape changes fails here until the examples are captured again.
#[tokio::test]
async fn every_operation_has_examples_that_match_their_schemas() {
    let app = TestApp::new(Engine::Sqlite).await;
    let spec = app.get("/openapi.json").await.json();
    let mut checked = 0;
    for (method, path, operation) in operations(&spec) {
        let mut contents: Vec<(String, &Value)> = Vec::new();
        if let Some(body) = operation["requestBody"]["content"].as_object() {
            contents.extend(body.iter().map(|(kind, c)| (format!("request {kind}"), c)));
        }
        let responses = operation["responses"].as_object().unwrap();
        let success = responses.iter().find(|(status, _)| status.starts_with('2'));
        let (status, answer) = success.unwrap_or_else(|| panic!("{method} {path} succeeds"));
        if let Some(answer) = answer["content"].as_object() {
            contents.extend(
                answer
                    .iter()
                    .map(|(kind, c)| (format!("{status} {kind}"), c)),
            );
        }
        for (what, content) in contents {
            // Images are bytes; an example would be a picture, which JSON cannot show.
            if what.ends_with("image/*") {
                continue;
            }
            let example = content
                .get("example")
                .unwrap_or_else(|| panic!("{method} {path}: {what} has an example"));
            if what.contains("xml") {
                assert!(example.is_string(), "{method} {path}: {what} is text");
                continue;
            }
            // JSON-LD and ninjs name no schema here (ninjs is held to IPTC's in `ninjs.rs`).
            let schema = content.get("schema").cloned().unwrap_or(Value::Bool(true));
            let validator = schema_validator(&spec, &schema);
            let errors: Vec<String> = validator
                .iter_errors(example)
                .map(|error| format!("{}: {error}", error.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "{method} {path}: the {what} example breaks its schema:\n{}",
                errors.join("\n")
            );
            checked += 1;
        }
    }
    assert!(checked > 70, "{checked} examples checked");
}
