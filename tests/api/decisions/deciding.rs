//! Deciding in bulk: by proposals or by track, only the undecided, never across events.

use reqwest::Method;
use serde_json::{Value, json};

use super::{another_event, release_summary, talk};
use crate::helpers::{
    EVENT, Person, TestApp, answer, api, decide, field_error, person, proposal_as, send, set_track,
    submit,
};

/// Five proposals, four in `rust` and one in `rust-for-linux`: the first accepted, the last
/// withdrawn; and one of the first speaker's at another event.
struct Tracks {
    admin: String,
    speakers: Vec<Person>,
    ids: Vec<String>,
    elsewhere: String,
}

async fn five_proposals_in_two_tracks(app: &TestApp) -> Tracks {
    let admin = app.admin_with_event("rust-mc").await;
    another_event(app, &admin, "go-mc").await;
    let mut speakers = Vec::new();
    for (email, name) in [
        ("a@example.org", "Ana"),
        ("b@example.org", "Ben"),
        ("c@example.org", "Cai"),
        ("d@example.org", "Dan"),
        ("e@example.org", "Eve"),
    ] {
        speakers.push(person(app, email, name).await);
    }
    let mut ids = Vec::new();
    for (i, speaker) in speakers.iter().enumerate() {
        ids.push(submit(app, &speaker.token, talk(&format!("Proposal {i}"))).await);
    }
    for (id, track) in ids
        .iter()
        .zip(["rust", "rust", "rust", "rust-for-linux", "rust"])
    {
        set_track(app, &admin, id, track).await;
    }
    let elsewhere = submit(app, &speakers[0].token, talk("Elsewhere").to("go-mc")).await;
    decide(app, &admin, &ids[0], "accept").await;
    answer(app, &speakers[4].token, &ids[4], "withdraw").await;
    Tracks {
        admin,
        speakers,
        ids,
        elsewhere,
    }
}

/// Mistakes: 422 and nothing decided.
async fn assert_bad_bulk_decisions_are_refused(app: &TestApp, t: &Tracks) {
    let (ids, elsewhere) = (&t.ids, &t.elsewhere);
    let bulk = format!("{EVENT}/decisions");
    for (body, field) in [
        (json!({"decision": "reject"}), "proposal_ids"),
        (
            json!({"decision": "reject", "track": "rust", "proposal_ids": [ids[1]]}),
            "proposal_ids",
        ),
        (
            json!({"decision": "maybe", "proposal_ids": [ids[1]]}),
            "decision",
        ),
        (
            json!({"decision": "reject", "proposal_ids": [ids[1], uuid::Uuid::new_v4()]}),
            "proposal_ids",
        ),
        // an id of another event is as unknown here as a made-up one
        (
            json!({"decision": "reject", "proposal_ids": [ids[1], elsewhere]}),
            "proposal_ids",
        ),
        (
            json!({"decision": "reject", "proposal_ids": [ids[1]], "note": "x".repeat(5001)}),
            "note",
        ),
    ] {
        let (status, text) = send(app, Method::POST, &bulk, Some(&t.admin), Some(&body)).await;
        assert_eq!(status, 422, "{body}: {text}");
        let problem: Value = serde_json::from_str(&text).expect("problem+json");
        assert!(field_error(&problem, field), "{body}: {problem}");
    }
    assert!(proposal_as(app, &t.admin, &ids[1]).await["decision"].is_null());
}

/// "Reject the rest of the track": the undecided, not the decided, not the withdrawn; then a
/// waitlisting by proposal.
async fn decide_the_rest_of_a_track(app: &TestApp, t: &Tracks) {
    let bulk = format!("{EVENT}/decisions");
    let rest = json!({"track": "rust", "undecided_only": true, "decision": "reject",
        "note": "the rest of the track"});
    let outcome = api(app, Method::POST, &bulk, &t.admin, Some(&rest), 200).await;
    assert_eq!(outcome["decided"], 2);
    let views = t.ids.iter().map(|id| proposal_as(app, &t.admin, id));
    let decisions: Vec<Value> = futures_util::future::join_all(views)
        .await
        .into_iter()
        .map(|p| p["decision"]["decision"].clone())
        .collect();
    assert_eq!(
        decisions,
        [
            json!("accept"),
            json!("reject"),
            json!("reject"),
            Value::Null,
            Value::Null
        ]
    );
    let waitlist = json!({"proposal_ids": [t.ids[3]], "decision": "waitlist"});
    let outcome = api(app, Method::POST, &bulk, &t.admin, Some(&waitlist), 200).await;
    assert_eq!(outcome["decided"], 1);
}

#[tokio::test]
async fn bulk_decisions_by_proposals_or_by_track_and_only_the_undecided() {
    let app = TestApp::spawn().await;
    let t = five_proposals_in_two_tracks(&app).await;
    let (admin, ids) = (&t.admin, &t.ids);
    assert_bad_bulk_decisions_are_refused(&app, &t).await;
    decide_the_rest_of_a_track(&app, &t).await;

    let history_path = format!("/api/v1/proposals/{}/decision-history", ids[1]);
    let history = api(&app, Method::GET, &history_path, admin, None, 200).await;
    assert_eq!(history["items"][0]["action"], "decide");
    assert_eq!(history["items"][0]["after"], "reject");
    assert_eq!(history["items"][0]["note"], "the rest of the track");
    assert_eq!(
        release_summary(&app, admin).await,
        json!({"unreleased": 4, "accept": 1, "reject": 2, "waitlist": 1})
    );
    // still invisible to the speakers
    for (speaker, id) in t.speakers.iter().zip(ids).take(4) {
        let seen = proposal_as(&app, &speaker.token, id).await;
        assert_eq!(seen["state"], "submitted");
        assert!(seen.get("decision").is_none());
    }
    // a withdrawn proposal is not decided one by one either
    let decision = |id: &str| format!("/api/v1/proposals/{id}/decision");
    let reject = json!({"decision": "reject"});
    let (status, _) = send(
        &app,
        Method::PUT,
        &decision(&ids[4]),
        Some(admin),
        Some(&reject),
    )
    .await;
    assert_eq!(status, 409);
    let accepted = json!({"decision": "accepted"});
    let (status, _) = send(
        &app,
        Method::PUT,
        &decision(&ids[1]),
        Some(admin),
        Some(&accepted),
    )
    .await;
    assert_eq!(status, 422);
}
