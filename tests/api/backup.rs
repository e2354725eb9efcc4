//! Backups of one event: `GET /api/v1/events/{slug}/export` (chairs), `mcfp export` and
//! `mcfp import` (the real binary, against the tests' databases).

use std::process::{Command, Output};

use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};

use crate::backup_emails::{
    assert_imported_emails_are_never_sent, assert_the_history_is_the_outbox,
    assert_the_schema_names_the_fields, emails_left_unsent, retry_the_failed_email,
};
use crate::helpers::{
    Committee, EVENT, KERNEL_ABSTRACT, Proposal, SLUG, TestApp, add_member_to, answer, api, assign,
    decide, patch_event, person, publish, release, review, review_body, send, set_track, submit,
};

fn mcfp(app: &TestApp) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcfp"));
    command
        .env("DATABASE_URL", app.state.settings.database_url.expose())
        .env("RUST_LOG", "warn")
        .env(
            "MCFP_MAIL_SPOOL",
            std::env::temp_dir().join("mcfp-backup-spool"),
        );
    command
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Imports the file into the app's database with the CLI; returns the run.
pub(crate) fn import(app: &TestApp, file: &std::path::Path, extra: &[&str]) -> Output {
    mcfp(app)
        .arg("import")
        .arg(file)
        .args(extra)
        .output()
        .expect("run mcfp import")
}

/// The event's document as `mcfp export` prints it.
pub(crate) fn cli_export(app: &TestApp, slug: &str) -> Value {
    let output = mcfp(app)
        .args(["export", "--event", slug])
        .output()
        .expect("run mcfp export");
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).expect("an export is JSON")
}

/// The event's document as its chair downloads it.
pub(crate) async fn api_export(app: &TestApp, token: &str, slug: &str) -> (Value, String) {
    let response = app
        .get_with_token(&format!("/api/v1/events/{slug}/export"), token)
        .await;
    assert_eq!(response.status(), 200);
    let disposition = response
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"mcfp-"),
        "{disposition}"
    );
    let text = response.text().await.expect("body");
    (serde_json::from_str(&text).expect("JSON"), text)
}

pub(crate) fn write_temp(name: &str, text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("mcfp-{}-{name}", uuid::Uuid::new_v4()));
    std::fs::write(&path, text).expect("write");
    path
}

pub(crate) fn without_exported_at(mut document: Value) -> Value {
    document
        .as_object_mut()
        .expect("object")
        .remove("exported_at");
    document
}

pub(crate) async fn count(app: &TestApp, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.state.pool.get().await.expect("connection");
    let row: Count = diesel::sql_query(sql)
        .get_result(&mut conn)
        .await
        .expect("count");
    row.n
}

