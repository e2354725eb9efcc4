//! The reviewer's side: the review form, the queue (in pages), and blind review.

use reqwest::Method;
use serde_json::json;

use super::scored;
use crate::helpers::{
    CHAIR_EMAIL, Committee, Proposal, SPEAKER_EMAIL, SPEAKER_NAME, TestApp, accept_invitation,
    add_member, api, assign, at, patch_event, person, post, review, submit, token_after,
};

const CO_NAME: &str = "Gideon Cospeakerton";
const CO_EMAIL: &str = "gideon@cospeakers.test";
const INVITED_EMAIL: &str = "pending-invitee@invitees.test";
const LINK: &str = "https://adalind-speakerwoman.example/slides";

/// The form before Rita reviews: the scales' words, the hidden other review, the links.
fn assert_the_empty_form(html: &str) {
    assert!(html.contains("Your review"));
    assert!(
        html.contains("<legend>Score</legend>")
            && html.contains("<legend>Your confidence</legend>")
    );
    for label in [
        "1 — strong reject",
        "3 — borderline",
        "5 — strong accept",
        "1 — low: not my area",
        "3 — high: I know this area well",
    ] {
        assert!(html.contains(label), "{label}");
    }
    assert!(html.contains("type=\"radio\" name=\"score\" value=\"5\""));
    assert!(html.contains("May be sent to the speakers with the decision"));
    assert!(html.contains("1 other review is hidden until you submit yours."));
    assert!(!html.contains("Rex thinks") && !html.contains("Rex Reviewer"));
    assert!(
        html.contains("href=\"/events/rust-mc/review\""),
        "links to the queue"
    );
    assert!(html.contains("action=\"/proposals/") && html.contains("/conflict\""));
}

/// A score off the scale: the form comes back with the message and what was typed; and
/// nothing chosen at all.
async fn post_mistakes(app: &TestApp, rita: &reqwest::Client, csrf: &str, id: &str) {
    let path = format!("/proposals/{id}/review");
    let fields = [
        ("csrf_token", csrf),
        ("score", "9"),
        ("confidence", "2"),
        ("comment_for_chairs", "Typed <carefully> & kept"),
        ("comment_for_speakers", "For you"),
    ];
    let (status, _, html) = post(app, rita, &path, &fields).await;
    assert_eq!(status, 422);
    assert!(html.contains("must be a whole number from 1 to 5"));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(
        html.contains("Typed &#60;carefully&#62; &#38; kept")
            || html.contains("Typed &lt;carefully&gt; &amp; kept")
    );
    assert!(
        html.contains("value=\"2\" checked"),
        "the confidence stays chosen"
    );
    let nothing = [("csrf_token", csrf), ("comment_for_chairs", "")];
    let (status, _, html) = post(app, rita, &path, &nothing).await;
    assert_eq!(status, 422);
    assert!(html.contains("choose a score") && html.contains("choose how confident you are"));
}

