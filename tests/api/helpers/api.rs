//! Requests through the JSON API, and the steps the scenarios are made of: people, events and
//! members, proposals, reviews and decisions. Each capability has one helper here.

use reqwest::Method;
use serde_json::{Value, json};

use super::app::TestApp;

/// The event most tests run: created by `TestApp::admin_with_event(SLUG)`.
pub const SLUG: &str = "rust-mc";
/// The event's API path.
pub const EVENT: &str = "/api/v1/events/rust-mc";
/// An abstract the tagger files under Rust for Linux.
pub const ABSTRACT: &str = "How a driver written in Rust meets the kernel's C interfaces, which safe \
abstractions it needs, and what we learnt while upstreaming it.";
/// Another one for Rust for Linux, naming the kernel's subsystems.
pub const KERNEL_ABSTRACT: &str = "We present a Rust NVMe driver for the Linux kernel, the safe abstractions it needs \
for PCI, DMA and blk-mq, and how it performs against the C driver.";

// ---------------------------------------------------------------- requests

/// Sends a request (with a bearer token unless anonymous); returns (status, body text).
pub async fn send(
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

/// Sends a JSON request, asserts its status and returns the body (Null when not JSON).
pub async fn api(
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

/// Whether a problem names this field with at least one message.
pub fn field_error(problem: &Value, field: &str) -> bool {
    problem["errors"][field]
        .as_array()
        .is_some_and(|messages| !messages.is_empty())
}

/// The `key` of every item of a JSON array (ids, mostly).
pub fn ids_of(items: &Value, key: &str) -> Vec<String> {
    items
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i[key].as_str().expect("id").to_owned())
        .collect()
}

/// The token in a link: what follows `marker` up to the first character a token cannot have.
pub fn token_after(text: &str, marker: &str) -> String {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} in {text}"))
        + marker.len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

// ---------------------------------------------------------------- people and events

#[derive(Clone, Debug)]
pub struct Person {
    pub id: String,
    pub token: String,
    pub email: String,
    pub name: String,
}

/// Registers an account and logs it in through the API.
pub async fn person(app: &TestApp, email: &str, name: &str) -> Person {
    let id = app.register(email, name).await;
    let token = app.login(email).await;
    Person {
        id,
        token,
        email: email.to_owned(),
        name: name.to_owned(),
    }
}

/// What creates an event whose call for proposals is open (2026 to 2030).
pub fn event_body(slug: &str, title: &str, description: &str, time_zone: &str) -> Value {
    json!({
        "slug": slug, "title": title, "description": description, "time_zone": time_zone,
        "cfp_opens_at": "2026-01-01T00:00:00Z", "cfp_closes_at": "2030-01-01T00:00:00Z"
    })
}

/// Creates an event as a site admin.
pub async fn create_event(app: &TestApp, admin: &str, body: &Value) -> Value {
    let slug = body["slug"].as_str().unwrap_or_default();
    let (status, text) = send(app, Method::POST, "/api/v1/events", Some(admin), Some(body)).await;
    assert_eq!(status, 201, "create event {slug}: {text}");
    serde_json::from_str(&text).expect("json")
}

/// Changes the event `rust-mc`; returns it.
pub async fn patch_event(app: &TestApp, chair: &str, patch: Value) -> Value {
    api(app, Method::PATCH, EVENT, chair, Some(&patch), 200).await
}

/// Opens reviewing of `rust-mc` now.
pub async fn open_review(app: &TestApp, chair: &str) {
    let event = patch_event(app, chair, json!({"review_open": true})).await;
    assert_eq!(event["review_open"], true, "{event}");
}

/// Makes an account a member of `rust-mc` (`chair` or `reviewer`) for every track.
pub async fn add_member(app: &TestApp, chair: &str, email: &str, role: &str) {
    add_member_to(app, chair, SLUG, email, role, Value::Null).await;
}

/// Makes an account a member of an event, restricted to these tracks unless `tracks` is null.
pub async fn add_member_to(
    app: &TestApp,
    chair: &str,
    slug: &str,
    email: &str,
    role: &str,
    tracks: Value,
) {
    let added = api(
        app,
        Method::PUT,
        &format!("/api/v1/events/{slug}/members"),
        chair,
        Some(&json!({"email": email, "role": role, "tracks": tracks})),
        200,
    )
    .await;
    assert_eq!(added["invited"], false, "{email} has an account: {added}");
}

// ---------------------------------------------------------------- proposals

/// A proposal to submit: the title, and whatever differs from a plain talk of `rust-mc` with
/// `ABSTRACT`, no notes, no track (the tagger's), no co-speakers and no links.
#[derive(Clone, Debug)]
pub struct Proposal {
    slug: String,
    title: String,
    abstract_text: String,
    notes: String,
    format: String,
    track: Option<String>,
    invited: Vec<String>,
    accepting: Vec<Person>,
    links: Vec<String>,
}

impl Proposal {
    pub fn titled(title: &str) -> Proposal {
        Proposal {
            slug: SLUG.to_owned(),
            title: title.to_owned(),
            abstract_text: ABSTRACT.to_owned(),
            notes: String::new(),
            format: "talk".to_owned(),
            track: None,
            invited: Vec::new(),
            accepting: Vec::new(),
            links: Vec::new(),
        }
    }

    /// To another event than `rust-mc`.
    pub fn to(mut self, slug: &str) -> Proposal {
        self.slug = slug.to_owned();
        self
    }

    pub fn abstract_text(mut self, text: &str) -> Proposal {
        self.abstract_text = text.to_owned();
        self
    }

    pub fn notes(mut self, notes: &str) -> Proposal {
        self.notes = notes.to_owned();
        self
    }

    /// A format of the event's other than `talk`.
    pub fn format(mut self, format: &str) -> Proposal {
        self.format = format.to_owned();
        self
    }

    /// The speaker's choice of track.
    pub fn track(mut self, track: &str) -> Proposal {
        self.track = Some(track.to_owned());
        self
    }

    /// Invites co-speakers by email; the invitations stay open.
    pub fn invite(mut self, emails: &[&str]) -> Proposal {
        self.invited.extend(emails.iter().map(|e| (*e).to_owned()));
        self
    }

    /// Co-speakers who accept the emailed invitation as part of `submit`.
    pub fn co_speakers(mut self, people: &[&Person]) -> Proposal {
        self.invited.extend(people.iter().map(|p| p.email.clone()));
        self.accepting.extend(people.iter().map(|p| (*p).clone()));
        self
    }

    pub fn links(mut self, links: &[&str]) -> Proposal {
        self.links = links.iter().map(|l| (*l).to_owned()).collect();
        self
    }

    /// Where it is submitted.
    pub fn path(&self) -> String {
        format!("/api/v1/events/{}/proposals", self.slug)
    }

    /// The JSON a speaker posts.
    pub fn body(&self) -> Value {
        json!({"title": self.title, "abstract": self.abstract_text, "notes": self.notes,
            "format": self.format, "track": self.track, "co_speakers": self.invited,
            "links": self.links})
    }
}

impl From<&str> for Proposal {
    fn from(title: &str) -> Proposal {
        Proposal::titled(title)
    }
}

impl From<&String> for Proposal {
    fn from(title: &String) -> Proposal {
        Proposal::titled(title)
    }
}

/// Submits a proposal through the API (and has its accepting co-speakers accept); returns its id.
pub async fn submit(app: &TestApp, token: &str, proposal: impl Into<Proposal>) -> String {
    let proposal = proposal.into();
    let created = api(
        app,
        Method::POST,
        &proposal.path(),
        token,
        Some(&proposal.body()),
        201,
    )
    .await;
    for co_speaker in &proposal.accepting {
        accept_invitation(app, co_speaker).await;
    }
    created["id"].as_str().expect("id").to_owned()
}

/// Delivers what is queued; the token of the newest email to `email` with a link after `marker`
/// (`/invitations/` for a co-speaker's, `/member-invitations/` for a member's).
pub async fn delivered_token(app: &TestApp, email: &str, marker: &str) -> String {
    app.deliver_emails().await;
    let latest = app
        .mail
        .emails()
        .into_iter()
        .rev()
        .find(|e| e.to == [email.to_owned()] && e.text().contains(marker))
        .unwrap_or_else(|| panic!("an email to {email} with {marker}"));
    token_after(&latest.text(), marker)
}

/// The co-speaker accepts the latest emailed invitation to present with a submitter.
pub async fn accept_invitation(app: &TestApp, co_speaker: &Person) -> Value {
    let token = delivered_token(app, &co_speaker.email, "/invitations/").await;
    api(
        app,
        Method::POST,
        "/api/v1/invitations/accept",
        &co_speaker.token,
        Some(&json!({"token": token})),
        200,
    )
    .await
}

/// The proposal as this account sees it.
pub async fn proposal_as(app: &TestApp, token: &str, id: &str) -> Value {
    let path = format!("/api/v1/proposals/{id}");
    api(app, Method::GET, &path, token, None, 200).await
}

/// A speaker's `withdraw`, `confirm` or `decline`, which must succeed; returns the proposal.
pub async fn answer(app: &TestApp, token: &str, id: &str, action: &str) -> Value {
    let path = format!("/api/v1/proposals/{id}/{action}");
    api(app, Method::POST, &path, token, None, 200).await
}

/// A chair files the proposal under a track; returns the proposal.
pub async fn set_track(app: &TestApp, chair: &str, proposal: &str, track: &str) -> Value {
    let view = api(
        app,
        Method::PUT,
        &format!("/api/v1/proposals/{proposal}/track"),
        chair,
        Some(&json!({"track": track, "subtopics": []})),
        200,
    )
    .await;
    assert_eq!(view["tags"]["track"], track);
    view
}

// ---------------------------------------------------------------- review

/// Assigns exactly these reviewers (user ids) to the proposal; returns the assignments.
pub async fn assign<S: serde::Serialize>(
    app: &TestApp,
    chair: &str,
    proposal: &str,
    reviewers: &[S],
) -> Value {
    api(
        app,
        Method::PUT,
        &format!("/api/v1/proposals/{proposal}/assignments"),
        chair,
        Some(&json!({"reviewer_ids": reviewers})),
        200,
    )
    .await
}

/// A review: the score, the reviewer's confidence, and the comments for the chairs and for the
/// speakers.
pub fn review_body(score: i64, confidence: i64, for_chairs: &str, for_speakers: &str) -> Value {
    json!({"score": score, "confidence": confidence, "comment_for_chairs": for_chairs,
        "comment_for_speakers": for_speakers})
}

/// Puts the caller's review of the proposal; returns (status, body).
pub async fn put_review(app: &TestApp, token: &str, proposal: &str, body: &Value) -> (u16, String) {
    let path = format!("/api/v1/proposals/{proposal}/review");
    send(app, Method::PUT, &path, Some(token), Some(body)).await
}

/// Puts the caller's review of the proposal, which must be saved.
pub async fn review(app: &TestApp, token: &str, proposal: &str, body: &Value) {
    let (status, text) = put_review(app, token, proposal, body).await;
    assert_eq!(status, 200, "review of {proposal}: {text}");
}

/// The reviews of the proposal that this account may read.
pub async fn reviews_of(app: &TestApp, token: &str, proposal: &str) -> Value {
    let path = format!("/api/v1/proposals/{proposal}/reviews");
    api(app, Method::GET, &path, token, None, 200).await
}

// ---------------------------------------------------------------- decisions

/// A chair's decision, with the note "chairs' note: <decision>"; returns the proposal.
pub async fn decide(app: &TestApp, chair: &str, id: &str, decision: &str) -> Value {
    api(
        app,
        Method::PUT,
        &format!("/api/v1/proposals/{id}/decision"),
        chair,
        Some(&json!({"decision": decision, "note": format!("chairs' note: {decision}")})),
        200,
    )
    .await
}

/// Releases the decisions of `rust-mc`; returns how many emails were queued.
pub async fn release(app: &TestApp, chair: &str) -> u64 {
    let path = format!("{EVENT}/decisions/release");
    let outcome = api(app, Method::POST, &path, chair, None, 200).await;
    outcome["queued"].as_u64().expect("queued")
}

/// Publishes the list of accepted talks of `rust-mc`; returns the event's publication.
pub async fn publish(app: &TestApp, chair: &str) -> Value {
    let path = format!("{EVENT}/publish");
    api(app, Method::POST, &path, chair, None, 200).await
}
