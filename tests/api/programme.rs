//! The programme: chairs place accepted and confirmed talks and breaks into blocks; each item's
//! times follow from the order; the public reads it once published, revalidated by ETag.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Committee, Proposal, answer, api, decide, field_error, patch_event, release, send, submit,
};

const PROGRAMME: &str = "/api/v1/events/rust-mc/programme";
const PUBLISH: &str = "/api/v1/events/rust-mc/programme/publish";

struct Setup {
    c: Committee,
    /// accepted (talk, 30 min), confirmed (lightning, 10 min), rejected, undecided, withdrawn
    accepted: String,
    confirmed: String,
    rejected: String,
    undecided: String,
    withdrawn: String,
}

async fn setup(time_zone: &str) -> Setup {
    let c = Committee::spawn().await;
    patch_event(
        &c.app,
        &c.admin,
        json!({"time_zone": time_zone, "formats": [
            {"key": "talk", "name": "Talk", "minutes": 30},
            {"key": "lightning", "name": "Lightning talk", "minutes": 10}
        ]}),
    )
    .await;
    let (app, chair) = (&c.app, &c.chair.token);
    let accepted = submit(
        app,
        &c.speaker.token,
        Proposal::titled("Async drivers in Rust"),
    )
    .await;
    let confirmed = submit(
        app,
        &c.other.token,
        Proposal::titled("Ten minutes of unsafe").format("lightning"),
    )
    .await;
    let rejected = submit(app, &c.other.token, Proposal::titled("A rejected talk")).await;
    let undecided = submit(app, &c.other.token, Proposal::titled("An undecided talk")).await;
    let withdrawn = submit(app, &c.other.token, Proposal::titled("A withdrawn talk")).await;
    for (id, decision) in [
        (&accepted, "accept"),
        (&confirmed, "accept"),
        (&rejected, "reject"),
        (&withdrawn, "accept"),
    ] {
        decide(app, chair, id, decision).await;
    }
    answer(app, &c.other.token, &withdrawn, "withdraw").await;
    release(app, chair).await;
    answer(app, &c.other.token, &confirmed, "confirm").await;
    Setup {
        c,
        accepted,
        confirmed,
        rejected,
        undecided,
        withdrawn,
    }
}

fn block(starts_at: &str, ends_at: &str, items: Value) -> Value {
    json!({"title": "Morning", "room": "Hall A", "starts_at": starts_at, "ends_at": ends_at, "items": items})
}

async fn put(s: &Setup, blocks: Value, status: u16) -> Value {
    api(
        &s.c.app,
        Method::PUT,
        PROGRAMME,
        &s.c.chair.token,
        Some(&json!({ "blocks": blocks })),
        status,
    )
    .await
}

#[tokio::test]
async fn chairs_place_talks_and_a_break_and_get_computed_times() {
    let s = setup("Europe/Berlin").await;
    let programme = put(
        &s,
        json!([block(
            "2026-06-10T09:00:00+02:00",
            "2026-06-10T10:00:00+02:00",
            json!([
                {"proposal_id": s.accepted, "minutes": 25},
                {"break": "Coffee", "minutes": 15},
                {"proposal_id": s.confirmed}
            ])
        )]),
        200,
    )
    .await;
    let items = &programme["blocks"][0]["items"];
    assert_eq!(items[0]["kind"], "talk");
    assert_eq!(items[0]["title"], "Async drivers in Rust");
    assert_eq!(items[0]["starts_at"], "2026-06-10T09:00:00+02:00");
    assert_eq!(items[0]["ends_at"], "2026-06-10T09:25:00+02:00");
    assert_eq!(items[0]["speakers"][0]["name"], s.c.speaker.name.as_str());
    assert!(items[0]["speakers"][0].get("email").is_none(), "{items}");
    assert_eq!(items[1]["kind"], "break");
    assert_eq!(items[1]["title"], "Coffee");
    assert_eq!(items[1]["proposal_id"], Value::Null);
    assert_eq!(items[1]["starts_at"], "2026-06-10T09:25:00+02:00");
    assert_eq!(items[1]["ends_at"], "2026-06-10T09:40:00+02:00");
    // the lightning format's 10 minutes by default
    assert_eq!(items[2]["minutes"], 10);
    assert_eq!(items[2]["starts_at"], "2026-06-10T09:40:00+02:00");
    assert_eq!(items[2]["ends_at"], "2026-06-10T09:50:00+02:00");
    assert_eq!(programme["published_at"], Value::Null);
}

