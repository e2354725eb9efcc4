//! The programme board in the browser: a chair reorders two talks by keyboard (the move is
//! announced, focus stays on the button, the page saves without reloading and the order
//! survives a reload), then drops an unplaced talk into the block.
//!
//! Chromium does not run HTML5 drag and drop from WebDriver's pointer actions (the drag events
//! are never fired), so the drop is driven by dispatching `dragstart`, `dragover` and `drop`
//! with one `DataTransfer`, as the browser would: the script's own code path runs, the server
//! saves, and the board shows the result.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::{Driver, ENTER, browser_available};
use crate::helpers::{Committee, Proposal, api, decide, patch_event, release, submit};

const BOARD: &str = "/events/rust-mc/programme";

async fn eval(browser: &super::Browser, script: &str) -> Value {
    browser
        .client
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// Waits until the script returns true (10 s at most).
async fn wait_for(browser: &super::Browser, script: &str) {
    for _ in 0..200 {
        if eval(browser, script).await.as_bool() == Some(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("still false after 10 s: {script}");
}

const ORDER: &str = "return Array.from(document.querySelectorAll('#block-0 li.item')).map(li => li.dataset.title + ' ' + li.querySelector('[data-time]').textContent);";

#[tokio::test]
async fn a_chair_reorders_talks_by_keyboard_and_drops_one_into_a_block() {
    if !browser_available() {
        return;
    }
    let c = Committee::spawn().await;
    let app = &c.app;
    patch_event(
        app,
        &c.admin,
        json!({"time_zone": "Europe/Berlin", "formats": [
            {"key": "talk", "name": "Talk", "minutes": 30},
            {"key": "lightning", "name": "Lightning talk", "minutes": 10}
        ]}),
    )
    .await;
    let chair = &c.chair.token;
    let drivers = submit(
        app,
        &c.speaker.token,
        Proposal::titled("Async drivers in Rust"),
    )
    .await;
    let unsafe_talk = submit(
        app,
        &c.other.token,
        Proposal::titled("Ten minutes of unsafe").format("lightning"),
    )
    .await;
    let third = submit(app, &c.other.token, Proposal::titled("Pinning explained")).await;
    for id in [&drivers, &unsafe_talk, &third] {
        decide(app, chair, id, "accept").await;
    }
    release(app, chair).await;
    api(
        app,
        Method::PUT,
        "/api/v1/events/rust-mc/programme",
        chair,
        Some(&json!({"blocks": [{"title": "Morning", "room": "Hall A",
            "starts_at": "2026-06-10T09:00:00+02:00", "ends_at": "2026-06-10T11:00:00+02:00",
            "items": [{"proposal_id": drivers}, {"proposal_id": unsafe_talk}]}]})),
        200,
    )
    .await;

    let driver = Driver::start().await;
    let browser = driver.browser(app).await;
    browser.sign_in(&c.chair.email).await;
    browser.goto(BOARD).await;
    assert_eq!(
        eval(&browser, ORDER).await,
        json!([
            "Talk “Async drivers in Rust” 09:00–09:30",
            "Talk “Ten minutes of unsafe” 09:30–09:40"
        ])
    );
    browser.screenshot("programme-board-01").await;

    // by keyboard: focus the first talk's "Move down", press Enter
    eval(
        &browser,
        "document.querySelector('#item-0 [data-move=down]').focus(); return true;",
    )
    .await;
    browser.mark_page().await;
    browser.keys(&ENTER.to_string()).await;
    wait_for(
        &browser,
        "return document.getElementById('board-status').textContent === 'Talk “Async drivers in Rust” moved to position 2 of block “Morning”.';",
    )
    .await;
    // saved in the background: the server's board, with the new times, replaced the old one
    wait_for(
        &browser,
        "return document.querySelector('#item-0 [data-time]').textContent === '09:00–09:10';",
    )
    .await;
    assert_eq!(
        eval(&browser, ORDER).await,
        json!([
            "Talk “Ten minutes of unsafe” 09:00–09:10",
            "Talk “Async drivers in Rust” 09:10–09:40"
        ])
    );
    assert_eq!(
        eval(&browser, "return window.__mcfpOld === true;").await,
        json!(true),
        "no reload"
    );
    wait_for(
        &browser,
        "return document.activeElement && document.activeElement.value === 'down:1';",
    )
    .await;
    assert_eq!(
        eval(
            &browser,
            "return document.getElementById('board-status').getAttribute('aria-live');"
        )
        .await,
        json!("polite")
    );

    // the order persisted
    browser.goto(BOARD).await;
    assert_eq!(
        eval(&browser, ORDER).await,
        json!([
            "Talk “Ten minutes of unsafe” 09:00–09:10",
            "Talk “Async drivers in Rust” 09:10–09:40"
        ])
    );

    // drag the unplaced talk onto the block
    let dropped = format!(
        "const talk = document.querySelector(\"li.unplaced-talk[data-talk='{third}']\");
         const block = document.querySelector('#block-0 ol.items');
         const data = new DataTransfer();
         talk.dispatchEvent(new DragEvent('dragstart', {{bubbles: true, cancelable: true, dataTransfer: data}}));
         block.dispatchEvent(new DragEvent('dragover', {{bubbles: true, cancelable: true, dataTransfer: data}}));
         block.dispatchEvent(new DragEvent('drop', {{bubbles: true, cancelable: true, dataTransfer: data}}));
         talk.dispatchEvent(new DragEvent('dragend', {{bubbles: true, dataTransfer: data}}));
         return true;"
    );
    eval(&browser, &dropped).await;
    wait_for(
        &browser,
        "return document.querySelectorAll('#block-0 li.item').length === 3;",
    )
    .await;
    assert_eq!(
        eval(&browser, ORDER).await,
        json!([
            "Talk “Ten minutes of unsafe” 09:00–09:10",
            "Talk “Async drivers in Rust” 09:10–09:40",
            "Talk “Pinning explained” 09:40–10:10"
        ])
    );
    let status = eval(
        &browser,
        "return document.getElementById('board-status').textContent;",
    )
    .await;
    assert_eq!(
        status,
        json!("Talk “Pinning explained” placed in block “Morning”.")
    );
    browser.screenshot("programme-board-02-dropped").await;
    browser.goto(BOARD).await;
    assert_eq!(
        eval(
            &browser,
            "return document.querySelectorAll('li.unplaced-talk').length;"
        )
        .await,
        json!(0),
        "saved"
    );
    browser.close().await;
}
