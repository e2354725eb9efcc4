//! Reviews themselves: validation naming the field, one review per reviewer with every version
//! kept, and what stays of a removed reviewer's.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use mcfp::schema::{review_assignments, review_history, reviews};
use reqwest::Method;
use serde_json::{Value, json};

use super::{assigned_ids, solid};
use crate::helpers::{
    EVENT, Person, SLUG, TestApp, add_member, api, assign, field_error, ids_of, open_review,
    person, put_review, review, reviews_of, submit,
};

/// A proposal of Sam's with Rhea assigned, reviewing open; returns (chair, Rhea, its id).
async fn one_assigned_proposal(app: &TestApp) -> (String, Person, String) {
    let chair = app.admin_with_event(SLUG).await;
    let sam = person(app, "sam@speakers.test", "Sam Submitter").await;
    let rhea = person(app, "rhea@reviewers.test", "Rhea Reviewer").await;
    add_member(app, &chair, &rhea.email, "reviewer").await;
    let p = submit(app, &sam.token, "Writing a Rust NVMe driver").await;
    assign(app, &chair, &p, &[&rhea.id]).await;
    open_review(app, &chair).await;
    (chair, rhea, p)
}

/// How many reviews and review versions are stored.
async fn stored(app: &TestApp) -> (i64, i64) {
    let mut conn = app.state.pool.get().await.expect("conn");
    let r: i64 = reviews::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    let h: i64 = review_history::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    (r, h)
}

/// Bad reviews are 422 naming each wrong field; a body that is not JSON is 400.
async fn assert_bad_reviews_are_refused(app: &TestApp, rhea: &Person, p: &str) {
    let path = format!("/api/v1/proposals/{p}/review");
    let long = "x".repeat(10_001);
    let cases = [
        (json!({"score": 0, "confidence": 2}), "score"),
        (json!({"score": 6, "confidence": 2}), "score"),
        (json!({"score": -1, "confidence": 2}), "score"),
        (json!({"score": 99999, "confidence": 2}), "score"),
        (json!({"score": 3.5, "confidence": 2}), "score"),
        (json!({"score": "high", "confidence": 2}), "score"),
        (json!({"score": null, "confidence": 2}), "score"),
        (json!({"confidence": 2}), "score"),
        (json!({"score": 3, "confidence": 4}), "confidence"),
        (json!({"score": 3, "confidence": 0}), "confidence"),
        (json!({"score": 3, "confidence": "high"}), "confidence"),
        (
            json!({"score": 3, "confidence": 2, "comment_for_chairs": 42}),
            "comment_for_chairs",
        ),
        (
            json!({"score": 3, "confidence": 2, "comment_for_speakers": ["a"]}),
            "comment_for_speakers",
        ),
        (
            json!({"score": 3, "confidence": 2, "comment_for_speakers": long}),
            "comment_for_speakers",
        ),
    ];
    for (body, field) in &cases {
        let problem = api(app, Method::PUT, &path, &rhea.token, Some(body), 422).await;
        assert!(
            field_error(&problem, field),
            "{body} should name {field}: {problem}"
        );
    }
    // both fields wrong: both named
    let nines = json!({"score": 9, "confidence": 9});
    let both = api(app, Method::PUT, &path, &rhea.token, Some(&nines), 422).await;
    assert!(
        field_error(&both, "score") && field_error(&both, "confidence"),
        "{both}"
    );
    // not JSON at all
    let response = app
        .new_client()
        .put(app.url(&path))
        .bearer_auth(&rhea.token)
        .header("Content-Type", "application/json")
        .body("{score: 3")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 400);
}

/// Saving at once from several tabs: still one review, every version kept, never a 5xx; the
/// last save wins.
async fn save_from_five_tabs_at_once(
    app: &TestApp,
    chair: &str,
    rhea: &Person,
    p: &str,
    id: &Value,
) {
    let bodies: Vec<Value> = (1..=5)
        .map(|score| json!({"score": score, "confidence": 2}))
        .collect();
    let path = format!("/api/v1/proposals/{p}/review");
    let saves = bodies
        .iter()
        .map(|body| api(app, Method::PUT, &path, &rhea.token, Some(body), 200));
    let saved = futures_util::future::join_all(saves).await;
    assert!(saved.iter().all(|v| v["id"] == *id));
    assert_eq!(stored(app).await, (1, 7));
    let versions: Vec<i64> = saved
        .iter()
        .map(|v| v["versions"].as_i64().expect("n"))
        .collect();
    assert_eq!(
        versions.iter().copied().collect::<BTreeSet<_>>(),
        (3..=7).collect(),
        "{versions:?}"
    );
    let last = saved
        .iter()
        .find(|v| v["versions"] == 7)
        .expect("the last save");
    let kept = reviews_of(app, chair, p).await;
    assert_eq!(kept["items"][0]["score"], last["score"]);
    assert_eq!(kept["items"][0]["versions"], 7);
    // the queue shows her score
    let queue_path = format!("{EVENT}/review-queue");
    let queue = api(app, Method::GET, &queue_path, &rhea.token, None, 200).await;
    assert_eq!(queue["items"][0]["my_score"], last["score"]);
    assert_eq!(queue["review_open"], true);
}

