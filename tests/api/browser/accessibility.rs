//! axe-core on every page of every role, in Chromium: the visitor's, the speaker's, the
//! co-speaker's and the invited member's, the reviewer's, the chair's and the site admin's,
//! with forms shown again with their errors, a confirmation step, the published list and the
//! error pages. 0 violations.

use fantoccini::Locator;
use serde_json::json;

use super::{Driver, browser_available};
use crate::helpers::{
    Committee, Proposal, assign, decide, delivered_token, patch_event, person, publish, release,
    review, review_body, submit,
};

#[tokio::test]
async fn every_page_of_every_role_passes_axe() {
    if !browser_available() {
        return;
    }
    let c = Committee::reviewing().await;
    let app = &c.app;
    patch_event(app, &c.admin, json!({"reviewers_see_all": true})).await;
    let cora = person(app, "cora@speakers.test", "Cora Cospeaker").await;
    let id = submit(
        app,
        &c.speaker.token,
        Proposal::titled("A Rust NVMe driver")
            .abstract_text(
                "Queues, DMA and interrupts of an NVMe driver written in Rust for Linux.",
            )
            .invite(&[&cora.email]),
    )
    .await;
    let other = submit(app, &c.other.token, "Const generics in practice").await;
    assign(app, &c.chair.token, &id, &[&c.rita.id]).await;
    review(
        app,
        &c.rex.token,
        &other,
        &review_body(4, 2, "fine", "fine"),
    )
    .await;
    decide(app, &c.chair.token, &other, "accept").await;
    release(app, &c.chair.token).await;
    publish(app, &c.chair.token).await;
    let invitation = delivered_token(app, &cora.email, "/invitations/").await;

    let driver = Driver::start().await;
    let unknown = format!("/proposals/{}", uuid::Uuid::new_v4());
    let proposal = format!("/proposals/{id}");
    let edit = format!("{proposal}/edit");
    let confirm = format!("/proposals/{other}/confirm");
    let cora_page = format!("/invitations/{invitation}");
    let roles: [(&str, Option<&str>, Vec<&str>); 6] = [
        (
            "visitor",
            None,
            vec![
                "/",
                "/login",
                "/register",
                "/password-reset",
                "/events/rust-mc",
                "/events/rust-mc/accepted",
                "/events/no-such-event",
            ],
        ),
        (
            "speaker",
            Some(&c.speaker.email),
            vec![
                "/",
                "/proposals",
                "/account",
                "/events/rust-mc",
                "/events/rust-mc/submit",
                &proposal,
                &edit,
                &unknown,
            ],
        ),
        (
            "accepted speaker",
            Some(&c.other.email),
            vec!["/proposals", &confirm],
        ),
        ("co-speaker", Some(&cora.email), vec![&cora_page]),
        (
            "reviewer",
            Some(&c.rita.email),
            vec!["/events/rust-mc/review", &proposal, "/proposals"],
        ),
        (
            "chair",
            Some(&c.chair.email),
            vec![
                "/events/rust-mc/dashboard",
                "/events/rust-mc/ranking",
                "/events/rust-mc/emails",
                "/events/rust-mc/outbox",
                "/events/rust-mc/members",
                "/events/rust-mc/settings",
                "/events/rust-mc/review-criteria",
                "/events/rust-mc/questions",
                "/events/rust-mc/mail",
                "/events/rust-mc/programme",
                "/events/rust-mc/review",
                "/events/rust-mc",
                &proposal,
            ],
        ),
    ];
    for (role, email, paths) in roles {
        let browser = driver.browser(app).await;
        if let Some(email) = email {
            browser.sign_in(email).await;
        }
        for path in paths {
            browser.goto(path).await;
            browser.assert_axe_clean(&format!("{role} {path}")).await;
        }
        browser.close().await;
    }

    let admin = driver.browser(app).await;
    admin.sign_in("admin@example.org").await;
    for path in ["/events/new", "/account"] {
        admin.goto(path).await;
        admin.assert_axe_clean(&format!("admin {path}")).await;
    }
    admin.close().await;

    // forms shown again with their messages, and a confirmation step
    let speaker = driver.browser(app).await;
    speaker.sign_in(&c.speaker.email).await;
    speaker.goto("/events/rust-mc/submit").await;
    speaker.fill("#title", "Tiny").await;
    let submit_button = speaker
        .client
        .find(Locator::Css(
            "form[action='/events/rust-mc/submit'] button[type='submit']",
        ))
        .await
        .expect("the submit button");
    speaker.submit_with(submit_button).await;
    speaker
        .assert_axe_clean("the submission form with errors")
        .await;
    speaker.close().await;

    let chair = driver.browser(app).await;
    chair.sign_in(&c.chair.email).await;
    chair.goto("/events/rust-mc/members").await;
    chair.fill("#email", "not an address").await;
    chair.press("Add").await;
    chair.assert_axe_clean("the members form with errors").await;
    chair.goto("/events/rust-mc/ranking").await;
    let unreviewed_accept = chair
        .client
        .find(Locator::Css(&format!("button[value='accept:{id}']")))
        .await
        .expect("Accept");
    // without the page's question (as without JavaScript): the server's confirmation step
    chair
        .client
        .execute(
            "document.querySelectorAll('[data-confirm]').forEach(b => b.removeAttribute('data-confirm'));",
            vec![],
        )
        .await
        .expect("drop the question");
    chair.submit_with(unreviewed_accept).await;
    let text = chair.text().await;
    assert!(text.contains("nobody has reviewed"), "{text}");
    chair.assert_axe_clean("the confirmation step").await;
    chair.close().await;
}