#[tokio::test]
async fn an_overflowing_block_names_its_first_item_past_the_end() {
    let s = setup("Europe/Berlin").await;
    let problem = put(
        &s,
        json!([
            block(
                "2026-06-10T09:00:00+02:00",
                "2026-06-10T10:00:00+02:00",
                json!([])
            ),
            block(
                "2026-06-10T11:00:00+02:00",
                "2026-06-10T11:45:00+02:00",
                json!([
                    {"break": "Coffee", "minutes": 10},
                    {"proposal_id": s.accepted},
                    {"proposal_id": s.confirmed}
                ])
            ),
            block(
                "2026-06-10T13:00:00+02:00",
                "2026-06-10T12:00:00+02:00",
                json!([])
            )
        ]),
        422,
    )
    .await;
    assert!(
        field_error(&problem, "blocks[1].items[2].proposal_id"),
        "{problem}"
    );
    assert!(
        !field_error(&problem, "blocks[1].items[1].proposal_id"),
        "{problem}"
    );
    assert!(field_error(&problem, "blocks[2].ends_at"), "{problem}");
    // nothing was written
    let programme = api(
        &s.c.app,
        Method::GET,
        PROGRAMME,
        &s.c.chair.token,
        None,
        200,
    )
    .await;
    assert_eq!(programme["blocks"], json!([]));
}

#[tokio::test]
async fn a_talk_placed_twice_or_not_accepted_is_refused_all_at_once() {
    let s = setup("Europe/Berlin").await;
    let problem = put(
        &s,
        json!([
            block(
                "2026-06-10T09:00:00+02:00",
                "2026-06-10T12:00:00+02:00",
                json!([
                    {"proposal_id": s.accepted},
                    {"proposal_id": s.rejected},
                    {"proposal_id": s.undecided}
                ])
            ),
            block(
                "2026-06-10T13:00:00+02:00",
                "2026-06-10T16:00:00+02:00",
                json!([
                    {"proposal_id": s.withdrawn},
                    {"proposal_id": s.accepted},
                    {"proposal_id": uuid::Uuid::new_v4()}
                ])
            )
        ]),
        422,
    )
    .await;
    for field in [
        "blocks[0].items[1].proposal_id",
        "blocks[0].items[2].proposal_id",
        "blocks[1].items[0].proposal_id",
        "blocks[1].items[1].proposal_id",
        "blocks[1].items[2].proposal_id",
    ] {
        assert!(field_error(&problem, field), "{field}: {problem}");
    }
    assert!(
        !field_error(&problem, "blocks[0].items[0].proposal_id"),
        "{problem}"
    );
}

#[tokio::test]
async fn times_across_a_dst_change_keep_their_durations() {
    let s = setup("Europe/Berlin").await;
    // 2026-10-25: at 03:00 CEST the clocks go back to 02:00 CET
    let programme = put(
        &s,
        json!([block(
            "2026-10-25T02:00:00+02:00",
            "2026-10-25T03:30:00+01:00",
            json!([
                {"proposal_id": s.accepted, "minutes": 45},
                {"break": "Coffee", "minutes": 30},
                {"proposal_id": s.confirmed, "minutes": 30}
            ])
        )]),
        200,
    )
    .await;
    let items = &programme["blocks"][0]["items"];
    assert_eq!(items[0]["starts_at"], "2026-10-25T02:00:00+02:00");
    assert_eq!(items[0]["ends_at"], "2026-10-25T02:45:00+02:00");
    assert_eq!(items[1]["starts_at"], "2026-10-25T02:45:00+02:00");
    assert_eq!(items[1]["ends_at"], "2026-10-25T02:15:00+01:00");
    assert_eq!(items[2]["starts_at"], "2026-10-25T02:15:00+01:00");
    assert_eq!(items[2]["ends_at"], "2026-10-25T02:45:00+01:00");
    assert_eq!(
        programme["blocks"][0]["ends_at"],
        "2026-10-25T03:30:00+01:00"
    );
}

