//! Decisions through the JSON API: deciding, releasing with exactly one email per speaker per
//! proposal, confirming, the outbox, email templates and the published accepted list.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use mcfp::schema::{outbox, proposals};
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

// ---------------------------------------------------------------- helpers

/// The key the test apps run with (see `helpers.rs`); `mcfp worker` processes need the same.
const TEST_SECRET_KEY: &str = "test-secret-key-0123456789-abcdefghijklmnop";

/// Sends a request (with a bearer token unless anonymous); returns (status, body text).
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, String) {
    let mut request = app.new_client().request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// Sends a request, asserts its status and returns the JSON body (Null when it is not JSON).
async fn expect(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
    status: u16,
) -> Value {
    let (got, text) = send(app, method.clone(), path, Some(token), body).await;
    assert_eq!(got, status, "{method} {path}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

#[derive(Clone, Debug)]
struct Person {
    token: String,
    email: String,
    name: String,
}

async fn person(app: &TestApp, email: &str, name: &str) -> Person {
    app.register(email, name).await;
    Person {
        token: app.login(email).await,
        email: email.to_owned(),
        name: name.to_owned(),
    }
}

/// A member of the event (`chair` or `reviewer`), added by a site admin.
async fn member(app: &TestApp, admin: &str, slug: &str, who: &Person, role: &str) {
    let added = expect(
        app,
        Method::PUT,
        &format!("/api/v1/events/{slug}/members"),
        admin,
        Some(&json!({"email": who.email, "role": role, "tracks": null})),
        200,
    )
    .await;
    assert_eq!(added["invited"], false, "{added}");
}

/// A second event run by the same admin.
async fn another_event(app: &TestApp, admin: &str, slug: &str) {
    expect(
        app,
        Method::POST,
        "/api/v1/events",
        admin,
        Some(&json!({
            "slug": slug, "title": "Go MC", "description": "Another microconference.",
            "time_zone": "Europe/Paris",
            "cfp_opens_at": "2026-01-01T00:00:00Z", "cfp_closes_at": "2030-01-01T00:00:00Z"
        })),
        201,
    )
    .await;
}

/// Submits a proposal to `slug`; every co-speaker accepts the emailed invitation. Returns its id.
async fn submit_to(
    app: &TestApp,
    slug: &str,
    speaker: &Person,
    title: &str,
    co_speakers: &[&Person],
) -> String {
    let emails: Vec<&str> = co_speakers.iter().map(|p| p.email.as_str()).collect();
    let body = json!({"title": title, "abstract": ABSTRACT, "notes": "for the chairs only",
        "format": "talk", "track": null, "co_speakers": emails, "links": []});
    let created = expect(
        app,
        Method::POST,
        &format!("/api/v1/events/{slug}/proposals"),
        &speaker.token,
        Some(&body),
        201,
    )
    .await;
    let id = created["id"].as_str().expect("id").to_owned();
    if !co_speakers.is_empty() {
        app.deliver_emails().await;
    }
    for co in co_speakers {
        let invitation = app
            .mail
            .emails()
            .into_iter()
            .rev()
            .find(|e| e.to == [co.email.clone()] && e.text().contains(title))
            .expect("a co-speaker invitation");
        let text = invitation.text();
        let start = text.find("/invitations/").expect("an invitation link") + "/invitations/".len();
        let token: String = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        expect(
            app,
            Method::POST,
            "/api/v1/invitations/accept",
            &co.token,
            Some(&json!({"token": token})),
            200,
        )
        .await;
    }
    id
}

async fn submit(app: &TestApp, speaker: &Person, title: &str, co_speakers: &[&Person]) -> String {
    submit_to(app, "rust-mc", speaker, title, co_speakers).await
}

async fn decide(app: &TestApp, chair: &str, id: &str, decision: &str) -> Value {
    expect(
        app,
        Method::PUT,
        &format!("/api/v1/proposals/{id}/decision"),
        chair,
        Some(&json!({"decision": decision, "note": format!("chairs' note: {decision}")})),
        200,
    )
    .await
}

/// Releases the event's decisions; returns how many emails were queued.
async fn release(app: &TestApp, chair: &str) -> u64 {
    let outcome = expect(
        app,
        Method::POST,
        &format!("{EVENT}/decisions/release"),
        chair,
        None,
        200,
    )
    .await;
    outcome["queued"].as_u64().expect("queued")
}

async fn proposal_as(app: &TestApp, token: &str, id: &str) -> Value {
    expect(
        app,
        Method::GET,
        &format!("/api/v1/proposals/{id}"),
        token,
        None,
        200,
    )
    .await
}

/// The state of each of the caller's proposals, by id, from the list endpoint.
async fn listed_states(app: &TestApp, token: &str) -> BTreeMap<String, Value> {
    let list = expect(
        app,
        Method::GET,
        &format!("{EVENT}/proposals?limit=100"),
        token,
        None,
        200,
    )
    .await;
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| (p["id"].as_str().expect("id").to_owned(), p.clone()))
        .collect()
}

/// Every outbox item of the event, following the cursor, newest first.
async fn outbox_items(app: &TestApp, chair: &str, query: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("{EVENT}/outbox?limit=2&{query}&cursor={c}"),
            None => format!("{EVENT}/outbox?limit=2&{query}"),
        };
        let page = expect(app, Method::GET, &path, chair, None, 200).await;
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
}

/// Outbox rows of these kinds: (recipient, kind, state, attempts).
async fn outbox_rows(app: &TestApp, kinds: &[&str]) -> Vec<(String, String, String, i32)> {
    let mut conn = app.state.pool.get().await.expect("conn");
    outbox::table
        .filter(outbox::kind.eq_any(kinds))
        .order((outbox::recipient.asc(), outbox::created_at.asc()))
        .select((
            outbox::recipient,
            outbox::kind,
            outbox::state,
            outbox::attempts,
        ))
        .load(&mut conn)
        .await
        .expect("outbox rows")
}

const DECISION_KINDS: [&str; 3] = ["acceptance", "rejection", "waitlist"];

/// Emails the SMTP server received to this address.
fn received_by(app: &TestApp, email: &str) -> Vec<crate::helpers::ReceivedEmail> {
    app.mail
        .emails()
        .into_iter()
        .filter(|e| e.to == [email.to_owned()])
        .collect()
}

/// Decision emails the SMTP server received to this address.
fn decisions_to(app: &TestApp, email: &str) -> Vec<crate::helpers::ReceivedEmail> {
    received_by(app, email)
        .into_iter()
        .filter(is_decision)
        .collect()
}

fn normalized(text: &str) -> String {
    text.replace("\r\n", "\n").trim_end().to_owned()
}

/// A `mcfp` process, killed (by its own pid) if the test ends without stopping it.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `mcfp worker` on the test's database, sending through `smtp_url`.
fn start_worker(app: &TestApp, smtp_url: &str, log: &std::path::Path) -> Process {
    let log = std::fs::File::create(log).expect("worker log");
    let child = Command::new(env!("CARGO_BIN_EXE_mcfp"))
        .arg("worker")
        .env_remove("MCFP_MAIL_SPOOL")
        .env("DATABASE_URL", app.state.settings.database_url.expose())
        .env("MCFP_SMTP_URL", smtp_url)
        .env("MCFP_SECRET_KEY", TEST_SECRET_KEY)
        .env("MCFP_MAIL_FROM", "Rust MC CfP <cfp@mcfp.test>")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("spawn mcfp worker");
    Process(child)
}

/// A real SMTP server (mailin) for many connections at once, each session with its own message.
#[derive(Clone, Default)]
struct ManyLanes {
    received: std::sync::Arc<std::sync::Mutex<Vec<crate::helpers::ReceivedEmail>>>,
    current: Option<crate::helpers::ReceivedEmail>,
}

impl mailin_embedded::Handler for ManyLanes {
    fn data_start(
        &mut self,
        _domain: &str,
        from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        self.current = Some(crate::helpers::ReceivedEmail {
            from: from.to_owned(),
            to: to.to_vec(),
            raw: String::new(),
        });
        mailin_embedded::response::START_DATA
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(mail) = self.current.as_mut() {
            mail.raw.push_str(&String::from_utf8_lossy(buf));
        }
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        if let Some(mail) = self.current.take() {
            self.received.lock().expect("lock").push(mail);
        }
        mailin_embedded::response::OK
    }
}

impl ManyLanes {
    /// Serves on 127.0.0.1:0 on a detached thread; returns the sink and its smtp:// URL.
    fn start() -> (ManyLanes, String) {
        let sink = ManyLanes::default();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind SMTP");
        let port = listener.local_addr().expect("addr").port();
        let mut server = mailin_embedded::Server::new(sink.clone());
        server
            .with_name("lanes.test")
            .with_ssl(mailin_embedded::SslConfig::None)
            .expect("no TLS")
            .with_num_threads(16)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        (sink, format!("smtp://127.0.0.1:{port}"))
    }

    fn emails(&self) -> Vec<crate::helpers::ReceivedEmail> {
        self.received.lock().expect("lock").clone()
    }
}

/// Queued outbox rows that a `FOR UPDATE SKIP LOCKED` from another connection can take, and
/// all queued rows.
async fn claimable_and_queued(app: &TestApp) -> (usize, usize) {
    let mut conn = app.state.pool.get().await.expect("conn");
    let claimable: Vec<uuid::Uuid> = outbox::table
        .filter(outbox::state.eq("queued"))
        .select(outbox::id)
        .for_update()
        .skip_locked()
        .load(&mut conn)
        .await
        .expect("skip locked");
    let queued: i64 = outbox::table
        .filter(outbox::state.eq("queued"))
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    (claimable.len(), queued as usize)
}

// ---------------------------------------------------------------- 1. release: one email each

#[tokio::test]
async fn each_speaker_gets_exactly_one_email_with_the_template_of_the_decision() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    let sam = person(&app, "sam@example.org", "Sam Speaker").await;
    let cora = person(&app, "cora@example.org", "Cora Cospeaker").await;
    let wes = person(&app, "wes@example.org", "Wes Rejected").await;
    let rita = person(&app, "rita@example.org", "Rita Waiting").await;
    let una = person(&app, "una@example.org", "Una Undecided").await;
    let walt = person(&app, "walt@example.org", "Walt Withdrawn").await;
    let rev = person(&app, "rev@example.org", "Rev Reviewer").await;
    member(&app, &admin, "rust-mc", &rev, "reviewer").await;

    let accepted = submit(&app, &sam, "Writing a PCI driver in Rust", &[&cora]).await;
    let rejected = submit(&app, &wes, "Yet another borrow checker talk", &[]).await;
    let waitlisted = submit(&app, &rita, "Async Rust in the kernel", &[]).await;
    let undecided = submit(&app, &una, "Rust on RISC-V boards", &[]).await;
    let withdrawn = submit(&app, &walt, "A talk that was withdrawn", &[]).await;
    expect(
        &app,
        Method::PUT,
        &format!("/api/v1/proposals/{accepted}/assignments"),
        &admin,
        Some(&json!({"reviewer_ids": [app_user_id(&app, &rev.email).await]})),
        200,
    )
    .await;

    decide(&app, &admin, &accepted, "accept").await;
    decide(&app, &admin, &rejected, "reject").await;
    let chair_view = decide(&app, &admin, &waitlisted, "waitlist").await;
    assert_eq!(chair_view["decision"]["decision"], "waitlist");
    assert_eq!(chair_view["decision"]["note"], "chairs' note: waitlist");
    assert_eq!(chair_view["decision"]["released"], false);
    assert!(chair_view["decision"]["decided_at"].is_string());
    assert_eq!(chair_view["state"], "submitted");
    decide(&app, &admin, &withdrawn, "accept").await;
    // a speaker withdraws after the (unreleased) decision: never released, never emailed
    expect(
        &app,
        Method::POST,
        &format!("/api/v1/proposals/{withdrawn}/withdraw"),
        &walt.token,
        None,
        200,
    )
    .await;

    // before the release nobody but the chairs can tell: not the speakers, not the reviewer
    for (token, id) in [
        (&sam.token, &accepted),
        (&cora.token, &accepted),
        (&wes.token, &rejected),
        (&rita.token, &waitlisted),
        (&rev.token, &accepted),
    ] {
        let seen = proposal_as(&app, token, id).await;
        assert_eq!(seen["state"], "submitted", "{seen}");
        assert!(seen.get("decision").is_none(), "{seen}");
        let text = seen.to_string();
        assert!(!text.contains("chairs' note"), "{text}");
        for (_, listed) in listed_states(&app, token).await {
            assert!(
                listed["state"] == "submitted" || listed["state"] == "withdrawn",
                "{listed}"
            );
            assert!(listed.get("decision").is_none(), "{listed}");
        }
    }
    let summary = expect(
        &app,
        Method::GET,
        &format!("{EVENT}/decisions/release"),
        &admin,
        None,
        200,
    )
    .await;
    assert_eq!(
        summary,
        json!({"unreleased": 3, "accept": 1, "reject": 1, "waitlist": 1})
    );

    app.deliver_emails().await;
    let before = app.mail.emails().len();

    // five releases at once: one of them queues the four emails, the others nothing
    let path = format!("{EVENT}/decisions/release");
    let calls = (0..5).map(|_| send(&app, Method::POST, &path, Some(&admin), None));
    let answers = futures_util::future::join_all(calls).await;
    let mut queued = 0;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        let body: Value = serde_json::from_str(body).expect("json");
        queued += body["queued"].as_u64().expect("queued");
    }
    assert_eq!(queued, 4, "Sam, Cora, Wes, Rita: {answers:?}");
    assert_eq!(
        release(&app, &admin).await,
        0,
        "a later release finds nothing"
    );

    let report = app.deliver_emails().await;
    assert_eq!(report.sent, 4, "{report:?}");
    assert_eq!(release(&app, &admin).await, 0);
    assert_eq!(app.deliver_emails().await.sent, 0);
    let new: Vec<_> = app.mail.emails().into_iter().skip(before).collect();
    assert_eq!(new.len(), 4, "exactly four emails");
    let to: BTreeSet<String> = new.iter().map(|e| e.to[0].clone()).collect();
    assert_eq!(
        to,
        BTreeSet::from([
            cora.email.clone(),
            rita.email.clone(),
            sam.email.clone(),
            wes.email.clone()
        ])
    );
    for (who, title) in [
        (&sam, "Writing a PCI driver in Rust"),
        (&cora, "Writing a PCI driver in Rust"),
    ] {
        let email = &decisions_to(&app, &who.email)[0];
        assert_eq!(
            email.subject(),
            format!("Accepted at Rust MC: {title}"),
            "{}",
            email.raw
        );
        let text = email.text();
        assert!(text.contains(&format!("Dear {},", who.name)), "{text}");
        assert!(text.contains("has been accepted for Rust MC"), "{text}");
        assert!(
            text.contains(&format!(
                "{}proposals/{accepted}/confirm",
                app.state.base_url
            )),
            "{text}"
        );
        assert!(
            !text.contains("chairs' note"),
            "the chairs' note stays theirs"
        );
        assert!(email.html().contains("has been accepted for Rust MC"));
    }
    let email = &decisions_to(&app, &wes.email)[0];
    assert_eq!(
        email.subject(),
        "Your proposal to Rust MC: Yet another borrow checker talk"
    );
    assert!(email.text().contains("Dear Wes Rejected,"));
    assert!(email.text().contains("could not accept yours"));
    assert!(!email.text().contains("/confirm"));
    let email = &decisions_to(&app, &rita.email)[0];
    assert_eq!(
        email.subject(),
        "On the waiting list of Rust MC: Async Rust in the kernel"
    );
    assert!(email.text().contains("it is on our waiting list"));
    assert!(
        email
            .text()
            .contains(&format!("{}proposals/{waitlisted}", app.state.base_url))
    );
    assert!(decisions_to(&app, &una.email).is_empty());
    assert!(decisions_to(&app, &walt.email).is_empty());
    for who in [&sam, &cora, &wes, &rita] {
        assert_eq!(decisions_to(&app, &who.email).len(), 1, "{}", who.email);
    }

    // the outbox holds one row per email, all sent once; the chairs see them
    let rows = outbox_rows(&app, &DECISION_KINDS).await;
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(
        rows.iter()
            .all(|(_, _, state, attempts)| state == "sent" && *attempts == 1)
    );
    let listed = outbox_items(&app, &admin, "state=sent").await;
    let decision_items: Vec<_> = listed
        .iter()
        .filter(|i| DECISION_KINDS.contains(&i["kind"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(decision_items.len(), 4, "{listed:?}");
    assert!(
        decision_items
            .iter()
            .all(|i| i["sent_at"].is_string() && i["attempts"] == 1)
    );
    assert_eq!(
        outbox_items(&app, &admin, "state=queued").await,
        Vec::<Value>::new()
    );

    // released: the speakers see the state (and still no decision object)
    for (token, id, state) in [
        (&sam.token, &accepted, "accepted"),
        (&cora.token, &accepted, "accepted"),
        (&wes.token, &rejected, "rejected"),
        (&rita.token, &waitlisted, "waitlisted"),
        (&una.token, &undecided, "submitted"),
        (&walt.token, &withdrawn, "withdrawn"),
    ] {
        let seen = proposal_as(&app, token, id).await;
        assert_eq!(seen["state"], state, "{seen}");
        assert!(seen.get("decision").is_none(), "{seen}");
        assert_eq!(
            listed_states(&app, token).await[id.as_str()]["state"],
            state
        );
    }
    let chair = proposal_as(&app, &admin, &accepted).await;
    assert_eq!(chair["decision"]["released"], true);
    let chair = proposal_as(&app, &admin, &withdrawn).await;
    assert_eq!(chair["state"], "withdrawn");
    assert_eq!(chair["decision"]["released"], false);

    // a changed decision waits for the next release; then only the new email goes
    let changed = decide(&app, &admin, &waitlisted, "accept").await;
    assert_eq!(changed["decision"]["released"], false);
    assert_eq!(changed["state"], "waitlisted", "still the released state");
    assert_eq!(
        proposal_as(&app, &rita.token, &waitlisted).await["state"],
        "waitlisted"
    );
    // a change undone before any release sends nothing
    decide(&app, &admin, &rejected, "accept").await;
    decide(&app, &admin, &rejected, "reject").await;
    let summary = expect(
        &app,
        Method::GET,
        &format!("{EVENT}/decisions/release"),
        &admin,
        None,
        200,
    )
    .await;
    assert_eq!(
        summary,
        json!({"unreleased": 1, "accept": 1, "reject": 0, "waitlist": 0})
    );
    let before = app.mail.emails().len();
    assert_eq!(release(&app, &admin).await, 1);
    assert_eq!(app.deliver_emails().await.sent, 1);
    let new: Vec<_> = app.mail.emails().into_iter().skip(before).collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].to, std::slice::from_ref(&rita.email));
    assert_eq!(
        new[0].subject(),
        "Accepted at Rust MC: Async Rust in the kernel"
    );
    assert_eq!(
        proposal_as(&app, &rita.token, &waitlisted).await["state"],
        "accepted"
    );

    // back and forth across releases: every released change reaches the speaker, once
    decide(&app, &admin, &waitlisted, "reject").await;
    assert_eq!(release(&app, &admin).await, 1);
    decide(&app, &admin, &waitlisted, "accept").await;
    let (a, b) = tokio::join!(release(&app, &admin), release(&app, &admin));
    assert_eq!(a + b, 1, "the second acceptance is a new email");
    assert_eq!(app.deliver_emails().await.sent, 2);
    let subjects: Vec<String> = decisions_to(&app, &rita.email)
        .iter()
        .map(|e| e.subject())
        .collect();
    assert_eq!(
        subjects,
        [
            "On the waiting list of Rust MC: Async Rust in the kernel",
            "Accepted at Rust MC: Async Rust in the kernel",
            "Your proposal to Rust MC: Async Rust in the kernel",
            "Accepted at Rust MC: Async Rust in the kernel",
        ]
    );
    assert_eq!(
        proposal_as(&app, &rita.token, &waitlisted).await["state"],
        "accepted"
    );
    assert_eq!(outbox_rows(&app, &DECISION_KINDS).await.len(), 7);
}

