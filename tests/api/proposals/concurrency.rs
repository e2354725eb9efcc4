//! Optimistic concurrency on speakers' edits: the ETag is the proposal's version, a PATCH with a
//! stale `If-Match` is a 412 problem, and of two edits made from the same version one wins.

use reqwest::Method;
use serde_json::{Value, json};

use super::rust_talk;
use crate::helpers::{
    Person, TestApp, csrf_token, field_value, person, proposal_as, submit, unescape,
};

/// Ada's proposal, co-presented by Grace (both may edit it).
async fn co_presented(app: &TestApp) -> (Person, Person, String) {
    app.admin_with_event("rust-mc").await;
    let ada = person(app, "ada@example.org", "Ada").await;
    let grace = person(app, "grace@example.org", "Grace").await;
    let id = submit(
        app,
        &ada.token,
        rust_talk("Two speakers, one proposal").co_speakers(&[&grace]),
    )
    .await;
    (ada, grace, id)
}

/// GET: (status, ETag, body).
async fn read(app: &TestApp, token: &str, id: &str) -> (u16, String, Value) {
    let response = app
        .new_client()
        .get(app.url(&format!("/api/v1/proposals/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, etag, response.json().await.unwrap_or(Value::Null))
}

/// The PATCH request, with `If-Match` when given.
fn patch_request(
    app: &TestApp,
    token: &str,
    id: &str,
    if_match: Option<&str>,
    body: &Value,
) -> reqwest::RequestBuilder {
    let mut request = app
        .new_client()
        .request(Method::PATCH, app.url(&format!("/api/v1/proposals/{id}")))
        .bearer_auth(token)
        .json(body);
    if let Some(tag) = if_match {
        request = request.header("If-Match", tag);
    }
    request
}

/// PATCH: (status, content type, ETag, body).
async fn patch(
    app: &TestApp,
    token: &str,
    id: &str,
    if_match: Option<&str>,
    body: &Value,
) -> (u16, String, String, Value) {
    let response = patch_request(app, token, id, if_match, body)
        .send()
        .await
        .expect("patch");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (content_type, etag) = (header("content-type"), header("etag"));
    let status = response.status().as_u16();
    (
        status,
        content_type,
        etag,
        response.json().await.unwrap_or(Value::Null),
    )
}

/// The links a speaker sends when adding one to what they read.
fn with_link(read: &Value, link: &str) -> Value {
    let mut links: Vec<Value> = read["links"].as_array().cloned().unwrap_or_default();
    links.push(json!(link));
    json!({ "links": links })
}

#[tokio::test]
async fn get_sends_the_version_as_a_strong_etag_that_changes_with_each_edit() {
    let app = TestApp::spawn().await;
    let (ada, grace, id) = co_presented(&app).await;
    let (status, etag, body) = read(&app, &ada.token, &id).await;
    assert_eq!(status, 200);
    assert_eq!(
        etag,
        format!("\"{}\"", body["version"]),
        "strong, the version"
    );
    let (_, grace_etag, _) = read(&app, &grace.token, &id).await;
    assert_eq!(grace_etag, etag, "the same for every speaker");

    let (status, _, patched_etag, patched) = patch(
        &app,
        &grace.token,
        &id,
        Some(&etag),
        &json!({"title": "Two speakers, one better title"}),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_ne!(patched_etag, etag, "an edit is a new version");
    assert_eq!(patched_etag, format!("\"{}\"", patched["version"]));
    let (_, after, _) = read(&app, &ada.token, &id).await;
    assert_eq!(after, patched_etag, "GET agrees with the PATCH's ETag");
}

#[tokio::test]
async fn of_two_edits_from_the_same_version_the_second_is_a_412_problem_and_nothing_is_lost() {
    let app = TestApp::spawn().await;
    let (ada, grace, id) = co_presented(&app).await;
    // both read the same version, each adds a link to what they read
    let (_, etag, read_by_ada) = read(&app, &ada.token, &id).await;
    let (_, _, read_by_grace) = read(&app, &grace.token, &id).await;
    let ada_link = "https://example.org/ada-slides";
    let grace_link = "https://example.org/grace-demo";
    let (first, ..) = patch(
        &app,
        &ada.token,
        &id,
        Some(&etag),
        &with_link(&read_by_ada, ada_link),
    )
    .await;
    assert_eq!(first, 200);
    let (second, content_type, _, problem) = patch(
        &app,
        &grace.token,
        &id,
        Some(&etag),
        &with_link(&read_by_grace, grace_link),
    )
    .await;
    assert_eq!(second, 412, "{problem}");
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(problem["status"], 412);
    assert_eq!(problem["type"], "/problems/precondition-failed");
    assert!(problem["title"].as_str().is_some_and(|t| !t.is_empty()));
    let (_, current_etag, current) = read(&app, &grace.token, &id).await;
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("changed since"), "{detail}");
    assert!(
        detail.contains(&format!("current version is {}", current["version"])),
        "names the current version: {detail}"
    );
    assert_eq!(
        current["links"],
        json!([ada_link]),
        "the 412 changed nothing"
    );

    // Grace reads again and re-applies her change: both links are kept
    let (status, ..) = patch(
        &app,
        &grace.token,
        &id,
        Some(&current_etag),
        &with_link(&current, grace_link),
    )
    .await;
    assert_eq!(status, 200);
    let after = proposal_as(&app, &ada.token, &id).await;
    assert_eq!(after["links"], json!([ada_link, grace_link]));
}

#[tokio::test]
async fn two_simultaneous_edits_with_the_same_if_match_give_one_200_and_one_412() {
    let app = TestApp::spawn().await;
    let (ada, grace, id) = co_presented(&app).await;
    for round in 0..5 {
        let (_, etag, current) = read(&app, &ada.token, &id).await;
        let ada_edit = patch_request(
            &app,
            &ada.token,
            &id,
            Some(&etag),
            &with_link(&current, &format!("https://example.org/ada-{round}")),
        );
        let grace_edit = patch_request(
            &app,
            &grace.token,
            &id,
            Some(&etag),
            &with_link(&current, &format!("https://example.org/grace-{round}")),
        );
        // sent together: whichever the database serialises first wins
        let (a, g) = tokio::join!(ada_edit.send(), grace_edit.send());
        let mut statuses = [
            a.expect("ada").status().as_u16(),
            g.expect("grace").status().as_u16(),
        ];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 412], "round {round}");
    }
    let links = proposal_as(&app, &ada.token, &id).await["links"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(links, 5, "one link per round, the winner's");
}

#[tokio::test]
async fn without_if_match_or_with_a_star_a_patch_applies_as_before() {
    let app = TestApp::spawn().await;
    let (ada, grace, id) = co_presented(&app).await;
    let (_, etag, _) = read(&app, &ada.token, &id).await;
    let (status, ..) = patch(
        &app,
        &ada.token,
        &id,
        None,
        &json!({"title": "Edited without a precondition"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _, new_etag, body) = patch(
        &app,
        &grace.token,
        &id,
        Some("*"),
        &json!({"title": "Edited with If-Match star"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_ne!(new_etag, etag);
    // a list matches when one of its tags is current; a weak tag never does
    let (status, ..) = patch(
        &app,
        &ada.token,
        &id,
        Some(&format!("\"999\", {new_etag}")),
        &json!({"notes": "from a list"}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, current, _) = read(&app, &ada.token, &id).await;
    let (status, ..) = patch(
        &app,
        &ada.token,
        &id,
        Some(&format!("W/{current}")),
        &json!({"notes": "weak"}),
    )
    .await;
    assert_eq!(status, 412);
}

#[tokio::test]
async fn a_malformed_if_match_is_a_400_naming_the_header() {
    let app = TestApp::spawn().await;
    let (ada, _, id) = co_presented(&app).await;
    for bad in ["3", "\"3", "abc", "\"3\" junk"] {
        let (status, content_type, _, problem) = patch(
            &app,
            &ada.token,
            &id,
            Some(bad),
            &json!({"title": "Never applied"}),
        )
        .await;
        assert_eq!(status, 400, "{bad}: {problem}");
        assert_eq!(content_type, "application/problem+json");
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("If-Match")),
            "{problem}"
        );
    }
    let title = proposal_as(&app, &ada.token, &id).await["title"].clone();
    assert_eq!(title, "Two speakers, one proposal");
}

#[tokio::test]
async fn the_edit_page_keeps_what_was_typed_and_shows_the_saved_text_when_someone_saved_meanwhile()
{
    let app = TestApp::spawn().await;
    let (ada, grace, id) = co_presented(&app).await;
    let path = format!("/proposals/{id}/edit");
    // Ada opens the form; it carries the version it was filled from
    let (browser, csrf) = app.browser_signed_in(&ada.email).await;
    let (status, form) = app.page(&browser, &path).await;
    assert_eq!(status, 200);
    let version = field_value(&form, "version");
    let (_, etag, _) = read(&app, &ada.token, &id).await;
    assert_eq!(format!("\"{version}\""), etag);
    // meanwhile Grace saves a new title and a link through the API
    let (status, ..) = patch(
        &app,
        &grace.token,
        &id,
        Some(&etag),
        &json!({"title": "Grace's saved title", "links": ["https://example.org/grace-saved"]}),
    )
    .await;
    assert_eq!(status, 200);
    // Ada saves her own text from the old form
    let typed_abstract = format!("{ABSTRACT_TYPED} Ada typed this <carefully>.");
    let response = browser
        .post(app.url(&path))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("version", version.as_str()),
            ("title", "Ada's typed title"),
            ("abstract", typed_abstract.as_str()),
            ("format", "talk"),
            ("track", ""),
            ("co_speakers", "grace@example.org"),
            ("links", "https://example.org/ada-typed"),
            ("notes", "Ada's typed notes"),
        ])
        .send()
        .await
        .expect("edit");
    assert_eq!(response.status(), 409);
    let html = unescape(&response.text().await.expect("page"));
    assert!(html.contains("Someone else saved this proposal"), "{html}");
    // every field typed is still in the form
    assert!(html.contains("value=\"Ada's typed title\""), "{html}");
    assert!(html.contains(&typed_abstract));
    assert!(html.contains(">https://example.org/ada-typed</textarea>"));
    assert!(html.contains(">Ada's typed notes</textarea>"));
    // what is saved now is shown beside it
    assert!(html.contains("Grace's saved title"));
    assert!(html.contains("https://example.org/grace-saved"));
    assert!(
        !csrf_token(&html).is_empty(),
        "the CSRF token is still there"
    );
    let (_, current, _) = read(&app, &ada.token, &id).await;
    assert_eq!(
        format!("\"{}\"", field_value(&html, "version")),
        current,
        "a second save replaces the version shown"
    );
    assert_eq!(
        proposal_as(&app, &ada.token, &id).await["title"],
        "Grace's saved title",
        "nothing of Ada's was saved"
    );
    // saving again, knowingly, from the version shown
    let response = browser
        .post(app.url(&path))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("version", field_value(&html, "version").as_str()),
            ("title", "Ada's typed title"),
            ("abstract", typed_abstract.as_str()),
            ("format", "talk"),
            ("track", ""),
            ("co_speakers", "grace@example.org"),
            (
                "links",
                "https://example.org/ada-typed\nhttps://example.org/grace-saved",
            ),
            ("notes", "Ada's typed notes"),
        ])
        .send()
        .await
        .expect("edit again");
    assert_eq!(response.status(), 303);
    let saved = proposal_as(&app, &ada.token, &id).await;
    assert_eq!(saved["title"], "Ada's typed title");
    assert_eq!(saved["links"].as_array().map(Vec::len), Some(2));
}

const ABSTRACT_TYPED: &str = "How rustc_codegen_gcc lets rustc use GCC as a backend, what works \
today, and what remains before it can be used for every target.";
