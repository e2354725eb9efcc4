//! Who may use the chairs' decision pages and actions, and API writes authenticated by the
//! session cookie.

use reqwest::Method;

use super::{DASHBOARD, talk};
use crate::helpers::{
    Committee, EVENT, OTHER_EMAIL, SPEAKER_EMAIL, add_member, post, proposal_as, submit,
};

#[tokio::test]
async fn the_chair_pages_are_for_chairs() {
    let e = Committee::spawn().await;
    let app = &e.app;
    let id = submit(
        app,
        &e.speaker.token,
        talk("A Rust NVMe driver", "rust-for-linux"),
    )
    .await;
    // a reviewer is a member, not a chair
    add_member(app, &e.admin, OTHER_EMAIL, "reviewer").await;

    let signed_out = app.new_client();
    for path in ["/events/rust-mc/emails", "/events/rust-mc/outbox"] {
        let response = signed_out.get(app.url(path)).send().await.expect("get");
        assert_eq!(response.status(), 303, "{path}");
        assert!(
            response.headers()["location"]
                .to_str()
                .expect("location")
                .starts_with("/login?next=")
        );
    }

    for (email, who) in [(SPEAKER_EMAIL, "speaker"), (OTHER_EMAIL, "reviewer")] {
        let (browser, csrf) = app.browser_signed_in(email).await;
        for path in [
            "/events/rust-mc/emails",
            "/events/rust-mc/outbox",
            DASHBOARD,
        ] {
            let (status, _) = app.page(&browser, path).await;
            assert!([403, 404].contains(&status), "{who} GET {path}: {status}");
        }
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        let attempts = [
            (
                "/events/rust-mc/decisions".to_owned(),
                vec![pair("decision", "accept"), pair(&format!("p_{id}"), "on")],
            ),
            ("/events/rust-mc/decisions/release".to_owned(), vec![]),
            ("/events/rust-mc/publish".to_owned(), vec![]),
            ("/events/rust-mc/unpublish".to_owned(), vec![]),
            (
                "/events/rust-mc/emails/acceptance".to_owned(),
                vec![pair("subject", "s"), pair("body", "b")],
            ),
            (
                "/events/rust-mc/emails/acceptance/preview".to_owned(),
                vec![
                    pair("subject", "s"),
                    pair("body", "b"),
                    pair("proposal_id", &id),
                ],
            ),
            ("/events/rust-mc/emails/acceptance/reset".to_owned(), vec![]),
            (
                format!("/proposals/{id}/decision"),
                vec![pair("decision", "accept")],
            ),
        ];
        for (path, fields) in &attempts {
            let mut form: Vec<(&str, &str)> = vec![("csrf_token", &csrf)];
            form.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let (status, _, _) = post(app, &browser, path, &form).await;
            assert!([403, 404].contains(&status), "{who} POST {path}: {status}");
        }
    }
    // nothing happened
    assert!(proposal_as(app, &e.chair.token, &id).await["decision"].is_null());
    let (_, html) = app.page(&signed_out, "/events/rust-mc/accepted").await;
    assert!(html.contains("Not found") || html.contains("404"));
}

/// The session cookie goes along with any request the browser makes: an API write authenticated
/// only by it must be JSON (a cross-site form cannot send that), or it is refused, body or not.
#[tokio::test]
async fn cookie_authenticated_api_writes_must_be_json() {
    let e = Committee::spawn().await;
    let app = &e.app;
    let (browser, _) = app.browser_signed_in(&e.chair.email).await;
    let release = app.url(&format!("{EVENT}/decisions/release"));
    let as_form = browser
        .post(&release)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .expect("post");
    assert_eq!(as_form.status(), 403, "a form-like post with the cookie");
    let bare = browser.post(&release).send().await.expect("post");
    assert_eq!(bare.status(), 403, "no content type at all");
    let publish = browser
        .post(app.url(&format!("{EVENT}/publish")))
        .send()
        .await
        .expect("post");
    assert_eq!(publish.status(), 403);
    let as_json = browser
        .post(&release)
        .header("Content-Type", "application/json")
        .send()
        .await
        .expect("post");
    assert_eq!(as_json.status(), 200, "what the pages' scripts send");
    // reads stay as they were, and a bearer token needs no such proof
    let (status, _) = app.page(&browser, &format!("{EVENT}/outbox")).await;
    assert_eq!(status, 200);
    let with_token = app
        .call(
            Method::POST,
            &format!("{EVENT}/publish"),
            &e.chair.token,
            None,
        )
        .await;
    assert_eq!(with_token.status(), 200);
}
