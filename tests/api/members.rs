//! Event members: invitations for emails without an account, and removal.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, csrf_token, token_after};

/// The path of the member invitation link in an email's text.
fn invitation_path(text: &str) -> String {
    let marker = "/member-invitations/";
    format!("{marker}{}", token_after(text, marker))
}

#[tokio::test]
async fn an_unknown_email_is_invited_once_and_becomes_a_member_on_accepting() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    let invite = |role: &str| json!({"email": "New.Reviewer@example.org", "role": role, "tracks": ["rust-for-linux"]});
    let response = app
        .call(
            Method::PUT,
            "/api/v1/events/rust-mc/members",
            &admin,
            Some(&invite("chair")),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["invited"], true);
    assert_eq!(body["user_id"], Value::Null);
    assert_eq!(body["email"], "New.Reviewer@example.org");
    // inviting again changes the role; it sends no second email
    let again: Value = app
        .call(
            Method::PUT,
            "/api/v1/events/rust-mc/members",
            &admin,
            Some(&invite("reviewer")),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again["role"], "reviewer");
    assert_eq!(app.deliver_emails().await.sent, 1);
    let email = app.mail.emails().into_iter().next().expect("invitation");
    assert_eq!(email.to, ["New.Reviewer@example.org"]);
    assert!(
        email
            .subject()
            .contains("You are invited as chair of Rust MC"),
        "{}",
        email.subject()
    );
    let path = invitation_path(&email.text());
    let token = path.trim_start_matches("/member-invitations/").to_owned();
    assert!(token.starts_with("mcfpm_"));

    // the link's page, signed out: sign in or register and come back
    let (status, page) = app.page(&app.new_client(), &path).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("/register?next={path}")));

    // the new person registers (with any email) and accepts
    app.register("reviewer@example.org", "Rita").await;
    let rita = app.login("reviewer@example.org").await;
    let accepted = app
        .call(
            Method::POST,
            "/api/v1/member-invitations/accept",
            &rita,
            Some(&json!({"token": token})),
        )
        .await;
    assert_eq!(accepted.status(), 200);
    let me: Value = app
        .get_with_token("/api/v1/me", &rita)
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(
        me["roles"],
        json!([{"event": "rust-mc", "role": "reviewer", "tracks": ["rust-for-linux"]}])
    );
    // accepting twice is harmless; another account cannot take it; a made-up token is refused
    assert_eq!(
        app.call(
            Method::POST,
            "/api/v1/member-invitations/accept",
            &rita,
            Some(&json!({"token": token}))
        )
        .await
        .status(),
        200
    );
    app.register("eve@example.org", "Eve").await;
    let eve = app.login("eve@example.org").await;
    assert_eq!(
        app.call(
            Method::POST,
            "/api/v1/member-invitations/accept",
            &eve,
            Some(&json!({"token": token}))
        )
        .await
        .status(),
        409
    );
    assert_eq!(
        app.call(
            Method::POST,
            "/api/v1/member-invitations/accept",
            &eve,
            Some(&json!({"token": "mcfpm_nope"}))
        )
        .await
        .status(),
        422
    );
    // the token is not in the database: only its hash, and the outbox copy was wiped once sent
    let mut conn = app.state.pool.get().await.expect("conn");
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let bodies: Vec<String> = mcfp::schema::outbox::table
        .select(mcfp::schema::outbox::body_text)
        .load(&mut conn)
        .await
        .expect("outbox");
    assert!(bodies.iter().all(|b| !b.contains(&token)));
}

