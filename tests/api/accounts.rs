use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, set_cookie};

#[tokio::test]
async fn register_returns_the_account_and_me_describes_the_caller() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "Ada@Example.org", "name": "Ada Lovelace", "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["email"], "Ada@Example.org");
    assert_eq!(body["name"], "Ada Lovelace");
    assert!(body["id"].as_str().is_some_and(|id| id.len() == 36));
    assert!(body.get("password_hash").is_none());

    // login is case-insensitive on the email
    let token = app.login("ada@EXAMPLE.org").await;
    let me: Value = app
        .get_with_token("/api/v1/me", &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["id"], body["id"]);
    assert_eq!(me["email"], "Ada@Example.org");
    assert_eq!(me["is_admin"], false);
    assert_eq!(me["roles"], json!([]));
}

#[tokio::test]
async fn the_password_is_stored_as_an_argon2id_hash() {
    let app = TestApp::spawn().await;
    app.register("hash@example.org", "Hash").await;
    let mut conn = app.state.pool.get().await.expect("conn");
    let user = mcfp::db::users::find_by_email(&mut conn, "hash@example.org")
        .await
        .expect("q")
        .expect("user");
    assert!(
        user.password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$")
    );
    assert!(!user.password_hash.contains(PASSWORD));
}

/// A registration's status, headers (minus the date) and body with its id taken out, and the id.
async fn registration(app: &TestApp, email: &str, name: &str, password: &str) -> (String, String) {
    let response = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": email, "name": name, "password": password}),
        )
        .await;
    let mut headers: Vec<String> = response
        .headers()
        .iter()
        .filter(|(name, _)| *name != "date")
        .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap_or("?")))
        .collect();
    headers.sort();
    let status = response.status().as_u16();
    let mut body: Value = response.json().await.expect("json");
    let id = body["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(id.len(), 36, "{body}");
    body["id"] = json!("ID");
    (format!("{status}\n{}\n{body}", headers.join("\n")), id)
}

#[tokio::test]
async fn a_taken_email_answers_like_a_new_one_and_its_owner_is_told() {
    let app = TestApp::spawn().await;
    app.register("dup@example.org", "First").await;
    let (new, new_id) = registration(&app, "new@example.org", "Second", "another-Pass-42").await;
    for email in ["dup@example.org", "DUP@Example.ORG"] {
        let (taken, taken_id) = registration(&app, email, "Second", "another-Pass-42").await;
        assert_eq!(
            taken,
            new.replace("new@example.org", email),
            "the same status, headers and body shape"
        );
        assert_ne!(taken_id, new_id);
        // the id answered was never stored: nobody can sign in or be found with it
        let mut conn = app.state.pool.get().await.expect("conn");
        let id = uuid::Uuid::parse_str(&taken_id).expect("uuid");
        assert!(
            mcfp::db::users::find_by_id(&mut conn, mcfp::domain::UserId(id))
                .await
                .expect("q")
                .is_none()
        );
    }
    // the owner's password is unchanged, the other one does not sign in
    app.login("dup@example.org").await;
    let wrong = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "dup@example.org", "password": "another-Pass-42"}),
        )
        .await;
    assert_eq!(wrong.status(), 401);
    // the owner hears about it, once for both attempts of the hour, with the links to use
    app.deliver_emails().await;
    let told: Vec<_> = app
        .mail
        .emails()
        .into_iter()
        .filter(|e| e.to == ["dup@example.org".to_owned()])
        .collect();
    assert_eq!(told.len(), 1, "one email an hour per account");
    let text = told[0].text();
    assert!(told[0].subject().contains("tried to register"), "{text}");
    assert!(text.contains("Hello First"), "{text}");
    assert!(
        text.contains("/login") && text.contains("/password-reset"),
        "{text}"
    );
    assert!(
        app.mail
            .emails()
            .iter()
            .all(|e| !e.to.contains(&"new@example.org".to_owned())),
        "a new account gets no such email"
    );
}

