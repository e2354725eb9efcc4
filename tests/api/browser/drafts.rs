//! Drafts in the browser: the form autosaves while the speaker types, the session goes away
//! (signed out elsewhere), Submit leads to sign-in, and every field comes back to be submitted.

use std::time::Duration;

use reqwest::Method;

use super::{ABSTRACT, Driver, browser_available};
use crate::helpers::{PASSWORD, TestApp, api};

/// The value of a form field, as the page holds it now.
async fn value_of(browser: &super::Browser, name: &str) -> String {
    browser
        .client
        .execute(
            "return document.querySelector(\"[name='\" + arguments[0] + \"']\").value;",
            vec![serde_json::json!(name)],
        )
        .await
        .expect("field value")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn typed_text_survives_autosave_a_lost_session_and_sign_in() {
    if !browser_available() {
        return;
    }
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    app.register("sam@acme.example", "Sam Speaker").await;
    let driver = Driver::start().await;
    let speaker = driver.browser(&app).await;
    speaker.sign_in("sam@acme.example").await;
    speaker.goto("/events/rust-mc/submit").await;
    speaker
        .fill("#title", "Writing a PCI network driver in Rust")
        .await;
    speaker.fill("#abstract", ABSTRACT).await;

    // autosaved two seconds after the last keystroke, said in the live status
    let mut status = String::new();
    for _ in 0..100 {
        status = value_text(&speaker).await;
        if status.contains("Draft saved at") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        status.contains("Draft saved at"),
        "autosave status: {status:?}"
    );
    let draft_id = value_of(&speaker, "draft_id").await;
    assert!(!draft_id.is_empty(), "the page knows its draft");
    speaker.screenshot("drafts-01-autosaved").await;
    // the draft is the speaker's, and only a draft
    let token = app.login("sam@acme.example").await;
    let saved = api(
        &app,
        Method::GET,
        &format!("/api/v1/proposals/{draft_id}"),
        &token,
        None,
        200,
    )
    .await;
    assert_eq!(saved["state"], "draft");
    assert_eq!(saved["title"], "Writing a PCI network driver in Rust");

    // signed out in another tab: the session cookie is gone
    speaker
        .client
        .delete_cookie("mcfp_session")
        .await
        .expect("delete the session cookie");
    speaker
        .fill("#notes", "Typed after the session was gone.")
        .await;
    speaker.press("Submit the proposal").await;
    assert!(
        speaker.path().await.starts_with("/login"),
        "{}",
        speaker.path().await
    );
    speaker.screenshot("drafts-02-sign-in").await;
    speaker.fill("#email", "sam@acme.example").await;
    speaker.fill("#password", PASSWORD).await;
    speaker.press("Sign in").await;

    // every field is back, the draft's id with them
    let back = speaker.path().await;
    assert!(
        back.starts_with("/events/rust-mc/submit?restore="),
        "{back}"
    );
    assert_eq!(
        value_of(&speaker, "title").await,
        "Writing a PCI network driver in Rust"
    );
    assert_eq!(value_of(&speaker, "abstract").await, ABSTRACT);
    assert_eq!(
        value_of(&speaker, "notes").await,
        "Typed after the session was gone."
    );
    assert_eq!(value_of(&speaker, "draft_id").await, draft_id);
    assert!(
        speaker
            .text()
            .await
            .contains("everything you typed is back")
    );
    speaker.screenshot("drafts-03-restored").await;

    speaker.press("Submit the proposal").await;
    assert_eq!(speaker.path().await, format!("/proposals/{draft_id}"));
    speaker.screenshot("drafts-04-submitted").await;
    let submitted = api(
        &app,
        Method::GET,
        &format!("/api/v1/proposals/{draft_id}"),
        &token,
        None,
        200,
    )
    .await;
    assert_eq!(submitted["state"], "submitted");
    assert_eq!(submitted["notes"], "Typed after the session was gone.");
    app.deliver_emails().await;
    speaker.close().await;
}

/// The autosave status line's text.
async fn value_text(browser: &super::Browser) -> String {
    browser
        .client
        .execute(
            "var s = document.getElementById('autosave-status'); return s ? s.textContent : '';",
            vec![],
        )
        .await
        .expect("status")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}
