//! Delivering the decision emails through an SMTP server that is down or refuses: backoff,
//! failures the chairs see and retry, and a copy after a crash that receivers can drop.

use std::collections::BTreeSet;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use mcfp::schema::outbox;
use reqwest::Method;
use serde_json::Value;

use super::{DECISION_KINDS, decisions_to, outbox_items, proposal_with_co_speaker, talk};
use crate::helpers::{EVENT, Person, TestApp, api, decide, person, release, send, submit};

/// (recipient, state, attempts, last_error, next_attempt_at) of every decision email.
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

/// The (sent, retrying, failed) of a delivery round.
fn outcome(report: &mcfp::mail::DeliveryReport) -> (usize, usize, usize) {
    (report.sent, report.retrying, report.failed)
}

/// A round while nothing listens on the SMTP port: both emails wait 30 s for their next try.
async fn deliver_while_the_server_is_down(app: &TestApp, now: chrono::DateTime<Utc>) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let down = app.worker_to(&format!("smtp://127.0.0.1:{port}"), 2);
    let report = down.deliver_due(now).await.expect("a round");
    assert_eq!(outcome(&report), (0, 2, 0));
    for (to, state, attempts, error, next) in decision_rows(app).await {
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
}

#[tokio::test]
async fn smtp_down_then_refusing_retries_with_backoff_and_delivers_once() {
    let app = TestApp::spawn().await;
    let (admin, _sam, _cora, id) = proposal_with_co_speaker(&app).await;
    app.deliver_emails().await;
    let before = app.mail.emails().len();
    decide(&app, &admin, &id, "accept").await;
    assert_eq!(release(&app, &admin).await, 2);
    let now = Utc::now();
    deliver_while_the_server_is_down(&app, now).await;

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
    assert_eq!(outcome(&report), (0, 2, 0));
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
    assert_eq!(outcome(&report), (2, 0, 0));
    let later = app.deliver_emails_at(now + chrono::Duration::days(1)).await;
    assert_eq!(later.sent, 0);
    let new: Vec<_> = app.mail.emails().into_iter().skip(before).collect();
    assert_eq!(new.len(), 2);
    let to: BTreeSet<_> = new.iter().map(|e| e.to[0].clone()).collect();
    assert_eq!(to.len(), 2, "one each for Sam and Cora");
    for (_, state, attempts, error, _) in decision_rows(&app).await {
        assert_eq!((state.as_str(), attempts, error), ("sent", 3, None));
    }
}

/// 550: both emails are refused for good on the first try, and listed as failed for the chairs;
/// returns the failed items.
async fn refuse_both_for_good(app: &TestApp, admin: &str, wes: &Person, first: &str) -> Vec<Value> {
    app.mail.reject(Some(550));
    let report = app.deliver_emails().await;
    assert_eq!(outcome(&report), (0, 0, 2));
    app.mail.reject(None);
    assert_eq!(
        app.deliver_emails_at(Utc::now() + chrono::Duration::days(1))
            .await
            .sent,
        0,
        "failed emails wait for a chair"
    );
    let failed = outbox_items(app, admin, "state=failed").await;
    assert_eq!(failed.len(), 2, "{failed:?}");
    let wes_item = failed
        .iter()
        .find(|i| i["to"].as_str().is_some_and(|t| t.contains(&wes.email)))
        .expect("Wes's email");
    assert_eq!(wes_item["kind"], "rejection");
    assert_eq!(wes_item["proposal_id"], first);
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
    let (status, _) = send(
        app,
        Method::GET,
        &format!("{EVENT}/outbox?state=lost"),
        Some(admin),
        None,
    )
    .await;
    assert_eq!(status, 422);
    failed
}

fn retry_path(id: &str) -> String {
    format!("{EVENT}/outbox/{id}/retry")
}

