//! The live page in Chromium: what runs now and next in the room, with a countdown and the
//! viewer's own clock beside the event's; a chair's change to the programme appears within
//! seconds, without a reload.

use std::time::{Duration, Instant};

use chrono::{DurationRound, Utc};
use reqwest::Method;
use serde_json::json;

use super::{Browser, Driver, browser_available};
use crate::helpers::{Committee, api, decide, patch_event, release, submit};

async fn rooms_text(page: &Browser) -> String {
    page.client
        .execute(
            "return document.getElementById('live-rooms').innerText;",
            vec![],
        )
        .await
        .expect("the rooms")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Waits (at most `secs`) until the rooms' text satisfies `ready`; returns it.
async fn rooms_until(
    page: &Browser,
    secs: u64,
    what: &str,
    ready: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let text = rooms_text(page).await;
        if ready(&text) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "waited {secs} s for {what}: {text}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn the_live_page_counts_down_and_follows_the_chairs_changes_without_a_reload() {
    if !browser_available() {
        return;
    }
    let s = Committee::spawn().await;
    // a zone that is nobody's machine zone here: the page adds the viewer's clock
    patch_event(&s.app, &s.admin, json!({"time_zone": "Pacific/Auckland"})).await;
    let first = submit(&s.app, &s.speaker.token, "Async drivers in the kernel").await;
    let second = submit(&s.app, &s.other.token, "Pin projections explained").await;
    for id in [&first, &second] {
        decide(&s.app, &s.chair.token, id, "accept").await;
    }
    release(&s.app, &s.chair.token).await;
    // a block around the present: the first talk started 20 minutes ago
    let start = Utc::now()
        .duration_trunc(chrono::Duration::minutes(1))
        .expect("minute")
        - chrono::Duration::minutes(20);
    let block = |items: serde_json::Value| {
        json!({"blocks": [{"title": "Rust MC", "room": "Hall B", "starts_at": start.to_rfc3339(),
            "ends_at": (start + chrono::Duration::minutes(120)).to_rfc3339(), "items": items}]})
    };
    let programme = "/api/v1/events/rust-mc/programme";
    let order = |a: &str, b: &str| {
        block(json!([{"proposal_id": a, "minutes": 40}, {"proposal_id": b, "minutes": 40}]))
    };
    api(
        &s.app,
        Method::PUT,
        programme,
        &s.chair.token,
        Some(&order(&first, &second)),
        200,
    )
    .await;
    api(
        &s.app,
        Method::POST,
        "/api/v1/events/rust-mc/programme/publish",
        &s.chair.token,
        None,
        200,
    )
    .await;

    let driver = Driver::start().await;
    let page = driver.browser(&s.app).await;
    page.goto("/events/rust-mc/live").await;
    let text = rooms_until(&page, 10, "the countdown", |t| t.contains("min left")).await;
    let (now, next) = text.split_once("Next").expect("a Next heading");
    assert!(now.contains("Async drivers in the kernel"), "{text}");
    assert!(now.contains("Hall B") || text.contains("Hall B"), "{text}");
    assert!(next.contains("Pin projections explained"), "{text}");
    assert!(
        next.contains("(in "),
        "the next talk counts down too: {text}"
    );
    let whole = page.text().await;
    assert!(whole.contains("Times in Pacific/Auckland"), "{whole}");
    assert!(
        whole.contains(" yours)"),
        "the viewer's clock beside the event's: {whole}"
    );
    page.screenshot("live").await;

    // the chairs swap the talks: the page follows within seconds, without a reload
    page.client
        .execute("window.stillTheSamePage = true; return true;", vec![])
        .await
        .expect("mark the page");
    api(
        &s.app,
        Method::PUT,
        programme,
        &s.chair.token,
        Some(&order(&second, &first)),
        200,
    )
    .await;
    let text = rooms_until(&page, 15, "the change", |t| {
        t.split_once("Next")
            .is_some_and(|(now, _)| now.contains("Pin projections explained"))
    })
    .await;
    assert!(
        text.split_once("Next")
            .expect("next")
            .1
            .contains("Async drivers in the kernel"),
        "{text}"
    );
    let same = page
        .client
        .execute("return window.stillTheSamePage === true;", vec![])
        .await
        .expect("the mark");
    assert_eq!(same, json!(true), "no reload");
    page.close().await;
}