fn is_decision(email: &crate::helpers::ReceivedEmail) -> bool {
    let subject = email.subject();
    ["Accepted at", "Your proposal to", "On the waiting list of"]
        .iter()
        .any(|s| subject.starts_with(s))
}

async fn app_user_id(app: &TestApp, email: &str) -> String {
    let mut conn = app.state.pool.get().await.expect("conn");
    mcfp::db::users::find_by_email(&mut conn, email)
        .await
        .expect("query")
        .expect("user")
        .id
        .to_string()
}

// ---------------------------------------------------------------- 2. SMTP refusing

/// An outbox worker of its own, sending to `smtp_url` (e.g. a port where nothing listens).
fn worker_to(app: &TestApp, smtp_url: &str, pool_size: usize) -> mcfp::mail::OutboxWorker {
    let mailer = mcfp::mail::Mailer::from_settings(&mcfp::config::MailTransport::Smtp(
        mcfp::config::Secret::new(smtp_url.to_owned()),
    ))
    .expect("mailer");
    let pool =
        mcfp::db::build_pool(app.state.settings.database_url.expose(), pool_size).expect("pool");
    mcfp::mail::OutboxWorker::new(
        pool,
        mailer,
        app.state.settings.secret_key.clone(),
        "Rust MC CfP <cfp@mcfp.test>".parse().expect("mailbox"),
        "127.0.0.1".into(),
    )
}

