use serde_json::Value;

use crate::helpers::TestApp;

async fn problem(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: Value = response.json().await.expect("problem json");
    assert_eq!(body["status"], status);
    for key in ["type", "title", "detail"] {
        assert!(body[key].is_string(), "{key} in {body}");
    }
    body
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .header("Content-Type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .expect("send");
    let body = problem(response, 400).await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("malformed JSON"))
    );
}

#[tokio::test]
async fn wrong_types_and_missing_fields_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let cases = [
        (r#"{"email": 42, "name": "A", "password": "x"}"#, "email"),
        (r#"{"name": "A", "password": "x"}"#, "email"),
        (r#""just a string""#, "body"),
    ];
    for (body, field) in cases {
        let response = app
            .client
            .post(app.url("/api/v1/auth/register"))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .expect("send");
        let problem = problem(response, 422).await;
        assert!(problem["errors"][field].is_array(), "{field} in {problem}");
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("Content-Type", "text/plain")
        .body(r#"{"email": "a@b.c", "password": "x"}"#)
        .send()
        .await
        .expect("send");
    problem(response, 415).await;
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let app = TestApp::spawn().await;
    let huge = format!(
        r#"{{"email": "a@example.org", "name": "{}", "password": "x"}}"#,
        "a".repeat(300 * 1024)
    );
    let response = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .header("Content-Type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("send");
    problem(response, 413).await;
}

#[tokio::test]
async fn unknown_api_routes_are_problem_404_and_unknown_pages_are_html_404() {
    let app = TestApp::spawn().await;
    problem(
        app.client
            .get(app.url("/api/v1/nothing-here"))
            .send()
            .await
            .expect("send"),
        404,
    )
    .await;
    problem(
        app.client
            .get(app.url("/api/v1/events/no-such-event"))
            .send()
            .await
            .expect("send"),
        404,
    )
    .await;
    let page = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .expect("send");
    assert_eq!(page.status(), 404);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let html = page.text().await.expect("body");
    assert!(html.contains("Not found") && html.contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn bad_path_parameters_are_400_not_500() {
    let app = TestApp::spawn().await;
    app.register("path@example.org", "Path").await;
    let token = app.login("path@example.org").await;
    let response = app
        .new_client()
        .delete(app.url("/api/v1/me/tokens/not-a-uuid"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    problem(response, 400).await;
}

#[tokio::test]
async fn hostile_input_never_yields_a_5xx() {
    let app = TestApp::spawn().await;
    let bodies = [
        "null",
        "\"string\"",
        "{}",
        r#"{"email": null, "name": null, "password": null}"#,
        r#"{"email": "\u0000@x.org", "name": "\u202e", "password": "\ud800"}"#,
        r#"{"email": "a@b.c", "name": "n", "password": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1"}"#,
        "{\"a\":".repeat(200).as_str().to_owned().leak(),
    ];
    for route in [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/password-reset",
        "/api/v1/auth/password-reset/confirm",
    ] {
        for body in bodies {
            let response = app
                .client
                .post(app.url(route))
                .header("Content-Type", "application/json")
                .body(body.to_owned())
                .send()
                .await
                .expect("send");
            assert!(
                response.status().is_client_error() || response.status().is_success(),
                "{route} {body}: {}",
                response.status()
            );
        }
    }
}
