//! The speakers' answer to an acceptance: confirming or declining (only they, only for a
//! released acceptance, before the deadline), the decision history, and reminders.

use chrono::Utc;
use reqwest::Method;
use serde_json::{Value, json};

use super::{outbox_rows, talk};
use crate::helpers::{
    EVENT, Person, TestApp, add_member, answer, api, assign, decide, patch_event, person,
    proposal_as, release, send, submit,
};

/// Proposals in every state, for the confirmation checks.
struct Answers {
    admin: String,
    chair: Person,
    rev: Person,
    stranger: Person,
    sam: Person,
    cora: Person,
    wes: Person,
    accepted: String,
    rejected: String,
    waitlisted: String,
    submitted: String,
    late: String,
    unreleased: String,
}

async fn proposals_to_answer(app: &TestApp) -> Answers {
    let admin = app.admin_with_event("rust-mc").await;
    let chair = person(app, "chair@example.org", "Chris Chair").await;
    add_member(app, &admin, &chair.email, "chair").await;
    let rev = person(app, "rev@example.org", "Rev Reviewer").await;
    add_member(app, &admin, &rev.email, "reviewer").await;
    let stranger = person(app, "stranger@example.org", "Stan Stranger").await;
    let sam = person(app, "sam@example.org", "Sam Speaker").await;
    let cora = person(app, "cora@example.org", "Cora Cospeaker").await;
    let wes = person(app, "wes@example.org", "Wes Speaker").await;
    let accepted_talk = talk("An accepted talk").co_speakers(&[&cora]);
    let accepted = submit(app, &sam.token, accepted_talk).await;
    let rejected = submit(app, &wes.token, talk("A rejected talk")).await;
    let waitlisted = submit(app, &wes.token, talk("A waitlisted talk")).await;
    let submitted = submit(app, &wes.token, talk("A talk nobody decided")).await;
    let late = submit(app, &wes.token, talk("A talk confirmed too late")).await;
    let unreleased = submit(app, &sam.token, talk("An accepted but unreleased talk")).await;
    for id in [&accepted, &rejected] {
        assign(app, &chair.token, id, &[&rev.id]).await;
    }
    decide(app, &chair.token, &accepted, "waitlist").await;
    decide(app, &chair.token, &accepted, "accept").await;
    decide(app, &chair.token, &rejected, "reject").await;
    decide(app, &chair.token, &waitlisted, "waitlist").await;
    decide(app, &chair.token, &late, "accept").await;
    release(app, &chair.token).await;
    decide(app, &chair.token, &unreleased, "accept").await;
    Answers {
        admin,
        chair,
        rev,
        stranger,
        sam,
        cora,
        wes,
        accepted,
        rejected,
        waitlisted,
        submitted,
        late,
        unreleased,
    }
}

fn confirm(id: &str) -> String {
    format!("/api/v1/proposals/{id}/confirm")
}

fn decline(id: &str) -> String {
    format!("/api/v1/proposals/{id}/decline")
}

/// Who may answer: the speakers only; and only for accepted proposals: not submitted,
/// rejected, waitlisted, nor accepted-but-unreleased.
async fn assert_only_speakers_answer_acceptances(app: &TestApp, a: &Answers) {
    for (who, token, status) in [
        ("anonymous", None, 401),
        ("a stranger", Some(&a.stranger.token), 404),
        ("an assigned reviewer", Some(&a.rev.token), 403),
        ("a chair", Some(&a.chair.token), 403),
        ("a site admin", Some(&a.admin), 403),
        ("the speaker of another proposal", Some(&a.wes.token), 404),
    ] {
        for path in [confirm(&a.accepted), decline(&a.accepted)] {
            let (got, body) = send(app, Method::POST, &path, token.map(String::as_str), None).await;
            assert_eq!(got, status, "{who} {path}: {body}");
        }
    }
    assert_eq!(
        proposal_as(app, &a.sam.token, &a.accepted).await["state"],
        "accepted",
        "nobody answered yet"
    );
    for (token, id) in [
        (&a.wes.token, &a.submitted),
        (&a.wes.token, &a.rejected),
        (&a.wes.token, &a.waitlisted),
        (&a.sam.token, &a.unreleased),
    ] {
        for path in [confirm(id), decline(id)] {
            let (status, body) = send(app, Method::POST, &path, Some(token), None).await;
            assert_eq!(status, 409, "{path}: {body}");
        }
    }
}

