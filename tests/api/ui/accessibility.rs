//! The accessibility basics of every page every role reaches, forms with errors included.

use serde_json::json;

use super::{CHAIR_PAGES, QUEUE, assert_accessible, attr, tags};
use crate::helpers::{Committee, TestApp, assign, patch_event, post, submit};

/// A browser per role, signed in (the visitor is not), with its CSRF token.
struct Browsers {
    visitor: reqwest::Client,
    speaker: (reqwest::Client, String),
    reviewer: (reqwest::Client, String),
    chair: (reqwest::Client, String),
    admin: reqwest::Client,
}

async fn browsers(c: &Committee) -> Browsers {
    let app = &c.app;
    Browsers {
        visitor: app.new_client(),
        speaker: app.browser_signed_in(&c.speaker.email).await,
        reviewer: app.browser_signed_in(&c.rita.email).await,
        chair: app.browser_signed_in(&c.chair.email).await,
        admin: app.browser_signed_in("admin@example.org").await.0,
    }
}

/// Every page each role reaches has the basics; error pages too.
async fn assert_every_page_of_every_role(app: &TestApp, b: &Browsers, id: &str) {
    let proposal = format!("/proposals/{id}");
    let edit = format!("/proposals/{id}/edit");
    let pages: Vec<(&str, &reqwest::Client, Vec<&str>)> = vec![
        (
            "visitor",
            &b.visitor,
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
            &b.speaker.0,
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
        (
            "reviewer",
            &b.reviewer.0,
            vec![QUEUE, &proposal, "/proposals"],
        ),
        (
            "chair",
            &b.chair.0,
            CHAIR_PAGES
                .iter()
                .copied()
                .chain([QUEUE, "/events/rust-mc", proposal.as_str()])
                .collect(),
        ),
        ("admin", &b.admin, vec!["/events/new", "/account"]),
    ];
    for (who, browser, paths) in &pages {
        for path in paths {
            let (status, html) = app.page(browser, path).await;
            assert_eq!(status, 200, "{who} {path}");
            assert_accessible(&html, &format!("{who} {path}"));
        }
    }
    let unknown = format!("/proposals/{}", uuid::Uuid::new_v4());
    let (status, html) = app.page(&b.speaker.0, &unknown).await;
    assert_eq!(status, 404);
    assert!(html.contains("<html lang=\"en\">") && tags(&html, "main").len() == 1);
}

/// The submission form with errors keeps the typed input and links each message.
async fn the_submission_form_with_errors(app: &TestApp, b: &Browsers) {
    let (speaker, csrf) = &b.speaker;
    let (_, form) = app.page(speaker, "/events/rust-mc/submit").await;
    let form_token = tags(&form, "input")
        .into_iter()
        .find(|t| attr(t, "name") == Some("form_token"))
        .expect("form token");
    let token = attr(form_token, "value").expect("value").to_owned();
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("form_token", &token),
        ("title", "Tiny"),
        ("abstract", "Too short, kept as typed"),
        ("format", "talk"),
        ("links", "ftp://not-a-web-link"),
    ];
    let (status, _, html) = post(app, speaker, "/events/rust-mc/submit", &fields).await;
    assert_eq!(status, 422);
    assert_accessible(&html, "the submission form with errors");
    assert!(html.contains("value=\"Tiny\"") && html.contains("Too short, kept as typed"));
    assert!(html.contains("aria-describedby=\"title-hint title-error\""));
    assert!(html.contains("aria-describedby=\"links-hint links-error\""));
    assert!(html.contains("role=\"alert\""));
}

/// The review and members forms with errors, likewise.
async fn the_review_and_members_forms_with_errors(app: &TestApp, b: &Browsers, id: &str) {
    let (reviewer, reviewer_csrf) = &b.reviewer;
    let fields = [
        ("csrf_token", reviewer_csrf.as_str()),
        ("score", "9"),
        ("confidence", "2"),
        ("comment_for_chairs", "Typed and kept"),
    ];
    let (status, _, html) = post(app, reviewer, &format!("/proposals/{id}/review"), &fields).await;
    assert_eq!(status, 422);
    assert_accessible(&html, "the review form with errors");
    assert!(html.contains("for=\"confidence-2\"") && html.contains("id=\"confidence-2\""));
    assert!(html.contains("Typed and kept"));

    let (chair, chair_csrf) = &b.chair;
    let fields = [
        ("csrf_token", chair_csrf.as_str()),
        ("email", "not an address"),
        ("role", "chair"),
        ("tracks", "rust, no-such-track"),
    ];
    let (status, _, html) = post(app, chair, "/events/rust-mc/members", &fields).await;
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
}

/// Flashes: errors interrupt, confirmations wait their turn.
async fn flashes_are_announced(app: &TestApp, b: &Browsers) {
    let (chair, csrf) = &b.chair;
    let nothing_ticked = [("csrf_token", csrf.as_str()), ("decision", "accept")];
    let (status, _, _) = post(app, chair, "/events/rust-mc/decisions", &nothing_ticked).await;
    assert_eq!(status, 303);
    let (_, html) = app.page(chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("<div class=\"flash flash-error\" role=\"alert\">Tick at least one"));
    let close = [("csrf_token", csrf.as_str()), ("action", "close")];
    let (status, _, _) = post(app, chair, "/events/rust-mc/review-phase", &close).await;
    assert_eq!(status, 303);
    let (_, html) = app.page(chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("class=\"flash flash-success\" role=\"status\""));
}

/// The stylesheet: visible focus, wide tables scroll in their box, no table turned to blocks;
/// and every table of the chairs' pages sits in such a box.
async fn the_stylesheet_and_wide_tables(app: &TestApp, b: &Browsers) {
    let (status, css) = app.page(&b.visitor, "/static/style.css").await;
    assert_eq!(status, 200);
    assert!(css.contains(":focus-visible { outline: 3px solid"));
    assert!(css.contains(".table-wrap { position: relative; overflow-x: auto;"));
    assert!(!css.contains("table, thead, tbody, tr, th, td { display: block; }"));
    assert!(css.contains("@media (max-width: 40rem)"));
    for path in ["/events/rust-mc/dashboard", "/events/rust-mc/ranking"] {
        let (_, html) = app.page(&b.chair.0, path).await;
        let tables = tags(&html, "table").len();
        let wrapped = html.matches("<div class=\"table-wrap\"").count();
        assert_eq!(tables, wrapped, "{path}: every table scrolls in its box");
    }
}

#[tokio::test]
async fn every_page_of_every_role_has_a_language_landmarks_and_labelled_fields() {
    let c = Committee::spawn().await;
    let app = &c.app;
    patch_event(app, &c.admin, json!({"review_open": true})).await;
    let id = submit(app, &c.speaker.token, "A Rust NVMe driver").await;
    assign(app, &c.chair.token, &id, &[&c.rita.id]).await;
    let b = browsers(&c).await;
    assert_every_page_of_every_role(app, &b, &id).await;
    // forms that come back with errors keep the typed input and link each message
    the_submission_form_with_errors(app, &b).await;
    the_review_and_members_forms_with_errors(app, &b, &id).await;
    flashes_are_announced(app, &b).await;
    the_stylesheet_and_wide_tables(app, &b).await;
}