/// An event with something in every exported table: settings, a track-restricted reviewer, an
/// open member invitation, proposals with links and co-speakers (one accepted, one only
/// invited), an edit, a chair's track correction, assignments, a declared conflict, reviews
/// (one changed), decisions released and not, a confirmation, an email template, publication.
async fn rich_event() -> Committee {
    let committee = Committee::reviewing().await;
    let (app, chair) = (&committee.app, &committee.chair.token);
    api(
        app,
        Method::PATCH,
        EVENT,
        chair,
        Some(&json!({"slot_minutes": 240, "share_review_comments": true,
            "description": "The Rust microconference, **backed up**."})),
        200,
    )
    .await;
    // a speaker profile with a photo, which the backup carries
    api(
        app,
        Method::PUT,
        "/api/v1/me/profile",
        &committee.other.token,
        Some(&json!({"given_name": "Bart", "family_name": "Talkington",
            "affiliation": "Backup Labs", "bio": "Restores *everything*.", "pronouns": "he/him",
            "name": committee.other.name})),
        200,
    )
    .await;
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        40,
        30,
        image::Rgb([9, 99, 199]),
    ))
    .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
    .unwrap();
    let uploaded = app
        .new_client()
        .put(app.url("/api/v1/me/photo"))
        .bearer_auth(&committee.other.token)
        .body(png)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 200);
    let tina = person(app, "Tina@Reviewers.test", "Tina Trackbound").await;
    add_member_to(app, chair, SLUG, &tina.email, "reviewer", json!(["rust"])).await;
    let invited = api(
        app,
        Method::PUT,
        &format!("{EVENT}/members"),
        chair,
        Some(&json!({"email": "later@chairs.test", "role": "chair", "tracks": null})),
        200,
    )
    .await;
    assert_eq!(invited["invited"], true, "{invited}");

    let speaker = &committee.speaker;
    let other = &committee.other;
    let p1 = submit(
        app,
        &speaker.token,
        Proposal::titled("Safe abstractions for NVMe")
            .abstract_text(KERNEL_ABSTRACT)
            .co_speakers(&[other])
            .invite(&["ghost@elsewhere.test"])
            .links(&["https://example.org/slides", "https://example.org/code"]),
    )
    .await;
    let p2 = submit(
        app,
        &other.token,
        Proposal::titled("Async Rust in userspace tools")
            .format("lightning")
            .notes("Needs a projector."),
    )
    .await;
    let p3 = submit(
        app,
        &speaker.token,
        Proposal::titled("A third talk, waitlisted"),
    )
    .await;
    api(
        app,
        Method::PATCH,
        &format!("/api/v1/proposals/{p2}"),
        &other.token,
        Some(&json!({"title": "Async Rust in userspace tooling"})),
        200,
    )
    .await;
    set_track(app, chair, &p2, "rust").await;

    assign(app, chair, &p1, &[&committee.rita.id, &committee.rex.id]).await;
    assign(app, chair, &p2, &[&committee.rex.id, &tina.id]).await;
    api(
        app,
        Method::PUT,
        &format!("/api/v1/proposals/{p3}/conflicts"),
        chair,
        Some(&json!({"reviewer_id": committee.rita.id, "conflicted": true})),
        200,
    )
    .await;
    let rita = &committee.rita.token;
    review(app, rita, &p1, &review_body(3, 2, "fine", "")).await;
    review(
        app,
        rita,
        &p1,
        &review_body(5, 3, "great, on reflection", "Thanks!"),
    )
    .await;
    review(
        app,
        &committee.rex.token,
        &p1,
        &review_body(4, 2, "good", ""),
    )
    .await;
    review(
        app,
        &committee.rex.token,
        &p2,
        &review_body(2, 1, "thin", "More detail?"),
    )
    .await;

    api(
        app,
        Method::PUT,
        &format!("{EVENT}/email-templates/acceptance"),
        chair,
        Some(&json!({"subject": "Welcome aboard, {{speaker_name}}",
            "body": "Dear {{speaker_name}}, {{proposal_title}} is in. {{confirm_link}}"})),
        200,
    )
    .await;
    decide(app, chair, &p1, "accept").await;
    decide(app, chair, &p2, "reject").await;
    release(app, chair).await;
    decide(app, chair, &p3, "waitlist").await;
    answer(app, &speaker.token, &p1, "confirm").await;
    publish(app, chair).await;
    // a published programme: the confirmed talk and a break
    let programme = json!({"blocks": [{"title": "Rust MC", "room": "Hall B",
        "starts_at": "2026-11-13T09:00:00+01:00", "ends_at": "2026-11-13T12:00:00+01:00",
        "items": [{"break": "Welcome", "minutes": 10}, {"proposal_id": p1, "minutes": 25}]}]});
    api(
        app,
        Method::PUT,
        &format!("{EVENT}/programme"),
        chair,
        Some(&programme),
        200,
    )
    .await;
    api(
        app,
        Method::POST,
        &format!("{EVENT}/programme/publish"),
        chair,
        None,
        200,
    )
    .await;
    patch_event(
        app,
        chair,
        json!({"waitlist_promotion": "suggest", "confirm_reminder_days": 5}),
    )
    .await;
    // questions, one of them removed since, and answers to both
    let question = |key: &str| json!({"key": key, "label": key, "kind": "text", "position": 0});
    let both = json!({"questions": [question("subsystem"), question("before")]});
    let questions = format!("{EVENT}/questions");
    api(app, Method::PUT, &questions, chair, Some(&both), 200).await;
    let one = json!({"questions": [question("subsystem")]});
    api(app, Method::PUT, &questions, chair, Some(&one), 200).await;
    count(
        app,
        r#"WITH a AS (UPDATE proposals SET answers = '{"subsystem": "block", "before": "no"}'
            RETURNING 1) SELECT count(*) AS n FROM a"#,
    )
    .await;
    // the event's contact address, and a message to its speakers
    patch_event(app, chair, json!({"contact_email": "chairs@backup.test"})).await;
    let mailing = json!({"to": {"states": ["submitted"]}, "subject": "Slides",
        "body": "Dear {speaker_name}, please send slides for {proposal_title}."});
    api(
        app,
        Method::POST,
        &format!("{EVENT}/emails"),
        chair,
        Some(&mailing),
        202,
    )
    .await;
    app.deliver_emails().await;
    committee
}