/// (state, attempts, last_error, next_attempt_at) of every decision email, by recipient.
async fn decision_rows(
    app: &TestApp,
) -> Vec<(String, String, i32, Option<String>, chrono::DateTime<Utc>)> {
    let mut conn = app.state.pool.get().await.expect("conn");
    outbox::table
        .filter(outbox::kind.eq_any(DECISION_KINDS))
        .order(outbox::recipient.asc())
        .select((
            outbox::recipient,
            outbox::state,
            outbox::attempts,
            outbox::last_error,
            outbox::next_attempt_at,
        ))
        .load(&mut conn)
        .await
        .expect("rows")
}

#[tokio::test]
async fn smtp_down_then_refusing_retries_with_backoff_and_delivers_once() {
    let app = TestApp::spawn().await;
    let (admin, _sam, _cora, id) = proposal_with_co_speaker(&app).await;
    app.deliver_emails().await;
    let before = app.mail.emails().len();
    decide(&app, &admin, &id, "accept").await;
    assert_eq!(release(&app, &admin).await, 2);

    // the SMTP server is down: nothing listens on the port
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let down = worker_to(&app, &format!("smtp://127.0.0.1:{port}"), 2);
    let now = Utc::now();
    let report = down.deliver_due(now).await.expect("a round");
    assert_eq!((report.sent, report.retrying, report.failed), (0, 2, 0));
    for (to, state, attempts, error, next) in decision_rows(&app).await {
        assert_eq!((state.as_str(), attempts), ("queued", 1), "{to}");
        assert!(error.is_some_and(|e| e.starts_with("SMTP")), "{to}");
        // (the database keeps microseconds)
        assert!(
            next > now + chrono::Duration::milliseconds(29_999),
            "backs off 30 s"
        );
        assert!(
            next <= now + chrono::Duration::seconds(31),
            "backs off 30 s"
        );
    }

    // it answers again, but refuses for now (451): the wait doubles
    app.mail.reject(Some(451));
    assert_eq!(
        app.deliver_emails_at(now + chrono::Duration::seconds(20))
            .await,
        Default::default(),
        "nothing is due before the backoff"
    );
    let report = app
        .deliver_emails_at(now + chrono::Duration::seconds(31))
        .await;
    assert_eq!((report.sent, report.retrying, report.failed), (0, 2, 0));
    for (to, state, attempts, error, next) in decision_rows(&app).await {
        assert_eq!((state.as_str(), attempts), ("queued", 2), "{to}");
        assert!(error.is_some_and(|e| e.contains("451")), "{to}");
        assert!(
            next > now + chrono::Duration::milliseconds(90_999),
            "60 s now"
        );
        assert!(next <= now + chrono::Duration::seconds(92), "60 s now");
    }
    assert_eq!(app.mail.emails().len(), before, "nothing got through");
    let queued = outbox_items(&app, &admin, "state=queued").await;
    assert_eq!(queued.len(), 2);
    assert!(queued.iter().all(|i| i["attempts"] == 2
        && i["last_error"].as_str().is_some_and(|e| e.contains("451"))
        && i["sent_at"].is_null()));

    // it accepts again: each email arrives once
    app.mail.reject(None);
    let report = app
        .deliver_emails_at(now + chrono::Duration::seconds(31 + 61))
        .await;
    assert_eq!((report.sent, report.retrying, report.failed), (2, 0, 0));
    assert_eq!(
        app.deliver_emails_at(now + chrono::Duration::days(1))
            .await
            .sent,
        0
    );
    let new: Vec<_> = app.mail.emails().into_iter().skip(before).collect();
    assert_eq!(new.len(), 2);
    let to: BTreeSet<_> = new.iter().map(|e| e.to[0].clone()).collect();
    assert_eq!(to.len(), 2, "one each for Sam and Cora");
    for (_, state, attempts, error, _) in decision_rows(&app).await {
        assert_eq!((state.as_str(), attempts, error), ("sent", 3, None));
    }
}

#[tokio::test]
async fn a_refused_email_fails_visibly_and_a_chairs_retry_sends_it_once_with_the_same_message_id() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    let wes = person(&app, "wes@example.org", "Wes Speaker").await;
    let ann = person(&app, "ann@example.org", "Ann Speaker").await;
    let first = submit(&app, &wes, "Rust in the page cache", &[]).await;
    let second = submit(&app, &ann, "Rust in the block layer", &[]).await;
    app.deliver_emails().await;
    decide(&app, &admin, &first, "reject").await;
    decide(&app, &admin, &second, "accept").await;
    assert_eq!(release(&app, &admin).await, 2);

    // 550: refused for good on the first try, and listed as failed for the chairs
    app.mail.reject(Some(550));
    let report = app.deliver_emails().await;
    assert_eq!((report.sent, report.retrying, report.failed), (0, 0, 2));
    app.mail.reject(None);
    assert_eq!(
        app.deliver_emails_at(Utc::now() + chrono::Duration::days(1))
            .await
            .sent,
        0,
        "failed emails wait for a chair"
    );
    let failed = outbox_items(&app, &admin, "state=failed").await;
    assert_eq!(failed.len(), 2, "{failed:?}");
    let wes_item = failed
        .iter()
        .find(|i| i["to"].as_str().is_some_and(|t| t.contains(&wes.email)))
        .expect("Wes's email");
    assert_eq!(wes_item["kind"], "rejection");
    assert_eq!(wes_item["proposal_id"], first.as_str());
    assert_eq!(wes_item["attempts"], 1);
    assert!(
        wes_item["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("550")),
        "{wes_item}"
    );
    assert_eq!(
        wes_item["subject"],
        "Your proposal to Rust MC: Rust in the page cache"
    );
    assert!(wes_item["sent_at"].is_null());
    assert_eq!(
        send(
            &app,
            Method::GET,
            &format!("{EVENT}/outbox?state=lost"),
            Some(&admin),
            None
        )
        .await
        .0,
        422
    );

    // the chairs retry both (one twice at once): each is delivered once
    let mut ids: Vec<String> = failed
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    let retry = |id: &str| format!("{EVENT}/outbox/{id}/retry");
    let first_retry = retry(&ids[0]);
    let (a, b) = tokio::join!(
        send(&app, Method::POST, &first_retry, Some(&admin), None),
        send(&app, Method::POST, &first_retry, Some(&admin), None)
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let retried = expect(&app, Method::POST, &retry(&ids[1]), &admin, None, 200).await;
    assert_eq!(retried["state"], "queued");
    assert_eq!(
        send(&app, Method::POST, &retry(&ids[1]), Some(&admin), None)
            .await
            .0,
        409,
        "only a failed email is retried"
    );
    let unknown = uuid::Uuid::new_v4();
    assert_eq!(
        send(
            &app,
            Method::POST,
            &retry(&unknown.to_string()),
            Some(&admin),
            None
        )
        .await
        .0,
        404
    );
    let report = app.deliver_emails().await;
    assert_eq!((report.sent, report.retrying, report.failed), (2, 0, 0));
    assert_eq!(app.deliver_emails().await.sent, 0);
    assert_eq!(decisions_to(&app, &wes.email).len(), 1);
    assert_eq!(decisions_to(&app, &ann.email).len(), 1);
    let sent = outbox_items(&app, &admin, "state=sent").await;
    let wes_item = sent
        .iter()
        .find(|i| i["to"].as_str().is_some_and(|t| t.contains(&wes.email)))
        .expect("sent");
    // a chair's retry starts a fresh round of attempts
    assert_eq!(wes_item["attempts"], 1);
    assert!(wes_item["last_error"].is_null());
    assert!(outbox_items(&app, &admin, "state=failed").await.is_empty());

    // a crash after the SMTP server accepted but before the row was marked sent: the same row
    // goes out again, and the copy carries the same Message-ID (receivers drop the duplicate)
    let row_id: uuid::Uuid = wes_item["id"].as_str().expect("id").parse().expect("uuid");
    let first_copy = decisions_to(&app, &wes.email)[0].clone();
    let message_id = first_copy.header("Message-ID").expect("Message-ID");
    assert!(message_id.contains(&row_id.to_string()), "{message_id}");
    let mut conn = app.state.pool.get().await.expect("conn");
    diesel::update(outbox::table.find(row_id))
        .set((
            outbox::state.eq("queued"),
            outbox::sent_at.eq(None::<chrono::DateTime<Utc>>),
        ))
        .execute(&mut conn)
        .await
        .expect("as if never marked sent");
    assert_eq!(app.deliver_emails().await.sent, 1);
    let copies = decisions_to(&app, &wes.email);
    assert_eq!(copies.len(), 2);
    assert_eq!(copies[1].header("Message-ID"), Some(message_id));
    assert_eq!(copies[1].text(), first_copy.text());
    assert_eq!(copies[1].subject(), first_copy.subject());

    // transient refusals until the worker gives up: failed after MAX_ATTEMPTS, then a chair's
    // retry delivers it once
    // (`email::worker::MAX_ATTEMPTS`, which the crate does not export)
    const MAX_ATTEMPTS: i32 = 8;
    let tia = person(&app, "tia@example.org", "Tia Speaker").await;
    let third = submit(&app, &tia, "Rust in the scheduler", &[]).await;
    app.deliver_emails().await;
    decide(&app, &admin, &third, "waitlist").await;
    assert_eq!(release(&app, &admin).await, 1);
    app.mail.reject(Some(421));
    let start = Utc::now();
    let mut outcomes = Vec::new();
    for round in 0..MAX_ATTEMPTS {
        let report = app
            .deliver_emails_at(start + chrono::Duration::hours(2 * i64::from(round)))
            .await;
        outcomes.push((report.sent, report.retrying, report.failed));
    }
    let mut wanted = vec![(0, 1, 0); MAX_ATTEMPTS as usize - 1];
    wanted.push((0, 0, 1));
    assert_eq!(outcomes, wanted);
    app.mail.reject(None);
    let failed = outbox_items(&app, &admin, "state=failed").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["attempts"], MAX_ATTEMPTS);
    assert!(
        failed[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("421"))
    );
    let id = failed[0]["id"].as_str().expect("id").to_owned();
    expect(&app, Method::POST, &retry(&id), &admin, None, 200).await;
    assert_eq!(app.deliver_emails().await.sent, 1);
    assert_eq!(decisions_to(&app, &tia.email).len(), 1);
}

