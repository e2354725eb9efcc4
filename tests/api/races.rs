//! Rules that must hold when requests race each other.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{Committee, Proposal, assign, patch_event, submit};

#[tokio::test]
async fn thirty_simultaneous_submissions_against_a_cap_of_three_create_exactly_three() {
    let committee = Committee::spawn().await;
    let app = &committee.app;
    patch_event(
        app,
        &committee.admin,
        json!({"max_proposals_per_speaker": 3}),
    )
    .await;
    let token = committee.speaker.token.clone();
    let attempts = (0..30).map(|i| {
        let proposal = Proposal::titled(&format!("Racing proposal number {i}"));
        let request = app
            .new_client()
            .request(Method::POST, app.url(&proposal.path()))
            .bearer_auth(&token)
            .json(&proposal.body());
        async move { request.send().await.expect("submit").status().as_u16() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let created = statuses.iter().filter(|s| **s == 201).count();
    let refused = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!((created, refused), (3, 27), "{statuses:?}");
    let (status, text) = crate::helpers::send(
        app,
        Method::GET,
        "/api/v1/events/rust-mc/proposals?limit=100",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let list: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(3));
}

/// A chair reassigning a proposal (which locks its event, then the proposal) while its
/// reviewers review it and a chair decides it (each locking the proposal, then updating the
/// event's review_version): every writer takes the event first, so none of them deadlocks.
#[tokio::test]
async fn reviews_decisions_and_reassignments_of_one_proposal_at_once_never_deadlock() {
    let committee = Committee::reviewing().await;
    let app = &committee.app;
    let proposal = submit(
        app,
        &committee.speaker.token,
        Proposal::titled("Racing reviewers"),
    )
    .await;
    let reviewers = [committee.rita.id.clone(), committee.rex.id.clone()];
    assign(app, &committee.chair.token, &proposal, &reviewers).await;
    const DECISIONS: [&str; 3] = ["accept", "reject", "waitlist"];
    let mut requests = Vec::new();
    for round in 0..12usize {
        let assignments = (
            committee.chair.token.clone(),
            Method::PUT,
            format!("/api/v1/proposals/{proposal}/assignments"),
            json!({"reviewer_ids": reviewers}),
        );
        let reviewer = if round % 2 == 0 {
            &committee.rita
        } else {
            &committee.rex
        };
        let review = (
            reviewer.token.clone(),
            Method::PUT,
            format!("/api/v1/proposals/{proposal}/review"),
            crate::helpers::review_body(1 + (round % 5) as i64, 2, "", ""),
        );
        let decision = (
            committee.chair.token.clone(),
            Method::PUT,
            format!("/api/v1/proposals/{proposal}/decision"),
            json!({"decision": DECISIONS[round % 3]}),
        );
        requests.extend([assignments, review, decision]);
    }
    let sent = requests.into_iter().map(|(token, method, path, body)| {
        let request = app
            .new_client()
            .request(method, app.url(&path))
            .bearer_auth(token)
            .json(&body);
        async move { request.send().await.expect("request").status().as_u16() }
    });
    let statuses = futures_util::future::join_all(sent).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}
