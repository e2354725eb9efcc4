//! Outbox delivery under leases: no transaction open while SMTP talks, a worker killed mid-send
//! (its email goes out again, with the same Message-ID, once the lease runs out), a graceful stop
//! of `mcfp serve` mid-delivery (nothing sent twice, nothing lost), and a large batch.

mod lease;
mod shutdown;
mod sink;

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use mcfp::schema::outbox;

use crate::helpers::{MAIL_FROM, SECRET_KEY, TestApp};

/// Queues `count` emails with dedupe keys `{prefix}:{i}`.
async fn queue(app: &TestApp, prefix: &str, count: usize) {
    let mut conn = app.state.pool.get().await.expect("conn");
    for i in 0..count {
        let queued = mcfp::mail::enqueue(
            &mut conn,
            &app.state.settings.secret_key,
            mcfp::mail::OutgoingEmail {
                dedupe_key: format!("{prefix}:{i}"),
                kind: "test",
                event_id: None,
                proposal_id: None,
                to: format!("Reader {i} <reader{i}@example.org>"),
                content: mcfp::mail::templates::RenderedEmail {
                    subject: format!("Letter {i}"),
                    text: "A plain body of a few words. ".repeat(40),
                    html: format!("<p>{}</p>", "An HTML body of a few words. ".repeat(40)),
                },
                secret: None,
            },
        )
        .await
        .expect("enqueue");
        assert!(queued, "{prefix}:{i} is new");
    }
}

/// Every outbox row: (id, state, attempts, lease token).
async fn rows(app: &TestApp) -> Vec<(uuid::Uuid, String, i32, Option<uuid::Uuid>)> {
    let mut conn = app.state.pool.get().await.expect("conn");
    outbox::table
        .select((
            outbox::id,
            outbox::state,
            outbox::attempts,
            outbox::lease_token,
        ))
        .order(outbox::id)
        .load(&mut conn)
        .await
        .expect("outbox rows")
}

/// The row id in a Message-ID `<id@host>`.
fn row_id(message_id: &str) -> uuid::Uuid {
    message_id
        .trim_start_matches('<')
        .split('@')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("a Message-ID made from a row id: {message_id}"))
}

/// A `mcfp` process on the test's database, killed (by its own pid) if the test ends first.
struct Process {
    child: Child,
    log: PathBuf,
}

impl Process {
    /// `mcfp serve` or `mcfp worker`, sending through `smtp_url`.
    fn start(app: &TestApp, command: &str, smtp_url: &str) -> Process {
        let log = std::env::temp_dir().join(format!("mcfp-{command}-{}.log", uuid::Uuid::new_v4()));
        let file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_mcfp"))
            .arg(command)
            .env_remove("MCFP_MAIL_SPOOL")
            .env("DATABASE_URL", app.state.settings.database_url.expose())
            .env("MCFP_LISTEN", "127.0.0.1:0")
            .env("MCFP_BASE_URL", "http://127.0.0.1:8080/")
            .env("MCFP_SMTP_URL", smtp_url)
            .env("MCFP_SECRET_KEY", SECRET_KEY)
            .env("MCFP_MAIL_FROM", MAIL_FROM)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(file))
            .spawn()
            .unwrap_or_else(|e| panic!("spawn mcfp {command}: {e}"));
        Process { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Panics (with the log) if the process has exited.
    fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().expect("try_wait") {
            panic!("mcfp exited ({status}): {}", self.log());
        }
    }

    fn signal(&self, name: &str) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args([name, &pid])
            .status()
            .expect("kill");
        assert!(sent.success(), "kill {name} {pid}");
    }

    /// Waits (polling, so the test's runtime keeps running) at most `limit` for the exit.
    async fn exit_within(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Polls `done` every 20 ms for at most `limit`; false if it never held.
async fn eventually<F: AsyncFnMut() -> bool>(limit: Duration, mut done: F) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if done().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}
