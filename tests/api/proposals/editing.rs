//! Who sees and edits a proposal: speakers and chairs; edits are revisions; withdrawing.

use reqwest::Method;
use serde_json::{Value, json};

use super::{PROPOSALS, post_proposal, rust_talk};
use crate::helpers::{KERNEL_ABSTRACT, TestApp, add_member, api, person, send, submit};

#[tokio::test]
async fn only_speakers_and_chairs_see_a_proposal() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    let ada = person(&app, "ada@example.org", "Ada").await.token;
    let bob = person(&app, "bob@example.org", "Bob").await.token;
    let chair = person(&app, "chair@example.org", "Chair").await.token;
    add_member(&app, &admin, "chair@example.org", "chair").await;
    let id = submit(&app, &ada, rust_talk("Ada's Rust talk")).await;
    submit(&app, &bob, rust_talk("Bob's Rust talk")).await;
    let path = format!("/api/v1/proposals/{id}");
    let withdraw = format!("{path}/withdraw");
    let hijack = json!({"title": "Hijacked title"});
    let unknown = "/api/v1/proposals/00000000-0000-0000-0000-000000000000";
    for (method, path, token, body, status) in [
        (Method::GET, path.as_str(), Some(&ada), None, 200),
        (Method::GET, &path, Some(&chair), None, 200),
        (Method::GET, &path, Some(&admin), None, 200),
        (Method::GET, &path, Some(&bob), None, 404),
        (Method::PATCH, &path, Some(&bob), Some(&hijack), 404),
        (Method::POST, &withdraw, Some(&bob), None, 404),
        (Method::GET, &path, None, None, 401),
        (Method::GET, unknown, Some(&ada), None, 404),
    ] {
        let (got, text) = send(&app, method.clone(), path, token.map(String::as_str), body).await;
        assert_eq!(got, status, "{method} {path}: {text}");
    }
    let count = |v: Value| v["items"].as_array().map_or(0, Vec::len);
    assert_eq!(
        count(api(&app, Method::GET, PROPOSALS, &ada, None, 200).await),
        1
    );
    assert_eq!(
        count(api(&app, Method::GET, PROPOSALS, &chair, None, 200).await),
        2
    );
    // a chair sees but does not edit speakers' text
    let retitle = json!({"title": "Chair's title"});
    assert_eq!(
        send(&app, Method::PATCH, &path, Some(&chair), Some(&retitle))
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn edits_are_revisions_retag_and_stop_when_the_cfp_closes() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    app.register("ada@example.org", "Ada").await;
    let ada = app.login("ada@example.org").await;
    let compiler_talk = rust_talk("A compiler talk about Rust");
    let created = post_proposal(&app, &ada, &compiler_talk, 201).await;
    assert_eq!(created["tags"]["track"], "rust");
    let id = created["id"].as_str().expect("id");
    let path = format!("/api/v1/proposals/{id}");
    // new text: the automatic tag follows
    let edited: Value = app
        .call(
            Method::PATCH,
            &path,
            &ada,
            Some(&json!({"title": "A Rust NVMe driver for Linux", "abstract": KERNEL_ABSTRACT})),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(edited["tags"]["track"], "rust-for-linux");
    assert_eq!(edited["tags"]["source"], "auto");
    // the speaker's own choice is kept beside the tag, and the disagreement shows
    let chose: Value = app
        .call(Method::PATCH, &path, &ada, Some(&json!({"track": "rust"})))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(chose["tags"]["track"], "rust");
    assert_eq!(chose["tags"]["source"], "speaker");
    assert_eq!(chose["tags"]["auto_track"], "rust-for-linux");
    assert_eq!(chose["tags"]["speaker_disagrees"], true);
    let cleared: Value = app
        .call(Method::PATCH, &path, &ada, Some(&json!({"track": null})))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(cleared["tags"]["source"], "auto");
    // every edit is a revision with before and after
    let mut conn = app.state.pool.get().await.expect("conn");
    let revisions = mcfp::db::proposals::revisions_of(
        &mut conn,
        mcfp::domain::ProposalId(id.parse().expect("uuid")),
    )
    .await
    .expect("revisions");
    assert_eq!(revisions.len(), 3);
    assert_eq!(revisions[0].author_name, "Ada");
    assert_eq!(
        revisions[0].changes["title"]["before"],
        "A compiler talk about Rust"
    );
    assert_eq!(
        revisions[0].changes["title"]["after"],
        "A Rust NVMe driver for Linux"
    );
    assert!(
        revisions[0].changes.get("format").is_none(),
        "unchanged fields are not recorded"
    );
    // the chair closes the CfP: read-only for speakers
    let closed = app
        .call(Method::PATCH, "/api/v1/events/rust-mc", &admin, Some(&json!({"cfp_opens_at": "2020-01-01T00:00:00Z", "cfp_closes_at": "2021-01-01T00:00:00Z"})))
        .await;
    assert_eq!(closed.status(), 200);
    let late = app
        .call(
            Method::PATCH,
            &path,
            &ada,
            Some(&json!({"title": "Too late for this"})),
        )
        .await;
    assert_eq!(late.status(), 403);
    let view: Value = app
        .call(Method::GET, &path, &ada, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["editable"], false);
    post_proposal(&app, &ada, &rust_talk("Another Rust talk"), 403).await;
}

#[tokio::test]
async fn withdraw_once_and_no_edits_after() {
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    app.register("ada@example.org", "Ada").await;
    let ada = app.login("ada@example.org").await;
    let id = submit(&app, &ada, rust_talk("A talk to withdraw")).await;
    let withdrawn: Value = app
        .call(
            Method::POST,
            &format!("/api/v1/proposals/{id}/withdraw"),
            &ada,
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(withdrawn["state"], "withdrawn");
    assert_eq!(
        send(
            &app,
            Method::POST,
            &format!("/api/v1/proposals/{id}/withdraw"),
            Some(ada.as_str()),
            None
        )
        .await
        .0,
        409
    );
    assert_eq!(
        send(
            &app,
            Method::PATCH,
            &format!("/api/v1/proposals/{id}"),
            Some(ada.as_str()),
            Some(&json!({"title": "Back again"}))
        )
        .await
        .0,
        409
    );
}
