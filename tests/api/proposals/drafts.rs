//! Drafts: saved with `"draft": true`, seen by their speaker only (no chair list, GET, dashboard,
//! ranking, assignment, review queue or email), edited, submitted with full validation, the
//! window and the cap; and, on the pages, a form posted after the session expired comes back
//! after sign-in without JavaScript.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    ABSTRACT, Committee, EVENT, PASSWORD, TestApp, api, csrf_token, field_error, ids_of,
    patch_event, post, send, submit,
};

const PROPOSALS: &str = "/api/v1/events/rust-mc/proposals";

async fn draft(app: &TestApp, token: &str, body: Value) -> Value {
    let mut body = body;
    body["draft"] = json!(true);
    api(app, Method::POST, PROPOSALS, token, Some(&body), 201).await
}

/// Rows in the outbox (any state) about this proposal.
async fn emails_about(app: &TestApp, id: &str) -> i64 {
    let id: uuid::Uuid = id.parse().expect("uuid");
    let mut conn = app.state.pool.get().await.expect("conn");
    mcfp::schema::outbox::table
        .filter(mcfp::schema::outbox::proposal_id.eq(id))
        .count()
        .get_result(&mut conn)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_draft_is_seen_by_its_speaker_only_until_it_is_submitted() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let saved = draft(
        app,
        &c.speaker.token,
        json!({"title": "Half-baked: a draft about drivers", "abstract": ABSTRACT, "format": "talk",
               "co_speakers": ["cora@speakers.test"]}),
    )
    .await;
    assert_eq!(saved["state"], "draft");
    let id = saved["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/proposals/{id}");

    // its speaker reads it, nobody else does (the 404 of no proposal at all)
    let mine = api(app, Method::GET, &path, &c.speaker.token, None, 200).await;
    assert_eq!(mine["state"], "draft");
    assert_eq!(mine["invited"], json!(["cora@speakers.test"]));
    for token in [&c.chair.token, &c.rita.token, &c.other.token, &c.admin] {
        api(app, Method::GET, &path, token, None, 404).await;
    }
    // not in the chairs' list, the ranking, the reviewers' queues or the automatic assignment
    let listed = api(app, Method::GET, PROPOSALS, &c.chair.token, None, 200).await;
    assert!(!ids_of(&listed["items"], "id").contains(&id));
    let ranking = api(
        app,
        Method::GET,
        &format!("{EVENT}/ranking"),
        &c.chair.token,
        None,
        200,
    )
    .await;
    assert!(!ranking.to_string().contains(&id), "{ranking}");
    let auto = json!({"reviewers_per_proposal": 2});
    let assigned = api(
        app,
        Method::POST,
        &format!("{EVENT}/assignments/auto"),
        &c.chair.token,
        Some(&auto),
        200,
    )
    .await;
    assert_eq!(assigned["assigned"], 0, "{assigned}");
    let queue = api(
        app,
        Method::GET,
        &format!("{EVENT}/review-queue"),
        &c.rita.token,
        None,
        200,
    )
    .await;
    assert!(!queue.to_string().contains(&id), "{queue}");
    // nor on the chairs' dashboard (its counts included)
    let (chair_browser, _) = app.browser_signed_in(&c.chair.email).await;
    let (status, dashboard) = app.page(&chair_browser, "/events/rust-mc/dashboard").await;
    assert_eq!(status, 200);
    assert!(
        !dashboard.contains("Half-baked"),
        "the dashboard shows a draft"
    );
    // and no email: no receipt, no co-speaker invitation
    assert_eq!(emails_about(app, &id).await, 0);
    // "My proposals" shows it, marked as a draft
    let (speaker_browser, _) = app.browser_signed_in(&c.speaker.email).await;
    let (_, mine_page) = app.page(&speaker_browser, "/proposals").await;
    assert!(mine_page.contains("Half-baked: a draft about drivers"));
    assert!(mine_page.contains("state-draft\">Draft<"));

    // submitted: the same id, seen by the chairs, assigned, receipt and invitation emailed
    let submitted = api(
        app,
        Method::POST,
        &format!("{path}/submit"),
        &c.speaker.token,
        None,
        200,
    )
    .await;
    assert_eq!(submitted["state"], "submitted");
    assert_eq!(submitted["id"], id.as_str());
    assert_eq!(submitted["invited"], json!(["cora@speakers.test"]));
    let seen = api(app, Method::GET, &path, &c.chair.token, None, 200).await;
    assert_eq!(seen["state"], "submitted");
    let listed = api(app, Method::GET, PROPOSALS, &c.chair.token, None, 200).await;
    assert!(ids_of(&listed["items"], "id").contains(&id));
    let assigned = api(
        app,
        Method::POST,
        &format!("{EVENT}/assignments/auto"),
        &c.chair.token,
        Some(&auto),
        200,
    )
    .await;
    assert_eq!(assigned["assigned"], 2, "{assigned}");
    assert_eq!(
        emails_about(app, &id).await,
        2,
        "a receipt and one invitation"
    );
    app.deliver_emails().await;
    let subjects: Vec<String> = app.mail.emails().iter().map(|e| e.subject()).collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
}

