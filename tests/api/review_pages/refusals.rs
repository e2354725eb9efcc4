//! What the review pages refuse: forms without their CSRF token, and chairs' pages and
//! actions for anyone but the chairs.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{Committee, EVENT, api, assign, patch_event, post, reviews_of, submit};

/// Who posts, where, with which fields (besides the token).
type Attempt<'a> = (&'a reqwest::Client, String, Vec<(&'a str, &'a str)>);

#[tokio::test]
async fn review_forms_without_a_csrf_token_are_refused() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let id = submit(app, &c.speaker.token, "Guarded talk").await;
    assign(app, &c.chair.token, &id, &[&c.rita.id]).await;
    let (chair, _) = app.browser_signed_in(&c.chair.email).await;
    let (rita, _) = app.browser_signed_in(&c.rita.email).await;
    let rita_field = format!("reviewer_{}", c.rita.id);
    let attempts: Vec<Attempt> = vec![
        (
            &rita,
            format!("/proposals/{id}/review"),
            vec![("score", "4"), ("confidence", "2")],
        ),
        (&rita, format!("/proposals/{id}/conflict"), vec![]),
        (
            &chair,
            format!("/proposals/{id}/assignments"),
            vec![(rita_field.as_str(), "on")],
        ),
        (
            &chair,
            format!("/proposals/{id}/conflicts"),
            vec![("reviewer_id", c.rita.id.as_str()), ("conflicted", "true")],
        ),
        (
            &chair,
            "/events/rust-mc/assignments/auto".to_owned(),
            vec![("reviewers_per_proposal", "2")],
        ),
        (
            &chair,
            "/events/rust-mc/reviewers/remind".to_owned(),
            vec![],
        ),
        (
            &chair,
            "/events/rust-mc/review-phase".to_owned(),
            vec![("action", "close")],
        ),
    ];
    for (browser, path, fields) in &attempts {
        let (status, _, _) = post(app, browser, path, fields).await;
        assert_eq!(status, 403, "{path} without a token");
        let mut forged = fields.clone();
        forged.push(("csrf_token", "forged"));
        let (status, _, _) = post(app, browser, path, &forged).await;
        assert_eq!(status, 403, "{path} with a forged token");
    }
    // nothing happened
    let reviews = reviews_of(app, &c.chair.token, &id).await;
    assert_eq!(reviews["items"], json!([]));
    let event = api(app, Method::GET, EVENT, &c.admin, None, 200).await;
    assert_eq!(event["review_open"], true);
    let (_, html) = app.page(&rita, &format!("/proposals/{id}")).await;
    assert!(html.contains("Your review"));
}

#[tokio::test]
async fn only_chairs_reach_the_dashboard_the_ranking_and_the_chair_actions() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let id = submit(app, &c.speaker.token, "Chairs only").await;
    assign(app, &c.chair.token, &id, &[&c.rita.id]).await;
    let (rita, rita_csrf) = app.browser_signed_in(&c.rita.email).await;
    let (speaker, speaker_csrf) = app.browser_signed_in(&c.speaker.email).await;
    for (browser, who) in [(&rita, "a reviewer"), (&speaker, "a speaker")] {
        for path in ["/events/rust-mc/dashboard", "/events/rust-mc/ranking"] {
            let status = app.page(browser, path).await.0;
            assert!(status == 403 || status == 404, "{who} on {path}: {status}");
        }
    }
    for (browser, csrf) in [(&rita, &rita_csrf), (&speaker, &speaker_csrf)] {
        for (path, fields) in [
            (
                "/events/rust-mc/assignments/auto",
                vec![("reviewers_per_proposal", "2")],
            ),
            ("/events/rust-mc/reviewers/remind", vec![]),
            ("/events/rust-mc/review-phase", vec![("action", "close")]),
        ] {
            let mut fields = fields;
            fields.push(("csrf_token", csrf.as_str()));
            let (status, _, _) = post(app, browser, path, &fields).await;
            assert!(status == 403 || status == 404, "{path}: {status}");
        }
    }
    // a reviewer may not assign or set others' conflicts; a speaker does not see the reviews
    let rex_field = format!("reviewer_{}", c.rex.id);
    let (status, _, _) = post(
        app,
        &rita,
        &format!("/proposals/{id}/assignments"),
        &[("csrf_token", &rita_csrf), (&rex_field, "on")],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, _) = post(
        app,
        &rita,
        &format!("/proposals/{id}/conflicts"),
        &[
            ("csrf_token", &rita_csrf),
            ("reviewer_id", &c.rex.id),
            ("conflicted", "true"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    let (status, html) = app.page(&speaker, &format!("/proposals/{id}")).await;
    assert_eq!(status, 200);
    assert!(!html.contains("Your review") && !html.contains("id=\"review\""));
    assert!(!html.contains("Reviewers (chairs)"));
    let (status, _, _) = post(
        app,
        &speaker,
        &format!("/proposals/{id}/review"),
        &[
            ("csrf_token", &speaker_csrf),
            ("score", "5"),
            ("confidence", "3"),
        ],
    )
    .await;
    assert!(
        status == 403 || status == 404,
        "a speaker reviewing: {status}"
    );
    // the reviewer's proposal page has no chair controls
    let (_, html) = app.page(&rita, &format!("/proposals/{id}")).await;
    assert!(
        !html.contains("Reviewers (chairs)") && !html.contains("Conflicts of interest (chairs)")
    );
    assert!(!html.contains("/withdraw\""), "a reviewer cannot withdraw");
    // nor once the call for proposals is closed, when only the speakers keep a withdraw button
    let closed = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    patch_event(app, &c.admin, json!({"cfp_closes_at": closed})).await;
    let (_, html) = app.page(&rita, &format!("/proposals/{id}")).await;
    assert!(
        !html.contains("/withdraw\""),
        "a reviewer cannot withdraw a closed CfP's proposal"
    );
    let (_, html) = app.page(&speaker, &format!("/proposals/{id}")).await;
    assert!(html.contains("/withdraw\"") && html.contains("read-only now"));
    // the event's state did not change
    let event = api(app, Method::GET, EVENT, &c.admin, None, 200).await;
    assert_eq!(event["review_open"], true);
}
