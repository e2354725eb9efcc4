//! The speaker's pages, driven as a browser without JavaScript would.

use serde_json::{Value, json};

use crate::helpers::{
    KERNEL_ABSTRACT, PASSWORD, Person, Proposal, TestApp, add_member, csrf_token, field_value,
    person, submit,
};

/// Ada, signed in through the login form: her browser with its CSRF token, and her account.
async fn ada_signed_in(app: &TestApp) -> (reqwest::Client, String, Person) {
    let ada = person(app, "ada@example.org", "Ada").await;
    let (browser, csrf) = app.browser_signed_in(&ada.email).await;
    (browser, csrf, ada)
}

#[tokio::test]
async fn submit_through_the_form_once_even_when_double_clicked() {
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    let (browser, csrf, _) = ada_signed_in(&app).await;
    let (status, event_page) = app.page(&browser, "/events/rust-mc").await;
    assert_eq!(status, 200);
    assert!(event_page.contains("href=\"/events/rust-mc/submit\""));
    let (status, form) = app.page(&browser, "/events/rust-mc/submit").await;
    assert_eq!(status, 200);
    let form_token = field_value(&form, "form_token");
    assert!(form_token.starts_with("form-"));
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("form_token", form_token.as_str()),
        ("title", "A Rust NVMe driver"),
        ("abstract", KERNEL_ABSTRACT),
        ("format", "talk"),
        ("track", ""),
        ("co_speakers", "grace@example.org\n\n"),
        ("links", "https://lwn.net/Articles/904681/"),
        ("notes", ""),
    ];
    let first = browser
        .post(app.url("/events/rust-mc/submit"))
        .form(&fields)
        .send()
        .await
        .expect("submit");
    let second = browser
        .post(app.url("/events/rust-mc/submit"))
        .form(&fields)
        .send()
        .await
        .expect("submit again");
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (303, 303)
    );
    let location = first.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(
        location,
        second.headers()["location"].to_str().expect("ascii"),
        "the second click lands on the same proposal"
    );
    let token = app.login("ada@example.org").await;
    let list: Value = app
        .get_with_token("/api/v1/events/rust-mc/proposals", &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));

    let (status, page) = app.page(&browser, &location).await;
    assert_eq!(status, 200);
    assert!(page.contains("Your proposal is submitted"));
    assert!(page.contains("A Rust NVMe driver"));
    assert!(page.contains("Rust for Linux") && page.contains("tagged automatically"));
    assert!(page.contains("Invited, not accepted yet: grace@example.org"));
    assert!(page.contains("class=\"evidence\""));
    let (_, mine) = app.page(&browser, "/proposals").await;
    assert!(mine.contains(&location));
}

#[tokio::test]
async fn form_errors_keep_the_input_and_point_at_the_line() {
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    let (browser, csrf, _) = ada_signed_in(&app).await;
    let response = browser
        .post(app.url("/events/rust-mc/submit"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "Rust"),
            ("abstract", "Too short <b>really</b>"),
            ("format", "talk"),
            ("links", "https://ok.example\nftp://nope.example"),
        ])
        .send()
        .await
        .expect("submit");
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert!(html.contains("must be at least 5 characters"));
    assert!(html.contains("must be at least 50 characters"));
    assert!(html.contains("line 2: only http:// and https:// links are allowed"));
    assert!(
        html.contains("Too short &#60;b&#62;really&#60;/b&#62;")
            || html.contains("Too short &lt;b&gt;really&lt;/b&gt;"),
        "kept, escaped"
    );
    assert!(html.contains("ftp://nope.example"));
}

#[tokio::test]
async fn a_script_title_is_text_on_every_page_that_shows_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    app.register("chair@example.org", "Chair").await;
    add_member(&app, &admin, "chair@example.org", "chair").await;
    let (speaker, _, ada) = ada_signed_in(&app).await;
    let token = ada.token;
    let script = Proposal::titled("<script>alert(1)</script>").abstract_text(KERNEL_ABSTRACT);
    let id = &submit(&app, &token, script).await;
    let (chair, _) = app.browser_signed_in("chair@example.org").await;
    let pages = [
        (&speaker, format!("/proposals/{id}")),
        (&speaker, "/proposals".to_owned()),
        (&speaker, format!("/proposals/{id}/edit")),
        (&chair, format!("/proposals/{id}")),
        (&chair, "/events/rust-mc/dashboard".to_owned()),
    ];
    for (browser, path) in pages {
        let (status, html) = app.page(browser, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            !html.contains("<script>alert(1)</script>"),
            "{path} runs the title"
        );
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
                || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path} shows it as text"
        );
    }
    // and in the receipt email's HTML
    app.deliver_emails().await;
    let receipt = app
        .mail
        .emails()
        .into_iter()
        .find(|e| e.to == ["ada@example.org"])
        .expect("receipt");
    assert!(!receipt.html().contains("<script>alert(1)</script>"));
}

