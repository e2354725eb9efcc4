//! The automatic confirmation reminder: unconfirmed accepted speakers are emailed once,
//! `confirm_reminder_days` before `confirm_by`, by the outbox worker's round at its `now`.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::json;

use crate::helpers::{Committee, Proposal, answer, api, decide, patch_event, release, submit};

const SUBJECT: &str = "Please confirm your talk at Rust MC";

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap_or_default()
}

fn reminders_to(c: &Committee, email: &str) -> usize {
    c.app
        .mail
        .emails()
        .iter()
        .filter(|e| e.to.iter().any(|to| to.contains(email)) && e.subject() == SUBJECT)
        .count()
}

#[tokio::test]
async fn unconfirmed_speakers_are_reminded_once_within_the_window() {
    let c = Committee::spawn().await;
    let app = &c.app;
    patch_event(
        app,
        &c.admin,
        json!({"confirm_by": "2027-03-10T12:00:00Z", "confirm_reminder_days": 3}),
    )
    .await;
    let unconfirmed = submit(
        app,
        &c.speaker.token,
        Proposal::titled("Async drivers in Rust"),
    )
    .await;
    let confirmed = submit(
        app,
        &c.other.token,
        Proposal::titled("Ten minutes of unsafe"),
    )
    .await;
    decide(app, &c.chair.token, &unconfirmed, "accept").await;
    decide(app, &c.chair.token, &confirmed, "accept").await;
    release(app, &c.chair.token).await;
    answer(app, &c.other.token, &confirmed, "confirm").await;
    app.deliver_emails().await;

    // not before the window: 3 days before the deadline
    app.deliver_emails_at(at("2027-03-07T11:59:00Z")).await;
    assert_eq!(reminders_to(&c, &c.speaker.email), 0);
    // in it, the round runs twice: one email
    app.deliver_emails_at(at("2027-03-07T12:00:00Z")).await;
    app.deliver_emails_at(at("2027-03-07T12:00:00Z")).await;
    app.deliver_emails_at(at("2027-03-09T08:00:00Z")).await;
    assert_eq!(reminders_to(&c, &c.speaker.email), 1);
    // a confirmed speaker is not reminded
    assert_eq!(reminders_to(&c, &c.other.email), 0);

    // the chairs see who was reminded, and when
    let view = api(
        app,
        Method::GET,
        "/api/v1/events/rust-mc/promotions",
        &c.chair.token,
        None,
        200,
    )
    .await;
    assert_eq!(view["confirm_reminder_days"], 3);
    assert_eq!(view["reminded"].as_array().map(Vec::len), Some(1), "{view}");
    assert_eq!(view["reminded"][0]["proposal_id"], unconfirmed.as_str());
    assert_eq!(view["reminded"][0]["sent_at"], "2027-03-07T12:00:00Z");
}

#[tokio::test]
async fn no_reminder_without_the_setting_or_after_the_deadline() {
    let c = Committee::spawn().await;
    let app = &c.app;
    patch_event(app, &c.admin, json!({"confirm_by": "2027-03-10T12:00:00Z"})).await;
    let id = submit(
        app,
        &c.speaker.token,
        Proposal::titled("Async drivers in Rust"),
    )
    .await;
    decide(app, &c.chair.token, &id, "accept").await;
    release(app, &c.chair.token).await;
    app.deliver_emails().await;
    app.deliver_emails_at(at("2027-03-09T12:00:00Z")).await;
    assert_eq!(reminders_to(&c, &c.speaker.email), 0);
    // switched on after the deadline: too late
    patch_event(app, &c.admin, json!({"confirm_reminder_days": 3})).await;
    app.deliver_emails_at(at("2027-03-10T12:00:00Z")).await;
    assert_eq!(reminders_to(&c, &c.speaker.email), 0);
}
