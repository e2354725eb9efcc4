//! Review criteria: chairs define them (`/events/{slug}/review-criteria`); a review then scores
//! each one and its score is their weighted mean, which the ranking uses; without criteria the
//! single score is unchanged.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Person, SLUG, TestApp, add_member, api, assign, field_error, open_review, person, put_review,
    review, reviews_of, send, submit,
};

const CRITERIA: &str = "/api/v1/events/rust-mc/review-criteria";

fn three_criteria() -> Value {
    json!({"criteria": [
        {"key": "relevance", "label": "Relevance to the MC", "weight": 2, "position": 0},
        {"key": "depth", "label": "Technical depth", "weight": 1, "position": 1},
        {"key": "clarity", "label": "Clarity", "weight": 1, "position": 2},
    ]})
}

/// A proposal with Rhea assigned, reviewing open, auto-assignment off; (chair, Rhea, proposal).
async fn setup(app: &TestApp) -> (String, Person, String) {
    let chair = app.admin_with_event(SLUG).await;
    let sam = person(app, "sam@speakers.test", "Sam Submitter").await;
    let rhea = person(app, "rhea@reviewers.test", "Rhea Reviewer").await;
    add_member(app, &chair, &rhea.email, "reviewer").await;
    let p = submit(app, &sam.token, "Writing a Rust NVMe driver").await;
    assign(app, &chair, &p, &[&rhea.id]).await;
    open_review(app, &chair).await;
    (chair, rhea, p)
}

#[tokio::test]
async fn chairs_define_criteria_and_bad_lists_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let (chair, rhea, _) = setup(&app).await;
    let view = api(&app, Method::GET, CRITERIA, &chair, None, 200).await;
    assert_eq!(view["criteria"], json!([]));
    let view = api(
        &app,
        Method::PUT,
        CRITERIA,
        &chair,
        Some(&three_criteria()),
        200,
    )
    .await;
    let keys: Vec<&str> = view["criteria"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["key"].as_str().expect("key"))
        .collect();
    assert_eq!(keys, ["relevance", "depth", "clarity"]);
    let event = api(
        &app,
        Method::GET,
        "/api/v1/events/rust-mc",
        &chair,
        None,
        200,
    )
    .await;
    assert_eq!(event["review_criteria"].as_array().map(Vec::len), Some(3));

    // a reviewer may not change them
    let (status, _) = send(
        &app,
        Method::PUT,
        CRITERIA,
        Some(&rhea.token),
        Some(&three_criteria()),
    )
    .await;
    assert_eq!(status, 403);

    let bad = [
        (
            json!({"criteria": [{"key": "Bad Key", "label": "x", "weight": 1, "position": 0}]}),
            "criteria[0].key",
        ),
        (
            json!({"criteria": [{"key": "a", "label": "x", "weight": 0, "position": 0}]}),
            "criteria[0].weight",
        ),
        (
            json!({"criteria": [{"key": "a", "label": "", "weight": 1, "position": 0}]}),
            "criteria[0].label",
        ),
    ];
    // a repeated key is a 409 (well-formed, but two criteria cannot share a key)
    let twice = json!({"criteria": [{"key": "a", "label": "x", "weight": 1, "position": 0},
                                    {"key": "a", "label": "y", "weight": 1, "position": 1}]});
    let (status, text) = send(&app, Method::PUT, CRITERIA, Some(&chair), Some(&twice)).await;
    assert_eq!(status, 409, "{text}");
    let problem: Value = serde_json::from_str(&text).expect("json");
    assert!(field_error(&problem, "criteria[1].key"), "{text}");
    for (body, field) in bad {
        let (status, text) = send(&app, Method::PUT, CRITERIA, Some(&chair), Some(&body)).await;
        assert_eq!(status, 422, "{body}: {text}");
        let problem: Value = serde_json::from_str(&text).expect("json");
        assert!(field_error(&problem, field), "{field}: {text}");
    }
    let eleven: Vec<Value> = (0..11)
        .map(|i| json!({"key": format!("c{i}"), "label": "x", "weight": 1, "position": i}))
        .collect();
    let (status, text) = send(
        &app,
        Method::PUT,
        CRITERIA,
        Some(&chair),
        Some(&json!({"criteria": eleven})),
    )
    .await;
    assert_eq!(status, 422, "{text}");
}

