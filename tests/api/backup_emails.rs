//! The event's emails in a backup: exported as history (metadata only, with the Message-ID they
//! went out with), imported where no worker sends them, and version-1 documents without them.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use crate::backup::{
    api_export, cli_export, count, import, stderr, without_exported_at, write_temp,
};
use crate::helpers::{Committee, EVENT, SLUG, TestApp, api};

/// The fields of an email of the history: metadata, never a body, a dedupe key or a secret.
const EMAIL_FIELDS: &[&str] = &[
    "id",
    "event_id",
    "proposal_id",
    "message_id",
    "kind",
    "recipient",
    "subject",
    "state",
    "attempts",
    "last_error",
    "last_error_at",
    "created_at",
    "sent_at",
];

/// Invites a chair by email: an invitation email is queued.
async fn invite(app: &TestApp, chair: &str, email: &str) {
    let invited = api(
        app,
        Method::PUT,
        &format!("{EVENT}/members"),
        chair,
        Some(&json!({"email": email, "role": "chair", "tracks": null})),
        200,
    )
    .await;
    assert_eq!(invited["invited"], true, "{invited}");
}

/// Three invitation emails the outbox still holds when the event is exported: one waiting for
/// a retry after a transient refusal, one failed for good, one queued and never tried.
pub async fn emails_left_unsent(app: &TestApp, chair: &str) {
    invite(app, chair, "soon@chairs.test").await;
    app.mail.reject(Some(451));
    assert_eq!(app.deliver_emails().await.retrying, 1);
    invite(app, chair, "never@chairs.test").await;
    app.mail.reject(Some(554));
    assert_eq!(app.deliver_emails().await.failed, 1);
    app.mail.reject(None);
    invite(app, chair, "queued@chairs.test").await;
}

fn history(document: &Value) -> &Vec<Value> {
    document["outbox_history"]
        .as_array()
        .expect("outbox_history")
}

/// The email of the history sent to this address.
fn email_to<'a>(document: &'a Value, address: &str) -> &'a Value {
    history(document)
        .iter()
        .find(|e| e["recipient"].as_str().is_some_and(|r| r.contains(address)))
        .unwrap_or_else(|| panic!("no email to {address}"))
}

fn message_ids(document: &Value) -> BTreeSet<String> {
    history(document)
        .iter()
        .map(|e| e["message_id"].as_str().expect("message_id").to_owned())
        .collect()
}

