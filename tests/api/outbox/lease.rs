//! While the SMTP server holds a message, the worker has no transaction open and the row is not
//! locked, only leased; a worker killed then leaves the lease, and the email goes out again with
//! the same Message-ID once the lease has run out; a large queue goes out in batches.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, RunQueryDsl};
use mcfp::schema::outbox;

use super::sink::Sink;
use super::{Process, eventually, queue, row_id, rows};
use crate::helpers::TestApp;

/// (printed when a test fails)
#[derive(QueryableByName, Debug)]
#[allow(dead_code)]
struct Backend {
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Text)]
    query: String,
}

/// The other client connections to the test's database that are inside a transaction.
async fn open_transactions(app: &TestApp) -> Vec<Backend> {
    let mut conn = app.state.pool.get().await.expect("conn");
    diesel::sql_query(
        "SELECT coalesce(state, '') AS state, coalesce(query, '') AS query FROM pg_stat_activity \
         WHERE datname = current_database() AND backend_type = 'client backend' \
           AND pid <> pg_backend_pid() AND xact_start IS NOT NULL",
    )
    .load(&mut conn)
    .await
    .expect("pg_stat_activity")
}

/// The lease of a row: (lease_until, lease_token).
async fn lease_of(app: &TestApp, id: uuid::Uuid) -> (Option<DateTime<Utc>>, Option<uuid::Uuid>) {
    let mut conn = app.state.pool.get().await.expect("conn");
    outbox::table
        .find(id)
        .select((outbox::lease_until, outbox::lease_token))
        .first(&mut conn)
        .await
        .expect("row")
}

#[tokio::test]
async fn no_transaction_is_open_and_no_row_locked_while_the_smtp_server_holds_a_message() {
    let app = TestApp::spawn().await;
    queue(&app, "held", 3).await;
    let sink = Sink::start(Duration::ZERO);
    sink.hold(true);
    let worker = app.worker_to(&sink.url(), 2);
    let round = tokio::spawn(async move { worker.deliver_due(Utc::now()).await });
    assert!(
        eventually(Duration::from_secs(30), async || !sink.held().is_empty()).await,
        "the worker handed a message over"
    );
    let id = row_id(&sink.held()[0]);

    // the worker waits for the server's answer: nothing of it is inside a transaction
    let open = open_transactions(&app).await;
    assert!(
        open.is_empty(),
        "transactions open while SMTP talks: {open:?}"
    );
    // the row is leased to it (for about two minutes), not locked: NOWAIT takes the lock at once
    let (until, token) = lease_of(&app, id).await;
    assert!(token.is_some());
    assert!(
        until.is_some_and(|u| u > Utc::now() + chrono::Duration::seconds(60)),
        "{until:?}"
    );
    let mut conn = app.state.pool.get().await.expect("conn");
    let locked: uuid::Uuid = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            outbox::table
                .find(id)
                .select(outbox::id)
                .for_update()
                .no_wait()
                .get_result(conn)
                .await
        })
        .await
        .expect("the row's lock is free while its email is in flight");
    assert_eq!(locked, id);
    // and another round passes the leased rows over (the worker holds all three)
    assert_eq!(
        app.worker_to(&sink.url(), 2)
            .deliver_due(Utc::now())
            .await
            .expect("round")
            .sent,
        0
    );

    sink.hold(false);
    let report = round.await.expect("the round").expect("delivered");
    assert_eq!((report.sent, report.retrying, report.failed), (3, 0, 0));
    let received = sink.received();
    assert_eq!(received.len(), 3);
    assert_eq!(received.iter().collect::<BTreeSet<_>>().len(), 3);
    assert!(
        rows(&app)
            .await
            .iter()
            .all(|r| r.1 == "sent" && r.3.is_none())
    );
}