/// The co-speaker confirms (twice: the same answer again is fine), then the submitter declines.
async fn confirm_then_decline(app: &TestApp, a: &Answers) {
    let confirmed = answer(app, &a.cora.token, &a.accepted, "confirm").await;
    assert_eq!(confirmed["state"], "confirmed");
    assert!(confirmed.get("decision").is_none());
    answer(app, &a.sam.token, &a.accepted, "confirm").await;
    let declined = answer(app, &a.sam.token, &a.accepted, "decline").await;
    assert_eq!(declined["state"], "declined");
    answer(app, &a.cora.token, &a.accepted, "decline").await;
    let (status, _) = send(
        app,
        Method::POST,
        &confirm(&a.accepted),
        Some(&a.sam.token),
        None,
    )
    .await;
    assert_eq!(status, 409, "declined is final");
    let seen = proposal_as(app, &a.cora.token, &a.accepted).await;
    assert_eq!(seen["state"], "declined");
}

/// The deadline: confirming after it is refused, declining still works.
async fn confirm_after_the_deadline(app: &TestApp, a: &Answers) {
    let past = (Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    patch_event(app, &a.chair.token, json!({"confirm_by": past})).await;
    let (status, body) = send(
        app,
        Method::POST,
        &confirm(&a.late),
        Some(&a.wes.token),
        None,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("deadline"), "{body}");
    assert_eq!(
        proposal_as(app, &a.wes.token, &a.late).await["state"],
        "accepted"
    );
    patch_event(app, &a.chair.token, json!({"confirm_by": null})).await;
    answer(app, &a.wes.token, &a.late, "confirm").await;
}

/// The decision history, for the chairs only.
async fn assert_the_history(app: &TestApp, a: &Answers) {
    let history_path = format!("/api/v1/proposals/{}/decision-history", a.accepted);
    let history = api(app, Method::GET, &history_path, &a.chair.token, None, 200).await;
    let entries: Vec<(String, Value, String, Value)> = history["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            assert!(e["at"].is_string(), "{e}");
            (
                e["action"].as_str().expect("action").to_owned(),
                e["before"].clone(),
                e["after"].as_str().expect("after").to_owned(),
                e["actor"].clone(),
            )
        })
        .collect();
    let entry = |action: &str, before: Value, after: &str, actor: &str| {
        (action.to_owned(), before, after.to_owned(), json!(actor))
    };
    assert_eq!(
        entries,
        [
            entry("decide", Value::Null, "waitlist", "Chris Chair"),
            entry("decide", json!("waitlist"), "accept", "Chris Chair"),
            entry("release", json!("submitted"), "accepted", "Chris Chair"),
            entry("confirm", json!("accepted"), "confirmed", "Cora Cospeaker"),
            entry("decline", json!("confirmed"), "declined", "Sam Speaker"),
        ],
        "{history}"
    );
    assert_eq!(history["items"][0]["note"], "chairs' note: waitlist");
    for (token, status) in [
        (None, 401),
        (Some(&a.sam.token), 403),
        (Some(&a.rev.token), 403),
        (Some(&a.stranger.token), 404),
    ] {
        let (got, _) = send(
            app,
            Method::GET,
            &history_path,
            token.map(String::as_str),
            None,
        )
        .await;
        assert_eq!(got, status);
    }
}

