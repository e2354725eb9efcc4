//! Automatic assignment: balanced, never conflicted, within the reviewers' tracks, keeping the
//! manual assignments, and serialized when two chairs click at once.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use mcfp::db::proposals::{NewProposal, insert};
use mcfp::domain::{ProposalId, UserId};
use mcfp::schema::{co_speakers, review_assignments, review_conflicts};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    ABSTRACT, EVENT, SLUG, TestApp, add_member, add_member_to, api, assign, field_error,
    patch_event, person, send, submit,
};

type Pair = (uuid::Uuid, uuid::Uuid);

/// 200 active proposals (and a withdrawn one) and 15 reviewers, with conflicts of every kind
/// and some manual assignments.
struct Seeded {
    chair: String,
    reviewers: Vec<uuid::Uuid>,
    /// (proposal, track) of the active proposals.
    proposals: Vec<(uuid::Uuid, &'static str)>,
    /// (reviewer, proposal) pairs that must never be assigned.
    conflicted: BTreeSet<Pair>,
    /// (reviewer, proposal) pairs a chair assigned.
    manual: BTreeSet<Pair>,
}

/// 15 reviewers; the last one reviews only the `rust` track. Returns their ids and emails.
async fn fifteen_reviewers(app: &TestApp, chair: &str) -> (Vec<uuid::Uuid>, Vec<String>) {
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
        add_member_to(app, chair, SLUG, &email, "reviewer", tracks).await;
        reviewers.push(id.parse().expect("uuid"));
        emails.push(email);
    }
    (reviewers, emails)
}

/// 200 active proposals and one withdrawn, half in each track, straight into the database;
/// proposals 0–14: each reviewer submitted one. Returns them and the reviewers' own.
async fn two_hundred_proposals(
    conn: &mut AsyncPgConnection,
    reviewers: &[uuid::Uuid],
    speaker: uuid::Uuid,
) -> (Vec<(uuid::Uuid, &'static str)>, BTreeSet<Pair>) {
    let event = mcfp::db::events::find_by_slug(conn, SLUG)
        .await
        .expect("query")
        .expect("event");
    let mut proposals: Vec<(uuid::Uuid, &str)> = Vec::new();
    let mut own_proposals: BTreeSet<Pair> = BTreeSet::new();
    for i in 0..201 {
        let track = if i % 2 == 0 { "rust" } else { "rust-for-linux" };
        let own = reviewers.get(i).copied();
        let title = format!("Seeded proposal number {i:03}");
        let created = insert(
            conn,
            NewProposal {
                id: ProposalId::new(),
                event_id: event.id,
                submitter_id: UserId(own.unwrap_or(speaker)),
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
                answers: &serde_json::json!({}),
            },
        )
        .await
        .expect("insert proposal");
        if let Some(reviewer) = own {
            own_proposals.insert((reviewer, created.id.0));
        }
        if i == 200 {
            mcfp::db::proposals::set_state(
                conn,
                created.id,
                mcfp::domain::ProposalState::Withdrawn,
            )
            .await
            .expect("withdraw");
        } else {
            proposals.push((created.id.0, track));
        }
    }
    (proposals, own_proposals)
}

/// Proposals 15–29: a reviewer is a co-speaker, by accepted account or by invited email;
/// proposals 45–59: conflicts declared by reviewers. Returns the conflicted pairs.
async fn co_speaking_and_declared_conflicts(
    conn: &mut AsyncPgConnection,
    reviewers: &[uuid::Uuid],
    emails: &[String],
    proposals: &[(uuid::Uuid, &str)],
) -> BTreeSet<Pair> {
    let mut conflicted = BTreeSet::new();
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
            .execute(conn)
            .await
            .expect("co-speaker");
        conflicted.insert((reviewers[r], proposal));
    }
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
            .execute(conn)
            .await
            .expect("declared conflict");
        conflicted.insert((reviewers[r], proposal));
    }
    conflicted
}

async fn seeded(app: &TestApp) -> Seeded {
    let chair = app.admin_with_event(SLUG).await;
    let (reviewers, emails) = fifteen_reviewers(app, &chair).await;
    let speaker: uuid::Uuid = app
        .register("speaker@speakers.test", "Some Speaker")
        .await
        .parse()
        .expect("uuid");
    let mut conn = app.state.pool.get().await.expect("conn");
    let (proposals, mut conflicted) = two_hundred_proposals(&mut conn, &reviewers, speaker).await;
    conflicted.extend(
        co_speaking_and_declared_conflicts(&mut conn, &reviewers, &emails, &proposals).await,
    );
    drop(conn);
    // proposals 30–44: conflicts set by the chair through the API
    for (i, &(proposal, _)) in proposals.iter().enumerate().take(45).skip(30) {
        let r = (i * 2) % 15;
        let path = format!("/api/v1/proposals/{proposal}/conflicts");
        let body = json!({"reviewer_id": reviewers[r], "conflicted": true});
        api(app, Method::PUT, &path, &chair, Some(&body), 200).await;
        conflicted.insert((reviewers[r], proposal));
    }
    // proposals 60–69: two manual assignments each (unrestricted reviewers, not conflicted)
    let mut manual: BTreeSet<Pair> = BTreeSet::new();
    for (i, &(proposal, _)) in proposals.iter().enumerate().take(70).skip(60) {
        let pair = [reviewers[i % 14], reviewers[(i + 1) % 14]];
        assert!(pair.iter().all(|r| !conflicted.contains(&(*r, proposal))));
        assign(app, &chair, &proposal.to_string(), &pair).await;
        manual.extend(pair.map(|r| (r, proposal)));
    }
    Seeded {
        chair,
        reviewers,
        proposals,
        conflicted,
        manual,
    }
}