// ---------------------------------------------------------------- 3. workers that die or race

#[tokio::test]
async fn a_worker_killed_between_claim_and_send_loses_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    let wes = person(&app, "wes@example.org", "Wes Speaker").await;
    let id = submit(&app, &wes, "Rust in the page cache", &[]).await;
    app.deliver_emails().await;
    decide(&app, &admin, &id, "accept").await;
    assert_eq!(release(&app, &admin).await, 1);
    assert_eq!(claimable_and_queued(&app).await, (1, 1));

    // an SMTP server that takes the connection and then never says a word
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    silent.set_nonblocking(true).expect("nonblocking");
    let port = silent.local_addr().expect("addr").port();
    let log = std::env::temp_dir().join(format!("mcfp-worker-{}.log", uuid::Uuid::new_v4()));
    let mut worker = start_worker(&app, &format!("smtp://127.0.0.1:{port}"), &log);

    // wait until the worker holds the row (locked: SKIP LOCKED passes it over) and is talking
    // to the SMTP server
    let mut connection = None;
    for _ in 0..300 {
        if connection.is_none()
            && let Ok((stream, _)) = silent.accept()
        {
            connection = Some(stream);
        }
        if connection.is_some() && claimable_and_queued(&app).await == (0, 1) {
            break;
        }
        if let Some(status) = worker.0.try_wait().expect("try_wait") {
            panic!(
                "mcfp worker exited ({status}): {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        connection.is_some(),
        "the worker connected to the SMTP server"
    );
    assert_eq!(
        claimable_and_queued(&app).await,
        (0, 1),
        "the worker holds the row: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    // our own delivery round skips the locked row meanwhile
    assert_eq!(app.deliver_emails().await, Default::default());

    // kill -9: no chance to clean up
    worker.0.kill().expect("SIGKILL");
    worker.0.wait().expect("reaped");
    drop(connection);
    // PostgreSQL notices the dead connection and rolls the claim back
    for _ in 0..200 {
        if claimable_and_queued(&app).await == (1, 1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        claimable_and_queued(&app).await,
        (1, 1),
        "the row is free again"
    );
    let rows = outbox_rows(&app, &DECISION_KINDS).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].2.as_str(), rows[0].3),
        ("queued", 0),
        "nothing recorded"
    );

    let report = app.deliver_emails().await;
    assert_eq!((report.sent, report.retrying, report.failed), (1, 0, 0));
    assert_eq!(app.deliver_emails().await.sent, 0);
    let got = decisions_to(&app, &wes.email);
    assert_eq!(got.len(), 1, "delivered exactly once");
    assert_eq!(
        got[0].subject(),
        "Accepted at Rust MC: Rust in the page cache"
    );
    let rows = outbox_rows(&app, &DECISION_KINDS).await;
    assert_eq!((rows[0].2.as_str(), rows[0].3), ("sent", 1));
    let _ = std::fs::remove_file(&log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn several_workers_at_once_deliver_each_email_exactly_once() {
    const N: usize = 36;
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    // a release of real decisions: nine speakers with four proposals each
    let mut speakers = Vec::new();
    for i in 0..9 {
        speakers.push(person(&app, &format!("s{i}@example.org"), &format!("Speaker {i}")).await);
    }
    let mut titles = BTreeMap::new();
    for i in 0..N {
        let speaker = &speakers[i % speakers.len()];
        let title = format!("Talk number {i} about Rust");
        let id = submit(&app, speaker, &title, &[]).await;
        titles.insert(id, (speaker.email.clone(), title));
    }
    app.deliver_emails().await;
    let before = app.mail.emails().len();
    let ids: Vec<&String> = titles.keys().collect();
    for (i, id) in ids.iter().enumerate() {
        decide(&app, &admin, id, ["accept", "reject", "waitlist"][i % 3]).await;
    }
    assert_eq!(release(&app, &admin).await, N as u64);

    // two `mcfp worker` processes and three workers of our own, all at once, each with its own
    // SMTP connection (the harness's server serves two connections at a time, and mixes up
    // concurrent sessions: this one has a lane per connection)
    let (lanes, smtp) = ManyLanes::start();
    let logs: Vec<_> = (0..2)
        .map(|_| std::env::temp_dir().join(format!("mcfp-worker-{}.log", uuid::Uuid::new_v4())))
        .collect();
    let mut processes: Vec<Process> = logs
        .iter()
        .map(|log| start_worker(&app, &smtp, log))
        .collect();
    let ours: Vec<_> = (0..3).map(|_| worker_to(&app, &smtp, 2)).collect();
    let rounds = ours.iter().map(|w| w.deliver_due(Utc::now()));
    let reports = futures_util::future::join_all(rounds).await;
    let by_us: usize = reports
        .iter()
        .map(|r| {
            let r = r.as_ref().expect("a round");
            assert_eq!((r.retrying, r.failed), (0, 0), "{r:?}");
            r.sent
        })
        .sum();
    // whatever the processes took, they finish
    for _ in 0..200 {
        if claimable_and_queued(&app).await == (0, 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for process in &mut processes {
        let pid = process.0.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .expect("kill")
                .success()
        );
    }
    for (process, log) in processes.iter_mut().zip(&logs) {
        let status = process.0.wait().expect("wait");
        let text = std::fs::read_to_string(log).unwrap_or_default();
        assert!(status.success(), "{text}");
        assert!(text.contains("outbox worker stopped"), "{text}");
        let _ = std::fs::remove_file(log);
    }
    eprintln!("our workers sent {by_us} of {N}; the processes the rest");

    assert_eq!(app.mail.emails().len(), before);
    let new = lanes.emails();
    assert_eq!(new.len(), N, "each email once");
    let message_ids: BTreeSet<_> = new.iter().filter_map(|e| e.header("Message-ID")).collect();
    assert_eq!(message_ids.len(), N, "no two copies of one row");
    let got: BTreeSet<(String, String)> = new
        .iter()
        .map(|e| {
            let subject = e.subject();
            let title = subject
                .split_once(": ")
                .expect("a decision subject")
                .1
                .to_owned();
            (e.to[0].clone(), title)
        })
        .collect();
    let wanted: BTreeSet<(String, String)> = titles.into_values().collect();
    assert_eq!(got, wanted);
    let rows = outbox_rows(&app, &DECISION_KINDS).await;
    assert_eq!(rows.len(), N);
    assert!(
        rows.iter()
            .all(|(_, _, state, attempts)| state == "sent" && *attempts == 1)
    );
}

// ---------------------------------------------------------------- 4. the published list

/// A second server process on the same database (as behind a load balancer); returns its address.
async fn second_instance(app: &TestApp) -> String {
    let url = app.state.settings.database_url.expose().to_owned();
    let smtp = match &app.state.settings.mail {
        mcfp::config::MailTransport::Smtp(url) => url.expose().to_owned(),
        other => panic!("the test app sends through SMTP, not {other:?}"),
    };
    let mut settings = mcfp::config::Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.clone()),
        "MCFP_LISTEN" => Some("127.0.0.1:0".to_owned()),
        "MCFP_SMTP_URL" => Some(smtp.clone()),
        "MCFP_MAIL_FROM" => Some("Rust MC CfP <cfp@mcfp.test>".to_owned()),
        "MCFP_SECRET_KEY" => Some(TEST_SECRET_KEY.to_owned()),
        _ => None,
    })
    .expect("settings");
    settings.database_url = mcfp::config::Secret::new(url.clone());
    let pool = mcfp::db::build_pool(&url, 4).expect("pool");
    let second = mcfp::startup::Application::build(
        settings,
        pool,
        mcfp::startup::BuildOptions {
            run_worker: false,
            handle_signals: false,
        },
    )
    .await
    .expect("second instance");
    let address = format!("http://127.0.0.1:{}", second.port());
    tokio::spawn(second.run_until_stopped());
    address
}

/// Anonymous GET of a published list at `base`: (status, ETag, Cache-Control, body).
async fn public_get(
    base: &str,
    path: &str,
    if_none_match: Option<&str>,
) -> (u16, Option<String>, Option<String>, String) {
    let mut request = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(tag) = if_none_match {
        request = request.header("If-None-Match", tag);
    }
    let response = request.send().await.expect("get");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (etag, cache) = (header("etag"), header("cache-control"));
    let status = response.status().as_u16();
    (status, etag, cache, response.text().await.expect("body"))
}

fn listed_titles(body: &str) -> Vec<String> {
    let list: Value = serde_json::from_str(body).expect("json");
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["title"].as_str().expect("title").to_owned())
        .collect()
}

