//! Rules that must hold when requests race each other.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{Committee, Proposal, patch_event};

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
