//! Decisions through the JSON API: deciding, releasing with exactly one email per speaker per
//! proposal, confirming, the outbox, email templates and the published accepted list.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;

const EVENT: &str = "/api/v1/events/rust-mc";
const ABSTRACT: &str = "How a driver written in Rust meets the kernel's C interfaces, which safe \
abstractions it needs, and what we learnt while upstreaming it.";

async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let text = response.text().await.expect("body");
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// A proposal by Sam with Cora as an accepted co-speaker; returns (admin, sam, cora, proposal id).
async fn proposal_with_co_speaker(app: &TestApp) -> (String, String, String, String) {
    let admin = app.admin_with_event("rust-mc").await;
    app.register("sam@example.org", "Sam Speaker").await;
    app.register("cora@example.org", "Cora Cospeaker").await;
    let sam = app.login("sam@example.org").await;
    let cora = app.login("cora@example.org").await;
    let body = json!({"title": "Writing a PCI driver in Rust", "abstract": ABSTRACT, "notes": "",
        "format": "talk", "track": null, "co_speakers": ["cora@example.org"], "links": []});
    let created = json_of(
        app.call(
            Method::POST,
            &format!("{EVENT}/proposals"),
            &sam,
            Some(&body),
        )
        .await,
        201,
    )
    .await;
    let id = created["id"].as_str().expect("id").to_owned();
    app.deliver_emails().await;
    let invitation = app
        .mail
        .emails()
        .into_iter()
        .find(|e| e.subject().contains("invit") || e.text().contains("/invitations/"))
        .expect("invitation email");
    let text = invitation.text();
    let token = text
        .split("/invitations/")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("token in the link")
        .to_owned();
    json_of(
        app.call(
            Method::POST,
            "/api/v1/invitations/accept",
            &cora,
            Some(&json!({"token": token})),
        )
        .await,
        200,
    )
    .await;
    (admin, sam, cora, id)
}

#[tokio::test]
async fn a_release_sends_one_email_per_speaker_once_even_when_repeated_or_concurrent() {
    let app = TestApp::spawn().await;
    let (admin, sam, _cora, id) = proposal_with_co_speaker(&app).await;
    let before = app.mail.emails().len();
    let decided = json_of(
        app.call(
            Method::PUT,
            &format!("/api/v1/proposals/{id}/decision"),
            &admin,
            Some(&json!({"decision": "accept", "note": "strong reviews"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(decided["decision"]["decision"], "accept");
    assert_eq!(decided["decision"]["released"], false);
    // not visible to the speaker before the release
    let seen = json_of(
        app.call(Method::GET, &format!("/api/v1/proposals/{id}"), &sam, None)
            .await,
        200,
    )
    .await;
    assert_eq!(seen["state"], "submitted");
    assert!(seen.get("decision").is_none(), "{seen}");

    let release = format!("{EVENT}/decisions/release");
    let (a, b) = tokio::join!(
        app.call(Method::POST, &release, &admin, None),
        app.call(Method::POST, &release, &admin, None)
    );
    let (a, b) = (json_of(a, 200).await, json_of(b, 200).await);
    let queued = a["queued"].as_u64().unwrap_or(0) + b["queued"].as_u64().unwrap_or(0);
    assert_eq!(queued, 2, "one for Sam, one for Cora: {a} {b}");
    let again = json_of(app.call(Method::POST, &release, &admin, None).await, 200).await;
    assert_eq!(again["queued"], 0);

    app.deliver_emails().await;
    let decision_emails: Vec<_> = app.mail.emails().into_iter().skip(before).collect();
    assert_eq!(decision_emails.len(), 2, "exactly two emails");
    let mut recipients: Vec<String> = decision_emails
        .iter()
        .map(|e| e.header("To").unwrap_or_default())
        .collect();
    recipients.sort();
    assert!(recipients[0].contains("cora@example.org"), "{recipients:?}");
    assert!(recipients[1].contains("sam@example.org"), "{recipients:?}");
    for email in &decision_emails {
        assert!(
            email.subject().starts_with("Accepted at Rust MC"),
            "{}",
            email.subject()
        );
        assert!(email.text().contains(&format!("/proposals/{id}/confirm")));
    }
    let seen = json_of(
        app.call(Method::GET, &format!("/api/v1/proposals/{id}"), &sam, None)
            .await,
        200,
    )
    .await;
    assert_eq!(seen["state"], "accepted");

    // confirm, publish, and the public list shows it without emails
    json_of(
        app.call(
            Method::POST,
            &format!("/api/v1/proposals/{id}/confirm"),
            &sam,
            None,
        )
        .await,
        200,
    )
    .await;
    let public = app
        .new_client()
        .get(app.url(&format!("{EVENT}/accepted")))
        .send()
        .await
        .expect("get");
    assert_eq!(public.status(), 404, "not published yet");
    json_of(
        app.call(Method::POST, &format!("{EVENT}/publish"), &admin, None)
            .await,
        200,
    )
    .await;
    let public = app
        .new_client()
        .get(app.url(&format!("{EVENT}/accepted")))
        .send()
        .await
        .expect("get");
    assert_eq!(public.status(), 200);
    let etag = public
        .headers()
        .get("etag")
        .expect("etag")
        .to_str()
        .expect("ascii")
        .to_owned();
    let text = public.text().await.expect("text");
    assert!(text.contains("Writing a PCI driver in Rust") && text.contains("Cora Cospeaker"));
    assert!(!text.contains("@example.org"), "no emails: {text}");
    let again = app
        .new_client()
        .get(app.url(&format!("{EVENT}/accepted")))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(again.status(), 304);
}