#[tokio::test]
async fn the_published_list_shows_exactly_the_accepted_talks_and_every_instance_sees_changes_at_once()
 {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    let chair = person(&app, "chair@example.org", "Chris Chair").await;
    member(&app, &admin, "rust-mc", &chair, "chair").await;
    let rev = person(&app, "rev@example.org", "Rev Reviewer").await;
    member(&app, &admin, "rust-mc", &rev, "reviewer").await;
    let sam = person(&app, "sam@example.org", "Sam Speaker").await;
    let cora = person(&app, "cora@example.org", "Cora Cospeaker").await;
    let dee = person(&app, "dee@example.org", "Dee Decliner").await;
    let ida = person(&app, "ida@example.org", "Ida Indecisive").await;
    let others = person(&app, "others@example.org", "Otto Others").await;
    let confirmed = submit(&app, &sam, "A confirmed talk", &[&cora]).await;
    let accepted = submit(&app, &cora, "An accepted talk", &[]).await;
    let declines = submit(&app, &dee, "A talk its speaker declines", &[]).await;
    let wavers = submit(&app, &ida, "A talk confirmed then declined", &[]).await;
    let rejected = submit(&app, &others, "A rejected talk", &[]).await;
    let waitlisted = submit(&app, &others, "A waitlisted talk", &[]).await;
    let _submitted = submit(&app, &others, "A talk nobody decided", &[]).await;
    let withdrawn = submit(&app, &others, "A withdrawn talk", &[]).await;
    let unreleased = submit(&app, &others, "An accepted but unreleased talk", &[]).await;
    for (id, decision) in [
        (&confirmed, "accept"),
        (&accepted, "accept"),
        (&declines, "accept"),
        (&wavers, "accept"),
        (&rejected, "reject"),
        (&waitlisted, "waitlist"),
        (&withdrawn, "accept"),
    ] {
        decide(&app, &chair.token, id, decision).await;
    }
    expect(
        &app,
        Method::POST,
        &format!("/api/v1/proposals/{withdrawn}/withdraw"),
        &others.token,
        None,
        200,
    )
    .await;
    release(&app, &chair.token).await;
    decide(&app, &chair.token, &unreleased, "accept").await;
    for (who, id) in [(&cora, &confirmed), (&ida, &wavers)] {
        expect(
            &app,
            Method::POST,
            &format!("/api/v1/proposals/{id}/confirm"),
            &who.token,
            None,
            200,
        )
        .await;
    }

    // an accepted talk cannot be withdrawn (only declined)
    assert_eq!(
        send(
            &app,
            Method::POST,
            &format!("/api/v1/proposals/{accepted}/withdraw"),
            Some(&cora.token),
            None
        )
        .await
        .0,
        409
    );

    let path = format!("{EVENT}/accepted");
    let base = app.address.clone();
    // not published: 404 for everyone, and for an unknown event
    assert_eq!(public_get(&base, &path, None).await.0, 404);
    assert_eq!(
        public_get(&base, "/api/v1/events/no-such-event/accepted", None)
            .await
            .0,
        404
    );
    assert_eq!(
        send(&app, Method::GET, &path, Some(&sam.token), None)
            .await
            .0,
        404
    );

    let published = expect(
        &app,
        Method::POST,
        &format!("{EVENT}/publish"),
        &chair.token,
        None,
        200,
    )
    .await;
    let published_at = published["published_at"].as_str().expect("date").to_owned();
    let again = expect(
        &app,
        Method::POST,
        &format!("{EVENT}/publish"),
        &chair.token,
        None,
        200,
    )
    .await;
    assert_eq!(
        again["published_at"],
        published_at.as_str(),
        "keeps the first date"
    );

    let (status, etag, cache, body) = public_get(&base, &path, None).await;
    assert_eq!(status, 200, "{body}");
    let etag = etag.expect("an ETag");
    assert!(cache.is_some_and(|c| c.contains("public") && c.contains("no-cache")));
    let list: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(list["event"], "rust-mc");
    assert_eq!(list["published_at"], published_at.as_str());
    assert_eq!(
        listed_titles(&body),
        [
            "A confirmed talk",
            "A talk confirmed then declined",
            "A talk its speaker declines",
            "An accepted talk"
        ]
    );
    let first = &list["items"][0];
    assert_eq!(first["id"], confirmed.as_str());
    assert_eq!(first["abstract"], ABSTRACT);
    assert!(first["subtopics"].is_array());
    assert_eq!(
        first["speakers"],
        json!([{"name": "Sam Speaker"}, {"name": "Cora Cospeaker"}])
    );
    assert!(!body.contains('@'), "no email address anywhere: {body}");
    assert!(!body.contains("chairs' note") && !body.contains("for the chairs only"));

    // If-None-Match: 304 while nothing changed, from this instance and from a second one
    let (status, tag, _, body) = public_get(&base, &path, Some(&etag)).await;
    assert_eq!(
        (status, tag.as_deref(), body.as_str()),
        (304, Some(etag.as_str()), "")
    );
    // If-None-Match compares weakly (RFC 9110 §13.1.2): a proxy may have weakened the tag
    let listed_with_others = format!("\"json-0000\", W/{etag}");
    assert_eq!(
        public_get(&base, &path, Some(&listed_with_others)).await.0,
        304
    );
    assert_eq!(public_get(&base, &path, Some("\"json-0000\"")).await.0, 200);
    let other = second_instance(&app).await;
    let (status, other_tag, _, other_body) = public_get(&other, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        other_tag.as_deref(),
        Some(etag.as_str()),
        "same version, same ETag"
    );
    assert_eq!(listed_titles(&other_body).len(), 4);
    assert_eq!(public_get(&other, &path, Some(&etag)).await.0, 304);

    // a speaker declines through the first instance: gone at the next read from both
    expect(
        &app,
        Method::POST,
        &format!("/api/v1/proposals/{declines}/decline"),
        &dee.token,
        None,
        200,
    )
    .await;
    let (status, etag2, _, body) = public_get(&other, &path, Some(&etag)).await;
    assert_eq!(status, 200, "the old ETag no longer matches");
    let etag2 = etag2.expect("etag");
    assert_ne!(etag2, etag);
    assert_eq!(
        listed_titles(&body),
        [
            "A confirmed talk",
            "A talk confirmed then declined",
            "An accepted talk"
        ]
    );
    assert_eq!(
        public_get(&base, &path, None).await.1.as_deref(),
        Some(etag2.as_str())
    );
    // declining after confirming: gone too
    expect(
        &app,
        Method::POST,
        &format!("/api/v1/proposals/{wavers}/decline"),
        &ida.token,
        None,
        200,
    )
    .await;
    let (_, etag3, _, body) = public_get(&other, &path, None).await;
    assert_eq!(
        listed_titles(&body),
        ["A confirmed talk", "An accepted talk"]
    );
    let etag3 = etag3.expect("etag");
    assert_ne!(etag3, etag2);

    // changes straight in the database reach both caches at once: a title, a co-speaker leaving
    let mut conn = app.state.pool.get().await.expect("conn");
    let accepted_uuid: uuid::Uuid = accepted.parse().expect("uuid");
    diesel::update(proposals::table.find(accepted_uuid))
        .set(proposals::title.eq("An accepted talk, retitled"))
        .execute(&mut conn)
        .await
        .expect("retitle");
    let confirmed_uuid: uuid::Uuid = confirmed.parse().expect("uuid");
    diesel::delete(
        mcfp::schema::co_speakers::table
            .filter(mcfp::schema::co_speakers::proposal_id.eq(confirmed_uuid)),
    )
    .execute(&mut conn)
    .await
    .expect("co-speaker leaves");
    for base in [&base, &other] {
        let (status, tag, _, body) = public_get(base, &path, Some(&etag3)).await;
        assert_eq!(status, 200, "{base}");
        assert_ne!(tag.as_deref(), Some(etag3.as_str()));
        assert_eq!(
            listed_titles(&body),
            ["A confirmed talk", "An accepted talk, retitled"]
        );
        assert_eq!(
            body.matches("Cora Cospeaker").count(),
            1,
            "only on her own talk"
        );
        let list: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(
            list["items"][0]["speakers"],
            json!([{"name": "Sam Speaker"}])
        );
    }
    // the event's title is part of the list too
    expect(
        &app,
        Method::PATCH,
        EVENT,
        &chair.token,
        Some(&json!({"title": "Rust Microconference"})),
        200,
    )
    .await;
    let (_, _, _, body) = public_get(&other, &path, None).await;
    let list: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(list["title"], "Rust Microconference");

    // the chairs' CSV has the emails (published or not); nobody else gets it
    let csv_path = format!("{EVENT}/accepted.csv");
    let (status, csv) = send(&app, Method::GET, &csv_path, Some(&chair.token), None).await;
    assert_eq!(status, 200);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("proposal_id,title,track,format,state,speakers,emails")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(
        rows[0].contains(&confirmed)
            && rows[0].contains("confirmed")
            && rows[0].contains("sam@example.org")
    );
    assert!(
        rows[1].contains(&accepted)
            && rows[1].contains(",accepted,")
            && rows[1].contains("cora@example.org")
    );
    for token in [None, Some(sam.token.as_str()), Some(rev.token.as_str())] {
        let (status, body) = send(&app, Method::GET, &csv_path, token, None).await;
        assert!(status == 401 || status == 403, "{status} {body}");
        assert!(!body.contains("@example.org"));
    }

    // unpublished: 404 everywhere at once, whatever the client had; published again: a new ETag
    let unpublished = expect(
        &app,
        Method::DELETE,
        &format!("{EVENT}/publish"),
        &chair.token,
        None,
        200,
    )
    .await;
    assert!(unpublished["published_at"].is_null());
    for base in [&base, &other] {
        assert_eq!(public_get(base, &path, None).await.0, 404);
        assert_eq!(public_get(base, &path, Some(&etag3)).await.0, 404);
        assert_eq!(public_get(base, &path, Some("*")).await.0, 404);
    }
    assert_eq!(
        send(&app, Method::GET, &csv_path, Some(&chair.token), None)
            .await
            .0,
        200,
        "the CSV does not depend on publishing"
    );
    expect(
        &app,
        Method::POST,
        &format!("{EVENT}/publish"),
        &chair.token,
        None,
        200,
    )
    .await;
    let (status, tag, _, _) = public_get(&other, &path, None).await;
    assert_eq!(status, 200);
    let tag = tag.expect("etag");
    assert!(![&etag, &etag2, &etag3].contains(&&tag));
    assert_eq!(public_get(&base, &path, Some(&tag)).await.0, 304);
}

// ---------------------------------------------------------------- 5. templates and preview

const CUSTOM_SUBJECT: &str = "{{event_title}}: “{{proposal_title}}” is in";
const CUSTOM_BODY: &str = "Hi {{speaker_name}},

