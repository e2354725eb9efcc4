//! The decision emails: the templates page (checking the wording, previewing what the release
//! sends) and the outbox with its retry.

use super::{DASHBOARD, talk};
use crate::helpers::{
    Committee, OTHER_EMAIL, SPEAKER_EMAIL, SPEAKER_NAME, TestApp, at, between, decide, normalized,
    post, release, submit, unescape,
};

const EMAILS: &str = "/events/rust-mc/emails";
const ACCEPTANCE: &str = "/events/rust-mc/emails/acceptance";
const SUBJECT: &str = "Welcome aboard, {{speaker_name}}: {{proposal_title}}";
const BODY: &str = "Dear {{speaker_name}},\n\n“{{proposal_title}}” is in, in the {{track}} track.\nConfirm here: {{confirm_link}}\n{{#confirm_deadline}}By {{confirm_deadline}}.{{/confirm_deadline}}{{^confirm_deadline}}No deadline.{{/confirm_deadline}}\n";

/// The preview frame inherits the page's policy: the emails' style attributes may apply there,
/// and nothing else is loosened.
async fn assert_the_content_security_policies(app: &TestApp, chair: &reqwest::Client) {
    let response = chair.get(app.url(EMAILS)).send().await.expect("get");
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
}

/// A form per kind, the placeholders, the default wording, the proposal to preview with.
fn assert_the_templates_page(html: &str, id: &str) {
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
}

/// A misspelt placeholder: 422 with the message, the typed text kept, nothing saved; and
/// CSRF-less saves are refused.
async fn post_a_misspelt_placeholder(app: &TestApp, chair: &reqwest::Client, csrf: &str, id: &str) {
    let typed_body = "Hello {{speaker_name}}, typed with care & kept.";
    let fields = [
        ("csrf_token", csrf),
        ("subject", "Welcome {{speeker_name}}"),
        ("body", typed_body),
        ("proposal_id", id),
    ];
    let (status, _, html) = post(app, chair, ACCEPTANCE, &fields).await;
    assert_eq!(status, 422);
    assert!(html.contains("unknown placeholder"), "the message");
    assert!(
        html.contains("Welcome {{speeker_name}}"),
        "the typed subject"
    );
    assert!(unescape(&html).contains(typed_body), "the typed text");
    assert!(html.contains("aria-invalid=\"true\""));
    let (_, html) = app.page(chair, EMAILS).await;
    assert!(!html.contains("speeker_name"), "not saved");
    let (status, _, _) = post(app, chair, ACCEPTANCE, &[("subject", "x"), ("body", "y")]).await;
    assert_eq!(status, 403);
}

/// Previews the typed, unsaved wording for the real proposal; returns the subject and text
/// shown. A preview saves nothing, and a preview for nothing is a message, not a crash.
async fn preview_the_typed_wording(
    app: &TestApp,
    chair: &reqwest::Client,
    csrf: &str,
    id: &str,
) -> (String, String) {
    let preview_path = format!("{ACCEPTANCE}/preview");
    let fields = [
        ("csrf_token", csrf),
        ("subject", SUBJECT),
        ("body", BODY),
        ("proposal_id", id),
    ];
    let (status, _, html) = post(app, chair, &preview_path, &fields).await;
    assert_eq!(status, 200);
    let preview = &html[at(&html, "id=\"preview-acceptance\"")..];
    let shown_subject = unescape(between(preview, "<dd class=\"preview-subject\">", "</dd>"));
    assert_eq!(
        shown_subject,
        format!("[Rust MC] Welcome aboard, {SPEAKER_NAME}: Rust & the kernel's \"C\" side")
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
    assert!(html.contains(SUBJECT));
    let (_, page) = app.page(chair, EMAILS).await;
    assert!(!page.contains("Welcome aboard"), "a preview saves nothing");
    let for_nothing = [
        ("csrf_token", csrf),
        ("subject", SUBJECT),
        ("body", BODY),
        ("proposal_id", ""),
    ];
    let (status, _, html) = post(app, chair, &preview_path, &for_nothing).await;
    assert_eq!(status, 422);
    assert!(html.contains("choose a proposal to preview with"));
    (shown_subject, shown_text)
}

/// Back to the default wording; an unknown kind is a 404.
async fn reset_to_the_default_wording(app: &TestApp, chair: &reqwest::Client, csrf: &str) {
    let token = [("csrf_token", csrf)];
    let (status, _, _) = post(app, chair, &format!("{ACCEPTANCE}/reset"), &token).await;
    assert_eq!(status, 303);
    let (_, html) = app.page(chair, EMAILS).await;
    assert!(html.contains("The acceptance email is back to the default wording."));
    assert!(!html.contains("Welcome aboard"));
    let (status, _, _) = post(app, chair, "/events/rust-mc/emails/nonsense/reset", &token).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_templates_page_checks_the_wording_and_previews_what_the_release_sends() {
    let e = Committee::spawn().await;
    let app = &e.app;
    let title = "Rust & the kernel's \"C\" side";
    let id = submit(app, &e.speaker.token, talk(title, "rust-for-linux")).await;
    decide(app, &e.chair.token, &id, "accept").await;
    let (chair, csrf) = app.browser_signed_in(&e.chair.email).await;
    assert_the_content_security_policies(app, &chair).await;
    let (status, html) = app.page(&chair, EMAILS).await;
    assert_eq!(status, 200);
    assert_the_templates_page(&html, &id);
    post_a_misspelt_placeholder(app, &chair, &csrf, &id).await;
    let (shown_subject, shown_text) = preview_the_typed_wording(app, &chair, &csrf, &id).await;

    // save it, release, and the speaker gets exactly what the preview showed
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("subject", SUBJECT),
        ("body", BODY),
        ("proposal_id", &id),
    ];
    let (status, location, _) = post(app, &chair, ACCEPTANCE, &fields).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/events/rust-mc/emails#tpl-acceptance")
    );
    let (_, html) = app.page(&chair, EMAILS).await;
    assert!(html.contains("The acceptance email is saved"));
    assert!(html.contains("your wording") && html.contains("Back to the default wording"));
    app.deliver_emails().await;
    let before = app.mail.emails().len();
    release(app, &e.chair.token).await;
    app.deliver_emails().await;
    let sent: Vec<_> = app.mail.emails().into_iter().skip(before).collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].subject(), shown_subject);
    let whole = sent[0].clone();
    assert!(whole.text().contains("Sent by mcfp"), "the whole text part");
    assert_eq!(normalized(&whole.text()), normalized(&shown_text));
    reset_to_the_default_wording(app, &chair, &csrf).await;
}

#[tokio::test]
async fn the_outbox_lists_the_emails_and_a_failed_one_can_be_retried() {
    let e = Committee::spawn().await;
    let app = &e.app;
    let accepted = submit(
        app,
        &e.speaker.token,
        talk("A Rust NVMe driver", "rust-for-linux"),
    )
    .await;
    let rejected = submit(app, &e.other.token, talk("Yet another linked list", "rust")).await;
    decide(app, &e.chair.token, &accepted, "accept").await;
    decide(app, &e.chair.token, &rejected, "reject").await;
    app.deliver_emails().await;
    // the mail server refuses everything for a moment
    app.mail.reject(Some(550));
    release(app, &e.chair.token).await;
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
