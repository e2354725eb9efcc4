//! Auto-assignment on submission and the digest email, in a real browser: a speaker submits,
//! the reviewer gets one digest with links, opens one, scores the event's criteria and goes
//! through their queue with "Save and next".

use reqwest::Method;
use serde_json::json;

use super::{ABSTRACT, Driver, browser_available, link_in, path_of};
use crate::helpers::{PASSWORD, TestApp, add_member, api, patch_event, person, submit};

#[tokio::test]
async fn a_submission_is_assigned_the_reviewer_is_told_and_saves_and_goes_to_the_next() {
    if !browser_available() {
        return;
    }
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    app.register("rita@reviewers.test", "Rita Reviewer").await;
    add_member(&app, &admin, "rita@reviewers.test", "reviewer").await;
    patch_event(
        &app,
        &admin,
        json!({"review_open": true, "reviewers_per_proposal": 1}),
    )
    .await;
    api(
        &app,
        Method::PUT,
        "/api/v1/events/rust-mc/review-criteria",
        &admin,
        Some(&json!({"criteria": [
            {"key": "relevance", "label": "Relevance to the MC", "weight": 2, "position": 0},
            {"key": "clarity", "label": "Clarity", "weight": 1, "position": 1},
        ]})),
        200,
    )
    .await;
    let driver = Driver::start().await;

    // a speaker submits in the browser, and once more through the API
    let sam = person(&app, "sam@speakers.test", "Sam Speaker").await;
    let speaker = driver.browser(&app).await;
    speaker.goto("/login").await;
    speaker.fill("#email", &sam.email).await;
    speaker.fill("#password", PASSWORD).await;
    speaker.press("Sign in").await;
    speaker.goto("/events/rust-mc/submit").await;
    speaker
        .fill("#title", "Writing a PCI network driver in Rust")
        .await;
    speaker.fill("#abstract", ABSTRACT).await;
    speaker.press("Submit the proposal").await;
    let first = speaker.path().await;
    assert!(first.starts_with("/proposals/"), "{first}");
    speaker.close().await;
    let second = submit(&app, &sam.token, "Pinning and the kernel's list heads").await;

    // one digest lists both, with links
    app.deliver_emails().await;
    let digests: Vec<_> = app
        .mail
        .emails()
        .into_iter()
        .filter(|e| e.to.iter().any(|t| t.contains("rita@reviewers.test")))
        .collect();
    assert_eq!(digests.len(), 1, "one digest");
    let text = digests[0].text();
    assert!(
        digests[0].subject().starts_with("2 new proposals"),
        "{}",
        digests[0].subject()
    );
    assert!(
        text.contains("Writing a PCI network driver in Rust"),
        "{text}"
    );
    assert!(
        text.contains("Pinning and the kernel's list heads"),
        "{text}"
    );
    let link = link_in(&text, "/proposals/");

    // the reviewer opens it: the form has one input per criterion
    let rita = driver.browser(&app).await;
    rita.sign_in("rita@reviewers.test").await;
    rita.goto(&path_of(&link)).await;
    let page = rita.text().await;
    assert!(page.contains("Relevance to the MC"), "{page}");
    assert!(page.contains("Clarity"), "{page}");
    rita.screenshot("review-01-criteria-form").await;
    let opened = rita.path().await;
    rita.click("input[name=criterion_relevance][value='5']")
        .await;
    rita.click("input[name=criterion_clarity][value='4']").await;
    rita.click("input[name=confidence][value='3']").await;
    rita.press("Save and next").await;

    // "Save and next" lands on the other proposal
    let next = rita.path().await;
    assert!(next.starts_with("/proposals/"), "{next}");
    assert_ne!(next, opened, "the next proposal");
    let expected: Vec<String> = vec![first.clone(), format!("/proposals/{second}")];
    assert!(expected.contains(&next), "{next} in {expected:?}");
    let page = rita.text().await;
    assert!(page.contains("Here is the next proposal"), "{page}");
    rita.screenshot("review-02-next").await;
    rita.click("input[name=criterion_relevance][value='2']")
        .await;
    rita.click("input[name=criterion_clarity][value='3']").await;
    rita.click("input[name=confidence][value='2']").await;
    rita.press("Save and next").await;

    // none left: back to the queue, with a message
    assert_eq!(rita.path().await, "/events/rust-mc/review");
    let page = rita.text().await;
    assert!(page.contains("No proposal is left to review"), "{page}");
    rita.screenshot("review-03-queue-done").await;
    rita.close().await;

    // the first review's score is the weighted mean (2·5 + 4) / 3 = 4.67 → 5
    let reviews = api(
        &app,
        Method::GET,
        &format!(
            "/api/v1/proposals/{}/reviews",
            opened.trim_start_matches("/proposals/")
        ),
        &admin,
        None,
        200,
    )
    .await;
    assert_eq!(reviews["items"][0]["score"], 5, "{reviews}");
    assert_eq!(
        reviews["items"][0]["criteria"],
        json!({"relevance": 5, "clarity": 4})
    );
}
