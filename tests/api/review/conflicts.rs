//! Conflicts of interest: declared by reviewers (and taken back), set by chairs, and computed
//! from a shared email domain.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use super::{assigned_ids, solid};
use crate::helpers::{
    Person, SLUG, TestApp, add_member, api, assign, field_error, patch_event, person, put_review,
    submit,
};

/// `token` says whether `who` is conflicted with the proposal; asserts the status and returns
/// the answer.
async fn set_conflict(
    app: &TestApp,
    token: &str,
    proposal: &str,
    who: &Person,
    conflicted: bool,
    status: u16,
) -> Value {
    let path = format!("/api/v1/proposals/{proposal}/conflicts");
    let body = json!({"reviewer_id": who.id, "conflicted": conflicted});
    api(app, Method::PUT, &path, token, Some(&body), status).await
}

/// Whether this account may read the proposal: asserts the status of a GET.
async fn read_proposal(app: &TestApp, token: &str, proposal: &str, status: u16) {
    let path = format!("/api/v1/proposals/{proposal}");
    api(app, Method::GET, &path, token, None, status).await;
}

#[tokio::test]
async fn conflicts_are_declared_taken_back_set_by_chairs_and_computed() {
    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    let sam = person(&app, "sam@acme.test", "Sam Submitter").await;
    let rhea = person(&app, "rhea@reviewers.test", "Rhea Reviewer").await;
    let ben = person(&app, "ben@acme.test", "Ben Colleague").await;
    for r in [&rhea, &ben] {
        add_member(&app, &chair, &r.email, "reviewer").await;
    }
    let p = submit(&app, &sam.token, "A Rust scheduler class").await;
    assign(&app, &chair, &p, &[&rhea.id, &ben.id]).await;

    // a reviewer declares for herself only
    set_conflict(&app, &rhea.token, &p, &ben, true, 403).await;
    let declared = set_conflict(&app, &rhea.token, &p, &rhea, true, 200).await;
    assert_eq!(declared["reason"], "declared");
    assert_eq!(
        assigned_ids(&app, &chair, &p).await,
        BTreeSet::from([ben.id.clone()])
    );
    read_proposal(&app, &rhea.token, &p, 404).await;
    // ... and may take it back (the assignment does not come back by itself)
    let back = set_conflict(&app, &rhea.token, &p, &rhea, false, 200).await;
    assert_eq!(back["conflicted"], false);
    assert_eq!(back["reason"], Value::Null);
    assign(&app, &chair, &p, &[&rhea.id, &ben.id]).await;

    // a chair's conflict: the reviewer can no longer see the proposal, so cannot clear it
    let set = set_conflict(&app, &chair, &p, &rhea, true, 200).await;
    assert_eq!(set["reason"], "chair");
    set_conflict(&app, &rhea.token, &p, &rhea, false, 404).await;
    let cleared = set_conflict(&app, &chair, &p, &rhea, false, 200).await;
    assert_eq!(cleared["conflicted"], false);

    // the same email domain as a speaker conflicts when the event asks for it; a chair may clear it
    patch_event(&app, &chair, json!({"conflict_same_domain": true})).await;
    read_proposal(&app, &ben.token, &p, 404).await;
    let (status, _) = put_review(&app, &ben.token, &p, &solid(3, 2)).await;
    assert_eq!(status, 404);
    let domain = set_conflict(&app, &chair, &p, &ben, false, 200).await;
    assert_eq!(domain["conflicted"], false);
    read_proposal(&app, &ben.token, &p, 200).await;

    // only members: a chair naming a speaker gets 422
    let problem = set_conflict(&app, &chair, &p, &sam, true, 422).await;
    assert!(field_error(&problem, "reviewer_id"), "{problem}");
}
