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
    // behind the app's back: the change reaches the cache by its notification, within moments
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while get_with_etag(&s, Some(&after_profile)).await.0 == 304 {
        assert!(
            std::time::Instant::now() < deadline,
            "a title change changes the ETag within 5 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (_, text) = send(&s.c.app, Method::GET, PROGRAMME, None, None).await;
    assert!(text.contains("Retitled"), "{text}");
}

fn cache_reads(s: &Setup) -> [u64; 3] {
    use mcfp::metrics::CacheRead;
    [CacheRead::Memory, CacheRead::Confirmed, CacheRead::Rebuilt]
        .map(|read| s.c.app.state.metrics.cache_count(read))
}

#[tokio::test]
async fn the_public_programme_is_served_from_memory_and_a_chairs_change_shows_at_once() {
    let s = setup("Europe/Berlin").await;
    let one = json!([{"proposal_id": s.accepted}]);
    put(
        &s,
        json!([block(
            "2026-06-10T09:00:00+02:00",
            "2026-06-10T10:00:00+02:00",
            one
        )]),
        200,
    )
    .await;
    api(&s.c.app, Method::POST, PUBLISH, &s.c.chair.token, None, 200).await;
    // the writes' notifications come in a moment after their responses: let them settle
    let changes = s.c.app.state.public_changes.clone();
    let mut seen = changes.notifications();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        if changes.notifications() == seen {
            break;
        }
        seen = changes.notifications();
    }
    let etag = get_with_etag(&s, None).await.1.expect("an ETag");
    let before = cache_reads(&s);
    for _ in 0..20 {
        assert_eq!(
            get_with_etag(&s, None).await.1.as_deref(),
            Some(etag.as_str())
        );
    }
    let after = cache_reads(&s);
    assert_eq!(
        after[2] - before[2],
        0,
        "no rebuild: {before:?} → {after:?}"
    );
    assert_eq!(
        (after[0] + after[1]) - (before[0] + before[1]),
        20,
        "served from memory (or confirmed by the one-row fingerprint)"
    );
    // the chair's change is read back at once by the process that made it
    let two = json!([{"break": "Welcome", "minutes": 5}, {"proposal_id": s.accepted}]);
    put(
        &s,
        json!([block(
            "2026-06-10T09:00:00+02:00",
            "2026-06-10T10:00:00+02:00",
            two
        )]),
        200,
    )
    .await;
    let (status, text) = send(&s.c.app, Method::GET, PROGRAMME, None, None).await;
    assert_eq!(status, 200);
    let public: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(public["blocks"][0]["items"][0]["title"], "Welcome");
    assert_eq!(
        public["blocks"][0]["items"][1]["starts_at"],
        "2026-06-10T09:05:00+02:00"
    );
    // and unpublishing hides it at once
    api(
        &s.c.app,
        Method::DELETE,
        PUBLISH,
        &s.c.chair.token,
        None,
        204,
    )
    .await;
    assert_eq!(
        send(&s.c.app, Method::GET, PROGRAMME, None, None).await.0,
        404
    );
}

async fn live_at(s: &Setup, path: String) -> Value {
    let (status, text) = send(&s.c.app, Method::GET, &path, None, None).await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).expect("json")
}