“{{proposal_title}}” is on the programme of {{event_title}}{{#track}} ({{track}}){{/track}}.
{{#reviewer_comments}}
The reviewers wrote:

{{reviewer_comments}}
{{/reviewer_comments}}{{^reviewer_comments}}
No comments this time.
{{/reviewer_comments}}
Confirm here: {{confirm_link}}{{#confirm_deadline}} (by {{confirm_deadline}}){{/confirm_deadline}}

See you in Tokyo & <elsewhere>!";

#[tokio::test]
async fn the_preview_renders_exactly_what_the_release_sends_and_bad_templates_are_never_stored() {
    let app = TestApp::spawn().await;
    let (admin, _sam, _cora, id) = proposal_with_co_speaker(&app).await;
    let rev = person(&app, "rev@example.org", "Rev Reviewer").await;
    member(&app, &admin, "rust-mc", &rev, "reviewer").await;
    expect(
        &app,
        Method::PATCH,
        EVENT,
        &admin,
        Some(&json!({"review_open": true, "share_review_comments": true,
            "confirm_by": "2029-06-01T16:00:00Z"})),
        200,
    )
    .await;
    expect(
        &app,
        Method::PUT,
        &format!("/api/v1/proposals/{id}/assignments"),
        &admin,
        Some(&json!({"reviewer_ids": [app_user_id(&app, &rev.email).await]})),
        200,
    )
    .await;
    expect(
        &app,
        Method::PUT,
        &format!("/api/v1/proposals/{id}/review"),
        &rev.token,
        Some(&json!({"score": 5, "confidence": 3,
            "comment_for_chairs": "Accept; the speaker is a maintainer.",
            "comment_for_speakers": "Lovely scope.\nPlease show the unsafe blocks."})),
        200,
    )
    .await;
    let templates = format!("{EVENT}/email-templates");

    // the shipped wording to begin with, and the placeholders it may use
    let list = expect(&app, Method::GET, &templates, &admin, None, 200).await;
    let kinds: Vec<_> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| {
            (
                t["kind"].as_str().expect("kind").to_owned(),
                t["customized"].clone(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("acceptance".to_owned(), json!(false)),
            ("rejection".to_owned(), json!(false)),
            ("waitlist".to_owned(), json!(false))
        ]
    );
    assert_eq!(
        list["items"][0]["subject"],
        "Accepted at {{event_title}}: {{proposal_title}}"
    );
    let names: Vec<_> = list["placeholders"]
        .as_array()
        .expect("placeholders")
        .iter()
        .map(|p| p[0].as_str().expect("name").to_owned())
        .collect();
    assert!(
        names.contains(&"reviewer_comments".to_owned())
            && names.contains(&"confirm_link".to_owned())
    );

    // template errors: 422 naming the field, and nothing stored
    let acceptance = format!("{templates}/acceptance");
    for (subject, body, field) in [
        ("Hi {{speker_name}}", "fine", "subject"),
        ("fine", "Dear {{speaker_nam}},", "body"),
        ("fine", "{{#reviewer_comments}}never closed", "body"),
        ("fine", "stray {{/track}}", "body"),
        (
            "fine",
            "{{#track}}{{#confirm_link}}{{/track}}{{/confirm_link}}",
            "body",
        ),
        ("{{event_title", "fine", "subject"),
        ("", "fine", "subject"),
        ("fine", "", "body"),
    ] {
        let (status, text) = send(
            &app,
            Method::PUT,
            &acceptance,
            Some(&admin),
            Some(&json!({"subject": subject, "body": body})),
        )
        .await;
        assert_eq!(status, 422, "{subject:?} {body:?}: {text}");
        let problem: Value = serde_json::from_str(&text).expect("json");
        assert!(
            problem["errors"][field]
                .as_array()
                .is_some_and(|m| !m.is_empty()),
            "{field}: {problem}"
        );
    }
    let (status, text) = send(
        &app,
        Method::PUT,
        &acceptance,
        Some(&admin),
        Some(&json!({"subject": "{{nope}}", "body": "{{nope_either}}"})),
    )
    .await;
    assert_eq!(status, 422);
    let problem: Value = serde_json::from_str(&text).expect("json");
    assert!(
        problem["errors"]["subject"][0]
            .as_str()
            .is_some_and(|m| m.contains("{{nope}}"))
    );
    assert!(
        problem["errors"]["body"][0]
            .as_str()
            .is_some_and(|m| m.contains("{{nope_either}}"))
    );
    assert_eq!(
        send(
            &app,
            Method::PUT,
            &format!("{templates}/welcome"),
            Some(&admin),
            Some(&json!({"subject": "x", "body": "y"}))
        )
        .await
        .0,
        404,
        "no such kind"
    );
    let list = expect(&app, Method::GET, &templates, &admin, None, 200).await;
    assert!(
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|t| t["customized"] == false)
    );
    let mut conn = app.state.pool.get().await.expect("conn");
    let stored: i64 = mcfp::schema::email_templates::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(stored, 0, "nothing stored");

    // a good one is saved
    let saved = expect(
        &app,
        Method::PUT,
        &acceptance,
        &admin,
        Some(&json!({"subject": CUSTOM_SUBJECT, "body": CUSTOM_BODY})),
        200,
    )
    .await;
    assert_eq!(saved["customized"], true);
    assert_eq!(saved["body"], CUSTOM_BODY);

    // previews: unsaved wording, the saved wording, and their mistakes
    let preview = format!("{acceptance}/preview");
    let trial = expect(
        &app,
        Method::POST,
        &preview,
        &admin,
        Some(&json!({"proposal_id": id, "subject": "Trial for {{speaker_name}}",
            "body": "{{^reviewer_comments}}none{{/reviewer_comments}}{{#reviewer_comments}}some{{/reviewer_comments}}"})),
        200,
    )
    .await;
    let trial_subjects: BTreeSet<_> = trial["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["subject"].as_str().expect("subject").to_owned())
        .collect();
    assert_eq!(
        trial_subjects,
        BTreeSet::from([
            "Trial for Cora Cospeaker".to_owned(),
            "Trial for Sam Speaker".to_owned()
        ])
    );
    assert!(
        trial["items"][0]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("some"))
    );
    for (body, status) in [
        (json!({"proposal_id": id, "subject": "only a subject"}), 422),
        (
            json!({"proposal_id": id, "subject": "{{bad}}", "body": "x"}),
            422,
        ),
        (json!({"proposal_id": uuid::Uuid::new_v4()}), 422),
    ] {
        assert_eq!(
            send(&app, Method::POST, &preview, Some(&admin), Some(&body))
                .await
                .0,
            status,
            "{body}"
        );
    }
    let previewed = expect(
        &app,
        Method::POST,
        &preview,
        &admin,
        Some(&json!({"proposal_id": id})),
        200,
    )
    .await;
    let previews: BTreeMap<String, Value> = previewed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["to"].as_str().expect("to").to_owned(), i.clone()))
        .collect();
    assert_eq!(previews.len(), 2, "one per speaker: {previewed}");
    let sam_preview = previews
        .iter()
        .find(|(to, _)| to.contains("sam@example.org"))
        .expect("Sam's")
        .1;
    let text = sam_preview["text"].as_str().expect("text");
    assert!(text.starts_with("Hi Sam Speaker,"), "{text}");
    assert!(
        text.contains("The reviewers wrote:\n\nLovely scope.\nPlease show the unsafe blocks."),
        "{text}"
    );
    assert!(!text.contains("No comments this time"), "{text}");
    assert!(
        !text.contains("the speaker is a maintainer"),
        "the chairs' comment stays theirs"
    );
    assert!(
        text.contains(&format!(
            "Confirm here: {}proposals/{id}/confirm (by ",
            app.state.base_url
        )),
        "{text}"
    );
    assert!(text.contains("2029"), "the deadline: {text}");
    assert_eq!(
        sam_preview["subject"],
        "Rust MC: “Writing a PCI driver in Rust” is in"
    );
    let html = sam_preview["html"].as_str().expect("html");
    assert!(
        html.contains("See you in Tokyo &amp; &lt;elsewhere&gt;!"),
        "escaped: {html}"
    );
    assert!(html.contains("<p>The reviewers wrote:</p>"), "{html}");

    // the release sends exactly what was previewed
    app.deliver_emails().await;
    decide(&app, &admin, &id, "accept").await;
    assert_eq!(release(&app, &admin).await, 2);
    assert_eq!(app.deliver_emails().await.sent, 2);
    for (to, preview) in &previews {
        let address = to
            .rsplit_once('<')
            .map_or(to.as_str(), |(_, a)| a.trim_end_matches('>'));
        let got: Vec<_> = received_by(&app, address)
            .into_iter()
            .filter(|e| e.subject().contains("is in"))
            .collect();
        assert_eq!(got.len(), 1, "{address}");
        let email = &got[0];
        assert_eq!(
            email.subject(),
            preview["subject"].as_str().expect("subject")
        );
        assert_eq!(
            normalized(&email.text()),
            normalized(preview["text"].as_str().expect("text")),
            "{address}"
        );
        let html = normalized(&email.html());
        assert_eq!(html, normalized(preview["html"].as_str().expect("html")));
        for paragraph in preview["html"].as_str().expect("html").split("<p>").skip(1) {
            let paragraph = paragraph.split("</p>").next().expect("paragraph");
            assert!(html.contains(&normalized(paragraph)), "{paragraph}");
        }
    }

    // back to the shipped wording
    let reset = expect(&app, Method::DELETE, &acceptance, &admin, None, 200).await;
    assert_eq!(reset["customized"], false);
    assert_eq!(
        reset["subject"],
        "Accepted at {{event_title}}: {{proposal_title}}"
    );
    let list = expect(&app, Method::GET, &templates, &admin, None, 200).await;
    assert!(
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|t| t["customized"] == false)
    );
}

// ---------------------------------------------------------------- 6. confirm, decline, remind

#[tokio::test]
async fn only_the_speakers_of_an_accepted_proposal_confirm_or_decline_and_the_history_shows_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    let chair = person(&app, "chair@example.org", "Chris Chair").await;
    member(&app, &admin, "rust-mc", &chair, "chair").await;
    let rev = person(&app, "rev@example.org", "Rev Reviewer").await;
    member(&app, &admin, "rust-mc", &rev, "reviewer").await;
    let stranger = person(&app, "stranger@example.org", "Stan Stranger").await;
    let sam = person(&app, "sam@example.org", "Sam Speaker").await;
    let cora = person(&app, "cora@example.org", "Cora Cospeaker").await;
    let wes = person(&app, "wes@example.org", "Wes Speaker").await;
    let accepted = submit(&app, &sam, "An accepted talk", &[&cora]).await;
    let rejected = submit(&app, &wes, "A rejected talk", &[]).await;
    let waitlisted = submit(&app, &wes, "A waitlisted talk", &[]).await;
    let submitted = submit(&app, &wes, "A talk nobody decided", &[]).await;
    let late = submit(&app, &wes, "A talk confirmed too late", &[]).await;
    let unreleased = submit(&app, &sam, "An accepted but unreleased talk", &[]).await;
    let rev_id = app_user_id(&app, &rev.email).await;
    for id in [&accepted, &rejected] {
        expect(
            &app,
            Method::PUT,
            &format!("/api/v1/proposals/{id}/assignments"),
            &chair.token,
            Some(&json!({"reviewer_ids": [rev_id]})),
            200,
        )
        .await;
    }
    decide(&app, &chair.token, &accepted, "waitlist").await;
    decide(&app, &chair.token, &accepted, "accept").await;
    decide(&app, &chair.token, &rejected, "reject").await;
    decide(&app, &chair.token, &waitlisted, "waitlist").await;
    decide(&app, &chair.token, &late, "accept").await;
    release(&app, &chair.token).await;
    decide(&app, &chair.token, &unreleased, "accept").await;

    let confirm = |id: &str| format!("/api/v1/proposals/{id}/confirm");
    let decline = |id: &str| format!("/api/v1/proposals/{id}/decline");
    // who may answer: the speakers only
    for (who, token, status) in [
        ("anonymous", None, 401),
        ("a stranger", Some(&stranger.token), 404),
        ("an assigned reviewer", Some(&rev.token), 403),
        ("a chair", Some(&chair.token), 403),
        ("a site admin", Some(&admin), 403),
        ("the speaker of another proposal", Some(&wes.token), 404),
    ] {
        for path in [confirm(&accepted), decline(&accepted)] {
            let (got, body) =
                send(&app, Method::POST, &path, token.map(String::as_str), None).await;
            assert_eq!(got, status, "{who} {path}: {body}");
        }
    }
    assert_eq!(
        proposal_as(&app, &sam.token, &accepted).await["state"],
        "accepted",
        "nobody answered yet"
    );
    // only accepted proposals: not submitted, rejected, waitlisted, nor accepted-but-unreleased
    for (token, id) in [
        (&wes.token, &submitted),
        (&wes.token, &rejected),
        (&wes.token, &waitlisted),
        (&sam.token, &unreleased),
    ] {
        for path in [confirm(id), decline(id)] {
            let (status, body) = send(&app, Method::POST, &path, Some(token), None).await;
            assert_eq!(status, 409, "{path}: {body}");
        }
    }

    // the co-speaker confirms (twice: the same answer again is fine), then the submitter declines
    let confirmed = expect(
        &app,
        Method::POST,
        &confirm(&accepted),
        &cora.token,
        None,
        200,
    )
    .await;
    assert_eq!(confirmed["state"], "confirmed");
    assert!(confirmed.get("decision").is_none());
    expect(
        &app,
        Method::POST,
        &confirm(&accepted),
        &sam.token,
        None,
        200,
    )
    .await;
    let declined = expect(
        &app,
        Method::POST,
        &decline(&accepted),
        &sam.token,
        None,
        200,
    )
    .await;
    assert_eq!(declined["state"], "declined");
    expect(
        &app,
        Method::POST,
        &decline(&accepted),
        &cora.token,
        None,
        200,
    )
    .await;
    assert_eq!(
        send(
            &app,
            Method::POST,
            &confirm(&accepted),
            Some(&sam.token),
            None
        )
        .await
        .0,
        409,
        "declined is final"
    );
    assert_eq!(
        proposal_as(&app, &cora.token, &accepted).await["state"],
        "declined"
    );

    // the deadline: confirming after it is refused, declining still works
    expect(
        &app,
        Method::PATCH,
        EVENT,
        &chair.token,
        Some(&json!({"confirm_by": (Utc::now() - chrono::Duration::minutes(1)).to_rfc3339()})),
        200,
    )
    .await;
    let (status, body) = send(&app, Method::POST, &confirm(&late), Some(&wes.token), None).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("deadline"), "{body}");
    assert_eq!(
        proposal_as(&app, &wes.token, &late).await["state"],
        "accepted"
    );
    expect(
        &app,
        Method::PATCH,
        EVENT,
        &chair.token,
        Some(&json!({"confirm_by": null})),
        200,
    )
    .await;
    expect(&app, Method::POST, &confirm(&late), &wes.token, None, 200).await;

    // the decision history, for the chairs only
    let history_path = format!("/api/v1/proposals/{accepted}/decision-history");
    let history = expect(&app, Method::GET, &history_path, &chair.token, None, 200).await;
    let entries: Vec<(String, Value, String, Value)> = history["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            assert!(e["at"].is_string(), "{e}");
            (
                e["action"].as_str().expect("action").to_owned(),
                e["before"].clone(),
                e["after"].as_str().expect("after").to_owned(),
                e["actor"].clone(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            (
                "decide".into(),
                Value::Null,
                "waitlist".into(),
                json!("Chris Chair")
            ),
            (
                "decide".into(),
                json!("waitlist"),
                "accept".into(),
                json!("Chris Chair")
            ),
            (
                "release".into(),
                json!("submitted"),
                "accepted".into(),
                json!("Chris Chair")
            ),
            (
                "confirm".into(),
                json!("accepted"),
                "confirmed".into(),
                json!("Cora Cospeaker")
            ),
            (
                "decline".into(),
                json!("confirmed"),
                "declined".into(),
                json!("Sam Speaker")
            ),
        ],
        "{history}"
    );
    assert_eq!(history["items"][0]["note"], "chairs' note: waitlist");
    for (token, status) in [
        (None, 401),
        (Some(&sam.token), 403),
        (Some(&rev.token), 403),
        (Some(&stranger.token), 404),
    ] {
        assert_eq!(
            send(
                &app,
                Method::GET,
                &history_path,
                token.map(String::as_str),
                None
            )
            .await
            .0,
            status
        );
    }
}

#[tokio::test]
async fn reminders_go_only_to_the_speakers_of_accepted_unanswered_proposals() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    let sam = person(&app, "sam@example.org", "Sam Speaker").await;
    let cora = person(&app, "cora@example.org", "Cora Cospeaker").await;
    let cleo = person(&app, "cleo@example.org", "Cleo Confirmed").await;
    let dee = person(&app, "dee@example.org", "Dee Declined").await;
    let others = person(&app, "others@example.org", "Otto Others").await;
    let waiting = submit(&app, &sam, "An accepted talk nobody answered for", &[&cora]).await;
    let confirmed = submit(&app, &cleo, "A confirmed talk", &[]).await;
    let declined = submit(&app, &dee, "A declined talk", &[]).await;
    let rejected = submit(&app, &others, "A rejected talk", &[]).await;
    let waitlisted = submit(&app, &others, "A waitlisted talk", &[]).await;
    let _undecided = submit(&app, &others, "A talk nobody decided", &[]).await;
    let unreleased = submit(&app, &others, "An accepted but unreleased talk", &[]).await;
    for (id, decision) in [
        (&waiting, "accept"),
        (&confirmed, "accept"),
        (&declined, "accept"),
        (&rejected, "reject"),
        (&waitlisted, "waitlist"),
    ] {
        decide(&app, &admin, id, decision).await;
    }
    expect(
        &app,
        Method::PATCH,
        EVENT,
        &admin,
        Some(&json!({"confirm_by": "2029-06-01T16:00:00Z"})),
        200,
    )
    .await;
    release(&app, &admin).await;
    decide(&app, &admin, &unreleased, "accept").await;
    for (who, id, answer) in [(&cleo, &confirmed, "confirm"), (&dee, &declined, "decline")] {
        expect(
            &app,
            Method::POST,
            &format!("/api/v1/proposals/{id}/{answer}"),
            &who.token,
            None,
            200,
        )
        .await;
    }
    app.deliver_emails().await;
    let before = app.mail.emails().len();

    let remind = format!("{EVENT}/confirmations/remind");
    let minute = Utc::now().timestamp() / 60;
    let queued = expect(&app, Method::POST, &remind, &admin, None, 200).await;
    assert_eq!(queued["queued"], 2, "Sam and Cora: {queued}");
    let again = expect(&app, Method::POST, &remind, &admin, None, 200).await;
    if Utc::now().timestamp() / 60 == minute {
        assert_eq!(again["queued"], 0, "a second click in the same minute");
    }
    app.deliver_emails().await;
    let reminders: Vec<_> = app
        .mail
        .emails()
        .into_iter()
        .skip(before)
        .filter(|e| e.subject() == "Please confirm your talk at Rust MC")
        .collect();
    let mut to: Vec<_> = reminders.iter().map(|e| e.to[0].clone()).collect();
    to.sort();
    to.dedup();
    assert_eq!(to, [cora.email.clone(), sam.email.clone()]);
    for email in &reminders {
        let text = email.text();
        assert!(
            text.contains("An accepted talk nobody answered for"),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "{}proposals/{waiting}/confirm",
                app.state.base_url
            )),
            "{text}"
        );
        assert!(text.contains("Please answer by 2029-06-01"), "{text}");
    }
    let rows = outbox_rows(&app, &["confirmation_reminder"]).await;
    assert!(rows.iter().all(|(to, _, state, _)| state == "sent"
        && (to.contains(&sam.email) || to.contains(&cora.email))));

    // once they answer, nobody is left to remind
    expect(
        &app,
        Method::POST,
        &format!("/api/v1/proposals/{waiting}/confirm"),
        &cora.token,
        None,
        200,
    )
    .await;
    let queued = expect(&app, Method::POST, &remind, &admin, None, 200).await;
    assert_eq!(queued["queued"], 0);
}

