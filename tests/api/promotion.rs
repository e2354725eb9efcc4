//! Waitlist promotion: a declined, withdrawn or lapsed accepted talk frees its place; per the
//! event's `waitlist_promotion` nothing more happens (`off`), the chairs are shown the
//! best-ranked fitting waitlisted talk of the same track to accept in one click (`suggest`), or
//! it is accepted and released at once (`auto`). Its speakers get exactly one acceptance email
//! each, counted at the real SMTP peer.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Committee, Person, Proposal, answer, api, assign, decide, field_error, patch_event, person,
    proposal_as, release, review, review_body, send, submit,
};

const PROMOTIONS: &str = "/api/v1/events/rust-mc/promotions";

pub struct Scene {
    pub c: Committee,
    /// A co-speaker of `best`.
    pub co: Person,
    /// Accepted and released (the speaker's): the talk that frees its place.
    pub accepted: String,
    /// Waitlisted, async track, talk (30 min), scored 5: the one to promote.
    pub best: String,
    /// Waitlisted, async, talk, scored 2.
    pub worse: String,
    /// Waitlisted, embedded track, scored 5: another track.
    pub other_track: String,
    /// Waitlisted, async, a 90-minute workshop scored 5: does not fit 30 minutes.
    pub too_long: String,
}

/// The scene with `waitlist_promotion` set to `mode`, every decision released, every email so
/// far delivered.
pub async fn scene(mode: &str) -> Scene {
    let c = Committee::reviewing().await;
    patch_event(
        &c.app,
        &c.admin,
        json!({
            "formats": [
                {"key": "talk", "name": "Talk", "minutes": 30},
                {"key": "workshop", "name": "Workshop", "minutes": 90}
            ],
            "tracks": [{"key": "async", "name": "Async"}, {"key": "embedded", "name": "Embedded"}],
            "max_proposals_per_speaker": 10,
            "waitlist_promotion": mode,
        }),
    )
    .await;
    let app = &c.app;
    let co = person(app, "cora@speakers.test", "Cora Cospeaker").await;
    let accepted = submit(
        app,
        &c.speaker.token,
        Proposal::titled("Async drivers in Rust").track("async"),
    )
    .await;
    let best = submit(
        app,
        &c.other.token,
        Proposal::titled("Best waitlisted async talk")
            .track("async")
            .co_speakers(&[&co]),
    )
    .await;
    let worse = submit(
        app,
        &c.other.token,
        Proposal::titled("Worse waitlisted async talk").track("async"),
    )
    .await;
    let other_track = submit(
        app,
        &c.other.token,
        Proposal::titled("Embedded waitlisted talk").track("embedded"),
    )
    .await;
    let too_long = submit(
        app,
        &c.other.token,
        Proposal::titled("A long async workshop")
            .track("async")
            .format("workshop"),
    )
    .await;
    // the worse talk is older than the best one's co-speaker step: only the scores rank them
    for (id, score) in [(&best, 5), (&worse, 2), (&other_track, 5), (&too_long, 5)] {
        assign(app, &c.chair.token, id, &[&c.rita.id, &c.rex.id]).await;
        review(app, &c.rita.token, id, &review_body(score, 3, "", "")).await;
        review(app, &c.rex.token, id, &review_body(score, 3, "", "")).await;
    }
    decide(app, &c.chair.token, &accepted, "accept").await;
    for id in [&best, &worse, &other_track, &too_long] {
        decide(app, &c.chair.token, id, "waitlist").await;
    }
    release(app, &c.chair.token).await;
    app.deliver_emails().await;
    Scene {
        c,
        co,
        accepted,
        best,
        worse,
        other_track,
        too_long,
    }
}

impl Scene {
    pub async fn promotions(&self) -> Value {
        api(
            &self.c.app,
            Method::GET,
            PROMOTIONS,
            &self.c.chair.token,
            None,
            200,
        )
        .await
    }

    pub async fn state_of(&self, id: &str) -> String {
        let proposal = proposal_as(&self.c.app, &self.c.chair.token, id).await;
        proposal["state"].as_str().unwrap_or_default().to_owned()
    }

    /// How many acceptance emails of `title` reached `email` at the SMTP peer.
    pub fn acceptances(&self, email: &str, title: &str) -> usize {
        let subject = format!("Accepted at Rust MC: {title}");
        self.c
            .app
            .mail
            .emails()
            .iter()
            .filter(|e| e.to.iter().any(|to| to.contains(email)) && e.subject() == subject)
            .count()
    }

    /// The best talk's speakers each got exactly one acceptance email.
    pub fn best_told_once(&self) {
        for email in [&self.c.other.email, &self.co.email] {
            assert_eq!(
                self.acceptances(email, "Best waitlisted async talk"),
                1,
                "{email}"
            );
        }
    }
}

