//! Review through the JSON API: the review phase, manual and automatic assignment, conflicts of
//! interest, reviews and their history, the ranking, reviewers' progress and reminders, and what
//! reviewers may see (blind review, hidden reviews, conflicts, track restrictions).

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Person, TestApp, person};

const SLUG: &str = "rust-mc";
const EVENT: &str = "/api/v1/events/rust-mc";
const ABSTRACT: &str = "How a driver written in Rust meets the kernel's C interfaces, which safe \
abstractions it needs, and what we learnt while upstreaming it.";

// ---------------------------------------------------------------- helpers

/// Sends a request (with a bearer token unless anonymous) and returns (status, body text).
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, String) {
    let mut request = app.new_client().request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// Sends a request, asserts its status and returns the JSON body (Null when it is not JSON).
async fn expect(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
    status: u16,
) -> Value {
    let (got, text) = send(app, method.clone(), path, Some(token), body).await;
    assert_eq!(got, status, "{method} {path}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn add_member(app: &TestApp, chair: &str, email: &str, role: &str, tracks: Value) {
    expect(
        app,
        Method::PUT,
        &format!("{EVENT}/members"),
        chair,
        Some(&json!({"email": email, "role": role, "tracks": tracks})),
        200,
    )
    .await;
}

/// Submits a proposal through the API; returns its id.
async fn submit(app: &TestApp, token: &str, title: &str, co_speakers: &[&str]) -> String {
    let body = json!({"title": title, "abstract": ABSTRACT, "notes": "", "format": "talk",
        "track": null, "co_speakers": co_speakers, "links": []});
    submit_body(app, token, &body).await
}

async fn submit_body(app: &TestApp, token: &str, body: &Value) -> String {
    let created = expect(
        app,
        Method::POST,
        &format!("{EVENT}/proposals"),
        token,
        Some(body),
        201,
    )
    .await;
    created["id"].as_str().expect("id").to_owned()
}

async fn set_track(app: &TestApp, chair: &str, proposal: &str, track: &str) {
    let view = expect(
        app,
        Method::PUT,
        &format!("/api/v1/proposals/{proposal}/track"),
        chair,
        Some(&json!({"track": track, "subtopics": []})),
        200,
    )
    .await;
    assert_eq!(view["tags"]["track"], track);
}

async fn assign<S: serde::Serialize>(
    app: &TestApp,
    chair: &str,
    proposal: &str,
    reviewers: &[S],
) -> Value {
    expect(
        app,
        Method::PUT,
        &format!("/api/v1/proposals/{proposal}/assignments"),
        chair,
        Some(&json!({"reviewer_ids": reviewers})),
        200,
    )
    .await
}

/// The ids of the proposal's assigned reviewers, as the chair sees them.
async fn assigned_ids(app: &TestApp, chair: &str, proposal: &str) -> BTreeSet<String> {
    let view = expect(
        app,
        Method::GET,
        &format!("/api/v1/proposals/{proposal}/assignments"),
        chair,
        None,
        200,
    )
    .await;
    view["reviewers"]
        .as_array()
        .expect("reviewers")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn patch_event(app: &TestApp, chair: &str, patch: Value) -> Value {
    expect(app, Method::PATCH, EVENT, chair, Some(&patch), 200).await
}

async fn open_review(app: &TestApp, chair: &str) {
    let event = patch_event(app, chair, json!({"review_open": true})).await;
    assert_eq!(event["review_open"], true, "{event}");
}

async fn put_review(
    app: &TestApp,
    token: &str,
    proposal: &str,
    score: i64,
    confidence: i64,
) -> (u16, String) {
    send(
        app,
        Method::PUT,
        &format!("/api/v1/proposals/{proposal}/review"),
        Some(token),
        Some(&json!({"score": score, "confidence": confidence,
            "comment_for_chairs": "Solid work.", "comment_for_speakers": "Thanks!"})),
    )
    .await
}

async fn review_ok(app: &TestApp, token: &str, proposal: &str, score: i64, confidence: i64) {
    let (status, body) = put_review(app, token, proposal, score, confidence).await;
    assert_eq!(status, 200, "review of {proposal}: {body}");
}

async fn reviews_of(app: &TestApp, token: &str, proposal: &str) -> Value {
    expect(
        app,
        Method::GET,
        &format!("/api/v1/proposals/{proposal}/reviews"),
        token,
        None,
        200,
    )
    .await
}

/// The co-speaker accepts the emailed invitation to present with the submitter.
async fn accept_co_speaking(app: &TestApp, co_speaker: &Person) {
    app.deliver_emails().await;
    let invitation = app
        .mail
        .emails()
        .into_iter()
        .rev()
        .find(|e| {
            e.to == [co_speaker.email.clone()] && e.subject().contains("invites you to co-present")
        })
        .expect("a co-speaker invitation");
    let text = invitation.text();
    let start = text.find("/invitations/").expect("an invitation link") + "/invitations/".len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    expect(
        app,
        Method::POST,
        "/api/v1/invitations/accept",
        &co_speaker.token,
        Some(&json!({"token": token})),
        200,
    )
    .await;
}

fn field_error(problem: &Value, field: &str) -> bool {
    problem["errors"][field]
        .as_array()
        .is_some_and(|messages| !messages.is_empty())
}

fn ids_of(items: &Value, key: &str) -> Vec<String> {
    items
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i[key].as_str().expect("id").to_owned())
        .collect()
}

// ---------------------------------------------------------------- authorization matrix

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// The proposal's submitter.
    Speaker,
    /// A speaker of another proposal only.
    OtherSpeaker,
    /// A reviewer assigned to the proposal.
    Assigned,
    /// A reviewer of the event, not assigned to it.
    Unassigned,
    /// A reviewer who was assigned and then declared a conflict.
    Declared,
    /// A reviewer who is an (accepted) co-speaker of the proposal.
    CoSpeaker,
    /// A reviewer restricted to `rust`, while the proposal is in `rust-for-linux`.
    OtherTrack,
    Chair,
}

const WHO: [Who; 9] = [
    Who::Anonymous,
    Who::Speaker,
    Who::OtherSpeaker,
    Who::Assigned,
    Who::Unassigned,
    Who::Declared,
    Who::CoSpeaker,
    Who::OtherTrack,
    Who::Chair,
];

/// What a cell expects.
#[derive(Clone, Copy, Debug)]
enum Want {
    /// Exactly this status.
    S(u16),
    /// 200, and the proposal's id is (true) or is not (false) in the body.
    Sees(bool),
}
use Want::{S, Sees};

/// (method, path, body, expectation per role)
type Row = (Method, String, Option<Value>, Vec<(Who, Want)>);

struct Matrix {
    app: TestApp,
    tokens: Vec<(Who, Option<String>)>,
    ids: BTreeMap<&'static str, String>,
    /// The proposal under test (track rust-for-linux).
    p: String,
    /// Another speaker's proposal (track rust).
    q: String,
}

impl Matrix {
    async fn new() -> Matrix {
        let app = TestApp::spawn().await;
        let admin = app.admin_with_event(SLUG).await;
        let chair = person(&app, "chloe@chairs.test", "Chloe Chair").await;
        let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;
        let uma = person(&app, "uma@speakers.test", "Uma Unrelated").await;
        let rhea = person(&app, "rhea@reviewers.test", "Rhea Reviewer").await;
        let una = person(&app, "una@reviewers.test", "Una Unassigned").await;
        let dan = person(&app, "dan@reviewers.test", "Dan Declared").await;
        let cora = person(&app, "cora@reviewers.test", "Cora Cospeaker").await;
        let tess = person(&app, "tess@reviewers.test", "Tess Trackbound").await;
        add_member(&app, &admin, &chair.email, "chair", Value::Null).await;
        for reviewer in [&rhea, &una, &dan, &cora] {
            add_member(&app, &admin, &reviewer.email, "reviewer", Value::Null).await;
        }
        add_member(&app, &admin, &tess.email, "reviewer", json!(["rust"])).await;

        let p = submit(
            &app,
            &sam.token,
            "Writing a Rust NVMe driver",
            &[&cora.email],
        )
        .await;
        let q = submit(&app, &uma.token, "Rust in GCC, two years on", &[]).await;
        accept_co_speaking(&app, &cora).await;
        let c = &chair.token;
        set_track(&app, c, &p, "rust-for-linux").await;
        set_track(&app, c, &q, "rust").await;

        // manual assignment: members only, never conflicted or outside the reviewer's tracks
        let assignments = format!("/api/v1/proposals/{p}/assignments");
        for (bad, why) in [
            (
                vec![rhea.id.clone(), tess.id.clone()],
                "track-restricted reviewer",
            ),
            (vec![cora.id.clone()], "a co-speaker"),
            (vec![sam.id.clone()], "the submitter, not a member"),
            (vec![uuid::Uuid::new_v4().to_string()], "no such user"),
        ] {
            let problem = expect(
                &app,
                Method::PUT,
                &assignments,
                c,
                Some(&json!({"reviewer_ids": bad})),
                422,
            )
            .await;
            assert!(field_error(&problem, "reviewer_ids"), "{why}: {problem}");
        }
        let view = assign(&app, c, &p, &[&rhea.id, &dan.id]).await;
        assert_eq!(view["reviewers"].as_array().expect("reviewers").len(), 2);
        assert!(
            view["reviewers"]
                .as_array()
                .expect("reviewers")
                .iter()
                .all(|r| r["source"] == "manual" && r["reviewed"] == false)
        );
        // Dan declares a conflict: his assignment goes, and he cannot be assigned again
        let conflict = expect(
            &app,
            Method::PUT,
            &format!("/api/v1/proposals/{p}/conflicts"),
            &dan.token,
            Some(&json!({"reviewer_id": dan.id, "conflicted": true})),
            200,
        )
        .await;
        assert_eq!(conflict["conflicted"], true);
        assert_eq!(conflict["reason"], "declared");
        assert_eq!(
            assigned_ids(&app, c, &p).await,
            BTreeSet::from([rhea.id.clone()])
        );
        let problem = expect(
            &app,
            Method::PUT,
            &assignments,
            c,
            Some(&json!({"reviewer_ids": [rhea.id, dan.id]})),
            422,
        )
        .await;
        assert!(field_error(&problem, "reviewer_ids"), "{problem}");
        // a speaker's own conflict cannot be cleared, not even by a chair
        let cleared = expect(
            &app,
            Method::PUT,
            &format!("/api/v1/proposals/{p}/conflicts"),
            c,
            Some(&json!({"reviewer_id": cora.id, "conflicted": false})),
            409,
        )
        .await;
        assert_eq!(cleared["status"], 409);
        open_review(&app, &admin).await;

        let tokens = vec![
            (Who::Anonymous, None),
            (Who::Speaker, Some(sam.token)),
            (Who::OtherSpeaker, Some(uma.token)),
            (Who::Assigned, Some(rhea.token)),
            (Who::Unassigned, Some(una.token)),
            (Who::Declared, Some(dan.token)),
            (Who::CoSpeaker, Some(cora.token)),
            (Who::OtherTrack, Some(tess.token)),
            (Who::Chair, Some(chair.token)),
        ];
        let ids = BTreeMap::from([
            ("rhea", rhea.id),
            ("una", una.id),
            ("dan", dan.id),
            ("cora", cora.id),
            ("tess", tess.id),
        ]);
        Matrix {
            app,
            tokens,
            ids,
            p,
            q,
        }
    }

    fn token(&self, who: Who) -> Option<&str> {
        self.tokens
            .iter()
            .find(|(w, _)| *w == who)
            .and_then(|(_, t)| t.as_deref())
    }

    /// Runs every (route, role) cell; returns a line per failed cell.
    async fn check(&self, table: &[Row]) -> Vec<String> {
        let mut failures = Vec::new();
        for (method, path, body, cells) in table {
            for (who, want) in cells {
                let (status, text) = send(
                    &self.app,
                    method.clone(),
                    path,
                    self.token(*who),
                    body.as_ref(),
                )
                .await;
                let ok = match want {
                    S(code) => status == *code,
                    Sees(yes) => status == 200 && text.contains(&self.p) == *yes,
                };
                if !ok {
                    let shown: String = text.chars().take(300).collect();
                    failures.push(format!(
                        "{method} {path} as {who:?}: wanted {want:?}, got {status}: {shown}"
                    ));
                }
            }
        }
        failures
    }
}

/// One row: the same expectation list for every role in `WHO` order.
fn row(method: Method, path: String, body: Option<Value>, wants: [Want; 9]) -> Row {
    (method, path, body, WHO.into_iter().zip(wants).collect())
}

#[tokio::test]
async fn every_review_route_by_every_role() {
    let m = Matrix::new().await;
    let (p, q) = (m.p.clone(), m.q.clone());
    let rhea = m.ids["rhea"].clone();
    let anon = S(401);
    let (yes, no) = (Sees(true), Sees(false));
    let p_path = format!("/api/v1/proposals/{p}");
    // columns: Anonymous, Speaker, OtherSpeaker, Assigned, Unassigned, Declared, CoSpeaker,
    // OtherTrack, Chair
    #[rustfmt::skip]
    let table = vec![
        row(Method::GET, p_path.clone(), None,
            [anon, S(200), S(404), S(200), S(404), S(404), S(200), S(404), S(200)]),
        // a reviewer who co-presents it lists it as its speaker (and cannot review it)
        row(Method::GET, format!("{EVENT}/proposals"), None,
            [anon, yes, no, yes, no, no, yes, no, yes]),
        row(Method::GET, format!("{EVENT}/proposals?track=rust-for-linux"), None,
            [anon, yes, no, yes, no, no, yes, no, yes]),
        row(Method::GET, format!("{p_path}/assignments"), None,
            [anon, S(403), S(404), S(403), S(404), S(404), S(403), S(404), S(200)]),
        row(Method::PUT, format!("{p_path}/assignments"), Some(json!({"reviewer_ids": [rhea]})),
            [anon, S(403), S(404), S(403), S(404), S(404), S(403), S(404), S(200)]),
        // on the assigned reviewer's behalf: only she herself, or a chair, may
        row(Method::PUT, format!("{p_path}/conflicts"), Some(json!({"reviewer_id": rhea, "conflicted": false})),
            [anon, S(403), S(404), S(200), S(404), S(404), S(403), S(404), S(200)]),
        row(Method::PUT, format!("{p_path}/review"), Some(json!({"score": 4, "confidence": 2})),
            [anon, S(403), S(404), S(200), S(404), S(404), S(403), S(404), S(403)]),
        row(Method::GET, format!("{p_path}/reviews"), None,
            [anon, S(403), S(404), S(200), S(404), S(404), S(403), S(404), S(200)]),
        row(Method::GET, format!("{EVENT}/review-queue"), None,
            [anon, S(403), S(403), yes, no, no, no, no, no]),
        row(Method::GET, format!("{EVENT}/ranking"), None,
            [anon, S(403), S(403), S(403), S(403), S(403), S(403), S(403), S(200)]),
        row(Method::GET, format!("{EVENT}/ranking.csv"), None,
            [anon, S(403), S(403), S(403), S(403), S(403), S(403), S(403), S(200)]),
        row(Method::GET, format!("{EVENT}/reviewers"), None,
            [anon, S(403), S(403), S(403), S(403), S(403), S(403), S(403), S(200)]),
        row(Method::POST, format!("{EVENT}/reviewers/remind"), Some(json!({})),
            [anon, S(403), S(403), S(403), S(403), S(403), S(403), S(403), S(200)]),
        // last, as it changes assignments (k = 1 leaves the proposal under test as it is)
        row(Method::POST, format!("{EVENT}/assignments/auto"), Some(json!({"reviewers_per_proposal": 1})),
            [anon, S(403), S(403), S(403), S(403), S(403), S(403), S(403), S(200)]),
    ];
    let failures = m.check(&table).await;
    assert!(
        failures.is_empty(),
        "{} failed cell(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    // the automatic run gave the other proposal a reviewer allowed on it, the tested one kept Rhea
    let admin = m.app.login("admin@example.org").await;
    assert_eq!(
        assigned_ids(&m.app, &admin, &p).await,
        BTreeSet::from([rhea.clone()])
    );
    let on_q = assigned_ids(&m.app, &admin, &q).await;
    assert_eq!(on_q.len(), 1);
    assert!(on_q.is_subset(&BTreeSet::from([
        m.ids["rhea"].clone(),
        m.ids["una"].clone(),
        m.ids["dan"].clone(),
        m.ids["cora"].clone(),
        m.ids["tess"].clone(),
    ])));

    // when reviewers may review anything, the unassigned reviewer sees and reviews it; conflicts
    // and track restrictions still hide it
    patch_event(&m.app, &admin, json!({"reviewers_see_all": true})).await;
    let see_all = vec![
        (
            Method::GET,
            format!("/api/v1/proposals/{p}"),
            None,
            vec![
                (Who::Unassigned, S(200)),
                (Who::Declared, S(404)),
                (Who::OtherTrack, S(404)),
                (Who::CoSpeaker, S(200)),
                (Who::OtherSpeaker, S(404)),
            ],
        ),
        (
            Method::GET,
            format!("{EVENT}/proposals"),
            None,
            vec![
                (Who::Unassigned, Sees(true)),
                (Who::Declared, Sees(false)),
                (Who::OtherTrack, Sees(false)),
                (Who::OtherSpeaker, Sees(false)),
            ],
        ),
        (
            Method::GET,
            format!("{EVENT}/review-queue"),
            None,
            vec![
                (Who::Unassigned, Sees(true)),
                (Who::Declared, Sees(false)),
                (Who::OtherTrack, Sees(false)),
                (Who::CoSpeaker, Sees(false)),
            ],
        ),
        (
            Method::PUT,
            format!("/api/v1/proposals/{p}/review"),
            Some(json!({"score": 2, "confidence": 1})),
            vec![
                (Who::Unassigned, S(200)),
                (Who::Declared, S(404)),
                (Who::OtherTrack, S(404)),
                (Who::CoSpeaker, S(403)),
                (Who::Chair, S(403)),
            ],
        ),
    ];
    let failures = m.check(&see_all).await;
    assert!(
        failures.is_empty(),
        "with reviewers_see_all, {} failed cell(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------- conflicts

#[tokio::test]
async fn conflicts_are_declared_taken_back_set_by_chairs_and_computed() {
    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    let sam = person(&app, "sam@acme.test", "Sam Submitter").await;
    let rhea = person(&app, "rhea@reviewers.test", "Rhea Reviewer").await;
    let ben = person(&app, "ben@acme.test", "Ben Colleague").await;
    for r in [&rhea, &ben] {
        add_member(&app, &chair, &r.email, "reviewer", Value::Null).await;
    }
    let p = submit(&app, &sam.token, "A Rust scheduler class", &[]).await;
    assign(&app, &chair, &p, &[&rhea.id, &ben.id]).await;
    let conflicts = format!("/api/v1/proposals/{p}/conflicts");
    let body =
        |who: &Person, conflicted: bool| json!({"reviewer_id": who.id, "conflicted": conflicted});

    // a reviewer declares for herself only
    expect(
        &app,
        Method::PUT,
        &conflicts,
        &rhea.token,
        Some(&body(&ben, true)),
        403,
    )
    .await;
    let declared = expect(
        &app,
        Method::PUT,
        &conflicts,
        &rhea.token,
        Some(&body(&rhea, true)),
        200,
    )
    .await;
    assert_eq!(declared["reason"], "declared");
    assert_eq!(
        assigned_ids(&app, &chair, &p).await,
        BTreeSet::from([ben.id.clone()])
    );
    expect(
        &app,
        Method::GET,
        &format!("/api/v1/proposals/{p}"),
        &rhea.token,
        None,
        404,
    )
    .await;
    // ... and may take it back (the assignment does not come back by itself)
    let back = expect(
        &app,
        Method::PUT,
        &conflicts,
        &rhea.token,
        Some(&body(&rhea, false)),
        200,
    )
    .await;
    assert_eq!(back["conflicted"], false);
    assert_eq!(back["reason"], Value::Null);
    assign(&app, &chair, &p, &[&rhea.id, &ben.id]).await;

    // a chair's conflict: the reviewer can no longer see the proposal, so cannot clear it
    let set = expect(
        &app,
        Method::PUT,
        &conflicts,
        &chair,
        Some(&body(&rhea, true)),
        200,
    )
    .await;
    assert_eq!(set["reason"], "chair");
    expect(
        &app,
        Method::PUT,
        &conflicts,
        &rhea.token,
        Some(&body(&rhea, false)),
        404,
    )
    .await;
    let cleared = expect(
        &app,
        Method::PUT,
        &conflicts,
        &chair,
        Some(&body(&rhea, false)),
        200,
    )
    .await;
    assert_eq!(cleared["conflicted"], false);

    // the same email domain as a speaker conflicts when the event asks for it; a chair may clear it
    patch_event(&app, &chair, json!({"conflict_same_domain": true})).await;
    expect(
        &app,
        Method::GET,
        &format!("/api/v1/proposals/{p}"),
        &ben.token,
        None,
        404,
    )
    .await;
    let (status, _) = put_review(&app, &ben.token, &p, 3, 2).await;
    assert_eq!(status, 404);
    let domain = expect(
        &app,
        Method::PUT,
        &conflicts,
        &chair,
        Some(&body(&ben, false)),
        200,
    )
    .await;
    assert_eq!(domain["conflicted"], false);
    expect(
        &app,
        Method::GET,
        &format!("/api/v1/proposals/{p}"),
        &ben.token,
        None,
        200,
    )
    .await;

    // only members: a chair naming a speaker gets 422
    let problem = expect(
        &app,
        Method::PUT,
        &conflicts,
        &chair,
        Some(&body(&sam, true)),
        422,
    )
    .await;
    assert!(field_error(&problem, "reviewer_id"), "{problem}");
}

// ---------------------------------------------------------------- blind review

#[tokio::test]
async fn under_blind_review_no_reviewer_response_names_a_speaker_but_chairs_see_them() {
    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    let samuel = person(&app, "samuel@speakers.test", "Samuel Submitter").await;
    let grace = person(&app, "grace@speakers.test", "Grace Cospeaker").await;
    let olga = person(&app, "olga@speakers.test", "Olga Otherspeaker").await;
    let rhea = person(&app, "rhea@reviewers.test", "Rhea Reviewer").await;
    let ben = person(&app, "ben@reviewers.test", "Ben Reviewer").await;
    for r in [&rhea, &ben] {
        add_member(&app, &chair, &r.email, "reviewer", Value::Null).await;
    }
    let body = json!({"title": "Writing a Rust NVMe driver", "abstract": ABSTRACT, "notes": "",
        "format": "talk", "track": null,
        "co_speakers": [grace.email, "ivan.invited@speakers.test"],
        "links": ["https://samuel-submitter.example/slides"]});
    let p = submit_body(&app, &samuel.token, &body).await;
    let q = submit(&app, &olga.token, "Rust in GCC, two years on", &[]).await;
    accept_co_speaking(&app, &grace).await;
    set_track(&app, &chair, &p, "rust-for-linux").await;
    set_track(&app, &chair, &q, "rust").await;
    assign(&app, &chair, &p, &[&rhea.id, &ben.id]).await;
    open_review(&app, &chair).await;

    let needles = [
        "samuel",
        "grace",
        "cospeaker",
        "olga",
        "otherspeaker",
        "ivan.invited",
        "speakers.test",
    ];
    let leaks = |body: &str| -> Vec<&str> {
        let lower = body.to_lowercase();
        needles
            .iter()
            .copied()
            .filter(|n| lower.contains(n))
            .collect()
    };

    // without blind review a reviewer sees the speakers (so the scan below can find them)
    let (status, open_view) = send(
        &app,
        Method::GET,
        &format!("/api/v1/proposals/{p}"),
        Some(&rhea.token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(open_view.contains("Samuel Submitter") && open_view.contains("grace@speakers.test"));

    patch_event(&app, &chair, json!({"blind_review": true})).await;
    review_ok(&app, &ben.token, &p, 4, 3).await;

    let mut seen: Vec<(String, u16, String)> = Vec::new();
    let mut record =
        |label: String, (status, body): (u16, String)| seen.push((label, status, body));
    let rt = Some(rhea.token.as_str());
    let get = |path: String| {
        let app = &app;
        async move { (path.clone(), send(app, Method::GET, &path, rt, None).await) }
    };
    for path in [
        format!("{EVENT}/proposals"),
        format!("{EVENT}/proposals?track=rust-for-linux"),
        format!("/api/v1/proposals/{p}"),
        format!("/api/v1/proposals/{p}/reviews"),
        format!("{EVENT}/review-queue"),
        EVENT.to_owned(),
        "/api/v1/me".to_owned(),
        format!("/api/v1/proposals/{p}/assignments"),
    ] {
        let (label, response) = get(path).await;
        record(format!("GET {label}"), response);
    }
    record(
        "PUT conflicts".into(),
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/proposals/{p}/conflicts"),
            rt,
            Some(&json!({"reviewer_id": rhea.id, "conflicted": false})),
        )
        .await,
    );
    record(
        "PUT review".into(),
        put_review(&app, &rhea.token, &p, 5, 2).await,
    );
    // after her own review she sees the others'
    let (label, response) = get(format!("/api/v1/proposals/{p}/reviews")).await;
    record(format!("GET {label} (after)"), response);
    // reviewers who may review anything see the other proposal too, just as blind
    patch_event(&app, &chair, json!({"reviewers_see_all": true})).await;
    for path in [
        format!("{EVENT}/proposals"),
        format!("/api/v1/proposals/{q}"),
        format!("{EVENT}/review-queue"),
    ] {
        let (label, response) = get(path).await;
        record(format!("GET {label} (see all)"), response);
    }
    let mut problems = Vec::new();
    for (label, status, body) in &seen {
        let found = leaks(body);
        if !found.is_empty() {
            problems.push(format!("{label} ({status}) names {found:?}: {body}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let statuses: Vec<(&str, u16)> = seen.iter().map(|(l, s, _)| (l.as_str(), *s)).collect();
    assert!(
        statuses
            .iter()
            .all(|(l, s)| *s == 200 || l.ends_with("/assignments")),
        "{statuses:?}"
    );
    let listed: Value = serde_json::from_str(&seen[0].2).expect("json");
    assert_eq!(ids_of(&listed["items"], "id"), [p.as_str()]);
    assert_eq!(listed["items"][0]["speakers"], json!([]));
    assert_eq!(listed["items"][0]["invited"], json!([]));
    assert_eq!(listed["items"][0]["links"], json!([]));
    let after: Value = serde_json::from_str(&seen[seen.len() - 4].2).expect("json");
    assert_eq!(after["items"].as_array().expect("items").len(), 2);

    // the chair sees who the speakers are
    for path in [
        format!("/api/v1/proposals/{p}"),
        format!("{EVENT}/proposals"),
    ] {
        let (status, body) = send(&app, Method::GET, &path, Some(&chair), None).await;
        assert_eq!(status, 200);
        for name in [
            "Samuel Submitter",
            "samuel@speakers.test",
            "Grace Cospeaker",
            "grace@speakers.test",
            "ivan.invited@speakers.test",
            "https://samuel-submitter.example/slides",
        ] {
            assert!(
                body.contains(name),
                "the chair sees {name} in {path}: {body}"
            );
        }
    }
    let (_, ranking) = send(
        &app,
        Method::GET,
        &format!("{EVENT}/ranking"),
        Some(&chair),
        None,
    )
    .await;
    assert!(ranking.contains("Samuel Submitter") && ranking.contains("Grace Cospeaker"));
    assert!(
        !ranking.contains("samuel@speakers.test"),
        "no emails in the ranking"
    );
}

// ---------------------------------------------------------------- hidden until submitted

#[tokio::test]
async fn a_reviewer_sees_the_others_reviews_only_after_submitting_their_own() {
    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;
    let ava = person(&app, "ava@reviewers.test", "Ava Reviewer").await;
    let bo = person(&app, "bo@reviewers.test", "Bo Reviewer").await;
    for r in [&ava, &bo] {
        add_member(&app, &chair, &r.email, "reviewer", Value::Null).await;
    }
    let p = submit(&app, &sam.token, "Writing a Rust NVMe driver", &[]).await;
    assign(&app, &chair, &p, &[&ava.id, &bo.id]).await;
    open_review(&app, &chair).await;

    let nobody = reviews_of(&app, &ava.token, &p).await;
    assert_eq!(nobody, json!({"items": [], "hidden": 0}));
    review_ok(&app, &bo.token, &p, 2, 3).await;
    let before = reviews_of(&app, &ava.token, &p).await;
    assert_eq!(before["hidden"], 1, "{before}");
    assert_eq!(before["items"], json!([]));
    assert!(!before.to_string().contains("Bo Reviewer"));
    // the chair sees Bo's at once; Bo sees his own
    assert_eq!(
        reviews_of(&app, &chair, &p).await["items"]
            .as_array()
            .expect("items")
            .len(),
        1
    );
    let own = reviews_of(&app, &bo.token, &p).await;
    assert_eq!(own["items"][0]["mine"], true);

    review_ok(&app, &ava.token, &p, 4, 2).await;
    let after = reviews_of(&app, &ava.token, &p).await;
    assert_eq!(after["hidden"], 0);
    let items = after["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{after}");
    let mine: Vec<(i64, bool)> = items
        .iter()
        .map(|i| {
            (
                i["score"].as_i64().expect("score"),
                i["mine"].as_bool().expect("mine"),
            )
        })
        .collect();
    assert!(
        mine.contains(&(4, true)) && mine.contains(&(2, false)),
        "{mine:?}"
    );
    assert_eq!(
        reviews_of(&app, &bo.token, &p).await["items"]
            .as_array()
            .expect("items")
            .len(),
        2
    );
}

// ---------------------------------------------------------------- automatic assignment

#[tokio::test]
async fn automatic_assignment_of_200_proposals_to_15_reviewers() {
    use mcfp::db::proposals::{NewProposal, insert};
    use mcfp::domain::{ProposalId, UserId};
    use mcfp::schema::{co_speakers, review_assignments, review_conflicts};

    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    // 15 reviewers; the last one reviews only the `rust` track
    let mut reviewers: Vec<uuid::Uuid> = Vec::new();
    let mut emails: Vec<String> = Vec::new();
    for i in 0..15 {
        let email = format!("reviewer{i:02}@reviewers.test");
        let id = app.register(&email, &format!("Reviewer {i:02}")).await;
        let tracks = if i == 14 {
            json!(["rust"])
        } else {
            Value::Null
        };
        add_member(&app, &chair, &email, "reviewer", tracks).await;
        reviewers.push(id.parse().expect("uuid"));
        emails.push(email);
    }
    let restricted = reviewers[14];
    let speaker: uuid::Uuid = app
        .register("speaker@speakers.test", "Some Speaker")
        .await
        .parse()
        .expect("uuid");

    // 200 active proposals and one withdrawn, half in each track
    let mut conn = app.state.pool.get().await.expect("conn");
    let event = mcfp::db::events::find_by_slug(&mut conn, SLUG)
        .await
        .expect("query")
        .expect("event");
    let mut proposals: Vec<(uuid::Uuid, &str)> = Vec::new();
    let mut conflicted: BTreeSet<(uuid::Uuid, uuid::Uuid)> = BTreeSet::new();
    for i in 0..201 {
        let track = if i % 2 == 0 { "rust" } else { "rust-for-linux" };
        // proposals 0–14: each reviewer submitted one
        let own = reviewers.get(i).copied();
        let submitter = own.unwrap_or(speaker);
        let title = format!("Seeded proposal number {i:03}");
        let created = insert(
            &mut conn,
            NewProposal {
                id: ProposalId::new(),
                event_id: event.id,
                submitter_id: UserId(submitter),
                title: &title,
                abstract_text: ABSTRACT,
                notes: "",
                format: "talk",
                links: &[],
                speaker_track: None,
                auto_track: track,
                auto_confidence: 0.9,
                auto_subtopics: &[],
                auto_evidence: &[],
            },
        )
        .await
        .expect("insert proposal");
        if let Some(reviewer) = own {
            conflicted.insert((reviewer, created.id.0));
        }
        if i == 200 {
            mcfp::db::proposals::set_state(
                &mut conn,
                created.id,
                mcfp::domain::ProposalState::Withdrawn,
            )
            .await
            .expect("withdraw");
        } else {
            proposals.push((created.id.0, track));
        }
    }
    // proposals 15–29: a reviewer is a co-speaker, by accepted account or by invited email
    for (i, &(proposal, _)) in proposals.iter().enumerate().take(30).skip(15) {
        let r = (i * 4) % 15;
        let accepted = i % 2 == 0;
        diesel::insert_into(co_speakers::table)
            .values((
                co_speakers::id.eq(uuid::Uuid::now_v7()),
                co_speakers::proposal_id.eq(proposal),
                co_speakers::email.eq(emails[r].as_str()),
                co_speakers::email_normalized.eq(emails[r].as_str()),
                co_speakers::user_id.eq(accepted.then_some(reviewers[r])),
                co_speakers::invite_token_hash.eq(uuid::Uuid::new_v4().as_bytes().to_vec()),
                co_speakers::accepted_at.eq(accepted.then(chrono::Utc::now)),
                co_speakers::position.eq(1),
            ))
            .execute(&mut conn)
            .await
            .expect("co-speaker");
        conflicted.insert((reviewers[r], proposal));
    }
    // proposals 45–59: conflicts declared by reviewers
    for (i, &(proposal, _)) in proposals.iter().enumerate().take(60).skip(45) {
        let r = (i * 7) % 15;
        diesel::insert_into(review_conflicts::table)
            .values((
                review_conflicts::proposal_id.eq(proposal),
                review_conflicts::reviewer_id.eq(reviewers[r]),
                review_conflicts::conflicted.eq(true),
                review_conflicts::source.eq("reviewer"),
                review_conflicts::set_by.eq(Some(reviewers[r])),
            ))
            .execute(&mut conn)
            .await
            .expect("declared conflict");
        conflicted.insert((reviewers[r], proposal));
    }
    drop(conn);
    // proposals 30–44: conflicts set by the chair through the API
    for (i, &(proposal, _)) in proposals.iter().enumerate().take(45).skip(30) {
        let r = (i * 2) % 15;
        expect(
            &app,
            Method::PUT,
            &format!("/api/v1/proposals/{proposal}/conflicts"),
            &chair,
            Some(&json!({"reviewer_id": reviewers[r], "conflicted": true})),
            200,
        )
        .await;
        conflicted.insert((reviewers[r], proposal));
    }
    // proposals 60–69: two manual assignments each (unrestricted reviewers, not conflicted)
    let mut manual: BTreeSet<(uuid::Uuid, uuid::Uuid)> = BTreeSet::new();
    for (i, &(proposal, _)) in proposals.iter().enumerate().take(70).skip(60) {
        let pair = [reviewers[i % 14], reviewers[(i + 1) % 14]];
        assert!(pair.iter().all(|r| !conflicted.contains(&(*r, proposal))));
        assign(&app, &chair, &proposal.to_string(), &pair).await;
        manual.extend(pair.map(|r| (r, proposal)));
    }

    let load_pairs = |app: &TestApp| {
        let pool = app.state.pool.clone();
        async move {
            let mut conn = pool.get().await.expect("conn");
            review_assignments::table
                .select((
                    review_assignments::reviewer_id,
                    review_assignments::proposal_id,
                    review_assignments::source,
                ))
                .load::<(uuid::Uuid, uuid::Uuid, String)>(&mut conn)
                .await
                .expect("assignments")
                .into_iter()
                .collect::<BTreeSet<_>>()
        }
    };

    // two chairs click at once: the runs serialize, the second finds nothing left to do
    let k3 = json!({"reviewers_per_proposal": 3});
    let run = || {
        expect(
            &app,
            Method::POST,
            "/api/v1/events/rust-mc/assignments/auto",
            &chair,
            Some(&k3),
            200,
        )
    };
    let started = std::time::Instant::now();
    let (first, second) = tokio::join!(run(), run());
    eprintln!(
        "two concurrent automatic assignments of 200 × 15 took {:?}",
        started.elapsed()
    );
    let mut assigned = [first["assigned"].clone(), second["assigned"].clone()];
    assigned.sort_by_key(|n| n.as_u64());
    assert_eq!(
        assigned,
        [json!(0), json!(600 - manual.len())],
        "{first} {second}"
    );
    assert_eq!(first["short"], json!([]));
    assert_eq!(second["short"], json!([]));

    let pairs = load_pairs(&app).await;
    let mut per_proposal: BTreeMap<uuid::Uuid, usize> = BTreeMap::new();
    let mut load: BTreeMap<uuid::Uuid, usize> = reviewers.iter().map(|r| (*r, 0)).collect();
    let tracks: BTreeMap<uuid::Uuid, &str> = proposals.iter().copied().collect();
    for (reviewer, proposal, source) in &pairs {
        assert!(
            tracks.contains_key(proposal),
            "the withdrawn proposal got a reviewer"
        );
        assert!(
            !conflicted.contains(&(*reviewer, *proposal)),
            "conflicted pair assigned: {reviewer} {proposal}"
        );
        if *reviewer == restricted {
            assert_eq!(
                tracks[proposal], "rust",
                "the rust-only reviewer got another track"
            );
        }
        let expected_source = if manual.contains(&(*reviewer, *proposal)) {
            "manual"
        } else {
            "auto"
        };
        assert_eq!(source, expected_source);
        *per_proposal.entry(*proposal).or_default() += 1;
        *load.get_mut(reviewer).expect("a reviewer") += 1;
    }
    assert_eq!(per_proposal.len(), 200);
    assert!(per_proposal.values().all(|n| *n == 3), "{per_proposal:?}");
    assert!(
        manual
            .iter()
            .all(|(r, p)| pairs.contains(&(*r, *p, "manual".to_owned())))
    );
    let unrestricted: Vec<usize> = reviewers[..14].iter().map(|r| load[r]).collect();
    let (min, max) = (
        *unrestricted.iter().min().expect("min"),
        *unrestricted.iter().max().expect("max"),
    );
    assert!(max - min <= 1, "unbalanced loads {unrestricted:?}");
    // 600 reviews over 15 reviewers is 40 each, and the rust-only reviewer can take 40 of 100
    assert!(load[&restricted].abs_diff(40) <= 1, "{load:?}");

    // the progress page agrees
    let progress = expect(
        &app,
        Method::GET,
        &format!("{EVENT}/reviewers"),
        &chair,
        None,
        200,
    )
    .await;
    let items = progress["items"].as_array().expect("items");
    assert_eq!(items.len(), 15);
    assert!(items.iter().all(|i| i["done"] == 0));
    assert_eq!(
        items
            .iter()
            .map(|i| i["assigned"].as_u64().expect("n"))
            .sum::<u64>(),
        600
    );

    // a re-run assigns nothing and changes nothing
    let again = expect(
        &app,
        Method::POST,
        &format!("{EVENT}/assignments/auto"),
        &chair,
        Some(&json!({"reviewers_per_proposal": 3})),
        200,
    )
    .await;
    assert_eq!(again, json!({"assigned": 0, "short": []}));
    assert_eq!(load_pairs(&app).await, pairs);
    // out of range
    for k in [0, 21] {
        let problem = expect(
            &app,
            Method::POST,
            &format!("{EVENT}/assignments/auto"),
            &chair,
            Some(&json!({"reviewers_per_proposal": k})),
            422,
        )
        .await;
        assert!(field_error(&problem, "reviewers_per_proposal"), "{problem}");
    }
}

// ---------------------------------------------------------------- the review phase

#[tokio::test]
async fn reviews_are_written_only_while_the_review_phase_is_open() {
    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;
    let rhea = person(&app, "rhea@reviewers.test", "Rhea Reviewer").await;
    add_member(&app, &chair, &rhea.email, "reviewer", Value::Null).await;
    let p = submit(&app, &sam.token, "Writing a Rust NVMe driver", &[]).await;
    assign(&app, &chair, &p, &[&rhea.id]).await;
    let event = |app: &TestApp| {
        let path = EVENT.to_owned();
        let client = app.new_client();
        let url = app.url(&path);
        async move {
            client
                .get(url)
                .send()
                .await
                .expect("event")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let refused = |(status, body): (u16, String)| {
        assert_eq!(status, 403, "{body}");
        let problem: Value = serde_json::from_str(&body).expect("problem");
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("not open")),
            "{problem}"
        );
    };

    // never opened
    let fresh = event(&app).await;
    assert_eq!(fresh["review_open"], false);
    assert_eq!(fresh["review_opens_at"], Value::Null);
    refused(put_review(&app, &rhea.token, &p, 3, 2).await);
    // the queue says so too
    let queue = expect(
        &app,
        Method::GET,
        &format!("{EVENT}/review-queue"),
        &rhea.token,
        None,
        200,
    )
    .await;
    assert_eq!(queue["review_open"], false);

    // opened now
    open_review(&app, &chair).await;
    let opened = event(&app).await;
    assert_eq!(opened["review_open"], true);
    assert!(opened["review_opens_at"].is_string());
    assert_eq!(opened["review_closes_at"], Value::Null);
    review_ok(&app, &rhea.token, &p, 3, 2).await;

    // closed now: reading still works, writing does not, and nothing changes
    let closed = patch_event(&app, &chair, json!({"review_open": false})).await;
    assert_eq!(closed["review_open"], false);
    assert!(closed["review_closes_at"].is_string());
    refused(put_review(&app, &rhea.token, &p, 5, 3).await);
    let kept = reviews_of(&app, &rhea.token, &p).await;
    assert_eq!(kept["items"][0]["score"], 3);
    assert_eq!(kept["items"][0]["versions"], 1);

    // reopened, then a window that ended yesterday, then one that starts tomorrow
    open_review(&app, &chair).await;
    review_ok(&app, &rhea.token, &p, 4, 2).await;
    let now = chrono::Utc::now();
    let day = chrono::Duration::days(1);
    let past = patch_event(
        &app,
        &chair,
        json!({"review_opens_at": (now - day * 10).to_rfc3339(), "review_closes_at": (now - day).to_rfc3339()}),
    )
    .await;
    assert_eq!(past["review_open"], false);
    refused(put_review(&app, &rhea.token, &p, 5, 3).await);
    let future = patch_event(
        &app,
        &chair,
        json!({"review_opens_at": (now + day).to_rfc3339(), "review_closes_at": null}),
    )
    .await;
    assert_eq!(future["review_open"], false);
    refused(put_review(&app, &rhea.token, &p, 5, 3).await);
    // a window the right way round with closing in the future is open
    let window = patch_event(
        &app,
        &chair,
        json!({"review_opens_at": (now - day).to_rfc3339(), "review_closes_at": (now + day).to_rfc3339()}),
    )
    .await;
    assert_eq!(window["review_open"], true);
    review_ok(&app, &rhea.token, &p, 5, 3).await;
    // closing before opening is refused
    let problem = expect(
        &app,
        Method::PATCH,
        EVENT,
        &chair,
        Some(&json!({"review_opens_at": (now + day).to_rfc3339(), "review_closes_at": now.to_rfc3339()})),
        422,
    )
    .await;
    assert!(field_error(&problem, "review_closes_at"), "{problem}");
    // reviewers do not change the phase
    expect(
        &app,
        Method::PATCH,
        EVENT,
        &rhea.token,
        Some(&json!({"review_open": false})),
        403,
    )
    .await;
    let last = reviews_of(&app, &chair, &p).await;
    assert_eq!(last["items"][0]["score"], 5);
    assert_eq!(last["items"][0]["versions"], 3);
}

// ---------------------------------------------------------------- validation, one review each

#[tokio::test]
async fn bad_reviews_are_422_naming_the_field_and_a_second_put_updates_the_one_review() {
    use mcfp::schema::{review_history, reviews};

    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;
    let rhea = person(&app, "rhea@reviewers.test", "Rhea Reviewer").await;
    add_member(&app, &chair, &rhea.email, "reviewer", Value::Null).await;
    let p = submit(&app, &sam.token, "Writing a Rust NVMe driver", &[]).await;
    assign(&app, &chair, &p, &[&rhea.id]).await;
    open_review(&app, &chair).await;
    let path = format!("/api/v1/proposals/{p}/review");
    let long = "x".repeat(10_001);
    let cases = [
        (json!({"score": 0, "confidence": 2}), "score"),
        (json!({"score": 6, "confidence": 2}), "score"),
        (json!({"score": -1, "confidence": 2}), "score"),
        (json!({"score": 99999, "confidence": 2}), "score"),
        (json!({"score": 3.5, "confidence": 2}), "score"),
        (json!({"score": "high", "confidence": 2}), "score"),
        (json!({"score": null, "confidence": 2}), "score"),
        (json!({"confidence": 2}), "score"),
        (json!({"score": 3, "confidence": 4}), "confidence"),
        (json!({"score": 3, "confidence": 0}), "confidence"),
        (json!({"score": 3, "confidence": "high"}), "confidence"),
        (
            json!({"score": 3, "confidence": 2, "comment_for_chairs": 42}),
            "comment_for_chairs",
        ),
        (
            json!({"score": 3, "confidence": 2, "comment_for_speakers": ["a"]}),
            "comment_for_speakers",
        ),
        (
            json!({"score": 3, "confidence": 2, "comment_for_speakers": long}),
            "comment_for_speakers",
        ),
    ];
    for (body, field) in &cases {
        let problem = expect(&app, Method::PUT, &path, &rhea.token, Some(body), 422).await;
        assert!(
            field_error(&problem, field),
            "{body} should name {field}: {problem}"
        );
    }
    // both fields wrong: both named
    let both = expect(
        &app,
        Method::PUT,
        &path,
        &rhea.token,
        Some(&json!({"score": 9, "confidence": 9})),
        422,
    )
    .await;
    assert!(
        field_error(&both, "score") && field_error(&both, "confidence"),
        "{both}"
    );
    // not JSON at all
    let (status, _) = {
        let response = app
            .new_client()
            .put(app.url(&path))
            .bearer_auth(&rhea.token)
            .header("Content-Type", "application/json")
            .body("{score: 3")
            .send()
            .await
            .expect("send");
        (response.status().as_u16(), ())
    };
    assert_eq!(status, 400);

    let count = |app: &TestApp| {
        let pool = app.state.pool.clone();
        async move {
            let mut conn = pool.get().await.expect("conn");
            let r: i64 = reviews::table
                .count()
                .get_result(&mut conn)
                .await
                .expect("count");
            let h: i64 = review_history::table
                .count()
                .get_result(&mut conn)
                .await
                .expect("count");
            (r, h)
        }
    };
    assert_eq!(count(&app).await, (0, 0), "nothing stored");
    assert_eq!(reviews_of(&app, &chair, &p).await["items"], json!([]));

    // the scale's ends are fine; a second PUT changes the same review and keeps both versions
    let first = expect(
        &app,
        Method::PUT,
        &path,
        &rhea.token,
        Some(&json!({"score": 1, "confidence": 1, "comment_for_chairs": "  Too early.  "})),
        200,
    )
    .await;
    assert_eq!(first["versions"], 1);
    assert_eq!(first["score_label"], "strong reject");
    assert_eq!(first["comment_for_chairs"], "Too early.");
    assert_eq!(first["mine"], true);
    assert_eq!(first["former_reviewer"], false);
    let second = expect(
        &app,
        Method::PUT,
        &path,
        &rhea.token,
        Some(&json!({"score": 5, "confidence": 3, "comment_for_speakers": "Great."})),
        200,
    )
    .await;
    assert_eq!(second["id"], first["id"]);
    assert_eq!(second["versions"], 2);
    assert_eq!(second["score"], 5);
    assert_eq!(
        second["comment_for_chairs"], "",
        "a PUT replaces the whole review"
    );
    assert_eq!(count(&app).await, (1, 2));
    let listed = reviews_of(&app, &chair, &p).await;
    let items = listed["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["versions"], 2);
    assert_eq!(items[0]["score"], 5);
    assert_eq!(items[0]["confidence"], 3);
    assert_eq!(items[0]["reviewer_name"], "Rhea Reviewer");
    // a bad update changes nothing
    expect(
        &app,
        Method::PUT,
        &path,
        &rhea.token,
        Some(&json!({"score": 7, "confidence": 3})),
        422,
    )
    .await;
    assert_eq!(count(&app).await, (1, 2));
    // saving at once from several tabs: still one review, every version kept, never a 5xx
    let bodies: Vec<Value> = (1..=5)
        .map(|score| json!({"score": score, "confidence": 2}))
        .collect();
    let saves = bodies
        .iter()
        .map(|body| expect(&app, Method::PUT, &path, &rhea.token, Some(body), 200));
    let saved = futures_util::future::join_all(saves).await;
    assert!(saved.iter().all(|v| v["id"] == first["id"]));
    assert_eq!(count(&app).await, (1, 7));
    let versions: Vec<i64> = saved
        .iter()
        .map(|v| v["versions"].as_i64().expect("n"))
        .collect();
    assert_eq!(
        versions.iter().copied().collect::<BTreeSet<_>>(),
        (3..=7).collect(),
        "{versions:?}"
    );
    // the last save wins
    let last = saved
        .iter()
        .find(|v| v["versions"] == 7)
        .expect("the last save");
    let stored = reviews_of(&app, &chair, &p).await;
    assert_eq!(stored["items"][0]["score"], last["score"]);
    assert_eq!(stored["items"][0]["versions"], 7);
    // the queue shows her score
    let queue = expect(
        &app,
        Method::GET,
        &format!("{EVENT}/review-queue"),
        &rhea.token,
        None,
        200,
    )
    .await;
    assert_eq!(queue["items"][0]["my_score"], last["score"]);
    assert_eq!(queue["review_open"], true);
}

// ---------------------------------------------------------------- member removal

#[tokio::test]
async fn a_removed_reviewers_reviews_stay_as_a_former_reviewers_and_their_assignments_go() {
    use mcfp::schema::review_assignments;

    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;
    let rhea = person(&app, "rhea@reviewers.test", "Rhea Reviewer").await;
    let ben = person(&app, "ben@reviewers.test", "Ben Reviewer").await;
    for r in [&rhea, &ben] {
        add_member(&app, &chair, &r.email, "reviewer", Value::Null).await;
    }
    let p = submit(&app, &sam.token, "Writing a Rust NVMe driver", &[]).await;
    let q = submit(&app, &sam.token, "Rust in GCC, two years on", &[]).await;
    assign(&app, &chair, &p, &[&rhea.id, &ben.id]).await;
    assign(&app, &chair, &q, &[&rhea.id]).await;
    open_review(&app, &chair).await;
    review_ok(&app, &rhea.token, &p, 4, 3).await;
    assert_eq!(
        reviews_of(&app, &chair, &p).await["items"][0]["former_reviewer"],
        false
    );

    expect(
        &app,
        Method::DELETE,
        &format!("{EVENT}/members/{}", rhea.id),
        &chair,
        None,
        204,
    )
    .await;
    let kept = reviews_of(&app, &chair, &p).await;
    let items = kept["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{kept}");
    assert_eq!(items[0]["reviewer_id"], rhea.id.as_str());
    assert_eq!(items[0]["reviewer_name"], "Rhea Reviewer");
    assert_eq!(items[0]["former_reviewer"], true);
    assert_eq!(items[0]["score"], 4);
    assert_eq!(
        assigned_ids(&app, &chair, &p).await,
        BTreeSet::from([ben.id.clone()])
    );
    assert!(assigned_ids(&app, &chair, &q).await.is_empty());
    let mut conn = app.state.pool.get().await.expect("conn");
    let left: i64 = review_assignments::table
        .filter(review_assignments::reviewer_id.eq(rhea.id.parse::<uuid::Uuid>().expect("uuid")))
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    drop(conn);
    assert_eq!(left, 0);
    // she no longer sees or reviews anything; her review still counts in the ranking
    expect(
        &app,
        Method::GET,
        &format!("/api/v1/proposals/{p}"),
        &rhea.token,
        None,
        404,
    )
    .await;
    expect(
        &app,
        Method::GET,
        &format!("/api/v1/proposals/{p}/reviews"),
        &rhea.token,
        None,
        404,
    )
    .await;
    let (status, _) = put_review(&app, &rhea.token, &p, 1, 1).await;
    assert_eq!(status, 404);
    let progress = expect(
        &app,
        Method::GET,
        &format!("{EVENT}/reviewers"),
        &chair,
        None,
        200,
    )
    .await;
    assert_eq!(ids_of(&progress["items"], "id"), [ben.id.as_str()]);
    let ranking = expect(
        &app,
        Method::GET,
        &format!("{EVENT}/ranking"),
        &chair,
        None,
        200,
    )
    .await;
    let first = &ranking["items"][0];
    assert_eq!(first["proposal_id"], p.as_str());
    assert_eq!(first["n"], 1);
    assert_eq!(first["assigned"], 1);
}

// ---------------------------------------------------------------- the ranking

fn close(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-6)
}

#[tokio::test]
async fn the_ranking_aggregates_calibrates_filters_by_track_and_exports_csv() {
    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;
    let uma = person(&app, "uma@speakers.test", "Uma Speaker").await;
    let x = person(&app, "xavier@reviewers.test", "Xavier Lenient").await;
    let y = person(&app, "yolanda@reviewers.test", "Yolanda Reviewer").await;
    let z = person(&app, "zed@reviewers.test", "Zed Reviewer").await;
    for r in [&x, &y, &z] {
        add_member(&app, &chair, &r.email, "reviewer", Value::Null).await;
    }
    let a = submit(&app, &sam.token, "Alpha: a Rust NVMe driver", &[]).await;
    let b = submit(&app, &sam.token, "Beta: Rust in GCC", &[]).await;
    let c = submit(&app, &sam.token, "Gamma: async in embedded Rust", &[]).await;
    let e = submit(&app, &sam.token, "=Epsilon, \"unreviewed\"", &[]).await;
    let d = submit(&app, &uma.token, "Delta: to be withdrawn", &[]).await;
    set_track(&app, &chair, &a, "rust-for-linux").await;
    for id in [&b, &c, &d, &e] {
        set_track(&app, &chair, id, "rust").await;
    }
    let all = [&x.id, &y.id, &z.id];
    for id in [&a, &b, &c, &d] {
        assign(&app, &chair, id, &all.map(String::as_str)).await;
    }
    open_review(&app, &chair).await;
    // Xavier is lenient (5, 5, 4); Yolanda (4, 2, 1) and Zed (4, 3, 2) use the scale
    for (reviewer, scores) in [(&x, [5, 5, 4]), (&y, [4, 2, 1]), (&z, [4, 3, 2])] {
        for (proposal, score) in [&a, &b, &c].into_iter().zip(scores) {
            review_ok(&app, &reviewer.token, proposal, score, 2).await;
        }
        // everyone loves Delta, which is then withdrawn: it counts nowhere
        review_ok(&app, &reviewer.token, &d, 5, 3).await;
    }
    expect(
        &app,
        Method::POST,
        &format!("/api/v1/proposals/{d}/withdraw"),
        &uma.token,
        None,
        200,
    )
    .await;
    // a withdrawn proposal gets no reviewers
    let withdrawn = expect(
        &app,
        Method::PUT,
        &format!("/api/v1/proposals/{d}/assignments"),
        &chair,
        Some(&json!({"reviewer_ids": [x.id]})),
        409,
    )
    .await;
    assert_eq!(withdrawn["status"], 409);

    let ranking = expect(
        &app,
        Method::GET,
        &format!("{EVENT}/ranking"),
        &chair,
        None,
        200,
    )
    .await;
    let items = ranking["items"].as_array().expect("items");
    assert_eq!(
        ids_of(&ranking["items"], "proposal_id"),
        [a.as_str(), &b, &c, &e],
        "{ranking}"
    );
    // Hand-computed. Raw: A {5,4,4}, B {5,2,3}, C {4,1,2}. Calibration: the 9 scores have mean
    // 30/9 = 3.333 and sample stdev √2; Xavier (mean 14/3, sd 1/√3), Yolanda (7/3, sd √(7/3))
    // and Zed (3, sd 1) each become z-scores mapped back as 10/3 + z·√2; equal confidences, so
    // the calibrated score is the plain mean of those: A 4.591, B 3.503, C 1.906.
    let expected = [
        (
            &a,
            "rust-for-linux",
            13.0 / 3.0,
            4.0,
            (1.0f64 / 3.0).sqrt(),
            4.591_247_880_973_9,
            false,
        ),
        (
            &b,
            "rust",
            10.0 / 3.0,
            3.0,
            (7.0f64 / 3.0).sqrt(),
            3.502_629_960_334_5,
            true,
        ),
        (
            &c,
            "rust",
            7.0 / 3.0,
            2.0,
            (7.0f64 / 3.0).sqrt(),
            1.906_122_158_691_6,
            true,
        ),
    ];
    for (item, (id, track, mean, median, stdev, calibrated, disagreement)) in
        items.iter().zip(expected)
    {
        assert_eq!(item["proposal_id"], id.as_str());
        assert_eq!(item["track"], track);
        assert_eq!(item["n"], 3, "{item}");
        assert_eq!(item["assigned"], 3, "{item}");
        assert!(close(&item["mean"], mean), "mean {item}");
        assert!(close(&item["median"], median), "median {item}");
        assert!(close(&item["stdev"], stdev), "stdev {item}");
        assert!(close(&item["calibrated"], calibrated), "calibrated {item}");
        assert_eq!(item["disagreement"], disagreement, "{item}");
        assert_eq!(item["speakers"], json!(["Sam Submitter"]));
    }
    assert_eq!(items[0]["title"], "Alpha: a Rust NVMe driver");
    assert_eq!(items[0]["distribution"], json!([0, 0, 0, 2, 1]));
    // unreviewed last, with nothing to say
    assert_eq!(items[3]["n"], 0);
    assert_eq!(items[3]["mean"], Value::Null);
    assert_eq!(items[3]["calibrated"], Value::Null);
    assert_eq!(items[3]["disagreement"], false);
    assert!(
        !ranking.to_string().contains(&d),
        "withdrawn proposals are not ranked"
    );

    // one track: the same numbers (calibration still sees every review), only that track
    let rust = expect(
        &app,
        Method::GET,
        &format!("{EVENT}/ranking?track=rust"),
        &chair,
        None,
        200,
    )
    .await;
    assert_eq!(ids_of(&rust["items"], "proposal_id"), [b.as_str(), &c, &e]);
    assert_eq!(rust["items"][0], items[1]);
    let rfl = expect(
        &app,
        Method::GET,
        &format!("{EVENT}/ranking?track=rust-for-linux"),
        &chair,
        None,
        200,
    )
    .await;
    assert_eq!(ids_of(&rfl["items"], "proposal_id"), [a.as_str()]);
    let none = expect(
        &app,
        Method::GET,
        &format!("{EVENT}/ranking?track=no-such-track"),
        &chair,
        None,
        200,
    )
    .await;
    assert_eq!(none["items"], json!([]));

    // the CSV: a header and one row per proposal, best first
    let response = app
        .new_client()
        .get(app.url(&format!("{EVENT}/ranking.csv")))
        .bearer_auth(&chair)
        .send()
        .await
        .expect("csv");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    let csv = response.text().await.expect("body");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "rank,proposal_id,title,track,state,speakers,n,assigned,mean,median,stdev,calibrated,disagreement"
    );
    assert_eq!(lines.len(), 5, "{csv}");
    assert_eq!(
        lines[1],
        format!(
            "1,{a},Alpha: a Rust NVMe driver,rust-for-linux,submitted,Sam Submitter,3,3,4.333,4.000,0.577,4.591,false"
        )
    );
    assert!(
        lines[2].starts_with(&format!("2,{b},Beta: Rust in GCC,rust,")),
        "{csv}"
    );
    assert!(
        lines[2].ends_with(",3,3,3.333,3.000,1.528,3.503,true"),
        "{csv}"
    );
    assert!(lines[3].starts_with(&format!("3,{c},")), "{csv}");
    assert_eq!(
        lines[4],
        // quoted, and defused as a spreadsheet formula
        format!(r#"4,{e},"'=Epsilon, ""unreviewed""",rust,submitted,Sam Submitter,0,0,,,,,false"#)
    );
    assert!(!csv.contains("sam@speakers.test"));
    let (status, rust_csv) = send(
        &app,
        Method::GET,
        &format!("{EVENT}/ranking.csv?track=rust"),
        Some(&chair),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(rust_csv.lines().count(), 4, "{rust_csv}");
    assert!(
        rust_csv
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with(&format!("1,{b},")))
    );
}

// ---------------------------------------------------------------- progress and reminders

#[tokio::test]
async fn reminders_go_to_reviewers_with_pending_reviews_and_list_only_what_they_may_review() {
    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;
    let uma = person(&app, "uma@speakers.test", "Uma Speaker").await;
    let rita = person(&app, "rita@reviewers.test", "Rita One").await;
    let rob = person(&app, "rob@reviewers.test", "Rob Two").await;
    let ray = person(&app, "ray@reviewers.test", "Ray Three").await;
    let ria = person(&app, "ria@reviewers.test", "Ria Four").await;
    for r in [&rita, &rob, &ria] {
        add_member(&app, &chair, &r.email, "reviewer", Value::Null).await;
    }
    add_member(&app, &chair, &ray.email, "reviewer", json!(["rust"])).await;
    let alpha = submit(&app, &sam.token, "Pending alpha talk", &[]).await;
    let beta = submit(&app, &sam.token, "Pending beta talk", &[]).await;
    let gamma = submit(&app, &sam.token, "Conflicted gamma talk", &[]).await;
    let delta = submit(&app, &uma.token, "Reviewed delta talk", &[]).await;
    let epsilon = submit(&app, &uma.token, "Withdrawn epsilon talk", &[]).await;
    let zeta = submit(&app, &uma.token, "Moved zeta talk", &[]).await;
    for id in [&alpha, &beta, &gamma, &delta, &epsilon, &zeta] {
        set_track(&app, &chair, id, "rust").await;
    }
    for (id, reviewers) in [
        (&alpha, vec![&rita.id]),
        (&beta, vec![&rita.id, &ray.id]),
        (&gamma, vec![&rita.id]),
        (&delta, vec![&rob.id]),
        (&epsilon, vec![&rita.id]),
        (&zeta, vec![&ray.id]),
    ] {
        assign(&app, &chair, id, reviewers.as_slice()).await;
    }
    open_review(&app, &chair).await;
    review_ok(&app, &rob.token, &delta, 4, 2).await;
    // after assignment: Rita becomes a co-speaker of gamma (conflicted, the assignment stays),
    // epsilon is withdrawn, and zeta moves to a track Ray does not review
    expect(
        &app,
        Method::PATCH,
        &format!("/api/v1/proposals/{gamma}"),
        &sam.token,
        Some(&json!({"co_speakers": [rita.email]})),
        200,
    )
    .await;
    expect(
        &app,
        Method::POST,
        &format!("/api/v1/proposals/{epsilon}/withdraw"),
        &uma.token,
        None,
        200,
    )
    .await;
    set_track(&app, &chair, &zeta, "rust-for-linux").await;

    let progress = expect(
        &app,
        Method::GET,
        &format!("{EVENT}/reviewers"),
        &chair,
        None,
        200,
    )
    .await;
    let by_id: BTreeMap<String, (u64, u64)> = progress["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["id"].as_str().expect("id").to_owned(),
                (
                    i["assigned"].as_u64().expect("assigned"),
                    i["done"].as_u64().expect("done"),
                ),
            )
        })
        .collect();
    assert_eq!(by_id[&rita.id], (2, 0), "{progress}");
    assert_eq!(by_id[&rob.id], (1, 1), "{progress}");
    assert_eq!(by_id[&ray.id], (1, 0), "{progress}");
    assert_eq!(by_id[&ria.id], (0, 0), "{progress}");
    let rita_row = progress["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == rita.id.as_str())
        .expect("rita");
    assert_eq!(rita_row["email"], "rita@reviewers.test");
    // the reviewers' own queues agree
    let queue = expect(
        &app,
        Method::GET,
        &format!("{EVENT}/review-queue"),
        &rita.token,
        None,
        200,
    )
    .await;
    assert_eq!(
        ids_of(&queue["items"], "proposal_id"),
        [alpha.as_str(), &beta]
    );
    let queue = expect(
        &app,
        Method::GET,
        &format!("{EVENT}/review-queue"),
        &ray.token,
        None,
        200,
    )
    .await;
    assert_eq!(ids_of(&queue["items"], "proposal_id"), [beta.as_str()]);

    let problem = expect(
        &app,
        Method::POST,
        &format!("{EVENT}/reviewers/remind"),
        &chair,
        Some(&json!({"reviewer_id": sam.id})),
        422,
    )
    .await;
    assert!(field_error(&problem, "reviewer_id"), "{problem}");
    let sent_before = app.mail.emails().len();
    let queued = expect(
        &app,
        Method::POST,
        &format!("{EVENT}/reviewers/remind"),
        &chair,
        Some(&json!({})),
        200,
    )
    .await;
    assert_eq!(queued, json!({"queued": 2}));
    app.deliver_emails().await;
    let reminders: Vec<_> = app.mail.emails()[sent_before..]
        .iter()
        .filter(|e| e.subject().contains("waiting for you"))
        .cloned()
        .collect();
    let mut recipients: Vec<String> = reminders.iter().flat_map(|e| e.to.clone()).collect();
    recipients.sort();
    assert_eq!(recipients, ["ray@reviewers.test", "rita@reviewers.test"]);
    for email in &reminders {
        let (text, html) = (email.text(), email.html());
        let (wanted, unwanted): (Vec<&str>, Vec<&str>) = if email.to == ["rita@reviewers.test"] {
            assert!(
                email
                    .subject()
                    .contains("2 reviews waiting for you at Rust MC")
            );
            (
                vec!["Pending alpha talk", "Pending beta talk"],
                vec![
                    "Conflicted gamma talk",
                    "Withdrawn epsilon talk",
                    "Moved zeta talk",
                    "Reviewed delta talk",
                ],
            )
        } else {
            assert!(
                email
                    .subject()
                    .contains("1 review waiting for you at Rust MC")
            );
            (
                vec!["Pending beta talk"],
                vec![
                    "Moved zeta talk",
                    "Pending alpha talk",
                    "Conflicted gamma talk",
                ],
            )
        };
        for title in wanted {
            assert!(
                text.contains(title) && html.contains(title),
                "{title} in {text}"
            );
        }
        for title in unwanted {
            assert!(
                !text.contains(title) && !html.contains(title) && !email.raw.contains(title),
                "{title} leaked: {text}"
            );
        }
        assert!(text.contains("Site Admin reminds you"), "{text}");
        assert!(text.contains("/events/rust-mc/review"), "{text}");
    }
}

/// An assignment that became conflicted after it was made (here: the event starts treating a
/// shared email domain as a conflict) reviews nothing, so automatic assignment replaces it.
#[tokio::test]
async fn automatic_assignment_replaces_assignments_that_became_conflicted() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event(SLUG).await;
    let speaker = person(&app, "sam@corp.example", "Sam Speaker").await;
    let colleague = person(&app, "cleo@corp.example", "Cleo Colleague").await;
    let outsider = person(&app, "otto@elsewhere.example", "Otto Outsider").await;
    add_member(&app, &admin, &colleague.email, "reviewer", Value::Null).await;
    let p = submit(&app, &speaker.token, "A driver in Rust, upstreamed", &[]).await;
    assign(&app, &admin, &p, &[&colleague.id]).await;

    patch_event(&app, &admin, json!({"conflict_same_domain": true})).await;
    add_member(&app, &admin, &outsider.email, "reviewer", Value::Null).await;
    let run = expect(
        &app,
        Method::POST,
        &format!("{EVENT}/assignments/auto"),
        &admin,
        Some(&json!({"reviewers_per_proposal": 1})),
        200,
    )
    .await;
    assert_eq!(run["assigned"], 1, "{run}");
    let ranking = expect(
        &app,
        Method::GET,
        &format!("{EVENT}/ranking"),
        &admin,
        None,
        200,
    )
    .await;
    assert_eq!(
        ranking["items"][0]["assigned"], 1,
        "only Otto counts: {ranking}"
    );
    let (status, _) = send(
        &app,
        Method::GET,
        &format!("/api/v1/proposals/{p}"),
        Some(&colleague.token),
        None,
    )
    .await;
    assert_eq!(status, 404, "the colleague no longer sees it");
}

/// The submission form promises "Only the chairs see these": reviewers never get the notes.
#[tokio::test]
async fn notes_to_the_chairs_never_reach_reviewers() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event(SLUG).await;
    let speaker = person(&app, "ada@acme.example", "Ada Speaker").await;
    let reviewer = person(&app, "rex@review.example", "Rex Reviewer").await;
    add_member(&app, &admin, &reviewer.email, "reviewer", Value::Null).await;
    let body = json!({"title": "A driver in Rust, upstreamed", "abstract": ABSTRACT,
        "notes": "Secret note: I am Ada from ACME", "format": "talk", "track": null,
        "co_speakers": [], "links": []});
    let p = submit_body(&app, &speaker.token, &body).await;
    assign(&app, &admin, &p, &[&reviewer.id]).await;

    let path = format!("/api/v1/proposals/{p}");
    let as_reviewer = expect(&app, Method::GET, &path, &reviewer.token, None, 200).await;
    assert_eq!(as_reviewer["notes"], "", "{as_reviewer}");
    let (_, list) = send(
        &app,
        Method::GET,
        &format!("{EVENT}/proposals"),
        Some(&reviewer.token),
        None,
    )
    .await;
    assert!(!list.contains("Secret note"), "{list}");
    let (browser, _) = app.browser_signed_in(&reviewer.email).await;
    let (status, page) = app.page(&browser, &format!("/proposals/{p}")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("Secret note"), "the page shows no notes");
    let as_chair = expect(&app, Method::GET, &path, &admin, None, 200).await;
    assert_eq!(as_chair["notes"], "Secret note: I am Ada from ACME");
}
