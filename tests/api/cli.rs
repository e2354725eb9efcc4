//! The `mcfp` binary itself: configuration errors, user creation, classify, graceful shutdown.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::{PASSWORD, TestApp};

fn mcfp() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcfp"));
    command.env_remove("DATABASE_URL").env("RUST_LOG", "info");
    command
}

#[test]
fn a_bad_setting_is_one_clear_line() {
    let output = mcfp()
        .arg("migrate")
        .env("MCFP_LISTEN", "nowhere")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.trim().lines().last().unwrap_or_default();
    assert!(
        last.starts_with("mcfp: MCFP_LISTEN: `nowhere` is not an address"),
        "{stderr}"
    );
}

#[test]
fn https_without_a_secret_key_refuses_to_start() {
    let output = mcfp()
        .arg("serve")
        .env("MCFP_BASE_URL", "https://cfp.example.org")
        .output()
        .expect("run");
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("MCFP_SECRET_KEY: required when MCFP_BASE_URL is https")
    );
}

#[test]
fn classify_reads_and_writes_json_lines() {
    let mut child = mcfp()
        .arg("classify")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(b"{\"title\": \"A Rust NVMe driver for Linux\", \"abstract\": \"Kernel abstractions for PCI and blk-mq.\"}\n\nnot json\n")
        .expect("write");
    drop(stdin);
    let output = child.wait_with_output().expect("wait");
    assert!(!output.status.success(), "a bad line fails the run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0]["track"]
            .as_str()
            .is_some_and(|t| t == "rust-for-linux" || t == "rust")
    );
    assert!(
        lines[0]["confidence"]
            .as_f64()
            .is_some_and(|c| (0.0..=1.0).contains(&c))
    );
    assert!(lines[0]["subtopics"].is_array() && lines[0]["evidence"].is_array());
    assert_eq!(lines[1]["line"], 3);
}

#[tokio::test]
async fn user_create_takes_the_password_from_the_environment_or_stdin() {
    let app = TestApp::spawn().await;
    let url = app.state.settings.database_url.expose().to_owned();
    let output = mcfp()
        .args([
            "user",
            "create",
            "--email",
            "root@example.org",
            "--name",
            "Root",
            "--admin",
        ])
        .env("DATABASE_URL", &url)
        .env("MCFP_PASSWORD", PASSWORD)
        .env(
            "MCFP_MAIL_SPOOL",
            std::env::temp_dir().join("mcfp-cli-spool"),
        )
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("(site admin)"));
    let token = app.login("root@example.org").await;
    let me: serde_json::Value = app
        .get_with_token("/api/v1/me", &token)
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(me["is_admin"], true);

    let mut child = mcfp()
        .args([
            "user",
            "create",
            "--email",
            "piped@example.org",
            "--name",
            "Piped",
        ])
        .env("DATABASE_URL", &url)
        .env(
            "MCFP_MAIL_SPOOL",
            std::env::temp_dir().join("mcfp-cli-spool"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"weak\n")
        .expect("write");
    let output = child.wait_with_output().expect("wait");
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("password: must be at least 10 characters")
    );
}

#[tokio::test]
async fn serve_shuts_down_gracefully_on_sigterm() {
    let app = TestApp::spawn().await;
    let url = app.state.settings.database_url.expose().to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = mcfp()
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("MCFP_LISTEN", format!("127.0.0.1:{port}"))
        .env(
            "MCFP_MAIL_SPOOL",
            std::env::temp_dir().join("mcfp-cli-spool"),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(response) = reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await {
            ready = response.status() == 200;
            if ready {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "mcfp serve answered /readyz");
    // A request in flight when SIGTERM arrives: headers sent, body not yet.
    let body = r#"{"email": "nobody@example.org", "password": "whatever it is 1"}"#;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("send head");
    stream
        .write_all(&body.as_bytes()[..10])
        .expect("send part of the body");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    stream
        .write_all(&body.as_bytes()[10..])
        .expect("send the rest after SIGTERM");
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).expect("read the answer");
    assert!(
        answer.starts_with("HTTP/1.1 401"),
        "the in-flight request was served: {answer}"
    );
    // and the server no longer takes new connections
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
            .await
            .is_err(),
        "no new requests after SIGTERM"
    );
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = child.try_wait().expect("wait") {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = exited.expect("exited within 10 s of SIGTERM");
    let output = child.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("outbox worker stopped"), "{stderr}");
}

