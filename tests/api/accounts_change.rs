//! The account page changes the name, the password (the current one required; the other
//! sessions signed out) and the email (a link to the new address through the outbox, used
//! once, before it expires, by the account that asked; a notice to the old address).

use crate::helpers::{PASSWORD, TestApp, delivered_token, post};

const EMAIL: &str = "ada@speakers.test";
const NEW_EMAIL: &str = "ada@new-home.test";
const NEW_PASSWORD: &str = "a much Better passphrase 7";

async fn signed_in_ada(app: &TestApp) -> (reqwest::Client, String) {
    app.register(EMAIL, "Ada Lovelace").await;
    app.browser_signed_in(EMAIL).await
}

async fn me(app: &TestApp, token: &str) -> serde_json::Value {
    app.get_with_token("/api/v1/me", token)
        .await
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn the_name_changes_and_a_bad_one_is_refused_beside_its_field() {
    let app = TestApp::spawn().await;
    let (browser, csrf) = signed_in_ada(&app).await;
    let (status, location, _) = post(
        &app,
        &browser,
        "/account/name",
        &[("csrf_token", &csrf), ("display_name", "Ada King")],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/account#profile"));
    let (_, html) = app.page(&browser, "/account").await;
    assert!(html.contains("<dd>Ada King</dd>"));
    let profile = &html[html.find("id=\"profile\"").expect("the name section")..];
    assert!(profile[..profile.find("</section>").expect("end")].contains("Your name is saved."));

    let (status, _, html) = post(
        &app,
        &browser,
        "/account/name",
        &[("csrf_token", &csrf), ("display_name", "   ")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"display_name-error\""), "{html}");
}

#[tokio::test]
async fn the_password_changes_with_the_current_one_and_signs_out_the_other_sessions() {
    let app = TestApp::spawn().await;
    let (browser, csrf) = signed_in_ada(&app).await;
    let other_session = app.login(EMAIL).await;

    // a wrong current password changes nothing
    let (status, _, html) = post(
        &app,
        &browser,
        "/account/password",
        &[
            ("csrf_token", &csrf),
            ("current_password", "not it"),
            ("new_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"current_password-error\">is not your current password"));
    assert_eq!(
        app.get_with_token("/api/v1/me", &other_session)
            .await
            .status(),
        200
    );
    // a weak new one neither
    let (status, _, html) = post(
        &app,
        &browser,
        "/account/password",
        &[
            ("csrf_token", &csrf),
            ("current_password", PASSWORD),
            ("new_password", "short"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"new_password-error\""));

    let (status, location, _) = post(
        &app,
        &browser,
        "/account/password",
        &[
            ("csrf_token", &csrf),
            ("current_password", PASSWORD),
            ("new_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/account#password"));
    // this browser stays signed in; the other session is signed out
    let (status, html) = app.page(&browser, "/account").await;
    assert_eq!(status, 200);
    assert!(html.contains("Your other sessions are signed out."));
    assert_eq!(
        app.get_with_token("/api/v1/me", &other_session)
            .await
            .status(),
        401
    );
    // the new password signs in, the old one no more
    let login = |password: &'static str| {
        let app = &app;
        async move {
            app.new_client()
                .post(app.url("/api/v1/auth/login"))
                .json(&serde_json::json!({"email": EMAIL, "password": password}))
                .send()
                .await
                .expect("login")
                .status()
        }
    };
    assert_eq!(login(NEW_PASSWORD).await, 200);
    assert_eq!(login(PASSWORD).await, 401);
}

#[tokio::test]
async fn the_email_changes_when_the_emailed_link_is_used_once_by_its_account() {
    let app = TestApp::spawn().await;
    let (browser, csrf) = signed_in_ada(&app).await;
    app.register("bob@speakers.test", "Bob").await;

    // wrong password, an address in use: field errors, nothing sent
    for (email, password, field) in [
        (NEW_EMAIL, "not it", "email_password"),
        ("BOB@speakers.test", PASSWORD, "new_email"),
        ("not an address", PASSWORD, "new_email"),
    ] {
        let (status, _, html) = post(
            &app,
            &browser,
            "/account/email",
            &[
                ("csrf_token", &csrf),
                ("new_email", email),
                ("email_password", password),
            ],
        )
        .await;
        assert_eq!(status, 422, "{email}");
        assert!(html.contains(&format!("id=\"{field}-error\"")), "{email}");
    }

    let (status, location, _) = post(
        &app,
        &browser,
        "/account/email",
        &[
            ("csrf_token", &csrf),
            ("new_email", NEW_EMAIL),
            ("email_password", PASSWORD),
        ],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/account#email"));
    let token = delivered_token(&app, NEW_EMAIL, "/account/email/confirm?token=").await;
    let notice = app
        .mail
        .emails()
        .into_iter()
        .find(|e| e.to == [EMAIL.to_owned()])
        .expect("a notice to the old address");
    assert!(notice.text().contains(NEW_EMAIL) && !notice.text().contains(&token));
    let api_token = app.login(EMAIL).await;
    assert_eq!(
        me(&app, &api_token).await["email"],
        EMAIL,
        "not changed yet"
    );

    // another account cannot use the link
    let (bob, bob_csrf) = app.browser_signed_in("bob@speakers.test").await;
    let (status, _, html) = post(
        &app,
        &bob,
        "/account/email/confirm",
        &[("csrf_token", &bob_csrf), ("token", &token)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("meant for another account"));

    // the link opens a page whose button confirms
    let (status, html) = app
        .page(&browser, &format!("/account/email/confirm?token={token}"))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Confirm the new address"));
    assert_eq!(
        me(&app, &api_token).await["email"],
        EMAIL,
        "opening is not confirming"
    );
    let confirm = [("csrf_token", csrf.as_str()), ("token", token.as_str())];
    let (status, location, _) = post(&app, &browser, "/account/email/confirm", &confirm).await;
    assert_eq!((status, location.as_str()), (303, "/account#email"));
    assert_eq!(me(&app, &api_token).await["email"], NEW_EMAIL);
    let (_, html) = app.page(&browser, "/account").await;
    assert!(html.contains(&format!("Your email address is now {NEW_EMAIL}.")));

    // used once
    let (status, _, html) = post(&app, &browser, "/account/email/confirm", &confirm).await;
    assert_eq!(status, 422);
    assert!(html.contains("already used"));
}

#[tokio::test]
async fn an_expired_email_link_is_refused() {
    let app = TestApp::spawn().await;
    let (browser, csrf) = signed_in_ada(&app).await;
    post(
        &app,
        &browser,
        "/account/email",
        &[
            ("csrf_token", &csrf),
            ("new_email", NEW_EMAIL),
            ("email_password", PASSWORD),
        ],
    )
    .await;
    let token = delivered_token(&app, NEW_EMAIL, "/account/email/confirm?token=").await;
    {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let mut conn = app.state.pool.get().await.expect("conn");
        diesel::update(mcfp::schema::email_changes::table)
            .set(
                mcfp::schema::email_changes::expires_at
                    .eq(chrono::Utc::now() - chrono::Duration::minutes(1)),
            )
            .execute(&mut conn)
            .await
            .expect("expire");
    }
    let (status, _, html) = post(
        &app,
        &browser,
        "/account/email/confirm",
        &[("csrf_token", &csrf), ("token", &token)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("expired"));
    let api_token = app.login(EMAIL).await;
    assert_eq!(me(&app, &api_token).await["email"], EMAIL);
}
