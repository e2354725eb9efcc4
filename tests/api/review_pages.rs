//! The review pages, driven as a browser without JavaScript would: the reviewer's queue and
//! review form, blind review, conflicts, the chairs' assignments, dashboard, ranking, reminders
//! and review phase.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Person, TestApp, api, at, person, post};

const SLUG: &str = "rust-mc";
const EVENT: &str = "/api/v1/events/rust-mc";
const ABSTRACT: &str = "How a driver written in Rust meets the kernel's C interfaces, which safe \
abstractions it needs, and what we learnt while upstreaming it.";

// Distinctive names, so that finding one in a page cannot be a coincidence.
const SPEAKER_NAME: &str = "Adalind Speakerwoman";
const SPEAKER_EMAIL: &str = "adalind@speakers.test";
const CO_NAME: &str = "Gideon Cospeakerton";
const CO_EMAIL: &str = "gideon@cospeakers.test";
const INVITED_EMAIL: &str = "pending-invitee@invitees.test";
const LINK: &str = "https://adalind-speakerwoman.example/slides";

// ---------------------------------------------------------------- helpers

async fn add_member(app: &TestApp, admin: &str, email: &str, role: &str) {
    api(
        app,
        Method::PUT,
        &format!("{EVENT}/members"),
        admin,
        Some(&json!({"email": email, "role": role, "tracks": null})),
        200,
    )
    .await;
}

async fn submit(app: &TestApp, token: &str, title: &str) -> String {
    submit_body(
        app,
        token,
        &json!({"title": title, "abstract": ABSTRACT, "format": "talk"}),
    )
    .await
}

async fn submit_body(app: &TestApp, token: &str, body: &Value) -> String {
    let created = api(
        app,
        Method::POST,
        &format!("{EVENT}/proposals"),
        token,
        Some(body),
        201,
    )
    .await;
    created["id"].as_str().expect("id").to_owned()
}

async fn assign(app: &TestApp, chair: &str, proposal: &str, reviewers: &[&str]) {
    api(
        app,
        Method::PUT,
        &format!("/api/v1/proposals/{proposal}/assignments"),
        chair,
        Some(&json!({"reviewer_ids": reviewers})),
        200,
    )
    .await;
}

async fn patch_event(app: &TestApp, admin: &str, patch: Value) -> Value {
    api(app, Method::PATCH, EVENT, admin, Some(&patch), 200).await
}

async fn review(app: &TestApp, token: &str, proposal: &str, score: i64, comment: &str) {
    api(
        app,
        Method::PUT,
        &format!("/api/v1/proposals/{proposal}/review"),
        token,
        Some(
            &json!({"score": score, "confidence": 2, "comment_for_chairs": comment,
            "comment_for_speakers": ""}),
        ),
        200,
    )
    .await;
}

/// The event with a chair, two reviewers and a speaker; reviewing open.
struct Committee {
    app: TestApp,
    admin: String,
    chair: Person,
    rita: Person,
    rex: Person,
    speaker: Person,
}

async fn committee() -> Committee {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event(SLUG).await;
    let chair = person(&app, "chloe@chairs.test", "Chloe Chair").await;
    let rita = person(&app, "rita@reviewers.test", "Rita Reviewer").await;
    let rex = person(&app, "rex@reviewers.test", "Rex Reviewer").await;
    let speaker = person(&app, SPEAKER_EMAIL, SPEAKER_NAME).await;
    add_member(&app, &admin, &chair.email, "chair").await;
    add_member(&app, &admin, &rita.email, "reviewer").await;
    add_member(&app, &admin, &rex.email, "reviewer").await;
    patch_event(&app, &admin, json!({"review_open": true})).await;
    Committee {
        app,
        admin,
        chair,
        rita,
        rex,
        speaker,
    }
}

// ---------------------------------------------------------------- reviewers