/// The export's history is the event's outbox: one entry per row, metadata only; each sent
/// email's Message-ID is the one the SMTP server received; the unsent ones as they stand.
pub async fn assert_the_history_is_the_outbox(app: &TestApp, document: &Value) {
    let rows = count(
        app,
        &format!(
            "SELECT count(*) AS n FROM outbox WHERE event_id = '{}'",
            document["event"]["id"].as_str().expect("id")
        ),
    )
    .await;
    assert_eq!(history(document).len() as i64, rows);
    for email in history(document) {
        let fields: BTreeSet<&str> = email
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(fields, EMAIL_FIELDS.iter().copied().collect(), "{email}");
    }
    let received: BTreeSet<String> = app
        .mail
        .emails()
        .iter()
        .filter_map(|m| m.header("Message-ID"))
        .collect();
    let sent: Vec<&Value> = history(document)
        .iter()
        .filter(|e| e["state"] == "sent")
        .collect();
    assert!(sent.len() >= 5, "{sent:?}");
    for email in sent {
        let id = email["message_id"].as_str().expect("message_id");
        assert!(received.contains(id), "{id} was not received: {received:?}");
        assert!(!email["sent_at"].is_null(), "{email}");
    }
    // the decisions' emails name their proposal
    let acceptance = history(document)
        .iter()
        .find(|e| e["kind"] == "acceptance")
        .expect("an acceptance email");
    assert!(
        document["proposals"]
            .as_array()
            .expect("proposals")
            .iter()
            .any(|p| p["id"] == acceptance["proposal_id"]),
        "{acceptance}"
    );

    let soon = email_to(document, "soon@chairs.test");
    assert_eq!(
        (&soon["state"], &soon["attempts"]),
        (&json!("queued"), &json!(1))
    );
    assert!(
        soon["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("451")),
        "{soon}"
    );
    assert!(!soon["last_error_at"].is_null(), "{soon}");
    let never = email_to(document, "never@chairs.test");
    assert_eq!(
        (&never["state"], &never["attempts"]),
        (&json!("failed"), &json!(1))
    );
    assert!(
        never["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("554")),
        "{never}"
    );
    let queued = email_to(document, "queued@chairs.test");
    assert_eq!(
        (&queued["state"], &queued["attempts"]),
        (&json!("queued"), &json!(0))
    );
    assert!(
        queued["last_error"].is_null() && queued["sent_at"].is_null(),
        "{queued}"
    );
}

/// The imported emails are history: none is in the outbox, and a worker's round (a day ahead,
/// so even a retry would be due) sends nothing, the queued ones included.
pub async fn assert_imported_emails_are_never_sent(fresh: &TestApp, document: &Value) {
    assert_eq!(
        count(fresh, "SELECT count(*) AS n FROM outbox_history").await,
        history(document).len() as i64
    );
    assert_eq!(count(fresh, "SELECT count(*) AS n FROM outbox").await, 0);
    let report = fresh
        .deliver_emails_at(Utc::now() + Duration::days(1))
        .await;
    assert_eq!((report.sent, report.retrying, report.failed), (0, 0, 0));
    assert!(fresh.mail.emails().is_empty());
    let again = cli_export(fresh, SLUG);
    assert_eq!(message_ids(&again), message_ids(document));
}

/// The API's description of the document names its sections, and an email's fields.
pub async fn assert_the_schema_names_the_fields(app: &TestApp, document: &Value) {
    let openapi: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    let keys = |v: &Value| -> BTreeSet<String> {
        v.as_object()
            .unwrap_or_else(|| panic!("an object: {v}"))
            .keys()
            .cloned()
            .collect()
    };
    let schemas = &openapi["components"]["schemas"];
    assert_eq!(keys(&schemas["EventExport"]["properties"]), keys(document));
    assert_eq!(
        keys(&schemas["ExportedEmail"]["properties"]),
        keys(&history(document)[0])
    );
}

/// The failed email of the original event is queued again (so the test ends with none failed).
pub async fn retry_the_failed_email(app: &TestApp, chair: &str, document: &Value) {
    let failed = email_to(document, "never@chairs.test");
    let id = failed["id"].as_str().expect("id");
    api(
        app,
        Method::POST,
        &format!("{EVENT}/outbox/{id}/retry"),
        chair,
        None,
        200,
    )
    .await;
}

#[tokio::test]
async fn a_version_1_document_has_no_email_history_and_still_imports() {
    let committee = Committee::spawn().await;
    let app = &committee.app;
    invite(app, &committee.chair.token, "later@chairs.test").await;
    let (current, _) = api_export(app, &committee.chair.token, SLUG).await;
    assert_eq!(current["version"], 4);
    assert!(!history(&current).is_empty(), "{current}");

    let mut version_1 = current.clone();
    version_1["version"] = json!(1);
    for section in [
        "speaker_mailings",
        "programme_blocks",
        "programme_items",
        "programme_publications",
        "event_confirmations",
        "confirmation_reminders",
        "vacancies",
    ] {
        version_1.as_object_mut().expect("object").remove(section);
    }
    // a version-1 document with the section is not one this mcfp wrote
    let with_history = write_temp("v1-with-history.json", &version_1.to_string());
    version_1
        .as_object_mut()
        .expect("object")
        .remove("outbox_history");
    let file = write_temp("v1.json", &version_1.to_string());

    let fresh = TestApp::spawn().await;
    let output = import(&fresh, &with_history, &[]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("unknown section `outbox_history` (in a version 1 document)"),
        "{}",
        stderr(&output)
    );
    let output = import(&fresh, &file, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).expect("report");
    assert_eq!(report["rows"]["outbox_history"], 0, "{report}");

    let mut again = without_exported_at(cli_export(&fresh, SLUG));
    assert_eq!(again["version"], 4);
    assert_eq!(again["outbox_history"], json!([]));
    let mut expected = without_exported_at(current);
    for document in [&mut again, &mut expected] {
        let document = document.as_object_mut().expect("object");
        document.remove("outbox_history");
        document.remove("version");
    }
    assert_eq!(again, expected);
    let _ = std::fs::remove_file(file);
    let _ = std::fs::remove_file(with_history);
}

/// A document the previous mcfp wrote (version 2): no `speaker_mailings`, and none of the
/// columns that came with version 3 (questions, answers, contact address, review criteria,
/// invitations sent…): it imports, read as their defaults, and exports as this mcfp writes.
#[tokio::test]
async fn a_version_2_document_without_the_newer_columns_still_imports() {
    let committee = Committee::spawn().await;
    let app = &committee.app;
    let (current, _) = api_export(app, &committee.chair.token, SLUG).await;
    assert_eq!(current["version"], 4);
    assert_eq!(current["event"]["questions"], json!([]), "{current}");

    let mut version_2 = current.clone();
    version_2["version"] = json!(2);
    let document = version_2.as_object_mut().expect("object");
    for section in [
        "speaker_mailings",
        "programme_blocks",
        "programme_items",
        "programme_publications",
        "event_confirmations",
        "confirmation_reminders",
        "vacancies",
    ] {
        assert_eq!(document.remove(section), Some(json!([])), "{section}");
    }
    for column in [
        "auto_assign",
        "reviewers_per_proposal",
        "review_criteria",
        "questions",
        "retired_questions",
        "contact_email",
    ] {
        document["event"]
            .as_object_mut()
            .expect("event")
            .remove(column)
            .unwrap_or_else(|| panic!("the export has event.{column}"));
    }
    for (section, column) in [
        ("proposals", "answers"),
        ("co_speakers", "invitations_sent"),
    ] {
        for row in document[section].as_array_mut().expect("rows") {
            row.as_object_mut().expect("row").remove(column);
        }
    }
    let file = write_temp("v2.json", &version_2.to_string());

    let fresh = TestApp::spawn().await;
    let output = import(&fresh, &file, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let again = without_exported_at(cli_export(&fresh, SLUG));
    assert_eq!(again, without_exported_at(current));
    let _ = std::fs::remove_file(file);
}
