//! Hostile input never reaches the database as a 500: a NUL (or another control character) in a
//! path segment, a query parameter or a JSON string gets a 4xx, for every route the OpenAPI
//! document lists, anonymously and as the event's chair. Problems name the field.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Committee, Proposal, SLUG, send, submit};

/// Every (method, path template) of the served OpenAPI document.
async fn documented_routes(committee: &Committee) -> Vec<(Method, String)> {
    let (status, text) = send(
        &committee.app,
        Method::GET,
        "/api/v1/openapi.json",
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let document: Value = serde_json::from_str(&text).expect("openapi json");
    let mut routes = Vec::new();
    for (path, operations) in document["paths"].as_object().expect("paths") {
        for method in operations.as_object().expect("operations").keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            routes.push((method, path.clone()));
        }
    }
    assert!(routes.len() > 40, "{} routes", routes.len());
    routes
}

/// The template with its parameters filled: the slug (or every parameter) poisoned with `poison`.
fn filled(template: &str, proposal: &str, poison: &str) -> String {
    template
        .replace("{slug}", &format!("{SLUG}{poison}"))
        .replace("{id}", proposal)
        .replace("{user_id}", "0190f1f5-0000-7000-8000-000000000000")
        .replace("{kind}", &format!("acceptance{poison}"))
}

#[tokio::test]
async fn a_nul_anywhere_in_a_path_or_query_is_a_4xx_on_every_route() {
    let committee = Committee::spawn().await;
    let app = &committee.app;
    let proposal = submit(
        app,
        &committee.speaker.token,
        Proposal::titled("A NUL test"),
    )
    .await;
    let routes = documented_routes(&committee).await;
    let chair = committee.chair.token.as_str();
    let body = json!({"track": "r\u{0}", "title": "t\u{0}", "decision": "accept\u{0}"});
    let mut tried = 0;
    let mut server_errors = Vec::new();
    for (method, template) in &routes {
        for poison in ["%00", "%01", "%7F"] {
            for query in [
                "",
                "?track=rust%00",
                "?state=submitted%00&cursor=%00&limit=5%00",
            ] {
                let path = format!("{}{query}", filled(template, &proposal, poison));
                for token in [None, Some(chair)] {
                    let (status, text) = send(app, method.clone(), &path, token, Some(&body)).await;
                    tried += 1;
                    if status >= 500 {
                        server_errors.push(format!("{method} {path} → {status}: {text}"));
                    }
                }
            }
        }
    }
    assert!(tried > 700, "{tried} requests");
    assert!(
        server_errors.is_empty(),
        "{} of {tried} requests got a 5xx:\n{}",
        server_errors.len(),
        server_errors.join("\n")
    );
}

#[tokio::test]
async fn the_problem_names_the_poisoned_query_parameter_and_slugs_are_404() {
    let committee = Committee::spawn().await;
    let app = &committee.app;
    let chair = committee.chair.token.as_str();
    let path = format!("/api/v1/events/{SLUG}/proposals?track=rust%00");
    let (status, text) = send(app, Method::GET, &path, Some(chair), None).await;
    assert_eq!(status, 422, "{text}");
    let problem: Value = serde_json::from_str(&text).expect("problem");
    assert!(problem["errors"]["track"].is_array(), "{problem}");
    let (status, _) = send(app, Method::GET, "/api/v1/events/acl%00", None, None).await;
    assert_eq!(status, 404);
    // the dashboard page with a poisoned filter: a 4xx, not a 500
    let (status, _) = send(
        app,
        Method::GET,
        &format!("/events/{SLUG}/dashboard?track=rust%00"),
        Some(chair),
        None,
    )
    .await;
    assert!((400..500).contains(&status), "{status}");
}

#[tokio::test]
async fn a_nul_in_a_json_string_is_refused_and_nothing_is_stored() {
    let committee = Committee::spawn().await;
    let app = &committee.app;
    let chair = committee.chair.token.as_str();
    let bulk = json!({"track": "r\u{0}", "decision": "reject"});
    let (status, text) = send(
        app,
        Method::POST,
        &format!("/api/v1/events/{SLUG}/decisions"),
        Some(chair),
        Some(&bulk),
    )
    .await;
    assert!((400..500).contains(&status), "{status}: {text}");
    let proposal = Proposal::titled("Null\u{0}title");
    let (status, text) = send(
        app,
        Method::POST,
        &proposal.path(),
        Some(&committee.speaker.token),
        Some(&proposal.body()),
    )
    .await;
    assert_eq!(status, 422, "{text}");
    let problem: Value = serde_json::from_str(&text).expect("problem");
    assert!(problem["errors"]["title"].is_array(), "{problem}");
}

#[tokio::test]
async fn a_refused_client_is_told_when_to_retry() {
    let app = crate::helpers::TestApp::spawn_with(crate::helpers::SpawnOptions {
        auth_rate_per_minute: 1,
        ..Default::default()
    })
    .await;
    let login = json!({"email": "x@example.org", "password": "whatever it is"});
    let first = app.post_json("/api/v1/auth/login", &login).await;
    assert_eq!(first.status(), 401);
    assert!(first.headers().get("retry-after").is_none());
    let refused = app.post_json("/api/v1/auth/login", &login).await;
    assert_eq!(refused.status(), 429);
    let retry_after = refused
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    assert_eq!(retry_after, Some(60));
}

/// Sends a request head promising a body, then only its first byte; returns the status line of
/// the answer and how long it took.
async fn trickled_body(
    app: &crate::helpers::TestApp,
    path: &str,
    content_type: &str,
) -> (String, u64) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: {content_type}\r\nContent-Length: 100\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let started = std::time::Instant::now();
    let mut answer = vec![0u8; 512];
    let read = tokio::time::timeout(std::time::Duration::from_secs(30), stream.read(&mut answer))
        .await
        .expect("an answer within 30 s")
        .expect("read");
    let text = String::from_utf8_lossy(&answer[..read]).into_owned();
    let status_line = text.lines().next().unwrap_or_default().to_owned();
    (status_line, started.elapsed().as_secs())
}

#[tokio::test]
async fn a_body_that_never_finishes_arriving_gets_a_408() {
    let app = crate::helpers::TestApp::spawn().await;
    let (json, json_seconds) = trickled_body(&app, "/api/v1/auth/login", "application/json").await;
    assert!(json.starts_with("HTTP/1.1 408"), "{json}");
    // not before the timeout: the server waited for the body, then gave up
    assert!(json_seconds >= 9, "{json_seconds} s");
    let (form, _) = trickled_body(&app, "/login", "application/x-www-form-urlencoded").await;
    assert!(form.starts_with("HTTP/1.1 408"), "{form}");
}
