//! The decision pages, driven as a browser without JavaScript would: the dashboard's bulk
//! decisions, release and publication; the decision box on the proposal page; the speakers'
//! confirmation; the decision emails' wording and preview; the outbox; and the public list of
//! accepted talks with its fragment and Atom feed.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, api, at, post};

const SLUG: &str = "rust-mc";
const EVENT: &str = "/api/v1/events/rust-mc";
const DASHBOARD: &str = "/events/rust-mc/dashboard";
const ABSTRACT: &str = "How a driver written in Rust meets the kernel's C interfaces, which safe \
abstractions it needs, and what we learnt while upstreaming it.";

// Distinctive names, so that finding one in a page cannot be a coincidence.
const SPEAKER_NAME: &str = "Adalind Speakerwoman";
const SPEAKER_EMAIL: &str = "adalind@speakers.test";
const OTHER_NAME: &str = "Bartholomew Talkington";
const OTHER_EMAIL: &str = "bart@speakers.test";
const CHAIR_NAME: &str = "Chloe Chair";

// ---------------------------------------------------------------- helpers

struct Person {
    token: String,
    email: String,
}

async fn person(app: &TestApp, email: &str, name: &str) -> Person {
    app.register(email, name).await;
    let token = app.login(email).await;
    Person {
        token,
        email: email.to_owned(),
    }
}

async fn submit(app: &TestApp, token: &str, title: &str, track: &str) -> String {
    let created = api(
        app,
        Method::POST,
        &format!("{EVENT}/proposals"),
        token,
        Some(&json!({"title": title, "abstract": ABSTRACT, "format": "talk", "track": track})),
        201,
    )
    .await;
    created["id"].as_str().expect("id").to_owned()
}

async fn decide(app: &TestApp, chair: &str, id: &str, decision: &str) {
    api(
        app,
        Method::PUT,
        &format!("/api/v1/proposals/{id}/decision"),
        chair,
        Some(&json!({"decision": decision, "note": ""})),
        200,
    )
    .await;
}

async fn proposal_json(app: &TestApp, token: &str, id: &str) -> Value {
    api(
        app,
        Method::GET,
        &format!("/api/v1/proposals/{id}"),
        token,
        None,
        200,
    )
    .await
}

/// The text between `start` (excluded) and the next `end`.
fn between<'a>(haystack: &'a str, start: &str, end: &str) -> &'a str {
    let from = at(haystack, start) + start.len();
    let rest = &haystack[from..];
    &rest[..rest
        .find(end)
        .unwrap_or_else(|| panic!("{end:?} after {start:?}"))]
}