#[tokio::test]
async fn suggest_mode_shows_the_best_fitting_talk_of_the_track_and_one_click_promotes_it() {
    let s = scene("suggest").await;
    answer(&s.c.app, &s.c.speaker.token, &s.accepted, "decline").await;
    let view = s.promotions().await;
    assert_eq!(view["waitlist_promotion"], "suggest");
    let vacancy = &view["vacancies"][0];
    assert_eq!(
        view["vacancies"].as_array().map(Vec::len),
        Some(1),
        "{view}"
    );
    assert_eq!(vacancy["freed_proposal_id"], s.accepted.as_str());
    assert_eq!(vacancy["reason"], "declined");
    assert_eq!(vacancy["track"], "async");
    assert_eq!(vacancy["minutes"], 30);
    // same track, fits 30 minutes, best-ranked: not the worse one, the embedded one or the
    // workshop
    assert_eq!(
        vacancy["suggestion"]["proposal_id"],
        s.best.as_str(),
        "{view}"
    );
    assert_eq!(vacancy["suggestion"]["minutes"], 30);
    // only suggested: nothing changed yet
    assert_eq!(s.state_of(&s.best).await, "waitlisted");
    s.c.app.deliver_emails().await;
    assert_eq!(
        s.acceptances(&s.c.other.email, "Best waitlisted async talk"),
        0
    );

    let path = format!(
        "{PROMOTIONS}/{}",
        vacancy["id"].as_str().unwrap_or_default()
    );
    let promoted = api(
        &s.c.app,
        Method::POST,
        &path,
        &s.c.chair.token,
        Some(&json!({})),
        200,
    )
    .await;
    assert_eq!(promoted["proposal_id"], s.best.as_str());
    assert_eq!(promoted["state"], "accepted");
    // a second click finds the place filled
    let (status, _) = send(
        &s.c.app,
        Method::POST,
        &path,
        Some(&s.c.chair.token),
        Some(&json!({})),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(s.promotions().await["vacancies"], json!([]));
    for id in [&s.worse, &s.other_track, &s.too_long] {
        assert_eq!(s.state_of(id).await, "waitlisted");
    }
    s.c.app.deliver_emails().await;
    s.c.app.deliver_emails().await;
    s.best_told_once();

    let history = api(
        &s.c.app,
        Method::GET,
        &format!("/api/v1/proposals/{}/decision-history", s.best),
        &s.c.chair.token,
        None,
        200,
    )
    .await;
    let promote = history["items"]
        .as_array()
        .and_then(|h| h.iter().find(|e| e["action"] == "promote"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(promote["actor"], s.c.chair.name.as_str(), "{history}");
    assert_eq!(promote["after"], "accept");
}

#[tokio::test]
async fn auto_mode_promotes_at_once_and_tells_each_speaker_exactly_once() {
    let s = scene("auto").await;
    answer(&s.c.app, &s.c.speaker.token, &s.accepted, "decline").await;
    assert_eq!(s.state_of(&s.best).await, "accepted");
    assert_eq!(s.promotions().await["vacancies"], json!([]));
    s.c.app.deliver_emails().await;
    s.c.app.deliver_emails().await;
    s.best_told_once();

    // the promoted talk declines in turn: the next in line is the worse async talk, and the best
    // talk's speakers hear nothing more
    answer(&s.c.app, &s.c.other.token, &s.best, "decline").await;
    assert_eq!(s.state_of(&s.worse).await, "accepted");
    s.c.app.deliver_emails().await;
    s.c.app.deliver_emails().await;
    s.best_told_once();
    assert_eq!(
        s.acceptances(&s.c.other.email, "Worse waitlisted async talk"),
        1
    );
    assert_eq!(s.state_of(&s.other_track).await, "waitlisted");
    assert_eq!(s.state_of(&s.too_long).await, "waitlisted");

    let history = api(
        &s.c.app,
        Method::GET,
        &format!("/api/v1/proposals/{}/decision-history", s.best),
        &s.c.chair.token,
        None,
        200,
    )
    .await;
    let promote = history["items"]
        .as_array()
        .and_then(|h| h.iter().find(|e| e["action"] == "promote"))
        .cloned()
        .unwrap_or_default();
    // no person did it: the waitlist promotion, because the first talk was declined
    assert_eq!(promote["actor"], Value::Null, "{history}");
    assert_eq!(
        promote["note"],
        "waitlist promotion: freed by “Async drivers in Rust” (declined)"
    );
    // the promotion's release is audited too
    assert!(
        history["items"].as_array().is_some_and(|h| h
            .iter()
            .any(|e| e["action"] == "release" && e["after"] == "accepted")),
        "{history}"
    );
}

#[tokio::test]
async fn a_withdrawn_accepted_talk_frees_its_place() {
    let s = scene("auto").await;
    let app = &s.c.app;
    // accepted after the release, withdrawn before the next one
    let late = submit(
        app,
        &s.c.speaker.token,
        Proposal::titled("A late async talk").track("async"),
    )
    .await;
    decide(app, &s.c.chair.token, &late, "accept").await;
    answer(app, &s.c.speaker.token, &late, "withdraw").await;
    assert_eq!(s.state_of(&s.best).await, "accepted");
    app.deliver_emails().await;
    s.best_told_once();
}

#[tokio::test]
async fn off_mode_records_the_place_and_does_nothing_more() {
    let s = scene("off").await;
    answer(&s.c.app, &s.c.speaker.token, &s.accepted, "decline").await;
    let view = s.promotions().await;
    assert_eq!(view["vacancies"][0]["reason"], "declined");
    assert_eq!(view["vacancies"][0]["suggestion"], Value::Null);
    s.c.app.deliver_emails().await;
    assert_eq!(s.state_of(&s.best).await, "waitlisted");
    assert_eq!(
        s.acceptances(&s.c.other.email, "Best waitlisted async talk"),
        0
    );
}

#[tokio::test]
async fn the_promoted_talk_takes_the_freed_programme_item() {
    let s = scene("auto").await;
    let programme = "/api/v1/events/rust-mc/programme";
    let block = json!({"blocks": [{"title": "Morning", "room": "Hall A",
        "starts_at": "2026-06-10T09:00:00-04:00", "ends_at": "2026-06-10T10:00:00-04:00",
        "items": [{"break": "Welcome", "minutes": 5}, {"proposal_id": s.accepted, "minutes": 35}]}]});
    api(
        &s.c.app,
        Method::PUT,
        programme,
        &s.c.chair.token,
        Some(&block),
        200,
    )
    .await;
    answer(&s.c.app, &s.c.speaker.token, &s.accepted, "decline").await;
    let view = api(
        &s.c.app,
        Method::GET,
        programme,
        &s.c.chair.token,
        None,
        200,
    )
    .await;
    let item = &view["blocks"][0]["items"][1];
    assert_eq!(item["proposal_id"], s.best.as_str(), "{view}");
    // placed for 35 minutes, the 30-minute talk fits; it gets its format's minutes
    assert_eq!(item["minutes"], 30);
    assert_eq!(item["starts_at"], "2026-06-10T09:05:00-04:00");
    s.c.app.deliver_emails().await;
    s.best_told_once();
}

#[tokio::test]
async fn a_placed_talk_frees_its_item_minutes_so_the_suggestion_fits_them() {
    let s = scene("suggest").await;
    // placed for 20 minutes: no 30-minute talk fits
    let block = json!({"blocks": [{"title": "Morning", "room": "Hall A",
        "starts_at": "2026-06-10T09:00:00-04:00", "ends_at": "2026-06-10T10:00:00-04:00",
        "items": [{"proposal_id": s.accepted, "minutes": 20}]}]});
    api(
        &s.c.app,
        Method::PUT,
        "/api/v1/events/rust-mc/programme",
        &s.c.chair.token,
        Some(&block),
        200,
    )
    .await;
    answer(&s.c.app, &s.c.speaker.token, &s.accepted, "decline").await;
    let view = s.promotions().await;
    assert_eq!(view["vacancies"][0]["minutes"], 20);
    assert_eq!(view["vacancies"][0]["suggestion"], Value::Null, "{view}");
    // a chair may still name a waitlisted talk
    let path = format!(
        "{PROMOTIONS}/{}",
        view["vacancies"][0]["id"].as_str().unwrap_or_default()
    );
    let (status, _) = send(
        &s.c.app,
        Method::POST,
        &path,
        Some(&s.c.chair.token),
        Some(&json!({})),
    )
    .await;
    assert_eq!(status, 409);
    let promoted = api(
        &s.c.app,
        Method::POST,
        &path,
        &s.c.chair.token,
        Some(&json!({"proposal_id": s.worse})),
        200,
    )
    .await;
    assert_eq!(promoted["proposal_id"], s.worse.as_str());
    s.c.app.deliver_emails().await;
    assert_eq!(
        s.acceptances(&s.c.other.email, "Worse waitlisted async talk"),
        1
    );
}

#[tokio::test]
async fn a_lapsed_talk_frees_its_place_once_at_a_frozen_now() {
    let s = scene("auto").await;
    patch_event(
        &s.c.app,
        &s.c.admin,
        json!({"confirm_by": "2027-03-01T12:00:00Z"}),
    )
    .await;
    let before: chrono::DateTime<chrono::Utc> = "2027-03-01T11:59:00Z".parse().unwrap_or_default();
    s.c.app.deliver_emails_at(before).await;
    assert_eq!(s.state_of(&s.best).await, "waitlisted");
    let after: chrono::DateTime<chrono::Utc> = "2027-03-01T12:00:00Z".parse().unwrap_or_default();
    s.c.app.deliver_emails_at(after).await;
    s.c.app
        .deliver_emails_at(after + chrono::Duration::hours(1))
        .await;
    // the lapsed talk stays accepted (a late confirmation the chairs allow still works)
    assert_eq!(s.state_of(&s.accepted).await, "accepted");
    assert_eq!(s.state_of(&s.best).await, "accepted");
    assert_eq!(s.state_of(&s.worse).await, "waitlisted");
    s.best_told_once();
    let history = api(
        &s.c.app,
        Method::GET,
        &format!("/api/v1/proposals/{}/decision-history", s.best),
        &s.c.chair.token,
        None,
        200,
    )
    .await;
    assert!(history.to_string().contains("(lapsed)"), "{history}");
}

#[tokio::test]
async fn bad_settings_are_422_naming_the_field() {
    let c = Committee::spawn().await;
    for (patch, field) in [
        (
            json!({"waitlist_promotion": "sometimes"}),
            "waitlist_promotion",
        ),
        (json!({"confirm_reminder_days": 0}), "confirm_reminder_days"),
        (
            json!({"confirm_reminder_days": 61}),
            "confirm_reminder_days",
        ),
        (
            json!({"confirm_reminder_days": "soon"}),
            "confirm_reminder_days",
        ),
    ] {
        let problem = api(
            &c.app,
            Method::PATCH,
            "/api/v1/events/rust-mc",
            &c.chair.token,
            Some(&patch),
            422,
        )
        .await;
        assert!(field_error(&problem, field), "{patch}: {problem}");
    }
    let event = patch_event(
        &c.app,
        &c.chair.token,
        json!({"waitlist_promotion": "suggest", "confirm_reminder_days": 3}),
    )
    .await;
    assert_eq!(event["waitlist_promotion"], "suggest");
    assert_eq!(event["confirm_reminder_days"], 3);
    // one setting at a time leaves the other alone; null clears the reminder
    let event = patch_event(
        &c.app,
        &c.chair.token,
        json!({"confirm_reminder_days": null}),
    )
    .await;
    assert_eq!(event["waitlist_promotion"], "suggest");
    assert_eq!(event["confirm_reminder_days"], Value::Null);
}

#[tokio::test]
async fn only_the_chairs_see_and_fill_vacancies() {
    let s = scene("suggest").await;
    answer(&s.c.app, &s.c.speaker.token, &s.accepted, "decline").await;
    let id = s.promotions().await["vacancies"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = format!("{PROMOTIONS}/{id}");
    for token in [&s.c.rita.token, &s.c.other.token] {
        let (status, _) = send(&s.c.app, Method::GET, PROMOTIONS, Some(token), None).await;
        assert!(status == 403 || status == 404, "{status}");
        let (status, _) = send(&s.c.app, Method::POST, &path, Some(token), Some(&json!({}))).await;
        assert!(status == 403 || status == 404, "{status}");
        let (status, _) = send(&s.c.app, Method::DELETE, &path, Some(token), None).await;
        assert!(status == 403 || status == 404, "{status}");
    }
    let (status, _) = send(&s.c.app, Method::GET, PROMOTIONS, None, None).await;
    assert_eq!(status, 401);
    assert_eq!(s.state_of(&s.best).await, "waitlisted");
    // dismissed: the place stays empty
    let (status, _) = send(
        &s.c.app,
        Method::DELETE,
        &path,
        Some(&s.c.chair.token),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(s.promotions().await["vacancies"], json!([]));
}

#[tokio::test]
async fn two_chairs_clicking_at_once_promote_one_talk_once() {
    let s = scene("suggest").await;
    answer(&s.c.app, &s.c.speaker.token, &s.accepted, "decline").await;
    let id = s.promotions().await["vacancies"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = format!("{PROMOTIONS}/{id}");
    let body = json!({});
    let (a, b) = tokio::join!(
        send(
            &s.c.app,
            Method::POST,
            &path,
            Some(&s.c.chair.token),
            Some(&body)
        ),
        send(&s.c.app, Method::POST, &path, Some(&s.c.admin), Some(&body)),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    assert_eq!(s.state_of(&s.worse).await, "waitlisted");
    s.c.app.deliver_emails().await;
    s.best_told_once();
}
