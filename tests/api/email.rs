use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use mcfp::schema::outbox;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, token_after};

#[tokio::test]
async fn password_reset_end_to_end_through_the_smtp_server() {
    let app = TestApp::spawn().await;
    app.register("reset@example.org", "Reset Me").await;
    let old_session = app.login("reset@example.org").await;

    let response = app
        .post_json(
            "/api/v1/auth/password-reset",
            &json!({"email": "RESET@example.org"}),
        )
        .await;
    assert_eq!(response.status(), 202);
    assert!(
        app.mail.emails().is_empty(),
        "nothing is sent inside the request"
    );

    let report = app.deliver_emails().await;
    assert_eq!(report.sent, 1);
    let emails = app.mail.emails();
    assert_eq!(emails.len(), 1);
    let email = &emails[0];
    assert_eq!(email.to, vec!["reset@example.org".to_owned()]);
    assert_eq!(email.from, "cfp@mcfp.test");
    assert_eq!(email.subject(), "Reset your mcfp password");
    assert!(
        email
            .header("From")
            .is_some_and(|f| f.contains("cfp@mcfp.test"))
    );
    let text = email.text();
    assert!(text.contains("Hello Reset Me"), "{text}");
    assert!(email.html().contains("Choose a new password"));
    assert!(!text.contains(mcfp::mail::SECRET_PLACEHOLDER));
    let token = token_after(&text, "token=");
    assert!(token.starts_with("mcfpr_"), "{token}");
    assert!(text.contains(&format!(
        "{}password-reset/confirm?token={token}",
        app.state.base_url
    )));

    // the token is nowhere in the database: not in the reset row, not in the outbox
    let mut conn = app.state.pool.get().await.expect("conn");
    let rows: Vec<(String, String, Option<Vec<u8>>)> = outbox::table
        .select((outbox::body_text, outbox::body_html, outbox::secret_sealed))
        .load(&mut conn)
        .await
        .expect("outbox");
    assert!(
        rows.iter()
            .all(|(t, h, sealed)| !t.contains(&token) && !h.contains(&token) && sealed.is_none())
    );

    // a weak new password is refused and the token stays usable
    let weak = app
        .post_json(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "weak"}),
        )
        .await;
    assert_eq!(weak.status(), 422);

    let new_password = "brand new password 7";
    let done = app
        .post_json(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": new_password}),
        )
        .await;
    assert_eq!(done.status(), 204);
    // single use
    let again = app
        .post_json(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "another password 8"}),
        )
        .await;
    assert_eq!(again.status(), 422);
    // the old password no longer works, the new one does, and old sessions were signed out
    let old = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "reset@example.org", "password": PASSWORD}),
        )
        .await;
    assert_eq!(old.status(), 401);
    let new = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "reset@example.org", "password": new_password}),
        )
        .await;
    assert_eq!(new.status(), 200);
    assert_eq!(
        app.get_with_token("/api/v1/me", &old_session)
            .await
            .status(),
        401
    );
}

#[tokio::test]
async fn reset_for_an_unknown_email_is_202_and_sends_nothing() {
    let app = TestApp::spawn().await;
    for email in ["ghost@example.org", "not even an email"] {
        let response = app
            .post_json("/api/v1/auth/password-reset", &json!({"email": email}))
            .await;
        assert_eq!(response.status(), 202);
    }
    assert_eq!(app.deliver_emails().await.sent, 0);
    assert!(app.mail.emails().is_empty());
}

#[tokio::test]
async fn an_expired_reset_link_is_refused() {
    let app = TestApp::spawn().await;
    app.register("late@example.org", "Late").await;
    app.post_json(
        "/api/v1/auth/password-reset",
        &json!({"email": "late@example.org"}),
    )
    .await;
    app.deliver_emails().await;
    let token = token_after(&app.mail.emails()[0].text(), "token=");
    let mut conn = app.state.pool.get().await.expect("conn");
    diesel::update(mcfp::schema::password_resets::table)
        .set(mcfp::schema::password_resets::expires_at.eq(Utc::now() - Duration::seconds(1)))
        .execute(&mut conn)
        .await
        .expect("expire");
    let response = app
        .post_json(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "fresh password 9"}),
        )
        .await;
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.expect("json");
    assert!(
        body["errors"]["token"][0]
            .as_str()
            .is_some_and(|m| m.contains("expired"))
    );
}

async fn enqueue_test_email(app: &TestApp, key: &str) -> bool {
    let mut conn = app.state.pool.get().await.expect("conn");
    mcfp::mail::enqueue(
        &mut conn,
        &app.state.settings.secret_key,
        mcfp::mail::OutgoingEmail {
            dedupe_key: key.to_owned(),
            kind: "test",
            event_id: None,
            proposal_id: None,
            to: "Dana <dana@example.org>".to_owned(),
            content: mcfp::mail::templates::RenderedEmail {
                subject: "Hello".into(),
                text: "plain body".into(),
                html: "<p>html body</p>".into(),
            },
            secret: None,
        },
    )
    .await
    .expect("enqueue")
}

#[tokio::test]
async fn one_logical_email_is_queued_and_sent_once() {
    let app = TestApp::spawn().await;
    assert!(enqueue_test_email(&app, "welcome:dana").await);
    assert!(
        !enqueue_test_email(&app, "welcome:dana").await,
        "same key: no second row"
    );
    // two workers at once: SKIP LOCKED hands the row to one of them
    let (a, b) = tokio::join!(app.deliver_emails(), app.deliver_emails());
    assert_eq!(a.sent + b.sent, 1);
    assert_eq!(app.deliver_emails().await.sent, 0);
    let emails = app.mail.emails();
    assert_eq!(emails.len(), 1);
    let message_id = emails[0].header("Message-ID").expect("Message-ID");
    let mut conn = app.state.pool.get().await.expect("conn");
    let (id, state, attempts): (uuid::Uuid, String, i32) = outbox::table
        .select((outbox::id, outbox::state, outbox::attempts))
        .first(&mut conn)
        .await
        .expect("row");
    assert_eq!(state, "sent");
    assert_eq!(attempts, 1);
    assert!(
        message_id.contains(&id.to_string()),
        "stable Message-ID from the row: {message_id}"
    );
}

