//! The review phase: reviews are written only while it is open, by the chairs' switch or window.

use reqwest::Method;
use serde_json::{Value, json};

use super::solid;
use crate::helpers::{
    EVENT, SLUG, TestApp, add_member, api, assign, field_error, open_review, patch_event, person,
    put_review, review, reviews_of, send, submit,
};

/// The event as anybody sees it.
async fn event(app: &TestApp) -> Value {
    let (status, body) = send(app, Method::GET, EVENT, None, None).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("json")
}

/// A review refused because reviewing is not open.
fn assert_not_open((status, body): (u16, String)) {
    assert_eq!(status, 403, "{body}");
    let problem: Value = serde_json::from_str(&body).expect("problem");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not open")),
        "{problem}"
    );
}

/// Reopened, then a window that ended yesterday, then one that starts tomorrow, then one that
/// is open; closing before opening is refused.
async fn windows(app: &TestApp, chair: &str, rhea: &str, p: &str) {
    open_review(app, chair).await;
    review(app, rhea, p, &solid(4, 2)).await;
    let now = chrono::Utc::now();
    let day = chrono::Duration::days(1);
    let window = |opens: chrono::DateTime<chrono::Utc>,
                  closes: Option<chrono::DateTime<chrono::Utc>>| {
        json!({"review_opens_at": opens.to_rfc3339(), "review_closes_at": closes.map(|c| c.to_rfc3339())})
    };
    let past = patch_event(app, chair, window(now - day * 10, Some(now - day))).await;
    assert_eq!(past["review_open"], false);
    assert_not_open(put_review(app, rhea, p, &solid(5, 3)).await);
    let future = patch_event(app, chair, window(now + day, None)).await;
    assert_eq!(future["review_open"], false);
    assert_not_open(put_review(app, rhea, p, &solid(5, 3)).await);
    // a window the right way round with closing in the future is open
    let open = patch_event(app, chair, window(now - day, Some(now + day))).await;
    assert_eq!(open["review_open"], true);
    review(app, rhea, p, &solid(5, 3)).await;
    let backwards = window(now + day, Some(now));
    let problem = api(app, Method::PATCH, EVENT, chair, Some(&backwards), 422).await;
    assert!(field_error(&problem, "review_closes_at"), "{problem}");
}

#[tokio::test]
async fn reviews_are_written_only_while_the_review_phase_is_open() {
    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;
    let rhea = person(&app, "rhea@reviewers.test", "Rhea Reviewer").await;
    add_member(&app, &chair, &rhea.email, "reviewer").await;
    let p = submit(&app, &sam.token, "Writing a Rust NVMe driver").await;
    assign(&app, &chair, &p, &[&rhea.id]).await;

    // never opened
    let fresh = event(&app).await;
    assert_eq!(fresh["review_open"], false);
    assert_eq!(fresh["review_opens_at"], Value::Null);
    assert_not_open(put_review(&app, &rhea.token, &p, &solid(3, 2)).await);
    // the queue says so too
    let queue_path = format!("{EVENT}/review-queue");
    let queue = api(&app, Method::GET, &queue_path, &rhea.token, None, 200).await;
    assert_eq!(queue["review_open"], false);

    // opened now
    open_review(&app, &chair).await;
    let opened = event(&app).await;
    assert_eq!(opened["review_open"], true);
    assert!(opened["review_opens_at"].is_string());
    assert_eq!(opened["review_closes_at"], Value::Null);
    review(&app, &rhea.token, &p, &solid(3, 2)).await;

    // closed now: reading still works, writing does not, and nothing changes
    let closed = patch_event(&app, &chair, json!({"review_open": false})).await;
    assert_eq!(closed["review_open"], false);
    assert!(closed["review_closes_at"].is_string());
    assert_not_open(put_review(&app, &rhea.token, &p, &solid(5, 3)).await);
    let kept = reviews_of(&app, &rhea.token, &p).await;
    assert_eq!(kept["items"][0]["score"], 3);
    assert_eq!(kept["items"][0]["versions"], 1);

    windows(&app, &chair, &rhea.token, &p).await;
    // reviewers do not change the phase
    let close = json!({"review_open": false});
    api(&app, Method::PATCH, EVENT, &rhea.token, Some(&close), 403).await;
    let last = reviews_of(&app, &chair, &p).await;
    assert_eq!(last["items"][0]["score"], 5);
    assert_eq!(last["items"][0]["versions"], 3);
}