#[tokio::test]
async fn a_draft_is_edited_then_submitted_with_full_validation_once() {
    let c = Committee::spawn().await;
    let app = &c.app;
    // nothing but a short title: fine for a draft
    let saved = draft(app, &c.speaker.token, json!({"title": "Ab"})).await;
    let id = saved["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/proposals/{id}");
    assert_eq!(saved["abstract"], "");
    // lengths still apply to a draft
    let (status, body) = send(
        app,
        Method::POST,
        PROPOSALS,
        Some(&c.speaker.token),
        Some(&json!({"draft": true, "title": "x".repeat(151)})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    // submitting it names every missing field
    let problem = api(
        app,
        Method::POST,
        &format!("{path}/submit"),
        &c.speaker.token,
        None,
        422,
    )
    .await;
    assert!(field_error(&problem, "abstract"), "{problem}");
    assert!(field_error(&problem, "format"), "{problem}");
    assert!(
        field_error(&problem, "title"),
        "too short to submit: {problem}"
    );
    // still a draft; someone else can neither edit nor submit it
    api(
        app,
        Method::PATCH,
        &path,
        &c.other.token,
        Some(&json!({"title": "Mine now"})),
        404,
    )
    .await;
    api(
        app,
        Method::POST,
        &format!("{path}/submit"),
        &c.other.token,
        None,
        404,
    )
    .await;
    // edited (only what is sent changes), with its version as the ETag
    let edited = api(
        app,
        Method::PATCH,
        &path,
        &c.speaker.token,
        Some(
            &json!({"title": "Drivers in Rust, upstream", "abstract": ABSTRACT, "format": "talk"}),
        ),
        200,
    )
    .await;
    assert_eq!(edited["state"], "draft");
    assert_eq!(edited["title"], "Drivers in Rust, upstream");
    assert_eq!(
        edited["version"],
        saved["version"].as_i64().expect("version") + 1
    );
    let stale = send(
        app,
        Method::PATCH,
        &path,
        Some(&c.speaker.token),
        Some(&json!({"notes": "x"})),
    )
    .await;
    assert_eq!(stale.0, 200);
    let submitted = api(
        app,
        Method::POST,
        &format!("{path}/submit"),
        &c.speaker.token,
        None,
        200,
    )
    .await;
    assert_eq!(submitted["state"], "submitted");
    assert_eq!(submitted["title"], "Drivers in Rust, upstream");
    assert_eq!(submitted["notes"], "x");
    // twice: a 409 problem, nothing more
    let again = api(
        app,
        Method::POST,
        &format!("{path}/submit"),
        &c.speaker.token,
        None,
        409,
    )
    .await;
    assert!(
        again["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("only drafts"),
        "{again}"
    );
    // a proposal submitted directly is no draft either
    let direct = submit(app, &c.other.token, "A talk submitted directly").await;
    api(
        app,
        Method::POST,
        &format!("/api/v1/proposals/{direct}/submit"),
        &c.other.token,
        None,
        409,
    )
    .await;
    api(
        app,
        Method::POST,
        &format!("/api/v1/proposals/{}/submit", uuid::Uuid::new_v4()),
        &c.other.token,
        None,
        404,
    )
    .await;
    app.deliver_emails().await;
}

#[tokio::test]
async fn drafts_count_toward_the_cap_only_when_submitted_and_follow_the_window() {
    let c = Committee::spawn().await;
    let app = &c.app;
    patch_event(app, &c.admin, json!({"max_proposals_per_speaker": 1})).await;
    let first = submit(app, &c.speaker.token, "The one allowed talk").await;
    // a draft does not count...
    let body = json!({"title": "A second idea", "abstract": ABSTRACT, "format": "talk"});
    let second = draft(app, &c.speaker.token, body.clone()).await;
    let second = second["id"].as_str().expect("id").to_owned();
    // ...until it is submitted
    let refused = api(
        app,
        Method::POST,
        &format!("/api/v1/proposals/{second}/submit"),
        &c.speaker.token,
        None,
        409,
    )
    .await;
    assert!(field_error(&refused, "event"), "{refused}");
    api(
        app,
        Method::POST,
        &format!("/api/v1/proposals/{first}/withdraw"),
        &c.speaker.token,
        None,
        200,
    )
    .await;
    api(
        app,
        Method::POST,
        &format!("/api/v1/proposals/{second}/submit"),
        &c.speaker.token,
        None,
        200,
    )
    .await;

    // withdrawing a draft deletes it
    let third = draft(app, &c.speaker.token, body.clone()).await;
    let third = third["id"].as_str().expect("id").to_owned();
    let gone = api(
        app,
        Method::POST,
        &format!("/api/v1/proposals/{third}/withdraw"),
        &c.speaker.token,
        None,
        200,
    )
    .await;
    assert_eq!(gone["state"], "withdrawn");
    api(
        app,
        Method::GET,
        &format!("/api/v1/proposals/{third}"),
        &c.speaker.token,
        None,
        404,
    )
    .await;

    // the window: saving, editing and submitting a draft are refused once the call closed
    let fourth = draft(app, &c.other.token, body.clone()).await;
    let fourth = fourth["id"].as_str().expect("id").to_owned();
    patch_event(
        app,
        &c.admin,
        json!({"cfp_opens_at": "2020-01-01T00:00:00Z", "cfp_closes_at": "2021-01-01T00:00:00Z"}),
    )
    .await;
    api(
        app,
        Method::POST,
        &format!("/api/v1/proposals/{fourth}/submit"),
        &c.other.token,
        None,
        403,
    )
    .await;
    api(
        app,
        Method::PATCH,
        &format!("/api/v1/proposals/{fourth}"),
        &c.other.token,
        Some(&json!({"title": "Later"})),
        403,
    )
    .await;
    let mut late = body.clone();
    late["draft"] = json!(true);
    api(
        app,
        Method::POST,
        PROPOSALS,
        &c.other.token,
        Some(&late),
        403,
    )
    .await;
    // still readable by its speaker
    let kept = api(
        app,
        Method::GET,
        &format!("/api/v1/proposals/{fourth}"),
        &c.other.token,
        None,
        200,
    )
    .await;
    assert_eq!(kept["state"], "draft");
    assert_eq!(kept["editable"], false);
    app.deliver_emails().await;
}

// ---------------------------------------------------------------- pages, without JavaScript

const FORM: &str = "/events/rust-mc/submit";
const LINKS: &str = "https://example.org/slides\nhttps://example.org/code";

/// Every field of the form as a speaker filled it in.
fn typed<'a>(csrf: &'a str, form_token: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf_token", csrf),
        ("form_token", form_token),
        ("draft_id", ""),
        ("title", "Typed, then signed out"),
        ("abstract", ABSTRACT),
        ("format", "lightning"),
        ("track", ""),
        ("co_speakers", "cora@speakers.test"),
        ("links", LINKS),
        ("notes", "Please schedule me on day two."),
    ]
}

fn assert_every_field(html: &str) {
    let html = crate::helpers::unescape(html);
    assert!(html.contains("value=\"Typed, then signed out\""), "title");
    assert!(html.contains(ABSTRACT), "abstract");
    assert!(html.contains("value=\"lightning\" selected"), "format");
    assert!(
        html.contains(">cora@speakers.test</textarea>"),
        "co-speakers"
    );
    assert!(html.contains(LINKS), "links");
    assert!(html.contains("Please schedule me on day two."), "notes");
    assert!(html.contains("everything you typed is back"), "the notice");
}

/// Signs in through the login form, following `next`; returns where it lands.
async fn sign_in_at(
    app: &TestApp,
    browser: &reqwest::Client,
    login_location: &str,
    email: &str,
) -> String {
    let (status, login_page) = app.page(browser, login_location).await;
    assert_eq!(status, 200);
    let next = crate::helpers::field_value(&login_page, "next");
    let csrf = csrf_token(&login_page);
    let (status, location, _) = post(
        app,
        browser,
        "/login",
        &[
            ("csrf_token", &csrf),
            ("email", email),
            ("password", PASSWORD),
            ("next", &next),
        ],
    )
    .await;
    assert_eq!(status, 303);
    location
}

#[tokio::test]
async fn a_submission_posted_after_signing_out_comes_back_after_sign_in() {
    let c = Committee::spawn().await;
    let app = &c.app;
    let (browser, _) = app.browser_signed_in(&c.speaker.email).await;
    let (_, page) = app.page(&browser, FORM).await;
    let csrf = csrf_token(&page);
    let form_token = crate::helpers::field_value(&page, "form_token");
    // signed out meanwhile (another tab)
    let (status, _, _) = post(app, &browser, "/logout", &[("csrf_token", &csrf)]).await;
    assert_eq!(status, 303);

    let (status, location, _) = post(app, &browser, FORM, &typed(&csrf, &form_token)).await;
    assert_eq!(status, 303);
    assert!(
        location.starts_with("/login?next=%2Fevents%2Frust-mc%2Fsubmit%3Frestore%3D"),
        "{location}"
    );
    // nothing was submitted or saved
    let mine = api(app, Method::GET, PROPOSALS, &c.speaker.token, None, 200).await;
    assert_eq!(mine["items"], json!([]));

    let back = sign_in_at(app, &browser, &location, &c.speaker.email).await;
    assert!(
        back.starts_with("/events/rust-mc/submit?restore="),
        "{back}"
    );
    // someone else with the link gets an empty form
    let (stranger, _) = app.browser_signed_in(&c.other.email).await;
    let (_, theirs) = app.page(&stranger, &back).await;
    assert!(!theirs.contains("Typed, then signed out"));
    // the speaker finds every field
    let (status, restored) = app.page(&browser, &back).await;
    assert_eq!(status, 200);
    assert_every_field(&restored);
    // once only
    let (_, again) = app.page(&browser, &back).await;
    assert!(!again.contains("Typed, then signed out"));

    // submitted from the restored form
    let csrf = csrf_token(&restored);
    let form_token = crate::helpers::field_value(&restored, "form_token");
    let (status, location, _) = post(app, &browser, FORM, &typed(&csrf, &form_token)).await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/proposals/"), "{location}");
    let id = location.trim_start_matches("/proposals/");
    let proposal = api(
        app,
        Method::GET,
        &format!("/api/v1/proposals/{id}"),
        &c.speaker.token,
        None,
        200,
    )
    .await;
    assert_eq!(proposal["state"], "submitted");
    assert_eq!(proposal["notes"], "Please schedule me on day two.");
    app.deliver_emails().await;
}

#[tokio::test]
async fn a_stale_form_token_keeps_the_form_and_a_cross_site_post_never_acts() {
    let c = Committee::spawn().await;
    let app = &c.app;
    let (browser, csrf) = app.browser_signed_in(&c.speaker.email).await;
    // signed in, but the form's CSRF token is stale (signed out and in again in another tab)
    let (status, location, _) = post(app, &browser, FORM, &typed("stale", "form-x")).await;
    assert_eq!(status, 303);
    assert!(
        location.starts_with("/events/rust-mc/submit?restore="),
        "{location}"
    );
    let (_, restored) = app.page(&browser, &location).await;
    assert_every_field(&restored);
    let mine = api(app, Method::GET, PROPOSALS, &c.speaker.token, None, 200).await;
    assert_eq!(
        mine["items"],
        json!([]),
        "nothing acted on without a valid token"
    );

    // "Save draft" without JavaScript: a draft, shown in its form and in "My proposals"
    let mut fields = typed(&csrf, "form-y");
    fields.push(("intent", "draft"));
    let (status, location, _) = post(app, &browser, FORM, &fields).await;
    assert_eq!(status, 303);
    assert!(location.ends_with("/edit"), "{location}");
    let (_, form) = app.page(&browser, &location).await;
    let draft_id = crate::helpers::field_value(&form, "draft_id");
    assert!(!draft_id.is_empty());
    assert!(form.contains("Your draft proposal"));
    let (_, mine) = app.page(&browser, "/proposals").await;
    assert!(mine.contains("state-draft\">Draft<"));
    let (status, _) = app.page(&browser, &format!("/proposals/{draft_id}")).await;
    assert_eq!(status, 303, "a draft's page is its form");
    // submitted from its form (with a change typed in)
    let csrf = csrf_token(&form);
    let mut fields = typed(&csrf, "form-y");
    fields.retain(|(k, _)| *k != "draft_id" && *k != "title");
    fields.push(("draft_id", &draft_id));
    fields.push(("title", "Typed, saved, then submitted"));
    let (status, location, _) = post(app, &browser, FORM, &fields).await;
    assert_eq!(status, 303);
    assert_eq!(location, format!("/proposals/{draft_id}"));
    let proposal = api(
        app,
        Method::GET,
        &format!("/api/v1/proposals/{draft_id}"),
        &c.chair.token,
        None,
        200,
    )
    .await;
    assert_eq!(proposal["state"], "submitted");
    assert_eq!(proposal["title"], "Typed, saved, then submitted");
    app.deliver_emails().await;
}
