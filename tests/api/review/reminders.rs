//! Reviewers' progress and reminders: only pending reviews count, and a reminder lists only
//! what its reviewer may still review.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::json;

use super::solid;
use crate::helpers::{
    EVENT, Person, SLUG, TestApp, add_member, add_member_to, answer, api, assign, field_error,
    ids_of, open_review, person, review, set_track, submit,
};

/// Rita, Rob and Ria review every track, Ray only `rust`. After the assignment Rita became a
/// co-speaker of gamma, epsilon was withdrawn, and zeta moved to a track Ray does not review.
struct Pending {
    chair: String,
    sam: Person,
    rita: Person,
    rob: Person,
    ray: Person,
    ria: Person,
    alpha: String,
    beta: String,
}

async fn pending_reviews(app: &TestApp) -> Pending {
    let chair = app.admin_with_event(SLUG).await;
    let sam = person(app, "sam@speakers.test", "Sam Submitter").await;
    let uma = person(app, "uma@speakers.test", "Uma Speaker").await;
    let rita = person(app, "rita@reviewers.test", "Rita One").await;
    let rob = person(app, "rob@reviewers.test", "Rob Two").await;
    let ray = person(app, "ray@reviewers.test", "Ray Three").await;
    let ria = person(app, "ria@reviewers.test", "Ria Four").await;
    for r in [&rita, &rob, &ria] {
        add_member(app, &chair, &r.email, "reviewer").await;
    }
    add_member_to(app, &chair, SLUG, &ray.email, "reviewer", json!(["rust"])).await;
    let alpha = submit(app, &sam.token, "Pending alpha talk").await;
    let beta = submit(app, &sam.token, "Pending beta talk").await;
    let gamma = submit(app, &sam.token, "Conflicted gamma talk").await;
    let delta = submit(app, &uma.token, "Reviewed delta talk").await;
    let epsilon = submit(app, &uma.token, "Withdrawn epsilon talk").await;
    let zeta = submit(app, &uma.token, "Moved zeta talk").await;
    for id in [&alpha, &beta, &gamma, &delta, &epsilon, &zeta] {
        set_track(app, &chair, id, "rust").await;
    }
    for (id, reviewers) in [
        (&alpha, vec![&rita.id]),
        (&beta, vec![&rita.id, &ray.id]),
        (&gamma, vec![&rita.id]),
        (&delta, vec![&rob.id]),
        (&epsilon, vec![&rita.id]),
        (&zeta, vec![&ray.id]),
    ] {
        assign(app, &chair, id, reviewers.as_slice()).await;
    }
    open_review(app, &chair).await;
    review(app, &rob.token, &delta, &solid(4, 2)).await;
    // after assignment: Rita becomes a co-speaker of gamma (conflicted, the assignment stays),
    // epsilon is withdrawn, and zeta moves to a track Ray does not review
    let gamma_path = format!("/api/v1/proposals/{gamma}");
    let co_speaking = json!({"co_speakers": [rita.email]});
    api(
        app,
        Method::PATCH,
        &gamma_path,
        &sam.token,
        Some(&co_speaking),
        200,
    )
    .await;
    answer(app, &uma.token, &epsilon, "withdraw").await;
    set_track(app, &chair, &zeta, "rust-for-linux").await;
    Pending {
        chair,
        sam,
        rita,
        rob,
        ray,
        ria,
        alpha,
        beta,
    }
}

/// The chairs' progress and the reviewers' own queues count only what is left to review.
async fn assert_progress_and_queues(app: &TestApp, p: &Pending) {
    let progress_path = format!("{EVENT}/reviewers");
    let progress = api(app, Method::GET, &progress_path, &p.chair, None, 200).await;
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
    assert_eq!(by_id[&p.rita.id], (2, 0), "{progress}");
    assert_eq!(by_id[&p.rob.id], (1, 1), "{progress}");
    assert_eq!(by_id[&p.ray.id], (1, 0), "{progress}");
    assert_eq!(by_id[&p.ria.id], (0, 0), "{progress}");
    let rita_row = progress["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == p.rita.id.as_str())
        .expect("rita");
    assert_eq!(rita_row["email"], "rita@reviewers.test");
    let queue_path = format!("{EVENT}/review-queue");
    let queue = api(app, Method::GET, &queue_path, &p.rita.token, None, 200).await;
    assert_eq!(
        ids_of(&queue["items"], "proposal_id"),
        [p.alpha.as_str(), &p.beta]
    );
    let queue = api(app, Method::GET, &queue_path, &p.ray.token, None, 200).await;
    assert_eq!(ids_of(&queue["items"], "proposal_id"), [p.beta.as_str()]);
}

/// Each reminder names the titles its reviewer may still review, and no other.
fn assert_what_a_reminder_lists(email: &crate::helpers::ReceivedEmail) {
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

#[tokio::test]
async fn reminders_go_to_reviewers_with_pending_reviews_and_list_only_what_they_may_review() {
    let app = TestApp::spawn().await;
    let p = pending_reviews(&app).await;
    assert_progress_and_queues(&app, &p).await;

    let remind = format!("{EVENT}/reviewers/remind");
    let speaker = json!({"reviewer_id": p.sam.id});
    let problem = api(&app, Method::POST, &remind, &p.chair, Some(&speaker), 422).await;
    assert!(field_error(&problem, "reviewer_id"), "{problem}");
    let sent_before = app.mail.emails().len();
    let queued = api(&app, Method::POST, &remind, &p.chair, Some(&json!({})), 200).await;
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
        assert_what_a_reminder_lists(email);
    }
}