#[tokio::test]
async fn accepting_through_the_page() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    app.call(
        Method::PUT,
        "/api/v1/events/rust-mc/members",
        &admin,
        Some(&json!({"email": "co-chair@example.org", "role": "chair", "tracks": null})),
    )
    .await;
    app.deliver_emails().await;
    let path = invitation_path(&app.mail.emails()[0].text());
    app.register("co-chair@example.org", "Co Chair").await;
    let (browser, _) = app.browser_signed_in("co-chair@example.org").await;
    let (status, page) = app.page(&browser, &path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Accept the invitation"));
    let response = browser
        .post(app.url(&path))
        .form(&[("csrf_token", csrf_token(&page))])
        .send()
        .await
        .expect("accept");
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/events/rust-mc");
    let (_, event) = app.page(&browser, "/events/rust-mc").await;
    assert!(event.contains("/events/rust-mc/dashboard"), "now a chair");
    assert_eq!(
        app.page(&app.new_client(), "/member-invitations/mcfpm_unknown")
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn chairs_remove_members() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    app.register("rev@example.org", "Rev").await;
    app.register("ada@example.org", "Ada").await;
    let added: Value = app
        .call(
            Method::PUT,
            "/api/v1/events/rust-mc/members",
            &admin,
            Some(&json!({"email": "rev@example.org", "role": "reviewer", "tracks": null})),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(added["invited"], false);
    let id = added["user_id"].as_str().expect("user id").to_owned();
    let rev = app.login("rev@example.org").await;
    let ada = app.login("ada@example.org").await;
    let path = format!("/api/v1/events/rust-mc/members/{id}");
    assert_eq!(
        app.new_client()
            .delete(app.url(&path))
            .send()
            .await
            .expect("delete")
            .status(),
        401
    );
    assert_eq!(
        app.call(Method::DELETE, &path, &ada, None).await.status(),
        403
    );
    assert_eq!(
        app.call(Method::DELETE, &path, &rev, None).await.status(),
        403,
        "a reviewer cannot remove members"
    );
    assert_eq!(
        app.call(Method::DELETE, &path, &admin, None).await.status(),
        204
    );
    assert_eq!(
        app.call(Method::DELETE, &path, &admin, None).await.status(),
        404,
        "already gone"
    );
    let me: Value = app
        .get_with_token("/api/v1/me", &rev)
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(me["roles"], json!([]));
}

#[tokio::test]
async fn the_members_page_appoints_invites_and_removes() {
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    app.register("chris@example.org", "Chris").await;
    app.register("ada@example.org", "Ada").await;
    let (admin, csrf) = app.browser_signed_in("admin@example.org").await;
    let (status, page) = app.page(&admin, "/events/rust-mc/members").await;
    assert_eq!(status, 200);
    assert!(page.contains("Nobody yet."));
    // appoint an existing account as chair
    let response = admin
        .post(app.url("/events/rust-mc/members"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "CHRIS@example.org"),
            ("role", "chair"),
            ("tracks", ""),
        ])
        .send()
        .await
        .expect("add");
    assert_eq!(response.status(), 303);
    let (_, page) = app.page(&admin, "/events/rust-mc/members").await;
    assert!(page.contains("Chris is now a chair of this event."));
    assert!(page.contains("chris@example.org"));
    // invite an email without an account, restricted to a track
    admin
        .post(app.url("/events/rust-mc/members"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "newbie@example.org"),
            ("role", "reviewer"),
            ("tracks", "rust"),
        ])
        .send()
        .await
        .expect("invite");
    let (_, page) = app.page(&admin, "/events/rust-mc/members").await;
    assert!(page.contains("we emailed an invitation"));
    assert!(page.contains("newbie@example.org — reviewer (rust)"));
    assert_eq!(app.deliver_emails().await.sent, 1);
    // mistakes are shown inline with the typed email
    let response = admin
        .post(app.url("/events/rust-mc/members"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "not-an-email"),
            ("role", "boss"),
            ("tracks", "go"),
        ])
        .send()
        .await
        .expect("bad");
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert!(
        html.contains("is not a valid email address")
            && html.contains("choose chair or reviewer")
            && html.contains("`go` is not a track")
    );
    assert!(html.contains("value=\"not-an-email\""));
    // remove the chair again
    let chris_token = app.login("chris@example.org").await;
    let chris: Value = app
        .get_with_token("/api/v1/me", &chris_token)
        .await
        .json()
        .await
        .expect("me");
    let id = chris["id"].as_str().expect("id");
    let response = admin
        .post(app.url(&format!("/events/rust-mc/members/{id}/remove")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("remove");
    assert_eq!(response.status(), 303);
    let (_, page) = app.page(&admin, "/events/rust-mc/members").await;
    assert!(!page.contains("chris@example.org"));
    // speakers may not see the page
    let (ada, _) = app.browser_signed_in("ada@example.org").await;
    assert_eq!(app.page(&ada, "/events/rust-mc/members").await.0, 403);
}