#[tokio::test]
async fn a_review_scores_each_criterion_and_its_score_is_the_weighted_mean() {
    let app = TestApp::spawn().await;
    let (chair, rhea, p) = setup(&app).await;
    api(
        &app,
        Method::PUT,
        CRITERIA,
        &chair,
        Some(&three_criteria()),
        200,
    )
    .await;
    let body = |criteria: Value| json!({"criteria": criteria, "confidence": 2, "comment_for_chairs": "ok"});
    // missing, out of range, unknown: 422 naming criteria.<key>
    let cases = [
        (
            body(json!({"relevance": 5, "depth": 3})),
            "criteria.clarity",
        ),
        (
            body(json!({"relevance": 6, "depth": 3, "clarity": 3})),
            "criteria.relevance",
        ),
        (
            body(json!({"relevance": 5, "depth": 0, "clarity": 3})),
            "criteria.depth",
        ),
        (
            body(json!({"relevance": 5, "depth": 3, "clarity": 3, "humour": 5})),
            "criteria.humour",
        ),
        (json!({"score": 4, "confidence": 2}), "criteria.relevance"),
    ];
    for (b, field) in cases {
        let (status, text) = put_review(&app, &rhea.token, &p, &b).await;
        assert_eq!(status, 422, "{b}: {text}");
        let problem: Value = serde_json::from_str(&text).expect("json");
        assert!(field_error(&problem, field), "{field}: {text}");
    }
    // (2·5 + 1·2 + 1·3) / 4 = 3.75 → 4
    review(
        &app,
        &rhea.token,
        &p,
        &body(json!({"relevance": 5, "depth": 2, "clarity": 3})),
    )
    .await;
    let reviews = reviews_of(&app, &chair, &p).await;
    let r = &reviews["items"][0];
    assert_eq!(r["score"], 4, "{r}");
    assert_eq!(
        r["criteria"],
        json!({"relevance": 5, "depth": 2, "clarity": 3})
    );
    // (2·3 + 1·2 + 1·2) / 4 = 2.5 → 3 (halves up)
    review(
        &app,
        &rhea.token,
        &p,
        &body(json!({"relevance": 3, "depth": 2, "clarity": 2})),
    )
    .await;
    let reviews = reviews_of(&app, &chair, &p).await;
    assert_eq!(reviews["items"][0]["score"], 3);
    // the ranking uses it
    let ranking = api(
        &app,
        Method::GET,
        "/api/v1/events/rust-mc/ranking",
        &chair,
        None,
        200,
    )
    .await;
    let item = &ranking["items"][0];
    assert_eq!(item["mean"].as_f64(), Some(3.0), "{item}");
}

#[tokio::test]
async fn without_criteria_the_single_score_is_unchanged_and_criteria_are_refused() {
    let app = TestApp::spawn().await;
    let (chair, rhea, p) = setup(&app).await;
    let (status, text) = put_review(
        &app,
        &rhea.token,
        &p,
        &json!({"score": 4, "confidence": 2, "criteria": {"depth": 4}}),
    )
    .await;
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("criteria"), "{text}");
    review(&app, &rhea.token, &p, &json!({"score": 4, "confidence": 2})).await;
    let reviews = reviews_of(&app, &chair, &p).await;
    assert_eq!(reviews["items"][0]["score"], 4);
    assert_eq!(reviews["items"][0]["criteria"], Value::Null);
    // criteria added later: the review keeps its score; its next save answers them
    api(
        &app,
        Method::PUT,
        CRITERIA,
        &chair,
        Some(&three_criteria()),
        200,
    )
    .await;
    let reviews = reviews_of(&app, &chair, &p).await;
    assert_eq!(reviews["items"][0]["score"], 4);
}
