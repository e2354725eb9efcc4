//! Event members: invitations for emails without an account (sent again with a fresh link,
//! cancelled), and removal.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, api, csrf_token, delivered_token, field_error, person, post, send, token_after,
};

const MEMBERS: &str = "/api/v1/events/rust-mc/members";
const NEWCOMER: &str = "newcomer@example.org";

/// A chair invites an email without an account; returns the answer.
async fn invite(app: &TestApp, chair: &str, email: &str, role: &str) -> Value {
    let body = json!({"email": email, "role": role, "tracks": null});
    let answer = api(app, Method::PUT, MEMBERS, chair, Some(&body), 200).await;
    assert_eq!(answer["invited"], true, "{answer}");
    answer
}

/// How many member invitations `email` received.
fn invitations_to(app: &TestApp, email: &str) -> usize {
    app.mail
        .emails()
        .iter()
        .filter(|e| e.to == [email.to_owned()] && e.text().contains("/member-invitations/"))
        .count()
}

/// The account accepts a member invitation's token through the API: (status, body).
async fn accept(app: &TestApp, account: &str, token: &str) -> (u16, String) {
    let body = json!({"token": token});
    send(
        app,
        Method::POST,
        "/api/v1/member-invitations/accept",
        Some(account),
        Some(&body),
    )
    .await
}

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
    assert_eq!(body["sent_again"], false);
    // inviting again before the email went out changes the role and renews the link: only the
    // renewed email is sent (the first, with its dead link, is withdrawn)
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
    assert_eq!(again["sent_again"], true);
    assert_eq!(again["invitation_id"], body["invitation_id"]);
    assert_eq!(app.deliver_emails().await.sent, 1);
    let email = app.mail.emails().into_iter().next().expect("invitation");
    assert_eq!(email.to, ["New.Reviewer@example.org"]);
    assert!(
        email
            .subject()
            .contains("You are invited as reviewer of Rust MC"),
        "{}",
        email.subject()
    );
    let path = invitation_path(&email.text());
    let token = path.trim_start_matches("/member-invitations/").to_owned();
    assert!(token.starts_with("mcfpm_"));

    // the link's page, signed out: sign in or register and come back
    let (status, page) = app.page(&app.new_client(), &path).await;
    assert_eq!(status, 200);
    let encoded: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    assert!(
        page.contains(&format!("/register?next={encoded}")),
        "{page}"
    );

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

#[tokio::test]
async fn inviting_again_sends_a_new_link_and_the_first_stops_working() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    let first = invite(&app, &admin, NEWCOMER, "chair").await;
    assert_eq!(first["sent_again"], false);
    let first_token = delivered_token(&app, NEWCOMER, "/member-invitations/").await;

    // the chair invites again (as happens after an import, whose links are dead): a new link
    let again = invite(&app, &admin, NEWCOMER, "reviewer").await;
    assert_eq!(again["sent_again"], true, "{again}");
    assert_eq!(again["invitation_id"], first["invitation_id"]);
    let second_token = delivered_token(&app, NEWCOMER, "/member-invitations/").await;
    assert_ne!(first_token, second_token);
    assert_eq!(invitations_to(&app, NEWCOMER), 2);
    let latest = app.mail.emails().pop().expect("the second invitation");
    assert!(
        latest
            .text()
            .contains("replaces the one in our earlier invitation"),
        "{}",
        latest.text()
    );
    assert_eq!(
        crate::backup::count(
            &app,
            "SELECT count(*) AS n FROM member_invitations WHERE email_normalized = 'newcomer@example.org'"
        )
        .await,
        1,
        "one invitation, renewed"
    );

    // the first link is refused, on the page and through the API; the second one works
    let first_page = format!("/member-invitations/{first_token}");
    assert_eq!(app.page(&app.new_client(), &first_page).await.0, 404);
    app.register(NEWCOMER, "Nina Newcomer").await;
    let nina = app.login(NEWCOMER).await;
    let (status, problem) = accept(&app, &nina, &first_token).await;
    assert_eq!(status, 422, "{problem}");
    assert!(field_error(
        &serde_json::from_str(&problem).expect("problem"),
        "token"
    ));
    let (status, body) = accept(&app, &nina, &second_token).await;
    assert_eq!(status, 200, "{body}");
    let me = api(&app, Method::GET, "/api/v1/me", &nina, None, 200).await;
    assert_eq!(
        me["roles"],
        json!([{"event": "rust-mc", "role": "reviewer", "tracks": null}])
    );
}