#[tokio::test]
async fn bad_reviews_are_422_naming_the_field_and_a_second_put_updates_the_one_review() {
    let app = TestApp::spawn().await;
    let (chair, rhea, p) = one_assigned_proposal(&app).await;
    assert_bad_reviews_are_refused(&app, &rhea, &p).await;
    assert_eq!(stored(&app).await, (0, 0), "nothing stored");
    assert_eq!(reviews_of(&app, &chair, &p).await["items"], json!([]));

    // the scale's ends are fine; a second PUT changes the same review and keeps both versions
    let path = format!("/api/v1/proposals/{p}/review");
    let early = json!({"score": 1, "confidence": 1, "comment_for_chairs": "  Too early.  "});
    let first = api(&app, Method::PUT, &path, &rhea.token, Some(&early), 200).await;
    assert_eq!(first["versions"], 1);
    assert_eq!(first["score_label"], "strong reject");
    assert_eq!(first["comment_for_chairs"], "Too early.");
    assert_eq!(first["mine"], true);
    assert_eq!(first["former_reviewer"], false);
    let great = json!({"score": 5, "confidence": 3, "comment_for_speakers": "Great."});
    let second = api(&app, Method::PUT, &path, &rhea.token, Some(&great), 200).await;
    assert_eq!(second["id"], first["id"]);
    assert_eq!(second["versions"], 2);
    assert_eq!(second["score"], 5);
    assert_eq!(
        second["comment_for_chairs"], "",
        "a PUT replaces the whole review"
    );
    assert_eq!(stored(&app).await, (1, 2));
    let listed = reviews_of(&app, &chair, &p).await;
    let items = listed["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["versions"], 2);
    assert_eq!(items[0]["score"], 5);
    assert_eq!(items[0]["confidence"], 3);
    assert_eq!(items[0]["reviewer_name"], "Rhea Reviewer");
    // a bad update changes nothing
    let seven = json!({"score": 7, "confidence": 3});
    api(&app, Method::PUT, &path, &rhea.token, Some(&seven), 422).await;
    assert_eq!(stored(&app).await, (1, 2));
    save_from_five_tabs_at_once(&app, &chair, &rhea, &p, &first["id"]).await;
}

#[tokio::test]
async fn a_removed_reviewers_reviews_stay_as_a_former_reviewers_and_their_assignments_go() {
    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;
    let rhea = person(&app, "rhea@reviewers.test", "Rhea Reviewer").await;
    let ben = person(&app, "ben@reviewers.test", "Ben Reviewer").await;
    for r in [&rhea, &ben] {
        add_member(&app, &chair, &r.email, "reviewer").await;
    }
    let p = submit(&app, &sam.token, "Writing a Rust NVMe driver").await;
    let q = submit(&app, &sam.token, "Rust in GCC, two years on").await;
    assign(&app, &chair, &p, &[&rhea.id, &ben.id]).await;
    assign(&app, &chair, &q, &[&rhea.id]).await;
    open_review(&app, &chair).await;
    review(&app, &rhea.token, &p, &solid(4, 3)).await;
    assert_eq!(
        reviews_of(&app, &chair, &p).await["items"][0]["former_reviewer"],
        false
    );

    let member = format!("{EVENT}/members/{}", rhea.id);
    api(&app, Method::DELETE, &member, &chair, None, 204).await;
    let kept = reviews_of(&app, &chair, &p).await;
    let items = kept["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{kept}");
    assert_eq!(items[0]["reviewer_id"], rhea.id.as_str());
    assert_eq!(items[0]["reviewer_name"], "Rhea Reviewer");
    assert_eq!(items[0]["former_reviewer"], true);
    assert_eq!(items[0]["score"], 4);
    assert_eq!(
        assigned_ids(&app, &chair, &p).await,
        BTreeSet::from([ben.id.clone()])
    );
    assert!(assigned_ids(&app, &chair, &q).await.is_empty());
    let mut conn = app.state.pool.get().await.expect("conn");
    let left: i64 = review_assignments::table
        .filter(review_assignments::reviewer_id.eq(rhea.id.parse::<uuid::Uuid>().expect("uuid")))
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    drop(conn);
    assert_eq!(left, 0);
    // she no longer sees or reviews anything; her review still counts in the ranking
    let proposal = format!("/api/v1/proposals/{p}");
    api(&app, Method::GET, &proposal, &rhea.token, None, 404).await;
    let reviews = format!("{proposal}/reviews");
    api(&app, Method::GET, &reviews, &rhea.token, None, 404).await;
    let (status, _) = put_review(&app, &rhea.token, &p, &solid(1, 1)).await;
    assert_eq!(status, 404);
    let progress_path = format!("{EVENT}/reviewers");
    let progress = api(&app, Method::GET, &progress_path, &chair, None, 200).await;
    assert_eq!(ids_of(&progress["items"], "id"), [ben.id.as_str()]);
    let ranking = api(
        &app,
        Method::GET,
        &format!("{EVENT}/ranking"),
        &chair,
        None,
        200,
    )
    .await;
    let first = &ranking["items"][0];
    assert_eq!(first["proposal_id"], p.as_str());
    assert_eq!(first["n"], 1);
    assert_eq!(first["assigned"], 1);
}
