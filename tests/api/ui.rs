//! The web interface as a whole, for every role, driven as a browser without JavaScript would:
//! the header's navigation per role, the speakers' status timeline, the accessibility basics of
//! every page a role reaches (language, landmarks, labelled fields, linked error messages), and
//! the second step of every destructive action.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Person, TestApp, api, person, post};

const SLUG: &str = "rust-mc";
const EVENT: &str = "/api/v1/events/rust-mc";
const ABSTRACT: &str = "How a driver written in Rust meets the kernel's C interfaces, which safe \
abstractions it needs, and what we learnt while upstreaming it.";
/// The chairs' pages, as the header links them.
const CHAIR_PAGES: [&str; 6] = [
    "/events/rust-mc/dashboard",
    "/events/rust-mc/ranking",
    "/events/rust-mc/emails",
    "/events/rust-mc/outbox",
    "/events/rust-mc/members",
    "/events/rust-mc/settings",
];
const QUEUE: &str = "/events/rust-mc/review";

// ---------------------------------------------------------------- helpers

async fn add_member(app: &TestApp, admin: &str, email: &str, role: &str) {
    let body = json!({"email": email, "role": role, "tracks": null});
    api(
        app,
        Method::PUT,
        &format!("{EVENT}/members"),
        admin,
        Some(&body),
        200,
    )
    .await;
}

async fn submit(app: &TestApp, token: &str, title: &str) -> String {
    let body = json!({"title": title, "abstract": ABSTRACT, "format": "talk"});
    let created = api(
        app,
        Method::POST,
        &format!("{EVENT}/proposals"),
        token,
        Some(&body),
        201,
    )
    .await;
    created["id"].as_str().expect("id").to_owned()
}

async fn patch_event(app: &TestApp, admin: &str, patch: Value) {
    api(app, Method::PATCH, EVENT, admin, Some(&patch), 200).await;
}

async fn decide(app: &TestApp, chair: &str, id: &str, decision: &str) {
    let body = json!({"decision": decision, "note": ""});
    let path = format!("/api/v1/proposals/{id}/decision");
    api(app, Method::PUT, &path, chair, Some(&body), 200).await;
}

async fn release(app: &TestApp, chair: &str) {
    let path = format!("{EVENT}/decisions/release");
    api(app, Method::POST, &path, chair, None, 200).await;
}

async fn proposal_json(app: &TestApp, token: &str, id: &str) -> Value {
    let path = format!("/api/v1/proposals/{id}");
    api(app, Method::GET, &path, token, None, 200).await
}

/// The page's header (both navigations), where the role links are.
fn header(html: &str) -> &str {
    let start = html.find("<header").expect("a <header>");
    let end = html[start..].find("</header>").expect("</header>") + start;
    &html[start..end]
}

/// Every start tag `<name …>` of the page, as the text between the name and the `>`.
fn tags<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&open) {
        let after = &rest[at + open.len()..];
        if after.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/') {
            let end = after.find('>').expect("the end of a tag");
            found.push(&after[..end]);
        }
        rest = after;
    }
    found
}

/// The value of an attribute in a start tag's text.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let marker = format!("{name}=\"");
    let mut from = 0;
    while let Some(at) = tag[from..].find(&marker) {
        let at = from + at;
        let starts_word = tag[..at].ends_with(|c: char| c.is_whitespace());
        if starts_word {
            let value = &tag[at + marker.len()..];
            return value.split('"').next();
        }
        from = at + marker.len();
    }
    None
}

/// Whether a start tag has a boolean attribute (`hidden`, `open`).
fn has_flag(tag: &str, name: &str) -> bool {
    tag.split(|c: char| c.is_whitespace() || c == '>')
        .any(|word| word == name)
}