/// The README's first command seeds this; a newcomer must find every role with something to do.
#[tokio::test]
async fn the_demo_has_proposals_reviews_and_a_ranking_and_seeds_once() {
    let app = TestApp::spawn().await;
    let printed = mcfp::demo::seed(&app.state).await.expect("seed");
    assert!(printed.contains("chair@demo.mcfp.test"), "{printed}");
    mcfp::demo::seed(&app.state)
        .await
        .expect("a second seed reuses the first");

    let login = |email: &'static str| {
        let app = &app;
        async move {
            let response = app
                .post_json(
                    "/api/v1/auth/login",
                    &serde_json::json!({"email": email, "password": mcfp::demo::DEMO_PASSWORD}),
                )
                .await;
            assert_eq!(response.status(), 200, "{email}");
            let body: serde_json::Value = response.json().await.expect("json");
            body["token"].as_str().expect("token").to_owned()
        }
    };
    let chair = login("chair@demo.mcfp.test").await;
    let ranking: serde_json::Value = app
        .get_with_token("/api/v1/events/rust-mc/ranking", &chair)
        .await
        .json()
        .await
        .expect("ranking");
    let items = ranking["items"].as_array().expect("items");
    assert_eq!(items.len(), 8, "the eight demo proposals, once");
    let reviewed = items.iter().filter(|i| i["n"].as_u64() > Some(0)).count();
    assert!(reviewed >= 5, "most proposals carry reviews: {ranking}");
    assert!(
        items.iter().all(|i| i["assigned"].as_u64() >= Some(2)),
        "two reviewers each: {ranking}"
    );
    let event: serde_json::Value = app
        .get_with_token("/api/v1/events/rust-mc", &chair)
        .await
        .json()
        .await
        .expect("event");
    assert_eq!(event["review_open"], true);
    assert_eq!(event["slot_minutes"], 210);
    // a decision taken but not released: the chair can preview and release it
    let summary: serde_json::Value = app
        .get_with_token("/api/v1/events/rust-mc/decisions/release", &chair)
        .await
        .json()
        .await
        .expect("summary");
    assert_eq!(summary["unreleased"], 1, "{summary}");
    // the released ones made a published programme of the accepted talks, live now
    let programme: serde_json::Value = app
        .get_with_token("/api/v1/events/rust-mc/programme", &chair)
        .await
        .json()
        .await
        .expect("programme");
    assert!(programme["published_at"].is_string(), "{programme}");
    let items = programme["blocks"][0]["items"].as_array().expect("items");
    assert_eq!(items.len(), 3, "{programme}");
    assert_eq!(items[1]["title"], "Coffee");
    let live: serde_json::Value = app
        .get_with_token("/api/v1/events/rust-mc/programme/now", &chair)
        .await
        .json()
        .await
        .expect("now");
    assert_eq!(
        live["now"][0]["title"], "Rust for Linux: where we are and what comes next",
        "{live}"
    );

    // a reviewer has a queue with something still pending
    let reviewer = login("reviewer2@demo.mcfp.test").await;
    let queue: serde_json::Value = app
        .get_with_token("/api/v1/events/rust-mc/review-queue", &reviewer)
        .await
        .json()
        .await
        .expect("queue");
    let queue = queue["items"].as_array().expect("items");
    assert!(queue.iter().any(|i| i["my_score"].is_null()), "{queue:?}");
    assert!(queue.iter().any(|i| !i["my_score"].is_null()), "{queue:?}");
}
