//! What reviewers see: no speaker under blind review (the chairs see them), the others'
//! reviews only after their own, and never the notes to the chairs.

use reqwest::Method;
use serde_json::{Value, json};

use super::solid;
use crate::helpers::{
    EVENT, Person, Proposal, SLUG, TestApp, accept_invitation, add_member, api, assign, ids_of,
    open_review, patch_event, person, put_review, review, reviews_of, send, set_track, submit,
};

/// Samuel's proposal with Grace (accepted) and Ivan (invited), and Olga's; Rhea and Ben review
/// Samuel's. Returns (chair, Rhea, Ben, Samuel's id, Olga's id).
async fn two_proposals_with_speakers(app: &TestApp) -> (String, Person, Person, String, String) {
    let chair = app.admin_with_event(SLUG).await;
    let samuel = person(app, "samuel@speakers.test", "Samuel Submitter").await;
    let grace = person(app, "grace@speakers.test", "Grace Cospeaker").await;
    let olga = person(app, "olga@speakers.test", "Olga Otherspeaker").await;
    let rhea = person(app, "rhea@reviewers.test", "Rhea Reviewer").await;
    let ben = person(app, "ben@reviewers.test", "Ben Reviewer").await;
    for r in [&rhea, &ben] {
        add_member(app, &chair, &r.email, "reviewer").await;
    }
    let nvme = Proposal::titled("Writing a Rust NVMe driver")
        .invite(&[&grace.email, "ivan.invited@speakers.test"])
        .links(&["https://samuel-submitter.example/slides"]);
    let p = submit(app, &samuel.token, nvme).await;
    let q = submit(app, &olga.token, "Rust in GCC, two years on").await;
    accept_invitation(app, &grace).await;
    set_track(app, &chair, &p, "rust-for-linux").await;
    set_track(app, &chair, &q, "rust").await;
    assign(app, &chair, &p, &[&rhea.id, &ben.id]).await;
    open_review(app, &chair).await;
    (chair, rhea, ben, p, q)
}

/// Everything Rhea reaches under blind review, before and after her own review, and once
/// reviewers may review anything: (what, status, body).
async fn what_a_blind_reviewer_reaches(
    app: &TestApp,
    chair: &str,
    rhea: &Person,
    p: &str,
    q: &str,
) -> Vec<(String, u16, String)> {
    let rt = Some(rhea.token.as_str());
    let mut seen: Vec<(String, u16, String)> = Vec::new();
    let get = |path: String| async move {
        let (status, body) = send(app, Method::GET, &path, rt, None).await;
        (format!("GET {path}"), status, body)
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
        seen.push(get(path).await);
    }
    let conflicts = format!("/api/v1/proposals/{p}/conflicts");
    let body = json!({"reviewer_id": rhea.id, "conflicted": false});
    let (status, text) = send(app, Method::PUT, &conflicts, rt, Some(&body)).await;
    seen.push(("PUT conflicts".into(), status, text));
    let (status, text) = put_review(app, &rhea.token, p, &solid(5, 2)).await;
    seen.push(("PUT review".into(), status, text));
    // after her own review she sees the others'
    let (label, status, body) = get(format!("/api/v1/proposals/{p}/reviews")).await;
    seen.push((format!("{label} (after)"), status, body));
    // reviewers who may review anything see the other proposal too, just as blind
    patch_event(app, chair, json!({"reviewers_see_all": true})).await;
    for path in [
        format!("{EVENT}/proposals"),
        format!("/api/v1/proposals/{q}"),
        format!("{EVENT}/review-queue"),
    ] {
        let (label, status, body) = get(path).await;
        seen.push((format!("{label} (see all)"), status, body));
    }
    seen
}