/// The accessibility basics every page must have; `what` names the page in failures.
fn assert_accessible(html: &str, what: &str) {
    assert!(html.contains("<html lang=\"en\">"), "{what}: the language");
    assert_eq!(tags(html, "main").len(), 1, "{what}: one <main>");
    assert!(!tags(html, "header").is_empty(), "{what}: a <header>");
    assert!(!tags(html, "nav").is_empty(), "{what}: a <nav>");
    assert!(
        html.contains("id=\"main\""),
        "{what}: the skip link's target"
    );
    assert!(html.contains("<title>"), "{what}: a title");
    // ids are unique, so that every `for` and `aria-describedby` points at one element
    let mut ids: Vec<&str> = Vec::new();
    for name in [
        "input", "select", "textarea", "p", "div", "section", "th", "h2", "span", "form",
        "details", "table", "article", "label", "a", "ol", "ul", "li", "time", "nav", "main",
    ] {
        ids.extend(tags(html, name).into_iter().filter_map(|t| attr(t, "id")));
    }
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    for pair in sorted.windows(2) {
        assert_ne!(pair[0], pair[1], "{what}: the id {} twice", pair[0]);
    }
    // every field is labelled: a <label for>, or an aria-label
    for name in ["input", "select", "textarea"] {
        for tag in tags(html, name) {
            if attr(tag, "type") == Some("hidden") {
                continue;
            }
            if attr(tag, "aria-label").is_some() || attr(tag, "aria-labelledby").is_some() {
                continue;
            }
            let id = attr(tag, "id")
                .unwrap_or_else(|| panic!("{what}: a <{name}{tag}> without a label or an id"));
            assert!(
                html.contains(&format!("for=\"{id}\"")),
                "{what}: no <label for=\"{id}\">"
            );
        }
    }
    // radio buttons come in a fieldset with a legend
    let radios = tags(html, "input")
        .into_iter()
        .filter(|t| attr(t, "type") == Some("radio"))
        .count();
    if radios > 0 {
        assert!(
            html.contains("<fieldset") && html.contains("<legend>"),
            "{what}: radios in a fieldset"
        );
    }
    // descriptions and error messages point at elements that exist
    let mut rest = html;
    while let Some(at) = rest.find("aria-describedby=\"") {
        let value = &rest[at + "aria-describedby=\"".len()..];
        let value = value.split('"').next().expect("value");
        for id in value.split_whitespace() {
            assert!(
                ids.contains(&id),
                "{what}: aria-describedby points at a missing id {id}"
            );
        }
        rest = &rest[at + 1..];
    }
    // header cells say what they head
    for tag in tags(html, "th") {
        assert!(
            attr(tag, "scope").is_some(),
            "{what}: a <th{tag}> without scope"
        );
    }
    // an invalid field says why
    for name in ["input", "select", "textarea"] {
        for tag in tags(html, name) {
            if attr(tag, "aria-invalid") == Some("true") {
                assert!(
                    attr(tag, "aria-describedby").is_some_and(|d| d.contains("-error")),
                    "{what}: an invalid <{name}{tag}> not linked to its message"
                );
            }
        }
    }
    // flash messages are announced
    for tag in tags(html, "div") {
        if attr(tag, "class").is_some_and(|c| c.split(' ').any(|w| w == "flash")) {
            let role = attr(tag, "role");
            assert!(
                role == Some("status") || role == Some("alert"),
                "{what}: a flash without a role"
            );
        }
    }
}

/// Whether `needle` sits inside a closed `<details>` (a second step without JavaScript).
fn behind_details(html: &str, needle: &str) -> bool {
    let at = html
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the page"));
    let before = &html[..at];
    let Some(opened) = before.rfind("<details") else {
        return false;
    };
    let closed = before.rfind("</details>");
    let tag_end = before[opened..].find('>').expect("tag end") + opened;
    let closed_by_default = !has_flag(&before[opened + "<details".len()..tag_end], "open");
    closed.is_none_or(|c| c < opened) && closed_by_default && before[opened..].contains("<summary>")
}

/// The steps of the status timeline, as their HTML.
fn steps(html: &str) -> Vec<String> {
    let start = html
        .find("<ol class=\"timeline\"")
        .expect("a timeline in the page");
    let end = html[start..].find("</ol>").expect("its end") + start;
    html[start..end]
        .split("<li")
        .skip(1)
        .map(str::to_owned)
        .collect()
}