/// Undoes the HTML escaping of a page's text.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let Some(semi) = after.find(';').filter(|s| *s < 10) else {
            out.push('&');
            rest = &after[1..];
            continue;
        };
        let entity = &after[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn normalized(text: &str) -> String {
    text.replace("\r\n", "\n").trim_end().to_owned()
}

/// The event with a chair (not a site admin) and two speakers.
struct Event {
    app: TestApp,
    admin: String,
    chair: Person,
    speaker: Person,
    other: Person,
}

async fn event() -> Event {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event(SLUG).await;
    let chair = person(&app, "chloe@chairs.test", CHAIR_NAME).await;
    let speaker = person(&app, SPEAKER_EMAIL, SPEAKER_NAME).await;
    let other = person(&app, OTHER_EMAIL, OTHER_NAME).await;
    api(
        &app,
        Method::PUT,
        &format!("{EVENT}/members"),
        &admin,
        Some(&json!({"email": chair.email, "role": "chair", "tracks": null})),
        200,
    )
    .await;
    Event {
        app,
        admin,
        chair,
        speaker,
        other,
    }
}

// ---------------------------------------------------------------- the dashboard

#[tokio::test]
async fn chairs_accept_the_selected_and_reject_the_rest_of_a_track_from_the_dashboard() {
    let e = event().await;
    let app = &e.app;
    let kernel_a = submit(
        app,
        &e.speaker.token,
        "Kernel A: a Rust NVMe driver",
        "rust-for-linux",
    )
    .await;
    let kernel_b = submit(
        app,
        &e.other.token,
        "Kernel B: pinning explained",
        "rust-for-linux",
    )
    .await;
    let kernel_c = submit(
        app,
        &e.other.token,
        "Kernel C: already waitlisted",
        "rust-for-linux",
    )
    .await;
    let lang_a = submit(app, &e.speaker.token, "Lang A: const generics", "rust").await;
    let lang_b = submit(app, &e.other.token, "Lang B: async closures", "rust").await;
    decide(app, &e.chair.token, &kernel_c, "waitlist").await;

    let (chair, csrf) = app.browser_signed_in(&e.chair.email).await;
    let (status, html) = app.page(&chair, DASHBOARD).await;
    assert_eq!(status, 200);
    assert!(html.contains("<th scope=\"col\">Decision</th>"));
    for id in [&kernel_a, &kernel_b, &lang_a, &lang_b] {
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
    // the reject-a-track form sits behind a second step
    let details = at(&html, "Reject every undecided proposal of a track…");
    assert!(html[..details].ends_with("<summary>"));
    assert!(at(&html, "Yes, reject every undecided proposal of this track") > details);

    // a form without its CSRF token changes nothing
    let (status, _, _) = post(
        app,
        &chair,
        "/events/rust-mc/decisions",
        &[(&format!("p_{kernel_a}"), "on"), ("decision", "accept")],
    )
    .await;
    assert_eq!(status, 403);
    assert!(proposal_json(app, &e.chair.token, &kernel_a).await["decision"].is_null());

    // nothing ticked: said so
    let (status, location, _) = post(
        app,
        &chair,
        "/events/rust-mc/decisions",
        &[("csrf_token", &csrf), ("decision", "accept")],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, DASHBOARD));
    let (_, html) = app.page(&chair, DASHBOARD).await;
    assert!(html.contains("Tick at least one proposal in the table first."));

    // accept two ticked rows; the dashboard comes back as it was filtered
    let back = "/events/rust-mc/dashboard?track=rust-for-linux";
    let (status, location, _) = post(
        app,
        &chair,
        "/events/rust-mc/decisions",
        &[
            ("csrf_token", &csrf),
            ("return_to", back),
            (&format!("p_{kernel_a}"), "on"),
            (&format!("p_{lang_a}"), "on"),
            ("decision", "accept"),
            ("note", "strong reviews"),
        ],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, back));
    // an off-site return is ignored
    let (_, location, _) = post(
        app,
        &chair,
        "/events/rust-mc/decisions",
        &[
            ("csrf_token", &csrf),
            ("return_to", "https://evil.example/"),
            (&format!("p_{lang_a}"), "on"),
            ("decision", "accept"),
        ],
    )
    .await;
    assert_eq!(location, DASHBOARD);
    let (_, html) = app.page(&chair, back).await;
    assert!(
        html.contains("1 proposal accepted. Not released yet"),
        "the flash"
    );
    assert!(html.contains("class=\"badge decision-accept\">accept</span><br><span class=\"badge badge-warn\">not released</span>"));
    let (_, html) = app.page(&chair, DASHBOARD).await;
    assert!(
        html.contains("2 accepts, 1 waitlist not released yet"),
        "the summary"
    );
    for (id, decision) in [(&kernel_a, "accept"), (&lang_a, "accept")] {
        let seen = proposal_json(app, &e.chair.token, id).await;
        assert_eq!(seen["decision"]["decision"], decision);
        assert_eq!(seen["decision"]["released"], false);
    }

    // reject the rest of the kernel track: the accepted and waitlisted ones keep their decision
    let (status, _, _) = post(
        app,
        &chair,
        "/events/rust-mc/decisions",
        &[
            ("csrf_token", &csrf),
            ("return_to", DASHBOARD),
            ("decision", "reject"),
            ("undecided_only", "true"),
            ("track", "rust-for-linux"),
            ("note", ""),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&chair, DASHBOARD).await;
    assert!(html.contains("1 proposal rejected."), "the flash");
    assert!(html.contains("2 accepts, 1 reject, 1 waitlist not released yet"));
    assert!(html.contains("Rust for Linux (0 undecided)") && html.contains("Rust (1 undecided)"));
    let decision_of = |v: &Value| v["decision"]["decision"].as_str().map(str::to_owned);
    assert_eq!(
        decision_of(&proposal_json(app, &e.chair.token, &kernel_a).await).as_deref(),
        Some("accept")
    );
    assert_eq!(
        decision_of(&proposal_json(app, &e.chair.token, &kernel_b).await).as_deref(),
        Some("reject")
    );
    assert_eq!(
        decision_of(&proposal_json(app, &e.chair.token, &kernel_c).await).as_deref(),
        Some("waitlist")
    );
    assert_eq!(
        decision_of(&proposal_json(app, &e.chair.token, &lang_b).await),
        None,
        "another track is left alone"
    );
    // the speakers see nothing of it
    let seen = proposal_json(app, &e.other.token, &kernel_b).await;
    assert_eq!(seen["state"], "submitted");
    assert!(seen.get("decision").is_none());
}

#[tokio::test]
async fn the_release_button_queues_the_emails_once() {
    let e = event().await;
    let app = &e.app;
    let accepted = submit(
        app,
        &e.speaker.token,
        "Accepted: a Rust NVMe driver",
        "rust-for-linux",
    )
    .await;
    let rejected = submit(
        app,
        &e.other.token,
        "Rejected: yet another linked list",
        "rust",
    )
    .await;
    let waitlisted = submit(app, &e.other.token, "Waitlisted: async drop", "rust").await;
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
        proposal_json(app, &e.speaker.token, &accepted).await["state"],
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
        proposal_json(app, &e.speaker.token, &accepted).await["state"],
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

// ---------------------------------------------------------------- the proposal page

#[tokio::test]
async fn a_chair_decides_on_the_proposal_page_and_reads_the_history() {
    let e = event().await;
    let app = &e.app;
    let id = submit(
        app,
        &e.speaker.token,
        "A Rust NVMe driver",
        "rust-for-linux",
    )
    .await;
    let path = format!("/proposals/{id}");
    let (chair, csrf) = app.browser_signed_in(&e.chair.email).await;
    let (status, html) = app.page(&chair, &path).await;
    assert_eq!(status, 200);
    assert!(html.contains("Decision (chairs)") && html.contains("No decision yet."));
    for value in ["accept", "waitlist", "reject"] {
        assert!(html.contains(&format!("name=\"decision\" value=\"{value}\"")));
    }

    // nothing chosen
    let (status, location, _) = post(
        app,
        &chair,
        &format!("{path}/decision"),
        &[("csrf_token", &csrf), ("note", "")],
    )
    .await;
    assert_eq!((status, location), (303, format!("{path}#decision")));
    let (_, html) = app.page(&chair, &path).await;
    assert!(html.contains("Choose accept, waitlist or reject."));

    let (status, _, _) = post(
        app,
        &chair,
        &format!("{path}/decision"),
        &[("decision", "accept")],
    )
    .await;
    assert_eq!(status, 403, "no CSRF token");

    let (status, _, _) = post(
        app,
        &chair,
        &format!("{path}/decision"),
        &[
            ("csrf_token", &csrf),
            ("decision", "waitlist"),
            ("note", "Keep <it> as a backup"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&chair, &path).await;
    assert!(html.contains("The decision is saved: waitlisted. Not released yet"));
    assert!(html.contains("class=\"badge decision-waitlist\">waitlist</span>"));
    assert!(html.contains("not released yet"));
    assert!(html.contains("name=\"decision\" value=\"waitlist\" checked"));
    assert!(html.contains(&format!("{CHAIR_NAME} decided “waitlist”")));
    assert!(
        html.contains("Keep &#60;it&#62; as a backup")
            || html.contains("Keep &lt;it&gt; as a backup")
    );

    let (status, _, _) = post(
        app,
        &chair,
        &format!("{path}/decision"),
        &[("csrf_token", &csrf), ("decision", "accept"), ("note", "")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&chair, &path).await;
    let first = at(&html, &format!("{CHAIR_NAME} decided “waitlist”"));
    let second = at(
        &html,
        &format!("{CHAIR_NAME} decided “accept” (was “waitlist”)"),
    );
    assert!(first < second, "oldest first");

    // the speaker sees neither the box nor the decision
    let (speaker, speaker_csrf) = app.browser_signed_in(&e.speaker.email).await;
    let (_, html) = app.page(&speaker, &path).await;
    assert!(!html.contains("Decision (chairs)") && !html.contains("decision-accept"));
    assert!(!html.contains("Will you present it?"));
    // and cannot decide
    let (status, _, _) = post(
        app,
        &speaker,
        &format!("{path}/decision"),
        &[("csrf_token", &speaker_csrf), ("decision", "accept")],
    )
    .await;
    assert!([403, 404].contains(&status), "{status}");

    // after the release, the box says so and the history has the release
    api(
        app,
        Method::POST,
        &format!("{EVENT}/decisions/release"),
        &e.chair.token,
        None,
        200,
    )
    .await;
    let (_, html) = app.page(&chair, &path).await;
    assert!(html.contains("Released: the speakers know."));
    assert!(html.contains(&format!(
        "{CHAIR_NAME} released the decision: submitted → accepted"
    )));
    app.deliver_emails().await;
}

#[tokio::test]
async fn the_speaker_confirms_from_the_emailed_link() {
    let e = event().await;
    let app = &e.app;
    let id = submit(
        app,
        &e.speaker.token,
        "A Rust NVMe driver",
        "rust-for-linux",
    )
    .await;
    api(
        app,
        Method::PATCH,
        EVENT,
        &e.admin,
        Some(&json!({"confirm_by": "2030-01-15T17:00:00Z"})),
        200,
    )
    .await;
    decide(app, &e.chair.token, &id, "accept").await;
    api(
        app,
        Method::POST,
        &format!("{EVENT}/decisions/release"),
        &e.chair.token,
        None,
        200,
    )
    .await;
    app.deliver_emails().await;
    let email = app
        .mail
        .emails()
        .into_iter()
        .find(|m| m.subject().starts_with("Accepted at Rust MC"))
        .expect("the acceptance email");
    let text = email.text();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/confirm"))
        .expect("a confirmation link")
        .to_owned();
    let path = link
        .strip_prefix(&app.address)
        .unwrap_or_else(|| panic!("{link} is on this site"))
        .to_owned();
    assert_eq!(path, format!("/proposals/{id}/confirm"));

    // signed out: sign in first, then come back
    let stranger = app.new_client();
    let response = stranger.get(app.url(&path)).send().await.expect("get");
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        format!("/login?next=%2Fproposals%2F{id}%2Fconfirm").as_str()
    );

    // another account is told whose link it is, without the title
    let (other, _) = app.browser_signed_in(&e.other.email).await;
    let (status, html) = app.page(&other, &path).await;
    assert_eq!(status, 404);
    assert!(html.contains("This link is for another account") && html.contains(OTHER_EMAIL));
    assert!(!html.contains("A Rust NVMe driver"));

    let (speaker, csrf) = app.browser_signed_in(&e.speaker.email).await;
    let (status, html) = app.page(&speaker, &path).await;
    assert_eq!(status, 200);
    assert!(html.contains("A Rust NVMe driver"));
    assert!(html.contains(
        "Please answer by <strong>2030-01-15 12:00 America/New_York (2030-01-15 17:00 UTC)</strong>"
    ));
    assert!(html.contains("Confirm: I will present it"));
    let decline = at(&html, "Yes, decline presenting it");
    assert!(
        html[..decline].rfind("<details").is_some(),
        "decline is a second step"
    );

    let (status, _, _) = post(
        app,
        &speaker,
        &format!("/proposals/{id}/confirm"),
        &[("back", "confirm")],
    )
    .await;
    assert_eq!(status, 403, "no CSRF token");
    let (status, location, _) = post(
        app,
        &speaker,
        &format!("/proposals/{id}/confirm"),
        &[("csrf_token", &csrf), ("back", "confirm")],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, path.as_str()));
    let (_, html) = app.page(&speaker, &path).await;
    assert!(html.contains("Thank you: you confirmed presenting “A Rust NVMe driver”."));
    assert!(html.contains("You confirmed on 20"), "with the date");
    assert!(!html.contains("Confirm: I will present it"));
    let (_, html) = app.page(&speaker, &format!("/proposals/{id}")).await;
    assert!(html.contains("class=\"badge state-confirmed\">confirmed</span>"));
    assert_eq!(
        proposal_json(app, &e.speaker.token, &id).await["state"],
        "confirmed"
    );
    // confirming twice is harmless
    let (status, _, _) = post(
        app,
        &speaker,
        &format!("/proposals/{id}/confirm"),
        &[("csrf_token", &csrf), ("back", "confirm")],
    )
    .await;
    assert_eq!(status, 303);
    // the chair's history has it
    let (chair, _) = app.browser_signed_in(&e.chair.email).await;
    let (_, html) = app.page(&chair, &format!("/proposals/{id}")).await;
    assert!(html.contains(&format!("{SPEAKER_NAME} confirmed presenting it")));
}

#[tokio::test]
async fn a_speaker_declines_on_the_proposal_page_after_a_confirmation_step() {
    let e = event().await;
    let app = &e.app;
    let id = submit(
        app,
        &e.speaker.token,
        "A Rust NVMe driver",
        "rust-for-linux",
    )
    .await;
    let waiting = submit(app, &e.speaker.token, "Still in review", "rust").await;
    decide(app, &e.chair.token, &id, "accept").await;
    api(
        app,
        Method::POST,
        &format!("{EVENT}/decisions/release"),
        &e.chair.token,
        None,
        200,
    )
    .await;
    app.deliver_emails().await;

    let (speaker, csrf) = app.browser_signed_in(&e.speaker.email).await;
    let path = format!("/proposals/{id}");
    let (_, html) = app.page(&speaker, &path).await;
    assert!(html.contains("Will you present it?"));
    let summary = at(&html, "<summary>I cannot present it…</summary>");
    assert!(at(&html, "Yes, decline presenting it") > summary);
    // nothing to answer on a proposal still in review
    let (_, html) = app.page(&speaker, &format!("/proposals/{waiting}")).await;
    assert!(!html.contains("Will you present it?"));
    let (_, html) = app
        .page(&speaker, &format!("/proposals/{waiting}/confirm"))
        .await;
    assert!(html.contains("there is nothing to confirm"));
    let (status, _, _) = post(
        app,
        &speaker,
        &format!("/proposals/{waiting}/confirm"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&speaker, &format!("/proposals/{waiting}")).await;
    assert!(
        html.contains("a submitted proposal cannot be confirmed"),
        "the conflict, said"
    );

    let (status, _, _) = post(app, &speaker, &format!("{path}/decline"), &[]).await;
    assert_eq!(status, 403, "no CSRF token");
    let (status, location, _) = post(
        app,
        &speaker,
        &format!("{path}/decline"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, path.as_str()));
    let (_, html) = app.page(&speaker, &path).await;
    assert!(html.contains("You declined presenting “A Rust NVMe driver”."));
    assert!(html.contains("class=\"badge state-declined\">declined</span> You declined on"));
    assert!(!html.contains("Confirm: I will present it"));
    assert_eq!(
        proposal_json(app, &e.speaker.token, &id).await["state"],
        "declined"
    );
    // the other speaker of another proposal cannot answer for this one
    let (other, other_csrf) = app.browser_signed_in(&e.other.email).await;
    let (status, _, _) = post(
        app,
        &other,
        &format!("{path}/confirm"),
        &[("csrf_token", &other_csrf)],
    )
    .await;
    assert_eq!(status, 404);
}

// ---------------------------------------------------------------- the decision emails

#[tokio::test]
async fn the_templates_page_checks_the_wording_and_previews_what_the_release_sends() {
    let e = event().await;
    let app = &e.app;
    let id = submit(
        app,
        &e.speaker.token,
        "Rust & the kernel's \"C\" side",
        "rust-for-linux",
    )
    .await;
    decide(app, &e.chair.token, &id, "accept").await;
    let (chair, csrf) = app.browser_signed_in(&e.chair.email).await;
    let page = "/events/rust-mc/emails";
    // the preview frame inherits the page's policy: the emails' style attributes may apply
    // there, and nothing else is loosened
    let response = chair.get(app.url(page)).send().await.expect("get");
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .expect("policy")
        .to_owned();
    assert!(
        policy.contains("style-src 'self';") && policy.contains("style-src-attr 'unsafe-inline'")
    );
    assert!(policy.contains("script-src 'self';") && policy.contains("frame-ancestors 'none'"));
    let elsewhere = chair.get(app.url(DASHBOARD)).send().await.expect("get");
    assert!(
        !elsewhere.headers()["content-security-policy"]
            .to_str()
            .expect("policy")
            .contains("unsafe-inline")
    );
    let (status, html) = app.page(&chair, page).await;
    assert_eq!(status, 200);
    for kind in ["acceptance", "rejection", "waitlist"] {
        assert!(html.contains(&format!("id=\"tpl-{kind}\"")), "{kind}");
        assert!(html.contains(&format!(
            "action=\"/events/rust-mc/emails/{kind}#tpl-{kind}\""
        )));
        assert!(html.contains(&format!(
            "formaction=\"/events/rust-mc/emails/{kind}/preview#preview-{kind}\""
        )));
    }
    for placeholder in [
        "speaker_name",
        "confirm_link",
        "confirm_deadline",
        "reviewer_comments",
    ] {
        assert!(
            html.contains(&format!("<code>{{{{{placeholder}}}}}</code>")),
            "{placeholder}"
        );
    }
    assert!(html.contains("default wording"));
    assert!(
        html.contains(&format!("<option value=\"{id}\" selected>")),
        "the proposal is offered"
    );

    // a misspelt placeholder: 422 with the message, the typed text kept, nothing saved
    let typed_body = "Hello {{speaker_name}}, typed with care & kept.";
    let (status, _, html) = post(
        app,
        &chair,
        "/events/rust-mc/emails/acceptance",
        &[
            ("csrf_token", &csrf),
            ("subject", "Welcome {{speeker_name}}"),
            ("body", typed_body),
            ("proposal_id", &id),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("unknown placeholder"), "the message");
    assert!(
        html.contains("Welcome {{speeker_name}}"),
        "the typed subject"
    );
    assert!(unescape(&html).contains(typed_body), "the typed text");
    assert!(html.contains("aria-invalid=\"true\""));
    let (_, html) = app.page(&chair, page).await;
    assert!(!html.contains("speeker_name"), "not saved");

    // CSRF-less saves are refused
    let (status, _, _) = post(
        app,
        &chair,
        "/events/rust-mc/emails/acceptance",
        &[("subject", "x"), ("body", "y")],
    )
    .await;
    assert_eq!(status, 403);

    // preview the typed, unsaved wording for the real proposal
    let subject = "Welcome aboard, {{speaker_name}}: {{proposal_title}}";
    let body = "Dear {{speaker_name}},\n\n“{{proposal_title}}” is in, in the {{track}} track.\nConfirm here: {{confirm_link}}\n{{#confirm_deadline}}By {{confirm_deadline}}.{{/confirm_deadline}}{{^confirm_deadline}}No deadline.{{/confirm_deadline}}\n";
    let (status, _, html) = post(
        app,
        &chair,
        "/events/rust-mc/emails/acceptance/preview",
        &[
            ("csrf_token", &csrf),
            ("subject", subject),
            ("body", body),
            ("proposal_id", &id),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let preview = &html[at(&html, "id=\"preview-acceptance\"")..];
    let shown_subject = unescape(between(preview, "<dd class=\"preview-subject\">", "</dd>"));
    assert_eq!(
        shown_subject,
        format!("Welcome aboard, {SPEAKER_NAME}: Rust & the kernel's \"C\" side")
    );
    let shown_text = unescape(between(preview, "<pre class=\"preview-text\">", "</pre>"));
    assert!(
        shown_text.contains("in the Rust for Linux track"),
        "{shown_text}"
    );
    assert!(shown_text.contains(&format!("/proposals/{id}/confirm")));
    assert!(shown_text.contains("No deadline."));
    assert!(preview.contains("<iframe class=\"preview-html\" sandbox srcdoc=\""));
    let srcdoc = between(preview, "srcdoc=\"", "\"");
    assert!(
        !srcdoc.contains('<'),
        "the HTML part is escaped into the attribute"
    );
    assert!(
        unescape(srcdoc).contains("<html"),
        "and is a whole HTML document"
    );
    // the typed wording stays in the form, unsaved
    assert!(html.contains(subject));
    let (_, html) = app.page(&chair, page).await;
    assert!(!html.contains("Welcome aboard"), "a preview saves nothing");
    // a preview for nothing is a message, not a crash
    let (status, _, html) = post(
        app,
        &chair,
        "/events/rust-mc/emails/acceptance/preview",
        &[
            ("csrf_token", &csrf),
            ("subject", subject),
            ("body", body),
            ("proposal_id", ""),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("choose a proposal to preview with"));

    // save it, release, and the speaker gets exactly what the preview showed
    let (status, location, _) = post(
        app,
        &chair,
        "/events/rust-mc/emails/acceptance",
        &[
            ("csrf_token", &csrf),
            ("subject", subject),
            ("body", body),
            ("proposal_id", &id),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/events/rust-mc/emails#tpl-acceptance")
    );
    let (_, html) = app.page(&chair, page).await;
    assert!(html.contains("The acceptance email is saved"));
    assert!(html.contains("your wording") && html.contains("Back to the default wording"));
    app.deliver_emails().await;
    let before = app.mail.emails().len();
    api(
        app,
        Method::POST,
        &format!("{EVENT}/decisions/release"),
        &e.chair.token,
        None,
        200,
    )
    .await;
    app.deliver_emails().await;
    let sent: Vec<_> = app.mail.emails().into_iter().skip(before).collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].subject(), shown_subject);
    let whole = sent[0].clone();
    assert!(whole.text().contains("Sent by mcfp"), "the whole text part");
    assert_eq!(normalized(&whole.text()), normalized(&shown_text));

    // back to the default wording
    let (status, _, _) = post(
        app,
        &chair,
        "/events/rust-mc/emails/acceptance/reset",
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&chair, page).await;
    assert!(html.contains("The acceptance email is back to the default wording."));
    assert!(!html.contains("Welcome aboard"));
    let (status, _, _) = post(
        app,
        &chair,
        "/events/rust-mc/emails/nonsense/reset",
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 404);
}

// ---------------------------------------------------------------- the outbox

#[tokio::test]
async fn the_outbox_lists_the_emails_and_a_failed_one_can_be_retried() {
    let e = event().await;
    let app = &e.app;
    let accepted = submit(
        app,
        &e.speaker.token,
        "A Rust NVMe driver",
        "rust-for-linux",
    )
    .await;
    let rejected = submit(app, &e.other.token, "Yet another linked list", "rust").await;
    decide(app, &e.chair.token, &accepted, "accept").await;
    decide(app, &e.chair.token, &rejected, "reject").await;
    app.deliver_emails().await;
    // the mail server refuses everything for a moment
    app.mail.reject(Some(550));
    api(
        app,
        Method::POST,
        &format!("{EVENT}/decisions/release"),
        &e.chair.token,
        None,
        200,
    )
    .await;
    let report = app.deliver_emails().await;
    assert_eq!(report.failed, 2, "{report:?}");
    app.mail.reject(None);

    let (chair, csrf) = app.browser_signed_in(&e.chair.email).await;
    let (status, html) = app.page(&chair, "/events/rust-mc/outbox").await;
    assert_eq!(status, 200);
    assert!(html.contains("class=\"badge outbox-state-failed\">failed</span>"));
    assert!(html.contains(SPEAKER_EMAIL) && html.contains(OTHER_EMAIL));
    assert!(html.contains("Last error:"));
    assert!(html.contains("acceptance") && html.contains("rejection"));
    // the receipts were sent
    assert!(html.contains("class=\"badge outbox-state-sent\">sent</span>"));

    let (_, failed) = app
        .page(&chair, "/events/rust-mc/outbox?state=failed")
        .await;
    assert!(
        !failed.contains("outbox-state-sent"),
        "only the failed ones"
    );
    assert!(failed.contains("<option value=\"failed\" selected>"));
    let retry = between(&failed, "action=\"/events/rust-mc/outbox/", "/retry\"").to_owned();
    let (status, _, _) = post(
        app,
        &chair,
        &format!("/events/rust-mc/outbox/{retry}/retry"),
        &[],
    )
    .await;
    assert_eq!(status, 403, "no CSRF token");
    let (status, location, _) = post(
        app,
        &chair,
        &format!("/events/rust-mc/outbox/{retry}/retry"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/events/rust-mc/outbox"));
    let (_, html) = app.page(&chair, "/events/rust-mc/outbox").await;
    assert!(html.contains("is queued again."));
    assert!(html.contains("class=\"badge outbox-state-queued\">queued</span>"));
    // retrying a queued one is refused politely
    post(
        app,
        &chair,
        &format!("/events/rust-mc/outbox/{retry}/retry"),
        &[("csrf_token", &csrf)],
    )
    .await;
    let (_, html) = app.page(&chair, "/events/rust-mc/outbox").await;
    assert!(html.contains("Only a failed email can be retried."));
    assert_eq!(app.deliver_emails().await.sent, 1);
    // the other failed one, retried too, so that nothing stays failed
    let (_, failed) = app
        .page(&chair, "/events/rust-mc/outbox?state=failed")
        .await;
    let other = between(&failed, "action=\"/events/rust-mc/outbox/", "/retry\"").to_owned();
    assert_ne!(other, retry);
    post(
        app,
        &chair,
        &format!("/events/rust-mc/outbox/{other}/retry"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(app.deliver_emails().await.sent, 1);
    let (_, failed) = app
        .page(&chair, "/events/rust-mc/outbox?state=failed")
        .await;
    assert!(failed.contains("No email in the state “failed”."));
    let (status, _) = app.page(&chair, "/events/rust-mc/outbox?state=lost").await;
    assert_eq!(status, 422);
    let (status, _) = app
        .page(
            &chair,
            "/events/rust-mc/outbox/00000000-0000-0000-0000-000000000000/retry",
        )
        .await;
    assert_eq!(status, 404, "no GET there");
}

// ---------------------------------------------------------------- the public list

#[tokio::test]
async fn the_accepted_list_is_public_once_published_and_stays_current() {
    let e = event().await;
    let app = &e.app;
    let kernel = submit(
        app,
        &e.speaker.token,
        "Kernel: a Rust NVMe driver",
        "rust-for-linux",
    )
    .await;
    let lang = submit(
        app,
        &e.other.token,
        "Lang: async closures **explained**",
        "rust",
    )
    .await;
    let lang_two = submit(app, &e.speaker.token, "Lang two: const generics", "rust").await;
    let rejected = submit(
        app,
        &e.other.token,
        "Rejected: yet another linked list",
        "rust",
    )
    .await;
    let withdrawn = submit(app, &e.other.token, "Withdrawn: before the release", "rust").await;
    for id in [&kernel, &lang, &lang_two, &withdrawn] {
        decide(app, &e.chair.token, id, "accept").await;
    }
    decide(app, &e.chair.token, &rejected, "reject").await;
    api(
        app,
        Method::POST,
        &format!("/api/v1/proposals/{withdrawn}/withdraw"),
        &e.other.token,
        None,
        200,
    )
    .await;
    api(
        app,
        Method::POST,
        &format!("{EVENT}/decisions/release"),
        &e.chair.token,
        None,
        200,
    )
    .await;
    app.deliver_emails().await;
    api(
        app,
        Method::POST,
        &format!("/api/v1/proposals/{kernel}/confirm"),
        &e.speaker.token,
        None,
        200,
    )
    .await;

    let visitor = app.new_client();
    let page = "/events/rust-mc/accepted";
    let (status, html) = app.page(&visitor, page).await;
    assert_eq!(status, 404, "not published yet: {html}");
    assert_eq!(
        app.page(&visitor, "/events/rust-mc/accepted.atom").await.0,
        404
    );
    let (_, html) = app.page(&visitor, "/events/rust-mc").await;
    assert!(!html.contains("See the accepted talks"));

    // publish from the dashboard
    let (chair, csrf) = app.browser_signed_in(&e.chair.email).await;
    let (_, html) = app.page(&chair, DASHBOARD).await;
    assert!(html.contains("Not published"));
    let (status, _, _) = post(app, &chair, "/events/rust-mc/publish", &[]).await;
    assert_eq!(status, 403, "no CSRF token");
    let (status, location, _) = post(
        app,
        &chair,
        "/events/rust-mc/publish",
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/events/rust-mc/dashboard")
    );
    let (_, html) = app.page(&chair, DASHBOARD).await;
    assert!(html.contains("The list of accepted talks is public now."));
    assert!(html.contains("class=\"badge badge-open\">Published</span>"));
    let unpublish = at(&html, "Yes, unpublish the list");
    assert!(
        html[..unpublish].contains("<summary>Unpublish…</summary>"),
        "a second step"
    );
    let (_, html) = app.page(&visitor, "/events/rust-mc").await;
    assert!(html.contains("href=\"/events/rust-mc/accepted\""));

    let response = visitor.get(app.url(page)).send().await.expect("get");
    assert_eq!(response.status(), 200);
    let etag = response.headers()["etag"]
        .to_str()
        .expect("etag")
        .to_owned();
    assert!(etag.starts_with("\"html-"), "{etag}");
    assert_eq!(response.headers()["cache-control"], "public, no-cache");
    let html = response.text().await.expect("body");
    assert!(html.contains("<link rel=\"alternate\" type=\"application/atom+xml\""));
    assert!(html.contains("Published on 20"));
    let kernel_track = at(&html, "<h2 id=\"track-1\">Rust for Linux");
    let lang_track = at(&html, "<h2 id=\"track-2\">Rust ");
    assert!(kernel_track < at(&html, "Kernel: a Rust NVMe driver"));
    assert!(at(&html, "Kernel: a Rust NVMe driver") < lang_track);
    assert!(lang_track < at(&html, "Lang: async closures"));
    assert!(lang_track < at(&html, "Lang two: const generics"));
    assert!(html.contains(&format!("id=\"talk-{kernel}\"")));
    assert!(html.contains(SPEAKER_NAME) && html.contains(OTHER_NAME));
    assert!(!html.contains('@'), "no email address anywhere");
    assert!(!html.contains("Rejected:") && !html.contains("Withdrawn:"));
    assert!(
        html.contains("<strong>explained</strong>")
            || html.contains("Lang: async closures **explained**")
    );
    assert!(html.contains("role=\"img\" aria-label=\"Accepted minutes per track: Rust for Linux 30 minutes (1 talk); Rust 60 minutes (2 talks)\""));
    assert!(html.contains("talk, 30 min"));
    assert!(!html.contains("csrf_token"), "the same page for everyone");

    // a signed-in visitor gets the very same page (and no flash is eaten)
    let (signed_in, _) = app.browser_signed_in(&e.speaker.email).await;
    let response = signed_in.get(app.url(page)).send().await.expect("get");
    assert_eq!(response.headers()["etag"].to_str().expect("etag"), etag);
    let same = response.text().await.expect("body");
    assert_eq!(same, html);

    // the page's own ETag gives a 304
    let again = visitor
        .get(app.url(page))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(again.status(), 304);

    // the fragment: the list alone, cheap to poll
    let fragment = format!("{page}?fragment=1");
    let response = visitor.get(app.url(&fragment)).send().await.expect("get");
    assert_eq!(response.status(), 200);
    let fragment_etag = response.headers()["etag"]
        .to_str()
        .expect("etag")
        .to_owned();
    assert!(fragment_etag.starts_with("\"fragment-"));
    assert!(
        html.contains(&format!(
            "data-etag=\"{}\"",
            fragment_etag.replace('"', "&#34;")
        )) || html.contains(&format!(
            "data-etag=\"{}\"",
            fragment_etag.replace('"', "&quot;")
        )),
        "the page names the fragment's version"
    );
    let body = response.text().await.expect("body");
    assert!(!body.contains("<html") && body.contains("Kernel: a Rust NVMe driver"));
    let unchanged = visitor
        .get(app.url(&fragment))
        .header("If-None-Match", &fragment_etag)
        .send()
        .await
        .expect("get");
    assert_eq!(unchanged.status(), 304);
    assert!(unchanged.text().await.expect("body").is_empty());

    // the Atom feed
    let response = visitor
        .get(app.url("/events/rust-mc/accepted.atom"))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("application/atom+xml")
    );
    let atom_etag = response.headers()["etag"]
        .to_str()
        .expect("etag")
        .to_owned();
    let feed = response.text().await.expect("body");
    assert!(feed.starts_with("<?xml"));
    assert_eq!(feed.matches("<entry>").count(), 3);
    assert_eq!(feed.matches("</entry>").count(), 3);
    assert!(
        feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">")
            && feed.trim_end().ends_with("</feed>")
    );
    assert!(!feed.contains('@'));
    assert!(feed.contains(&format!("/events/rust-mc/accepted#talk-{kernel}")));

    // a speaker declines: the list changes, and the old fragment version no longer matches
    api(
        app,
        Method::POST,
        &format!("/api/v1/proposals/{lang_two}/decline"),
        &e.speaker.token,
        None,
        200,
    )
    .await;
    let changed = visitor
        .get(app.url(&fragment))
        .header("If-None-Match", &fragment_etag)
        .send()
        .await
        .expect("get");
    assert_eq!(changed.status(), 200);
    assert_ne!(
        changed.headers()["etag"].to_str().expect("etag"),
        fragment_etag
    );
    let body = changed.text().await.expect("body");
    assert!(!body.contains("Lang two: const generics"));
    assert!(body.contains("Lang: async closures"));
    let feed = visitor
        .get(app.url("/events/rust-mc/accepted.atom"))
        .header("If-None-Match", &atom_etag)
        .send()
        .await
        .expect("get");
    assert_eq!(feed.status(), 200);
    assert_eq!(
        feed.text().await.expect("body").matches("<entry>").count(),
        2
    );

    // unpublish: gone again
    let (status, _, _) = post(
        app,
        &chair,
        "/events/rust-mc/unpublish",
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(app.page(&visitor, page).await.0, 404);
    assert_eq!(app.page(&visitor, &fragment).await.0, 404);
    let (_, html) = app.page(&chair, DASHBOARD).await;
    assert!(html.contains("The list of accepted talks is no longer public."));
    assert!(html.contains("Not published"));
}

// ---------------------------------------------------------------- who may

#[tokio::test]
async fn the_chair_pages_are_for_chairs() {
    let e = event().await;
    let app = &e.app;
    let id = submit(
        app,
        &e.speaker.token,
        "A Rust NVMe driver",
        "rust-for-linux",
    )
    .await;
    // a reviewer is a member, not a chair
    api(
        app,
        Method::PUT,
        &format!("{EVENT}/members"),
        &e.admin,
        Some(&json!({"email": OTHER_EMAIL, "role": "reviewer", "tracks": null})),
        200,
    )
    .await;

    let signed_out = app.new_client();
    for path in ["/events/rust-mc/emails", "/events/rust-mc/outbox"] {
        let response = signed_out.get(app.url(path)).send().await.expect("get");
        assert_eq!(response.status(), 303, "{path}");
        assert!(
            response.headers()["location"]
                .to_str()
                .expect("location")
                .starts_with("/login?next=")
        );
    }

    for (email, who) in [(SPEAKER_EMAIL, "speaker"), (OTHER_EMAIL, "reviewer")] {
        let (browser, csrf) = app.browser_signed_in(email).await;
        for path in [
            "/events/rust-mc/emails",
            "/events/rust-mc/outbox",
            DASHBOARD,
        ] {
            let (status, _) = app.page(&browser, path).await;
            assert!([403, 404].contains(&status), "{who} GET {path}: {status}");
        }
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        let attempts = [
            (
                "/events/rust-mc/decisions".to_owned(),
                vec![pair("decision", "accept"), pair(&format!("p_{id}"), "on")],
            ),
            ("/events/rust-mc/decisions/release".to_owned(), vec![]),
            ("/events/rust-mc/publish".to_owned(), vec![]),
            ("/events/rust-mc/unpublish".to_owned(), vec![]),
            (
                "/events/rust-mc/emails/acceptance".to_owned(),
                vec![pair("subject", "s"), pair("body", "b")],
            ),
            (
                "/events/rust-mc/emails/acceptance/preview".to_owned(),
                vec![
                    pair("subject", "s"),
                    pair("body", "b"),
                    pair("proposal_id", &id),
                ],
            ),
            ("/events/rust-mc/emails/acceptance/reset".to_owned(), vec![]),
            (
                format!("/proposals/{id}/decision"),
                vec![pair("decision", "accept")],
            ),
        ];
        for (path, fields) in &attempts {
            let mut form: Vec<(&str, &str)> = vec![("csrf_token", &csrf)];
            form.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let (status, _, _) = post(app, &browser, path, &form).await;
            assert!([403, 404].contains(&status), "{who} POST {path}: {status}");
        }
    }
    // nothing happened
    assert!(proposal_json(app, &e.chair.token, &id).await["decision"].is_null());
    let (_, html) = app.page(&signed_out, "/events/rust-mc/accepted").await;
    assert!(html.contains("Not found") || html.contains("404"));
}

/// The session cookie goes along with any request the browser makes: an API write authenticated
/// only by it must be JSON (a cross-site form cannot send that), or it is refused, body or not.
#[tokio::test]
async fn cookie_authenticated_api_writes_must_be_json() {
    let e = event().await;
    let app = &e.app;
    let (browser, _) = app.browser_signed_in(&e.chair.email).await;
    let release = app.url(&format!("{EVENT}/decisions/release"));
    let as_form = browser
        .post(&release)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .expect("post");
    assert_eq!(as_form.status(), 403, "a form-like post with the cookie");
    let bare = browser.post(&release).send().await.expect("post");
    assert_eq!(bare.status(), 403, "no content type at all");
    let publish = browser
        .post(app.url(&format!("{EVENT}/publish")))
        .send()
        .await
        .expect("post");
    assert_eq!(publish.status(), 403);
    let as_json = browser
        .post(&release)
        .header("Content-Type", "application/json")
        .send()
        .await
        .expect("post");
    assert_eq!(as_json.status(), 200, "what the pages' scripts send");
    // reads stay as they were, and a bearer token needs no such proof
    let (status, _) = app.page(&browser, &format!("{EVENT}/outbox")).await;
    assert_eq!(status, 200);
    let with_token = app
        .call(
            Method::POST,
            &format!("{EVENT}/publish"),
            &e.chair.token,
            None,
        )
        .await;
    assert_eq!(with_token.status(), 200);
}

/// The chairs set the programme's minutes; the dashboard weighs what they accepted (released or
/// not) against it, per track, and the public list shows the same once published.
#[tokio::test]
async fn the_track_balance_weighs_accepted_minutes_against_the_programme() {
    let e = event().await;
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
    api(
        app,
        Method::PATCH,
        EVENT,
        chair,
        Some(&json!({"slot_minutes": 60})),
        200,
    )
    .await;
    let kernel = submit(
        app,
        &e.speaker.token,
        "Rust in the kernel, one year on",
        "rust-for-linux",
    )
    .await;
    let compiler = submit(app, &e.speaker.token, "A faster borrow checker", "rust").await;
    let third = submit(
        app,
        &e.speaker.token,
        "Pinned init everywhere",
        "rust-for-linux",
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

    api(
        app,
        Method::POST,
        &format!("{EVENT}/decisions/release"),
        chair,
        None,
        200,
    )
    .await;
    api(
        app,
        Method::POST,
        &format!("{EVENT}/publish"),
        chair,
        None,
        200,
    )
    .await;
    let public = app.new_client();
    let (status, html) = app.page(&public, "/events/rust-mc/accepted").await;
    assert_eq!(status, 200);
    assert!(html.contains("90 of 60 minutes: 30 over"), "{html}");
    // changing the budget changes the public list at once
    api(
        app,
        Method::PATCH,
        EVENT,
        chair,
        Some(&json!({"slot_minutes": 120})),
        200,
    )
    .await;
    let (_, html) = app.page(&public, "/events/rust-mc/accepted").await;
    assert!(html.contains("90 of 120 minutes: 30 left"));
}
