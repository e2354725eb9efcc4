//! The decision emails' templates: the shipped wording, the chairs' own (checked before it is
//! stored), and a preview that renders exactly what the release sends.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};

use super::{proposal_with_co_speaker, received_by};
use crate::helpers::{
    TestApp, add_member, api, assign, decide, field_error, normalized, patch_event, person,
    release, review, review_body, send,
};

const TEMPLATES: &str = "/api/v1/events/rust-mc/email-templates";
const ACCEPTANCE: &str = "/api/v1/events/rust-mc/email-templates/acceptance";

const CUSTOM_SUBJECT: &str = "{{event_title}}: “{{proposal_title}}” is in";
const CUSTOM_BODY: &str = "Hi {{speaker_name}},

“{{proposal_title}}” is on the programme of {{event_title}}{{#track}} ({{track}}){{/track}}.
{{#reviewer_comments}}
The reviewers wrote:

{{reviewer_comments}}
{{/reviewer_comments}}{{^reviewer_comments}}
No comments this time.
{{/reviewer_comments}}
Confirm here: {{confirm_link}}{{#confirm_deadline}} (by {{confirm_deadline}}){{/confirm_deadline}}

See you in Tokyo & <elsewhere>!";

/// Sam's proposal with Cora, reviewed with comments for the speakers (which the event shares)
/// and a confirmation deadline; returns (admin, its id).
async fn reviewed_proposal(app: &TestApp) -> (String, String) {
    let (admin, _sam, _cora, id) = proposal_with_co_speaker(app).await;
    let rev = person(app, "rev@example.org", "Rev Reviewer").await;
    add_member(app, &admin, &rev.email, "reviewer").await;
    patch_event(
        app,
        &admin,
        json!({"review_open": true, "share_review_comments": true,
            "confirm_by": "2029-06-01T16:00:00Z"}),
    )
    .await;
    assign(app, &admin, &id, &[&rev.id]).await;
    let comments = review_body(
        5,
        3,
        "Accept; the speaker is a maintainer.",
        "Lovely scope.\nPlease show the unsafe blocks.",
    );
    review(app, &rev.token, &id, &comments).await;
    (admin, id)
}

/// Whether every template is the shipped one.
async fn assert_none_customized(app: &TestApp, admin: &str) {
    let list = api(app, Method::GET, TEMPLATES, admin, None, 200).await;
    assert!(
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|t| t["customized"] == false)
    );
}

/// The shipped wording to begin with, and the placeholders it may use.
async fn assert_the_shipped_wording(app: &TestApp, admin: &str) {
    let list = api(app, Method::GET, TEMPLATES, admin, None, 200).await;
    let kinds: Vec<_> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| {
            (
                t["kind"].as_str().expect("kind").to_owned(),
                t["customized"].clone(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("acceptance".to_owned(), json!(false)),
            ("rejection".to_owned(), json!(false)),
            ("waitlist".to_owned(), json!(false))
        ]
    );
    assert_eq!(
        list["items"][0]["subject"],
        "Accepted at {{event_title}}: {{proposal_title}}"
    );
    let names: Vec<_> = list["placeholders"]
        .as_array()
        .expect("placeholders")
        .iter()
        .map(|p| p[0].as_str().expect("name").to_owned())
        .collect();
    assert!(
        names.contains(&"reviewer_comments".to_owned())
            && names.contains(&"confirm_link".to_owned())
    );
}

/// Template errors: 422 naming the field, and nothing stored.
async fn assert_bad_templates_are_refused(app: &TestApp, admin: &str) {
    for (subject, body, field) in [
        ("Hi {{speker_name}}", "fine", "subject"),
        ("fine", "Dear {{speaker_nam}},", "body"),
        ("fine", "{{#reviewer_comments}}never closed", "body"),
        ("fine", "stray {{/track}}", "body"),
        (
            "fine",
            "{{#track}}{{#confirm_link}}{{/track}}{{/confirm_link}}",
            "body",
        ),
        ("{{event_title", "fine", "subject"),
        ("", "fine", "subject"),
        ("fine", "", "body"),
    ] {
        let template = json!({"subject": subject, "body": body});
        let (status, text) = send(app, Method::PUT, ACCEPTANCE, Some(admin), Some(&template)).await;
        assert_eq!(status, 422, "{subject:?} {body:?}: {text}");
        let problem: Value = serde_json::from_str(&text).expect("json");
        assert!(field_error(&problem, field), "{field}: {problem}");
    }
    let unknown = json!({"subject": "{{nope}}", "body": "{{nope_either}}"});
    let (status, text) = send(app, Method::PUT, ACCEPTANCE, Some(admin), Some(&unknown)).await;
    assert_eq!(status, 422);
    let problem: Value = serde_json::from_str(&text).expect("json");
    assert!(
        problem["errors"]["subject"][0]
            .as_str()
            .is_some_and(|m| m.contains("{{nope}}"))
    );
    assert!(
        problem["errors"]["body"][0]
            .as_str()
            .is_some_and(|m| m.contains("{{nope_either}}"))
    );
    let welcome = format!("{TEMPLATES}/welcome");
    let any = json!({"subject": "x", "body": "y"});
    let (status, _) = send(app, Method::PUT, &welcome, Some(admin), Some(&any)).await;
    assert_eq!(status, 404, "no such kind");
    assert_none_customized(app, admin).await;
    let mut conn = app.state.pool.get().await.expect("conn");
    let stored: i64 = mcfp::schema::email_templates::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(stored, 0, "nothing stored");
}

/// Previews of unsaved wording, and their mistakes.
async fn assert_previews_of_unsaved_wording(app: &TestApp, admin: &str, id: &str) {
    let preview = format!("{ACCEPTANCE}/preview");
    let trial = api(
        app,
        Method::POST,
        &preview,
        admin,
        Some(&json!({"proposal_id": id, "subject": "Trial for {{speaker_name}}",
            "body": "{{^reviewer_comments}}none{{/reviewer_comments}}{{#reviewer_comments}}some{{/reviewer_comments}}"})),
        200,
    )
    .await;
    let trial_subjects: BTreeSet<_> = trial["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["subject"].as_str().expect("subject").to_owned())
        .collect();
    assert_eq!(
        trial_subjects,
        BTreeSet::from([
            "[Rust MC] Trial for Cora Cospeaker".to_owned(),
            "[Rust MC] Trial for Sam Speaker".to_owned()
        ])
    );
    assert!(
        trial["items"][0]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("some"))
    );
    for (body, status) in [
        (json!({"proposal_id": id, "subject": "only a subject"}), 422),
        (
            json!({"proposal_id": id, "subject": "{{bad}}", "body": "x"}),
            422,
        ),
        (json!({"proposal_id": uuid::Uuid::new_v4()}), 422),
    ] {
        let (got, _) = send(app, Method::POST, &preview, Some(admin), Some(&body)).await;
        assert_eq!(got, status, "{body}");
    }
}

/// The preview of the saved wording, by recipient: Sam's says what the wording says, with the
/// reviewers' comments for the speakers and the deadline, escaped in HTML.
async fn previews_of_the_saved_wording(
    app: &TestApp,
    admin: &str,
    id: &str,
) -> BTreeMap<String, Value> {
    let preview = format!("{ACCEPTANCE}/preview");
    let body = json!({"proposal_id": id});
    let previewed = api(app, Method::POST, &preview, admin, Some(&body), 200).await;
    let previews: BTreeMap<String, Value> = previewed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["to"].as_str().expect("to").to_owned(), i.clone()))
        .collect();
    assert_eq!(previews.len(), 2, "one per speaker: {previewed}");
    let sam_preview = previews
        .iter()
        .find(|(to, _)| to.contains("sam@example.org"))
        .expect("Sam's")
        .1;
    let text = sam_preview["text"].as_str().expect("text");
    assert!(text.starts_with("Hi Sam Speaker,"), "{text}");
    assert!(
        text.contains("The reviewers wrote:\n\nLovely scope.\nPlease show the unsafe blocks."),
        "{text}"
    );
    assert!(!text.contains("No comments this time"), "{text}");
    assert!(
        !text.contains("the speaker is a maintainer"),
        "the chairs' comment stays theirs"
    );
    let confirm = format!(
        "Confirm here: {}proposals/{id}/confirm (by ",
        app.state.base_url
    );
    assert!(text.contains(&confirm), "{text}");
    assert!(text.contains("2029"), "the deadline: {text}");
    assert_eq!(
        sam_preview["subject"],
        "Rust MC: “Writing a PCI driver in Rust” is in"
    );
    let html = sam_preview["html"].as_str().expect("html");
    assert!(
        html.contains("See you in Tokyo &amp; &lt;elsewhere&gt;!"),
        "escaped: {html}"
    );
    assert!(html.contains("<p>The reviewers wrote:</p>"), "{html}");
    previews
}

/// The release sends exactly what was previewed.
async fn assert_the_release_sends_the_previews(
    app: &TestApp,
    admin: &str,
    id: &str,
    previews: &BTreeMap<String, Value>,
) {
    app.deliver_emails().await;
    decide(app, admin, id, "accept").await;
    assert_eq!(release(app, admin).await, 2);
    assert_eq!(app.deliver_emails().await.sent, 2);
    for (to, preview) in previews {
        let address = to
            .rsplit_once('<')
            .map_or(to.as_str(), |(_, a)| a.trim_end_matches('>'));
        let got: Vec<_> = received_by(app, address)
            .into_iter()
            .filter(|e| e.subject().contains("is in"))
            .collect();
        assert_eq!(got.len(), 1, "{address}");
        let email = &got[0];
        assert_eq!(
            email.subject(),
            preview["subject"].as_str().expect("subject")
        );
        assert_eq!(
            normalized(&email.text()),
            normalized(preview["text"].as_str().expect("text")),
            "{address}"
        );
        let html = normalized(&email.html());
        assert_eq!(html, normalized(preview["html"].as_str().expect("html")));
        for paragraph in preview["html"].as_str().expect("html").split("<p>").skip(1) {
            let paragraph = paragraph.split("</p>").next().expect("paragraph");
            assert!(html.contains(&normalized(paragraph)), "{paragraph}");
        }
    }
}

#[tokio::test]
async fn the_preview_renders_exactly_what_the_release_sends_and_bad_templates_are_never_stored() {
    let app = TestApp::spawn().await;
    let (admin, id) = reviewed_proposal(&app).await;
    assert_the_shipped_wording(&app, &admin).await;
    assert_bad_templates_are_refused(&app, &admin).await;

    // a good one is saved
    let custom = json!({"subject": CUSTOM_SUBJECT, "body": CUSTOM_BODY});
    let saved = api(&app, Method::PUT, ACCEPTANCE, &admin, Some(&custom), 200).await;
    assert_eq!(saved["customized"], true);
    assert_eq!(saved["body"], CUSTOM_BODY);

    assert_previews_of_unsaved_wording(&app, &admin, &id).await;
    let previews = previews_of_the_saved_wording(&app, &admin, &id).await;
    assert_the_release_sends_the_previews(&app, &admin, &id, &previews).await;

    // back to the shipped wording
    let reset = api(&app, Method::DELETE, ACCEPTANCE, &admin, None, 200).await;
    assert_eq!(reset["customized"], false);
    assert_eq!(
        reset["subject"],
        "Accepted at {{event_title}}: {{proposal_title}}"
    );
    assert_none_customized(&app, &admin).await;
}