/// The chairs retry both (one twice at once): each is delivered once, in a fresh round of
/// attempts; returns Wes's sent item.
async fn retry_both(
    app: &TestApp,
    admin: &str,
    failed: &[Value],
    wes: &Person,
    ann: &Person,
) -> Value {
    let mut ids: Vec<String> = failed
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    let first_retry = retry_path(&ids[0]);
    let (a, b) = tokio::join!(
        send(app, Method::POST, &first_retry, Some(admin), None),
        send(app, Method::POST, &first_retry, Some(admin), None)
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let retried = api(app, Method::POST, &retry_path(&ids[1]), admin, None, 200).await;
    assert_eq!(retried["state"], "queued");
    let (again, _) = send(app, Method::POST, &retry_path(&ids[1]), Some(admin), None).await;
    assert_eq!(again, 409, "only a failed email is retried");
    let unknown = retry_path(&uuid::Uuid::new_v4().to_string());
    assert_eq!(
        send(app, Method::POST, &unknown, Some(admin), None).await.0,
        404
    );
    let report = app.deliver_emails().await;
    assert_eq!(outcome(&report), (2, 0, 0));
    assert_eq!(app.deliver_emails().await.sent, 0);
    assert_eq!(decisions_to(app, &wes.email).len(), 1);
    assert_eq!(decisions_to(app, &ann.email).len(), 1);
    let sent = outbox_items(app, admin, "state=sent").await;
    let wes_item = sent
        .iter()
        .find(|i| i["to"].as_str().is_some_and(|t| t.contains(&wes.email)))
        .expect("sent")
        .clone();
    // a chair's retry starts a fresh round of attempts
    assert_eq!(wes_item["attempts"], 1);
    assert!(wes_item["last_error"].is_null());
    assert!(outbox_items(app, admin, "state=failed").await.is_empty());
    wes_item
}

/// A crash after the SMTP server accepted but before the row was marked sent: the same row
/// goes out again, and the copy carries the same Message-ID (receivers drop the duplicate).
async fn resend_as_if_never_marked_sent(app: &TestApp, item: &Value, wes: &Person) {
    let row_id: uuid::Uuid = item["id"].as_str().expect("id").parse().expect("uuid");
    let first_copy = decisions_to(app, &wes.email)[0].clone();
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
    let copies = decisions_to(app, &wes.email);
    assert_eq!(copies.len(), 2);
    assert_eq!(copies[1].header("Message-ID"), Some(message_id));
    assert_eq!(copies[1].text(), first_copy.text());
    assert_eq!(copies[1].subject(), first_copy.subject());
}

/// Transient refusals until the worker gives up: failed after MAX_ATTEMPTS, then a chair's
/// retry delivers it once.
async fn refuse_until_the_worker_gives_up(app: &TestApp, admin: &str) {
    // (`email::worker::MAX_ATTEMPTS`, which the crate does not export)
    const MAX_ATTEMPTS: i32 = 8;
    let tia = person(app, "tia@example.org", "Tia Speaker").await;
    let third = submit(app, &tia.token, talk("Rust in the scheduler")).await;
    app.deliver_emails().await;
    decide(app, admin, &third, "waitlist").await;
    assert_eq!(release(app, admin).await, 1);
    app.mail.reject(Some(421));
    let start = Utc::now();
    let mut outcomes = Vec::new();
    for round in 0..MAX_ATTEMPTS {
        let report = app
            .deliver_emails_at(start + chrono::Duration::hours(2 * i64::from(round)))
            .await;
        outcomes.push(outcome(&report));
    }
    let mut wanted = vec![(0, 1, 0); MAX_ATTEMPTS as usize - 1];
    wanted.push((0, 0, 1));
    assert_eq!(outcomes, wanted);
    app.mail.reject(None);
    let failed = outbox_items(app, admin, "state=failed").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["attempts"], MAX_ATTEMPTS);
    assert!(
        failed[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("421"))
    );
    let id = failed[0]["id"].as_str().expect("id").to_owned();
    api(app, Method::POST, &retry_path(&id), admin, None, 200).await;
    assert_eq!(app.deliver_emails().await.sent, 1);
    assert_eq!(decisions_to(app, &tia.email).len(), 1);
}

#[tokio::test]
async fn a_refused_email_fails_visibly_and_a_chairs_retry_sends_it_once_with_the_same_message_id() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    let wes = person(&app, "wes@example.org", "Wes Speaker").await;
    let ann = person(&app, "ann@example.org", "Ann Speaker").await;
    let first = submit(&app, &wes.token, talk("Rust in the page cache")).await;
    let second = submit(&app, &ann.token, talk("Rust in the block layer")).await;
    app.deliver_emails().await;
    decide(&app, &admin, &first, "reject").await;
    decide(&app, &admin, &second, "accept").await;
    assert_eq!(release(&app, &admin).await, 2);

    let failed = refuse_both_for_good(&app, &admin, &wes, &first).await;
    let wes_item = retry_both(&app, &admin, &failed, &wes, &ann).await;
    resend_as_if_never_marked_sent(&app, &wes_item, &wes).await;
    refuse_until_the_worker_gives_up(&app, &admin).await;
}
