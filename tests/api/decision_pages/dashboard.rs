//! The dashboard: bulk decisions on ticked rows or a whole track, the release button, and the
//! track balance of the accepted talks.

use reqwest::Method;
use serde_json::{Value, json};

use super::{DASHBOARD, talk};
use crate::helpers::{
    Committee, EVENT, at, decide, patch_event, post, proposal_as, publish, release, submit,
};

/// Five proposals in two tracks, one of them waitlisted.
struct Tracks {
    kernel_a: String,
    kernel_b: String,
    kernel_c: String,
    lang_a: String,
    lang_b: String,
}

async fn five_proposals_in_two_tracks(e: &Committee) -> Tracks {
    let (app, speaker, other) = (&e.app, &e.speaker.token, &e.other.token);
    let kernel = |title: &str| talk(title, "rust-for-linux");
    let kernel_a = submit(app, speaker, kernel("Kernel A: a Rust NVMe driver")).await;
    let kernel_b = submit(app, other, kernel("Kernel B: pinning explained")).await;
    let kernel_c = submit(app, other, kernel("Kernel C: already waitlisted")).await;
    let lang_a = submit(app, speaker, talk("Lang A: const generics", "rust")).await;
    let lang_b = submit(app, other, talk("Lang B: async closures", "rust")).await;
    decide(app, &e.chair.token, &kernel_c, "waitlist").await;
    Tracks {
        kernel_a,
        kernel_b,
        kernel_c,
        lang_a,
        lang_b,
    }
}

/// The dashboard's decision column, its buttons and summary; the reject-a-track form sits
/// behind a second step.
fn assert_the_decision_controls(html: &str, t: &Tracks) {
    assert!(html.contains("<th scope=\"col\">Decision</th>"));
    for id in [&t.kernel_a, &t.kernel_b, &t.lang_a, &t.lang_b] {
        assert!(
            html.contains(&format!("name=\"p_{id}\"")),
            "a checkbox for {id}"
        );
    }
    for button in [
        "Accept the selected",
        "Waitlist the selected",
        "Reject the selected",
    ] {
        assert!(html.contains(button), "{button}");
    }
    assert!(html.contains("1 waitlist not released yet"), "the summary");
    assert!(
        html.contains("Rust for Linux (2 undecided)"),
        "undecided per track"
    );
    let details = at(html, "Reject every undecided proposal of a track…");
    assert!(html[..details].ends_with("<summary>"));
    assert!(at(html, "Yes, reject every undecided proposal of this track") > details);
}

const DECISIONS: &str = "/events/rust-mc/decisions";

/// A form without its CSRF token changes nothing; nothing ticked is said so.
async fn post_refused_forms(e: &Committee, chair: &reqwest::Client, csrf: &str, t: &Tracks) {
    let app = &e.app;
    let tick = format!("p_{}", t.kernel_a);
    let (status, _, _) = post(
        app,
        chair,
        DECISIONS,
        &[(&tick, "on"), ("decision", "accept")],
    )
    .await;
    assert_eq!(status, 403);
    assert!(proposal_as(app, &e.chair.token, &t.kernel_a).await["decision"].is_null());
    let unticked = [("csrf_token", csrf), ("decision", "accept")];
    let (status, location, _) = post(app, chair, DECISIONS, &unticked).await;
    assert_eq!((status, location.as_str()), (303, DASHBOARD));
    let (_, html) = app.page(chair, DASHBOARD).await;
    assert!(html.contains("Tick at least one proposal in the table first."));
}

/// Accept two ticked rows; the dashboard comes back as it was filtered, never off-site.
async fn accept_two_ticked_rows(e: &Committee, chair: &reqwest::Client, csrf: &str, t: &Tracks) {
    let app = &e.app;
    let back = "/events/rust-mc/dashboard?track=rust-for-linux";
    let (tick_kernel, tick_lang) = (format!("p_{}", t.kernel_a), format!("p_{}", t.lang_a));
    let fields = [
        ("csrf_token", csrf),
        ("return_to", back),
        (&tick_kernel, "on"),
        (&tick_lang, "on"),
        ("decision", "accept"),
        ("note", "strong reviews"),
        // nobody reviewed them: accepting asks once more (decision_pages::from_ranking), and
        // this is the answer
        ("confirmed", "yes"),
    ];
    let (status, location, _) = post(app, chair, DECISIONS, &fields).await;
    assert_eq!((status, location.as_str()), (303, back));
    let off_site = [
        ("csrf_token", csrf),
        ("return_to", "https://evil.example/"),
        (&tick_lang, "on"),
        ("decision", "accept"),
        ("confirmed", "yes"),
    ];
    let (_, location, _) = post(app, chair, DECISIONS, &off_site).await;
    assert_eq!(location, DASHBOARD);
    let (_, html) = app.page(chair, back).await;
    assert!(
        html.contains("1 proposal accepted. Not released yet"),
        "the flash"
    );
    assert!(html.contains("class=\"badge decision-accept\">accept</span><br><span class=\"badge badge-warn\">not released</span>"));
    let (_, html) = app.page(chair, DASHBOARD).await;
    assert!(
        html.contains("2 accepts, 1 waitlist not released yet"),
        "the summary"
    );
    for (id, decision) in [(&t.kernel_a, "accept"), (&t.lang_a, "accept")] {
        let seen = proposal_as(app, &e.chair.token, id).await;
        assert_eq!(seen["decision"]["decision"], decision);
        assert_eq!(seen["decision"]["released"], false);
    }
}