// ---------------------------------------------------------------- bulk decisions

#[tokio::test]
async fn bulk_decisions_by_proposals_or_by_track_and_only_the_undecided() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    another_event(&app, &admin, "go-mc").await;
    let speakers = [
        person(&app, "a@example.org", "Ana").await,
        person(&app, "b@example.org", "Ben").await,
        person(&app, "c@example.org", "Cai").await,
        person(&app, "d@example.org", "Dan").await,
        person(&app, "e@example.org", "Eve").await,
    ];
    let mut ids = Vec::new();
    for (i, speaker) in speakers.iter().enumerate() {
        ids.push(submit(&app, speaker, &format!("Proposal {i}"), &[]).await);
    }
    for (id, track) in ids
        .iter()
        .zip(["rust", "rust", "rust", "rust-for-linux", "rust"])
    {
        expect(
            &app,
            Method::PUT,
            &format!("/api/v1/proposals/{id}/track"),
            &admin,
            Some(&json!({"track": track, "subtopics": []})),
            200,
        )
        .await;
    }
    let elsewhere = submit_to(&app, "go-mc", &speakers[0], "Elsewhere", &[]).await;
    decide(&app, &admin, &ids[0], "accept").await;
    expect(
        &app,
        Method::POST,
        &format!("/api/v1/proposals/{}/withdraw", ids[4]),
        &speakers[4].token,
        None,
        200,
    )
    .await;
    let bulk = format!("{EVENT}/decisions");

    // mistakes first: 422 and nothing decided
    for body in [
        json!({"decision": "reject"}),
        json!({"decision": "reject", "track": "rust", "proposal_ids": [ids[1]]}),
        json!({"decision": "maybe", "proposal_ids": [ids[1]]}),
        json!({"decision": "reject", "proposal_ids": [ids[1], uuid::Uuid::new_v4()]}),
        json!({"decision": "reject", "proposal_ids": [ids[1], elsewhere]}),
        json!({"decision": "reject", "proposal_ids": [ids[1]], "note": "x".repeat(5001)}),
    ] {
        let (status, text) = send(&app, Method::POST, &bulk, Some(&admin), Some(&body)).await;
        assert_eq!(status, 422, "{body}: {text}");
    }
    assert!(proposal_as(&app, &admin, &ids[1]).await["decision"].is_null());

    // "reject the rest of the track": the undecided, not the decided, not the withdrawn
    let outcome = expect(
        &app,
        Method::POST,
        &bulk,
        &admin,
        Some(
            &json!({"track": "rust", "undecided_only": true, "decision": "reject",
            "note": "the rest of the track"}),
        ),
        200,
    )
    .await;
    assert_eq!(outcome["decided"], 2);
    let decisions: Vec<Value> =
        futures_util::future::join_all(ids.iter().map(|id| proposal_as(&app, &admin, id)))
            .await
            .into_iter()
            .map(|p| p["decision"]["decision"].clone())
            .collect();
    assert_eq!(
        decisions,
        [
            json!("accept"),
            json!("reject"),
            json!("reject"),
            Value::Null,
            Value::Null
        ]
    );
    let outcome = expect(
        &app,
        Method::POST,
        &bulk,
        &admin,
        Some(&json!({"proposal_ids": [ids[3]], "decision": "waitlist"})),
        200,
    )
    .await;
    assert_eq!(outcome["decided"], 1);
    let history = expect(
        &app,
        Method::GET,
        &format!("/api/v1/proposals/{}/decision-history", ids[1]),
        &admin,
        None,
        200,
    )
    .await;
    assert_eq!(history["items"][0]["action"], "decide");
    assert_eq!(history["items"][0]["after"], "reject");
    assert_eq!(history["items"][0]["note"], "the rest of the track");
    let summary = expect(
        &app,
        Method::GET,
        &format!("{EVENT}/decisions/release"),
        &admin,
        None,
        200,
    )
    .await;
    assert_eq!(
        summary,
        json!({"unreleased": 4, "accept": 1, "reject": 2, "waitlist": 1})
    );
    // still invisible to the speakers
    for (speaker, id) in speakers.iter().zip(&ids).take(4) {
        let seen = proposal_as(&app, &speaker.token, id).await;
        assert_eq!(seen["state"], "submitted");
        assert!(seen.get("decision").is_none());
    }
    // a withdrawn proposal is not decided one by one either
    assert_eq!(
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/proposals/{}/decision", ids[4]),
            Some(&admin),
            Some(&json!({"decision": "reject"}))
        )
        .await
        .0,
        409
    );
    assert_eq!(
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/proposals/{}/decision", ids[1]),
            Some(&admin),
            Some(&json!({"decision": "accepted"}))
        )
        .await
        .0,
        422
    );
}

