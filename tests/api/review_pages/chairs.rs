//! The chairs' review pages: the dashboard's figures, filters and reminders, automatic
//! assignment, the ranking and the review phase.

use reqwest::Method;
use serde_json::json;

use super::scored;
use crate::helpers::{
    Committee, EVENT, SPEAKER_NAME, api, assign, at, patch_event, post, review, submit,
};

#[tokio::test]
async fn the_dashboard_shows_review_figures_filters_and_reviewer_progress() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let split = submit(app, &c.speaker.token, "Split opinions").await;
    let waiting = submit(app, &c.speaker.token, "Waiting for reviews").await;
    submit(app, &c.speaker.token, "Nobody assigned").await;
    assign(app, &c.chair.token, &split, &[&c.rita.id, &c.rex.id]).await;
    assign(app, &c.chair.token, &waiting, &[&c.rita.id, &c.rex.id]).await;
    review(app, &c.rita.token, &split, &scored(1, "")).await;
    review(app, &c.rex.token, &split, &scored(5, "")).await;
    review(app, &c.rex.token, &waiting, &scored(4, "")).await;

    let (chair, csrf) = app.browser_signed_in(&c.chair.email).await;
    let (status, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert_eq!(status, 200);
    assert!(html.contains("2/2") && html.contains("1/2") && html.contains("0/0"));
    assert!(html.contains("<svg class=\"dist\""));
    assert!(html.contains(
        "aria-label=\"Scores given: 1 (strong reject): 1 review, 2 (weak reject): 0 reviews, 3 (borderline): 0 reviews, 4 (weak accept): 0 reviews, 5 (strong accept): 1 review\""
    ));
    assert!(html.contains("<title>Scores given:"));
    assert!(html.contains(">disagreement<"));
    assert!(html.contains("3.0"), "the mean of 1 and 5, one decimal");
    assert!(html.contains("Reviewer progress"));
    assert!(html.contains("aria-label=\"Rita Reviewer: 1 of 2 reviews done\""));
    assert!(html.contains("aria-label=\"Rex Reviewer: 2 of 2 reviews done\""));
    assert!(html.contains("href=\"/events/rust-mc/ranking\""));
    assert!(html.contains("href=\"/api/v1/events/rust-mc/ranking.csv\""));
    assert!(html.contains("Remind everyone with pending reviews (1)"));

    let (_, only) = app
        .page(&chair, "/events/rust-mc/dashboard?disagreements=true")
        .await;
    assert!(only.contains("Split opinions"));
    assert!(!only.contains("Waiting for reviews") && !only.contains("Nobody assigned"));
    let (_, missing) = app
        .page(&chair, "/events/rust-mc/dashboard?missing=true")
        .await;
    assert!(missing.contains("Waiting for reviews") && missing.contains("Nobody assigned"));
    assert!(!missing.contains("Split opinions"));
    let (_, by_mean) = app
        .page(&chair, "/events/rust-mc/dashboard?sort=-mean")
        .await;
    assert!(at(&by_mean, "Waiting for reviews") < at(&by_mean, "Split opinions"));
    assert!(at(&by_mean, "Split opinions") < at(&by_mean, "Nobody assigned"));
    assert!(by_mean.contains("value=\"-mean\" selected"));
    let (_, by_calibrated) = app
        .page(&chair, "/events/rust-mc/dashboard?sort=-calibrated")
        .await;
    assert!(at(&by_calibrated, "Split opinions") < at(&by_calibrated, "Nobody assigned"));
    let (_, submitted) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(at(&submitted, "Split opinions") < at(&submitted, "Waiting for reviews"));
    assert!(at(&submitted, "Waiting for reviews") < at(&submitted, "Nobody assigned"));

    // remind Rita, who has a pending review: one email through the outbox
    let (status, location, _) = post(
        app,
        &chair,
        "/events/rust-mc/reviewers/remind",
        &[("csrf_token", &csrf), ("reviewer_id", &c.rita.id)],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/events/rust-mc/dashboard#reviewers")
    );
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("1 reminder queued."));
    app.deliver_emails().await;
    let reminder = app
        .mail
        .emails()
        .into_iter()
        .find(|e| e.to == [c.rita.email.clone()])
        .expect("a reminder to Rita");
    assert!(reminder.text().contains("Waiting for reviews"));
    assert!(reminder.text().contains("/events/rust-mc/review"));
    // everyone: Rex has nothing pending, so at most Rita again (not twice in one minute)
    let (status, _, _) = post(
        app,
        &chair,
        "/events/rust-mc/reviewers/remind",
        &[("csrf_token", &csrf), ("reviewer_id", "")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("1 reminder queued.") || html.contains("No reminder queued"));
    // a member who is not a reviewer cannot be reminded
    post(
        app,
        &chair,
        "/events/rust-mc/reviewers/remind",
        &[("csrf_token", &csrf), ("reviewer_id", &c.speaker.id)],
    )
    .await;
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("is not a reviewer of this event"));
}