#[tokio::test]
async fn weak_passwords_and_bad_fields_are_422_naming_each_field() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({"email": "a@example.org", "name": "A", "password": "short1"}),
            "password",
            "at least 10",
        ),
        (
            json!({"email": "a@example.org", "name": "A", "password": "alllowercaseletters"}),
            "password",
            "two kinds",
        ),
        (
            json!({"email": "a@example.org", "name": "A", "password": "12345678901234"}),
            "password",
            "two kinds",
        ),
        (
            json!({"email": "not-an-email", "name": "A", "password": PASSWORD}),
            "email",
            "valid email",
        ),
        (
            json!({"email": "a@example.org", "name": "  ", "password": PASSWORD}),
            "name",
            "empty",
        ),
        (
            json!({"email": "a@example.org", "name": "A\u{0007}", "password": PASSWORD}),
            "name",
            "control",
        ),
    ];
    for (body, field, words) in cases {
        let response = app.post_json("/api/v1/auth/register", &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let problem: Value = response.json().await.expect("json");
        let message = problem["errors"][field][0]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains(words), "{field}: {message}");
    }
    // all problems at once
    let response = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "x", "name": "", "password": "x"}),
        )
        .await;
    let problem: Value = response.json().await.expect("json");
    for field in ["email", "name", "password"] {
        assert!(problem["errors"][field].is_array(), "{field} in {problem}");
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = TestApp::spawn().await;
    app.register("known@example.org", "Known").await;
    let mut bodies = Vec::new();
    for (email, password) in [
        ("known@example.org", "wrong password 1"),
        ("nobody@example.org", PASSWORD),
    ] {
        let response = app
            .post_json(
                "/api/v1/auth/login",
                &json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.expect("json");
        bodies.push(body);
    }
    assert_eq!(bodies[0], bodies[1], "no account enumeration through login");
    assert_eq!(bodies[0]["detail"], "email or password is wrong");
}

#[tokio::test]
async fn login_sets_an_httponly_samesite_session_cookie_that_works() {
    let app = TestApp::spawn().await;
    app.register("cookie@example.org", "Cookie").await;
    let response = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "cookie@example.org", "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(set_cookie.starts_with("mcfp_session="), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly"));
    assert!(set_cookie.contains("SameSite=Lax"));
    assert!(!set_cookie.contains("Secure"), "plain http in tests");
    let body: Value = response.json().await.expect("json");
    assert!(
        body["token"]
            .as_str()
            .is_some_and(|t| t.starts_with("mcfps_"))
    );
    assert!(body["expires_at"].as_str().is_some());
    // the client's cookie jar now authenticates it
    let me = app
        .client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 200);
}

#[tokio::test]
async fn sessions_and_tokens_are_stored_hashed() {
    let app = TestApp::spawn().await;
    app.register("hashed@example.org", "Hashed").await;
    let token = app.login("hashed@example.org").await;
    let mut conn = app.state.pool.get().await.expect("conn");
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let stored: Vec<Vec<u8>> = mcfp::schema::sessions::table
        .select(mcfp::schema::sessions::token_hash)
        .load(&mut conn)
        .await
        .expect("sessions");
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token.as_bytes());
    assert_eq!(stored[0], mcfp::crypto::hash_token(&token));
}

#[tokio::test]
async fn logout_revokes_the_session_used() {
    let app = TestApp::spawn().await;
    app.register("out@example.org", "Out").await;
    let first = app.login("out@example.org").await;
    let second = app.login("out@example.org").await;
    let response = app
        .new_client()
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&first)
        .send()
        .await
        .expect("logout");
    assert_eq!(response.status(), 204);
    assert_eq!(app.get_with_token("/api/v1/me", &first).await.status(), 401);
    assert_eq!(
        app.get_with_token("/api/v1/me", &second).await.status(),
        200,
        "other sessions live on"
    );
    // logging out again with the dead token is a 401
    let again = app
        .new_client()
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&first)
        .send()
        .await
        .expect("logout");
    assert_eq!(again.status(), 401);
}

