//! Signing in keeps where the visitor was going (through registering too), lands each role where
//! they work when there is nowhere to go back to, and never leaves the site.

use crate::helpers::{
    CHAIR_EMAIL, Committee, PASSWORD, SLUG, SPEAKER_EMAIL, TestApp, csrf_token, field_value, post,
    post_form,
};

/// Signs in through the form of `/login?next=…` as its hidden field carries it: the Location.
async fn sign_in_from(app: &TestApp, login_path: &str, email: &str) -> String {
    let browser = app.new_client();
    let (status, html) = app.page(&browser, login_path).await;
    assert_eq!(status, 200);
    let next = field_value(&html, "next");
    let csrf = csrf_token(&html);
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("email", email),
        ("password", PASSWORD),
        ("next", next.as_str()),
    ];
    let (status, location, _) = post(app, &browser, "/login", &fields).await;
    assert_eq!(status, 303, "sign in {email}");
    location
}

#[tokio::test]
async fn submit_a_proposal_signed_out_then_register_and_sign_in_ends_on_the_form() {
    let committee = Committee::spawn().await;
    let app = &committee.app;
    let browser = app.new_client();
    let submit = format!("/events/{SLUG}/submit");
    let encoded = format!("%2Fevents%2F{SLUG}%2Fsubmit");
    let response = browser.get(app.url(&submit)).send().await.expect("submit");
    assert_eq!(response.status(), 303);
    let login = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(login, format!("/login?next={encoded}"));
    // "Create an account" on the sign-in page carries `next`
    let (_, html) = app.page(&browser, &login).await;
    let register = format!("/register?next={encoded}");
    assert!(html.contains(&format!("href=\"{register}\"")), "{html}");
    let (_, html) = app.page(&browser, &register).await;
    assert_eq!(field_value(&html, "next"), submit);
    assert!(
        html.contains(&format!("href=\"{login}\"")),
        "Sign in keeps it too"
    );
    let csrf = csrf_token(&html);
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("name", "Newt Speaker"),
        ("email", "newt@speakers.test"),
        ("password", PASSWORD),
        ("next", submit.as_str()),
    ];
    let (status, location, _) = post(app, &browser, "/register", &fields).await;
    assert_eq!((status, location.as_str()), (303, login.as_str()));
    // registering signs nobody in: the sign-in page, then the submission form
    let (_, html) = app.page(&browser, &login).await;
    let csrf = csrf_token(&html);
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("email", "newt@speakers.test"),
        ("password", PASSWORD),
        ("next", &field_value(&html, "next")),
    ];
    let (status, location, _) = post(app, &browser, "/login", &fields).await;
    assert_eq!((status, location.as_str()), (303, submit.as_str()));
    let (status, form) = app.page(&browser, &submit).await;
    assert_eq!(status, 200);
    assert!(form.contains("name=\"abstract\""), "the submission form");
}

#[tokio::test]
async fn without_next_chairs_land_on_their_dashboard_and_reviewers_on_their_queue() {
    let committee = Committee::spawn().await;
    let app = &committee.app;
    let chair = sign_in_from(app, "/login", CHAIR_EMAIL).await;
    assert_eq!(chair, format!("/events/{SLUG}/dashboard"));
    let reviewer = sign_in_from(app, "/login", &committee.rita.email).await;
    assert_eq!(reviewer, format!("/events/{SLUG}/review"));
    assert_eq!(sign_in_from(app, "/login", SPEAKER_EMAIL).await, "/");
    // a `next` wins over the landing
    let chair = sign_in_from(app, "/login?next=/account", CHAIR_EMAIL).await;
    assert_eq!(chair, "/account");
}

#[tokio::test]
async fn an_off_site_next_is_ignored() {
    let committee = Committee::spawn().await;
    let app = &committee.app;
    let browser = app.new_client();
    let (_, html) = app.page(&browser, "/login?next=//evil.example").await;
    assert_eq!(field_value(&html, "next"), "/");
    assert!(!html.contains("evil"), "not in the register link either");
    let (_, html) = app.page(&browser, "/register?next=//evil.example").await;
    assert!(!html.contains("evil"));
    // posted directly, it is dropped too: home for a speaker, the dashboard for a chair
    for (email, landing) in [
        (SPEAKER_EMAIL, "/".to_owned()),
        (CHAIR_EMAIL, format!("/events/{SLUG}/dashboard")),
    ] {
        let browser = app.new_client();
        let (_, html) = app.page(&browser, "/login").await;
        let csrf = csrf_token(&html);
        let fields = [
            ("csrf_token", csrf.as_str()),
            ("email", email),
            ("password", PASSWORD),
            ("next", "//evil.example"),
        ];
        let response = post_form(app, &browser, "/login", &fields).await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], landing.as_str());
    }
}

#[tokio::test]
async fn the_favicon_is_an_svg_linked_from_every_page() {
    let app = TestApp::spawn().await;
    for path in ["/favicon.ico", "/static/favicon.svg"] {
        let response = app
            .new_client()
            .get(app.url(path))
            .send()
            .await
            .expect(path);
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "image/svg+xml",
            "{path}"
        );
        assert!(response.text().await.expect("body").starts_with("<svg"));
    }
    let (_, home) = app.page(&app.new_client(), "/").await;
    assert!(
        home.contains("<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">")
    );
}

#[tokio::test]
async fn account_forms_use_valid_autocomplete_tokens_for_their_inputs() {
    let app = TestApp::spawn().await;
    let browser = app.new_client();
    for path in ["/login", "/register", "/password-reset"] {
        let (_, html) = app.page(&browser, path).await;
        for input in html.split("<input").skip(1) {
            let input = input.split('>').next().expect("tag");
            let Some(token) = input.split("autocomplete=\"").nth(1) else {
                continue;
            };
            let token = token.split('"').next().expect("value");
            let kind = input
                .split("type=\"")
                .nth(1)
                .and_then(|t| t.split('"').next())
                .unwrap_or("text");
            // the HTML spec's autofill groups: "username" is not one for type=email
            let valid = match kind {
                "email" => ["email", "off"].contains(&token),
                "password" => ["current-password", "new-password", "off"].contains(&token),
                _ => ["name", "username", "off", "on"].contains(&token),
            };
            assert!(valid, "{path}: autocomplete=\"{token}\" on type={kind}");
        }
    }
}
