//! `mcfp demo --reset`: the demo's data goes in one transaction and is seeded afresh, exactly
//! as a first seed leaves it, while everything else in the database stays.

use std::process::Command;

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, api, person};

const ABSTRACT: &str = "A proposal with an abstract long enough for the form: what we built, \
    what we learned, and what we would like to discuss with the room.";

#[derive(QueryableByName, Debug)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// The demo as rows of text, free of ids and timestamps: what a reset must rebuild exactly.
async fn demo_snapshot(app: &TestApp) -> Vec<String> {
    let mut conn = app.state.pool.get().await.expect("connection");
    let queries = [
        // the demo event and its settings
        "SELECT concat_ws(' | ', 'event', slug, title, slot_minutes, review_opens_at IS NOT NULL,
                review_closes_at IS NULL, published_at IS NULL) AS line
           FROM events WHERE slug = 'rust-mc'",
        // the demo accounts
        "SELECT concat_ws(' | ', 'account', email_normalized, name, is_admin) AS line
           FROM users WHERE email_normalized LIKE '%@demo.mcfp.test'",
        // who is chair or reviewer, restricted to which tracks
        "SELECT concat_ws(' | ', 'member', u.email_normalized, m.role, m.tracks::text) AS line
           FROM event_members m JOIN users u ON u.id = m.user_id JOIN events e ON e.id = m.event_id
          WHERE e.slug = 'rust-mc'",
        // the proposals, their tags and their (unreleased) decisions
        "SELECT concat_ws(' | ', 'proposal', p.title, u.email_normalized, p.format, p.state,
                p.auto_track, p.decision, p.released_decision) AS line
           FROM proposals p JOIN users u ON u.id = p.submitter_id JOIN events e ON e.id = p.event_id
          WHERE e.slug = 'rust-mc'",
        "SELECT concat_ws(' | ', 'co-speaker', p.title, c.email_normalized, c.accepted_at IS NULL) AS line
           FROM co_speakers c JOIN proposals p ON p.id = c.proposal_id JOIN events e ON e.id = p.event_id
          WHERE e.slug = 'rust-mc'",
        "SELECT concat_ws(' | ', 'review', p.title, u.email_normalized, r.score, r.confidence,
                r.comment_for_chairs) AS line
           FROM reviews r JOIN proposals p ON p.id = r.proposal_id JOIN users u ON u.id = r.reviewer_id
           JOIN events e ON e.id = p.event_id WHERE e.slug = 'rust-mc'",
        "SELECT concat_ws(' | ', 'review versions', count(*)) AS line
           FROM review_history h JOIN reviews r ON r.id = h.review_id
           JOIN proposals p ON p.id = r.proposal_id JOIN events e ON e.id = p.event_id
          WHERE e.slug = 'rust-mc'",
        "SELECT concat_ws(' | ', 'decision audit', a.action, a.before, a.after, p.title) AS line
           FROM decision_audit a JOIN proposals p ON p.id = a.proposal_id
           JOIN events e ON e.id = p.event_id WHERE e.slug = 'rust-mc'",
        // which balancer-made assignments exist depends on ids; every proposal has two or more
        "SELECT concat_ws(' | ', 'assigned', p.title, count(a.reviewer_id) >= 2) AS line
           FROM proposals p JOIN events e ON e.id = p.event_id
           LEFT JOIN review_assignments a ON a.proposal_id = p.id
          WHERE e.slug = 'rust-mc' GROUP BY p.title",
        // the emails the demo queued (receipts, invitations), none sent yet
        "SELECT concat_ws(' | ', 'email', o.kind, o.state, o.recipient, o.subject) AS line
           FROM outbox o LEFT JOIN events e ON e.id = o.event_id
          WHERE e.slug = 'rust-mc' OR o.recipient ILIKE '%@demo.mcfp.test%'",
        // the published programme: one block, the accepted talks with a break between them
        "SELECT concat_ws(' | ', 'programme', b.title, b.room, b.ends_at - b.starts_at,
                string_agg(coalesce(p.title, i.break_title), ' / ' ORDER BY i.position),
                EXISTS (SELECT 1 FROM programme_publications pp WHERE pp.event_id = e.id)) AS line
           FROM programme_blocks b JOIN events e ON e.id = b.event_id
           JOIN programme_items i ON i.block_id = b.id LEFT JOIN proposals p ON p.id = i.proposal_id
          WHERE e.slug = 'rust-mc' GROUP BY b.id, b.title, b.room, b.ends_at, b.starts_at, e.id",
        "SELECT concat_ws(' | ', 'sessions of demo accounts', count(*)) AS line
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE u.email_normalized LIKE '%@demo.mcfp.test'",
    ];
    let mut lines = Vec::new();
    for query in queries {
        let mut rows: Vec<String> = diesel::sql_query(query)
            .load::<Line>(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{query}: {e}"))
            .into_iter()
            .map(|l| l.line)
            .collect();
        rows.sort();
        lines.extend(rows);
    }
    lines
}

