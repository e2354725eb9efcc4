//! Speaker profiles: `GET`/`PUT /api/v1/me/profile` (bounds per field, the display name's
//! default), who sees them beside a proposal (chairs, reviewers but never under blind review,
//! the speakers themselves; not another speaker), and the published list's speakers (affiliation,
//! bio, photo, never an email), whose cached version moves with a profile change.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Committee, EVENT, api, assign, decide, field_error, patch_event, publish, release, send, submit,
};

const PROFILE: &str = "/api/v1/me/profile";

fn ada() -> Value {
    json!({
        "given_name": "Ada", "family_name": "Lovelace", "affiliation": "Analytical Engines Ltd",
        "bio": "Writes *kernel* drivers in Rust.", "pronouns": "she/her"
    })
}

#[tokio::test]
async fn a_profile_is_saved_and_read_back_and_the_display_name_follows_given_and_family() {
    let c = Committee::spawn().await;
    let app = &c.app;
    let empty = api(app, Method::GET, PROFILE, &c.speaker.token, None, 200).await;
    assert_eq!(
        empty,
        json!({"name": c.speaker.name, "given_name": "", "family_name": "", "affiliation": "",
               "bio": "", "pronouns": "", "photo_url": null})
    );
    // no name sent: "given family"
    let saved = api(
        app,
        Method::PUT,
        PROFILE,
        &c.speaker.token,
        Some(&ada()),
        200,
    )
    .await;
    assert_eq!(saved["name"], "Ada Lovelace");
    assert_eq!(saved["affiliation"], "Analytical Engines Ltd");
    assert_eq!(
        api(app, Method::GET, PROFILE, &c.speaker.token, None, 200).await,
        saved
    );
    let me = api(app, Method::GET, "/api/v1/me", &c.speaker.token, None, 200).await;
    assert_eq!(me["name"], "Ada Lovelace");
    // a name sent wins; trimmed fields
    let mut body = ada();
    body["name"] = json!("Countess Lovelace");
    body["affiliation"] = json!("  Difference Engines  ");
    let saved = api(
        app,
        Method::PUT,
        PROFILE,
        &c.speaker.token,
        Some(&body),
        200,
    )
    .await;
    assert_eq!(
        (saved["name"].as_str(), saved["affiliation"].as_str()),
        (Some("Countess Lovelace"), Some("Difference Engines"))
    );
    // given and family too long together for a display name: the name stays
    let long = "x".repeat(100);
    let body = json!({"given_name": long, "family_name": long, "affiliation": "", "bio": "", "pronouns": ""});
    let saved = api(
        app,
        Method::PUT,
        PROFILE,
        &c.speaker.token,
        Some(&body),
        200,
    )
    .await;
    assert_eq!(saved["name"], "Countess Lovelace");
    // empty given and family: the name stays too
    let body =
        json!({"given_name": "", "family_name": "", "affiliation": "", "bio": "", "pronouns": ""});
    let saved = api(
        app,
        Method::PUT,
        PROFILE,
        &c.speaker.token,
        Some(&body),
        200,
    )
    .await;
    assert_eq!(saved["name"], "Countess Lovelace");
    // anonymous
    assert_eq!(send(app, Method::GET, PROFILE, None, None).await.0, 401);
    assert_eq!(
        send(app, Method::PUT, PROFILE, None, Some(&ada())).await.0,
        401
    );
}

#[tokio::test]
async fn each_invalid_field_is_a_422_naming_it_and_nothing_is_saved() {
    let c = Committee::spawn().await;
    let app = &c.app;
    let body = json!({
        "given_name": "g".repeat(101), "family_name": "f".repeat(101),
        "affiliation": "a".repeat(201), "bio": "b".repeat(2001), "pronouns": "p".repeat(41),
        "name": ""
    });
    let problem = api(
        app,
        Method::PUT,
        PROFILE,
        &c.speaker.token,
        Some(&body),
        422,
    )
    .await;
    for field in [
        "given_name",
        "family_name",
        "affiliation",
        "bio",
        "pronouns",
        "name",
    ] {
        assert!(field_error(&problem, field), "{field}: {problem}");
    }
    let control = json!({"given_name": "Ada\u{7}", "family_name": "", "affiliation": "line\nbreak",
                         "bio": "a bio\nmay span lines", "pronouns": ""});
    let problem = api(
        app,
        Method::PUT,
        PROFILE,
        &c.speaker.token,
        Some(&control),
        422,
    )
    .await;
    assert!(field_error(&problem, "given_name") && field_error(&problem, "affiliation"));
    assert!(!field_error(&problem, "bio"), "{problem}");
    // a missing field, a wrong type
    let problem = api(
        app,
        Method::PUT,
        PROFILE,
        &c.speaker.token,
        Some(&json!({"given_name": "A"})),
        422,
    )
    .await;
    assert!(field_error(&problem, "family_name"), "{problem}");
    let mut wrong = ada();
    wrong["bio"] = json!(5);
    let problem = api(
        app,
        Method::PUT,
        PROFILE,
        &c.speaker.token,
        Some(&wrong),
        422,
    )
    .await;
    assert!(field_error(&problem, "bio"), "{problem}");
    // the bounds themselves are fine
    let at_bounds = json!({
        "given_name": "g".repeat(100), "family_name": "f".repeat(100),
        "affiliation": "a".repeat(200), "bio": "b".repeat(2000), "pronouns": "p".repeat(40)
    });
    api(
        app,
        Method::PUT,
        PROFILE,
        &c.speaker.token,
        Some(&at_bounds),
        200,
    )
    .await;
    let stored = api(app, Method::GET, PROFILE, &c.speaker.token, None, 200).await;
    assert_eq!(stored["bio"].as_str().map(str::len), Some(2000));
}

