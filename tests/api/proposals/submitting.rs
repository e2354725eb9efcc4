//! Submitting: with a co-speaker, validation naming each field, normalization, idempotency
//! and the limits.

use reqwest::Method;
use serde_json::{Value, json};

use super::{ABSTRACT_RUST, PROPOSALS, post_proposal, rust_talk};
use crate::helpers::{
    KERNEL_ABSTRACT, Person, Proposal, SpawnOptions, TestApp, api, person, send, submit,
    token_after,
};

/// Ada submits a proposal with Grace as a co-speaker, a link and notes: it is trimmed, tagged,
/// and both get an email. Returns the proposal and the invitation token.
async fn ada_invites_grace(app: &TestApp, ada: &Person) -> (Value, String) {
    let proposal = Proposal::titled("  A Rust NVMe driver  ")
        .abstract_text(KERNEL_ABSTRACT)
        .invite(&["Grace@Example.org"])
        .links(&["https://lwn.net/Articles/904681/"])
        .notes("Happy to merge with a Binder talk.");
    let created = post_proposal(app, &ada.token, &proposal, 201).await;
    assert_eq!(created["title"], "A Rust NVMe driver", "trimmed");
    assert_eq!(created["event"], "rust-mc");
    assert_eq!(created["state"], "submitted");
    assert_eq!(created["format"], "talk");
    assert_eq!(
        created["speakers"],
        json!([{"name": "Ada", "email": "ada@example.org", "affiliation": "", "bio": "",
            "pronouns": "", "photo_url": null}])
    );
    assert_eq!(created["invited"], json!(["Grace@Example.org"]));
    assert_eq!(
        created["links"],
        json!(["https://lwn.net/Articles/904681/"])
    );
    assert_eq!(created["tags"]["source"], "auto");
    assert_eq!(created["tags"]["track"], "rust-for-linux");
    assert!(
        created["tags"]["evidence"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );
    assert!(
        created["tags"]["confidence"]
            .as_f64()
            .is_some_and(|c| c > 0.5 && c <= 1.0)
    );

    assert_eq!(app.deliver_emails().await.sent, 2);
    let emails = app.mail.emails();
    let receipt = emails
        .iter()
        .find(|e| e.to == ["ada@example.org"])
        .expect("receipt");
    assert!(
        receipt.subject().contains("A Rust NVMe driver"),
        "{:?} / {}",
        receipt.header("Subject"),
        receipt.subject()
    );
    let id = created["id"].as_str().expect("id");
    assert!(receipt.text().contains(&format!("proposals/{id}")));
    let invitation = emails
        .iter()
        .find(|e| e.to == ["Grace@Example.org"])
        .expect("invitation");
    assert!(
        invitation
            .subject()
            .starts_with("Ada invites you to co-present")
    );
    let token = token_after(&invitation.text(), "/invitations/");
    assert!(token.starts_with("mcfpi_"));
    (created, token)
}

#[tokio::test]
async fn submit_with_a_co_speaker_who_accepts_the_emailed_invitation() {
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    let ada = person(&app, "ada@example.org", "Ada").await;
    let (created, token) = ada_invites_grace(&app, &ada).await;

    // Grace has no account yet: she registers, then accepts.
    let grace = person(&app, "grace@example.org", "Grace").await.token;
    let id = created["id"].as_str().expect("id");
    let path = format!("/api/v1/proposals/{id}");
    let (status, _) = send(&app, Method::GET, &path, Some(&grace), None).await;
    assert_eq!(status, 404, "not yet");
    let accept = "/api/v1/invitations/accept";
    let view = api(
        &app,
        Method::POST,
        accept,
        &grace,
        Some(&json!({"token": token})),
        200,
    )
    .await;
    assert_eq!(
        view["speakers"],
        json!([{"name": "Ada", "email": "ada@example.org", "affiliation": "", "bio": "", "pronouns": "", "photo_url": null}, {"name": "Grace", "email": "grace@example.org", "affiliation": "", "bio": "", "pronouns": "", "photo_url": null}])
    );
    assert_eq!(view["invited"], json!([]));
    // as a speaker she may edit
    let title = json!({"title": "A Rust NVMe driver, two years on"});
    api(&app, Method::PATCH, &path, &grace, Some(&title), 200).await;
    // the token cannot be reused by a third account
    let eve = person(&app, "eve@example.org", "Eve").await.token;
    api(
        &app,
        Method::POST,
        accept,
        &eve,
        Some(&json!({"token": token})),
        409,
    )
    .await;
    let bogus = json!({"token": "mcfpi_nope"});
    api(&app, Method::POST, accept, &eve, Some(&bogus), 422).await;
}

#[tokio::test]
async fn bad_proposals_get_422_naming_each_field() {
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    app.register("ada@example.org", "Ada").await;
    let ada = app.login("ada@example.org").await;
    let cases = [
        (
            json!({"title": "Rust", "abstract": ABSTRACT_RUST, "format": "talk"}),
            "title",
        ),
        (
            json!({"title": "Rust in GCC", "abstract": "Too short.", "format": "talk"}),
            "abstract",
        ),
        (
            json!({"title": "Rust in GCC", "abstract": ABSTRACT_RUST, "format": "keynote"}),
            "format",
        ),
        (
            json!({"title": "Rust in GCC", "abstract": ABSTRACT_RUST, "format": "talk", "track": "go"}),
            "track",
        ),
        (
            json!({"title": "Rust in GCC", "abstract": ABSTRACT_RUST, "format": "talk", "notes": "x".repeat(5001)}),
            "notes",
        ),
        (
            json!({"title": "Rust\u{0007} in GCC", "abstract": ABSTRACT_RUST, "format": "talk"}),
            "title",
        ),
        (
            json!({"title": "Rust in GCC", "abstract": ABSTRACT_RUST, "format": "talk", "co_speakers": ["ok@example.org", "bad"]}),
            "co_speakers[1]",
        ),
        (
            json!({"title": "Rust in GCC", "abstract": ABSTRACT_RUST, "format": "talk", "co_speakers": ["a@x.org", "A@x.org"]}),
            "co_speakers[1]",
        ),
        (
            json!({"title": "Rust in GCC", "abstract": ABSTRACT_RUST, "format": "talk", "co_speakers": ["ada@example.org"]}),
            "co_speakers[0]",
        ),
        (
            json!({"title": "Rust in GCC", "abstract": ABSTRACT_RUST, "format": "talk", "co_speakers": ["1@x.org", "2@x.org", "3@x.org", "4@x.org", "5@x.org"]}),
            "co_speakers",
        ),
        (
            json!({"title": "Rust in GCC", "abstract": ABSTRACT_RUST, "format": "talk", "links": ["https://ok.org", "javascript:alert(1)"]}),
            "links[1]",
        ),
        (
            json!({"title": "Rust in GCC", "abstract": ABSTRACT_RUST, "format": "talk", "links": vec!["https://a.org"; 11]}),
            "links",
        ),
        (
            json!({"abstract": ABSTRACT_RUST, "format": "talk"}),
            "title",
        ),
        (
            json!({"title": 5, "abstract": ABSTRACT_RUST, "format": "talk"}),
            "title",
        ),
    ];
    for (body, field) in cases {
        let (status, text) = send(&app, Method::POST, PROPOSALS, Some(&ada), Some(&body)).await;
        assert_eq!(status, 422, "{field}: {body}");
        let problem: Value = serde_json::from_str(&text).expect("json");
        assert!(problem["errors"][field].is_array(), "{field} in {problem}");
    }
    // nothing was created, nothing queued
    let list: Value = app
        .call(Method::GET, "/api/v1/events/rust-mc/proposals", &ada, None)
        .await
        .json()
        .await
        .expect("list");
    assert_eq!(list["items"], json!([]));
    assert_eq!(app.deliver_emails().await.sent, 0);
}

#[tokio::test]
async fn text_is_nfc_normalized() {
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    app.register("ada@example.org", "Ada").await;
    let ada = app.login("ada@example.org").await;
    let cafe = rust_talk("Cafe\u{301} and the borrow checker");
    let created = post_proposal(&app, &ada, &cafe, 201).await;
    assert_eq!(created["title"], "Café and the borrow checker");
}

#[tokio::test]
async fn idempotency_key_replays_the_first_response_and_creates_once() {
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    app.register("ada@example.org", "Ada").await;
    let ada = app.login("ada@example.org").await;
    let body = rust_talk("Rust GCC backend status").body();
    let send = |key: &'static str, body: Value| {
        let client = app.new_client();
        let url = app.url("/api/v1/events/rust-mc/proposals");
        let token = ada.clone();
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .expect("send")
        }
    };
    // two at once with the same key: one proposal
    let (a, b) = tokio::join!(send("key-1", body.clone()), send("key-1", body.clone()));
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (201, 201));
    let (a, b): (Value, Value) = (a.json().await.expect("json"), b.json().await.expect("json"));
    assert_eq!(a["id"], b["id"]);
    let again: Value = send("key-1", body.clone())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again["id"], a["id"]);
    // same key, other body
    let mut other = body.clone();
    other["title"] = json!("Something else entirely");
    let mismatch = send("key-1", other).await;
    assert_eq!(mismatch.status(), 422);
    let list: Value = app
        .call(Method::GET, "/api/v1/events/rust-mc/proposals", &ada, None)
        .await
        .json()
        .await
        .expect("list");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(app.deliver_emails().await.sent, 1, "one receipt");
    // another key creates another
    assert_eq!(send("key-2", body).await.status(), 201);
}