#[tokio::test]
async fn a_reviewer_reviews_through_the_form_and_then_sees_the_other_reviews() {
    let c = committee().await;
    let app = &c.app;
    let id = submit(app, &c.speaker.token, "A Rust NVMe driver").await;
    assign(app, &c.chair.token, &id, &[&c.rita.id, &c.rex.id]).await;
    review(
        app,
        &c.rex.token,
        &id,
        2,
        "Rex thinks the benchmarks are thin.",
    )
    .await;
    let (rita, csrf) = app.browser_signed_in(&c.rita.email).await;
    let page_path = format!("/proposals/{id}");

    let (status, html) = app.page(&rita, &page_path).await;
    assert_eq!(status, 200);
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

    // a score off the scale: the form comes back with the message and what was typed
    let (status, _, html) = post(
        app,
        &rita,
        &format!("/proposals/{id}/review"),
        &[
            ("csrf_token", &csrf),
            ("score", "9"),
            ("confidence", "2"),
            ("comment_for_chairs", "Typed <carefully> & kept"),
            ("comment_for_speakers", "For you"),
        ],
    )
    .await;
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
    // nothing chosen at all
    let (status, _, html) = post(
        app,
        &rita,
        &format!("/proposals/{id}/review"),
        &[("csrf_token", &csrf), ("comment_for_chairs", "")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("choose a score") && html.contains("choose how confident you are"));

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

    // the API agrees
    let mine = api(
        app,
        Method::GET,
        &format!("/api/v1/proposals/{id}/reviews"),
        &c.rita.token,
        None,
        200,
    )
    .await;
    let scores: Vec<i64> = mine["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|r| r["mine"] == true)
        .map(|r| r["score"].as_i64().expect("score"))
        .collect();
    assert_eq!(scores, [4]);
    // and the chair reads both reviews, with their scales' words
    let (chair, _) = app.browser_signed_in(&c.chair.email).await;
    let (_, html) = app.page(&chair, &page_path).await;
    assert!(html.contains("Rita Reviewer") && html.contains("Rex Reviewer"));
    assert!(html.contains("4 — weak accept") && html.contains("3 — high: I know this area well"));
}

#[tokio::test]
async fn the_queue_lists_pending_reviews_first_and_says_when_reviewing_closes() {
    let c = committee().await;
    let app = &c.app;
    let first = submit(app, &c.speaker.token, "Alpha: reviewed already").await;
    let second = submit(app, &c.speaker.token, "Beta: still to review").await;
    let unassigned = submit(app, &c.speaker.token, "Gamma: not Rita's").await;
    assign(app, &c.chair.token, &first, &[&c.rita.id]).await;
    assign(app, &c.chair.token, &second, &[&c.rita.id]).await;
    assign(app, &c.chair.token, &unassigned, &[&c.rex.id]).await;
    review(app, &c.rita.token, &first, 5, "").await;
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

#[tokio::test]
async fn under_blind_review_no_page_a_reviewer_reaches_names_a_speaker() {
    let c = committee().await;
    let app = &c.app;
    patch_event(app, &c.admin, json!({"blind_review": true})).await;
    let co = person(app, CO_EMAIL, CO_NAME).await;
    let id = submit_body(
        app,
        &c.speaker.token,
        &json!({"title": "A Rust NVMe driver", "abstract": ABSTRACT, "format": "talk",
            "co_speakers": [CO_EMAIL, INVITED_EMAIL], "links": [LINK],
            "notes": "Happy to merge with a Binder talk."}),
    )
    .await;
    // the co-speaker accepts the emailed invitation; the other invitation stays open
    app.deliver_emails().await;
    let invitation = app
        .mail
        .emails()
        .into_iter()
        .find(|e| e.to == [CO_EMAIL.to_owned()])
        .expect("an invitation");
    let text = invitation.text();
    let start = text.find("/invitations/").expect("link") + "/invitations/".len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    api(
        app,
        Method::POST,
        "/api/v1/invitations/accept",
        &co.token,
        Some(&json!({"token": token})),
        200,
    )
    .await;
    // an edit leaves a revision by the speaker (chairs only)
    api(
        app,
        Method::PATCH,
        &format!("/api/v1/proposals/{id}"),
        &c.speaker.token,
        Some(&json!({"title": "A Rust NVMe driver, revisited"})),
        200,
    )
    .await;
    assign(app, &c.chair.token, &id, &[&c.rita.id, &c.rex.id]).await;
    review(app, &c.rex.token, &id, 3, "Fine.").await;

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
    // a rejected review, then a saved one, and the page after it
    let (status, _, html) = post(
        app,
        &rita,
        &format!("/proposals/{id}/review"),
        &[("csrf_token", &csrf), ("score", "0"), ("confidence", "2")],
    )
    .await;
    assert_eq!(status, 422);
    seen.push(("the rejected review".to_owned(), html));
    let (status, _, _) = post(
        app,
        &rita,
        &format!("/proposals/{id}/review"),
        &[("csrf_token", &csrf), ("score", "4"), ("confidence", "2")],
    )
    .await;
    assert_eq!(status, 303);
    for path in [
        format!("/proposals/{id}"),
        "/events/rust-mc/review".to_owned(),
    ] {
        let (status, html) = app.page(&rita, &path).await;
        assert_eq!(status, 200, "{path}");
        seen.push((format!("{path} after reviewing"), html));
    }
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
    let (chair, _) = app.browser_signed_in(&c.chair.email).await;
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

#[tokio::test]
async fn a_reviewer_who_declares_a_conflict_loses_the_proposal_and_chairs_manage_conflicts() {
    let c = committee().await;
    let app = &c.app;
    let co = person(app, CO_EMAIL, CO_NAME).await;
    // a speaker who is also a reviewer is conflicted with their own proposal
    add_member(app, &c.admin, &co.email, "reviewer").await;
    let id = submit_body(
        app,
        &c.speaker.token,
        &json!({"title": "Conflicted talk", "abstract": ABSTRACT, "format": "talk",
            "co_speakers": [CO_EMAIL]}),
    )
    .await;
    assign(app, &c.chair.token, &id, &[&c.rita.id]).await;

    let (rita, csrf) = app.browser_signed_in(&c.rita.email).await;
    let (_, queue) = app.page(&rita, "/events/rust-mc/review").await;
    assert!(queue.contains("Conflicted talk"));
    let (_, html) = app.page(&rita, &format!("/proposals/{id}")).await;
    assert!(html.contains("<details class=\"conflict-declare\">"));
    assert!(html.contains("Yes, I am conflicted with this proposal"));
    let (status, location, _) = post(
        app,
        &rita,
        &format!("/proposals/{id}/conflict"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/events/rust-mc/review"));
    let (_, queue) = app.page(&rita, "/events/rust-mc/review").await;
    assert!(queue.contains("is recorded: it is no longer in your queue"));
    assert!(queue.contains("Nothing to review"));
    let (_, again) = app.page(&rita, "/events/rust-mc/review").await;
    assert!(!again.contains("Conflicted talk"));
    assert_eq!(app.page(&rita, &format!("/proposals/{id}")).await.0, 404);
    // and she cannot review it any more
    let (status, _, _) = post(
        app,
        &rita,
        &format!("/proposals/{id}/review"),
        &[("csrf_token", &csrf), ("score", "4"), ("confidence", "2")],
    )
    .await;
    assert_eq!(status, 404);

    // the chair sees the conflicts, with the reasons, and the assignment form disables them
    let (chair, chair_csrf) = app.browser_signed_in(&c.chair.email).await;
    let (_, html) = app.page(&chair, &format!("/proposals/{id}")).await;
    assert!(html.contains("declared by the reviewer"));
    assert!(html.contains("a speaker of this proposal"));
    assert!(html.contains(&format!(
        "name=\"reviewer_{}\" value=\"on\" disabled",
        c.rita.id
    )));
    assert!(html.contains(&format!(
        "name=\"reviewer_{}\" value=\"on\" disabled",
        co.id
    )));
    assert!(!html.contains(&format!(
        "name=\"reviewer_{}\" value=\"on\" checked",
        c.rita.id
    )));

    // assign Rex through the form
    let field = format!("reviewer_{}", c.rex.id);
    let (status, location, _) = post(
        app,
        &chair,
        &format!("/proposals/{id}/assignments"),
        &[("csrf_token", &chair_csrf), (&field, "on")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/proposals/{id}#assignments").as_str())
    );
    let (_, html) = app.page(&chair, &format!("/proposals/{id}")).await;
    assert!(html.contains("Assigned: Rex Reviewer."));
    assert!(html.contains(&format!(
        "name=\"reviewer_{}\" value=\"on\" checked",
        c.rex.id
    )));
    assert!(html.contains("review pending"));
    // assigning a conflicted member is refused with the reason
    let conflicted = format!("reviewer_{}", co.id);
    post(
        app,
        &chair,
        &format!("/proposals/{id}/assignments"),
        &[("csrf_token", &chair_csrf), (&conflicted, "on")],
    )
    .await;
    let (_, html) = app.page(&chair, &format!("/proposals/{id}")).await;
    assert!(html.contains("is conflicted (a speaker of this proposal)"));

    // the chair clears Rita's conflict, then sets one for Rex, who then loses the proposal
    let (status, _, _) = post(
        app,
        &chair,
        &format!("/proposals/{id}/conflicts"),
        &[
            ("csrf_token", &chair_csrf),
            ("reviewer_id", &c.rita.id),
            ("conflicted", "false"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&chair, &format!("/proposals/{id}")).await;
    assert!(html.contains("The conflict is cleared."));
    let (status, _, _) = post(
        app,
        &chair,
        &format!("/proposals/{id}/conflicts"),
        &[
            ("csrf_token", &chair_csrf),
            ("reviewer_id", &c.rex.id),
            ("conflicted", "true"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&chair, &format!("/proposals/{id}")).await;
    assert!(html.contains("set by a chair"));
    let (rex, _) = app.browser_signed_in(&c.rex.email).await;
    assert_eq!(app.page(&rex, &format!("/proposals/{id}")).await.0, 404);
    // a speaker's conflict cannot be cleared: the page offers no button, and the route says why
    post(
        app,
        &chair,
        &format!("/proposals/{id}/conflicts"),
        &[
            ("csrf_token", &chair_csrf),
            ("reviewer_id", &co.id),
            ("conflicted", "false"),
        ],
    )
    .await;
    let (_, html) = app.page(&chair, &format!("/proposals/{id}")).await;
    assert!(html.contains("a speaker of the proposal is always conflicted with it"));
}

// ---------------------------------------------------------------- chairs

#[tokio::test]
async fn the_dashboard_shows_review_figures_filters_and_reviewer_progress() {
    let c = committee().await;
    let app = &c.app;
    let split = submit(app, &c.speaker.token, "Split opinions").await;
    let waiting = submit(app, &c.speaker.token, "Waiting for reviews").await;
    submit(app, &c.speaker.token, "Nobody assigned").await;
    assign(app, &c.chair.token, &split, &[&c.rita.id, &c.rex.id]).await;
    assign(app, &c.chair.token, &waiting, &[&c.rita.id, &c.rex.id]).await;
    review(app, &c.rita.token, &split, 1, "").await;
    review(app, &c.rex.token, &split, 5, "").await;
    review(app, &c.rex.token, &waiting, 4, "").await;

    let (chair, csrf) = app.browser_signed_in(&c.chair.email).await;
    let (status, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert_eq!(status, 200);
    assert!(html.contains("2/2") && html.contains("1/2") && html.contains("0/0"));
    assert!(html.contains("<svg class=\"dist\""));
    assert!(html.contains(
        "aria-label=\"Scores given: 1 (strong reject): 1 review, 2 (weak reject): 0 reviews, 3 (borderline): 0 reviews, 4 (weak accept): 0 reviews, 5 (strong accept): 1 review\""
    ));
    assert!(html.contains("<title>Scores given:"));
    assert!(html.contains(">disagreement<"));
    assert!(html.contains("3.0"), "the mean of 1 and 5, one decimal");
    assert!(html.contains("Reviewer progress"));
    assert!(html.contains("aria-label=\"Rita Reviewer: 1 of 2 reviews done\""));
    assert!(html.contains("aria-label=\"Rex Reviewer: 2 of 2 reviews done\""));
    assert!(html.contains("href=\"/events/rust-mc/ranking\""));
    assert!(html.contains("href=\"/api/v1/events/rust-mc/ranking.csv\""));
    assert!(html.contains("Remind everyone with pending reviews (1)"));

    let (_, only) = app
        .page(&chair, "/events/rust-mc/dashboard?disagreements=true")
        .await;
    assert!(only.contains("Split opinions"));
    assert!(!only.contains("Waiting for reviews") && !only.contains("Nobody assigned"));
    let (_, missing) = app
        .page(&chair, "/events/rust-mc/dashboard?missing=true")
        .await;
    assert!(missing.contains("Waiting for reviews") && missing.contains("Nobody assigned"));
    assert!(!missing.contains("Split opinions"));
    let (_, by_mean) = app
        .page(&chair, "/events/rust-mc/dashboard?sort=mean")
        .await;
    assert!(at(&by_mean, "Waiting for reviews") < at(&by_mean, "Split opinions"));
    assert!(at(&by_mean, "Split opinions") < at(&by_mean, "Nobody assigned"));
    assert!(by_mean.contains("value=\"mean\" selected"));
    let (_, by_calibrated) = app
        .page(&chair, "/events/rust-mc/dashboard?sort=calibrated")
        .await;
    assert!(at(&by_calibrated, "Split opinions") < at(&by_calibrated, "Nobody assigned"));
    let (_, submitted) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(at(&submitted, "Split opinions") < at(&submitted, "Waiting for reviews"));
    assert!(at(&submitted, "Waiting for reviews") < at(&submitted, "Nobody assigned"));

    // remind Rita, who has a pending review: one email through the outbox
    let (status, location, _) = post(
        app,
        &chair,
        "/events/rust-mc/reviewers/remind",
        &[("csrf_token", &csrf), ("reviewer_id", &c.rita.id)],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/events/rust-mc/dashboard#reviewers")
    );
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("1 reminder queued."));
    app.deliver_emails().await;
    let reminder = app
        .mail
        .emails()
        .into_iter()
        .find(|e| e.to == [c.rita.email.clone()])
        .expect("a reminder to Rita");
    assert!(reminder.text().contains("Waiting for reviews"));
    assert!(reminder.text().contains("/events/rust-mc/review"));
    // everyone: Rex has nothing pending, so at most Rita again (not twice in one minute)
    let (status, _, _) = post(
        app,
        &chair,
        "/events/rust-mc/reviewers/remind",
        &[("csrf_token", &csrf), ("reviewer_id", "")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("1 reminder queued.") || html.contains("No reminder queued"));
    // a member who is not a reviewer cannot be reminded
    post(
        app,
        &chair,
        "/events/rust-mc/reviewers/remind",
        &[("csrf_token", &csrf), ("reviewer_id", &c.speaker.id)],
    )
    .await;
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("is not a reviewer of this event"));
}

#[tokio::test]
async fn the_auto_assign_form_assigns_and_reports_short_proposals() {
    let c = committee().await;
    let app = &c.app;
    let first = submit(app, &c.speaker.token, "First talk").await;
    submit(app, &c.speaker.token, "Second talk").await;
    let (chair, csrf) = app.browser_signed_in(&c.chair.email).await;
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains(
        "name=\"reviewers_per_proposal\" type=\"number\" min=\"1\" max=\"20\" value=\"3\""
    ));

    let (status, location, _) = post(
        app,
        &chair,
        "/events/rust-mc/assignments/auto",
        &[("csrf_token", &csrf), ("reviewers_per_proposal", "2")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/events/rust-mc/dashboard#assign")
    );
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(
        html.contains("4 assignments made."),
        "two reviewers on two proposals"
    );
    let view = api(
        app,
        Method::GET,
        &format!("/api/v1/proposals/{first}/assignments"),
        &c.chair.token,
        None,
        200,
    )
    .await;
    assert_eq!(view["reviewers"].as_array().map(Vec::len), Some(2));
    assert!(html.contains("0/2"));

    // three per proposal: only two reviewers exist
    post(
        app,
        &chair,
        "/events/rust-mc/assignments/auto",
        &[("csrf_token", &csrf), ("reviewers_per_proposal", "3")],
    )
    .await;
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("0 assignments made."));
    assert!(html.contains("Too few eligible reviewers for 2 proposals"));
    assert!(html.contains("First talk") && html.contains("(2)"));

    post(
        app,
        &chair,
        "/events/rust-mc/assignments/auto",
        &[("csrf_token", &csrf), ("reviewers_per_proposal", "many")],
    )
    .await;
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("must be a whole number from 1 to 20"));
}

#[tokio::test]
async fn the_ranking_page_lists_proposals_best_first() {
    let c = committee().await;
    let app = &c.app;
    let low = submit(app, &c.speaker.token, "Lowly ranked").await;
    let high = submit(app, &c.speaker.token, "Highly ranked").await;
    let middle = submit(app, &c.speaker.token, "Middling").await;
    for id in [&low, &high, &middle] {
        assign(app, &c.chair.token, id, &[&c.rita.id, &c.rex.id]).await;
    }
    review(app, &c.rita.token, &low, 1, "").await;
    review(app, &c.rex.token, &low, 2, "").await;
    review(app, &c.rita.token, &high, 5, "").await;
    review(app, &c.rex.token, &high, 4, "").await;
    review(app, &c.rita.token, &middle, 3, "").await;

    let (chair, _) = app.browser_signed_in(&c.chair.email).await;
    let (status, html) = app.page(&chair, "/events/rust-mc/ranking").await;
    assert_eq!(status, 200);
    assert!(at(&html, "Highly ranked") < at(&html, "Middling"));
    assert!(at(&html, "Middling") < at(&html, "Lowly ranked"));
    assert!(html.contains("1/2") && html.contains("2/2"));
    assert!(
        html.contains("4.5") && html.contains("1.5"),
        "means, one decimal"
    );
    assert!(html.contains("<svg class=\"dist\""));
    assert!(html.contains("How the calibrated score works"));
    assert!(html.contains(SPEAKER_NAME), "chairs see the speakers");
    assert!(html.contains("href=\"/api/v1/events/rust-mc/ranking.csv\""));
    // the CSV link works for the chair's token and has the same order
    let response = app
        .get_with_token("/api/v1/events/rust-mc/ranking.csv", &c.chair.token)
        .await;
    let csv = response.text().await.expect("csv");
    assert!(at(&csv, "Highly ranked") < at(&csv, "Lowly ranked"));

    // a track filter: the tagger put these in one track, none in the other
    let event = api(app, Method::GET, EVENT, &c.admin, None, 200).await;
    let tracks: Vec<String> = event["tracks"]
        .as_array()
        .expect("tracks")
        .iter()
        .map(|t| t["key"].as_str().expect("key").to_owned())
        .collect();
    let mut shown = 0;
    for track in &tracks {
        let (status, html) = app
            .page(&chair, &format!("/events/rust-mc/ranking?track={track}"))
            .await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("value=\"{track}\" selected")));
        shown += ["Highly ranked", "Middling", "Lowly ranked"]
            .iter()
            .filter(|t| html.contains(*t))
            .count();
    }
    assert_eq!(shown, 3, "every proposal is in exactly one track's ranking");
}

#[tokio::test]
async fn the_review_phase_buttons_open_and_close_reviewing() {
    let c = committee().await;
    let app = &c.app;
    patch_event(app, &c.admin, json!({"review_open": false})).await;
    let id = submit(app, &c.speaker.token, "Phase talk").await;
    assign(app, &c.chair.token, &id, &[&c.rita.id]).await;
    let (chair, csrf) = app.browser_signed_in(&c.chair.email).await;
    let (rita, rita_csrf) = app.browser_signed_in(&c.rita.email).await;

    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("Reviewing is not open"));
    assert!(html.contains("name=\"action\" value=\"open\""));
    let (_, html) = app.page(&rita, &format!("/proposals/{id}")).await;
    assert!(!html.contains("name=\"score\""), "no form while closed");
    assert!(html.contains("You have not reviewed this proposal."));

    let (status, location, _) = post(
        app,
        &chair,
        "/events/rust-mc/review-phase",
        &[("csrf_token", &csrf), ("action", "open")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/events/rust-mc/dashboard#phase")
    );
    let event = api(app, Method::GET, EVENT, &c.admin, None, 200).await;
    assert_eq!(event["review_open"], true);
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("Reviewing is open until a chair closes it."));
    assert!(html.contains("name=\"action\" value=\"close\""));

    let (status, _, _) = post(
        app,
        &rita,
        &format!("/proposals/{id}/review"),
        &[
            ("csrf_token", &rita_csrf),
            ("score", "2"),
            ("confidence", "1"),
            ("comment_for_chairs", "Written while open."),
        ],
    )
    .await;
    assert_eq!(status, 303);

    let (status, _, _) = post(
        app,
        &chair,
        "/events/rust-mc/review-phase",
        &[("csrf_token", &csrf), ("action", "close")],
    )
    .await;
    assert_eq!(status, 303);
    let event = api(app, Method::GET, EVENT, &c.admin, None, 200).await;
    assert_eq!(event["review_open"], false);
    let (_, html) = app.page(&rita, &format!("/proposals/{id}")).await;
    assert!(html.contains("Reviewing closed "));
    assert!(html.contains("read-only") && html.contains("Written while open."));
    assert!(html.contains("2 — weak reject") && html.contains("1 — low: not my area"));
    assert!(!html.contains("name=\"score\""));
    let (_, queue) = app.page(&rita, "/events/rust-mc/review").await;
    assert!(queue.contains("Reviewing is not open"));
    // a review posted now is refused
    let (status, _, _) = post(
        app,
        &rita,
        &format!("/proposals/{id}/review"),
        &[
            ("csrf_token", &rita_csrf),
            ("score", "5"),
            ("confidence", "1"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    // an unknown action is a bad request
    let (status, _, _) = post(
        app,
        &chair,
        "/events/rust-mc/review-phase",
        &[("csrf_token", &csrf), ("action", "toggle")],
    )
    .await;
    assert_eq!(status, 400);
}

// ---------------------------------------------------------------- refusals

/// Who posts, where, with which fields (besides the token).
type Attempt<'a> = (&'a reqwest::Client, String, Vec<(&'a str, &'a str)>);

#[tokio::test]
async fn review_forms_without_a_csrf_token_are_refused() {
    let c = committee().await;
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
    let reviews = api(
        app,
        Method::GET,
        &format!("/api/v1/proposals/{id}/reviews"),
        &c.chair.token,
        None,
        200,
    )
    .await;
    assert_eq!(reviews["items"], json!([]));
    let event = api(app, Method::GET, EVENT, &c.admin, None, 200).await;
    assert_eq!(event["review_open"], true);
    let (_, html) = app.page(&rita, &format!("/proposals/{id}")).await;
    assert!(html.contains("Your review"));
}

#[tokio::test]
async fn only_chairs_reach_the_dashboard_the_ranking_and_the_chair_actions() {
    let c = committee().await;
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

/// A long queue (here: every proposal, as reviewers may review anything) comes in pages of 50.
#[tokio::test]
async fn a_long_review_queue_comes_in_pages() {
    let c = committee().await;
    let app = &c.app;
    patch_event(
        app,
        &c.admin,
        json!({"reviewers_see_all": true, "max_proposals_per_speaker": 100}),
    )
    .await;
    for i in 0..60 {
        submit(
            app,
            &c.speaker.token,
            &format!("Queue paging talk number {i:02}"),
        )
        .await;
    }
    let (rita, _) = app.browser_signed_in(&c.rita.email).await;
    let (status, first) = app.page(&rita, "/events/rust-mc/review").await;
    assert_eq!(status, 200);
    assert_eq!(first.matches("Queue paging talk number").count(), 50);
    assert!(first.contains("of 60 reviewed") && first.contains("Page 1 of 2"));
    assert!(first.contains("href=\"/events/rust-mc/review?page=2\""));
    let (_, second) = app.page(&rita, "/events/rust-mc/review?page=2").await;
    assert_eq!(second.matches("Queue paging talk number").count(), 10);
    assert!(second.contains("Page 2 of 2") && second.contains("?page=1"));
    let (status, odd) = app.page(&rita, "/events/rust-mc/review?page=zz").await;
    assert_eq!(
        status, 200,
        "an unreadable page number shows the first page"
    );
    assert!(odd.contains("Page 1 of 2"));
}
