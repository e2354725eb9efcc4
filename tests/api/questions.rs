//! The chairs' questions (`/events/{slug}/questions`) and the answers proposals give them:
//! the editor's validation, answers per kind, required on submission only, formats, removed
//! questions keeping their answers, who sees which answer, and the dashboard's answer filter.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    ABSTRACT, EVENT, Person, SLUG, TestApp, add_member, api, assign, field_error, patch_event,
    person, send,
};

const QUESTIONS: &str = "/api/v1/events/rust-mc/questions";
const PROPOSALS: &str = "/api/v1/events/rust-mc/proposals";

/// One question of each kind; `kind_of` is talk or discussion (required), `kernel` for talks only.
fn questions() -> Value {
    json!({"questions": [
        {"key": "kind_of", "label": "Is this a talk or a discussion?", "kind": "choice",
         "options": ["Talk", "Discussion"], "required": true, "visible_to_reviewers": true,
         "formats": null, "position": 0},
        {"key": "presented", "label": "Have you presented this before?", "kind": "boolean",
         "options": [], "required": false, "visible_to_reviewers": false, "formats": null, "position": 1},
        {"key": "kernel", "label": "Which kernel subsystem?", "kind": "text", "help": "e.g. block",
         "required": false, "visible_to_reviewers": true, "formats": ["talk"], "position": 2},
        {"key": "remote", "label": "Needs remote participation?", "kind": "boolean",
         "visible_to_reviewers": true, "position": 3},
        {"key": "history", "label": "History", "kind": "long_text", "position": 4},
        {"key": "topics", "label": "Topics", "kind": "multiple_choice",
         "options": ["mm", "fs", "net"], "position": 5},
        {"key": "minutes", "label": "Minutes needed", "kind": "number", "position": 6},
        {"key": "slides", "label": "Slides", "kind": "url", "position": 7},
    ]})
}

fn proposal(title: &str, format: &str, answers: Value) -> Value {
    json!({"title": title, "abstract": ABSTRACT, "format": format, "answers": answers})
}

async fn with_questions(app: &TestApp) -> String {
    let chair = app.admin_with_event(SLUG).await;
    api(app, Method::PUT, QUESTIONS, &chair, Some(&questions()), 200).await;
    chair
}