#[tokio::test]
async fn per_speaker_limit_and_per_account_rate_limit() {
    let app = TestApp::spawn_with(SpawnOptions {
        submit_rate_per_minute: 4,
        ..Default::default()
    })
    .await;
    let admin = app.admin_with_event("rust-mc").await;
    let patched = app
        .call(
            Method::PATCH,
            "/api/v1/events/rust-mc",
            &admin,
            Some(&json!({"max_proposals_per_speaker": 2})),
        )
        .await;
    assert_eq!(patched.status(), 200);
    app.register("ada@example.org", "Ada").await;
    let ada = app.login("ada@example.org").await;
    let id = submit(&app, &ada, rust_talk("First Rust talk")).await;
    submit(&app, &ada, rust_talk("Second Rust talk")).await;
    post_proposal(&app, &ada, &rust_talk("Third Rust talk"), 409).await;
    // withdrawing frees a place
    assert_eq!(
        send(
            &app,
            Method::POST,
            &format!("/api/v1/proposals/{id}/withdraw"),
            Some(ada.as_str()),
            None
        )
        .await
        .0,
        200
    );
    submit(&app, &ada, rust_talk("Third Rust talk")).await;
    // the fifth request within the minute is refused by the rate limit
    post_proposal(&app, &ada, &rust_talk("Fourth Rust talk"), 429).await;
}
