//! `mcfp serve` stopped with SIGTERM in the middle of a long delivery: it exits promptly, the
//! email in flight is finished and recorded, nothing is sent twice, and a restart sends the rest.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::sink::Sink;
use super::{Process, eventually, queue, row_id, rows};
use crate::helpers::TestApp;

/// What the worker may take after SIGTERM: the email in flight (the sink answers each after
/// 20 ms) and then at most 5 s to record it and give the rest back; plus the HTTP server's own
/// stop with no request in flight.
const STOP_BOUND: Duration = Duration::from_secs(6);

/// Rows marked sent, queued rows, queued rows still leased.
async fn states(app: &TestApp) -> (BTreeSet<uuid::Uuid>, usize, usize) {
    let all = rows(app).await;
    let sent = all.iter().filter(|r| r.1 == "sent").map(|r| r.0).collect();
    let queued = all.iter().filter(|r| r.1 == "queued").count();
    let leased = all
        .iter()
        .filter(|r| r.1 == "queued" && r.3.is_some())
        .count();
    (sent, queued, leased)
}

/// Every Message-ID the sink got, once each (panics on a copy), as row ids.
fn received_once(sink: &Sink) -> BTreeSet<uuid::Uuid> {
    let received = sink.received();
    let ids: BTreeSet<uuid::Uuid> = received.iter().map(|m| row_id(m)).collect();
    assert_eq!(ids.len(), received.len(), "a Message-ID arrived twice");
    ids
}

/// Starts `mcfp serve`, waits until the sink has `at_least` messages, stops it with SIGTERM;
/// returns how long it took to exit.
async fn serve_until(app: &TestApp, sink: &Sink, at_least: usize) -> Duration {
    let mut serve = Process::start(app, "serve", &sink.url());
    let mut progressed = false;
    for _ in 0..3000 {
        progressed = sink.received().len() >= at_least;
        if progressed {
            break;
        }
        serve.assert_running();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(progressed, "mcfp serve delivered: {}", serve.log());
    let signalled = Instant::now();
    serve.signal("-TERM");
    let status = serve.exit_within(Duration::from_secs(60)).await;
    let took = signalled.elapsed();
    let log = serve.log();
    assert!(status.is_some_and(|s| s.success()), "{status:?}: {log}");
    assert!(log.contains("outbox worker stopped"), "{log}");
    took
}

#[tokio::test]
async fn serve_stopped_mid_delivery_exits_promptly_sends_nothing_twice_and_a_restart_sends_the_rest()
 {
    const TRIALS: usize = 3;
    const PER_TRIAL: usize = 150;
    let app = TestApp::spawn().await;
    let sink = Sink::start(Duration::from_millis(20));
    let mut stops = Vec::new();
    for trial in 0..TRIALS {
        queue(&app, &format!("trial{trial}"), PER_TRIAL).await;
        let before = sink.received().len();

        // SIGTERM once it is well into the queue
        let took = serve_until(&app, &sink, before + 20).await;
        stops.push(took);
        assert!(took <= STOP_BOUND, "trial {trial}: {took:?} to stop");
        let (sent, queued, leased) = states(&app).await;
        // the email in flight was recorded: what the server got is exactly what is marked sent
        assert_eq!(received_once(&sink), sent, "trial {trial}");
        assert!(queued > 0, "trial {trial}: stopped mid-delivery");
        assert_eq!(leased, 0, "trial {trial}: the unsent rest was given back");

        // a restart delivers the rest, each once
        let mut again = Process::start(&app, "serve", &sink.url());
        let total = (trial + 1) * PER_TRIAL;
        let done = eventually(Duration::from_secs(120), async || {
            again.assert_running();
            states(&app).await.0.len() == total
        })
        .await;
        assert!(
            done,
            "trial {trial}: the rest was delivered: {}",
            again.log()
        );
        again.signal("-TERM");
        let status = again.exit_within(Duration::from_secs(60)).await;
        assert!(status.is_some_and(|s| s.success()), "{}", again.log());
        let (sent, queued, _) = states(&app).await;
        assert_eq!(queued, 0);
        assert_eq!(received_once(&sink), sent, "trial {trial}");
        assert_eq!(sent.len(), total);
    }
    eprintln!("mcfp serve stopped within {stops:?} of SIGTERM");
}