#[tokio::test]
async fn a_worker_killed_mid_send_leaves_a_lease_and_the_email_goes_out_again_with_its_message_id()
{
    let app = TestApp::spawn().await;
    queue(&app, "killed", 1).await;
    let sink = Sink::start(Duration::ZERO);
    sink.hold(true);
    let mut worker = Process::start(&app, "worker", &sink.url());
    let mut handed_over = false;
    for _ in 0..1500 {
        handed_over = !sink.held().is_empty();
        if handed_over {
            break;
        }
        worker.assert_running();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(handed_over, "the worker sent the message: {}", worker.log());
    // kill -9 while the server has the message and the worker waits for its answer
    worker.signal("-KILL");
    assert!(worker.exit_within(Duration::from_secs(10)).await.is_some());
    sink.hold(false);
    let message_id = sink.held()[0].clone();

    // nothing recorded; the row stays leased to the dead worker until the lease runs out
    let all = rows(&app).await;
    assert_eq!(all.len(), 1);
    let (id, state, attempts, token) = all[0].clone();
    assert_eq!((state.as_str(), attempts), ("queued", 0));
    assert!(token.is_some(), "still leased");
    assert_eq!(row_id(&message_id), id);
    let ours = app.worker_to(&sink.url(), 2);
    let now = Utc::now();
    assert_eq!(
        ours.deliver_due(now).await.expect("round").sent,
        0,
        "leased"
    );
    assert_eq!(
        ours.deliver_due(now + mcfp::mail::LEASE - chrono::Duration::seconds(30))
            .await
            .expect("round")
            .sent,
        0,
        "leased until the lease runs out"
    );

    // past the lease: delivered again, as the same message
    let report = ours
        .deliver_due(now + mcfp::mail::LEASE + chrono::Duration::seconds(1))
        .await
        .expect("round");
    assert_eq!((report.sent, report.retrying, report.failed), (1, 0, 0));
    assert_eq!(sink.received(), vec![message_id.clone(), message_id]);
    let all = rows(&app).await;
    assert_eq!((all[0].1.as_str(), all[0].2, all[0].3), ("sent", 1, None));
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[tokio::test]
async fn a_queue_of_two_hundred_goes_out_in_batches_each_email_once() {
    let app = TestApp::spawn().await;
    queue(&app, "batch", 200).await;
    let report = app.deliver_emails().await;
    assert_eq!((report.sent, report.retrying, report.failed), (200, 0, 0));
    assert_eq!(app.deliver_emails().await, Default::default());
    let emails = app.mail.emails();
    assert_eq!(emails.len(), 200);
    let ids: BTreeSet<_> = emails
        .iter()
        .filter_map(|e| e.header("Message-ID"))
        .collect();
    assert_eq!(ids.len(), 200, "each email once");
    let mut conn = app.state.pool.get().await.expect("conn");
    let left: Vec<Count> = diesel::sql_query(
        "SELECT count(*) AS count FROM outbox \
         WHERE state <> 'sent' OR attempts <> 1 OR lease_token IS NOT NULL OR lease_until IS NOT NULL",
    )
    .load(&mut conn)
    .await
    .expect("count");
    assert_eq!(left[0].count, 0, "every row sent once, its lease ended");
}

/// The lease version of `decisions::workers::a_worker_killed_between_claim_and_send_loses_nothing`
/// (which asserts the row stays row-locked while the worker talks to SMTP, as it was before
/// leases): a worker killed while the SMTP server has not even greeted it leaves the row leased
/// and untouched; once the lease has run out it is delivered, once.
#[tokio::test]
async fn a_worker_killed_between_claim_and_send_leaves_the_row_leased_and_it_is_delivered_once() {
    let app = TestApp::spawn().await;
    queue(&app, "silent", 1).await;
    // an SMTP server that takes the connection and then never says a word
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    silent.set_nonblocking(true).expect("nonblocking");
    let port = silent.local_addr().expect("addr").port();
    let mut worker = Process::start(&app, "worker", &format!("smtp://127.0.0.1:{port}"));
    let mut connection = None;
    for _ in 0..1500 {
        if connection.is_none() {
            connection = silent.accept().ok();
        }
        if connection.is_some() && rows(&app).await[0].3.is_some() {
            break;
        }
        worker.assert_running();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        connection.is_some(),
        "the worker connected: {}",
        worker.log()
    );
    worker.signal("-KILL");
    assert!(worker.exit_within(Duration::from_secs(10)).await.is_some());
    drop(connection);

    let all = rows(&app).await;
    assert_eq!(
        (all[0].1.as_str(), all[0].2),
        ("queued", 0),
        "nothing recorded"
    );
    assert!(all[0].3.is_some(), "leased to the dead worker");
    let now = Utc::now();
    assert_eq!(app.deliver_emails_at(now).await, Default::default());
    let report = app
        .deliver_emails_at(now + mcfp::mail::LEASE + chrono::Duration::seconds(1))
        .await;
    assert_eq!((report.sent, report.retrying, report.failed), (1, 0, 0));
    assert_eq!(app.mail.emails().len(), 1, "delivered once");
    let all = rows(&app).await;
    assert_eq!((all[0].1.as_str(), all[0].2, all[0].3), ("sent", 1, None));
}
