//! `mcfp bench-seed`, the benchmark's generated event (bench/run.sh): written straight through
//! the database layer by the binary, it must look to the API like an event that went through
//! the real workflow: accounts that sign in, proposals, balanced assignments with reviews, the
//! accepted list published, and decided proposals waiting for a release that sends their emails.

use std::process::{Command, Output};

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, api};

const SLUG: &str = "bench-small";

async fn bench_seed(app: &TestApp, args: &[&str]) -> Output {
    let url = app.state.settings.database_url.expose().to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_mcfp"))
            .arg("bench-seed")
            .args(&args)
            .env("DATABASE_URL", url)
            .env("MCFP_BENCH_PASSWORD", PASSWORD)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run mcfp bench-seed")
    })
    .await
    .expect("join")
}

#[tokio::test]
async fn bench_seed_writes_an_event_the_api_sees_whole() {
    let app = TestApp::spawn().await;
    let args = [
        "--slug",
        SLUG,
        "--proposals",
        "30",
        "--reviewers",
        "4",
        "--reviews-per-proposal",
        "3",
        "--accepted",
        "5",
        "--unreleased",
        "6",
        "--idle-speakers",
        "2",
        "--publish",
    ];
    let output = bench_seed(&app, &args).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "bench-seed failed: {stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: Value =
        serde_json::from_str(stdout.trim().lines().last().expect("a report line")).expect("json");
    assert_eq!(report["proposals"], 30);
    assert_eq!(report["reviews"], 90);
    // a chair, 4 reviewers, 15 speakers (one per two proposals) and 2 idle speakers
    assert_eq!(report["accounts"], 1 + 4 + 15 + 2);

    // every seeded account signs in with the one shared password hash
    let chair = app.login(report["chair"].as_str().expect("chair")).await;
    let reviewer = app
        .login(report["first_reviewer"].as_str().expect("reviewer"))
        .await;
    let speaker = app
        .login(report["first_speaker"].as_str().expect("speaker"))
        .await;
    app.login(report["first_idle_speaker"].as_str().expect("idle"))
        .await;

    let list = api(
        &app,
        Method::GET,
        &format!("/api/v1/events/{SLUG}/proposals?limit=100"),
        &chair,
        None,
        200,
    )
    .await;
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 30);
    let accepted_states = items.iter().filter(|p| p["state"] == "accepted").count();
    assert_eq!(accepted_states, 5);
    let untagged: Vec<&Value> = items
        .iter()
        .filter(|p| {
            !(p["tags"]["auto_track"] == "rust" || p["tags"]["auto_track"] == "rust-for-linux")
        })
        .collect();
    assert!(untagged.is_empty(), "untagged proposals: {untagged:?}");

    // three reviews on each proposal, from three different reviewers, loads balanced
    let ranking = api(
        &app,
        Method::GET,
        &format!("/api/v1/events/{SLUG}/ranking"),
        &chair,
        None,
        200,
    )
    .await;
    let ranked = ranking["items"].as_array().expect("items");
    assert_eq!(ranked.len(), 30);
    let odd: Vec<&Value> = ranked
        .iter()
        .filter(|p| p["n"] != 3 || p["assigned"] != 3)
        .collect();
    assert!(odd.is_empty(), "not three reviews each: {odd:?}");
    let reviewers = api(
        &app,
        Method::GET,
        &format!("/api/v1/events/{SLUG}/reviewers"),
        &chair,
        None,
        200,
    )
    .await;
    let progress = reviewers["items"].as_array().expect("items");
    assert_eq!(progress.len(), 4);
    let loads: Vec<u64> = progress
        .iter()
        .map(|r| {
            assert_eq!(r["done"], r["assigned"], "every assignment is reviewed");
            r["assigned"].as_u64().expect("assigned")
        })
        .collect();
    assert_eq!(loads.iter().sum::<u64>(), 90);
    assert!(loads.iter().all(|&n| (15..=30).contains(&n)), "{loads:?}");

    // the reviewer's queue and a speaker's own proposals
    let queue = api(
        &app,
        Method::GET,
        &format!("/api/v1/events/{SLUG}/review-queue"),
        &reviewer,
        None,
        200,
    )
    .await;
    let first = progress
        .iter()
        .find(|r| r["email"] == report["first_reviewer"])
        .expect("the first reviewer's progress");
    assert_eq!(
        queue["items"].as_array().map(Vec::len),
        first["assigned"].as_u64().map(|n| n as usize),
        "{queue}"
    );
    assert_eq!(queue["review_open"], true);
    let own = api(
        &app,
        Method::GET,
        &format!("/api/v1/events/{SLUG}/proposals"),
        &speaker,
        None,
        200,
    )
    .await;
    assert_eq!(own["items"].as_array().map(Vec::len), Some(2));

    // the published list, public
    let public = app
        .client
        .get(app.url(&format!("/api/v1/events/{SLUG}/accepted")))
        .send()
        .await
        .expect("accepted list");
    assert_eq!(public.status(), 200);
    let public: Value = public.json().await.expect("json");
    assert_eq!(public["items"].as_array().map(Vec::len), Some(5));

    // six decisions wait for a release, which queues and sends one email each
    let summary = api(
        &app,
        Method::GET,
        &format!("/api/v1/events/{SLUG}/decisions/release"),
        &chair,
        None,
        200,
    )
    .await;
    assert_eq!(summary["unreleased"], 6, "{summary}");
    assert_eq!(summary["waitlist"], 1, "{summary}");
    assert_eq!(summary["reject"], 5, "{summary}");
    let released = api(
        &app,
        Method::POST,
        &format!("/api/v1/events/{SLUG}/decisions/release"),
        &chair,
        None,
        200,
    )
    .await;
    assert_eq!(released["queued"], 6);
    let report_sent = app.deliver_emails().await;
    assert_eq!(report_sent.sent, 6);
    assert_eq!(app.mail.emails().len(), 6);

    // a second seed of the same slug refuses, and leaves the event as it was
    let again = bench_seed(&app, &args).await;
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("exists already"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}