#[tokio::test]
async fn only_the_speakers_of_an_accepted_proposal_confirm_or_decline_and_the_history_shows_it() {
    let app = TestApp::spawn().await;
    let a = proposals_to_answer(&app).await;
    assert_only_speakers_answer_acceptances(&app, &a).await;
    confirm_then_decline(&app, &a).await;
    confirm_after_the_deadline(&app, &a).await;
    assert_the_history(&app, &a).await;
}

#[tokio::test]
async fn reminders_go_only_to_the_speakers_of_accepted_unanswered_proposals() {
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    let sam = person(&app, "sam@example.org", "Sam Speaker").await;
    let cora = person(&app, "cora@example.org", "Cora Cospeaker").await;
    let cleo = person(&app, "cleo@example.org", "Cleo Confirmed").await;
    let dee = person(&app, "dee@example.org", "Dee Declined").await;
    let others = person(&app, "others@example.org", "Otto Others").await;
    let waiting_talk = talk("An accepted talk nobody answered for").co_speakers(&[&cora]);
    let waiting = submit(&app, &sam.token, waiting_talk).await;
    let confirmed = submit(&app, &cleo.token, talk("A confirmed talk")).await;
    let declined = submit(&app, &dee.token, talk("A declined talk")).await;
    let rejected = submit(&app, &others.token, talk("A rejected talk")).await;
    let waitlisted = submit(&app, &others.token, talk("A waitlisted talk")).await;
    let _undecided = submit(&app, &others.token, talk("A talk nobody decided")).await;
    let unreleased = submit(&app, &others.token, talk("An accepted but unreleased talk")).await;
    for (id, decision) in [
        (&waiting, "accept"),
        (&confirmed, "accept"),
        (&declined, "accept"),
        (&rejected, "reject"),
        (&waitlisted, "waitlist"),
    ] {
        decide(&app, &admin, id, decision).await;
    }
    patch_event(&app, &admin, json!({"confirm_by": "2029-06-01T16:00:00Z"})).await;
    release(&app, &admin).await;
    decide(&app, &admin, &unreleased, "accept").await;
    for (who, id, action) in [(&cleo, &confirmed, "confirm"), (&dee, &declined, "decline")] {
        answer(&app, &who.token, id, action).await;
    }
    app.deliver_emails().await;
    let before = app.mail.emails().len();

    let remind = format!("{EVENT}/confirmations/remind");
    let minute = Utc::now().timestamp() / 60;
    let queued = api(&app, Method::POST, &remind, &admin, None, 200).await;
    assert_eq!(queued["queued"], 2, "Sam and Cora: {queued}");
    let again = api(&app, Method::POST, &remind, &admin, None, 200).await;
    if Utc::now().timestamp() / 60 == minute {
        assert_eq!(again["queued"], 0, "a second click in the same minute");
    }
    app.deliver_emails().await;
    let reminders: Vec<_> = app
        .mail
        .emails()
        .into_iter()
        .skip(before)
        .filter(|e| e.subject() == "Please confirm your talk at Rust MC")
        .collect();
    let mut to: Vec<_> = reminders.iter().map(|e| e.to[0].clone()).collect();
    to.sort();
    to.dedup();
    assert_eq!(to, [cora.email.clone(), sam.email.clone()]);
    for email in &reminders {
        let text = email.text();
        assert!(
            text.contains("An accepted talk nobody answered for"),
            "{text}"
        );
        let link = format!("{}proposals/{waiting}/confirm", app.state.base_url);
        assert!(text.contains(&link), "{text}");
        assert!(text.contains("Please answer by 2029-06-01"), "{text}");
    }
    let rows = outbox_rows(&app, &["confirmation_reminder"]).await;
    assert!(rows.iter().all(|(to, _, state, _)| state == "sent"
        && (to.contains(&sam.email) || to.contains(&cora.email))));

    // once they answer, nobody is left to remind
    answer(&app, &cora.token, &waiting, "confirm").await;
    let queued = api(&app, Method::POST, &remind, &admin, None, 200).await;
    assert_eq!(queued["queued"], 0);
}
