//! The header's navigation: what each role needs, and nothing else.

use chrono::Utc;
use reqwest::Method;
use serde_json::json;

use super::{CHAIR_PAGES, QUEUE, header};
use crate::helpers::{Committee, TestApp, api, create_event, event_body};

/// A visitor: sign in or register.
async fn a_visitors_header(app: &TestApp) {
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
}

/// A speaker: their proposals, and the open call.
async fn a_speakers_header(app: &TestApp, speaker: &reqwest::Client) {
    let (_, html) = app.page(speaker, "/").await;
    let nav = header(&html);
    assert!(nav.contains("href=\"/proposals\">My proposals</a>"));
    assert!(nav.contains("href=\"/events/rust-mc/submit\">Submit</a>"));
    assert!(nav.contains("href=\"/account\"") && nav.contains("Sign out"));
    assert!(!nav.contains("Your events") && !nav.contains(QUEUE));
    for page in CHAIR_PAGES {
        assert!(!nav.contains(page), "a speaker's header links {page}");
    }
    assert!(!nav.contains("href=\"/events/new\""), "site admins only");
    let (_, html) = app.page(speaker, "/proposals").await;
    assert!(header(&html).contains("href=\"/proposals\" aria-current=\"page\">My proposals</a>"));
}

/// A reviewer: the review queue of their event, no chair page.
async fn a_reviewers_header(app: &TestApp, reviewer: &reqwest::Client) {
    let (_, html) = app.page(reviewer, "/").await;
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
    let (_, html) = app.page(reviewer, QUEUE).await;
    let nav = header(&html);
    assert!(
        nav.contains("href=\"/events/rust-mc/review\" aria-current=\"page\">My review queue</a>")
    );
    assert!(
        nav.contains("class=\"role-group current\""),
        "the page's event stands out"
    );
}

/// A chair: every chair page, and the queue; each chair page marked current.
async fn a_chairs_header(app: &TestApp, chair: &reqwest::Client) {
    let (_, html) = app.page(chair, "/").await;
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
        let (status, html) = app.page(chair, page).await;
        assert_eq!(status, 200, "{page}");
        let nav = header(&html);
        assert!(
            nav.contains(&format!("href=\"{page}\" aria-current=\"page\"")),
            "{page} is marked current"
        );
        assert_eq!(nav.matches("aria-current=\"page\"").count(), 1, "{page}");
        assert!(nav.contains("class=\"role-group current\""), "{page}");
    }
}

/// A site admin: new events; chair links on the page of an event they do not chair.
async fn a_site_admins_header(app: &TestApp) {
    let (admin, _) = app.browser_signed_in("admin@example.org").await;
    let (_, html) = app.page(&admin, "/").await;
    let nav = header(&html);
    assert!(nav.contains("href=\"/events/new\">New event</a>"));
    assert!(!nav.contains("Your events"), "no member of any event");
    let (_, html) = app.page(&admin, "/events/rust-mc/dashboard").await;
    let nav = header(&html);
    assert!(nav.contains("href=\"/events/rust-mc/dashboard\" aria-current=\"page\">Dashboard</a>"));
    assert!(nav.contains("href=\"/events/rust-mc/settings\">Settings</a>"));
}

#[tokio::test]
async fn the_header_links_what_each_role_needs_and_nothing_else() {
    let c = Committee::spawn().await;
    let app = &c.app;
    a_visitors_header(app).await;
    let (speaker, _) = app.browser_signed_in(&c.speaker.email).await;
    a_speakers_header(app, &speaker).await;
    let (reviewer, _) = app.browser_signed_in(&c.rita.email).await;
    a_reviewers_header(app, &reviewer).await;
    let (chair, _) = app.browser_signed_in(&c.chair.email).await;
    a_chairs_header(app, &chair).await;
    a_site_admins_header(app).await;

    // a second open call: "Submit" leads to the list of calls; a closed one is not offered
    let kernel_mc = event_body("kernel-mc", "Kernel MC", "The kernel MC.", "UTC");
    create_event(app, &c.admin, &kernel_mc).await;
    let (_, html) = app.page(&speaker, "/proposals").await;
    assert!(header(&html).contains("href=\"/\">Submit</a>"));
    let (_, html) = app.page(&reviewer, "/").await;
    assert!(
        !header(&html).contains("/events/kernel-mc/"),
        "no role in the second event"
    );
    for slug in ["rust-mc", "kernel-mc"] {
        let closed = (Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
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
