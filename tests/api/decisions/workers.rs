//! Outbox workers that die or race: a worker killed between claiming an email and sending it
//! loses nothing, and several workers at once send each email exactly once.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use mcfp::schema::outbox;

use super::{assert_decisions_sent_once, talk};
use crate::helpers::{MAIL_FROM, MailSink, SECRET_KEY, TestApp, decide, person, release, submit};

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
        .env("MCFP_SECRET_KEY", SECRET_KEY)
        .env("MCFP_MAIL_FROM", MAIL_FROM)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("spawn mcfp worker");
    Process(child)
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

// A worker killed between claim and send: see `outbox::lease`, where the claim is a lease
// (no row lock, no open transaction while SMTP talks) that runs out and is taken again.

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
        let id = submit(&app, &speaker.token, talk(&title)).await;
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
    // SMTP connection (the test app's server serves two connections at a time: this one sixteen)
    let (lanes, port) = MailSink::start_with_threads(16);
    let smtp = format!("smtp://127.0.0.1:{port}");
    let logs: Vec<_> = (0..2)
        .map(|_| std::env::temp_dir().join(format!("mcfp-worker-{}.log", uuid::Uuid::new_v4())))
        .collect();
    let mut processes: Vec<Process> = logs
        .iter()
        .map(|log| start_worker(&app, &smtp, log))
        .collect();
    let ours: Vec<_> = (0..3).map(|_| app.worker_to(&smtp, 2)).collect();
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
    // whatever the processes took, they finish (a stopped worker gives back what it has not
    // sent, so wait for the queue to empty first; bounded at two minutes on a loaded machine)
    for _ in 0..2400 {
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
    assert_decisions_sent_once(&app, N).await;
}