#[tokio::test]
async fn only_chairs_write_it_and_the_public_reads_it_once_published() {
    let s = setup("Europe/Berlin").await;
    let app = &s.c.app;
    let body = json!({"blocks": [block("2026-06-10T09:00:00+02:00", "2026-06-10T10:00:00+02:00",
        json!([{"proposal_id": s.accepted}]))]});
    for token in [&s.c.rita.token, &s.c.speaker.token] {
        let (status, _) = send(app, Method::PUT, PROGRAMME, Some(token), Some(&body)).await;
        assert_eq!(status, 403);
    }
    let (status, _) = send(app, Method::PUT, PROGRAMME, None, Some(&body)).await;
    assert_eq!(status, 401);
    // nothing to publish yet
    let (status, _) = send(app, Method::POST, PUBLISH, Some(&s.c.chair.token), None).await;
    assert_eq!(status, 409);
    put(&s, body["blocks"].clone(), 200).await;
    let (status, _) = send(app, Method::GET, PROGRAMME, None, None).await;
    assert_eq!(status, 404, "not public before publishing");
    let (status, _) = send(app, Method::GET, PROGRAMME, Some(&s.c.speaker.token), None).await;
    assert_eq!(status, 404, "nor to a speaker");
    let (status, _) = send(app, Method::POST, PUBLISH, Some(&s.c.rita.token), None).await;
    assert_eq!(status, 403);
    let published = api(app, Method::POST, PUBLISH, &s.c.chair.token, None, 200).await;
    assert!(published["published_at"].is_string(), "{published}");
    let (status, text) = send(app, Method::GET, PROGRAMME, None, None).await;
    assert_eq!(status, 200, "{text}");
    let public: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        public["blocks"][0]["items"][0]["title"],
        "Async drivers in Rust"
    );
    assert!(!text.contains(&s.c.speaker.email), "no emails: {text}");
    let (status, _) = send(app, Method::DELETE, PUBLISH, Some(&s.c.chair.token), None).await;
    assert_eq!(status, 204);
    let (status, _) = send(app, Method::GET, PROGRAMME, None, None).await;
    assert_eq!(status, 404, "unpublished again");
}

async fn get_with_etag(s: &Setup, etag: Option<&str>) -> (u16, Option<String>) {
    let mut request = s.c.app.new_client().get(s.c.app.url(PROGRAMME));
    if let Some(etag) = etag {
        request = request.header("If-None-Match", etag);
    }
    let response = request.send().await.expect("request");
    let etag = response
        .headers()
        .get("ETag")
        .map(|v| v.to_str().expect("ascii").to_owned());
    (response.status().as_u16(), etag)
}

#[tokio::test]
async fn the_public_programme_is_revalidated_by_etag() {
    let s = setup("Europe/Berlin").await;
    let items = json!([{"proposal_id": s.accepted}]);
    put(
        &s,
        json!([block(
            "2026-06-10T09:00:00+02:00",
            "2026-06-10T10:00:00+02:00",
            items
        )]),
        200,
    )
    .await;
    api(&s.c.app, Method::POST, PUBLISH, &s.c.chair.token, None, 200).await;
    let (status, etag) = get_with_etag(&s, None).await;
    assert_eq!(status, 200);
    let etag = etag.expect("an ETag");
    assert_eq!(get_with_etag(&s, Some(&etag)).await.0, 304);
    let items = json!([{"proposal_id": s.accepted}, {"break": "Lunch", "minutes": 20}]);
    put(
        &s,
        json!([block(
            "2026-06-10T09:00:00+02:00",
            "2026-06-10T10:00:00+02:00",
            items
        )]),
        200,
    )
    .await;
    let (status, changed) = get_with_etag(&s, Some(&etag)).await;
    assert_eq!(status, 200, "a PUT changes the ETag");
    assert_ne!(changed.expect("an ETag"), etag);
}

#[tokio::test]
async fn a_placed_talks_title_or_speaker_profile_changing_changes_the_etag() {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let s = setup("Europe/Berlin").await;
    let items = json!([{"proposal_id": s.accepted}]);
    put(
        &s,
        json!([block(
            "2026-06-10T09:00:00+02:00",
            "2026-06-10T10:00:00+02:00",
            items
        )]),
        200,
    )
    .await;
    api(&s.c.app, Method::POST, PUBLISH, &s.c.chair.token, None, 200).await;
    let etag = get_with_etag(&s, None).await.1.expect("an ETag");
    // the speaker's affiliation
    let profile = json!({
        "given_name": "Ada", "family_name": "Lovelace", "affiliation": "Analytical Engines Ltd",
        "bio": "", "pronouns": ""
    });
    api(
        &s.c.app,
        Method::PUT,
        "/api/v1/me/profile",
        &s.c.speaker.token,
        Some(&profile),
        200,
    )
    .await;
    let (status, after_profile) = get_with_etag(&s, Some(&etag)).await;
    assert_eq!(status, 200, "a profile change changes the ETag");
    let after_profile = after_profile.expect("an ETag");
    let (_, text) = send(&s.c.app, Method::GET, PROGRAMME, None, None).await;
    assert!(text.contains("Analytical Engines Ltd"), "{text}");
    // the talk's title, straight in the database
    let mut conn = s.c.app.state.pool.get().await.expect("conn");
    let id: uuid::Uuid = s.accepted.parse().expect("uuid");
    diesel::update(mcfp::schema::proposals::table.find(id))
        .set(mcfp::schema::proposals::title.eq("Retitled"))
        .execute(&mut conn)
        .await
        .expect("retitle");
    let (status, _) = get_with_etag(&s, Some(&after_profile)).await;
    assert_eq!(status, 200, "a title change changes the ETag");
}