#[tokio::test]
async fn transient_smtp_failures_back_off_and_then_succeed() {
    let app = TestApp::spawn().await;
    enqueue_test_email(&app, "retry:1").await;
    app.mail.reject(Some(451));
    let now = Utc::now();
    let report = app.deliver_emails_at(now).await;
    assert_eq!(report.retrying, 1);
    let mut conn = app.state.pool.get().await.expect("conn");
    let (state, attempts, last_error, next_at): (
        String,
        i32,
        Option<String>,
        chrono::DateTime<Utc>,
    ) = outbox::table
        .select((
            outbox::state,
            outbox::attempts,
            outbox::last_error,
            outbox::next_attempt_at,
        ))
        .first(&mut conn)
        .await
        .expect("row");
    assert_eq!((state.as_str(), attempts), ("queued", 1));
    assert!(last_error.is_some_and(|e| e.contains("451")));
    assert!(
        next_at >= now + Duration::seconds(29),
        "backs off: {next_at} vs {now}"
    );
    // not due yet
    assert_eq!(
        app.deliver_emails_at(now + Duration::seconds(5)).await,
        Default::default()
    );
    // second failure doubles the wait
    app.deliver_emails_at(now + Duration::seconds(31)).await;
    let next_at: chrono::DateTime<Utc> = outbox::table
        .select(outbox::next_attempt_at)
        .first(&mut conn)
        .await
        .expect("row");
    assert!(next_at >= now + Duration::seconds(31 + 59));
    // the server recovers
    app.mail.reject(None);
    let report = app.deliver_emails_at(now + Duration::hours(2)).await;
    assert_eq!(report.sent, 1);
    let (state, attempts): (String, i32) = outbox::table
        .select((outbox::state, outbox::attempts))
        .first(&mut conn)
        .await
        .expect("row");
    assert_eq!((state.as_str(), attempts), ("sent", 3));
    assert_eq!(app.mail.emails().len(), 1);
}

#[tokio::test]
async fn permanent_smtp_failures_mark_the_email_failed() {
    let app = TestApp::spawn().await;
    app.allow_undelivered();
    enqueue_test_email(&app, "perm:1").await;
    app.mail.reject(Some(554));
    let report = app.deliver_emails().await;
    assert_eq!(report.failed, 1);
    let mut conn = app.state.pool.get().await.expect("conn");
    let (state, last_error): (String, Option<String>) = outbox::table
        .select((outbox::state, outbox::last_error))
        .first(&mut conn)
        .await
        .expect("row");
    assert_eq!(state, "failed");
    assert!(last_error.is_some_and(|e| e.contains("554")));
    app.mail.reject(None);
    assert_eq!(
        app.deliver_emails_at(Utc::now() + Duration::days(1))
            .await
            .sent,
        0,
        "failed rows wait for a chair"
    );
}

#[tokio::test]
async fn the_spool_transport_writes_eml_files() {
    let dir = std::env::temp_dir().join(format!("mcfp-spool-{}", uuid::Uuid::new_v4()));
    let mailer =
        mcfp::mail::Mailer::from_settings(&mcfp::config::MailTransport::Spool(dir.clone()))
            .expect("spool");
    let app = TestApp::spawn().await;
    enqueue_test_email(&app, "spool:1").await;
    let worker = mcfp::mail::OutboxWorker::new(
        app.state.pool.clone(),
        mailer,
        app.state.settings.secret_key.clone(),
        "cfp@mcfp.test".parse().expect("mailbox"),
        "mcfp.test".into(),
    );
    assert_eq!(
        worker.deliver_due(Utc::now()).await.expect("deliver").sent,
        1
    );
    let files: Vec<_> = std::fs::read_dir(&dir)
        .expect("spool dir")
        .flatten()
        .collect();
    assert_eq!(files.len(), 1);
    let content = std::fs::read_to_string(files[0].path()).expect("eml");
    assert!(content.contains("Subject: Hello"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_reset_revokes_api_tokens_and_links_are_throttled_per_account() {
    let app = TestApp::spawn().await;
    app.register("tokens@example.org", "Tokens").await;
    let session = app.login("tokens@example.org").await;
    let created: serde_json::Value = app
        .new_client()
        .post(app.url("/api/v1/me/tokens"))
        .bearer_auth(&session)
        .json(&json!({"name": "script"}))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let api_token = created["token"].as_str().expect("token").to_owned();
    for _ in 0..3 {
        let response = app
            .post_json(
                "/api/v1/auth/password-reset",
                &json!({"email": "tokens@example.org"}),
            )
            .await;
        assert_eq!(response.status(), 202);
    }
    assert_eq!(
        app.deliver_emails().await.sent,
        1,
        "one link per account every few minutes"
    );
    let token = token_after(&app.mail.emails()[0].text(), "token=");
    let done = app
        .post_json(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "brand new password 7"}),
        )
        .await;
    assert_eq!(done.status(), 204);
    assert_eq!(
        app.get_with_token("/api/v1/me", &api_token).await.status(),
        401,
        "personal tokens revoked too"
    );
}
