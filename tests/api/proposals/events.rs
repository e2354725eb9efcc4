//! Lists of proposals, the event's formats and tracks, and the call's window.

use reqwest::Method;
use serde_json::{Value, json};

use super::{ABSTRACT_RUST, post_proposal, rust_talk};
use crate::helpers::{KERNEL_ABSTRACT, Proposal, TestApp, add_member, send, submit};

#[tokio::test]
async fn lists_page_with_cursors_and_filter_by_track_and_state() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    app.register("ada@example.org", "Ada").await;
    let ada = app.login("ada@example.org").await;
    app.call(
        Method::PATCH,
        "/api/v1/events/rust-mc",
        &admin,
        Some(&json!({"max_proposals_per_speaker": 10})),
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let abstract_text = if i % 2 == 0 {
            KERNEL_ABSTRACT
        } else {
            ABSTRACT_RUST
        };
        let numbered =
            Proposal::titled(&format!("Proposal number {i}")).abstract_text(abstract_text);
        ids.push(json!(submit(&app, &ada, numbered).await));
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/events/rust-mc/proposals?limit=2&cursor={c}"),
            None => "/api/v1/events/rust-mc/proposals?limit=2".to_owned(),
        };
        let page: Value = app
            .call(Method::GET, &path, &admin, None)
            .await
            .json()
            .await
            .expect("page");
        seen.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|p| p["id"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ids, "every proposal once, in order");
    let rfl: Value = app
        .call(
            Method::GET,
            "/api/v1/events/rust-mc/proposals?track=rust-for-linux",
            &admin,
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(rfl["items"].as_array().map(Vec::len), Some(3));
    app.call(
        Method::POST,
        &format!(
            "/api/v1/proposals/{}/withdraw",
            ids[0].as_str().expect("id")
        ),
        &ada,
        None,
    )
    .await;
    let withdrawn: Value = app
        .call(
            Method::GET,
            "/api/v1/events/rust-mc/proposals?state=withdrawn",
            &admin,
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(withdrawn["items"].as_array().map(Vec::len), Some(1));
    for bad in [
        "?limit=0",
        "?limit=501",
        "?limit=ten",
        "?cursor=garbage",
        "?state=lost",
    ] {
        let response = app
            .call(
                Method::GET,
                &format!("/api/v1/events/rust-mc/proposals{bad}"),
                &admin,
                None,
            )
            .await;
        assert_eq!(response.status(), 422, "{bad}");
    }
}

#[tokio::test]
async fn chairs_edit_the_event_formats_and_tracks() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    app.register("chair@example.org", "Chair").await;
    app.register("ada@example.org", "Ada").await;
    add_member(&app, &admin, "chair@example.org", "chair").await;
    let chair = app.login("chair@example.org").await;
    let ada = app.login("ada@example.org").await;
    let patch = json!({
        "title": "Rust MC 2026",
        "formats": [{"key": "talk", "name": "Talk", "minutes": 25}, {"key": "bof", "name": "Birds of a feather", "minutes": 60}],
        "tracks": [
            {"key": "rust-for-linux", "name": "Rust for Linux", "subtopics": [{"key": "drivers", "name": "Drivers"}]},
            {"key": "rust", "name": "Rust everywhere else"},
            {"key": "tooling", "name": "Tooling"}
        ]
    });
    assert_eq!(
        send(
            &app,
            Method::PATCH,
            "/api/v1/events/rust-mc",
            Some(ada.as_str()),
            Some(&patch)
        )
        .await
        .0,
        403
    );
    let response = app
        .call(
            Method::PATCH,
            "/api/v1/events/rust-mc",
            &chair,
            Some(&patch),
        )
        .await;
    assert_eq!(response.status(), 200);
    let event: Value = response.json().await.expect("json");
    assert_eq!(event["title"], "Rust MC 2026");
    assert_eq!(event["formats"][1]["key"], "bof");
    assert_eq!(event["tracks"].as_array().map(Vec::len), Some(3));
    assert_eq!(event["tracks"][1]["name"], "Rust everywhere else");
    assert_eq!(
        event["tracks"][0]["subtopics"],
        json!([{"key": "drivers", "name": "Drivers"}])
    );
    // the new format and track are accepted on proposals, the old format no longer
    let bof = rust_talk("A BoF on Rust tooling")
        .format("bof")
        .track("tooling");
    submit(&app, &ada, bof.clone()).await;
    post_proposal(&app, &ada, &bof.format("lightning"), 422).await;
    let bad = json!({"tracks": [], "formats": [{"key": "Bad Key", "name": "", "minutes": 0}], "max_co_speakers": 99, "time_zone": "Nowhere/Land"});
    let response = app
        .call(Method::PATCH, "/api/v1/events/rust-mc", &chair, Some(&bad))
        .await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.expect("json");
    for field in [
        "tracks",
        "formats[0].key",
        "formats[0].name",
        "formats[0].minutes",
        "max_co_speakers",
        "time_zone",
    ] {
        assert!(problem["errors"][field].is_array(), "{field} in {problem}");
    }
}

#[tokio::test]
async fn the_cfp_window_before_during_and_after() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    app.register("ada@example.org", "Ada").await;
    let ada = app.login("ada@example.org").await;
    let now = chrono::Utc::now();
    let window = |opens: chrono::DateTime<chrono::Utc>, closes: chrono::DateTime<chrono::Utc>| json!({"cfp_opens_at": opens.to_rfc3339(), "cfp_closes_at": closes.to_rfc3339()});
    // before: opens in a minute
    let before = window(
        now + chrono::Duration::seconds(60),
        now + chrono::Duration::days(1),
    );
    assert_eq!(
        send(
            &app,
            Method::PATCH,
            "/api/v1/events/rust-mc",
            Some(admin.as_str()),
            Some(&before)
        )
        .await
        .0,
        200
    );
    let event: Value = app
        .new_client()
        .get(app.url("/api/v1/events/rust-mc"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(event["cfp_open"], false);
    let problem = post_proposal(&app, &ada, &rust_talk("Too early for this"), 403).await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("closed"))
    );
    // during: opened a second ago
    let during = window(
        now - chrono::Duration::seconds(1),
        now + chrono::Duration::days(1),
    );
    app.call(
        Method::PATCH,
        "/api/v1/events/rust-mc",
        &admin,
        Some(&during),
    )
    .await;
    let id = submit(&app, &ada, rust_talk("Just in time")).await;
    // after: closed a second ago
    let after = window(
        now - chrono::Duration::days(1),
        chrono::Utc::now() - chrono::Duration::seconds(1),
    );
    app.call(
        Method::PATCH,
        "/api/v1/events/rust-mc",
        &admin,
        Some(&after),
    )
    .await;
    post_proposal(&app, &ada, &rust_talk("Too late for this"), 403).await;
    assert_eq!(
        send(
            &app,
            Method::PATCH,
            &format!("/api/v1/proposals/{id}"),
            Some(ada.as_str()),
            Some(&json!({"title": "Edited late"}))
        )
        .await
        .0,
        403
    );
    // withdrawing stays possible after the deadline
    assert_eq!(
        send(
            &app,
            Method::POST,
            &format!("/api/v1/proposals/{id}/withdraw"),
            Some(ada.as_str()),
            None
        )
        .await
        .0,
        200
    );
}