/// The speakers of a proposal as `token` sees it: (status, speakers).
async fn speakers_seen(c: &Committee, token: &str, id: &str) -> (u16, Value) {
    let (status, text) = send(
        &c.app,
        Method::GET,
        &format!("/api/v1/proposals/{id}"),
        Some(token),
        None,
    )
    .await;
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, body["speakers"].clone())
}

#[tokio::test]
async fn chairs_reviewers_and_the_speaker_see_the_profile_but_never_a_blind_reviewer_or_another_speaker()
 {
    let c = Committee::reviewing().await;
    let app = &c.app;
    api(
        app,
        Method::PUT,
        PROFILE,
        &c.speaker.token,
        Some(&ada()),
        200,
    )
    .await;
    let id = submit(app, &c.speaker.token, "Writing a Rust NVMe driver").await;
    assign(app, &c.chair.token, &id, &[&c.rita.id]).await;

    for (who, token) in [
        ("chair", &c.chair.token),
        ("reviewer", &c.rita.token),
        ("speaker", &c.speaker.token),
    ] {
        let (status, speakers) = speakers_seen(&c, token, &id).await;
        assert_eq!(status, 200, "{who}");
        let s = &speakers[0];
        assert_eq!(
            (
                s["affiliation"].as_str(),
                s["bio"].as_str(),
                s["pronouns"].as_str()
            ),
            (
                Some("Analytical Engines Ltd"),
                Some("Writes *kernel* drivers in Rust."),
                Some("she/her")
            ),
            "{who}: {speakers}"
        );
        assert!(s["photo_url"].is_null());
    }
    // another speaker cannot see the proposal at all; neither can the anonymous
    assert_eq!(speakers_seen(&c, &c.other.token, &id).await.0, 404);

    // blind review: the reviewer sees no speaker, so no profile; the chair still does
    patch_event(app, &c.admin, json!({"blind_review": true})).await;
    let (status, text) = send(
        app,
        Method::GET,
        &format!("/api/v1/proposals/{id}"),
        Some(&c.rita.token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    for secret in [
        "Analytical Engines",
        "kernel* drivers",
        "she/her",
        "Lovelace",
    ] {
        assert!(
            !text.contains(secret),
            "a blind reviewer sees {secret}: {text}"
        );
    }
    let (_, speakers) = speakers_seen(&c, &c.chair.token, &id).await;
    assert_eq!(speakers[0]["affiliation"], "Analytical Engines Ltd");
}

#[tokio::test]
async fn the_published_list_shows_affiliation_bio_and_photo_never_an_email_and_a_bio_change_moves_its_etag()
 {
    let c = Committee::spawn().await;
    let app = &c.app;
    api(
        app,
        Method::PUT,
        PROFILE,
        &c.speaker.token,
        Some(&ada()),
        200,
    )
    .await;
    let id = submit(app, &c.speaker.token, "Writing a Rust NVMe driver").await;
    decide(app, &c.chair.token, &id, "accept").await;
    release(app, &c.chair.token).await;
    publish(app, &c.chair.token).await;

    let list_path = format!("{EVENT}/accepted");
    let read = async |tag: Option<&str>| {
        let mut request = reqwest::Client::new().get(app.url(&list_path));
        if let Some(tag) = tag {
            request = request.header("If-None-Match", tag);
        }
        let response = request.send().await.expect("list");
        let status = response.status().as_u16();
        let etag = response
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, etag, response.text().await.expect("body"))
    };
    let (status, etag, text) = read(None).await;
    assert_eq!(status, 200);
    let list: Value = serde_json::from_str(&text).unwrap();
    let speaker = &list["items"][0]["speakers"][0];
    assert_eq!(
        speaker,
        &json!({"name": "Ada Lovelace", "affiliation": "Analytical Engines Ltd",
                "bio": "Writes *kernel* drivers in Rust.", "photo_url": null})
    );
    assert!(!text.contains("@"), "no email on the public list: {text}");
    assert_eq!(read(etag.as_deref()).await.0, 304);

    // the bio changes: the list shows it at once, under a new ETag
    let mut body = ada();
    body["bio"] = json!("Now writes *filesystems* in Rust.");
    api(
        app,
        Method::PUT,
        PROFILE,
        &c.speaker.token,
        Some(&body),
        200,
    )
    .await;
    let (status, etag2, text) = read(etag.as_deref()).await;
    assert_eq!(status, 200, "the old ETag no longer matches");
    assert_ne!(etag2, etag);
    let list: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        list["items"][0]["speakers"][0]["bio"],
        "Now writes *filesystems* in Rust."
    );

    // the HTML page shows the affiliation and the bio, rendered
    let page = reqwest::get(app.url("/events/rust-mc/accepted"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Analytical Engines Ltd"), "{page}");
    assert!(page.contains("<em>filesystems</em>"), "{page}");
}

#[tokio::test]
async fn the_demo_speakers_have_profiles_and_two_have_a_photo() {
    let app = crate::helpers::TestApp::spawn().await;
    mcfp::demo::seed(&app.state).await.expect("seed");
    // each with a client of its own (signing in revokes the session a client's cookie holds)
    let sign_in = async |email: &str| {
        let response = reqwest::Client::new()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": mcfp::demo::DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    };
    let sam = sign_in("speaker@demo.mcfp.test").await;
    let profile = api(&app, Method::GET, PROFILE, &sam, None, 200).await;
    assert_eq!(profile["affiliation"], "Example Systems GmbH");
    assert_eq!(profile["name"], "Sam Speaker");
    let url = profile["photo_url"].as_str().expect("a photo").to_owned();
    let photo = reqwest::get(app.url(&url)).await.unwrap();
    assert_eq!(photo.status(), 200);
    let alice = sign_in("alice@demo.mcfp.test").await;
    let profile = api(&app, Method::GET, PROFILE, &alice, None, 200).await;
    assert!(profile["photo_url"].is_null() && profile["bio"].as_str().unwrap().contains("NVMe"));
    // seeding again keeps what a speaker changed
    let mut mine = ada();
    mine["name"] = json!("Sam Speaker");
    api(&app, Method::PUT, PROFILE, &sam, Some(&mine), 200).await;
    mcfp::demo::seed(&app.state).await.expect("seed again");
    assert_eq!(
        api(&app, Method::GET, PROFILE, &sam, None, 200).await["affiliation"],
        "Analytical Engines Ltd"
    );
}

#[tokio::test]
async fn the_proposal_page_shows_the_profile_to_chairs_and_reviewers_but_not_under_blind_review() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    api(
        app,
        Method::PUT,
        PROFILE,
        &c.speaker.token,
        Some(&ada()),
        200,
    )
    .await;
    let id = submit(app, &c.speaker.token, "Writing a Rust NVMe driver").await;
    assign(app, &c.chair.token, &id, &[&c.rita.id]).await;
    let path = format!("/proposals/{id}");
    let (chair, _) = app.browser_signed_in(&c.chair.email).await;
    let (rita, _) = app.browser_signed_in(&c.rita.email).await;
    for (who, browser) in [("chair", &chair), ("reviewer", &rita)] {
        let (status, html) = app.page(browser, &path).await;
        assert_eq!(status, 200, "{who}");
        assert!(html.contains("Analytical Engines Ltd"), "{who}: {html}");
        assert!(
            html.contains("<em>kernel</em>"),
            "{who}: the bio is rendered"
        );
        assert!(html.contains("she/her"), "{who}");
    }
    patch_event(app, &c.admin, json!({"blind_review": true})).await;
    let (_, html) = app.page(&rita, &path).await;
    for secret in [
        "Analytical Engines",
        "<em>kernel</em>",
        "she/her",
        "Lovelace",
    ] {
        assert!(
            !html.contains(secret),
            "a blind reviewer's page shows {secret}"
        );
    }
    let (_, html) = app.page(&chair, &path).await;
    assert!(html.contains("Analytical Engines Ltd"));
}

/// A multipart/form-data body with a CSRF token and a file field `photo`.
fn multipart(csrf: &str, picture: &[u8]) -> (String, Vec<u8>) {
    let boundary = "mcfp-test-boundary-7d1e";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"me.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(picture);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn the_account_page_saves_the_profile_and_the_photo_refuses_bad_input_and_needs_its_csrf_token()
 {
    let c = Committee::spawn().await;
    let app = &c.app;
    let (browser, csrf) = app.browser_signed_in(&c.speaker.email).await;
    let long = "a".repeat(201);
    let (status, _, html) = crate::helpers::post(
        app,
        &browser,
        "/account/profile",
        &[
            ("csrf_token", &csrf),
            ("affiliation", &long),
            ("bio", "kept as typed"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"affiliation-error\"") && html.contains("kept as typed"));
    let (status, location, _) = crate::helpers::post(
        app,
        &browser,
        "/account/profile",
        &[
            ("csrf_token", &csrf),
            ("given_name", "Ada"),
            ("affiliation", "Analytical Engines Ltd"),
            ("bio", "Hello."),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/account#speaker-profile")
    );
    let saved = api(app, Method::GET, PROFILE, &c.speaker.token, None, 200).await;
    assert_eq!(saved["affiliation"], "Analytical Engines Ltd");
    assert_eq!(
        saved["name"],
        c.speaker.name.as_str(),
        "the page's profile form keeps the name"
    );

    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(30, 30, image::Rgb([1, 2, 3])))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let upload = async |token: &str, picture: &[u8]| {
        let (content_type, body) = multipart(token, picture);
        let response = browser
            .post(app.url("/account/photo"))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    };
    assert_eq!(upload("forged", &png).await.0, 403);
    assert!(
        api(app, Method::GET, PROFILE, &c.speaker.token, None, 200).await["photo_url"].is_null()
    );
    let (status, html) = upload(&csrf, b"not a picture").await;
    assert_eq!(status, 422);
    assert!(
        html.contains("must be a PNG, JPEG or WebP picture"),
        "{html}"
    );
    assert_eq!(upload(&csrf, &png).await.0, 303);
    let url = api(app, Method::GET, PROFILE, &c.speaker.token, None, 200).await["photo_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, html) = app.page(&browser, "/account").await;
    assert!(html.contains(&url), "the account page shows the photo");
    let (status, _, _) = crate::helpers::post(
        app,
        &browser,
        "/account/photo/remove",
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    assert!(
        api(app, Method::GET, PROFILE, &c.speaker.token, None, 200).await["photo_url"].is_null()
    );
}

#[tokio::test]
async fn the_submission_form_checks_the_fields_it_asked_for_and_saves_them_with_the_proposal() {
    let c = Committee::spawn().await;
    let app = &c.app;
    let (browser, _) = app.browser_signed_in(&c.speaker.email).await;
    let (_, form) = app.page(&browser, "/events/rust-mc/submit").await;
    assert!(
        form.contains("name=\"profile_asked\""),
        "asked: the profile is empty"
    );
    let csrf = crate::helpers::csrf_token(&form);
    let abstract_text = crate::helpers::ABSTRACT;
    let fields = |affiliation: &'static str, bio: &'static str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("title", "Writing a Rust NVMe driver".to_owned()),
            ("abstract", abstract_text.to_owned()),
            ("format", "talk".to_owned()),
            ("profile_asked", "1".to_owned()),
            ("affiliation", affiliation.to_owned()),
            ("bio", bio.to_owned()),
            ("intent", "submit".to_owned()),
        ]
    };
    let post = async |fields: Vec<(&str, String)>| {
        let response = browser
            .post(app.url("/events/rust-mc/submit"))
            .form(&fields)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    };
    let too_long: &'static str = "b".repeat(2001).leak();
    let (status, html) = post(fields("Acme", too_long)).await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"bio-error\""), "{html}");
    let nothing = api(
        app,
        Method::GET,
        "/api/v1/events/rust-mc/proposals",
        &c.speaker.token,
        None,
        200,
    )
    .await;
    assert_eq!(nothing["items"].as_array().map(Vec::len), Some(0));
    let (status, _) = post(fields("Acme Kernel Works", "Writes drivers.")).await;
    assert_eq!(status, 303);
    let saved = api(app, Method::GET, PROFILE, &c.speaker.token, None, 200).await;
    assert_eq!(
        (saved["affiliation"].as_str(), saved["bio"].as_str()),
        (Some("Acme Kernel Works"), Some("Writes drivers."))
    );
    let (_, form) = app.page(&browser, "/events/rust-mc/submit").await;
    assert!(!form.contains("name=\"profile_asked\""), "no longer asked");
}
