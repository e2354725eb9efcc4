//! The HTML pages, driven like a browser without JavaScript would: GET the form, POST it back.

use crate::helpers::{
    PASSWORD, TestApp, create_event, csrf_token, event_body, post_form, set_cookie,
};

/// Registers through the form with a fresh browser: (status, Location, the page shown next).
async fn register_through_the_form(
    app: &TestApp,
    name: &str,
    email: &str,
) -> (u16, String, String) {
    let browser = app.new_client();
    let (status, html) = app.page(&browser, "/register").await;
    assert_eq!(status, 200);
    let csrf = csrf_token(&html);
    let response = post_form(
        app,
        &browser,
        "/register",
        &[
            ("csrf_token", &csrf),
            ("name", name),
            ("email", email),
            ("password", PASSWORD),
            ("next", "/events/rust-mc"),
        ],
    )
    .await;
    let status = response.status().as_u16();
    assert!(
        set_cookie(&response, "mcfp_session").is_none(),
        "nobody is signed in"
    );
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let (_, next_page) = app.page(&browser, &location).await;
    (status, location, next_page)
}

#[tokio::test]
async fn register_through_the_form_then_sign_in_and_come_back() {
    let app = TestApp::spawn().await;
    let (status, location, login) =
        register_through_the_form(&app, "Grace Hopper", "grace@example.org").await;
    assert_eq!(status, 303);
    assert_eq!(location, "/login?next=%2Fevents%2Frust-mc");
    assert!(
        login.contains("Sign in with your email and password"),
        "flash shown"
    );
    assert!(login.contains("name=\"next\" value=\"/events/rust-mc\""));
    // the account exists: the password signs in
    app.login("grace@example.org").await;
}

#[tokio::test]
async fn the_register_page_says_the_same_for_a_taken_email_and_the_owner_is_told() {
    let app = TestApp::spawn().await;
    app.register("grace@example.org", "Grace Hopper").await;
    let new = register_through_the_form(&app, "Someone", "someone@example.org").await;
    let taken = register_through_the_form(&app, "Someone", "Grace@Example.org").await;
    let csrf_free = |html: &str| html.replace(&csrf_token(html), "CSRF");
    assert_eq!(
        (new.0, &new.1, csrf_free(&new.2)),
        (taken.0, &taken.1, csrf_free(&taken.2)),
        "the same answer and the same next page"
    );
    assert!(!taken.2.contains("already exists"));
    // Grace's password still signs her in; the other does not exist
    app.login("grace@example.org").await;
    app.deliver_emails().await;
    let told = app
        .mail
        .emails()
        .into_iter()
        .find(|e| e.to == ["grace@example.org".to_owned()])
        .expect("the owner is emailed");
    assert!(told.text().contains("tried to create an mcfp account"));
}

