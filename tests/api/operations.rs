use diesel::QueryDsl;
use serde_json::Value;

use crate::helpers::TestApp;

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    let health = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    let ready = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200);
}

#[tokio::test]
async fn readiness_is_503_when_the_database_is_unreachable() {
    let settings = mcfp::config::Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some("postgres://postgres@127.0.0.1:1/nowhere".to_owned()),
        "MCFP_LISTEN" => Some("127.0.0.1:0".to_owned()),
        "MCFP_MAIL_SPOOL" => Some(
            std::env::temp_dir()
                .join("mcfp-unused-spool")
                .display()
                .to_string(),
        ),
        _ => None,
    })
    .expect("settings");
    let pool = mcfp::db::build_pool("postgres://postgres@127.0.0.1:1/nowhere", 2).expect("pool");
    let app = mcfp::startup::Application::build(
        settings,
        pool,
        mcfp::startup::BuildOptions {
            run_worker: false,
            handle_signals: false,
        },
    )
    .await
    .expect("build");
    let url = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let ready = reqwest::get(format!("{url}/readyz")).await.expect("readyz");
    assert_eq!(ready.status(), 503);
    let health = reqwest::get(format!("{url}/healthz"))
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200, "the process itself is up");
    // API calls that need the database answer 503 problem+json, not 500
    let me = reqwest::Client::new()
        .get(format!("{url}/api/v1/events/anything"))
        .send()
        .await
        .expect("event");
    assert_eq!(me.status(), 503);
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_and_show_the_outbox() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.client
            .get(app.url("/api/v1/events/some-event"))
            .send()
            .await
            .expect("get");
    }
    app.client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("get");
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("body");
    assert!(
        text.contains(
            r#"mcfp_http_requests_total{method="GET",route="/api/v1/events/{slug}",status="404"} 3"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"mcfp_http_requests_total{method="GET",route="/healthz",status="200"} 1"#)
    );
    assert!(text.contains("# TYPE mcfp_http_request_duration_seconds histogram"));
    assert!(text.contains(r#"mcfp_outbox_emails{state="queued"} 0"#));
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/login"))
        .send()
        .await
        .expect("login page");
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .expect("ascii")
            .contains("default-src 'self'")
    );
    // plain http: no HSTS (tests/api/accounts.rs checks it is sent over https)
    assert!(headers.get("strict-transport-security").is_none());
}

#[tokio::test]
async fn openapi_describes_every_json_route() {
    let app = TestApp::spawn().await;
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let paths = doc["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/password-reset", "post"),
        ("/api/v1/auth/password-reset/confirm", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/me/tokens", "get"),
        ("/api/v1/me/tokens", "post"),
        ("/api/v1/me/tokens/{id}", "delete"),
        ("/api/v1/events", "post"),
        ("/api/v1/events/{slug}", "get"),
        ("/api/v1/events/{slug}/members", "put"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing"
        );
    }
}

#[tokio::test]
async fn without_a_server_a_private_postgresql_is_started_and_migrated() {
    // Nothing listens on this port: as if no PostgreSQL ran on 127.0.0.1:5432.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed_addr = closed.local_addr().expect("addr").to_string();
    drop(closed);
    let mut settings = mcfp::config::Settings::from_lookup(|_| None).expect("defaults");
    assert!(!settings.database_url_is_explicit);
    let private = mcfp::startup::prepare_database_probing(&mut settings, &closed_addr)
        .await
        .expect("a private PostgreSQL from the local server binaries");
    let server = private.expect("it says it started one");
    assert!(
        settings
            .database_url
            .expose()
            .contains(&format!(":{}/mcfp", server.port()))
    );
    // migrated: the schema is there and usable
    let pool = mcfp::db::build_pool(settings.database_url.expose(), 2).expect("pool");
    mcfp::db::ping(&pool).await.expect("reachable");
    let mut conn = pool.get().await.expect("conn");
    use diesel_async::RunQueryDsl;
    let count: i64 = mcfp::schema::users::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("users table exists");
    assert_eq!(count, 0);
    drop(conn);
    drop(pool);
    let data_dir = server.data_dir().to_path_buf();
    drop(server);
    assert!(
        !data_dir.exists(),
        "the throwaway cluster is removed when dropped"
    );
}
