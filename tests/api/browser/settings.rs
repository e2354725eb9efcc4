//! The event settings form with real inputs: `datetime-local` times labelled with the event's
//! time zone, and formats, tracks and subtopics as rows of inputs with a "remove" box each.

use serde_json::Value;

use super::{Browser, Driver, browser_available};
use crate::helpers::{CHAIR_EMAIL, Committee};

async fn js(browser: &Browser, script: &str) -> Value {
    browser
        .client
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

async fn event_json(s: &Committee) -> Value {
    s.app
        .new_client()
        .get(s.app.url("/api/v1/events/rust-mc"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn a_chair_changes_a_date_adds_a_format_and_removes_a_track() {
    if !browser_available() {
        return;
    }
    let s = Committee::spawn().await;
    let before = event_json(&s).await;
    let formats = before["formats"].as_array().map_or(0, Vec::len);
    let driver = Driver::start().await;
    let chair = driver.browser(&s.app).await;
    chair.sign_in(CHAIR_EMAIL).await;
    chair.goto("/events/rust-mc/settings").await;
    let label = js(
        &chair,
        "return document.querySelector('label[for=cfp_closes_at]').textContent;",
    )
    .await;
    assert_eq!(label, "The call closes (America/New_York)");
    assert_eq!(
        js(
            &chair,
            "return document.getElementById('cfp_closes_at').type;"
        )
        .await,
        "datetime-local"
    );
    assert_eq!(
        js(
            &chair,
            "return document.getElementById('tracks-1-key').value;"
        )
        .await,
        "rust",
        "the second track row holds General Rust"
    );
    chair.screenshot("settings-form").await;

    // the date as the datetime-local input holds it; a new format in the first blank row;
    // the second track removed
    js(
        &chair,
        "document.getElementById('cfp_closes_at').value = '2031-05-01T18:00'; return null;",
    )
    .await;
    chair
        .fill(&format!("#formats-{formats}-key"), "workshop")
        .await;
    chair
        .fill(&format!("#formats-{formats}-name"), "Workshop")
        .await;
    chair
        .fill(&format!("#formats-{formats}-minutes"), "5")
        .await;
    chair.click("#tracks-1-remove").await;
    chair.screenshot("settings-filled").await;
    chair.press("Save the settings").await;
    assert_eq!(chair.path().await, "/events/rust-mc/settings");
    let text = chair.text().await;
    assert!(text.contains("The settings are saved."), "{text}");
    assert_eq!(
        js(
            &chair,
            "return document.getElementById('cfp_closes_at').value;"
        )
        .await,
        "2031-05-01T18:00",
        "shown back in New York time"
    );
    assert_eq!(
        js(
            &chair,
            &format!("return document.getElementById('formats-{formats}-key').value;")
        )
        .await,
        "workshop"
    );
    chair.screenshot("settings-saved").await;
    let after = event_json(&s).await;
    assert_eq!(
        after["cfp_closes_at"], "2031-05-01T22:00:00Z",
        "18:00 in New York in May is 22:00 UTC"
    );
    assert_eq!(after["formats"][formats]["key"], "workshop");
    assert_eq!(after["formats"][formats]["minutes"], 5);
    let tracks: Vec<&str> = after["tracks"]
        .as_array()
        .expect("tracks")
        .iter()
        .filter_map(|t| t["key"].as_str())
        .collect();
    assert_eq!(tracks, ["rust-for-linux"]);

    // an invalid row comes back with its error beside it
    chair.fill("#formats-0-key", "Not A Key").await;
    chair.press("Save the settings").await;
    let beside = js(
        &chair,
        "var e = document.getElementById('formats-0-key'); \
         return [e.getAttribute('aria-invalid'), \
                 e.parentElement.querySelector('.field-error').textContent, \
                 document.querySelector('.error-summary a').getAttribute('href')];",
    )
    .await;
    assert_eq!(beside[0], "true");
    assert!(
        beside[1].as_str().unwrap_or_default().contains("a–z"),
        "{beside}"
    );
    assert_eq!(
        beside[2], "#formats-0-key",
        "the summary links to the field"
    );
    chair.screenshot("settings-row-error").await;
    assert_eq!(
        event_json(&s).await["formats"][0]["key"],
        after["formats"][0]["key"],
        "nothing saved"
    );
    chair.close().await;
}
