//! Decisions through the JSON API: deciding, releasing with exactly one email per speaker per
//! proposal, delivering through a refusing SMTP server or racing workers, confirming, email
//! templates and the published accepted list.

mod confirmation;
mod deciding;
mod declines;
mod delivery;
mod matrix;
mod public_cache;
mod publishing;
mod release;
mod templates;
mod workers;

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use mcfp::schema::outbox;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{EVENT, Person, Proposal, ReceivedEmail, TestApp, api, person, submit};

/// What every proposal of these tests tells the chairs (and nobody else).
const NOTES: &str = "for the chairs only";

/// A talk of these tests, with notes for the chairs.
fn talk(title: &str) -> Proposal {
    Proposal::titled(title).notes(NOTES)
}

const DECISION_KINDS: [&str; 3] = ["acceptance", "rejection", "waitlist"];

/// A proposal by Sam with Cora as an accepted co-speaker; returns (admin, Sam, Cora, its id).
async fn proposal_with_co_speaker(app: &TestApp) -> (String, Person, Person, String) {
    let admin = app.admin_with_event("rust-mc").await;
    let sam = person(app, "sam@example.org", "Sam Speaker").await;
    let cora = person(app, "cora@example.org", "Cora Cospeaker").await;
    let proposal = Proposal::titled("Writing a PCI driver in Rust").co_speakers(&[&cora]);
    let id = submit(app, &sam.token, proposal).await;
    (admin, sam, cora, id)
}

/// The release summary: how many decisions wait for the release, by decision.
async fn release_summary(app: &TestApp, chair: &str) -> Value {
    let path = format!("{EVENT}/decisions/release");
    api(app, Method::GET, &path, chair, None, 200).await
}

/// The state of each of the caller's proposals, by id, from the list endpoint.
async fn listed_states(app: &TestApp, token: &str) -> BTreeMap<String, Value> {
    let path = format!("{EVENT}/proposals?limit=100");
    let list = api(app, Method::GET, &path, token, None, 200).await;
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
        let page = api(app, Method::GET, &path, chair, None, 200).await;
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

/// Asserts that every decision email in the outbox was sent, at the first attempt.
async fn assert_decisions_sent_once(app: &TestApp, count: usize) {
    let rows = outbox_rows(app, &DECISION_KINDS).await;
    assert_eq!(rows.len(), count, "{rows:?}");
    assert!(
        rows.iter()
            .all(|(_, _, state, attempts)| state == "sent" && *attempts == 1)
    );
}

/// Emails the SMTP server received to this address.
fn received_by(app: &TestApp, email: &str) -> Vec<ReceivedEmail> {
    app.mail
        .emails()
        .into_iter()
        .filter(|e| e.to == [email.to_owned()])
        .collect()
}

/// Decision emails the SMTP server received to this address.
fn decisions_to(app: &TestApp, email: &str) -> Vec<ReceivedEmail> {
    received_by(app, email)
        .into_iter()
        .filter(is_decision)
        .collect()
}

fn is_decision(email: &ReceivedEmail) -> bool {
    let subject = email.subject();
    ["Accepted at", "Your proposal to", "On the waiting list of"]
        .iter()
        .any(|s| subject.starts_with(s))
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

/// `public_get` from a process that learns of a change made elsewhere (through another process,
/// or straight in the database) by its notification: the first answer other than `unchanged`
/// (status and ETag), reading again for at most 5 s. This very process reads its own writes at
/// once; another one within the notification's trip, milliseconds.
async fn public_get_after_change(
    base: &str,
    path: &str,
    if_none_match: Option<&str>,
    unchanged: (u16, Option<&str>),
) -> (u16, Option<String>, Option<String>, String) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let answer = public_get(base, path, if_none_match).await;
        if (answer.0, answer.1.as_deref()) != unchanged || std::time::Instant::now() > deadline {
            return answer;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The titles of a published list, in its order.
fn listed_titles(body: &str) -> Vec<String> {
    let list: Value = serde_json::from_str(body).expect("json");
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["title"].as_str().expect("title").to_owned())
        .collect()
}

/// A second event run by the same admin.
async fn another_event(app: &TestApp, admin: &str, slug: &str) {
    let body =
        crate::helpers::event_body(slug, "Go MC", "Another microconference.", "Europe/Paris");
    crate::helpers::create_event(app, admin, &body).await;
}