#[tokio::test]
async fn an_event_exported_and_imported_into_a_fresh_database_exports_the_same() {
    let committee = rich_event().await;
    let app = &committee.app;
    emails_left_unsent(app, &committee.chair.token).await;
    let (original, text) = api_export(app, &committee.chair.token, SLUG).await;
    assert_eq!(original["format"], "mcfp-event-export");
    assert_eq!(original["version"], 4);
    for secret in ["password", "token", "$argon2", "session"] {
        assert!(!text.contains(secret), "the export holds {secret:?}");
    }
    // the emails' metadata, never their bodies (an acceptance, as rendered)
    assert!(!text.contains("Safe abstractions for NVMe is in"));
    assert_the_history_is_the_outbox(app, &original).await;
    assert_the_schema_names_the_fields(app, &original).await;
    // every part of the event is there
    for (section, rows) in [
        ("tracks", 2),
        ("member_invitations", 4),
        ("proposals", 3),
        ("co_speakers", 2),
        ("review_assignments", 4),
        ("review_conflicts", 1),
        ("reviews", 3),
        ("review_history", 4),
        ("tag_corrections", 1),
        ("email_templates", 1),
        ("programme_blocks", 1),
        ("programme_items", 2),
        ("programme_publications", 1),
        ("event_confirmations", 1),
    ] {
        let found = original[section].as_array().map_or(0, Vec::len);
        assert_eq!(found, rows, "{section}: {}", original[section]);
    }
    assert!(
        original["proposal_revisions"]
            .as_array()
            .is_some_and(|r| !r.is_empty())
    );
    assert!(
        original["decision_audit"]
            .as_array()
            .is_some_and(|r| r.len() >= 4)
    );
    assert!(
        original["event_members"]
            .as_array()
            .is_some_and(|r| r.len() >= 4)
    );
    assert_eq!(original["event"]["slot_minutes"], 240);
    assert_eq!(original["event"]["questions"][0]["key"], "subsystem");
    assert_eq!(original["event"]["retired_questions"][0]["key"], "before");
    assert_eq!(original["proposals"][0]["answers"]["before"], "no");
    assert_eq!(original["event"]["contact_email"], "chairs@backup.test");
    assert_eq!(original["speaker_mailings"][0]["subject"], "Slides");
    assert!(original["speaker_mailings"][0]["recipients"].as_i64() >= Some(1));
    assert!(!original["event"]["published_at"].is_null());

    let fresh = TestApp::spawn().await;
    let file = write_temp("export.json", &text);
    let output = import(&fresh, &file, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).expect("report");
    assert_eq!(report["ids_kept"], true, "{report}");
    assert_eq!(
        report["people_created"].as_u64(),
        original["people"].as_array().map(|p| p.len() as u64)
    );

    let again = cli_export(&fresh, SLUG);
    assert_eq!(
        without_exported_at(again),
        without_exported_at(original.clone())
    );
    assert_imported_emails_are_never_sent(&fresh, &original).await;
    retry_the_failed_email(app, &committee.chair.token, &original).await;

    // the restored event works: its published list shows the confirmed talk with its speakers,
    // and the imported accounts have no usable password
    let (status, listed) = send(
        &fresh,
        Method::GET,
        &format!("{EVENT}/accepted"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    assert!(listed.contains("Safe abstractions for NVMe"), "{listed}");
    assert!(listed.contains(&committee.other.name), "{listed}");
    // with the speaker's profile and photo
    let listed: Value = serde_json::from_str(&listed).unwrap();
    let speaker = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["speakers"].as_array().unwrap().iter())
        .find(|s| s["name"] == committee.other.name.as_str())
        .expect("the speaker")
        .clone();
    assert_eq!(speaker["affiliation"], "Backup Labs");
    assert_eq!(speaker["bio"], "Restores *everything*.");
    let photo_url = speaker["photo_url"].as_str().expect("the photo came back");
    let photo = reqwest::get(fresh.url(photo_url)).await.unwrap();
    assert_eq!(photo.status(), 200);
    let exported_person = original["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == committee.other.name.as_str())
        .unwrap();
    assert_eq!(exported_person["pronouns"], "he/him");
    assert_eq!(exported_person["photo"]["content_type"], "image/jpeg");
    let login = fresh
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": committee.chair.email, "password": crate::helpers::PASSWORD}),
        )
        .await;
    assert_eq!(login.status(), 401);
    let _ = std::fs::remove_file(file);
}

#[tokio::test]
async fn only_the_events_chairs_may_export_it() {
    let committee = Committee::spawn().await;
    let app = &committee.app;
    let path = format!("{EVENT}/export");
    let (anonymous, _) = send(app, Method::GET, &path, None, None).await;
    assert_eq!(anonymous, 401);
    for token in [&committee.rita.token, &committee.speaker.token] {
        let (status, body) = send(app, Method::GET, &path, Some(token), None).await;
        assert_eq!(status, 403, "{body}");
    }
    let (document, _) = api_export(app, &committee.chair.token, SLUG).await;
    assert_eq!(document["event"]["slug"], SLUG);
}

#[tokio::test]
async fn a_broken_or_inconsistent_file_is_refused_and_nothing_is_written() {
    let committee = rich_event().await;
    let (original, text) = api_export(&committee.app, &committee.chair.token, SLUG).await;
    let fresh = TestApp::spawn().await;
    let users = count(&fresh, "SELECT count(*) AS n FROM users").await;

    let truncated = write_temp("truncated.json", &text[..text.len() / 2]);
    let mut dangling = original.clone();
    dangling["reviews"][0]["proposal_id"] = json!(uuid::Uuid::new_v4());
    let dangling = write_temp("dangling.json", &dangling.to_string());
    // consistent, but the database refuses it (a title shorter than 5 characters), after the
    // people were created: the whole import is rolled back
    let mut refused = original.clone();
    refused["proposals"][1]["title"] = json!("x");
    let refused = write_temp("refused.json", &refused.to_string());
    let mut future = original.clone();
    future["version"] = json!(5);
    let future = write_temp("future.json", &future.to_string());

    for (file, message) in [
        (&truncated, "not a complete JSON document"),
        (
            &dangling,
            "reviews[0].proposal_id: names no row of `proposals`",
        ),
        (&refused, "proposals: the database refused the rows"),
        (
            &future,
            "version: this mcfp reads versions 1 to 4, the file has 5",
        ),
    ] {
        let output = import(&fresh, file, &[]);
        assert!(!output.status.success(), "{}", file.display());
        let said = stderr(&output);
        assert!(said.contains(message), "{message:?} in {said}");
        assert!(said.contains("nothing was imported"), "{said}");
        let _ = std::fs::remove_file(file);
    }
    assert_eq!(count(&fresh, "SELECT count(*) AS n FROM events").await, 0);
    assert_eq!(
        count(&fresh, "SELECT count(*) AS n FROM users").await,
        users
    );
}

#[tokio::test]
async fn an_existing_slug_is_refused_a_copy_gets_new_ids_and_a_deleted_event_comes_back() {
    let committee = rich_event().await;
    let app = &committee.app;
    let original = cli_export(app, SLUG);
    let file = write_temp("export.json", &original.to_string());

    let output = import(app, &file, &[]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("an event with the slug `rust-mc` exists already"),
        "{}",
        stderr(&output)
    );

    let output = import(app, &file, &["--slug", "rust-mc-copy"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).expect("report");
    assert_eq!(report["ids_kept"], false, "{report}");
    assert_eq!(
        report["people_created"], 0,
        "every account exists: {report}"
    );
    let copy = cli_export(app, "rust-mc-copy");
    assert_eq!(copy["event"]["slug"], "rust-mc-copy");
    assert_ne!(copy["event"]["id"], original["event"]["id"]);
    assert_eq!(copy["people"], original["people"]);
    let titles = |d: &Value| -> Vec<Value> {
        d["proposals"]
            .as_array()
            .expect("proposals")
            .iter()
            .map(|p| p["title"].clone())
            .collect()
    };
    assert_eq!(titles(&copy), titles(&original));
    assert_ne!(copy["proposals"][0]["id"], original["proposals"][0]["id"]);
    assert_eq!(copy["reviews"].as_array().map(Vec::len), Some(3));
    // the copy's emails are history with new ids, and the Message-IDs they went out with
    let emails = |d: &Value| -> Vec<(Value, Value)> {
        let mut emails: Vec<(Value, Value)> = d["outbox_history"]
            .as_array()
            .expect("outbox_history")
            .iter()
            .map(|e| (e["message_id"].clone(), e["id"].clone()))
            .collect();
        emails.sort_by_key(|(message_id, _)| message_id.to_string());
        emails
    };
    let (copied, originals) = (emails(&copy), emails(&original));
    assert_eq!(copied.len(), originals.len());
    assert!(!copied.is_empty());
    for ((copied_message, copied_id), (message, id)) in copied.iter().zip(&originals) {
        assert_eq!(copied_message, message);
        assert_ne!(copied_id, id);
    }
    // the copy's chair is the original's
    let (as_chair, _) = api_export(app, &committee.chair.token, "rust-mc-copy").await;
    assert_eq!(as_chair["event"]["slug"], "rust-mc-copy");

    // delete the event, then restore it: the same ids, the same document
    let mut conn = app.state.pool.get().await.expect("connection");
    diesel::sql_query("DELETE FROM events WHERE slug = 'rust-mc'")
        .execute(&mut conn)
        .await
        .expect("delete");
    drop(conn);
    let output = import(app, &file, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).expect("report");
    assert_eq!(report["ids_kept"], true, "{report}");
    assert_eq!(report["people_created"], 0, "{report}");
    let restored = cli_export(app, SLUG);
    assert_eq!(without_exported_at(restored), without_exported_at(original));
    // a server that had cached the published list sees a new version
    assert!(
        count(
            app,
            "SELECT public_version AS n FROM events WHERE slug = 'rust-mc'"
        )
        .await
            > 1_000_000
    );
    let _ = std::fs::remove_file(file);
}
