//! Who may do what: every review route by every role, including reviewers who are conflicted,
//! co-speakers, or restricted to another track.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::{Value, json};

use super::assigned_ids;
use crate::helpers::{
    EVENT, Person, Proposal, SLUG, TestApp, accept_invitation, add_member, add_member_to, api,
    assign, field_error, open_review, patch_event, person, send, set_track, submit,
};

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

/// Manual assignment takes members only, never conflicted or outside the reviewer's tracks.
async fn assert_assignment_rules(app: &TestApp, chair: &str, p: &str, people: [&Person; 4]) {
    let [rhea, tess, cora, sam] = people;
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
        let body = json!({"reviewer_ids": bad});
        let problem = api(app, Method::PUT, &assignments, chair, Some(&body), 422).await;
        assert!(field_error(&problem, "reviewer_ids"), "{why}: {problem}");
    }
}

/// Dan declares a conflict: his assignment goes, and he cannot be assigned again; a speaker's
/// own conflict cannot be cleared, not even by a chair.
async fn assert_conflicts_block_assignment(
    app: &TestApp,
    chair: &str,
    p: &str,
    people: [&Person; 3],
) {
    let [rhea, dan, cora] = people;
    let conflicts = format!("/api/v1/proposals/{p}/conflicts");
    let declare = json!({"reviewer_id": dan.id, "conflicted": true});
    let conflict = api(
        app,
        Method::PUT,
        &conflicts,
        &dan.token,
        Some(&declare),
        200,
    )
    .await;
    assert_eq!(conflict["conflicted"], true);
    assert_eq!(conflict["reason"], "declared");
    assert_eq!(
        assigned_ids(app, chair, p).await,
        BTreeSet::from([rhea.id.clone()])
    );
    let assignments = format!("/api/v1/proposals/{p}/assignments");
    let both = json!({"reviewer_ids": [rhea.id, dan.id]});
    let problem = api(app, Method::PUT, &assignments, chair, Some(&both), 422).await;
    assert!(field_error(&problem, "reviewer_ids"), "{problem}");
    let clear = json!({"reviewer_id": cora.id, "conflicted": false});
    let cleared = api(app, Method::PUT, &conflicts, chair, Some(&clear), 409).await;
    assert_eq!(cleared["status"], 409);
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
        add_member(&app, &admin, &chair.email, "chair").await;
        for reviewer in [&rhea, &una, &dan, &cora] {
            add_member(&app, &admin, &reviewer.email, "reviewer").await;
        }
        add_member_to(&app, &admin, SLUG, &tess.email, "reviewer", json!(["rust"])).await;

        let nvme = Proposal::titled("Writing a Rust NVMe driver").invite(&[&cora.email]);
        let p = submit(&app, &sam.token, nvme).await;
        let q = submit(&app, &uma.token, "Rust in GCC, two years on").await;
        accept_invitation(&app, &cora).await;
        let c = &chair.token;
        set_track(&app, c, &p, "rust-for-linux").await;
        set_track(&app, c, &q, "rust").await;

        assert_assignment_rules(&app, c, &p, [&rhea, &tess, &cora, &sam]).await;
        let view = assign(&app, c, &p, &[&rhea.id, &dan.id]).await;
        let reviewers = view["reviewers"].as_array().expect("reviewers");
        assert_eq!(reviewers.len(), 2);
        assert!(
            reviewers
                .iter()
                .all(|r| r["source"] == "manual" && r["reviewed"] == false)
        );
        assert_conflicts_block_assignment(&app, c, &p, [&rhea, &dan, &cora]).await;
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

/// Every review route, by every role.
fn routes(p: &str, rhea: &str) -> Vec<Row> {
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
    table
}

/// When reviewers may review anything, the unassigned reviewer sees and reviews it; conflicts
/// and track restrictions still hide it.
fn see_all_routes(p: &str) -> Vec<Row> {
    vec![
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
    ]
}

#[tokio::test]
async fn every_review_route_by_every_role() {
    let m = Matrix::new().await;
    let (p, q) = (m.p.clone(), m.q.clone());
    let rhea = m.ids["rhea"].clone();
    let failures = m.check(&routes(&p, &rhea)).await;
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
    let reviewers: BTreeSet<String> = ["rhea", "una", "dan", "cora", "tess"]
        .iter()
        .map(|r| m.ids[r].clone())
        .collect();
    assert!(on_q.is_subset(&reviewers));

    patch_event(&m.app, &admin, json!({"reviewers_see_all": true})).await;
    let failures = m.check(&see_all_routes(&p)).await;
    assert!(
        failures.is_empty(),
        "with reviewers_see_all, {} failed cell(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