async fn create(app: &TestApp, token: &str, body: &Value) -> (u16, Value) {
    let (status, text) = send(app, Method::POST, PROPOSALS, Some(token), Some(body)).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn chairs_define_questions_and_bad_lists_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let chair = with_questions(&app).await;
    let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;

    // public: anyone reads the form's questions, in order; only chairs see the retired ones
    let (status, text) = send(&app, Method::GET, QUESTIONS, None, None).await;
    assert_eq!(status, 200, "{text}");
    let public: Value = serde_json::from_str(&text).expect("json");
    let keys: Vec<&str> = public["questions"]
        .as_array()
        .expect("list")
        .iter()
        .map(|q| q["key"].as_str().expect("key"))
        .collect();
    assert_eq!(
        keys,
        [
            "kind_of",
            "presented",
            "kernel",
            "remote",
            "history",
            "topics",
            "minutes",
            "slides"
        ]
    );
    assert!(public.get("retired_questions").is_none());
    let chairs = api(&app, Method::GET, QUESTIONS, &chair, None, 200).await;
    assert_eq!(chairs["retired_questions"], json!([]));
    let (status, _) = send(
        &app,
        Method::GET,
        "/api/v1/events/nope/questions",
        None,
        None,
    )
    .await;
    assert_eq!(status, 404);

    // only chairs change them
    let (status, _) = send(
        &app,
        Method::PUT,
        QUESTIONS,
        Some(&sam.token),
        Some(&questions()),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = send(&app, Method::PUT, QUESTIONS, None, Some(&questions())).await;
    assert_eq!(status, 401);

    let one = |q: Value| json!({"questions": [q]});
    let bad = [
        (
            one(json!({"key": "Bad Key", "label": "x", "kind": "text", "position": 0})),
            "questions[0].key",
        ),
        (
            one(json!({"key": "a", "label": "", "kind": "text", "position": 0})),
            "questions[0].label",
        ),
        (
            one(
                json!({"key": "a", "label": "x", "kind": "choice", "options": ["only"], "position": 0}),
            ),
            "questions[0].options",
        ),
        (
            one(
                json!({"key": "a", "label": "x", "kind": "choice", "options": ["x", "x"], "position": 0}),
            ),
            "questions[0].options[1]",
        ),
        (
            one(
                json!({"key": "a", "label": "x", "kind": "text", "options": ["x", "y"], "position": 0}),
            ),
            "questions[0].options",
        ),
        (
            one(
                json!({"key": "a", "label": "x", "kind": "text", "formats": ["keynote"], "position": 0}),
            ),
            "questions[0].formats[0]",
        ),
        (
            one(json!({"key": "a", "label": "x", "kind": "text", "position": 5000})),
            "questions[0].position",
        ),
    ];
    for (body, field) in bad {
        let (status, text) = send(&app, Method::PUT, QUESTIONS, Some(&chair), Some(&body)).await;
        assert_eq!(status, 422, "{body}: {text}");
        let problem: Value = serde_json::from_str(&text).expect("json");
        assert!(field_error(&problem, field), "{field}: {text}");
    }
    // a repeated key is a 409 naming the later one
    let twice = json!({"questions": [{"key": "a", "label": "x", "kind": "text", "position": 0},
                                     {"key": "a", "label": "y", "kind": "text", "position": 1}]});
    let (status, text) = send(&app, Method::PUT, QUESTIONS, Some(&chair), Some(&twice)).await;
    assert_eq!(status, 409, "{text}");
    let problem: Value = serde_json::from_str(&text).expect("json");
    assert!(field_error(&problem, "questions[1].key"), "{text}");
    // an unknown kind is not a question at all
    let (status, _) = send(
        &app,
        Method::PUT,
        QUESTIONS,
        Some(&chair),
        Some(&one(
            json!({"key": "a", "label": "x", "kind": "essay", "position": 0}),
        )),
    )
    .await;
    assert!(status == 400 || status == 422, "{status}");
}

#[tokio::test]
async fn each_kind_of_answer_is_checked_against_its_question() {
    let app = TestApp::spawn().await;
    with_questions(&app).await;
    let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;

    let good = json!({"kind_of": "Talk", "presented": false, "kernel": "block layer",
        "remote": true, "history": "Given at\nKangrejos.", "topics": ["mm", "net"],
        "minutes": 25, "slides": "https://example.org/slides"});
    let (status, created) =
        create(&app, &sam.token, &proposal("All the answers", "talk", good)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["answers"]["topics"], json!(["mm", "net"]));
    assert_eq!(created["answers"]["presented"], json!(false));
    assert_eq!(created["answers"]["minutes"], json!(25));

    let bad = [
        ("kind_of", json!("Keynote")),
        ("presented", json!("yes")),
        ("kernel", json!("two\nlines")),
        ("kernel", json!("x".repeat(301))),
        ("history", json!(42)),
        ("history", json!("x".repeat(5001))),
        ("topics", json!(["mm", "mm"])),
        ("topics", json!(["gpu"])),
        ("topics", json!("mm")),
        ("minutes", json!("25")),
        ("slides", json!("javascript:alert(1)")),
        ("slides", json!("ftp://example.org/x")),
        ("nonsense", json!("what")),
    ];
    for (key, value) in bad {
        let mut answers = json!({"kind_of": "Talk"});
        answers[key] = value.clone();
        let (status, problem) =
            create(&app, &sam.token, &proposal("A bad answer", "talk", answers)).await;
        assert_eq!(status, 422, "{key}={value}: {problem}");
        let field = format!("answers.{key}");
        assert!(field_error(&problem, &field), "{field}: {problem}");
    }
}

#[tokio::test]
async fn a_required_question_is_needed_to_submit_but_not_for_a_draft() {
    let app = TestApp::spawn().await;
    with_questions(&app).await;
    let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;

    let (status, problem) =
        create(&app, &sam.token, &proposal("Unanswered", "talk", json!({}))).await;
    assert_eq!(status, 422, "{problem}");
    assert!(field_error(&problem, "answers.kind_of"), "{problem}");
    // without `answers` at all, the same
    let (status, problem) = create(
        &app,
        &sam.token,
        &json!({"title": "Unanswered", "abstract": ABSTRACT, "format": "talk"}),
    )
    .await;
    assert_eq!(status, 422);
    assert!(field_error(&problem, "answers.kind_of"), "{problem}");

    // a draft may leave it empty, and keeps the answers it has
    let mut draft = proposal("A draft", "talk", json!({"remote": true}));
    draft["draft"] = json!(true);
    let (status, saved) = create(&app, &sam.token, &draft).await;
    assert_eq!(status, 201, "{saved}");
    assert_eq!(saved["answers"], json!({"remote": true}));
    let id = saved["id"].as_str().expect("id");
    let submit_path = format!("/api/v1/proposals/{id}/submit");
    let (status, text) = send(&app, Method::POST, &submit_path, Some(&sam.token), None).await;
    assert_eq!(status, 422, "{text}");
    let problem: Value = serde_json::from_str(&text).expect("json");
    assert!(field_error(&problem, "answers.kind_of"), "{text}");

    // answered in the draft, it submits, with every answer
    let path = format!("/api/v1/proposals/{id}");
    api(
        &app,
        Method::PATCH,
        &path,
        &sam.token,
        Some(&json!({"answers": {"kind_of": "Discussion"}})),
        200,
    )
    .await;
    let submitted = api(&app, Method::POST, &submit_path, &sam.token, None, 200).await;
    assert_eq!(
        submitted["answers"],
        json!({"kind_of": "Discussion", "remote": true})
    );

    // an edit of a submitted proposal may not empty it
    let (status, text) = send(
        &app,
        Method::PATCH,
        &path,
        Some(&sam.token),
        Some(&json!({"answers": {"kind_of": null}})),
    )
    .await;
    assert_eq!(status, 422, "{text}");
    let problem: Value = serde_json::from_str(&text).expect("json");
    assert!(field_error(&problem, "answers.kind_of"), "{text}");
    // and an edit that changes another answer keeps the rest
    let edited = api(
        &app,
        Method::PATCH,
        &path,
        &sam.token,
        Some(&json!({"answers": {"presented": true}})),
        200,
    )
    .await;
    assert_eq!(
        edited["answers"],
        json!({"kind_of": "Discussion", "presented": true, "remote": true})
    );
}

#[tokio::test]
async fn a_question_limited_to_some_formats_applies_to_those_only() {
    let app = TestApp::spawn().await;
    let chair = with_questions(&app).await;
    let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;
    // make the talk-only question required: a discussion need not answer it
    let mut list = questions();
    list["questions"][2]["required"] = json!(true);
    api(&app, Method::PUT, QUESTIONS, &chair, Some(&list), 200).await;

    let (status, problem) = create(
        &app,
        &sam.token,
        &proposal("A talk", "talk", json!({"kind_of": "Talk"})),
    )
    .await;
    assert_eq!(status, 422);
    assert!(field_error(&problem, "answers.kernel"), "{problem}");
    // an answer to a question that does not apply to the format is dropped, not refused
    let (status, created) = create(
        &app,
        &sam.token,
        &proposal(
            "A discussion",
            "discussion",
            json!({"kind_of": "Discussion", "kernel": "mm"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["answers"], json!({"kind_of": "Discussion"}));
}

/// Sam's proposal with every answer, Rhea assigned; (chair, sam, rhea, other, proposal).
async fn answered(app: &TestApp) -> (String, Person, Person, Person, String) {
    let chair = with_questions(app).await;
    let sam = person(app, "sam@speakers.test", "Sam Submitter").await;
    let rhea = person(app, "rhea@reviewers.test", "Rhea Reviewer").await;
    let other = person(app, "olga@speakers.test", "Olga Other").await;
    add_member(app, &chair, &rhea.email, "reviewer").await;
    let answers = json!({"kind_of": "Talk", "presented": true, "kernel": "block",
        "remote": false, "history": "Never"});
    let (status, created) = create(app, &sam.token, &proposal("Answered", "talk", answers)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    assign(app, &chair, &id, &[&rhea.id]).await;
    (chair, sam, rhea, other, id)
}

fn keys(view: &Value) -> Vec<String> {
    let mut keys: Vec<String> = view["answers"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

#[tokio::test]
async fn who_sees_which_answers() {
    let app = TestApp::spawn().await;
    let (chair, sam, rhea, other, id) = answered(&app).await;
    let path = format!("/api/v1/proposals/{id}");
    let all = ["history", "kernel", "kind_of", "presented", "remote"];
    let shared = ["kernel", "kind_of", "remote"];

    assert_eq!(
        keys(&api(&app, Method::GET, &path, &sam.token, None, 200).await),
        all
    );
    assert_eq!(
        keys(&api(&app, Method::GET, &path, &chair, None, 200).await),
        all
    );
    assert_eq!(
        keys(&api(&app, Method::GET, &path, &rhea.token, None, 200).await),
        shared
    );
    // under blind review the same: a question is about the talk
    patch_event(&app, &chair, json!({"blind_review": true})).await;
    let blind = api(&app, Method::GET, &path, &rhea.token, None, 200).await;
    assert_eq!(keys(&blind), shared);
    assert_eq!(blind["speakers"], json!([]));
    // someone else sees nothing at all
    let (status, _) = send(&app, Method::GET, &path, Some(&other.token), None).await;
    assert_eq!(status, 404);
    // the chairs' list carries no one's answers beyond what the proposal shows
    let (status, _) = send(&app, Method::GET, &path, None, None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_removed_question_keeps_its_answers_readable_to_the_chairs() {
    let app = TestApp::spawn().await;
    let (chair, sam, rhea, _, id) = answered(&app).await;
    let path = format!("/api/v1/proposals/{id}");
    // drop `presented` and `kernel`; change `kind_of`'s options so the stored answer no longer fits
    let mut list = questions();
    let items = list["questions"].as_array_mut().expect("list");
    items.retain(|q| q["key"] != "presented" && q["key"] != "kernel");
    items[0]["options"] = json!(["Workshop", "Panel"]);
    let saved = api(&app, Method::PUT, QUESTIONS, &chair, Some(&list), 200).await;
    let retired: Vec<&str> = saved["retired_questions"]
        .as_array()
        .expect("list")
        .iter()
        .map(|q| q["key"].as_str().expect("key"))
        .collect();
    assert_eq!(retired, ["presented", "kernel"]);

    // no answer is rewritten: the chairs read them all, the old choice as given
    let seen = api(&app, Method::GET, &path, &chair, None, 200).await;
    assert_eq!(seen["answers"]["presented"], json!(true));
    assert_eq!(seen["answers"]["kernel"], json!("block"));
    assert_eq!(seen["answers"]["kind_of"], json!("Talk"));
    // a reviewer no longer sees `kernel` (its question is gone from the form)
    assert_eq!(
        keys(&api(&app, Method::GET, &path, &rhea.token, None, 200).await),
        ["kind_of", "remote"]
    );
    // the speaker's edit of another answer keeps the stale one; sending it again re-checks it
    api(
        &app,
        Method::PATCH,
        &path,
        &sam.token,
        Some(&json!({"answers": {"remote": true}})),
        200,
    )
    .await;
    let (status, text) = send(
        &app,
        Method::PATCH,
        &path,
        Some(&sam.token),
        Some(&json!({"answers": {"kind_of": "Talk"}})),
    )
    .await;
    assert_eq!(status, 422, "{text}");
    // a question that comes back leaves the retired list, its answers still there
    let saved = api(
        &app,
        Method::PUT,
        QUESTIONS,
        &chair,
        Some(&questions()),
        200,
    )
    .await;
    assert_eq!(saved["retired_questions"], json!([]));
    let seen = api(&app, Method::GET, &path, &chair, None, 200).await;
    assert_eq!(seen["answers"]["kernel"], json!("block"));
    // the event's own view is unchanged
    api(&app, Method::GET, EVENT, &chair, None, 200).await;
}

#[tokio::test]
async fn the_questions_page_edits_removes_and_shows_errors_next_to_the_row() {
    let app = TestApp::spawn().await;
    let _chair = with_questions(&app).await;
    let (browser, csrf) = app.browser_signed_in("admin@example.org").await;
    let (status, html) = app.page(&browser, "/events/rust-mc/questions").await;
    assert_eq!(status, 200);
    assert!(html.contains("Is this a talk or a discussion?"), "{html}");
    // a speaker may not open it
    person(&app, "sam@speakers.test", "Sam Submitter").await;
    let (speaker, _) = app.browser_signed_in("sam@speakers.test").await;
    let (status, _) = app.page(&speaker, "/events/rust-mc/questions").await;
    assert_eq!(status, 403);

    // a choice with one option: refused, the message on its row, nothing saved
    let (status, _, html) = crate::helpers::post(
        &app,
        &browser,
        "/events/rust-mc/questions",
        &[
            ("csrf_token", &csrf),
            ("key_0", "kind_of"),
            ("label_0", "Talk or discussion?"),
            ("kind_0", "choice"),
            ("options_0", "Talk"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("question-0-error"), "{html}");
    assert!(
        html.contains("options a choice needs 2 to 20 options"),
        "{html}"
    );

    // keep kind_of (now for talks only, required), remove presented; the rest goes too
    let (status, location, _) = crate::helpers::post(
        &app,
        &browser,
        "/events/rust-mc/questions",
        &[
            ("csrf_token", &csrf),
            ("key_0", "kind_of"),
            ("label_0", "Talk or discussion?"),
            ("kind_0", "choice"),
            ("options_0", "Talk\nDiscussion\n"),
            ("required_0", "on"),
            ("visible_0", "on"),
            ("format_0_talk", "on"),
            ("key_1", "presented"),
            ("label_1", "Presented before?"),
            ("kind_1", "boolean"),
            ("remove_1", "on"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, "/events/rust-mc/questions");
    let (_, text) = send(&app, Method::GET, QUESTIONS, None, None).await;
    let saved: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        saved["questions"],
        json!([{"key": "kind_of", "label": "Talk or discussion?", "help": "", "kind": "choice",
            "options": ["Talk", "Discussion"], "required": true, "visible_to_reviewers": true,
            "formats": ["talk"], "position": 0}])
    );
    let (_, html) = app.page(&browser, "/events/rust-mc/questions").await;
    assert!(html.contains("Removed questions"), "{html}");
}

#[tokio::test]
async fn the_chairs_list_and_dashboard_filter_by_a_choice_answer() {
    let app = TestApp::spawn().await;
    let chair = with_questions(&app).await;
    let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;
    let rhea = person(&app, "rhea@reviewers.test", "Rhea Reviewer").await;
    add_member(&app, &chair, &rhea.email, "reviewer").await;
    for (title, kind_of, topics) in [
        ("A talk on memory", "Talk", json!(["mm"])),
        ("A discussion on nets", "Discussion", json!(["net", "mm"])),
        ("Another talk", "Talk", json!([])),
    ] {
        let answers = json!({"kind_of": kind_of, "topics": topics});
        let (status, body) = create(&app, &sam.token, &proposal(title, "talk", answers)).await;
        assert_eq!(status, 201, "{body}");
    }
    let titles = |page: &Value| -> Vec<String> {
        let mut t: Vec<String> = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["title"].as_str().expect("title").to_owned())
            .collect();
        t.sort();
        t
    };
    let list = |answer: &str| format!("{PROPOSALS}?answer={}", urlencode(answer));
    let talks = api(&app, Method::GET, &list("kind_of:Talk"), &chair, None, 200).await;
    assert_eq!(titles(&talks), ["A talk on memory", "Another talk"]);
    let mm = api(&app, Method::GET, &list("topics:mm"), &chair, None, 200).await;
    assert_eq!(titles(&mm), ["A discussion on nets", "A talk on memory"]);
    // with a sort by review figures (the cached ranking) the same filter holds
    let sorted = format!("{}&sort=-calibrated", list("kind_of:Discussion"));
    let sorted = api(&app, Method::GET, &sorted, &chair, None, 200).await;
    assert_eq!(titles(&sorted), ["A discussion on nets"]);
    for bad in ["kind_of", "kind_of:Keynote", "presented:yes", "nope:x"] {
        let (status, text) = send(&app, Method::GET, &list(bad), Some(&chair), None).await;
        assert_eq!(status, 422, "{bad}: {text}");
        let problem: Value = serde_json::from_str(&text).expect("json");
        assert!(field_error(&problem, "answer"), "{bad}: {text}");
    }
    // a reviewer may not filter by answer
    let (status, _) = send(
        &app,
        Method::GET,
        &list("kind_of:Talk"),
        Some(&rhea.token),
        None,
    )
    .await;
    assert_eq!(status, 403);

    // the dashboard: a select of the choice questions' options, and the filter applied
    let (browser, _) = app.browser_signed_in("admin@example.org").await;
    let (status, html) = app
        .page(
            &browser,
            "/events/rust-mc/dashboard?answer=kind_of%3ADiscussion",
        )
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"f-answer\""), "{html}");
    assert!(
        html.contains("value=\"kind_of:Discussion\" selected"),
        "{html}"
    );
    assert!(html.contains("A discussion on nets"));
    assert!(!html.contains("Another talk"));
    assert!(html.contains("/api/v1/events/rust-mc/proposals.csv"));
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
