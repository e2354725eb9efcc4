//! The OpenAPI document tells the truth about the answers every operation shares: which
//! operations need credentials (and their 401), what malformed input gets (400, 415, 422), that
//! every error is a documented `application/problem+json` Problem, and that a known path asked
//! with another method is a 405 naming the methods it takes. `.ci/schemathesis.sh` checks the
//! rest of the document against thousands of generated requests.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{SLUG, TestApp};

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch"];

struct Operation {
    id: String,
    method: Method,
    template: String,
    operation: Value,
}

async fn served_document(app: &TestApp) -> Value {
    app.client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json")
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for (template, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(operation) = item.get(*method) {
                out.push(Operation {
                    id: operation["operationId"].as_str().expect("id").to_owned(),
                    method: method.to_uppercase().parse().expect("method"),
                    template: template.clone(),
                    operation: operation.clone(),
                });
            }
        }
    }
    assert!(out.len() >= 50, "{} operations", out.len());
    out
}

/// The template with real-looking values: the test's event, and ids that name nothing.
fn concrete(template: &str, id: &str) -> String {
    template
        .replace("{slug}", SLUG)
        .replace("{kind}", "acceptance")
        .replace("{id}", id)
        .replace("{user_id}", id)
        .replace("{invitation_id}", id)
}

const NOBODY: &str = "00000000-0000-0000-0000-000000000000";

/// Asserts the status is one the operation documents, as problem+json with the Problem schema
/// when it is an error, and that the body is problem+json.
fn assert_documented(op: &Operation, status: u16, content_type: &str, what: &str) {
    let response = &op.operation["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{} {} ({what}) answered {status}, which it does not document; it documents {:?}",
        op.method,
        op.template,
        op.operation["responses"]
            .as_object()
            .map(|r| r.keys().cloned().collect::<Vec<_>>())
    );
    if status >= 400 {
        assert_eq!(
            response["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem",
            "{} {} documents its {status} as a Problem",
            op.method,
            op.template
        );
        assert!(
            content_type.starts_with("application/problem+json"),
            "{} {} ({what}) answered {status} as {content_type}",
            op.method,
            op.template
        );
    }
}

#[tokio::test]
async fn every_operation_but_the_public_ones_needs_credentials_and_documents_its_401() {
    let app = TestApp::spawn().await;
    app.admin_with_event(SLUG).await;
    let doc = served_document(&app).await;
    let public = mcfp::api::openapi::PUBLIC_OPERATIONS;
    for op in operations(&doc) {
        let mut request = app
            .new_client()
            .request(op.method.clone(), app.url(&concrete(&op.template, NOBODY)));
        if op.operation["requestBody"].is_object() {
            request = request.json(&serde_json::json!({}));
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let challenge = response.headers().get("www-authenticate").cloned();
        assert_documented(&op, status, &content_type, "anonymous");
        if public.contains(&op.id.as_str()) {
            assert_ne!(status, 401, "{} {} is public", op.method, op.template);
            assert!(op.operation.get("security").is_none(), "{}", op.id);
        } else {
            assert_eq!(status, 401, "{} {} anonymous", op.method, op.template);
            assert_eq!(
                challenge.as_ref().and_then(|v| v.to_str().ok()),
                Some("Bearer")
            );
            assert!(
                op.operation["responses"]["401"]["headers"]["WWW-Authenticate"].is_object(),
                "{} documents the challenge",
                op.id
            );
            assert_eq!(
                op.operation["security"],
                serde_json::json!([{"bearer": []}, {"session": []}]),
                "{} declares its credentials",
                op.id
            );
        }
    }
    for scheme in ["bearer", "session"] {
        assert!(doc["components"]["securitySchemes"][scheme].is_object());
    }
}

/// What is sent, to which path, with which body (content type, text).
type Case = (&'static str, String, Option<(&'static str, &'static str)>);

#[tokio::test]
async fn malformed_bodies_and_parameters_get_documented_problems() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event(SLUG).await;
    let doc = served_document(&app).await;
    for op in operations(&doc) {
        let has_uuid_in_path = ["{id}", "{user_id}", "{invitation_id}"]
            .iter()
            .any(|name| op.template.contains(name));
        let has_body = op.operation["requestBody"].is_object();
        let mut cases: Vec<Case> = Vec::new();
        if has_uuid_in_path {
            cases.push((
                "an id that is not a UUID",
                concrete(&op.template, "not-a-uuid"),
                has_body.then_some(("application/json", "{}")),
            ));
        }
        if op.template.contains('{') {
            cases.push((
                "a slug or an id that names nothing",
                concrete(&op.template, NOBODY).replace(SLUG, "no-such-event"),
                has_body.then_some(("application/json", "{}")),
            ));
        }
        if has_body {
            let path = concrete(&op.template, NOBODY);
            cases.push((
                "a body that is not JSON",
                path.clone(),
                Some(("text/plain", "hello")),
            ));
            cases.push((
                "malformed JSON",
                path.clone(),
                Some(("application/json", "{")),
            ));
            cases.push((
                "JSON of the wrong shape",
                path.clone(),
                Some(("application/json", "\"text\"")),
            ));
            // serde reads a struct from an array of its fields too: `[]` was a 200 for classify
            cases.push(("an array", path.clone(), Some(("application/json", "[]"))));
            cases.push((
                "an array of values",
                path,
                Some(("application/json", "[1, 2]")),
            ));
        }
        for (what, path, body) in cases {
            let mut request = app
                .new_client()
                .request(op.method.clone(), app.url(&path))
                .bearer_auth(&admin);
            if let Some((content_type, text)) = body {
                request = request
                    .header("content-type", content_type)
                    .body(text.to_owned());
            }
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            assert!(
                (400..500).contains(&status),
                "{} {path} ({what}): {status}",
                op.method
            );
            assert_documented(&op, status, &content_type, what);
        }
    }
}

#[tokio::test]
async fn a_known_path_with_another_method_is_405_naming_the_methods_it_takes() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event(SLUG).await;
    for (method, path, allow) in [
        ("TRACE", "/api/v1/me".to_owned(), "GET"),
        (
            "DELETE",
            format!("/api/v1/events/{SLUG}/proposals"),
            "GET, POST",
        ),
        (
            "GET",
            format!("/api/v1/proposals/{NOBODY}/withdraw"),
            "POST",
        ),
        ("PUT", "/api/v1/openapi.json".to_owned(), "GET"),
    ] {
        let response = app
            .new_client()
            .request(method.parse().expect("method"), app.url(&path))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 405, "{method} {path}");
        assert_eq!(
            response
                .headers()
                .get("allow")
                .and_then(|v| v.to_str().ok()),
            Some(allow),
            "{method} {path}"
        );
        let problem: Value = response.json().await.expect("problem+json");
        assert_eq!(problem["status"], 405);
    }
    let response = app
        .call(Method::GET, "/api/v1/no/such/path", &admin, None)
        .await;
    assert_eq!(response.status(), 404);
}
