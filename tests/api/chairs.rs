//! Chairs: the track override, the corrections export, the dashboard, the event pages.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    CHAIR_EMAIL, CHAIR_NAME, Committee, KERNEL_ABSTRACT, Proposal, SPEAKER_EMAIL, api, person,
    send, submit,
};

const VAGUE: &str = "A talk about how we worked together on a project over the last year, what went well, \
what did not, and what we would do differently next time around.";

/// The shared cast's speaker submits a proposal with this abstract (and choice of track).
fn proposal(title: &str, abstract_text: &str, track: Option<&str>) -> Proposal {
    let proposal = Proposal::titled(title).abstract_text(abstract_text);
    match track {
        Some(track) => proposal.track(track),
        None => proposal,
    }
}

/// Only a chair sets the track: a speaker may not, a stranger learns nothing, and bad tracks or
/// subtopics are 422 naming the field.
async fn assert_only_chairs_set_the_track(s: &Committee, path: &str, body: &Value) {
    let app = &s.app;
    let (status, _) = send(app, Method::PUT, path, Some(&s.speaker.token), Some(body)).await;
    assert_eq!(status, 403, "a speaker may not");
    let eve = person(app, "eve@example.org", "Eve").await;
    let (status, _) = send(app, Method::PUT, path, Some(&eve.token), Some(body)).await;
    assert_eq!(status, 404, "a stranger learns nothing");
    for (bad, field) in [
        (json!({"track": "go"}), "track"),
        (
            json!({"track": "rust", "subtopics": ["drivers-and-subsystems"]}),
            "subtopics[0]",
        ),
        (
            json!({"track": null, "subtopics": ["education"]}),
            "subtopics",
        ),
    ] {
        let (status, text) = send(app, Method::PUT, path, Some(&s.chair.token), Some(&bad)).await;
        assert_eq!(status, 422, "{bad}");
        let problem: Value = serde_json::from_str(&text).expect("json");
        assert!(problem["errors"][field].is_array(), "{field} in {problem}");
    }
}

/// The export is a labelled example in the corpus's column order; speakers may not fetch it.
async fn assert_the_corrections_export(s: &Committee) {
    let app = &s.app;
    let csv_path = "/api/v1/events/rust-mc/tag-corrections.csv";
    let (status, _) = send(app, Method::GET, csv_path, Some(&s.speaker.token), None).await;
    assert_eq!(status, 403);
    let response = app.call(Method::GET, csv_path, &s.chair.token, None).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/csv")
    );
    let csv = response.text().await.expect("csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("label,title,abstract,auto_track,auto_confidence,chair,corrected_at")
    );
    let row = lines.next().expect("one correction");
    assert!(
        row.starts_with("\"rust\",\"A Rust NVMe driver\",\"We present"),
        "{row}"
    );
    assert!(row.contains("\"rust-for-linux\"") && row.contains(&format!("\"{CHAIR_NAME}\"")));
}

#[tokio::test]
async fn a_chair_overrides_the_track_and_the_correction_is_exported() {
    let s = Committee::spawn().await;
    let app = &s.app;
    let nvme = proposal("A Rust NVMe driver", KERNEL_ABSTRACT, None);
    let id = submit(app, &s.speaker.token, nvme).await;
    let path = format!("/api/v1/proposals/{id}/track");
    let body = json!({"track": "rust", "subtopics": ["linux-ecosystem"]});
    assert_only_chairs_set_the_track(&s, &path, &body).await;
    let view = api(app, Method::PUT, &path, &s.chair.token, Some(&body), 200).await;
    assert_eq!(view["tags"]["track"], "rust");
    assert_eq!(view["tags"]["source"], "chair");
    assert_eq!(view["tags"]["subtopics"], json!(["linux-ecosystem"]));
    assert_eq!(
        view["tags"]["auto_track"], "rust-for-linux",
        "the tagger's verdict stays visible"
    );
    // the speaker sees the chair's track; editing the text re-tags but the chair's choice stands
    let retitle = json!({"title": "A Rust NVMe driver, again"});
    let proposal_path = format!("/api/v1/proposals/{id}");
    let (_, edited) = send(
        app,
        Method::PATCH,
        &proposal_path,
        Some(&s.speaker.token),
        Some(&retitle),
    )
    .await;
    let edited: Value = serde_json::from_str(&edited).expect("json");
    assert_eq!(edited["tags"]["source"], "chair");
    assert_the_corrections_export(&s).await;
    // removing the override goes back to the tag, and is recorded as a revision
    let auto = json!({"track": null});
    let (_, cleared) = send(app, Method::PUT, &path, Some(&s.chair.token), Some(&auto)).await;
    let cleared: Value = serde_json::from_str(&cleared).expect("json");
    assert_eq!(cleared["tags"]["source"], "auto");
    let mut conn = app.state.pool.get().await.expect("conn");
    let revisions = mcfp::db::proposals::revisions_of(
        &mut conn,
        mcfp::domain::ProposalId(id.parse().expect("uuid")),
    )
    .await
    .expect("revisions");
    let chair_changes: Vec<_> = revisions
        .iter()
        .filter(|r| r.changes.get("track (chair)").is_some())
        .collect();
    assert_eq!(chair_changes.len(), 2);
    assert_eq!(chair_changes[0].author_name, CHAIR_NAME);
}

