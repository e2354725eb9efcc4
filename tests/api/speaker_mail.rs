//! The chairs' email to a selection of speakers (`POST /events/{slug}/emails` and its preview):
//! who a selection reaches, that the preview is exactly what is delivered, one email per person,
//! the event's contact address as Reply-To, validation, roles and idempotent retries.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    EVENT, Person, Proposal, TestApp, add_member, answer, api, decide, field_error, patch_event,
    person, release, send, set_track, submit,
};

const CONTACT: &str = "rust-mc@lpc.example";

/// An event with every kind of proposal: Ada's two accepted talks (one confirmed, with Cora as
/// co-speaker), Bob's rejected, Cy's waitlisted, Dee's undecided (filed under `rust`), Eve's
/// withdrawn; the decisions released, every email so far delivered.
struct Scene {
    app: TestApp,
    chair: String,
    ada: Person,
    cora: Person,
    bob: Person,
    cy: Person,
    dee: Person,
    eve: Person,
    reviewer: Person,
    confirmed: String,
    unconfirmed: String,
    rejected: String,
    withdrawn: String,
}

async fn scene() -> Scene {
    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(crate::helpers::SLUG).await;
    patch_event(&app, &chair, json!({"contact_email": CONTACT})).await;
    let ada = person(&app, "ada@speakers.test", "Ada Lovelace").await;
    let cora = person(&app, "cora@speakers.test", "Cora Cospeaker").await;
    let bob = person(&app, "bob@speakers.test", "Bob Rejected").await;
    let cy = person(&app, "cy@speakers.test", "Cy Waitlisted").await;
    let dee = person(&app, "dee@speakers.test", "Dee Undecided").await;
    let eve = person(&app, "eve@speakers.test", "Eve Withdrawn").await;
    let reviewer = person(&app, "rita@reviewers.test", "Rita Reviewer").await;
    add_member(&app, &chair, &reviewer.email, "reviewer").await;
    let confirmed = submit(
        &app,
        &ada.token,
        Proposal::titled("Confirmed driver talk").co_speakers(&[&cora]),
    )
    .await;
    let unconfirmed = submit(&app, &ada.token, "Unconfirmed second talk").await;
    let rejected = submit(&app, &bob.token, "Rejected talk of Bob").await;
    let waitlisted = submit(&app, &cy.token, "Waitlisted talk of Cy").await;
    let undecided = submit(&app, &dee.token, "Undecided talk of Dee").await;
    let withdrawn = submit(&app, &eve.token, "Withdrawn talk of Eve").await;
    set_track(&app, &chair, &undecided, "rust").await;
    for id in [&confirmed, &unconfirmed, &rejected, &waitlisted] {
        set_track(&app, &chair, id, "rust-for-linux").await;
    }
    answer(&app, &eve.token, &withdrawn, "withdraw").await;
    decide(&app, &chair, &confirmed, "accept").await;
    decide(&app, &chair, &unconfirmed, "accept").await;
    decide(&app, &chair, &rejected, "reject").await;
    decide(&app, &chair, &waitlisted, "waitlist").await;
    release(&app, &chair).await;
    answer(&app, &ada.token, &confirmed, "confirm").await;
    app.deliver_emails().await;
    Scene {
        app,
        chair,
        ada,
        cora,
        bob,
        cy,
        dee,
        eve,
        reviewer,
        confirmed,
        unconfirmed,
        rejected,
        withdrawn,
    }
}

fn request(to: Value) -> Value {
    json!({"to": to, "subject": "News for {{speaker_name}}", "body": "Dear {{speaker_name}},\n\n{{proposals}}\n"})
}

async fn preview(s: &Scene, to: Value) -> Value {
    let path = format!("{EVENT}/emails/preview");
    api(
        &s.app,
        Method::POST,
        &path,
        &s.chair,
        Some(&request(to)),
        200,
    )
    .await
}

/// The addresses a selection reaches, from the preview.
async fn reached(s: &Scene, to: Value) -> BTreeSet<String> {
    let preview = preview(s, to).await;
    let messages = preview["messages"].as_array().expect("messages");
    assert_eq!(preview["recipients"].as_u64(), Some(messages.len() as u64));
    messages
        .iter()
        .map(|m| {
            let to = m["to"].as_str().expect("to");
            to.rsplit('<')
                .next()
                .expect("address")
                .trim_end_matches('>')
                .to_owned()
        })
        .collect()
}

