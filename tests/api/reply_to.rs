//! The event's contact address is the Reply-To of every email the event sends (decisions,
//! co-speaker invitations, the chairs' group emails), and none without one; decision emails'
//! subjects name the event.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{
    EVENT, Proposal, SLUG, TestApp, api, decide, patch_event, person, release, submit,
};

const CONTACT: &str = "rust-mc@lpc.example";

#[tokio::test]
async fn decision_and_invitation_emails_carry_the_contact_address_as_reply_to() {
    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    let event = patch_event(&app, &chair, json!({"contact_email": CONTACT})).await;
    assert_eq!(event["contact_email"], CONTACT);
    let ada = person(&app, "ada@speakers.test", "Ada Lovelace").await;
    let id = submit(
        &app,
        &ada.token,
        Proposal::titled("Reply-To for drivers").invite(&["coco@example.org"]),
    )
    .await;
    // a chair's own subject without the event's title gets it as a prefix
    api(
        &app,
        Method::PUT,
        &format!("{EVENT}/email-templates/acceptance"),
        &chair,
        Some(&json!({"subject": "Good news: {{proposal_title}}", "body": "Dear {{speaker_name}}, yes."})),
        200,
    )
    .await;
    decide(&app, &chair, &id, "accept").await;
    release(&app, &chair).await;
    app.deliver_emails().await;
    let emails = app.mail.emails();
    let invitation = emails
        .iter()
        .find(|e| e.to == ["coco@example.org".to_owned()])
        .expect("the invitation");
    assert_eq!(invitation.header("Reply-To").as_deref(), Some(CONTACT));
    let decision = emails
        .iter()
        .rfind(|e| e.to == [ada.email.clone()])
        .expect("the decision");
    assert_eq!(decision.header("Reply-To").as_deref(), Some(CONTACT));
    assert_eq!(
        decision.subject(),
        "[Rust MC] Good news: Reply-To for drivers"
    );
}

#[tokio::test]
async fn the_shipped_decision_subjects_name_the_event_and_no_contact_means_no_reply_to() {
    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    let ada = person(&app, "ada@speakers.test", "Ada Lovelace").await;
    let accepted = submit(&app, &ada.token, "Accepted without contact").await;
    let rejected = submit(&app, &ada.token, "Rejected without contact").await;
    let waitlisted = submit(&app, &ada.token, "Waitlisted without contact").await;
    decide(&app, &chair, &accepted, "accept").await;
    decide(&app, &chair, &rejected, "reject").await;
    decide(&app, &chair, &waitlisted, "waitlist").await;
    release(&app, &chair).await;
    app.deliver_emails().await;
    let emails = app.mail.emails();
    assert!(!emails.is_empty());
    for email in &emails {
        assert_eq!(email.header("Reply-To"), None, "{}", email.subject());
    }
    let decisions: Vec<_> = emails
        .iter()
        .filter(|e| {
            let subject = e.subject();
            ["Accepted at", "Your proposal to", "On the waiting list"]
                .iter()
                .any(|start| subject.starts_with(start))
        })
        .collect();
    assert_eq!(decisions.len(), 3);
    for email in decisions {
        assert!(email.subject().contains("Rust MC"), "{}", email.subject());
    }
    // a bad address is a 422 naming the field; null clears it
    let problem = api(
        &app,
        Method::PATCH,
        EVENT,
        &chair,
        Some(&json!({"contact_email": "not an address"})),
        422,
    )
    .await;
    assert!(
        crate::helpers::field_error(&problem, "contact_email"),
        "{problem}"
    );
    patch_event(&app, &chair, json!({"contact_email": CONTACT})).await;
    let cleared = patch_event(&app, &chair, json!({"contact_email": null})).await;
    assert_eq!(cleared["contact_email"], serde_json::Value::Null);
}