// ---------------------------------------------------------------- 7. who may do what

#[tokio::test]
async fn every_decisions_route_by_every_role() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    another_event(&app, &admin, "go-mc").await;
    let stranger = person(&app, "stranger@example.org", "Stan Stranger").await;
    let speaker = person(&app, "speaker@example.org", "Sue Speaker").await;
    let reviewer = person(&app, "reviewer@example.org", "Rae Reviewer").await;
    let other_chair = person(&app, "other-chair@example.org", "Oli Otherchair").await;
    let chair = person(&app, "chair@example.org", "Chris Chair").await;
    member(&app, &admin, "rust-mc", &reviewer, "reviewer").await;
    member(&app, &admin, "rust-mc", &chair, "chair").await;
    member(&app, &admin, "go-mc", &other_chair, "chair").await;
    let answered = submit(&app, &speaker, "Accepted before the checks", &[]).await;
    let decided = submit(&app, &speaker, "Decided during the checks", &[]).await;
    let reviewer_id = app_user_id(&app, &reviewer.email).await;
    for id in [&answered, &decided] {
        expect(
            &app,
            Method::PUT,
            &format!("/api/v1/proposals/{id}/assignments"),
            &chair.token,
            Some(&json!({"reviewer_ids": [reviewer_id]})),
            200,
        )
        .await;
    }
    decide(&app, &chair.token, &answered, "accept").await;
    release(&app, &chair.token).await;
    app.deliver_emails().await;
    // one failed email for the retry route
    decide(&app, &chair.token, &decided, "reject").await;
    release(&app, &chair.token).await;
    app.mail.reject(Some(554));
    assert_eq!(app.deliver_emails().await.failed, 1);
    app.mail.reject(None);
    let failed = outbox_items(&app, &chair.token, "state=failed").await;
    let failed_id = failed[0]["id"].as_str().expect("id").to_owned();

    let roles: [(&str, Option<&str>); 6] = [
        ("anonymous", None),
        ("stranger", Some(&stranger.token)),
        ("speaker", Some(&speaker.token)),
        ("reviewer", Some(&reviewer.token)),
        ("other event's chair", Some(&other_chair.token)),
        ("chair", Some(&chair.token)),
    ];
    let proposal_route = [401, 404, 403, 403, 404, 200];
    let event_route = [401, 403, 403, 403, 403, 200];
    let public = [200; 6];
    let hidden = [404; 6];
    let speakers_only = [401, 404, 200, 403, 404, 403];
    let e = EVENT;
    let templates = format!("{e}/email-templates");
    let rows: Vec<(Method, String, Option<Value>, [u16; 6])> = vec![
        (
            Method::PUT,
            format!("/api/v1/proposals/{decided}/decision"),
            Some(json!({"decision": "accept", "note": "on reflection"})),
            proposal_route,
        ),
        (
            Method::POST,
            format!("{e}/decisions"),
            Some(json!({"proposal_ids": [decided], "decision": "waitlist"})),
            event_route,
        ),
        (
            Method::GET,
            format!("/api/v1/proposals/{decided}/decision-history"),
            None,
            proposal_route,
        ),
        (
            Method::GET,
            format!("{e}/decisions/release"),
            None,
            event_route,
        ),
        (
            Method::POST,
            format!("{e}/decisions/release"),
            None,
            event_route,
        ),
        (Method::GET, format!("{e}/outbox"), None, event_route),
        (
            Method::GET,
            format!("{e}/outbox?state=failed"),
            None,
            event_route,
        ),
        (
            Method::POST,
            format!("{e}/outbox/{failed_id}/retry"),
            None,
            event_route,
        ),
        (
            Method::POST,
            format!("{e}/confirmations/remind"),
            None,
            event_route,
        ),
        (Method::GET, templates.clone(), None, event_route),
        (
            Method::PUT,
            format!("{templates}/rejection"),
            Some(
                json!({"subject": "About {{proposal_title}}", "body": "Dear {{speaker_name}}, no."}),
            ),
            event_route,
        ),
        (
            Method::POST,
            format!("{templates}/rejection/preview"),
            Some(json!({"proposal_id": decided})),
            event_route,
        ),
        (
            Method::DELETE,
            format!("{templates}/rejection"),
            None,
            event_route,
        ),
        (Method::GET, format!("{e}/accepted.csv"), None, event_route),
        (Method::GET, format!("{e}/accepted"), None, hidden),
        (Method::POST, format!("{e}/publish"), None, event_route),
        (Method::GET, format!("{e}/accepted"), None, public),
        (Method::DELETE, format!("{e}/publish"), None, event_route),
        (Method::GET, format!("{e}/accepted"), None, hidden),
        (
            Method::POST,
            format!("/api/v1/proposals/{answered}/confirm"),
            None,
            speakers_only,
        ),
        (
            Method::POST,
            format!("/api/v1/proposals/{answered}/decline"),
            None,
            speakers_only,
        ),
    ];
    let mut wrong = Vec::new();
    let mut leaked = Vec::new();
    for (method, path, body, expected) in &rows {
        for ((role, token), status) in roles.iter().zip(expected) {
            let (got, text) = send(&app, method.clone(), path, *token, body.as_ref()).await;
            if got != *status {
                wrong.push(format!(
                    "{method} {path} as {role}: {got}, wanted {status}: {text}"
                ));
            }
            // a refusal says nothing about the proposal, its decision or the emails
            if got >= 400
                && [
                    "@example.org",
                    "on reflection",
                    "Decided during",
                    "chairs' note",
                ]
                .iter()
                .any(|secret| text.contains(secret))
            {
                leaked.push(format!("{method} {path} as {role}: {text}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} mismatches:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(leaked.is_empty(), "{}", leaked.join("\n"));
    // and the chair's calls did what they say
    let view = proposal_as(&app, &chair.token, &decided).await;
    assert_eq!(view["state"], "waitlisted", "{view}");
    assert_eq!(
        proposal_as(&app, &speaker.token, &answered).await["state"],
        "declined"
    );
}