#[tokio::test]
async fn chairs_cancel_an_open_invitation_and_its_link_stops_working() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    let rita = person(&app, "rita@example.org", "Rita").await;
    let ada = person(&app, "ada@example.org", "Ada").await;
    crate::helpers::add_member(&app, &admin, &rita.email, "reviewer").await;
    let invited = invite(&app, &admin, NEWCOMER, "reviewer").await;
    let token = delivered_token(&app, NEWCOMER, "/member-invitations/").await;
    let id = invited["invitation_id"].as_str().expect("invitation id");
    let path = format!("/api/v1/events/rust-mc/member-invitations/{id}");

    assert_eq!(send(&app, Method::DELETE, &path, None, None).await.0, 401);
    for (who, token) in [("a speaker", &ada.token), ("a reviewer", &rita.token)] {
        let (status, body) = send(&app, Method::DELETE, &path, Some(token), None).await;
        assert_eq!(status, 403, "{who}: {body}");
    }
    assert_eq!(
        send(&app, Method::DELETE, &path, Some(&admin), None)
            .await
            .0,
        204
    );
    assert_eq!(
        send(&app, Method::DELETE, &path, Some(&admin), None)
            .await
            .0,
        404,
        "already cancelled"
    );
    let nobody = "/api/v1/events/rust-mc/member-invitations/00000000-0000-0000-0000-000000000000";
    assert_eq!(
        send(&app, Method::DELETE, nobody, Some(&admin), None)
            .await
            .0,
        404
    );
    app.register(NEWCOMER, "Nina Newcomer").await;
    let nina = app.login(NEWCOMER).await;
    assert_eq!(accept(&app, &nina, &token).await.0, 422, "the link is dead");

    // cancelled before its email went out: the email is not sent
    let late = invite(&app, &admin, "late@example.org", "reviewer").await;
    let late_path = format!(
        "/api/v1/events/rust-mc/member-invitations/{}",
        late["invitation_id"].as_str().expect("id")
    );
    assert_eq!(
        send(&app, Method::DELETE, &late_path, Some(&admin), None)
            .await
            .0,
        204
    );
    assert_eq!(app.deliver_emails().await.sent, 0);

    // an accepted invitation is not cancelled: the member is removed instead
    let joiner = invite(&app, &admin, "joiner@example.org", "reviewer").await;
    let joiner_token = delivered_token(&app, "joiner@example.org", "/member-invitations/").await;
    assert_eq!(accept(&app, &ada.token, &joiner_token).await.0, 200);
    let joiner_path = format!(
        "/api/v1/events/rust-mc/member-invitations/{}",
        joiner["invitation_id"].as_str().expect("id")
    );
    let (status, body) = send(&app, Method::DELETE, &joiner_path, Some(&admin), None).await;
    assert_eq!(status, 409, "{body}");
}

#[tokio::test]
async fn the_members_page_sends_an_invitation_again_and_cancels_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    let invited = invite(&app, &admin, NEWCOMER, "reviewer").await;
    let first_token = delivered_token(&app, NEWCOMER, "/member-invitations/").await;
    let id = invited["invitation_id"].as_str().expect("id");
    let (browser, csrf) = app.browser_signed_in("admin@example.org").await;
    let (_, page) = app.page(&browser, "/events/rust-mc/members").await;
    assert!(page.contains("Send again"), "{page}");
    let cancel = format!("/events/rust-mc/member-invitations/{id}/cancel");
    assert!(page.contains(&cancel));

    // "Send again" posts the invitation's own email, role and tracks
    let (status, location, _) = post(
        &app,
        &browser,
        "/events/rust-mc/members",
        &[
            ("csrf_token", &csrf),
            ("email", NEWCOMER),
            ("role", "reviewer"),
            ("tracks", ""),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/events/rust-mc/members")
    );
    let (_, page) = app.page(&browser, "/events/rust-mc/members").await;
    assert!(
        page.contains("Invitation sent again to newcomer@example.org"),
        "{page}"
    );
    let second_token = delivered_token(&app, NEWCOMER, "/member-invitations/").await;
    assert_ne!(first_token, second_token);

    // cancelling needs the form's CSRF token, then the invitation is gone
    let (status, _, _) = post(&app, &browser, &cancel, &[]).await;
    assert_ne!(status, 303, "no CSRF token, no cancellation");
    let (status, _, _) = post(&app, &browser, &cancel, &[("csrf_token", &csrf)]).await;
    assert_eq!(status, 303);
    let (_, page) = app.page(&browser, "/events/rust-mc/members").await;
    assert!(page.contains("The invitation is cancelled"), "{page}");
    assert!(!page.contains(&cancel));
    app.register(NEWCOMER, "Nina Newcomer").await;
    let nina = app.login(NEWCOMER).await;
    assert_eq!(accept(&app, &nina, &second_token).await.0, 422);
}