/// Reject the rest of the kernel track: the accepted and waitlisted ones keep their decision,
/// another track is left alone, and the speakers see nothing of it.
async fn reject_the_rest_of_a_track(
    e: &Committee,
    chair: &reqwest::Client,
    csrf: &str,
    t: &Tracks,
) {
    let app = &e.app;
    let fields = [
        ("csrf_token", csrf),
        ("return_to", DASHBOARD),
        ("decision", "reject"),
        ("undecided_only", "true"),
        ("track", "rust-for-linux"),
        ("note", ""),
    ];
    let (status, _, _) = post(app, chair, DECISIONS, &fields).await;
    assert_eq!(status, 303);
    let (_, html) = app.page(chair, DASHBOARD).await;
    assert!(html.contains("1 proposal rejected."), "the flash");
    assert!(html.contains("2 accepts, 1 reject, 1 waitlist not released yet"));
    assert!(html.contains("Rust for Linux (0 undecided)") && html.contains("Rust (1 undecided)"));
    let decision_of = |v: &Value| v["decision"]["decision"].as_str().map(str::to_owned);
    for (id, decision) in [
        (&t.kernel_a, Some("accept")),
        (&t.kernel_b, Some("reject")),
        (&t.kernel_c, Some("waitlist")),
    ] {
        let seen = proposal_as(app, &e.chair.token, id).await;
        assert_eq!(decision_of(&seen).as_deref(), decision);
    }
    assert_eq!(
        decision_of(&proposal_as(app, &e.chair.token, &t.lang_b).await),
        None,
        "another track is left alone"
    );
    let seen = proposal_as(app, &e.other.token, &t.kernel_b).await;
    assert_eq!(seen["state"], "submitted");
    assert!(seen.get("decision").is_none());
}

#[tokio::test]
async fn chairs_accept_the_selected_and_reject_the_rest_of_a_track_from_the_dashboard() {
    let e = Committee::spawn().await;
    let app = &e.app;
    let t = five_proposals_in_two_tracks(&e).await;
    let (chair, csrf) = app.browser_signed_in(&e.chair.email).await;
    let (status, html) = app.page(&chair, DASHBOARD).await;
    assert_eq!(status, 200);
    assert_the_decision_controls(&html, &t);
    post_refused_forms(&e, &chair, &csrf, &t).await;
    accept_two_ticked_rows(&e, &chair, &csrf, &t).await;
    reject_the_rest_of_a_track(&e, &chair, &csrf, &t).await;
}

