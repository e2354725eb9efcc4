//! Authorization as a matrix: every role against every role-sensitive route.

use serde_json::{Value, json};

use crate::helpers::{TestApp, add_member, create_event, event_body, person, send};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    Anonymous,
    Speaker,
    Reviewer,
    Chair,
    Admin,
}

const ROLES: [Role; 5] = [
    Role::Anonymous,
    Role::Speaker,
    Role::Reviewer,
    Role::Chair,
    Role::Admin,
];

struct World {
    app: TestApp,
    tokens: Vec<(Role, Option<String>)>,
}

impl World {
    async fn new() -> World {
        let app = TestApp::spawn().await;
        let mut people = Vec::new();
        for (email, name) in [
            ("admin@example.org", "Admin"),
            ("chair@example.org", "Chair"),
            ("reviewer@example.org", "Reviewer"),
            ("speaker@example.org", "Speaker"),
        ] {
            people.push(person(&app, email, name).await);
        }
        app.make_admin("admin@example.org").await;
        let admin = &people[0].token;
        create_event(&app, admin, &blind_event("rust-mc")).await;
        add_member(&app, admin, "chair@example.org", "chair").await;
        add_member(&app, admin, "reviewer@example.org", "reviewer").await;
        let mut tokens = vec![(Role::Anonymous, None)];
        for (role, who) in [
            (Role::Speaker, &people[3]),
            (Role::Reviewer, &people[2]),
            (Role::Chair, &people[1]),
            (Role::Admin, &people[0]),
        ] {
            tokens.push((role, Some(who.token.clone())));
        }
        World { app, tokens }
    }

    async fn call(
        &self,
        role: Role,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> u16 {
        let token = self
            .tokens
            .iter()
            .find(|(r, _)| *r == role)
            .and_then(|(_, t)| t.as_deref());
        send(&self.app, method, path, token, body.as_ref()).await.0
    }
}

/// An event with blind review on a 1–5 scale.
fn blind_event(slug: &str) -> Value {
    let mut body = event_body(
        slug,
        "Rust MC",
        "The **Rust** microconference.",
        "America/New_York",
    );
    body["blind_review"] = json!(true);
    body["score_min"] = json!(1);
    body["score_max"] = json!(5);
    body
}

#[tokio::test]
async fn role_by_route_matrix() {
    let world = World::new().await;
    use reqwest::Method;
    // (method, path, body, expected status for Anonymous, Speaker, Reviewer, Chair, Admin)
    let table: Vec<(Method, &str, Option<Value>, [u16; 5])> = vec![
        (Method::GET, "/api/v1/me", None, [401, 200, 200, 200, 200]),
        (
            Method::GET,
            "/api/v1/me/tokens",
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/events/rust-mc",
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/events",
            Some(blind_event("new-event")),
            [401, 403, 403, 403, 201],
        ),
        (
            Method::PUT,
            "/api/v1/events/rust-mc/members",
            Some(json!({"email": "speaker@example.org", "role": "reviewer", "tracks": ["rust"]})),
            [401, 403, 403, 200, 200],
        ),
    ];
    for (method, path, body, expected) in table {
        for (role, want) in ROLES.iter().zip(expected) {
            // a fresh slug per admin call so the 201 is not a 409
            let body = body.clone().map(|mut b| {
                if b.get("slug").is_some() {
                    b["slug"] = json!(format!("new-event-{}", format!("{role:?}").to_lowercase()));
                }
                b
            });
            let got = world.call(*role, method.clone(), path, body).await;
            assert_eq!(got, want, "{role:?} {method} {path}");
        }
    }
}

#[tokio::test]
async fn me_lists_event_roles_with_track_restrictions() {
    let world = World::new().await;
    let admin = world
        .tokens
        .iter()
        .find(|(r, _)| *r == Role::Admin)
        .and_then(|(_, t)| t.clone())
        .expect("admin");
    let response = world
        .app
        .new_client()
        .put(world.app.url("/api/v1/events/rust-mc/members"))
        .bearer_auth(&admin)
        .json(&json!({"email": "REVIEWER@example.org", "role": "reviewer", "tracks": ["rust-for-linux"]}))
        .send()
        .await
        .expect("member");
    assert_eq!(response.status(), 200);
    let reviewer = world
        .tokens
        .iter()
        .find(|(r, _)| *r == Role::Reviewer)
        .and_then(|(_, t)| t.clone())
        .expect("reviewer");
    let me: Value = world
        .app
        .get_with_token("/api/v1/me", &reviewer)
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(
        me["roles"],
        json!([{"event": "rust-mc", "role": "reviewer", "tracks": ["rust-for-linux"]}])
    );
    let admin_me: Value = world
        .app
        .get_with_token("/api/v1/me", &admin)
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(admin_me["is_admin"], true);
}

#[tokio::test]
async fn event_creation_validates_every_field() {
    let world = World::new().await;
    let admin = world
        .tokens
        .iter()
        .find(|(r, _)| *r == Role::Admin)
        .and_then(|(_, t)| t.clone())
        .expect("admin");
    let bad = json!({
        "slug": "Bad Slug", "title": "x", "time_zone": "Mars/Base",
        "cfp_opens_at": "2030-01-01T00:00:00Z", "cfp_closes_at": "2026-01-01T00:00:00Z",
        "score_min": 5, "score_max": 1
    });
    let response = world
        .app
        .new_client()
        .post(world.app.url("/api/v1/events"))
        .bearer_auth(&admin)
        .json(&bad)
        .send()
        .await
        .expect("create");
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.expect("json");
    for field in ["slug", "title", "time_zone", "cfp_closes_at", "score_max"] {
        assert!(problem["errors"][field].is_array(), "{field} in {problem}");
    }
    let duplicate = world
        .app
        .new_client()
        .post(world.app.url("/api/v1/events"))
        .bearer_auth(&admin)
        .json(&blind_event("rust-mc"))
        .send()
        .await
        .expect("create");
    assert_eq!(duplicate.status(), 409);
}

#[tokio::test]
async fn creating_the_same_event_at_once_is_one_201_and_409s_never_a_500() {
    let world = World::new().await;
    let admin = world
        .tokens
        .iter()
        .find(|(r, _)| *r == Role::Admin)
        .and_then(|(_, t)| t.clone())
        .expect("admin");
    let requests = (0..6).map(|_| {
        let client = world.app.new_client();
        let url = world.app.url("/api/v1/events");
        let admin = admin.clone();
        async move {
            client
                .post(url)
                .bearer_auth(admin)
                .json(&blind_event("race-event"))
                .send()
                .await
                .expect("send")
                .status()
                .as_u16()
        }
    });
    let mut statuses = futures_util::future::join_all(requests).await;
    statuses.sort();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409]);
}

#[tokio::test]
async fn a_new_event_has_the_two_seed_tracks_and_reports_whether_its_cfp_is_open() {
    let world = World::new().await;
    let event: Value = world
        .app
        .client
        .get(world.app.url("/api/v1/events/rust-mc"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(event["cfp_open"], true);
    assert_eq!(event["time_zone"], "America/New_York");
    let keys: Vec<&str> = event["tracks"]
        .as_array()
        .expect("tracks")
        .iter()
        .filter_map(|t| t["key"].as_str())
        .collect();
    assert_eq!(keys, ["rust-for-linux", "rust"]);
    assert_eq!(event["tracks"][0]["name"], "Rust for Linux");
    assert!(
        event["tracks"]
            .as_array()
            .expect("tracks")
            .iter()
            .all(|t| t["subtopics"].is_array())
    );
}