#[tokio::test]
async fn now_and_next_per_room_at_a_frozen_clock() {
    let s = setup("Europe/Berlin").await;
    let blocks = json!([
        {"title": "Morning", "room": "Hall A", "starts_at": "2026-06-10T09:00:00+02:00",
         "ends_at": "2026-06-10T10:00:00+02:00", "items": [
            {"proposal_id": s.accepted, "minutes": 30},
            {"break": "Coffee", "minutes": 15},
            {"proposal_id": s.confirmed}
        ]},
        {"title": "Hallway track", "room": "Room B", "starts_at": "2026-06-10T09:20:00+02:00",
         "ends_at": "2026-06-10T09:40:00+02:00", "items": [{"break": "Demos", "minutes": 20}]}
    ]);
    put(&s, blocks, 200).await;
    let now_at = |at: &str| format!("{PROGRAMME}/now?at={}", at.replace('+', "%2B"));
    // not public yet
    let (status, _) = send(
        &s.c.app,
        Method::GET,
        &now_at("2026-06-10T09:10:00+02:00"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 404);
    api(&s.c.app, Method::POST, PUBLISH, &s.c.chair.token, None, 200).await;
    let titles = |items: &Value| -> Vec<String> {
        items
            .as_array()
            .expect("array")
            .iter()
            .map(|i| {
                format!(
                    "{}: {}",
                    i["room"].as_str().expect("room"),
                    i["title"].as_str().expect("title")
                )
            })
            .collect()
    };
    // 09:25 Berlin, given in UTC: the first talk in Hall A, the demos in Room B
    let live = live_at(&s, now_at("2026-06-10T07:25:00Z")).await;
    assert_eq!(live["at"], "2026-06-10T09:25:00+02:00");
    assert_eq!(live["time_zone"], "Europe/Berlin");
    assert_eq!(
        titles(&live["now"]),
        ["Hall A: Async drivers in Rust", "Room B: Demos"]
    );
    assert_eq!(live["now"][0]["kind"], "talk");
    assert_eq!(live["now"][0]["block"], "Morning");
    assert_eq!(live["now"][0]["ends_at"], "2026-06-10T09:30:00+02:00");
    assert_eq!(titles(&live["next"]), ["Hall A: Coffee"]);
    // at the instant the coffee starts, the talk is over
    let live = live_at(&s, now_at("2026-06-10T09:30:00+02:00")).await;
    assert_eq!(titles(&live["now"]), ["Hall A: Coffee", "Room B: Demos"]);
    assert_eq!(titles(&live["next"]), ["Hall A: Ten minutes of unsafe"]);
    // before anything: nothing now, the first item of each room next
    let live = live_at(&s, now_at("2026-06-10T08:00:00+02:00")).await;
    assert_eq!(titles(&live["now"]), Vec::<String>::new());
    assert_eq!(
        titles(&live["next"]),
        ["Hall A: Async drivers in Rust", "Room B: Demos"]
    );
    // a malformed instant is a 400 naming the parameter
    let (status, text) = send(
        &s.c.app,
        Method::GET,
        &format!("{PROGRAMME}/now?at=yesterday"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("at"), "{text}");
    // without `at`: the present (a programme in the past: nothing on, nothing next)
    let live = live_at(&s, format!("{PROGRAMME}/now")).await;
    assert!(live["now"].as_array().expect("now").is_empty(), "{live}");
    let at = live["at"].as_str().expect("at");
    assert_eq!(
        at.len(),
        "2026-06-10T09:25:00+02:00".len(),
        "to the second: {at}"
    );
    assert!(live["next"].as_array().expect("next").is_empty(), "{live}");
}

#[tokio::test]
async fn the_live_page_is_complete_without_javascript_and_public_once_published() {
    use chrono::{DurationRound, Utc};
    let s = setup("Europe/Berlin").await;
    // a block around the present: the talk started 5 minutes ago, a break follows
    let start = Utc::now()
        .duration_trunc(chrono::Duration::minutes(1))
        .expect("minute")
        - chrono::Duration::minutes(5);
    let blocks = json!([{"title": "Rust MC", "room": "", "starts_at": start.to_rfc3339(),
    "ends_at": (start + chrono::Duration::minutes(90)).to_rfc3339(), "items": [
        {"proposal_id": s.accepted, "minutes": 30},
        {"break": "Coffee & <cake>", "minutes": 15}
    ]}]);
    put(&s, blocks, 200).await;
    let (status, _) = send(&s.c.app, Method::GET, "/events/rust-mc/live", None, None).await;
    assert_eq!(status, 404, "not public before publishing");
    let (status, text) = send(
        &s.c.app,
        Method::GET,
        "/events/rust-mc/live",
        Some(&s.c.chair.token),
        None,
    )
    .await;
    assert_eq!(status, 200, "the chairs preview it");
    assert!(text.contains("only the chairs see this page"), "{text}");
    api(&s.c.app, Method::POST, PUBLISH, &s.c.chair.token, None, 200).await;
    let (status, text) = send(&s.c.app, Method::GET, "/events/rust-mc/live", None, None).await;
    assert_eq!(status, 200, "{text}");
    let (now, next) = text.split_once("<h3>Next</h3>").expect("a Next heading");
    let now = now.split_once("<h3>Now</h3>").expect("a Now heading").1;
    assert!(now.contains("Async drivers in Rust"), "{now}");
    assert!(now.contains(s.c.speaker.name.as_str()), "{now}");
    assert!(
        next.contains("Coffee &#38; &#60;cake&#62;"),
        "escaped: {next}"
    );
    assert!(text.contains("Main room"), "a block without a room");
    assert!(
        text.contains("aria-current=\"time\""),
        "the running order marks the current item"
    );
    assert!(!text.contains(&s.c.speaker.email), "no emails");
}
