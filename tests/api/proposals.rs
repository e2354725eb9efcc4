use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{SpawnOptions, TestApp};

const ABSTRACT_RFL: &str = "We present a Rust NVMe driver for the Linux kernel, the safe abstractions it needs \
for PCI, DMA and blk-mq, and how it performs against the C driver.";
const ABSTRACT_RUST: &str = "How rustc_codegen_gcc lets rustc use GCC as a backend, what works today, and what \
remains before it can be used for every target that GCC supports.";

fn proposal(title: &str, abstract_text: &str) -> Value {
    json!({"title": title, "abstract": abstract_text, "notes": "", "format": "talk", "track": null, "co_speakers": [], "links": []})
}

async fn submit(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.call(
        Method::POST,
        "/api/v1/events/rust-mc/proposals",
        token,
        Some(body),
    )
    .await
}

async fn submit_ok(app: &TestApp, token: &str, body: &Value) -> Value {
    let response = submit(app, token, body).await;
    assert_eq!(response.status(), 201);
    response.json().await.expect("json")
}

fn invitation_token(text: &str) -> String {
    let start = text.find("/invitations/").expect("an invitation link") + "/invitations/".len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

#[tokio::test]
async fn submit_with_a_co_speaker_who_accepts_the_emailed_invitation() {
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    app.register("ada@example.org", "Ada").await;
    let ada = app.login("ada@example.org").await;
    let mut body = proposal("  A Rust NVMe driver  ", ABSTRACT_RFL);
    body["co_speakers"] = json!(["Grace@Example.org"]);
    body["links"] = json!(["https://lwn.net/Articles/904681/"]);
    body["notes"] = json!("Happy to merge with a Binder talk.");
    let created = submit_ok(&app, &ada, &body).await;
    assert_eq!(created["title"], "A Rust NVMe driver", "trimmed");
    assert_eq!(created["event"], "rust-mc");
    assert_eq!(created["state"], "submitted");
    assert_eq!(created["format"], "talk");
    assert_eq!(
        created["speakers"],
        json!([{"name": "Ada", "email": "ada@example.org"}])
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
    assert!(receipt.text().contains(&format!(
        "proposals/{}",
        created["id"].as_str().expect("id")
    )));
    let invitation = emails
        .iter()
        .find(|e| e.to == ["Grace@Example.org"])
        .expect("invitation");
    assert!(
        invitation
            .subject()
            .starts_with("Ada invites you to co-present")
    );
    let token = invitation_token(&invitation.text());
    assert!(token.starts_with("mcfpi_"));

    // Grace has no account yet: she registers, then accepts.
    app.register("grace@example.org", "Grace").await;
    let grace = app.login("grace@example.org").await;
    let id = created["id"].as_str().expect("id");
    assert_eq!(
        app.call(
            Method::GET,
            &format!("/api/v1/proposals/{id}"),
            &grace,
            None
        )
        .await
        .status(),
        404,
        "not yet"
    );
    let accepted = app
        .call(
            Method::POST,
            "/api/v1/invitations/accept",
            &grace,
            Some(&json!({"token": token})),
        )
        .await;
    assert_eq!(accepted.status(), 200);
    let view: Value = accepted.json().await.expect("json");
    assert_eq!(
        view["speakers"],
        json!([{"name": "Ada", "email": "ada@example.org"}, {"name": "Grace", "email": "grace@example.org"}])
    );
    assert_eq!(view["invited"], json!([]));
    // as a speaker she may edit
    let edited = app
        .call(
            Method::PATCH,
            &format!("/api/v1/proposals/{id}"),
            &grace,
            Some(&json!({"title": "A Rust NVMe driver, two years on"})),
        )
        .await;
    assert_eq!(edited.status(), 200);
    // the token cannot be reused by a third account
    app.register("eve@example.org", "Eve").await;
    let eve = app.login("eve@example.org").await;
    let stolen = app
        .call(
            Method::POST,
            "/api/v1/invitations/accept",
            &eve,
            Some(&json!({"token": token})),
        )
        .await;
    assert_eq!(stolen.status(), 409);
    let bogus = app
        .call(
            Method::POST,
            "/api/v1/invitations/accept",
            &eve,
            Some(&json!({"token": "mcfpi_nope"})),
        )
        .await;
    assert_eq!(bogus.status(), 422);
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
        let response = submit(&app, &ada, &body).await;
        assert_eq!(response.status(), 422, "{field}: {body}");
        let problem: Value = response.json().await.expect("json");
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
    let created = submit_ok(
        &app,
        &ada,
        &proposal("Cafe\u{301} and the borrow checker", ABSTRACT_RUST),
    )
    .await;
    assert_eq!(created["title"], "Café and the borrow checker");
}

#[tokio::test]
async fn idempotency_key_replays_the_first_response_and_creates_once() {
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    app.register("ada@example.org", "Ada").await;
    let ada = app.login("ada@example.org").await;
    let body = proposal("Rust GCC backend status", ABSTRACT_RUST);
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
    let first = submit_ok(&app, &ada, &proposal("First Rust talk", ABSTRACT_RUST)).await;
    submit_ok(&app, &ada, &proposal("Second Rust talk", ABSTRACT_RUST)).await;
    let third = submit(&app, &ada, &proposal("Third Rust talk", ABSTRACT_RUST)).await;
    assert_eq!(third.status(), 409);
    // withdrawing frees a place
    let id = first["id"].as_str().expect("id");
    assert_eq!(
        app.call(
            Method::POST,
            &format!("/api/v1/proposals/{id}/withdraw"),
            &ada,
            None
        )
        .await
        .status(),
        200
    );
    submit_ok(&app, &ada, &proposal("Third Rust talk", ABSTRACT_RUST)).await;
    // the fifth request within the minute is refused by the rate limit
    assert_eq!(
        submit(&app, &ada, &proposal("Fourth Rust talk", ABSTRACT_RUST))
            .await
            .status(),
        429
    );
}

#[tokio::test]
async fn only_speakers_and_chairs_see_a_proposal() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    for (email, name) in [
        ("ada@example.org", "Ada"),
        ("bob@example.org", "Bob"),
        ("chair@example.org", "Chair"),
    ] {
        app.register(email, name).await;
    }
    app.call(
        Method::PUT,
        "/api/v1/events/rust-mc/members",
        &admin,
        Some(&json!({"email": "chair@example.org", "role": "chair", "tracks": null})),
    )
    .await;
    let ada = app.login("ada@example.org").await;
    let bob = app.login("bob@example.org").await;
    let chair = app.login("chair@example.org").await;
    let created = submit_ok(&app, &ada, &proposal("Ada's Rust talk", ABSTRACT_RUST)).await;
    submit_ok(&app, &bob, &proposal("Bob's Rust talk", ABSTRACT_RUST)).await;
    let id = created["id"].as_str().expect("id");
    let path = format!("/api/v1/proposals/{id}");
    assert_eq!(app.call(Method::GET, &path, &ada, None).await.status(), 200);
    assert_eq!(
        app.call(Method::GET, &path, &chair, None).await.status(),
        200
    );
    assert_eq!(
        app.call(Method::GET, &path, &admin, None).await.status(),
        200
    );
    assert_eq!(app.call(Method::GET, &path, &bob, None).await.status(), 404);
    assert_eq!(
        app.call(
            Method::PATCH,
            &path,
            &bob,
            Some(&json!({"title": "Hijacked title"}))
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.call(Method::POST, &format!("{path}/withdraw"), &bob, None)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.new_client()
            .get(app.url(&path))
            .send()
            .await
            .expect("get")
            .status(),
        401
    );
    assert_eq!(
        app.call(
            Method::GET,
            "/api/v1/proposals/00000000-0000-0000-0000-000000000000",
            &ada,
            None
        )
        .await
        .status(),
        404
    );
    let count = |v: Value| v["items"].as_array().map_or(0, Vec::len);
    assert_eq!(
        count(
            app.call(Method::GET, "/api/v1/events/rust-mc/proposals", &ada, None)
                .await
                .json()
                .await
                .expect("json")
        ),
        1
    );
    assert_eq!(
        count(
            app.call(
                Method::GET,
                "/api/v1/events/rust-mc/proposals",
                &chair,
                None
            )
            .await
            .json()
            .await
            .expect("json")
        ),
        2
    );
    // a chair sees but does not edit speakers' text
    assert_eq!(
        app.call(
            Method::PATCH,
            &path,
            &chair,
            Some(&json!({"title": "Chair's title"}))
        )
        .await
        .status(),
        404
    );
}

#[tokio::test]
async fn edits_are_revisions_retag_and_stop_when_the_cfp_closes() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    app.register("ada@example.org", "Ada").await;
    let ada = app.login("ada@example.org").await;
    let created = submit_ok(
        &app,
        &ada,
        &proposal("A compiler talk about Rust", ABSTRACT_RUST),
    )
    .await;
    assert_eq!(created["tags"]["track"], "rust");
    let id = created["id"].as_str().expect("id");
    let path = format!("/api/v1/proposals/{id}");
    // new text: the automatic tag follows
    let edited: Value = app
        .call(
            Method::PATCH,
            &path,
            &ada,
            Some(&json!({"title": "A Rust NVMe driver for Linux", "abstract": ABSTRACT_RFL})),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(edited["tags"]["track"], "rust-for-linux");
    assert_eq!(edited["tags"]["source"], "auto");
    // the speaker's own choice is kept beside the tag, and the disagreement shows
    let chose: Value = app
        .call(Method::PATCH, &path, &ada, Some(&json!({"track": "rust"})))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(chose["tags"]["track"], "rust");
    assert_eq!(chose["tags"]["source"], "speaker");
    assert_eq!(chose["tags"]["auto_track"], "rust-for-linux");
    assert_eq!(chose["tags"]["speaker_disagrees"], true);
    let cleared: Value = app
        .call(Method::PATCH, &path, &ada, Some(&json!({"track": null})))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(cleared["tags"]["source"], "auto");
    // every edit is a revision with before and after
    let mut conn = app.state.pool.get().await.expect("conn");
    let revisions = mcfp::db::proposals::revisions_of(
        &mut conn,
        mcfp::domain::ProposalId(id.parse().expect("uuid")),
    )
    .await
    .expect("revisions");
    assert_eq!(revisions.len(), 3);
    assert_eq!(revisions[0].author_name, "Ada");
    assert_eq!(
        revisions[0].changes["title"]["before"],
        "A compiler talk about Rust"
    );
    assert_eq!(
        revisions[0].changes["title"]["after"],
        "A Rust NVMe driver for Linux"
    );
    assert!(
        revisions[0].changes.get("format").is_none(),
        "unchanged fields are not recorded"
    );
    // the chair closes the CfP: read-only for speakers
    let closed = app
        .call(Method::PATCH, "/api/v1/events/rust-mc", &admin, Some(&json!({"cfp_opens_at": "2020-01-01T00:00:00Z", "cfp_closes_at": "2021-01-01T00:00:00Z"})))
        .await;
    assert_eq!(closed.status(), 200);
    let late = app
        .call(
            Method::PATCH,
            &path,
            &ada,
            Some(&json!({"title": "Too late for this"})),
        )
        .await;
    assert_eq!(late.status(), 403);
    let view: Value = app
        .call(Method::GET, &path, &ada, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["editable"], false);
    assert_eq!(
        submit(&app, &ada, &proposal("Another Rust talk", ABSTRACT_RUST))
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn withdraw_once_and_no_edits_after() {
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    app.register("ada@example.org", "Ada").await;
    let ada = app.login("ada@example.org").await;
    let id = submit_ok(&app, &ada, &proposal("A talk to withdraw", ABSTRACT_RUST)).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let withdrawn: Value = app
        .call(
            Method::POST,
            &format!("/api/v1/proposals/{id}/withdraw"),
            &ada,
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(withdrawn["state"], "withdrawn");
    assert_eq!(
        app.call(
            Method::POST,
            &format!("/api/v1/proposals/{id}/withdraw"),
            &ada,
            None
        )
        .await
        .status(),
        409
    );
    assert_eq!(
        app.call(
            Method::PATCH,
            &format!("/api/v1/proposals/{id}"),
            &ada,
            Some(&json!({"title": "Back again"}))
        )
        .await
        .status(),
        409
    );
}

#[tokio::test]
async fn lists_page_with_cursors_and_filter_by_track_and_state() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    app.register("ada@example.org", "Ada").await;
    let ada = app.login("ada@example.org").await;
    app.call(
        Method::PATCH,
        "/api/v1/events/rust-mc",
        &admin,
        Some(&json!({"max_proposals_per_speaker": 10})),
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let abstract_text = if i % 2 == 0 {
            ABSTRACT_RFL
        } else {
            ABSTRACT_RUST
        };
        ids.push(
            submit_ok(
                &app,
                &ada,
                &proposal(&format!("Proposal number {i}"), abstract_text),
            )
            .await["id"]
                .clone(),
        );
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/events/rust-mc/proposals?limit=2&cursor={c}"),
            None => "/api/v1/events/rust-mc/proposals?limit=2".to_owned(),
        };
        let page: Value = app
            .call(Method::GET, &path, &admin, None)
            .await
            .json()
            .await
            .expect("page");
        seen.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|p| p["id"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ids, "every proposal once, in order");
    let rfl: Value = app
        .call(
            Method::GET,
            "/api/v1/events/rust-mc/proposals?track=rust-for-linux",
            &admin,
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(rfl["items"].as_array().map(Vec::len), Some(3));
    app.call(
        Method::POST,
        &format!(
            "/api/v1/proposals/{}/withdraw",
            ids[0].as_str().expect("id")
        ),
        &ada,
        None,
    )
    .await;
    let withdrawn: Value = app
        .call(
            Method::GET,
            "/api/v1/events/rust-mc/proposals?state=withdrawn",
            &admin,
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(withdrawn["items"].as_array().map(Vec::len), Some(1));
    for bad in [
        "?limit=0",
        "?limit=501",
        "?limit=ten",
        "?cursor=garbage",
        "?state=lost",
    ] {
        let response = app
            .call(
                Method::GET,
                &format!("/api/v1/events/rust-mc/proposals{bad}"),
                &admin,
                None,
            )
            .await;
        assert_eq!(response.status(), 422, "{bad}");
    }
}

#[tokio::test]
async fn chairs_edit_the_event_formats_and_tracks() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    app.register("chair@example.org", "Chair").await;
    app.register("ada@example.org", "Ada").await;
    app.call(
        Method::PUT,
        "/api/v1/events/rust-mc/members",
        &admin,
        Some(&json!({"email": "chair@example.org", "role": "chair", "tracks": null})),
    )
    .await;
    let chair = app.login("chair@example.org").await;
    let ada = app.login("ada@example.org").await;
    let patch = json!({
        "title": "Rust MC 2026",
        "formats": [{"key": "talk", "name": "Talk", "minutes": 25}, {"key": "bof", "name": "Birds of a feather", "minutes": 60}],
        "tracks": [
            {"key": "rust-for-linux", "name": "Rust for Linux", "subtopics": [{"key": "drivers", "name": "Drivers"}]},
            {"key": "rust", "name": "Rust everywhere else"},
            {"key": "tooling", "name": "Tooling"}
        ]
    });
    assert_eq!(
        app.call(Method::PATCH, "/api/v1/events/rust-mc", &ada, Some(&patch))
            .await
            .status(),
        403
    );
    let response = app
        .call(
            Method::PATCH,
            "/api/v1/events/rust-mc",
            &chair,
            Some(&patch),
        )
        .await;
    assert_eq!(response.status(), 200);
    let event: Value = response.json().await.expect("json");
    assert_eq!(event["title"], "Rust MC 2026");
    assert_eq!(event["formats"][1]["key"], "bof");
    assert_eq!(event["tracks"].as_array().map(Vec::len), Some(3));
    assert_eq!(event["tracks"][1]["name"], "Rust everywhere else");
    assert_eq!(
        event["tracks"][0]["subtopics"],
        json!([{"key": "drivers", "name": "Drivers"}])
    );
    // the new format and track are accepted on proposals, the old format no longer
    let mut body = proposal("A BoF on Rust tooling", ABSTRACT_RUST);
    body["format"] = json!("bof");
    body["track"] = json!("tooling");
    submit_ok(&app, &ada, &body).await;
    body["format"] = json!("lightning");
    assert_eq!(submit(&app, &ada, &body).await.status(), 422);
    let bad = json!({"tracks": [], "formats": [{"key": "Bad Key", "name": "", "minutes": 0}], "max_co_speakers": 99, "time_zone": "Nowhere/Land"});
    let response = app
        .call(Method::PATCH, "/api/v1/events/rust-mc", &chair, Some(&bad))
        .await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.expect("json");
    for field in [
        "tracks",
        "formats[0].key",
        "formats[0].name",
        "formats[0].minutes",
        "max_co_speakers",
        "time_zone",
    ] {
        assert!(problem["errors"][field].is_array(), "{field} in {problem}");
    }
}

#[tokio::test]
async fn the_cfp_window_before_during_and_after() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    app.register("ada@example.org", "Ada").await;
    let ada = app.login("ada@example.org").await;
    let now = chrono::Utc::now();
    let window = |opens: chrono::DateTime<chrono::Utc>, closes: chrono::DateTime<chrono::Utc>| json!({"cfp_opens_at": opens.to_rfc3339(), "cfp_closes_at": closes.to_rfc3339()});
    // before: opens in a minute
    let before = window(
        now + chrono::Duration::seconds(60),
        now + chrono::Duration::days(1),
    );
    assert_eq!(
        app.call(
            Method::PATCH,
            "/api/v1/events/rust-mc",
            &admin,
            Some(&before)
        )
        .await
        .status(),
        200
    );
    let event: Value = app
        .new_client()
        .get(app.url("/api/v1/events/rust-mc"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(event["cfp_open"], false);
    let response = submit(&app, &ada, &proposal("Too early for this", ABSTRACT_RUST)).await;
    assert_eq!(response.status(), 403);
    let problem: Value = response.json().await.expect("json");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("closed"))
    );
    // during: opened a second ago
    let during = window(
        now - chrono::Duration::seconds(1),
        now + chrono::Duration::days(1),
    );
    app.call(
        Method::PATCH,
        "/api/v1/events/rust-mc",
        &admin,
        Some(&during),
    )
    .await;
    let created = submit_ok(&app, &ada, &proposal("Just in time", ABSTRACT_RUST)).await;
    // after: closed a second ago
    let after = window(
        now - chrono::Duration::days(1),
        chrono::Utc::now() - chrono::Duration::seconds(1),
    );
    app.call(
        Method::PATCH,
        "/api/v1/events/rust-mc",
        &admin,
        Some(&after),
    )
    .await;
    assert_eq!(
        submit(&app, &ada, &proposal("Too late for this", ABSTRACT_RUST))
            .await
            .status(),
        403
    );
    let id = created["id"].as_str().expect("id");
    assert_eq!(
        app.call(
            Method::PATCH,
            &format!("/api/v1/proposals/{id}"),
            &ada,
            Some(&json!({"title": "Edited late"}))
        )
        .await
        .status(),
        403
    );
    // withdrawing stays possible after the deadline
    assert_eq!(
        app.call(
            Method::POST,
            &format!("/api/v1/proposals/{id}/withdraw"),
            &ada,
            None
        )
        .await
        .status(),
        200
    );
}