#[tokio::test]
async fn the_auto_assign_form_assigns_and_reports_short_proposals() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let first = submit(app, &c.speaker.token, "First talk").await;
    submit(app, &c.speaker.token, "Second talk").await;
    let (chair, csrf) = app.browser_signed_in(&c.chair.email).await;
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains(
        "name=\"reviewers_per_proposal\" type=\"number\" min=\"1\" max=\"20\" value=\"3\""
    ));

    let (status, location, _) = post(
        app,
        &chair,
        "/events/rust-mc/assignments/auto",
        &[("csrf_token", &csrf), ("reviewers_per_proposal", "2")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/events/rust-mc/dashboard#assign")
    );
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(
        html.contains("4 assignments made."),
        "two reviewers on two proposals"
    );
    let view = api(
        app,
        Method::GET,
        &format!("/api/v1/proposals/{first}/assignments"),
        &c.chair.token,
        None,
        200,
    )
    .await;
    assert_eq!(view["reviewers"].as_array().map(Vec::len), Some(2));
    assert!(html.contains("0/2"));

    // three per proposal: only two reviewers exist
    post(
        app,
        &chair,
        "/events/rust-mc/assignments/auto",
        &[("csrf_token", &csrf), ("reviewers_per_proposal", "3")],
    )
    .await;
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("0 assignments made."));
    assert!(html.contains("Too few eligible reviewers for 2 proposals"));
    assert!(html.contains("First talk") && html.contains("(2)"));

    post(
        app,
        &chair,
        "/events/rust-mc/assignments/auto",
        &[("csrf_token", &csrf), ("reviewers_per_proposal", "many")],
    )
    .await;
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("must be a whole number from 1 to 20"));
}

#[tokio::test]
async fn the_ranking_page_lists_proposals_best_first() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let low = submit(app, &c.speaker.token, "Lowly ranked").await;
    let high = submit(app, &c.speaker.token, "Highly ranked").await;
    let middle = submit(app, &c.speaker.token, "Middling").await;
    for id in [&low, &high, &middle] {
        assign(app, &c.chair.token, id, &[&c.rita.id, &c.rex.id]).await;
    }
    review(app, &c.rita.token, &low, &scored(1, "")).await;
    review(app, &c.rex.token, &low, &scored(2, "")).await;
    review(app, &c.rita.token, &high, &scored(5, "")).await;
    review(app, &c.rex.token, &high, &scored(4, "")).await;
    review(app, &c.rita.token, &middle, &scored(3, "")).await;

    let (chair, _) = app.browser_signed_in(&c.chair.email).await;
    let (status, html) = app.page(&chair, "/events/rust-mc/ranking").await;
    assert_eq!(status, 200);
    assert!(at(&html, "Highly ranked") < at(&html, "Middling"));
    assert!(at(&html, "Middling") < at(&html, "Lowly ranked"));
    assert!(html.contains("1/2") && html.contains("2/2"));
    assert!(
        html.contains("4.5") && html.contains("1.5"),
        "means, one decimal"
    );
    assert!(html.contains("<svg class=\"dist\""));
    assert!(html.contains("How the calibrated score works"));
    assert!(html.contains(SPEAKER_NAME), "chairs see the speakers");
    assert!(html.contains("href=\"/api/v1/events/rust-mc/ranking.csv\""));
    // the CSV link works for the chair's token and has the same order
    let response = app
        .get_with_token("/api/v1/events/rust-mc/ranking.csv", &c.chair.token)
        .await;
    let csv = response.text().await.expect("csv");
    assert!(at(&csv, "Highly ranked") < at(&csv, "Lowly ranked"));

    // a track filter: the tagger put these in one track, none in the other
    let event = api(app, Method::GET, EVENT, &c.admin, None, 200).await;
    let tracks: Vec<String> = event["tracks"]
        .as_array()
        .expect("tracks")
        .iter()
        .map(|t| t["key"].as_str().expect("key").to_owned())
        .collect();
    let mut shown = 0;
    for track in &tracks {
        let (status, html) = app
            .page(&chair, &format!("/events/rust-mc/ranking?track={track}"))
            .await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("value=\"{track}\" selected")));
        shown += ["Highly ranked", "Middling", "Lowly ranked"]
            .iter()
            .filter(|t| html.contains(*t))
            .count();
    }
    assert_eq!(shown, 3, "every proposal is in exactly one track's ranking");
}