/// The step named `name` (its name exactly), failing when there is none.
fn step<'a>(steps: &'a [String], name: &str) -> &'a str {
    let marker = format!("<span class=\"step-name\">{name}</span>");
    steps
        .iter()
        .find(|s| s.contains(&marker))
        .unwrap_or_else(|| panic!("no step {name:?} in {steps:#?}"))
}

fn is_current(step: &str) -> bool {
    step.contains("aria-current=\"step\"") && step.contains(">now</span>")
}

fn is_todo(step: &str) -> bool {
    step.contains("step-todo") && step.contains("(not yet)") && !step.contains("<time")
}

/// The local part of a time as the event's pages write it ("2026-11-13 09:00").
fn local(at: &str) -> String {
    let at: chrono::DateTime<chrono::Utc> = at.parse().expect("a time");
    mcfp::time::in_zone(at, "America/New_York")[..16].to_owned()
}

/// The event with a chair, a reviewer and a speaker; reviewing not open yet.
struct Committee {
    app: TestApp,
    admin: String,
    chair: Person,
    reviewer: Person,
    speaker: Person,
}

async fn committee() -> Committee {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event(SLUG).await;
    let chair = person(&app, "chloe@chairs.test", "Chloe Chair").await;
    let reviewer = person(&app, "rita@reviewers.test", "Rita Reviewer").await;
    let speaker = person(&app, "sam@speakers.test", "Sam Speaker").await;
    add_member(&app, &admin, &chair.email, "chair").await;
    add_member(&app, &admin, &reviewer.email, "reviewer").await;
    Committee {
        app,
        admin,
        chair,
        reviewer,
        speaker,
    }
}

// ---------------------------------------------------------------- navigation

