//! The public list and the anonymous CfP page are served from memory, with no database round
//! trip, until a change to their event is notified (`db::public_changes`); a listener that loses
//! its connection reconnects, and nothing stale is served on the way.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use mcfp::metrics::CacheRead;
use mcfp::schema::{events, proposals};
use serde_json::json;

use super::{listed_titles, public_get, public_get_after_change, talk};
use crate::helpers::{TestApp, add_member, decide, patch_event, person, publish, release, submit};

const LIST: &str = "/api/v1/events/rust-mc/accepted";
const PAGE: &str = "/events/rust-mc";

/// Waits (at most 5 s) until `ready` holds.
async fn until(what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !ready() {
        assert!(Instant::now() < deadline, "waited 5 s for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until every notification the setup's writes caused has come in (they arrive a moment
/// after the responses, on the listener's own connection): until none has for 300 ms. Then reads
/// once, so the next read is from memory.
async fn settled(app: &TestApp) {
    let changes = &app.state.public_changes;
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen = changes.notifications();
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = changes.notifications();
        if now == seen {
            break;
        }
        assert!(Instant::now() < deadline, "notifications never stopped");
        seen = now;
    }
    public_get(&app.address, LIST, None).await;
}

fn served(app: &TestApp) -> [u64; 3] {
    [CacheRead::Memory, CacheRead::Confirmed, CacheRead::Rebuilt]
        .map(|read| app.state.metrics.cache_count(read))
}

/// The talk's title, straight in the database (no request of the app's).
async fn retitle(app: &TestApp, id: &str, title: &str) {
    let mut conn = app.state.pool.get().await.expect("conn");
    let id: uuid::Uuid = id.parse().expect("uuid");
    diesel::update(proposals::table.find(id))
        .set(proposals::title.eq(title))
        .execute(&mut conn)
        .await
        .expect("retitle");
}

#[tokio::test]
async fn the_published_list_needs_no_query_until_its_event_changes_and_survives_a_lost_listener() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    let chair = person(&app, "chair@example.org", "Chris Chair").await;
    add_member(&app, &admin, &chair.email, "chair").await;
    let sam = person(&app, "sam@example.org", "Sam Speaker").await;
    let talk_id = submit(&app, &sam.token, talk("A cached talk")).await;
    decide(&app, &chair.token, &talk_id, "accept").await;
    release(&app, &chair.token).await;
    publish(&app, &chair.token).await;
    let changes = app.state.public_changes.clone();
    until("the listener", || changes.watermark().is_some()).await;

    // loaded (or confirmed) once, then from memory: 20 reads, no query
    let (status, etag, _, body) = public_get(&app.address, LIST, None).await;
    assert_eq!(
        (status, listed_titles(&body)),
        (200, vec!["A cached talk".to_owned()])
    );
    settled(&app).await;
    let before = served(&app);
    let notified_before = changes.notifications();
    for _ in 0..20 {
        assert_eq!(public_get(&app.address, LIST, None).await.1, etag);
    }
    assert_eq!(public_get(&app.address, LIST, etag.as_deref()).await.0, 304);
    let after = served(&app);
    let [memory, confirmed, rebuilt] = [0, 1, 2].map(|i| after[i] - before[i]);
    // a read confirmed by a query instead is one that followed a notification (a late one of
    // the setup's writes, on a loaded machine): never more of them than notifications arrived
    let notified = changes.notifications() - notified_before;
    assert_eq!((memory + confirmed, rebuilt), (21, 0), "all from memory");
    assert!(
        confirmed <= notified && memory + notified >= 20,
        "{memory} reads from memory, {confirmed} confirmed by a query, {notified} notifications"
    );

    // a change nobody told this process about, straight in the database: its notification
    retitle(&app, &talk_id, "Retitled behind the app's back").await;
    let (_, etag2, _, body) =
        public_get_after_change(&app.address, LIST, None, (200, etag.as_deref())).await;
    assert_eq!(listed_titles(&body), ["Retitled behind the app's back"]);
    assert_ne!(etag2, etag);
    settled(&app).await;

    // the listener's connection is killed: it reconnects, and a change made meanwhile shows
    let connections = changes.connections();
    let mut conn = app.state.pool.get().await.expect("conn");
    let killed: Vec<bool> = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = '{}'",
        mcfp::db::public_changes::APPLICATION_NAME
    )))
    .load(&mut conn)
    .await
    .expect("terminate the listener");
    assert_eq!(killed, [true], "one listener");
    drop(conn);
    retitle(&app, &talk_id, "Retitled while nobody listened").await;
    let (_, _, _, body) =
        public_get_after_change(&app.address, LIST, None, (200, etag2.as_deref())).await;
    assert_eq!(listed_titles(&body), ["Retitled while nobody listened"]);
    until("the listener to reconnect", || {
        changes.connections() > connections
    })
    .await;
    public_get(&app.address, LIST, None).await;
    let before = served(&app);
    public_get(&app.address, LIST, None).await;
    assert_eq!(
        served(&app)[0],
        before[0] + 1,
        "from memory once listening again"
    );
}

#[tokio::test]
async fn an_anonymous_visitor_gets_the_cfp_page_as_it_is_now() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    let changes = app.state.public_changes.clone();
    until("the listener", || changes.watermark().is_some()).await;
    let anonymous = reqwest::Client::new();
    let page = || async {
        let response = anonymous.get(app.url(PAGE)).send().await.expect("get");
        assert_eq!(response.status(), 200);
        response.text().await.expect("body")
    };
    let first = page().await;
    assert!(first.contains("The call for proposals is open"), "{first}");
    assert_eq!(page().await, first, "the same page");

    // a chair's change through this process: at once
    patch_event(
        &app,
        &admin,
        json!({"description": "Now with **cached** pages."}),
    )
    .await;
    assert!(page().await.contains("<strong>cached</strong>"));

    // straight in the database: at its notification
    let mut conn = app.state.pool.get().await.expect("conn");
    diesel::update(events::table.filter(events::slug.eq("rust-mc")))
        .set(events::description.eq("Changed in the database."))
        .execute(&mut conn)
        .await
        .expect("describe");
    drop(conn);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !page().await.contains("Changed in the database.") {
        assert!(Instant::now() < deadline, "the page never changed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // the call closes by the clock alone, with nothing changed: the page says so
    let closes = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    patch_event(&app, &admin, json!({"cfp_closes_at": closes.to_rfc3339()})).await;
    assert!(page().await.contains("The call for proposals is open"));
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert!(page().await.contains("The call for proposals is closed"));

    // a signed-in admin gets their own page, with the chair's links, never the cached one
    let (browser, _) = app.browser_signed_in("admin@example.org").await;
    let own = browser.get(app.url(PAGE)).send().await.expect("get");
    let own = own.text().await.expect("body");
    assert!(own.contains("Proposals dashboard"), "{own}");
    assert!(!page().await.contains("Proposals dashboard"));
}