fn set(addresses: &[&Person]) -> BTreeSet<String> {
    addresses.iter().map(|p| p.email.clone()).collect()
}

#[tokio::test]
async fn a_selection_is_the_union_of_states_within_the_tracks_plus_the_ticked_proposals() {
    let s = scene().await;
    let (ada, cora, bob, cy, dee) = (&s.ada, &s.cora, &s.bob, &s.cy, &s.dee);
    assert_eq!(
        reached(&s, json!({"states": ["accepted"]})).await,
        set(&[ada, cora])
    );
    assert_eq!(
        reached(&s, json!({"states": ["confirmed"]})).await,
        set(&[ada, cora])
    );
    assert_eq!(
        reached(&s, json!({"states": ["unconfirmed"]})).await,
        set(&[ada])
    );
    assert_eq!(
        reached(&s, json!({"states": ["rejected"]})).await,
        set(&[bob])
    );
    assert_eq!(
        reached(&s, json!({"states": ["waitlisted"]})).await,
        set(&[cy])
    );
    // every proposal not withdrawn, whatever its decision: never Eve
    assert_eq!(
        reached(&s, json!({"states": ["submitted"]})).await,
        set(&[ada, cora, bob, cy, dee])
    );
    assert_eq!(
        reached(&s, json!({"states": ["rejected", "waitlisted"]})).await,
        set(&[bob, cy])
    );
    // tracks narrow the states; alone they select the track's proposals
    assert_eq!(reached(&s, json!({"tracks": ["rust"]})).await, set(&[dee]));
    assert_eq!(
        reached(&s, json!({"states": ["rejected"], "tracks": ["rust"]})).await,
        BTreeSet::new()
    );
    // ticked proposals add to the rest
    assert_eq!(
        reached(
            &s,
            json!({"states": ["waitlisted"], "proposal_ids": [s.rejected]})
        )
        .await,
        set(&[bob, cy])
    );
    // the confirmed talk's proposal list for Ada names only what the selection holds
    let confirmed = preview(&s, json!({"states": ["confirmed"]})).await;
    let of_ada = confirmed["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["to"].as_str().is_some_and(|t| t.contains(&ada.email)))
        .expect("Ada's message")
        .clone();
    assert_eq!(of_ada["proposals"].as_array().map(Vec::len), Some(1));
    assert_eq!(of_ada["proposals"][0]["id"], s.confirmed.as_str());
    s.app.allow_undelivered();
    let _ = (&s.eve, &s.withdrawn, &s.unconfirmed);
}

#[tokio::test]
async fn the_group_email_is_delivered_once_per_person_as_previewed_with_reply_to() {
    let s = scene().await;
    let to = json!({"states": ["accepted", "rejected"]});
    let body = json!({"to": to, "subject": "{{event_title}}: news for {{speaker_name}}",
        "body": "Dear {{speaker_name}},\n\nabout {{proposal_title}} ({{proposal_url}}):\n{{proposals}}\n\n{{event_url}}\n"});
    let preview = api(
        &s.app,
        Method::POST,
        &format!("{EVENT}/emails/preview"),
        &s.chair,
        Some(&body),
        200,
    )
    .await;
    assert_eq!(preview["recipients"], 3, "Ada once, Cora, Bob: {preview}");
    let before = s.app.mail.emails().len();
    let sent = api(
        &s.app,
        Method::POST,
        &format!("{EVENT}/emails"),
        &s.chair,
        Some(&body),
        202,
    )
    .await;
    assert_eq!(sent["queued"], 3);
    s.app.deliver_emails().await;
    let delivered: Vec<_> = s.app.mail.emails().split_off(before);
    assert_eq!(delivered.len(), 3, "one message per recipient");
    for message in preview["messages"].as_array().expect("messages") {
        let address = message["to"]
            .as_str()
            .expect("to")
            .rsplit('<')
            .next()
            .expect("address")
            .trim_end_matches('>')
            .to_owned();
        let got: Vec<_> = delivered
            .iter()
            .filter(|e| e.to == [address.clone()])
            .collect();
        assert_eq!(got.len(), 1, "one email to {address}");
        let email = got[0];
        assert_eq!(
            email.subject(),
            message["subject"].as_str().expect("subject")
        );
        assert!(
            email
                .text()
                .replace("\r\n", "\n")
                .contains(message["body"].as_str().expect("body").trim()),
            "the delivered text is the previewed one: {}\n---\n{}",
            email.text(),
            message["body"]
        );
        assert_eq!(email.header("Reply-To").as_deref(), Some(CONTACT));
        assert!(!email.text().contains("{{"), "placeholders filled");
    }
    let to_ada = delivered
        .iter()
        .find(|e| e.to == [s.ada.email.clone()])
        .expect("Ada's email");
    assert_eq!(to_ada.subject(), "Rust MC: news for Ada Lovelace");
    let text = to_ada.text();
    assert!(text.contains("Dear Ada Lovelace"), "{text}");
    assert!(text.contains("Confirmed driver talk"), "{text}");
    assert!(
        text.contains("Unconfirmed second talk"),
        "both talks: {text}"
    );
    assert!(
        text.contains(&format!("/proposals/{}", s.unconfirmed)),
        "{text}"
    );
    assert!(text.contains("/events/rust-mc"), "{text}");
    // the history
    let history = api(
        &s.app,
        Method::GET,
        &format!("{EVENT}/emails"),
        &s.chair,
        None,
        200,
    )
    .await;
    assert_eq!(history["items"][0]["recipients"], 3);
    assert_eq!(
        history["items"][0]["subject"],
        "{{event_title}}: news for {{speaker_name}}"
    );
}

#[tokio::test]
async fn bad_mailings_are_422s_naming_the_field_and_only_chairs_may_write() {
    let s = scene().await;
    let path = format!("{EVENT}/emails");
    let preview_path = format!("{EVENT}/emails/preview");
    let problem = api(
        &s.app,
        Method::POST,
        &path,
        &s.chair,
        Some(&request(json!({}))),
        422,
    )
    .await;
    assert!(field_error(&problem, "to"), "{problem}");
    let unknown =
        json!({"to": {"states": ["accepted"]}, "subject": "Hi {{speker_name}}", "body": "x"});
    let problem = api(&s.app, Method::POST, &path, &s.chair, Some(&unknown), 422).await;
    assert!(field_error(&problem, "subject"), "{problem}");
    let unknown = json!({"to": {"states": ["accepted"]}, "subject": "Hi", "body": "{{nope}}"});
    let problem = api(
        &s.app,
        Method::POST,
        &preview_path,
        &s.chair,
        Some(&unknown),
        422,
    )
    .await;
    assert!(field_error(&problem, "body"), "{problem}");
    let long = json!({"to": {"states": ["accepted"]}, "subject": "x".repeat(201), "body": "x"});
    let problem = api(&s.app, Method::POST, &path, &s.chair, Some(&long), 422).await;
    assert!(field_error(&problem, "subject"), "{problem}");
    let problem = api(
        &s.app,
        Method::POST,
        &path,
        &s.chair,
        Some(&request(json!({"tracks": ["no-such-track"]}))),
        422,
    )
    .await;
    assert!(field_error(&problem, "to.tracks"), "{problem}");
    let repeated = request(json!({"states": ["accepted", "accepted"]}));
    let problem = api(&s.app, Method::POST, &path, &s.chair, Some(&repeated), 422).await;
    assert!(field_error(&problem, "to.states"), "{problem}");
    // a proposal of another event
    let admin = s.chair.clone();
    crate::helpers::create_event(
        &s.app,
        &admin,
        &crate::helpers::event_body("other-mc", "Other MC", "", "UTC"),
    )
    .await;
    let elsewhere = submit(
        &s.app,
        &s.dee.token,
        Proposal::titled("Talk at the other MC").to("other-mc"),
    )
    .await;
    let problem = api(
        &s.app,
        Method::POST,
        &path,
        &s.chair,
        Some(&request(json!({"proposal_ids": [elsewhere]}))),
        422,
    )
    .await;
    assert!(field_error(&problem, "to.proposal_ids"), "{problem}");
    // nobody reached: nothing to send
    let problem = api(
        &s.app,
        Method::POST,
        &path,
        &s.chair,
        Some(&request(
            json!({"states": ["rejected"], "tracks": ["rust"]}),
        )),
        422,
    )
    .await;
    assert!(field_error(&problem, "to"), "{problem}");
    // roles: a reviewer and a speaker are refused, anonymous is asked to sign in
    let good = request(json!({"states": ["submitted"]}));
    for token in [&s.reviewer.token, &s.ada.token] {
        for p in [&path, &preview_path] {
            let (status, text) = send(&s.app, Method::POST, p, Some(token), Some(&good)).await;
            assert_eq!(status, 403, "{p}: {text}");
        }
    }
    let (status, _) = send(&s.app, Method::POST, &path, None, Some(&good)).await;
    assert_eq!(status, 401);
    let (status, _) = send(&s.app, Method::GET, &path, Some(&s.ada.token), None).await;
    assert_eq!(status, 403);
    s.app.allow_undelivered();
}

#[tokio::test]
async fn a_retried_send_with_the_same_idempotency_key_sends_nothing_new() {
    let s = scene().await;
    let body = request(json!({"states": ["rejected"]}));
    let post = || {
        s.app
            .new_client()
            .post(s.app.url(&format!("{EVENT}/emails")))
            .bearer_auth(&s.chair)
            .header("Idempotency-Key", "mail-1")
            .json(&body)
            .send()
    };
    let first = post().await.expect("first");
    assert_eq!(first.status(), 202);
    let first: Value = first.json().await.expect("json");
    let second = post().await.expect("second");
    assert_eq!(second.status(), 202);
    let second: Value = second.json().await.expect("json");
    assert_eq!(first, second);
    let before = s.app.mail.emails().len();
    s.app.deliver_emails().await;
    let delivered = s.app.mail.emails().split_off(before);
    assert_eq!(delivered.len(), 1, "Bob gets one email");
    let history = api(
        &s.app,
        Method::GET,
        &format!("{EVENT}/emails"),
        &s.chair,
        None,
        200,
    )
    .await;
    assert_eq!(history["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn the_write_to_speakers_page_previews_sends_and_the_outbox_shows_the_body() {
    let s = scene().await;
    let app = &s.app;
    let (browser, csrf) = app.browser_signed_in("admin@example.org").await;
    // from the dashboard's ticked rows
    let (status, page) = app
        .page(
            &browser,
            &format!("/events/rust-mc/mail?p_{}=on", s.rejected),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Plus the 1 proposal ticked on the dashboard"),
        "{page}"
    );
    assert!(page.contains("{{speaker_name}}"), "the placeholder list");
    let ticked = format!("p_{}", s.rejected);
    let fields = |action: &'static str| {
        vec![
            ("csrf_token", csrf.clone()),
            (ticked.as_str(), "on".to_owned()),
            ("state_waitlisted", "on".to_owned()),
            ("subject", "A word for {{speaker_name}}".to_owned()),
            (
                "body",
                "Hello {{speaker_name}}, about {{proposal_title}}.".to_owned(),
            ),
            ("action", action.to_owned()),
        ]
    };
    let as_refs = |f: &Vec<(&str, String)>| -> Vec<(String, String)> {
        f.iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    };
    let response = browser
        .post(app.url("/events/rust-mc/mail"))
        .form(&as_refs(&fields("preview")))
        .send()
        .await
        .expect("preview");
    assert_eq!(response.status(), 200);
    let page = response.text().await.expect("page");
    assert!(
        page.contains("Hello Bob Rejected, about Rejected talk of Bob."),
        "{page}"
    );
    assert!(page.contains("Hello Cy Waitlisted"), "{page}");
    assert!(page.contains("Send to 2 speakers"), "{page}");
    // without a CSRF token nothing is sent
    let mut forged = as_refs(&fields("send"));
    forged.retain(|(k, _)| k != "csrf_token");
    let response = browser
        .post(app.url("/events/rust-mc/mail"))
        .form(&forged)
        .send()
        .await
        .expect("forged");
    assert_ne!(response.status(), 303);
    let response = browser
        .post(app.url("/events/rust-mc/mail"))
        .form(&as_refs(&fields("send")))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 303);
    let (_, page) = app.page(&browser, "/events/rust-mc/mail").await;
    assert!(page.contains("2 emails queued"), "{page}");
    assert!(
        page.contains("A word for {{speaker_name}}"),
        "the history: {page}"
    );
    // the outbox page shows each email's text and its Reply-To
    let (_, outbox) = app.page(&browser, "/events/rust-mc/outbox").await;
    assert!(
        outbox.contains("Hello Cy Waitlisted, about Waitlisted talk of Cy."),
        "{outbox}"
    );
    assert!(outbox.contains(&format!("Reply-To: {CONTACT}")), "{outbox}");
    app.deliver_emails().await;
    // speakers and reviewers do not get the page
    for email in [&s.ada.email, &s.reviewer.email] {
        let (other, _) = app.browser_signed_in(email).await;
        assert_eq!(app.page(&other, "/events/rust-mc/mail").await.0, 403);
    }
}