/// The API agrees with the form, and the chair reads both reviews with their scales' words.
async fn assert_both_reviews_are_read(c: &Committee, id: &str) {
    let app = &c.app;
    let path = format!("/api/v1/proposals/{id}/reviews");
    let mine = api(app, Method::GET, &path, &c.rita.token, None, 200).await;
    let scores: Vec<i64> = mine["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|r| r["mine"] == true)
        .map(|r| r["score"].as_i64().expect("score"))
        .collect();
    assert_eq!(scores, [4]);
    let (chair, _) = app.browser_signed_in(&c.chair.email).await;
    let (_, html) = app.page(&chair, &format!("/proposals/{id}")).await;
    assert!(html.contains("Rita Reviewer") && html.contains("Rex Reviewer"));
    assert!(html.contains("4 — weak accept") && html.contains("3 — high: I know this area well"));
}

#[tokio::test]
async fn a_reviewer_reviews_through_the_form_and_then_sees_the_other_reviews() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let id = submit(app, &c.speaker.token, "A Rust NVMe driver").await;
    assign(app, &c.chair.token, &id, &[&c.rita.id, &c.rex.id]).await;
    let rex_thinks = scored(2, "Rex thinks the benchmarks are thin.");
    review(app, &c.rex.token, &id, &rex_thinks).await;
    let (rita, csrf) = app.browser_signed_in(&c.rita.email).await;
    let page_path = format!("/proposals/{id}");

    let (status, html) = app.page(&rita, &page_path).await;
    assert_eq!(status, 200);
    assert_the_empty_form(&html);
    post_mistakes(app, &rita, &csrf, &id).await;

    let (status, location, _) = post(
        app,
        &rita,
        &format!("/proposals/{id}/review"),
        &[
            ("csrf_token", &csrf),
            ("score", "4"),
            ("confidence", "3"),
            ("comment_for_chairs", "Rita likes the safety story."),
            ("comment_for_speakers", ""),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/proposals/{id}#review").as_str())
    );
    let (status, html) = app.page(&rita, &page_path).await;
    assert_eq!(status, 200);
    assert!(html.contains("Your review is saved."));
    assert!(html.contains("name=\"score\" value=\"4\" checked"));
    assert!(html.contains("Rita likes the safety story."));
    assert!(!html.contains("hidden until you submit yours"));
    assert!(html.contains("Rex Reviewer") && html.contains("Rex thinks the benchmarks are thin."));
    assert!(html.contains("2 — weak reject"));
    assert!(html.contains("Save the changes"));
    assert_both_reviews_are_read(&c, &id).await;
}

#[tokio::test]
async fn the_queue_lists_pending_reviews_first_and_says_when_reviewing_closes() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let first = submit(app, &c.speaker.token, "Alpha: reviewed already").await;
    let second = submit(app, &c.speaker.token, "Beta: still to review").await;
    let unassigned = submit(app, &c.speaker.token, "Gamma: not Rita's").await;
    assign(app, &c.chair.token, &first, &[&c.rita.id]).await;
    assign(app, &c.chair.token, &second, &[&c.rita.id]).await;
    assign(app, &c.chair.token, &unassigned, &[&c.rex.id]).await;
    review(app, &c.rita.token, &first, &scored(5, "")).await;
    let closes = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    patch_event(app, &c.admin, json!({"review_closes_at": closes})).await;

    let (rita, _) = app.browser_signed_in(&c.rita.email).await;
    // the event page leads a reviewer to the queue
    let (_, event_page) = app.page(&rita, "/events/rust-mc").await;
    assert!(event_page.contains("href=\"/events/rust-mc/review\""));
    assert!(
        !event_page.contains("/dashboard"),
        "no chair links for a reviewer"
    );
    let (status, html) = app.page(&rita, "/events/rust-mc/review").await;
    assert_eq!(status, 200);
    assert!(html.contains("Reviewing is open"));
    assert!(html.contains("Reviewing is open until ") && html.contains("America/New_York"));
    assert!(at(&html, "Beta: still to review") < at(&html, "Alpha: reviewed already"));
    assert!(html.contains("reviewed: 5 — strong accept"));
    assert!(html.contains("pending"));
    assert!(html.contains(&format!("href=\"/proposals/{second}#review\"")));
    assert!(!html.contains("Gamma"), "only Rita's proposals");
    assert!(html.contains("<progress max=\"2\" value=\"1\""));

    // a reviewer with nothing to do sees an empty state
    let nobody = person(app, "nora@reviewers.test", "Nora Newcomer").await;
    add_member(app, &c.admin, &nobody.email, "reviewer").await;
    let (nora, _) = app.browser_signed_in(&nobody.email).await;
    let (status, html) = app.page(&nora, "/events/rust-mc/review").await;
    assert_eq!(status, 200);
    assert!(html.contains("Nothing to review"));

    // not a member: no queue; no event: 404; signed out: to the login page
    let (speaker, _) = app.browser_signed_in(&c.speaker.email).await;
    assert_eq!(app.page(&speaker, "/events/rust-mc/review").await.0, 403);
    assert_eq!(app.page(&rita, "/events/nope/review").await.0, 404);
    let response = app
        .new_client()
        .get(app.url("/events/rust-mc/review"))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 303);
}

/// A long queue (here: every proposal, as reviewers may review anything) comes in pages of 50,
/// each linking to the next by a cursor, and back to the first.
#[tokio::test]
async fn a_long_review_queue_comes_in_pages() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    patch_event(
        app,
        &c.admin,
        json!({"reviewers_see_all": true, "max_proposals_per_speaker": 100}),
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..60 {
        let title = format!("Queue paging talk number {i:02}");
        ids.push(submit(app, &c.speaker.token, &title).await);
    }
    assign(app, &c.admin, &ids[59], &[&c.rita.id]).await;
    let (rita, _) = app.browser_signed_in(&c.rita.email).await;
    let (status, first) = app.page(&rita, "/events/rust-mc/review").await;
    assert_eq!(status, 200);
    assert_eq!(first.matches("Queue paging talk number").count(), 50);
    // the assigned one comes first, and the progress counts what is assigned
    assert!(at(&first, "Queue paging talk number 59") < at(&first, "Queue paging talk number 00"));
    assert!(first.contains("of 1 assigned reviewed"), "{first}");
    assert!(!first.contains("First page"));
    let next = token_after(&first, "/events/rust-mc/review?cursor=");
    let (_, second) = app
        .page(&rita, &format!("/events/rust-mc/review?cursor={next}"))
        .await;
    assert_eq!(second.matches("Queue paging talk number").count(), 10);
    assert!(second.contains("Queue paging talk number 58"));
    assert!(second.contains("First page") && !second.contains("?cursor="));
    let (status, odd) = app.page(&rita, "/events/rust-mc/review?cursor=zz").await;
    assert_eq!(status, 200, "an unreadable cursor shows the first page");
    assert_eq!(odd.matches("Queue paging talk number").count(), 50);
    assert!(odd.contains("Queue paging talk number 00"));
}