#[tokio::test]
async fn the_header_links_what_each_role_needs_and_nothing_else() {
    let c = committee().await;
    let app = &c.app;

    // a visitor: sign in or register
    let (_, html) = app.page(&app.new_client(), "/").await;
    let nav = header(&html);
    assert!(nav.contains("href=\"/login\"") && nav.contains("href=\"/register\""));
    for absent in [
        "href=\"/proposals\"",
        "Sign out",
        "/submit",
        QUEUE,
        "Your events",
    ] {
        assert!(!nav.contains(absent), "a visitor's header has {absent}");
    }
    let (_, html) = app.page(&app.new_client(), "/login").await;
    assert!(header(&html).contains("href=\"/login\" aria-current=\"page\""));

    // a speaker: their proposals, and the open call
    let (speaker, _) = app.browser_signed_in(&c.speaker.email).await;
    let (_, html) = app.page(&speaker, "/").await;
    let nav = header(&html);
    assert!(nav.contains("href=\"/proposals\">My proposals</a>"));
    assert!(nav.contains("href=\"/events/rust-mc/submit\">Submit</a>"));
    assert!(nav.contains("href=\"/account\"") && nav.contains("Sign out"));
    assert!(!nav.contains("Your events") && !nav.contains(QUEUE));
    for page in CHAIR_PAGES {
        assert!(!nav.contains(page), "a speaker's header links {page}");
    }
    assert!(!nav.contains("href=\"/events/new\""), "site admins only");
    let (_, html) = app.page(&speaker, "/proposals").await;
    assert!(header(&html).contains("href=\"/proposals\" aria-current=\"page\">My proposals</a>"));

    // a reviewer: the review queue of their event, no chair page
    let (reviewer, _) = app.browser_signed_in(&c.reviewer.email).await;
    let (_, html) = app.page(&reviewer, "/").await;
    let nav = header(&html);
    assert!(nav.contains("aria-label=\"Your events\""));
    assert!(nav.contains(
        "href=\"/events/rust-mc\">Rust MC</a> <span class=\"role-name\">(reviewer)</span>"
    ));
    assert!(nav.contains("href=\"/events/rust-mc/review\">My review queue</a>"));
    assert!(nav.contains("href=\"/proposals\">My proposals</a>"));
    for page in CHAIR_PAGES {
        assert!(!nav.contains(page), "a reviewer's header links {page}");
    }
    let (_, html) = app.page(&reviewer, QUEUE).await;
    let nav = header(&html);
    assert!(
        nav.contains("href=\"/events/rust-mc/review\" aria-current=\"page\">My review queue</a>")
    );
    assert!(
        nav.contains("class=\"role-group current\""),
        "the page's event stands out"
    );

    // a chair: every chair page, and the queue
    let (chair, _) = app.browser_signed_in(&c.chair.email).await;
    let (_, html) = app.page(&chair, "/").await;
    let nav = header(&html);
    assert!(nav.contains("<span class=\"role-name\">(chair)</span>"));
    for (page, label) in CHAIR_PAGES.iter().zip([
        "Dashboard",
        "Ranking",
        "Emails",
        "Outbox",
        "Members",
        "Settings",
    ]) {
        assert!(
            nav.contains(&format!("href=\"{page}\">{label}</a>")),
            "a chair's header links {page}"
        );
    }
    assert!(nav.contains("href=\"/events/rust-mc/review\">My review queue</a>"));
    assert!(
        !nav.contains("class=\"role-group current\""),
        "no event's page"
    );
    for page in CHAIR_PAGES {
        let (status, html) = app.page(&chair, page).await;
        assert_eq!(status, 200, "{page}");
        let nav = header(&html);
        assert!(
            nav.contains(&format!("href=\"{page}\" aria-current=\"page\"")),
            "{page} is marked current"
        );
        assert_eq!(nav.matches("aria-current=\"page\"").count(), 1, "{page}");
        assert!(nav.contains("class=\"role-group current\""), "{page}");
    }

    // a site admin: new events; chair links on the page of an event they do not chair
    let (admin, _) = app.browser_signed_in("admin@example.org").await;
    let (_, html) = app.page(&admin, "/").await;
    let nav = header(&html);
    assert!(nav.contains("href=\"/events/new\">New event</a>"));
    assert!(!nav.contains("Your events"), "no member of any event");
    let (_, html) = app.page(&admin, "/events/rust-mc/dashboard").await;
    let nav = header(&html);
    assert!(nav.contains("href=\"/events/rust-mc/dashboard\" aria-current=\"page\">Dashboard</a>"));
    assert!(nav.contains("href=\"/events/rust-mc/settings\">Settings</a>"));

    // a second open call: "Submit" leads to the list of calls; a closed one is not offered
    api(
        app,
        Method::POST,
        "/api/v1/events",
        &c.admin,
        Some(&json!({
            "slug": "kernel-mc", "title": "Kernel MC", "description": "The kernel MC.",
            "time_zone": "UTC",
            "cfp_opens_at": "2026-01-01T00:00:00Z", "cfp_closes_at": "2030-01-01T00:00:00Z"
        })),
        201,
    )
    .await;
    let (_, html) = app.page(&speaker, "/proposals").await;
    assert!(header(&html).contains("href=\"/\">Submit</a>"));
    let (_, html) = app.page(&reviewer, "/").await;
    assert!(
        !header(&html).contains("/events/kernel-mc/"),
        "no role in the second event"
    );
    for slug in ["rust-mc", "kernel-mc"] {
        let closed = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
        let path = format!("/api/v1/events/{slug}");
        let body = json!({"cfp_closes_at": closed});
        api(app, Method::PATCH, &path, &c.admin, Some(&body), 200).await;
    }
    let (_, html) = app.page(&speaker, "/").await;
    let nav = header(&html);
    assert!(!nav.contains(">Submit</a>"), "no open call");
    assert!(nav.contains("href=\"/proposals\">My proposals</a>"));
    let (_, html) = app.page(&speaker, "/proposals").await;
    assert!(html.contains("You have no proposals yet."));
    assert!(html.contains("No call for proposals is open right now"));
}

// ---------------------------------------------------------------- the timeline

