//! Assignment on submission and the reviewers' digest email: while reviewing is open (and the
//! event's `auto_assign` is on, the default), a new proposal gets `reviewers_per_proposal`
//! reviewers by the balanced algorithm; each reviewer gets at most one digest per hour listing
//! every assignment since their last.

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::json;

use super::assigned_ids;
use crate::helpers::{
    EVENT, Person, ReceivedEmail, SLUG, TestApp, add_member, api, open_review, patch_event, person,
    submit,
};

/// The event with three reviewers, two per proposal, reviewing open; returns (chair, reviewers,
/// a speaker).
async fn reviewing_with_three(app: &TestApp) -> (String, Vec<Person>, Person) {
    let chair = app.admin_with_event(SLUG).await;
    let mut reviewers = Vec::new();
    for (email, name) in [
        ("ada@reviewers.test", "Ada Reviewer"),
        ("bo@reviewers.test", "Bo Reviewer"),
        ("cy@reviewers.test", "Cy Reviewer"),
    ] {
        let p = person(app, email, name).await;
        add_member(app, &chair, &p.email, "reviewer").await;
        reviewers.push(p);
    }
    let speaker = person(app, "sam@speakers.test", "Sam Submitter").await;
    patch_event(app, &chair, json!({"reviewers_per_proposal": 2})).await;
    open_review(app, &chair).await;
    (chair, reviewers, speaker)
}

/// The digests delivered so far, to this address.
fn digests_to(app: &TestApp, email: &str) -> Vec<ReceivedEmail> {
    app.mail
        .emails()
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t.contains(email)))
        .filter(|m| m.subject().contains("assigned to you for review"))
        .collect()
}

#[tokio::test]
async fn a_new_proposal_gets_balanced_reviewers_on_submission() {
    let app = TestApp::spawn().await;
    let (chair, reviewers, speaker) = reviewing_with_three(&app).await;
    let event = api(&app, Method::GET, EVENT, &chair, None, 200).await;
    assert_eq!(event["auto_assign"], true, "on by default: {event}");
    assert_eq!(event["reviewers_per_proposal"], 2);

    let mut load = std::collections::BTreeMap::<String, usize>::new();
    for title in [
        "Writing a Rust NVMe driver",
        "Pinning in the kernel",
        "Rust in the page cache",
    ] {
        let p = submit(&app, &speaker.token, title).await;
        let ids = assigned_ids(&app, &chair, &p).await;
        assert_eq!(ids.len(), 2, "{title} gets two reviewers: {ids:?}");
        for id in ids {
            *load.entry(id).or_default() += 1;
        }
    }
    // 6 assignments over 3 reviewers: two each, balanced
    let loads: Vec<usize> = reviewers
        .iter()
        .map(|r| load.get(&r.id).copied().unwrap_or(0))
        .collect();
    assert_eq!(loads, [2, 2, 2], "{load:?}");
}

#[tokio::test]
async fn no_assignment_on_submission_when_off_or_reviewing_closed_nor_to_ones_own_proposal() {
    let app = TestApp::spawn().await;
    let (chair, reviewers, speaker) = reviewing_with_three(&app).await;
    // a reviewer who also speaks is never assigned their own proposal
    let own = submit(&app, &reviewers[0].token, "My own talk about Rust").await;
    let ids = assigned_ids(&app, &chair, &own).await;
    assert_eq!(ids.len(), 2);
    assert!(!ids.contains(&reviewers[0].id), "{ids:?}");

    patch_event(&app, &chair, json!({"auto_assign": false})).await;
    let off = submit(&app, &speaker.token, "Submitted with auto-assignment off").await;
    assert!(assigned_ids(&app, &chair, &off).await.is_empty());

    patch_event(
        &app,
        &chair,
        json!({"auto_assign": true, "review_open": false}),
    )
    .await;
    let closed = submit(&app, &speaker.token, "Submitted with reviewing closed").await;
    assert!(assigned_ids(&app, &chair, &closed).await.is_empty());

    // bounds of the setting
    let (status, text) = crate::helpers::send(
        &app,
        Method::PATCH,
        EVENT,
        Some(&chair),
        Some(&json!({"reviewers_per_proposal": 0})),
    )
    .await;
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("reviewers_per_proposal"), "{text}");
    app.deliver_emails_at(Utc::now() + Duration::hours(2)).await;
}

#[tokio::test]
async fn reviewers_get_at_most_one_digest_an_hour_listing_every_new_assignment() {
    let app = TestApp::spawn().await;
    let (chair, reviewers, speaker) = reviewing_with_three(&app).await;
    patch_event(&app, &chair, json!({"reviewers_per_proposal": 3})).await;
    let ada = &reviewers[0];

    let first = submit(&app, &speaker.token, "Writing a Rust NVMe driver").await;
    let now = Utc::now();
    app.deliver_emails_at(now).await;
    let digests = digests_to(&app, &ada.email);
    assert_eq!(digests.len(), 1, "one digest now");
    let text = digests[0].text();
    assert!(text.contains("Writing a Rust NVMe driver"), "{text}");
    assert!(text.contains(&format!("/proposals/{first}")), "{text}");
    assert!(digests[0].header("Message-ID").is_some());

    // two more within the hour: no email yet, however often the worker runs
    submit(&app, &speaker.token, "Pinning in the kernel").await;
    submit(&app, &speaker.token, "Rust in the page cache").await;
    app.deliver_emails_at(now + Duration::minutes(1)).await;
    app.deliver_emails_at(now + Duration::minutes(59)).await;
    assert_eq!(
        digests_to(&app, &ada.email).len(),
        1,
        "still one within the hour"
    );

    // after the hour: one digest with both
    app.deliver_emails_at(now + Duration::minutes(61)).await;
    let digests = digests_to(&app, &ada.email);
    assert_eq!(digests.len(), 2, "the second digest after the hour");
    let second = digests[1].text();
    assert!(second.contains("Pinning in the kernel"), "{second}");
    assert!(second.contains("Rust in the page cache"), "{second}");
    assert!(!second.contains("Writing a Rust NVMe driver"), "{second}");
    assert!(
        digests[1].subject().starts_with("2 new proposals"),
        "{}",
        digests[1].subject()
    );
    assert_ne!(
        digests[0].header("Message-ID"),
        digests[1].header("Message-ID")
    );

    // nothing new: no more digests
    app.deliver_emails_at(now + Duration::minutes(200)).await;
    assert_eq!(digests_to(&app, &ada.email).len(), 2);
    // every reviewer got the same two
    for r in &reviewers {
        assert_eq!(digests_to(&app, &r.email).len(), 2, "{}", r.email);
    }
}

#[tokio::test]
async fn a_chairs_assignment_sends_no_digest() {
    let app = TestApp::spawn().await;
    let (chair, reviewers, speaker) = reviewing_with_three(&app).await;
    patch_event(&app, &chair, json!({"auto_assign": false})).await;
    let p = submit(&app, &speaker.token, "Writing a Rust NVMe driver").await;
    crate::helpers::assign(&app, &chair, &p, &[&reviewers[0].id]).await;
    app.deliver_emails_at(Utc::now() + Duration::hours(2)).await;
    assert!(digests_to(&app, &reviewers[0].email).is_empty());
}