#[tokio::test]
async fn formula_cells_are_defused_in_the_export() {
    let s = Committee::spawn().await;
    let id = submit(
        &s.app,
        &s.speaker.token,
        proposal("=HYPERLINK(\"http://evil\")", KERNEL_ABSTRACT, None),
    )
    .await;
    s.app
        .call(
            Method::PUT,
            &format!("/api/v1/proposals/{id}/track"),
            &s.chair.token,
            Some(&json!({"track": "rust"})),
        )
        .await;
    let csv = s
        .app
        .call(
            Method::GET,
            "/api/v1/events/rust-mc/tag-corrections.csv",
            &s.chair.token,
            None,
        )
        .await
        .text()
        .await
        .expect("csv");
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{csv}"
    );
}

#[tokio::test]
async fn the_needs_check_filter_finds_unsure_tags_and_disagreeing_speakers() {
    let s = Committee::spawn().await;
    let clear = submit(
        &s.app,
        &s.speaker.token,
        proposal("A Rust NVMe driver", KERNEL_ABSTRACT, None),
    )
    .await;
    let disagrees = submit(
        &s.app,
        &s.speaker.token,
        proposal("Another Rust NVMe driver", KERNEL_ABSTRACT, Some("rust")),
    )
    .await;
    let vague = submit(
        &s.app,
        &s.speaker.token,
        proposal("Lessons learned", VAGUE, None),
    )
    .await;
    let list: Value = s
        .app
        .call(
            Method::GET,
            "/api/v1/events/rust-mc/proposals?needs_check=true",
            &s.chair.token,
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    let ids: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert!(ids.contains(&disagrees.as_str()), "speaker disagrees");
    assert!(
        ids.contains(&vague.as_str()),
        "the tagger is unsure about vague text"
    );
    assert!(
        !ids.contains(&clear.as_str()),
        "a confident, undisputed tag needs no look"
    );
    // once a chair decides, it drops out
    s.app
        .call(
            Method::PUT,
            &format!("/api/v1/proposals/{vague}/track"),
            &s.chair.token,
            Some(&json!({"track": "rust"})),
        )
        .await;
    let list: Value = s
        .app
        .call(
            Method::GET,
            "/api/v1/events/rust-mc/proposals?needs_check=true",
            &s.chair.token,
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert!(
        !list["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|p| p["id"] == vague.as_str())
    );
}

#[tokio::test]
async fn the_dashboard_shows_tags_confidence_evidence_and_filters() {
    let s = Committee::spawn().await;
    submit(
        &s.app,
        &s.speaker.token,
        proposal("A Rust NVMe driver", KERNEL_ABSTRACT, None),
    )
    .await;
    let disputed = submit(
        &s.app,
        &s.speaker.token,
        proposal("Another Rust NVMe driver", KERNEL_ABSTRACT, Some("rust")),
    )
    .await;
    let (speaker_browser, _) = s.app.browser_signed_in(SPEAKER_EMAIL).await;
    let (status, _) = s
        .app
        .page(&speaker_browser, "/events/rust-mc/dashboard")
        .await;
    assert_eq!(status, 403);
    let (browser, csrf) = s.app.browser_signed_in(CHAIR_EMAIL).await;
    let (status, event_page) = s.app.page(&browser, "/events/rust-mc").await;
    assert_eq!(status, 200);
    assert!(
        event_page.contains("/events/rust-mc/dashboard"),
        "chairs get their links"
    );
    let (status, html) = s.app.page(&browser, "/events/rust-mc/dashboard").await;
    assert_eq!(status, 200);
    assert!(html.contains("A Rust NVMe driver") && html.contains("Another Rust NVMe driver"));
    assert!(html.contains("speaker disagrees"));
    assert!(html.contains("class=\"evidence\""));
    assert!(html.contains(" %"), "confidence shown");
    let (_, filtered) = s
        .app
        .page(&browser, "/events/rust-mc/dashboard?needs_check=true")
        .await;
    assert!(
        filtered.contains("Another Rust NVMe driver") && !filtered.contains(">A Rust NVMe driver<")
    );
    // the override form on the proposal page
    let (_, page) = s
        .app
        .page(&browser, &format!("/proposals/{disputed}"))
        .await;
    assert!(page.contains("Set the track") && page.contains("Revisions"));
    let response = browser
        .post(s.app.url(&format!("/proposals/{disputed}/track")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("track", "rust-for-linux"),
            ("subtopics", "drivers-and-subsystems"),
        ])
        .send()
        .await
        .expect("override");
    assert_eq!(response.status(), 303);
    let view: Value = s
        .app
        .get_with_token(&format!("/api/v1/proposals/{disputed}"), &s.chair.token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["tags"]["source"], "chair");
    assert_eq!(view["tags"]["track"], "rust-for-linux");
    let (_, page) = s
        .app
        .page(&speaker_browser, &format!("/proposals/{disputed}"))
        .await;
    assert!(
        !page.contains("Set the track"),
        "speakers do not get the chairs' form"
    );
}

#[tokio::test]
async fn chairs_edit_settings_and_admins_create_events_through_the_pages() {
    let s = Committee::spawn().await;
    let (browser, csrf) = s.app.browser_signed_in(CHAIR_EMAIL).await;
    let (status, form) = s.app.page(&browser, "/events/rust-mc/settings").await;
    assert_eq!(status, 200);
    assert!(
        form.contains("value=\"2029-12-31T19:00\""),
        "the closing time in New York time, as a datetime-local value"
    );
    assert!(form.contains("name=\"tracks[0].key\" type=\"text\" value=\"rust-for-linux\""));
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("title", "Rust MC 2026"),
        ("description", "The **Rust** MC."),
        ("time_zone", "Europe/Vienna"),
        ("cfp_opens_at", "2026-01-01T00:00"),
        ("cfp_closes_at", "2030-06-01T18:00"),
        ("score_min", "1"),
        ("score_max", "5"),
        ("max_co_speakers", "2"),
        ("max_proposals_per_speaker", "3"),
        ("formats[0].key", "talk"),
        ("formats[0].name", "Talk"),
        ("formats[0].minutes", "25"),
        ("formats[1].key", "bof"),
        ("formats[1].name", "Birds of a feather"),
        ("formats[1].minutes", "60"),
        ("formats[2].key", ""),
        ("formats[2].name", ""),
        ("formats[2].minutes", ""),
        ("tracks[0].key", "rust-for-linux"),
        ("tracks[0].name", "Rust for Linux"),
        ("tracks[1].key", "rust"),
        ("tracks[1].name", "Rust"),
        ("tracks[2].key", "tooling"),
        ("tracks[2].name", "Tooling"),
        ("tracks[3].key", "gone"),
        ("tracks[3].name", "Removed"),
        ("tracks[3].remove", "on"),
        ("subtopics[0].track", "rust-for-linux"),
        ("subtopics[0].key", "drivers"),
        ("subtopics[0].name", "Drivers"),
        ("subtopics[1].track", "gone"),
        ("subtopics[1].key", "with-its-track"),
        ("subtopics[1].name", "Goes with its track"),
    ];
    let response = browser
        .post(s.app.url("/events/rust-mc/settings"))
        .form(&fields[..])
        .send()
        .await
        .expect("save");
    assert_eq!(response.status(), 303);
    let event: Value = s
        .app
        .new_client()
        .get(s.app.url("/api/v1/events/rust-mc"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(event["title"], "Rust MC 2026");
    assert_eq!(event["time_zone"], "Europe/Vienna");
    assert_eq!(
        event["cfp_closes_at"], "2030-06-01T16:00:00Z",
        "18:00 in Vienna is 16:00 UTC in summer"
    );
    assert_eq!(event["max_co_speakers"], 2);
    assert_eq!(event["formats"][1]["key"], "bof");
    assert_eq!(event["tracks"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        event["tracks"][0]["subtopics"],
        json!([{"key": "drivers", "name": "Drivers"}])
    );
    // mistakes come back inline with the typed text
    let mut bad = fields.to_vec();
    bad[5] = ("cfp_closes_at", "next tuesday");
    bad[15] = ("formats[1].minutes", "an hour");
    let response = browser
        .post(s.app.url("/events/rust-mc/settings"))
        .form(&bad)
        .send()
        .await
        .expect("save");
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert!(
        html.contains("is not a date and time like 2026-11-13 09:00")
            && html.contains("id=\"formats-1-minutes-error\">must be a whole number of minutes")
    );
    assert!(html.contains("next tuesday"));
    // a speaker may not open the settings; an admin creates a new event
    let (speaker, _) = s.app.browser_signed_in(SPEAKER_EMAIL).await;
    assert_eq!(
        s.app.page(&speaker, "/events/rust-mc/settings").await.0,
        403
    );
    assert_eq!(s.app.page(&speaker, "/events/new").await.0, 403);
    let (admin_browser, admin_csrf) = s.app.browser_signed_in("admin@example.org").await;
    let _ = &s.admin;
    let (status, _) = s.app.page(&admin_browser, "/events/new").await;
    assert_eq!(status, 200);
    let response = admin_browser
        .post(s.app.url("/events/new"))
        .form(&[
            ("csrf_token", admin_csrf.as_str()),
            ("slug", "kernel-mc"),
            ("title", "Kernel MC"),
            ("description", ""),
            ("time_zone", "UTC"),
            ("cfp_opens_at", "2026-01-01 00:00"),
            ("cfp_closes_at", "2030-01-01 00:00"),
            ("score_min", "1"),
            ("score_max", "5"),
        ])
        .send()
        .await
        .expect("create");
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/events/kernel-mc/settings");
    let created = s
        .app
        .new_client()
        .get(s.app.url("/api/v1/events/kernel-mc"))
        .send()
        .await
        .expect("get");
    assert_eq!(created.status(), 200);
}