#[tokio::test]
async fn the_timeline_shows_the_dates_and_never_a_decision_before_its_release() {
    let c = committee().await;
    let app = &c.app;
    let accepted = submit(app, &c.speaker.token, "Accepted: a Rust NVMe driver").await;
    let rejected = submit(app, &c.speaker.token, "Rejected: a linked list").await;
    let withdrawn = submit(app, &c.speaker.token, "Withdrawn: async drop").await;
    let created = proposal_json(app, &c.speaker.token, &accepted).await["created_at"]
        .as_str()
        .expect("created_at")
        .to_owned();
    let (speaker, _) = app.browser_signed_in(&c.speaker.email).await;
    let page = format!("/proposals/{accepted}");

    // submitted; reviewing not open yet
    let (status, html) = app.page(&speaker, &page).await;
    assert_eq!(status, 200);
    let s = steps(&html);
    assert_eq!(s.len(), 4, "{s:#?}");
    let submitted = step(&s, "Submitted");
    assert!(is_current(submitted));
    assert!(submitted.contains(&format!("datetime=\"{}", &created[..10])));
    assert!(submitted.contains(&local(&created)) && submitted.contains("America/New_York"));
    for name in ["In review", "Decided", "Confirmed"] {
        assert!(is_todo(step(&s, name)), "{name} is to come");
    }
    // a reviewing phase that opens later says when
    let opens = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    patch_event(app, &c.admin, json!({"review_opens_at": opens})).await;
    let (_, html) = app.page(&speaker, &page).await;
    let s = steps(&html);
    assert!(step(&s, "In review").contains("Reviewing opens "));
    assert!(is_todo(step(&s, "In review")));

    // withdrawn: the end of that road, with its date
    let path = format!("/api/v1/proposals/{withdrawn}/withdraw");
    api(app, Method::POST, &path, &c.speaker.token, None, 200).await;
    let (_, html) = app.page(&speaker, &format!("/proposals/{withdrawn}")).await;
    let s = steps(&html);
    assert_eq!(s.len(), 2, "{s:#?}");
    assert!(is_current(step(&s, "Withdrawn")));
    assert!(step(&s, "Withdrawn").contains("<time class=\"step-when\""));
    assert!(!step(&s, "Submitted").contains("aria-current"));

    // reviewing opens: in review since then
    patch_event(app, &c.admin, json!({"review_open": true})).await;
    let (_, html) = app.page(&speaker, &page).await;
    let s = steps(&html);
    let in_review = step(&s, "In review");
    assert!(is_current(in_review), "{in_review}");
    assert!(
        in_review.contains("<time class=\"step-when\"") && in_review.contains("America/New_York")
    );
    assert!(step(&s, "Submitted").contains("(done)"));

    // decided but not released: neither the speaker nor the chair's timeline tells
    decide(app, &c.chair.token, &accepted, "accept").await;
    decide(app, &c.chair.token, &rejected, "reject").await;
    let (chair, _) = app.browser_signed_in(&c.chair.email).await;
    for (who, browser) in [("speaker", &speaker), ("chair", &chair)] {
        for id in [&accepted, &rejected] {
            let (_, html) = app.page(browser, &format!("/proposals/{id}")).await;
            let s = steps(&html);
            let all = s.concat();
            assert!(
                !all.contains("accept") && !all.contains("reject"),
                "{who} sees an unreleased decision: {all}"
            );
            assert!(is_todo(step(&s, "Decided")), "{who}");
            assert!(is_current(step(&s, "In review")), "{who}");
        }
    }
    let (_, html) = app.page(&speaker, &page).await;
    assert!(!html.contains("Will you present it?"));

    // released: decided on that day, with the released word
    release(app, &c.chair.token).await;
    let (_, html) = app.page(&speaker, &page).await;
    let s = steps(&html);
    let decided = step(&s, "Decided: accepted");
    assert!(is_current(decided) && decided.contains("<time class=\"step-when\""));
    assert!(is_todo(step(&s, "Confirmed")));
    let (_, html) = app.page(&speaker, &format!("/proposals/{rejected}")).await;
    let s = steps(&html);
    assert!(is_current(step(&s, "Decided: rejected")));
    assert_eq!(s.len(), 3, "a rejection ends the timeline: {s:#?}");

    // confirmed: the last step, dated
    let path = format!("/api/v1/proposals/{accepted}/confirm");
    api(app, Method::POST, &path, &c.speaker.token, None, 200).await;
    let (_, html) = app.page(&speaker, &page).await;
    let s = steps(&html);
    let confirmed = step(&s, "Confirmed");
    assert!(is_current(confirmed) && confirmed.contains("<time class=\"step-when\""));
    assert!(step(&s, "Decided: accepted").contains("(done)"));
    let marks: Vec<bool> = s.iter().map(|s| s.contains("aria-current")).collect();
    assert_eq!(marks, [false, false, false, true], "one current step");
}

