//! The chairs' proposals CSV (`/events/{slug}/proposals.csv`), read back with the `csv` crate:
//! one row per proposal, a column per question, RFC 4180 quoting, UTF-8, formulas defused.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{
    ABSTRACT, SLUG, TestApp, add_member, api, assign, open_review, person, review, review_body,
    send,
};

const CSV: &str = "/api/v1/events/rust-mc/proposals.csv";

async fn set_affiliation(app: &TestApp, email: &str, affiliation: &str) {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use mcfp::schema::users;
    let mut conn = app.state.pool.get().await.expect("conn");
    diesel::update(users::table.filter(users::email.eq(email)))
        .set(users::affiliation.eq(affiliation))
        .execute(&mut conn)
        .await
        .expect("affiliation");
}

#[tokio::test]
async fn the_csv_has_a_row_per_proposal_and_a_column_per_question() {
    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    let questions = json!({"questions": [
        {"key": "kind_of", "label": "Talk or discussion?", "kind": "choice",
         "options": ["Talk", "Discussion"], "required": true, "position": 0},
        {"key": "topics", "label": "Topics", "kind": "multiple_choice",
         "options": ["mm", "fs"], "position": 1},
        {"key": "old", "label": "Old question", "kind": "long_text", "position": 2},
    ]});
    api(
        &app,
        Method::PUT,
        "/api/v1/events/rust-mc/questions",
        &chair,
        Some(&questions),
        200,
    )
    .await;
    let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;
    let zoe = person(&app, "zoe@speakers.test", "Zoë Žužek").await;
    let rhea = person(&app, "rhea@reviewers.test", "Rhea Reviewer").await;
    set_affiliation(&app, "sam@speakers.test", "Kernel Labs, Inc.").await;
    add_member(&app, &chair, &rhea.email, "reviewer").await;

    // titles are one line: the newline goes in a long answer
    let tricky = "Commas, \"quotes\", and more";
    let post = |token: String, title: &str, answers: serde_json::Value| {
        let body =
            json!({"title": title, "abstract": ABSTRACT, "format": "talk", "answers": answers});
        let app = &app;
        async move {
            api(
                app,
                Method::POST,
                "/api/v1/events/rust-mc/proposals",
                &token,
                Some(&body),
                201,
            )
            .await
        }
    };
    let a = post(
        sam.token.clone(),
        tricky,
        json!({"kind_of": "Talk", "topics": ["mm", "fs"], "old": "kept,\n\"across\" lines"}),
    )
    .await;
    let b = post(
        zoe.token.clone(),
        "=HYPERLINK(\"http://evil\")",
        json!({"kind_of": "Discussion"}),
    )
    .await;
    let c = post(
        zoe.token.clone(),
        "Über Rust im Kernel",
        json!({"kind_of": "Talk"}),
    )
    .await;
    let (a, b, c) = (
        a["id"].as_str().expect("id").to_owned(),
        b["id"].as_str().expect("id").to_owned(),
        c["id"].as_str().expect("id").to_owned(),
    );
    // withdrawn proposals are listed with their state
    api(
        &app,
        Method::POST,
        &format!("/api/v1/proposals/{c}/withdraw"),
        &zoe.token,
        None,
        200,
    )
    .await;
    // a draft is not a proposal yet
    let draft = json!({"title": "Draft", "abstract": "", "format": "talk", "draft": true});
    api(
        &app,
        Method::POST,
        "/api/v1/events/rust-mc/proposals",
        &sam.token,
        Some(&draft),
        201,
    )
    .await;
    // the `old` question is removed: its column stays, after the current ones
    let mut current = questions.clone();
    current["questions"].as_array_mut().expect("list").pop();
    api(
        &app,
        Method::PUT,
        "/api/v1/events/rust-mc/questions",
        &chair,
        Some(&current),
        200,
    )
    .await;
    assign(&app, &chair, &a, &[&rhea.id]).await;
    open_review(&app, &chair).await;
    review(&app, &rhea.token, &a, &review_body(4, 3, "", "")).await;

    // chairs only
    let (status, _) = send(&app, Method::GET, CSV, Some(&rhea.token), None).await;
    assert_eq!(status, 403);
    let response = app.call(Method::GET, CSV, &chair, None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().expect("type"),
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("disposition")
            .starts_with("attachment")
    );
    let body = response.text().await.expect("body");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "id",
            "title",
            "state",
            "decision",
            "format",
            "track",
            "subtopics",
            "speakers",
            "kind_of",
            "topics",
            "old",
            "reviews",
            "mean",
            "calibrated"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 3, "{body}");
    let row = |id: &str| {
        rows.iter()
            .find(|r| &r[0] == id)
            .unwrap_or_else(|| panic!("row {id} in {body}"))
    };
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");

    let ra = row(&a);
    assert_eq!(&ra[col("title")], tricky);
    assert_eq!(&ra[col("state")], "submitted");
    assert_eq!(&ra[col("speakers")], "Sam Submitter (Kernel Labs, Inc.)");
    assert_eq!(&ra[col("kind_of")], "Talk");
    assert_eq!(&ra[col("topics")], "mm; fs");
    assert_eq!(&ra[col("old")], "kept,\n\"across\" lines");
    assert_eq!(&ra[col("reviews")], "1");
    assert_eq!(&ra[col("mean")], "4.000");
    assert!(!ra[col("calibrated")].is_empty(), "{body}");

    let rb = row(&b);
    assert_eq!(&rb[col("title")], "'=HYPERLINK(\"http://evil\")");
    assert_eq!(&rb[col("speakers")], "Zoë Žužek");
    assert_eq!(&rb[col("kind_of")], "Discussion");
    assert_eq!(&rb[col("reviews")], "0");
    assert_eq!(&rb[col("mean")], "");

    let rc = row(&c);
    assert_eq!(&rc[col("title")], "Über Rust im Kernel");
    assert_eq!(&rc[col("state")], "withdrawn");
}