#[tokio::test]
async fn the_release_button_queues_the_emails_once() {
    let e = Committee::spawn().await;
    let app = &e.app;
    let accepted = submit(
        app,
        &e.speaker.token,
        talk("Accepted: a Rust NVMe driver", "rust-for-linux"),
    )
    .await;
    let rejected = submit(
        app,
        &e.other.token,
        talk("Rejected: yet another linked list", "rust"),
    )
    .await;
    let waitlisted = submit(app, &e.other.token, talk("Waitlisted: async drop", "rust")).await;
    decide(app, &e.chair.token, &accepted, "accept").await;
    decide(app, &e.chair.token, &rejected, "reject").await;
    decide(app, &e.chair.token, &waitlisted, "waitlist").await;
    app.deliver_emails().await;
    let before = app.mail.emails().len();

    let (chair, csrf) = app.browser_signed_in(&e.chair.email).await;
    let (_, html) = app.page(&chair, DASHBOARD).await;
    assert!(html.contains("1 accept, 1 reject, 1 waitlist not released yet"));
    assert!(
        html.contains("href=\"/events/rust-mc/emails\""),
        "preview the emails first"
    );
    assert!(
        html.contains("href=\"/events/rust-mc/outbox\""),
        "the outbox"
    );
    let (status, _, _) = post(app, &chair, "/events/rust-mc/decisions/release", &[]).await;
    assert_eq!(status, 403, "no CSRF token, no release");
    assert_eq!(
        proposal_as(app, &e.speaker.token, &accepted).await["state"],
        "submitted"
    );

    let (status, location, _) = post(
        app,
        &chair,
        "/events/rust-mc/decisions/release",
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/events/rust-mc/dashboard")
    );
    let (_, html) = app.page(&chair, DASHBOARD).await;
    assert!(
        html.contains("The decisions are released: 3 emails queued."),
        "the flash"
    );
    assert!(html.contains("Nothing to release"));
    let report = app.deliver_emails().await;
    assert_eq!(report.sent, 3, "{report:?}");
    let sent: Vec<_> = app.mail.emails().into_iter().skip(before).collect();
    assert_eq!(sent.len(), 3);
    let subjects: Vec<String> = sent.iter().map(|m| m.subject()).collect();
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("Accepted: a Rust NVMe driver")),
        "{subjects:?}"
    );
    assert_eq!(
        proposal_as(app, &e.speaker.token, &accepted).await["state"],
        "accepted"
    );

    // a second click queues nothing
    let (status, _, _) = post(
        app,
        &chair,
        "/events/rust-mc/decisions/release",
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&chair, DASHBOARD).await;
    assert!(
        html.contains("Nothing to release: every decision is released already; no email queued.")
    );
    assert_eq!(app.deliver_emails().await.sent, 0);
    assert_eq!(app.mail.emails().len(), before + 3);
}

/// The chairs set the programme's minutes; the dashboard weighs what they accepted (released or
/// not) against it, per track, and the public list shows the same once published.
#[tokio::test]
async fn the_track_balance_weighs_accepted_minutes_against_the_programme() {
    let e = Committee::spawn().await;
    let app = &e.app;
    let chair = &e.chair.token;
    let (status, _) = {
        let r = app
            .call(
                Method::PATCH,
                EVENT,
                chair,
                Some(&json!({"slot_minutes": 0})),
            )
            .await;
        (r.status().as_u16(), r.text().await.expect("body"))
    };
    assert_eq!(status, 422, "a programme has at least a minute");
    patch_event(app, chair, json!({"slot_minutes": 60})).await;
    let kernel = submit(
        app,
        &e.speaker.token,
        talk("Rust in the kernel, one year on", "rust-for-linux"),
    )
    .await;
    let compiler = submit(
        app,
        &e.speaker.token,
        talk("A faster borrow checker", "rust"),
    )
    .await;
    let third = submit(
        app,
        &e.speaker.token,
        talk("Pinned init everywhere", "rust-for-linux"),
    )
    .await;
    decide(app, chair, &kernel, "accept").await;
    decide(app, chair, &compiler, "reject").await;

    let (browser, _) = app.browser_signed_in(&e.chair.email).await;
    let (_, html) = app.page(&browser, "/events/rust-mc/dashboard").await;
    assert!(html.contains("Track balance of the accepted talks"));
    assert!(
        html.contains("30 of 60 minutes: 30 left"),
        "unreleased acceptances count"
    );
    assert!(
        html.contains("Rust for Linux 30 minutes (1 talk)"),
        "the chart's text alternative"
    );

    decide(app, chair, &compiler, "accept").await;
    decide(app, chair, &third, "accept").await;
    let (_, html) = app.page(&browser, "/events/rust-mc/dashboard").await;
    assert!(html.contains("90 of 60 minutes: 30 over"));
    assert!(html.contains("class=\"over-budget\""));

    release(app, chair).await;
    publish(app, chair).await;
    let public = app.new_client();
    let (status, html) = app.page(&public, "/events/rust-mc/accepted").await;
    assert_eq!(status, 200);
    // the budget is the chairs' working figure: the public list shows the talks without it
    assert!(html.contains("3 talks, 90 minutes in all."), "{html}");
    assert!(!html.contains("of 60 minutes") && !html.contains("over-budget"));
    patch_event(app, chair, json!({"slot_minutes": 120})).await;
    let (_, html) = app.page(&public, "/events/rust-mc/accepted").await;
    assert!(html.contains("90 minutes in all") && !html.contains("minutes: 30 left"));
    let (_, html) = app.page(&browser, "/events/rust-mc/dashboard").await;
    assert!(
        html.contains("90 of 120 minutes: 30 left"),
        "the chairs still see it"
    );
}