// ---------------------------------------------------------------- accessibility basics

#[tokio::test]
async fn every_page_of_every_role_has_a_language_landmarks_and_labelled_fields() {
    let c = committee().await;
    let app = &c.app;
    patch_event(app, &c.admin, json!({"review_open": true})).await;
    let id = submit(app, &c.speaker.token, "A Rust NVMe driver").await;
    let path = format!("/api/v1/proposals/{id}/assignments");
    let body = json!({"reviewer_ids": [c.reviewer.id]});
    api(app, Method::PUT, &path, &c.chair.token, Some(&body), 200).await;
    let proposal = format!("/proposals/{id}");
    let edit = format!("/proposals/{id}/edit");

    let visitor = app.new_client();
    let (speaker, speaker_csrf) = app.browser_signed_in(&c.speaker.email).await;
    let (reviewer, reviewer_csrf) = app.browser_signed_in(&c.reviewer.email).await;
    let (chair, chair_csrf) = app.browser_signed_in(&c.chair.email).await;
    let (admin, _) = app.browser_signed_in("admin@example.org").await;
    let pages: Vec<(&str, &reqwest::Client, Vec<&str>)> = vec![
        (
            "visitor",
            &visitor,
            vec![
                "/",
                "/login",
                "/register",
                "/password-reset",
                "/events/rust-mc",
            ],
        ),
        (
            "speaker",
            &speaker,
            vec![
                "/",
                "/proposals",
                "/account",
                "/events/rust-mc",
                "/events/rust-mc/submit",
                &proposal,
                &edit,
            ],
        ),
        ("reviewer", &reviewer, vec![QUEUE, &proposal, "/proposals"]),
        (
            "chair",
            &chair,
            CHAIR_PAGES
                .iter()
                .copied()
                .chain([QUEUE, "/events/rust-mc", proposal.as_str()])
                .collect(),
        ),
        ("admin", &admin, vec!["/events/new", "/account"]),
    ];
    for (who, browser, paths) in &pages {
        for path in paths {
            let (status, html) = app.page(browser, path).await;
            assert_eq!(status, 200, "{who} {path}");
            assert_accessible(&html, &format!("{who} {path}"));
        }
    }
    // error pages too
    let (status, html) = app
        .page(&speaker, &format!("/proposals/{}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(status, 404);
    assert!(html.contains("<html lang=\"en\">") && tags(&html, "main").len() == 1);

    // forms that come back with errors keep the typed input and link each message
    let (_, form) = app.page(&speaker, "/events/rust-mc/submit").await;
    let token = attr(
        tags(&form, "input")
            .into_iter()
            .find(|t| attr(t, "name") == Some("form_token"))
            .expect("form token"),
        "value",
    )
    .expect("value")
    .to_owned();
    let (status, _, html) = post(
        app,
        &speaker,
        "/events/rust-mc/submit",
        &[
            ("csrf_token", &speaker_csrf),
            ("form_token", &token),
            ("title", "Tiny"),
            ("abstract", "Too short, kept as typed"),
            ("format", "talk"),
            ("links", "ftp://not-a-web-link"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert_accessible(&html, "the submission form with errors");
    assert!(html.contains("value=\"Tiny\"") && html.contains("Too short, kept as typed"));
    assert!(html.contains("aria-describedby=\"title-hint title-error\""));
    assert!(html.contains("aria-describedby=\"links-hint links-error\""));
    assert!(html.contains("role=\"alert\""));

    let (status, _, html) = post(
        app,
        &reviewer,
        &format!("/proposals/{id}/review"),
        &[
            ("csrf_token", &reviewer_csrf),
            ("score", "9"),
            ("confidence", "2"),
            ("comment_for_chairs", "Typed and kept"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert_accessible(&html, "the review form with errors");
    assert!(html.contains("for=\"confidence-2\"") && html.contains("id=\"confidence-2\""));
    assert!(html.contains("Typed and kept"));

    let (status, _, html) = post(
        app,
        &chair,
        "/events/rust-mc/members",
        &[
            ("csrf_token", &chair_csrf),
            ("email", "not an address"),
            ("role", "chair"),
            ("tracks", "rust, no-such-track"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert_accessible(&html, "the members form with errors");
    assert!(html.contains("value=\"not an address\""));
    assert!(
        html.contains("<option value=\"chair\" selected>"),
        "the role stays"
    );
    assert!(
        html.contains("value=\"rust, no-such-track\""),
        "the tracks stay"
    );
    assert!(html.contains("aria-describedby=\"email-error\""));
    assert!(html.contains("aria-describedby=\"tracks-hint tracks-error\""));

    // flashes: errors interrupt, confirmations wait their turn
    let (status, _, _) = post(
        app,
        &chair,
        "/events/rust-mc/decisions",
        &[("csrf_token", &chair_csrf), ("decision", "accept")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("<div class=\"flash flash-error\" role=\"alert\">Tick at least one"));
    let (status, _, _) = post(
        app,
        &chair,
        "/events/rust-mc/review-phase",
        &[("csrf_token", &chair_csrf), ("action", "close")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("class=\"flash flash-success\" role=\"status\""));

    // the stylesheet: visible focus, wide tables scroll in their box, no table turned to blocks
    let (status, css) = app.page(&visitor, "/static/style.css").await;
    assert_eq!(status, 200);
    assert!(css.contains(":focus-visible { outline: 3px solid"));
    assert!(css.contains(".table-wrap { position: relative; overflow-x: auto;"));
    assert!(!css.contains("table, thead, tbody, tr, th, td { display: block; }"));
    assert!(css.contains("@media (max-width: 40rem)"));
    // and every table of the chairs' pages sits in such a box
    for path in ["/events/rust-mc/dashboard", "/events/rust-mc/ranking"] {
        let (_, html) = app.page(&chair, path).await;
        let tables = tags(&html, "table").len();
        let wrapped = html.matches("<div class=\"table-wrap\"").count();
        assert_eq!(tables, wrapped, "{path}: every table scrolls in its box");
    }
}

// ---------------------------------------------------------------- destructive actions

#[tokio::test]
async fn destructive_actions_take_a_second_step_without_javascript() {
    let c = committee().await;
    let app = &c.app;
    let kept = submit(app, &c.speaker.token, "Kept: a Rust NVMe driver").await;
    let doomed = submit(app, &c.speaker.token, "Doomed: yet another linked list").await;
    let spared = submit(app, &c.speaker.token, "Spared: const generics").await;
    let (speaker, speaker_csrf) = app.browser_signed_in(&c.speaker.email).await;
    let (chair, csrf) = app.browser_signed_in(&c.chair.email).await;

    // withdrawing: behind a disclosure, the button keeps its label
    let (_, html) = app.page(&speaker, &format!("/proposals/{kept}")).await;
    let action = format!("action=\"/proposals/{kept}/withdraw\"");
    assert!(behind_details(&html, &action), "withdraw asks twice");
    assert!(html.contains("<summary>Withdraw this proposal…</summary>"));
    let form = &html[html.find(&action).expect("form")..];
    assert!(form[..form.find("</form>").expect("end")].contains(">Withdraw</button>"));
    assert!(!form[..form.find("</form>").expect("end")].contains("data-confirm"));

    // rejecting ticked rows: a confirmation page first; nothing changes until it is confirmed
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("name=\"confirmed\" value=\"\" data-confirmed"));
    let field = format!("p_{doomed}");
    let (status, _, html) = post(
        app,
        &chair,
        "/events/rust-mc/decisions",
        &[
            ("csrf_token", &csrf),
            ("return_to", "/events/rust-mc/dashboard?track=rust"),
            (&field, "on"),
            ("decision", "reject"),
            ("note", "thin"),
        ],
    )
    .await;
    assert_eq!(status, 200, "a confirmation page");
    assert_accessible(&html, "the confirmation page");
    assert!(html.contains("<h1 id=\"confirm-heading\">Reject 1 proposal?</h1>"));
    assert!(html.contains("<li>Doomed: yet another linked list</li>"));
    assert!(!html.contains("Spared: const generics"));
    for hidden in [
        format!("name=\"{field}\" value=\"on\""),
        "name=\"decision\" value=\"reject\"".to_owned(),
        "name=\"note\" value=\"thin\"".to_owned(),
        "name=\"confirmed\" value=\"yes\"".to_owned(),
    ] {
        assert!(html.contains(&hidden), "{hidden}");
    }
    assert!(html.contains(">Yes, reject the selected proposals</button>"));
    assert!(
        html.contains("href=\"/events/rust-mc/dashboard?track=rust\""),
        "cancel"
    );
    let seen = proposal_json(app, &c.chair.token, &doomed).await;
    assert!(seen["decision"].is_null(), "nothing decided yet: {seen}");
    let (status, location, _) = post(
        app,
        &chair,
        "/events/rust-mc/decisions",
        &[
            ("csrf_token", &csrf),
            ("return_to", "/events/rust-mc/dashboard"),
            (&field, "on"),
            ("decision", "reject"),
            ("note", "thin"),
            ("confirmed", "yes"),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/events/rust-mc/dashboard")
    );
    let seen = proposal_json(app, &c.chair.token, &doomed).await;
    assert_eq!(seen["decision"]["decision"], "reject");
    // accepting needs no second step
    let field = format!("p_{kept}");
    let (status, _, _) = post(
        app,
        &chair,
        "/events/rust-mc/decisions",
        &[
            ("csrf_token", &csrf),
            (&field, "on"),
            ("decision", "accept"),
        ],
    )
    .await;
    assert_eq!(status, 303);

    // rejecting a whole track and unpublishing sit behind a disclosure
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(behind_details(
        &html,
        "Yes, reject every undecided proposal of this track"
    ));
    let path = format!("{EVENT}/publish");
    api(app, Method::POST, &path, &c.chair.token, None, 200).await;
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(behind_details(
        &html,
        "action=\"/events/rust-mc/unpublish\""
    ));

    // declining an accepted talk, on its page and on the confirmation page
    release(app, &c.chair.token).await;
    for page in [
        format!("/proposals/{kept}"),
        format!("/proposals/{kept}/confirm"),
    ] {
        let (status, html) = app.page(&speaker, &page).await;
        assert_eq!(status, 200);
        assert!(
            behind_details(&html, &format!("action=\"/proposals/{kept}/decline\"")),
            "{page}: declining asks twice"
        );
        assert_accessible(&html, &page);
    }
    // the public list of accepted talks is accessible too
    let (status, html) = app
        .page(&app.new_client(), "/events/rust-mc/accepted")
        .await;
    assert_eq!(status, 200);
    assert_accessible(&html, "the accepted talks");
    // and withdrawing through the second step works
    let (status, _, _) = post(
        app,
        &speaker,
        &format!("/proposals/{spared}/withdraw"),
        &[("csrf_token", &speaker_csrf)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&speaker, &format!("/proposals/{spared}")).await;
    assert!(html.contains("The proposal is withdrawn."));
    assert!(html.contains("role=\"status\""));
}