/// Adalind's proposal with Gideon (accepted) and an open invitation, a link and notes, edited
/// once, assigned to Rita and Rex and reviewed by Rex; under blind review. Returns its id.
async fn a_blind_proposal(c: &Committee) -> String {
    let app = &c.app;
    patch_event(app, &c.admin, json!({"blind_review": true})).await;
    let co = person(app, CO_EMAIL, CO_NAME).await;
    let proposal = Proposal::titled("A Rust NVMe driver")
        .invite(&[CO_EMAIL, INVITED_EMAIL])
        .links(&[LINK])
        .notes("Happy to merge with a Binder talk.");
    let id = submit(app, &c.speaker.token, proposal).await;
    // the co-speaker accepts the emailed invitation; the other invitation stays open
    accept_invitation(app, &co).await;
    // an edit leaves a revision by the speaker (chairs only)
    let edit = json!({"title": "A Rust NVMe driver, revisited"});
    let path = format!("/api/v1/proposals/{id}");
    api(
        app,
        Method::PATCH,
        &path,
        &c.speaker.token,
        Some(&edit),
        200,
    )
    .await;
    assign(app, &c.chair.token, &id, &[&c.rita.id, &c.rex.id]).await;
    review(app, &c.rex.token, &id, &scored(3, "Fine.")).await;
    id
}

/// Every page Rita reaches, before and after a refused and a saved review: (what, HTML).
async fn what_a_blind_reviewer_reaches(c: &Committee, id: &str) -> Vec<(String, String)> {
    let app = &c.app;
    let (rita, csrf) = app.browser_signed_in(&c.rita.email).await;
    let mut seen = Vec::new();
    for path in [
        "/events/rust-mc/review".to_owned(),
        format!("/proposals/{id}"),
    ] {
        let (status, html) = app.page(&rita, &path).await;
        assert_eq!(status, 200, "{path}");
        seen.push((path, html));
    }
    let review_path = format!("/proposals/{id}/review");
    let zero = [
        ("csrf_token", csrf.as_str()),
        ("score", "0"),
        ("confidence", "2"),
    ];
    let (status, _, html) = post(app, &rita, &review_path, &zero).await;
    assert_eq!(status, 422);
    seen.push(("the rejected review".to_owned(), html));
    let four = [
        ("csrf_token", csrf.as_str()),
        ("score", "4"),
        ("confidence", "2"),
    ];
    let (status, _, _) = post(app, &rita, &review_path, &four).await;
    assert_eq!(status, 303);
    for path in [
        format!("/proposals/{id}"),
        "/events/rust-mc/review".to_owned(),
    ] {
        let (status, html) = app.page(&rita, &path).await;
        assert_eq!(status, 200, "{path}");
        seen.push((format!("{path} after reviewing"), html));
    }
    seen
}

#[tokio::test]
async fn under_blind_review_no_page_a_reviewer_reaches_names_a_speaker() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let id = a_blind_proposal(&c).await;
    let secrets = [
        SPEAKER_NAME,
        SPEAKER_EMAIL,
        CO_NAME,
        CO_EMAIL,
        INVITED_EMAIL,
        LINK,
        "Adalind",
        "Gideon",
    ];
    let leaks = |html: &str| -> Vec<&str> {
        secrets
            .iter()
            .copied()
            .filter(|s| html.to_lowercase().contains(&s.to_lowercase()))
            .collect()
    };
    let seen = what_a_blind_reviewer_reaches(&c, &id).await;
    for (what, html) in &seen {
        assert!(leaks(html).is_empty(), "{what} shows {:?}", leaks(html));
    }
    let (_, after) = &seen[3];
    assert!(after.contains("Hidden: this event reviews blind."));
    assert!(
        after.contains("Rex Reviewer"),
        "reviewers' names are not hidden"
    );
    assert!(!after.contains("Revisions"), "the history is for chairs");

    // the chair sees everyone, the history included
    let (chair, _) = app.browser_signed_in(CHAIR_EMAIL).await;
    let (status, html) = app.page(&chair, &format!("/proposals/{id}")).await;
    assert_eq!(status, 200);
    for s in [
        SPEAKER_NAME,
        SPEAKER_EMAIL,
        CO_NAME,
        CO_EMAIL,
        INVITED_EMAIL,
        LINK,
    ] {
        assert!(html.contains(s), "the chair sees {s}");
    }
    assert!(html.contains("Revisions") && !html.contains("Hidden: this event reviews blind."));
    let (_, ranking) = app.page(&chair, "/events/rust-mc/ranking").await;
    assert!(ranking.contains(SPEAKER_NAME));
}