/// No response names a speaker; every one is a 200 but the assignments'; the list and the
/// reviews are what a blind reviewer may have.
fn assert_nothing_names_a_speaker(seen: &[(String, u16, String)], p: &str) {
    let needles = [
        "samuel",
        "grace",
        "cospeaker",
        "olga",
        "otherspeaker",
        "ivan.invited",
        "speakers.test",
    ];
    let mut problems = Vec::new();
    for (label, status, body) in seen {
        let lower = body.to_lowercase();
        let found: Vec<&str> = needles
            .iter()
            .copied()
            .filter(|n| lower.contains(n))
            .collect();
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
    assert_eq!(ids_of(&listed["items"], "id"), [p]);
    assert_eq!(listed["items"][0]["speakers"], json!([]));
    assert_eq!(listed["items"][0]["invited"], json!([]));
    assert_eq!(listed["items"][0]["links"], json!([]));
    let after: Value = serde_json::from_str(&seen[seen.len() - 4].2).expect("json");
    assert_eq!(after["items"].as_array().expect("items").len(), 2);
}

/// The chair sees who the speakers are (but no email in the ranking).
async fn assert_the_chair_sees_the_speakers(app: &TestApp, chair: &str, p: &str) {
    for path in [
        format!("/api/v1/proposals/{p}"),
        format!("{EVENT}/proposals"),
    ] {
        let (status, body) = send(app, Method::GET, &path, Some(chair), None).await;
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
    let ranking_path = format!("{EVENT}/ranking");
    let (_, ranking) = send(app, Method::GET, &ranking_path, Some(chair), None).await;
    assert!(ranking.contains("Samuel Submitter") && ranking.contains("Grace Cospeaker"));
    assert!(
        !ranking.contains("samuel@speakers.test"),
        "no emails in the ranking"
    );
}

#[tokio::test]
async fn under_blind_review_no_reviewer_response_names_a_speaker_but_chairs_see_them() {
    let app = TestApp::spawn().await;
    let (chair, rhea, ben, p, q) = two_proposals_with_speakers(&app).await;
    // without blind review a reviewer sees the speakers (so the scan below can find them)
    let path = format!("/api/v1/proposals/{p}");
    let (status, open_view) = send(&app, Method::GET, &path, Some(&rhea.token), None).await;
    assert_eq!(status, 200);
    assert!(open_view.contains("Samuel Submitter") && open_view.contains("grace@speakers.test"));

    patch_event(&app, &chair, json!({"blind_review": true})).await;
    review(&app, &ben.token, &p, &solid(4, 3)).await;
    let seen = what_a_blind_reviewer_reaches(&app, &chair, &rhea, &p, &q).await;
    assert_nothing_names_a_speaker(&seen, &p);
    assert_the_chair_sees_the_speakers(&app, &chair, &p).await;
}

#[tokio::test]
async fn a_reviewer_sees_the_others_reviews_only_after_submitting_their_own() {
    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;
    let ava = person(&app, "ava@reviewers.test", "Ava Reviewer").await;
    let bo = person(&app, "bo@reviewers.test", "Bo Reviewer").await;
    for r in [&ava, &bo] {
        add_member(&app, &chair, &r.email, "reviewer").await;
    }
    let p = submit(&app, &sam.token, "Writing a Rust NVMe driver").await;
    assign(&app, &chair, &p, &[&ava.id, &bo.id]).await;
    open_review(&app, &chair).await;

    let nobody = reviews_of(&app, &ava.token, &p).await;
    assert_eq!(nobody, json!({"items": [], "hidden": 0}));
    review(&app, &bo.token, &p, &solid(2, 3)).await;
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

    review(&app, &ava.token, &p, &solid(4, 2)).await;
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

/// The submission form promises "Only the chairs see these": reviewers never get the notes.
#[tokio::test]
async fn notes_to_the_chairs_never_reach_reviewers() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event(SLUG).await;
    let speaker = person(&app, "ada@acme.example", "Ada Speaker").await;
    let reviewer = person(&app, "rex@review.example", "Rex Reviewer").await;
    add_member(&app, &admin, &reviewer.email, "reviewer").await;
    let with_notes =
        Proposal::titled("A driver in Rust, upstreamed").notes("Secret note: I am Ada from ACME");
    let p = submit(&app, &speaker.token, with_notes).await;
    assign(&app, &admin, &p, &[&reviewer.id]).await;

    let path = format!("/api/v1/proposals/{p}");
    let as_reviewer = api(&app, Method::GET, &path, &reviewer.token, None, 200).await;
    assert_eq!(as_reviewer["notes"], "", "{as_reviewer}");
    let list_path = format!("{EVENT}/proposals");
    let (_, list) = send(&app, Method::GET, &list_path, Some(&reviewer.token), None).await;
    assert!(!list.contains("Secret note"), "{list}");
    let (browser, _) = app.browser_signed_in(&reviewer.email).await;
    let (status, page) = app.page(&browser, &format!("/proposals/{p}")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("Secret note"), "the page shows no notes");
    let as_chair = api(&app, Method::GET, &path, &admin, None, 200).await;
    assert_eq!(as_chair["notes"], "Secret note: I am Ada from ACME");
}