/// Every assignment: (reviewer, proposal, source).
async fn load_pairs(app: &TestApp) -> BTreeSet<(uuid::Uuid, uuid::Uuid, String)> {
    let mut conn = app.state.pool.get().await.expect("conn");
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
        .collect()
}

/// Three reviewers per active proposal, none conflicted or outside their tracks, the manual
/// ones kept, and balanced loads.
fn assert_assigned_as_wanted(s: &Seeded, pairs: &BTreeSet<(uuid::Uuid, uuid::Uuid, String)>) {
    let restricted = s.reviewers[14];
    let mut per_proposal: BTreeMap<uuid::Uuid, usize> = BTreeMap::new();
    let mut load: BTreeMap<uuid::Uuid, usize> = s.reviewers.iter().map(|r| (*r, 0)).collect();
    let tracks: BTreeMap<uuid::Uuid, &str> = s.proposals.iter().copied().collect();
    for (reviewer, proposal, source) in pairs {
        assert!(
            tracks.contains_key(proposal),
            "the withdrawn proposal got a reviewer"
        );
        assert!(
            !s.conflicted.contains(&(*reviewer, *proposal)),
            "conflicted pair assigned: {reviewer} {proposal}"
        );
        if *reviewer == restricted {
            assert_eq!(
                tracks[proposal], "rust",
                "the rust-only reviewer got another track"
            );
        }
        let expected_source = if s.manual.contains(&(*reviewer, *proposal)) {
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
        s.manual
            .iter()
            .all(|(r, p)| pairs.contains(&(*r, *p, "manual".to_owned())))
    );
    let unrestricted: Vec<usize> = s.reviewers[..14].iter().map(|r| load[r]).collect();
    let (min, max) = (
        *unrestricted.iter().min().expect("min"),
        *unrestricted.iter().max().expect("max"),
    );
    assert!(max - min <= 1, "unbalanced loads {unrestricted:?}");
    // 600 reviews over 15 reviewers is 40 each, and the rust-only reviewer can take 40 of 100
    assert!(load[&restricted].abs_diff(40) <= 1, "{load:?}");
}

#[tokio::test]
async fn automatic_assignment_of_200_proposals_to_15_reviewers() {
    let app = TestApp::spawn().await;
    let s = seeded(&app).await;
    let auto = format!("{EVENT}/assignments/auto");

    // two chairs click at once: the runs serialize, the second finds nothing left to do
    let k3 = json!({"reviewers_per_proposal": 3});
    let run = || api(&app, Method::POST, &auto, &s.chair, Some(&k3), 200);
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
        [json!(0), json!(600 - s.manual.len())],
        "{first} {second}"
    );
    assert_eq!(first["short"], json!([]));
    assert_eq!(second["short"], json!([]));
    let pairs = load_pairs(&app).await;
    assert_assigned_as_wanted(&s, &pairs);

    // the progress page agrees
    let progress_path = format!("{EVENT}/reviewers");
    let progress = api(&app, Method::GET, &progress_path, &s.chair, None, 200).await;
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
    let again = api(&app, Method::POST, &auto, &s.chair, Some(&k3), 200).await;
    assert_eq!(again, json!({"assigned": 0, "short": []}));
    assert_eq!(load_pairs(&app).await, pairs);
    // out of range
    for k in [0, 21] {
        let body = json!({"reviewers_per_proposal": k});
        let problem = api(&app, Method::POST, &auto, &s.chair, Some(&body), 422).await;
        assert!(field_error(&problem, "reviewers_per_proposal"), "{problem}");
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
    add_member(&app, &admin, &colleague.email, "reviewer").await;
    let p = submit(&app, &speaker.token, "A driver in Rust, upstreamed").await;
    assign(&app, &admin, &p, &[&colleague.id]).await;

    patch_event(&app, &admin, json!({"conflict_same_domain": true})).await;
    add_member(&app, &admin, &outsider.email, "reviewer").await;
    let auto = format!("{EVENT}/assignments/auto");
    let k1 = json!({"reviewers_per_proposal": 1});
    let run = api(&app, Method::POST, &auto, &admin, Some(&k1), 200).await;
    assert_eq!(run["assigned"], 1, "{run}");
    let ranking = api(
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
    let path = format!("/api/v1/proposals/{p}");
    let (status, _) = send(&app, Method::GET, &path, Some(&colleague.token), None).await;
    assert_eq!(status, 404, "the colleague no longer sees it");
}