#[tokio::test]
async fn expired_sessions_are_refused() {
    let app = TestApp::spawn().await;
    app.register("exp@example.org", "Exp").await;
    let token = app.login("exp@example.org").await;
    let mut conn = app.state.pool.get().await.expect("conn");
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    diesel::update(mcfp::schema::sessions::table)
        .set(
            mcfp::schema::sessions::expires_at
                .eq(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .execute(&mut conn)
        .await
        .expect("expire");
    let response = app.get_with_token("/api/v1/me", &token).await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn unauthenticated_and_garbage_tokens_are_401() {
    let app = TestApp::spawn().await;
    let anonymous = app
        .new_client()
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("me");
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        anonymous.headers()["content-type"],
        "application/problem+json"
    );
    for token in ["nonsense", "mcfps_forged", "mcfpt_forged"] {
        assert_eq!(
            app.get_with_token("/api/v1/me", token).await.status(),
            401,
            "{token}"
        );
    }
    let wrong_scheme = app
        .new_client()
        .get(app.url("/api/v1/me"))
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .expect("me");
    assert_eq!(wrong_scheme.status(), 401);
}

#[tokio::test]
async fn a_tampered_session_cookie_is_ignored() {
    let app = TestApp::spawn().await;
    app.register("tamper@example.org", "Tamper").await;
    let token = app.login("tamper@example.org").await;
    // the raw token with a made-up signature: not ours, so anonymous
    let response = app
        .new_client()
        .get(app.url("/api/v1/me"))
        .header("Cookie", format!("mcfp_session={token}.forgedsignature"))
        .send()
        .await
        .expect("me");
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn login_is_rate_limited_per_client() {
    let app = TestApp::spawn_with(crate::helpers::SpawnOptions {
        auth_rate_per_minute: 3,
        ..Default::default()
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let response = app
            .post_json(
                "/api/v1/auth/login",
                &json!({"email": "x@example.org", "password": "whatever it is"}),
            )
            .await;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
}

#[tokio::test]
async fn cookies_are_secure_when_the_base_url_is_https() {
    let app = TestApp::spawn_with(crate::helpers::SpawnOptions {
        base_url: Some("https://cfp.example.org".to_owned()),
        ..Default::default()
    })
    .await;
    app.register("secure@example.org", "Secure").await;
    let response = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "secure@example.org", "password": PASSWORD}),
        )
        .await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    let page = app
        .new_client()
        .get(app.url("/login"))
        .send()
        .await
        .expect("page");
    let csrf = set_cookie(&page, "mcfp_csrf").expect("csrf cookie");
    assert!(csrf.contains("; Secure"), "{csrf}");
}

#[tokio::test]
async fn signing_in_as_someone_else_ends_the_browsers_previous_session() {
    let app = TestApp::spawn().await;
    app.register("alice@example.org", "Alice").await;
    app.register("bob@example.org", "Bob").await;
    // one browser (one cookie jar): Alice signs in, then Bob
    let browser = app.new_client();
    let sign_in = |email: &'static str| {
        let browser = browser.clone();
        let url = app.url("/api/v1/auth/login");
        async move {
            let response = browser
                .post(url)
                .json(&json!({"email": email, "password": PASSWORD}))
                .send()
                .await
                .expect("login");
            assert_eq!(response.status(), 200);
            let body: Value = response.json().await.expect("json");
            body["token"].as_str().expect("token").to_owned()
        }
    };
    let alice = sign_in("alice@example.org").await;
    assert_eq!(app.get_with_token("/api/v1/me", &alice).await.status(), 200);
    let bob = sign_in("bob@example.org").await;
    assert_eq!(app.get_with_token("/api/v1/me", &bob).await.status(), 200);
    // Alice's session went with the browser's switch to Bob
    assert_eq!(app.get_with_token("/api/v1/me", &alice).await.status(), 401);
    // a sign-in from another browser leaves Bob's session alone
    let elsewhere = app.login("alice@example.org").await;
    assert_eq!(
        app.get_with_token("/api/v1/me", &elsewhere).await.status(),
        200
    );
    assert_eq!(app.get_with_token("/api/v1/me", &bob).await.status(), 200);
}
