//! The event's questions in the browser: a speaker leaves a required one empty, is told next to
//! it, answers, submits; the proposal page shows the answers under the abstract.

use reqwest::Method;
use serde_json::json;

use super::{ABSTRACT, Driver, browser_available};
use crate::helpers::{TestApp, api};

#[tokio::test]
async fn a_speaker_answers_the_events_questions_on_the_form() {
    if !browser_available() {
        return;
    }
    let app = TestApp::spawn().await;
    let chair = app.admin_with_event("rust-mc").await;
    let questions = json!({"questions": [
        {"key": "kind_of", "label": "Is this a talk or a discussion?", "kind": "choice",
         "options": ["Talk", "Discussion"], "required": true, "position": 0},
        {"key": "presented", "label": "Have you presented this before?", "kind": "boolean",
         "position": 1},
        {"key": "subsystem", "label": "Which kernel subsystem?", "kind": "text",
         "help": "For example: block, networking.", "formats": ["talk"], "position": 2},
    ]});
    api(
        &app,
        Method::PUT,
        "/api/v1/events/rust-mc/questions",
        &chair,
        Some(&questions),
        200,
    )
    .await;
    app.register("sam@acme.example", "Sam Speaker").await;
    let driver = Driver::start().await;
    let speaker = driver.browser(&app).await;
    speaker.sign_in("sam@acme.example").await;
    speaker.goto("/events/rust-mc/submit").await;
    let form = speaker.text().await;
    assert!(
        form.contains("Is this a talk or a discussion? (required)"),
        "{form}"
    );
    assert!(form.contains("(only for: Talk)"), "{form}");
    speaker.screenshot("questions-01-form").await;

    speaker
        .fill("#title", "Writing a PCI network driver in Rust")
        .await;
    speaker.fill("#abstract", ABSTRACT).await;
    speaker.fill("#answer_subsystem", "networking").await;
    speaker
        .click("input[name='answer_presented'][value='no']")
        .await;
    speaker.press("Submit the proposal").await;
    // refused, with the message next to the question, and what was typed kept
    let refused = speaker.text().await;
    assert!(refused.contains("is required"), "{refused}");
    let error = speaker
        .client
        .find(fantoccini::Locator::Css("#answer_kind_of-error"))
        .await
        .expect("the error next to the question");
    assert!(error.text().await.expect("text").contains("is required"));
    speaker.screenshot("questions-02-required").await;

    speaker.click("#answer_kind_of_1").await;
    speaker.press("Submit the proposal").await;
    let path = speaker.path().await;
    assert!(path.starts_with("/proposals/"), "{path}");
    let page = speaker.text().await;
    assert!(page.contains("Is this a talk or a discussion?"), "{page}");
    assert!(page.contains("Discussion"), "{page}");
    assert!(page.contains("Have you presented this before?"), "{page}");
    speaker.screenshot("questions-03-proposal").await;
    speaker.close().await;
}