#[tokio::test]
async fn a_hostile_title_is_text_everywhere() {
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    let (browser, _, ada) = ada_signed_in(&app).await;
    let token = ada.token;
    let hostile = Proposal::titled("<img src=x onerror=alert(1)>")
        .abstract_text(&format!("{KERNEL_ABSTRACT} <script>alert(2)</script>"));
    let id = &submit(&app, &token, hostile).await;
    for path in [
        format!("/proposals/{id}"),
        "/proposals".to_owned(),
        format!("/proposals/{id}/edit"),
    ] {
        let (status, html) = app.page(&browser, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!html.contains("<img src=x"), "{path}");
        assert!(!html.contains("<script>alert(2)"), "{path}");
    }
}

#[tokio::test]
async fn edit_and_withdraw_through_the_pages() {
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    let (browser, csrf, ada) = ada_signed_in(&app).await;
    let token = ada.token;
    let nvme = Proposal::titled("A Rust NVMe driver")
        .abstract_text(KERNEL_ABSTRACT)
        .links(&["https://a.example/"]);
    let id = &submit(&app, &token, nvme).await;
    let (status, form) = app.page(&browser, &format!("/proposals/{id}/edit")).await;
    assert_eq!(status, 200);
    assert!(form.contains("value=\"A Rust NVMe driver\"") && form.contains("https://a.example/"));
    let response = browser
        .post(app.url(&format!("/proposals/{id}/edit")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "A Rust NVMe driver, revisited"),
            ("abstract", KERNEL_ABSTRACT),
            ("format", "lightning"),
            ("track", "rust"),
            ("links", ""),
        ])
        .send()
        .await
        .expect("edit");
    assert_eq!(response.status(), 303);
    let view: Value = app
        .get_with_token(&format!("/api/v1/proposals/{id}"), &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["title"], "A Rust NVMe driver, revisited");
    assert_eq!(view["format"], "lightning");
    assert_eq!(view["links"], json!([]));
    assert_eq!(view["tags"]["source"], "speaker");
    let (_, page) = app.page(&browser, &format!("/proposals/{id}")).await;
    assert!(
        page.contains("The automatic tag says"),
        "the disagreement is shown"
    );
    // withdrawing without the CSRF token is refused; with it, done
    let refused = browser
        .post(app.url(&format!("/proposals/{id}/withdraw")))
        .form(&[("x", "y")])
        .send()
        .await
        .expect("post");
    assert_eq!(refused.status(), 403);
    let done = browser
        .post(app.url(&format!("/proposals/{id}/withdraw")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(done.status(), 303);
    let view: Value = app
        .get_with_token(&format!("/api/v1/proposals/{id}"), &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["state"], "withdrawn");
}

#[tokio::test]
async fn the_co_speaker_accepts_the_invitation_from_the_email_link() {
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    let ada = person(&app, "ada@example.org", "Ada").await;
    let nvme = Proposal::titled("A Rust NVMe driver")
        .abstract_text(KERNEL_ABSTRACT)
        .invite(&["grace@example.org"]);
    let id = &submit(&app, &ada.token, nvme).await;
    app.deliver_emails().await;
    let invitation = app
        .mail
        .emails()
        .into_iter()
        .find(|e| e.to == ["grace@example.org"])
        .expect("invitation");
    let text = invitation.text();
    let link = text
        .lines()
        .find(|l| l.contains("/invitations/"))
        .expect("link")
        .trim()
        .to_owned();
    let path = link
        .trim_start_matches(app.state.base_url.as_str().trim_end_matches('/'))
        .to_owned();
    // signed out: sign in or register, coming back here
    let visitor = app.new_client();
    let (status, page) = app.page(&visitor, &path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Ada invites you to co-present"));
    // `next` is percent-encoded in the link
    let encoded: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    assert!(
        page.contains(&format!("/register?next={encoded}")),
        "{page}"
    );
    // Grace registers through the form with that next, and accepts
    let (_, register) = app.page(&visitor, &format!("/register?next={path}")).await;
    let csrf = csrf_token(&register);
    let response = visitor
        .post(app.url("/register"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Grace"),
            ("email", "grace@example.org"),
            ("password", PASSWORD),
            ("next", path.as_str()),
        ])
        .send()
        .await
        .expect("register");
    // registering does not sign in (it would tell a new address from a taken one): the
    // sign-in page comes next, and it comes back to the invitation
    let login_path = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(login_path.starts_with("/login?next="), "{login_path}");
    let (_, login) = app.page(&visitor, &login_path).await;
    let response = visitor
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf_token(&login).as_str()),
            ("email", "grace@example.org"),
            ("password", PASSWORD),
            ("next", path.as_str()),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(
        response.headers()["location"].to_str().expect("ascii"),
        path
    );
    let (_, page) = app.page(&visitor, &path).await;
    assert!(page.contains("Accept the invitation"));
    let csrf = csrf_token(&page); // signing in rotated the nonce
    let response = visitor
        .post(app.url(&path))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("accept");
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"].to_str().expect("ascii"),
        format!("/proposals/{id}")
    );
    let (status, page) = app.page(&visitor, &format!("/proposals/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Grace &#60;grace@example.org&#62;")
            || page.contains("Grace &lt;grace@example.org&gt;")
    );
    // someone else gets a 404 page
    app.register("eve@example.org", "Eve").await;
    let (eve, _) = (app.new_client(), ());
    let (_, login) = app.page(&eve, "/login").await;
    let csrf = csrf_token(&login);
    eve.post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "eve@example.org"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("login");
    let (status, _) = app.page(&eve, &format!("/proposals/{id}")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_public_classifier_answers_and_is_rate_limited() {
    let app = TestApp::spawn_with(crate::helpers::SpawnOptions {
        auth_rate_per_minute: 3,
        ..Default::default()
    })
    .await;
    let response = app
        .post_json("/api/v1/classify", &json!({"title": "gccrs: compiling the Linux kernel with GCC's Rust front-end", "abstract": "Status of gccrs, the Rust front-end for GCC, and what it needs to build the kernel's Rust code."}))
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["track"], "rust");
    assert!(body["evidence"].as_array().is_some_and(|e| !e.is_empty()));
    assert!(body["subtopics"].is_array() && body["confidence"].is_number());
    let too_long = app
        .post_json(
            "/api/v1/classify",
            &json!({"title": "x".repeat(151), "abstract": ""}),
        )
        .await;
    assert_eq!(too_long.status(), 422);
    app.post_json("/api/v1/classify", &json!({"title": "a", "abstract": "b"}))
        .await;
    assert_eq!(
        app.post_json("/api/v1/classify", &json!({"title": "a", "abstract": "b"}))
            .await
            .status(),
        429
    );
}

#[tokio::test]
async fn speakers_read_the_tagger_in_phrases_and_chairs_keep_the_weights() {
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    let (browser, _, ada) = ada_signed_in(&app).await;
    let id = submit(
        &app,
        &ada.token,
        Proposal::titled("Finding undefined behaviour with Miri and Clippy").abstract_text(
            "A tour of Miri, Clippy and Cargo plugins that catch undefined behaviour in unsafe \
             Rust code in user-space libraries, with the compiler codegen in rustc.",
        ),
    )
    .await;
    let path = format!("/proposals/{id}");

    let (status, page) = app.page(&browser, &path).await;
    assert_eq!(status, 200);
    let why = crate::helpers::between(&page, "<dt>Track</dt>", "</details>");
    assert!(why.contains("General Rust"), "{why}");
    assert!(
        !why.contains("(+") && !why.contains("(-") && !why.contains("model)"),
        "{why}"
    );
    assert!(!why.contains(">Rust<") && !why.contains("→ Rust "), "{why}");
    assert!(why.contains("Other tooling and new ideas"), "{why}");
    assert!(!why.contains("compilers-and-codegen"), "{why}");
    assert!(
        why.contains("miri") && why.contains("suggests General Rust"),
        "{why}"
    );

    let (chair, _) = app.browser_signed_in("admin@example.org").await;
    let (status, page) = app.page(&chair, &path).await;
    assert_eq!(status, 200);
    let why = crate::helpers::between(&page, "<dt>Track</dt>", "</details>");
    assert!(why.contains("→ General Rust (-5.0)"), "{why}");
    assert!(
        why.contains("model)") && why.contains("confidence"),
        "{why}"
    );
}