async fn count(app: &TestApp, query: &str) -> String {
    let mut conn = app.state.pool.get().await.expect("connection");
    diesel::sql_query(query)
        .load::<Line>(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{query}: {e}"))
        .into_iter()
        .map(|l| l.line)
        .collect::<Vec<_>>()
        .join(",")
}

/// Signs in on a client of its own: one cookie jar holds one account's session (a sign-in ends
/// the jar's previous session), and the demo's people are different browsers.
async fn demo_login(app: &TestApp, email: &str) -> String {
    let response = app
        .new_client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": mcfp::demo::DEMO_PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 200, "{email}");
    let body: Value = response.json().await.expect("json");
    body["token"].as_str().expect("token").to_owned()
}

fn submission(title: &str) -> Value {
    json!({"title": title, "abstract": ABSTRACT, "notes": "", "format": "talk",
        "track": null, "co_speakers": [], "links": []})
}

#[tokio::test]
async fn demo_reset_rebuilds_the_demo_exactly_and_keeps_other_data() {
    let app = TestApp::spawn().await;

    // data that is not the demo's: another event with its admin, a speaker and a proposal
    let admin = app.admin_with_event("plumbers").await;
    let outsider = person(&app, "outsider@example.org", "Olga Outsider").await;
    let theirs = api(
        &app,
        Method::POST,
        "/api/v1/events/plumbers/proposals",
        &outsider.token,
        Some(&submission("Kernel plumbing without Rust")),
        201,
    )
    .await;

    mcfp::demo::seed(&app.state).await.expect("seed");
    let fresh = demo_snapshot(&app).await;
    // the demo shows review criteria and a draft
    assert_eq!(
        count(
            &app,
            "SELECT jsonb_array_length(review_criteria)::text AS line FROM events WHERE slug = 'rust-mc'"
        )
        .await,
        "3"
    );
    // four questions, every seeded proposal answering the required one
    assert_eq!(
        count(
            &app,
            "SELECT jsonb_array_length(questions)::text AS line FROM events WHERE slug = 'rust-mc'"
        )
        .await,
        "4"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*)::text AS line FROM proposals p JOIN events e ON e.id = p.event_id \
             WHERE e.slug = 'rust-mc' AND NOT p.answers ? 'kind_of'"
        )
        .await,
        "0"
    );
    let rows = |kind: &str| fresh.iter().filter(|l| l.starts_with(kind)).count();
    assert_eq!(rows("proposal |"), 8, "{fresh:#?}");
    assert_eq!(rows("review |"), 9, "{fresh:#?}");
    assert_eq!(rows("account |"), 9, "{fresh:#?}");
    // three decisions released (one talk confirmed since), one taken but not released
    assert_eq!(rows("decision audit |"), 8, "{fresh:#?}");
    assert_eq!(
        fresh
            .iter()
            .filter(|l| l.starts_with("programme |"))
            .collect::<Vec<_>>(),
        [
            "programme | Rust MC | Hall B | 03:30:00 | Rust for Linux: where we are and what comes next / Coffee / Writing a PCI network driver in Rust | t"
        ],
        "{fresh:#?}"
    );

    // a newcomer plays with the demo: withdraws, submits, decides and releases, registers a
    // demo-domain account, and submits to the other event as a demo speaker
    let speaker = demo_login(&app, "speaker@demo.mcfp.test").await;
    let chair = demo_login(&app, "chair@demo.mcfp.test").await;
    let mine: Value = api(
        &app,
        Method::GET,
        "/api/v1/events/rust-mc/proposals",
        &speaker,
        None,
        200,
    )
    .await;
    let first = mine["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["state"] == "submitted")
        .and_then(|p| p["id"].as_str())
        .expect("a submitted demo proposal");
    api(
        &app,
        Method::POST,
        &format!("/api/v1/proposals/{first}/withdraw"),
        &speaker,
        None,
        200,
    )
    .await;
    let added = api(
        &app,
        Method::POST,
        "/api/v1/events/rust-mc/proposals",
        &speaker,
        // the demo event asks whether it is a talk or a discussion
        Some(&{
            let mut body = submission("Something new for the demo");
            body["answers"] = json!({"kind_of": "Talk"});
            body
        }),
        201,
    )
    .await;
    let added = added["id"].as_str().expect("id");
    api(
        &app,
        Method::PUT,
        &format!("/api/v1/proposals/{added}/decision"),
        &chair,
        Some(&json!({"decision": "accept", "note": "why not"})),
        200,
    )
    .await;
    api(
        &app,
        Method::POST,
        "/api/v1/events/rust-mc/decisions/release",
        &chair,
        None,
        200,
    )
    .await;
    app.register("newcomer@demo.mcfp.test", "Nora Newcomer")
        .await;
    api(
        &app,
        Method::POST,
        "/api/v1/events/plumbers/proposals",
        &speaker,
        Some(&submission("A demo speaker at the other event")),
        201,
    )
    .await;
    let played = demo_snapshot(&app).await;
    assert_ne!(played, fresh, "the changes show in the snapshot");

    // reset through the command line, without serving
    let output = Command::new(env!("CARGO_BIN_EXE_mcfp"))
        .args(["demo", "--reset", "--no-serve"])
        .env("DATABASE_URL", app.state.settings.database_url.expose())
        .env(
            "MCFP_SECRET_KEY",
            "test-secret-key-0123456789-abcdefghijklmnop",
        )
        .env(
            "MCFP_MAIL_SPOOL",
            std::env::temp_dir().join("mcfp-demo-reset-spool"),
        )
        .env("RUST_LOG", "warn")
        .output()
        .expect("run mcfp demo --reset --no-serve");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("reset: removed 2 event(s), 173 account(s)"),
        "{stdout}"
    );
    assert!(stdout.contains("chair@demo.mcfp.test"), "{stdout}");

    // the demo is exactly as freshly seeded; the old sessions went with the old accounts
    let reset = demo_snapshot(&app).await;
    assert_eq!(reset, fresh);
    assert_eq!(
        count(
            &app,
            "SELECT count(*)::text AS line FROM users WHERE email_normalized = 'newcomer@demo.mcfp.test'"
        )
        .await,
        "0"
    );
    let response = app
        .get_with_token("/api/v1/events/rust-mc/proposals", &speaker)
        .await;
    assert_eq!(response.status(), 401, "the old demo session is gone");
    let speaker = demo_login(&app, "speaker@demo.mcfp.test").await;
    let mine: Value = api(
        &app,
        Method::GET,
        "/api/v1/events/rust-mc/proposals",
        &speaker,
        None,
        200,
    )
    .await;
    assert!(
        mine["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|p| p["state"] == "submitted" || p["state"] == "confirmed"),
        "the withdrawn one is back as seeded: {mine}"
    );

    // the other event, its people and their proposal are untouched; the demo speaker's is gone
    let event = api(
        &app,
        Method::GET,
        "/api/v1/events/plumbers",
        &admin,
        None,
        200,
    )
    .await;
    assert_eq!(event["slug"], "plumbers");
    let listed: Value = api(
        &app,
        Method::GET,
        "/api/v1/events/plumbers/proposals",
        &admin,
        None,
        200,
    )
    .await;
    let titles: Vec<&str> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["title"].as_str())
        .collect();
    assert_eq!(titles, ["Kernel plumbing without Rust"]);
    assert_eq!(listed["items"][0]["id"], theirs["id"]);
    app.login("outsider@example.org").await;
    assert_eq!(
        count(
            &app,
            "SELECT count(*)::text AS line FROM users WHERE email_normalized NOT LIKE '%@demo.mcfp.test' \
             AND email_normalized NOT LIKE '%@rust-mc-300.bench.test'"
        )
        .await,
        "2"
    );
}

#[tokio::test]
async fn reset_without_a_demo_removes_nothing() {
    let app = TestApp::spawn().await;
    app.admin_with_event("plumbers").await;
    let removed = mcfp::demo::reset(&app.state).await.expect("reset");
    assert_eq!(
        removed,
        mcfp::demo::Removed {
            events: 0,
            accounts: 0,
            emails: 0
        }
    );
    let printed = mcfp::demo::seed(&app.state).await.expect("seed");
    assert!(printed.contains("rust-mc"), "{printed}");
    let again = mcfp::demo::reset(&app.state).await.expect("reset");
    // the Rust MC with its 9 accounts, and rust-mc-300 with its 163 (a chair, 12 reviewers, 150
    // speakers)
    assert_eq!((again.events, again.accounts), (2, 172));
}