#[tokio::test]
async fn the_review_phase_buttons_open_and_close_reviewing() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    patch_event(app, &c.admin, json!({"review_open": false})).await;
    let id = submit(app, &c.speaker.token, "Phase talk").await;
    assign(app, &c.chair.token, &id, &[&c.rita.id]).await;
    let (chair, csrf) = app.browser_signed_in(&c.chair.email).await;
    let (rita, rita_csrf) = app.browser_signed_in(&c.rita.email).await;

    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("Reviewing is not open"));
    assert!(html.contains("name=\"action\" value=\"open\""));
    let (_, html) = app.page(&rita, &format!("/proposals/{id}")).await;
    assert!(!html.contains("name=\"score\""), "no form while closed");
    assert!(html.contains("You have not reviewed this proposal."));

    let (status, location, _) = post(
        app,
        &chair,
        "/events/rust-mc/review-phase",
        &[("csrf_token", &csrf), ("action", "open")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/events/rust-mc/dashboard#phase")
    );
    let event = api(app, Method::GET, EVENT, &c.admin, None, 200).await;
    assert_eq!(event["review_open"], true);
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("Reviewing is open until a chair closes it."));
    assert!(html.contains("name=\"action\" value=\"close\""));

    let (status, _, _) = post(
        app,
        &rita,
        &format!("/proposals/{id}/review"),
        &[
            ("csrf_token", &rita_csrf),
            ("score", "2"),
            ("confidence", "1"),
            ("comment_for_chairs", "Written while open."),
        ],
    )
    .await;
    assert_eq!(status, 303);

    let (status, _, _) = post(
        app,
        &chair,
        "/events/rust-mc/review-phase",
        &[("csrf_token", &csrf), ("action", "close")],
    )
    .await;
    assert_eq!(status, 303);
    let event = api(app, Method::GET, EVENT, &c.admin, None, 200).await;
    assert_eq!(event["review_open"], false);
    let (_, html) = app.page(&rita, &format!("/proposals/{id}")).await;
    assert!(html.contains("Reviewing closed "));
    assert!(html.contains("read-only") && html.contains("Written while open."));
    assert!(html.contains("2 — weak reject") && html.contains("1 — low: not my area"));
    assert!(!html.contains("name=\"score\""));
    let (_, queue) = app.page(&rita, "/events/rust-mc/review").await;
    assert!(queue.contains("Reviewing is not open"));
    // a review posted now is refused
    let (status, _, _) = post(
        app,
        &rita,
        &format!("/proposals/{id}/review"),
        &[
            ("csrf_token", &rita_csrf),
            ("score", "5"),
            ("confidence", "1"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    // an unknown action is a bad request
    let (status, _, _) = post(
        app,
        &chair,
        "/events/rust-mc/review-phase",
        &[("csrf_token", &csrf), ("action", "toggle")],
    )
    .await;
    assert_eq!(status, 400);
}