#[tokio::test]
async fn form_errors_are_inline_and_keep_the_typed_input() {
    let app = TestApp::spawn().await;
    let browser = app.new_client();
    let (_, html) = app.page(&browser, "/register").await;
    let csrf = csrf_token(&html);
    let response = post_form(
        &app,
        &browser,
        "/register",
        &[
            ("csrf_token", &csrf),
            ("name", "Grace <b>Hopper</b>"),
            ("email", "grace@"),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert!(html.contains("value=\"grace@\""), "email kept");
    assert!(
        html.contains("Grace &#60;b&#62;Hopper&#60;/b&#62;")
            || html.contains("Grace &lt;b&gt;Hopper&lt;/b&gt;"),
        "name kept, escaped"
    );
    assert!(html.contains("is not a valid email address"));
    assert!(html.contains("must be at least 10 characters"));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(
        !html.contains("value=\"short\""),
        "passwords are never echoed"
    );
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_are_refused() {
    let app = TestApp::spawn().await;
    app.register("csrf@example.org", "Csrf").await;
    let browser = app.new_client();
    let (_, html) = app.page(&browser, "/login").await;
    let good = csrf_token(&html);
    let fields = |token: &str| {
        vec![
            ("csrf_token".to_owned(), token.to_owned()),
            ("email".into(), "csrf@example.org".into()),
            ("password".into(), PASSWORD.into()),
        ]
    };
    // no token at all
    let response = browser
        .post(app.url("/login"))
        .form(&[("email", "csrf@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("this form has expired")
    );
    // a forged token
    let response = browser
        .post(app.url("/login"))
        .form(&fields("forged"))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 403);
    // a valid token from another browser (another cookie) does not transfer
    let other = app.new_client();
    let response = other
        .post(app.url("/login"))
        .form(&fields(&good))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 403);
    // the right one works
    let response = browser
        .post(app.url("/login"))
        .form(&fields(&good))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn csrf_and_session_cookies_are_httponly_and_samesite() {
    let app = TestApp::spawn().await;
    let response = app
        .new_client()
        .get(app.url("/login"))
        .send()
        .await
        .expect("page");
    let cookie = set_cookie(&response, "mcfp_csrf").expect("csrf cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

/// Signs in through the login form with this CSRF token, asking to go to `next`.
async fn sign_in_then_go_to(
    app: &TestApp,
    browser: &reqwest::Client,
    csrf: &str,
    password: &str,
    next: &str,
) -> reqwest::Response {
    let fields = [
        ("csrf_token", csrf),
        ("email", "nav@example.org"),
        ("password", password),
        ("next", next),
    ];
    post_form(app, browser, "/login", &fields).await
}

/// Signing in sets an HttpOnly, SameSite session cookie and rotates the CSRF nonce.
fn assert_the_sign_in_cookies(response: &reqwest::Response) {
    let session_cookie =
        set_cookie(response, "mcfp_session").expect("the HTML sign-in sets the session cookie");
    assert!(
        session_cookie.contains("HttpOnly")
            && session_cookie.contains("SameSite=Lax")
            && session_cookie.contains("Path=/"),
        "{session_cookie}"
    );
    let rotated = set_cookie(response, "mcfp_csrf").expect("signing in rotates the CSRF nonce");
    assert!(rotated.starts_with("mcfp_csrf="));
}

/// The status of GET /api/v1/me with this browser's cookies.
async fn me_status(app: &TestApp, browser: &reqwest::Client) -> reqwest::StatusCode {
    let response = browser.get(app.url("/api/v1/me")).send().await;
    response.expect("me").status()
}

#[tokio::test]
async fn login_logout_and_the_next_parameter() {
    let app = TestApp::spawn().await;
    app.register("nav@example.org", "Nav").await;
    let browser = app.new_client();
    // a signed-out visit to the account page goes to login and comes back
    let response = browser
        .get(app.url("/account"))
        .send()
        .await
        .expect("account");
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/login?next=%2Faccount");
    let (_, html) = app.page(&browser, "/login?next=/account").await;
    let csrf = csrf_token(&html);
    // wrong password: inline error, email kept
    let response = sign_in_then_go_to(&app, &browser, &csrf, "nope nope 1", "/account").await;
    assert_eq!(response.status(), 401);
    let html = response.text().await.expect("body");
    assert!(
        html.contains("The email or the password is wrong.")
            && html.contains("value=\"nav@example.org\"")
    );
    let response = sign_in_then_go_to(&app, &browser, &csrf, PASSWORD, "/account").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/account");
    assert_the_sign_in_cookies(&response);
    let (status, account) = app.page(&browser, "/account").await;
    assert_eq!(status, 200);
    assert!(account.contains("nav@example.org"));
    // the form token from before signing in is worthless now
    let stale_fields = [("csrf_token", csrf.as_str()), ("name", "x")];
    let stale = post_form(&app, &browser, "/account/tokens", &stale_fields).await;
    assert_eq!(stale.status(), 403);
    // off-site nexts are ignored, including ones browsers would turn into //host
    for evil in ["/\t/evil.example/", "/\n/evil.example/", "/\\evil.example/"] {
        let csrf = csrf_token(&app.page(&browser, "/login").await.1);
        let response = sign_in_then_go_to(&app, &browser, &csrf, PASSWORD, evil).await;
        assert_eq!(response.headers()["location"], "/", "{evil:?}");
    }
    // an off-site next is ignored
    let csrf = csrf_token(&app.page(&browser, "/login").await.1);
    let response = sign_in_then_go_to(&app, &browser, &csrf, PASSWORD, "//evil.example/").await;
    assert_eq!(response.headers()["location"], "/");
    // logout revokes the session server-side
    let csrf = csrf_token(&app.page(&browser, "/account").await.1);
    assert_eq!(me_status(&app, &browser).await, 200);
    let response = post_form(&app, &browser, "/logout", &[("csrf_token", &csrf)]).await;
    assert_eq!(response.status(), 303);
    let (status, _) = app.page(&browser, "/account").await;
    assert_eq!(status, 303);
    assert_eq!(me_status(&app, &browser).await, 401);
}

#[tokio::test]
async fn the_account_page_creates_shows_once_and_revokes_api_tokens() {
    let app = TestApp::spawn().await;
    app.register("page@example.org", "Page <script>alert(1)</script>")
        .await;
    let browser = app.new_client();
    let (_, html) = app.page(&browser, "/login").await;
    let csrf = csrf_token(&html);
    post_form(
        &app,
        &browser,
        "/login",
        &[
            ("csrf_token", &csrf),
            ("email", "page@example.org"),
            ("password", PASSWORD),
        ],
    )
    .await;
    let (_, account) = app.page(&browser, "/account").await;
    let csrf = csrf_token(&account);
    assert!(
        !account.contains("<script>alert(1)</script>"),
        "names are escaped"
    );
    let response = post_form(
        &app,
        &browser,
        "/account/tokens",
        &[
            ("csrf_token", &csrf),
            ("name", "ci export"),
            ("expires_in_days", ""),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("body");
    let start = html.find("mcfpt_").expect("token shown once");
    let token: String = html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    assert_eq!(app.get_with_token("/api/v1/me", &token).await.status(), 200);
    let (_, later) = app.page(&browser, "/account").await;
    assert!(!later.contains(&token), "not shown again");
    assert!(later.contains("ci export"));
    // bad input re-renders with the error
    let response = post_form(
        &app,
        &browser,
        "/account/tokens",
        &[
            ("csrf_token", &csrf),
            ("name", ""),
            ("expires_in_days", "soon"),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
    // revoke through the form
    let marker = "action=\"/account/tokens/";
    let start = later.find(marker).expect("revoke form") + marker.len();
    let id: String = later[start..].chars().take_while(|c| *c != '/').collect();
    let response = post_form(
        &app,
        &browser,
        &format!("/account/tokens/{id}/revoke"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(app.get_with_token("/api/v1/me", &token).await.status(), 401);
}

#[tokio::test]
async fn password_reset_through_the_pages() {
    let app = TestApp::spawn().await;
    app.register("pages-reset@example.org", "Pages Reset").await;
    let browser = app.new_client();
    let (_, html) = app.page(&browser, "/password-reset").await;
    let csrf = csrf_token(&html);
    let response = post_form(
        &app,
        &browser,
        "/password-reset",
        &[("csrf_token", &csrf), ("email", "pages-reset@example.org")],
    )
    .await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("we have emailed it a link")
    );
    app.deliver_emails().await;
    let text = app.mail.emails()[0].text();
    let link = text
        .lines()
        .find(|l| l.contains("/password-reset/confirm?token="))
        .expect("link")
        .trim()
        .to_owned();
    let path = link.trim_start_matches(app.state.base_url.as_str().trim_end_matches('/'));
    let (status, form) = app.page(&browser, path).await;
    assert_eq!(status, 200);
    assert!(form.contains("Set the new password"));
    let token = path.split("token=").nth(1).expect("token");
    let response = post_form(
        &app,
        &browser,
        "/password-reset/confirm",
        &[
            ("csrf_token", &csrf),
            ("token", token),
            ("password", "new page password 1"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/login");
    let (status, used) = app.page(&browser, path).await;
    assert_eq!(status, 404);
    assert!(used.contains("invalid, expired or already used"));
}

#[tokio::test]
async fn the_event_page_shows_the_cfp_in_the_event_time_zone_and_sanitizes_markdown() {
    let app = TestApp::spawn().await;
    app.register("boss@example.org", "Boss").await;
    app.make_admin("boss@example.org").await;
    let admin = app.login("boss@example.org").await;
    let description = "Talks about **Rust**. <script>alert(1)</script><img src=x onerror=alert(1)>";
    let mut body = event_body("rust-mc", "Rust MC", description, "America/New_York");
    body["cfp_closes_at"] = "2030-07-01T16:00:00Z".into();
    create_event(&app, &admin, &body).await;
    let (status, html) = app.page(&app.new_client(), "/events/rust-mc").await;
    assert_eq!(status, 200);
    assert!(html.contains("<strong>Rust</strong>"));
    assert!(!html.contains("<script>alert(1)") && !html.contains("onerror"));
    assert!(
        html.contains("2030-07-01 12:00 America/New_York (2030-07-01 16:00 UTC)"),
        "deadline in both zones"
    );
    assert!(html.contains("data-countdown"));
    assert!(html.contains("Rust for Linux"));
    let (_, home) = app.page(&app.new_client(), "/").await;
    assert!(home.contains("/events/rust-mc"));
}
