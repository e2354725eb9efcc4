//! The chairs' programme board (`/events/{slug}/programme`) without JavaScript: the unplaced
//! talks beside the blocks, one form whose every button edits and saves the whole programme.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Committee, Proposal, answer, api, at, between, decide, patch_event, post, release, submit,
};

const BOARD: &str = "/events/rust-mc/programme";
const PROGRAMME: &str = "/api/v1/events/rust-mc/programme";

struct Board {
    c: Committee,
    browser: reqwest::Client,
    csrf: String,
    /// "Async drivers in Rust" (talk, 30 min, by the speaker)
    drivers: String,
    /// "Ten minutes of unsafe" (lightning, 10 min, confirmed)
    unsafe_talk: String,
}

async fn board() -> Board {
    let c = Committee::spawn().await;
    patch_event(
        &c.app,
        &c.admin,
        json!({"time_zone": "Europe/Berlin", "formats": [
            {"key": "talk", "name": "Talk", "minutes": 30},
            {"key": "lightning", "name": "Lightning talk", "minutes": 10}
        ]}),
    )
    .await;
    let (app, chair) = (&c.app, &c.chair.token);
    let drivers = submit(
        app,
        &c.speaker.token,
        Proposal::titled("Async drivers in Rust"),
    )
    .await;
    let unsafe_talk = submit(
        app,
        &c.other.token,
        Proposal::titled("Ten minutes of unsafe").format("lightning"),
    )
    .await;
    let rejected = submit(app, &c.other.token, Proposal::titled("A rejected talk")).await;
    decide(app, chair, &drivers, "accept").await;
    decide(app, chair, &unsafe_talk, "accept").await;
    decide(app, chair, &rejected, "reject").await;
    release(app, chair).await;
    answer(app, &c.other.token, &unsafe_talk, "confirm").await;
    let (browser, csrf) = c.app.browser_signed_in(&c.chair.email).await;
    Board {
        c,
        browser,
        csrf,
        drivers,
        unsafe_talk,
    }
}

/// One block's fields and its items (kind, talk id or break title, minutes), as the form posts
/// them; plus the pressed button.
fn fields(
    b: &Board,
    block: (&str, &str, &str),
    items: &[(&str, &str, &str)],
    action: &str,
) -> Vec<(String, String)> {
    let mut f = vec![
        ("csrf_token".to_owned(), b.csrf.clone()),
        ("action".to_owned(), action.to_owned()),
        ("block_0_title".to_owned(), block.0.to_owned()),
        ("block_0_room".to_owned(), "Hall A".to_owned()),
        ("block_0_starts".to_owned(), block.1.to_owned()),
        ("block_0_ends".to_owned(), block.2.to_owned()),
    ];
    for (n, (kind, what, minutes)) in items.iter().enumerate() {
        let mut add = |name: &str, value: &str| f.push((format!("item_{n}_{name}"), value.into()));
        add("kind", kind);
        add(if *kind == "talk" { "talk" } else { "break" }, what);
        add("minutes", minutes);
        add("block", "0");
        add("position", &(n + 1).to_string());
    }
    f
}

async fn send(b: &Board, fields: &[(String, String)]) -> (u16, String) {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, _, body) = post(&b.c.app, &b.browser, BOARD, &pairs).await;
    (status, body)
}

async fn programme(b: &Board) -> Value {
    api(
        &b.c.app,
        Method::GET,
        PROGRAMME,
        &b.c.chair.token,
        None,
        200,
    )
    .await
}

fn titles(programme: &Value) -> Vec<String> {
    programme["blocks"][0]["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["title"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

const MORNING: (&str, &str, &str) = ("Morning", "2026-06-10T09:00", "2026-06-10T10:00");

#[tokio::test]
async fn a_chair_sees_the_unplaced_talks_beside_the_blocks_and_their_times() {
    let b = board().await;
    api(
        &b.c.app,
        Method::PUT,
        PROGRAMME,
        &b.c.chair.token,
        Some(&json!({"blocks": [{"title": "Morning", "room": "Hall A",
            "starts_at": "2026-06-10T09:00:00+02:00", "ends_at": "2026-06-10T10:00:00+02:00",
            "items": [{"proposal_id": b.drivers}, {"break": "Coffee", "minutes": 15}]}]})),
        200,
    )
    .await;
    let (status, html) = b.c.app.page(&b.browser, BOARD).await;
    assert_eq!(status, 200);
    let unplaced = between(&html, "id=\"unplaced-heading\"", "id=\"tracks-heading\"");
    assert!(unplaced.contains("Ten minutes of unsafe"), "{unplaced}");
    assert!(unplaced.contains("10 min"), "{unplaced}");
    assert!(
        !unplaced.contains("Async drivers in Rust"),
        "placed already"
    );
    assert!(!html.contains("A rejected talk"), "never offered");
    let block = between(&html, "id=\"block-0\"", "</fieldset>");
    assert!(block.contains("value=\"2026-06-10T09:00\""), "{block}");
    assert!(block.contains("09:00–09:30"), "{block}");
    assert!(block.contains("09:30–09:45"), "the break follows");
    assert!(block.contains("45 of 60 minutes used"), "{block}");
    assert!(html.contains("Not published"));
    // from the board to the exports and the live page, without retyping anything
    for link in [
        "live",
        "programme.ics",
        "schedule.xml",
        "programme-indico.csv",
    ] {
        assert!(
            html.contains(&format!("href=\"/events/rust-mc/{link}\"")),
            "{link}"
        );
    }
    assert!(html.contains("Minutes per track"));
    // the chairs find it in their navigation
    let (_, dashboard) = b.c.app.page(&b.browser, "/events/rust-mc/dashboard").await;
    assert!(dashboard.contains("href=\"/events/rust-mc/programme\">Programme</a>"));
}

#[tokio::test]
async fn the_form_adds_a_block_places_talks_moves_and_removes_them() {
    let b = board().await;
    let (status, html) = send(&b, &fields(&b, ("", "", ""), &[], "add_block")[..2]).await;
    assert_eq!(status, 422);
    assert!(html.contains("To add a block, fill in its title, start and end."));
    let (status, _) = send(
        &b,
        &[
            ("csrf_token".to_owned(), b.csrf.clone()),
            ("action".to_owned(), "add_block".to_owned()),
            ("new_title".to_owned(), "Morning".to_owned()),
            ("new_room".to_owned(), "Hall A".to_owned()),
            ("new_starts".to_owned(), "2026-06-10T09:00".to_owned()),
            ("new_ends".to_owned(), "2026-06-10T10:00".to_owned()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let p = programme(&b).await;
    assert_eq!(p["blocks"][0]["starts_at"], "2026-06-10T09:00:00+02:00");
    // "Add talk" places it at the end of the chosen block, with its format's minutes
    for id in [&b.drivers, &b.unsafe_talk] {
        let mut f = fields(&b, MORNING, &[], &format!("place:{id}"));
        let placed = programme(&b).await;
        for (n, item) in placed["blocks"][0]["items"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            for (k, v) in [
                ("kind", "talk"),
                ("talk", item["proposal_id"].as_str().unwrap_or_default()),
                ("minutes", ""),
                ("block", "0"),
                ("position", &(n + 1).to_string()),
            ] {
                f.push((format!("item_{n}_{k}"), v.to_owned()));
            }
        }
        f.push((format!("place_{id}"), "0".to_owned()));
        let (status, body) = send(&b, &f).await;
        assert_eq!(status, 303, "{body}");
    }
    let p = programme(&b).await;
    assert_eq!(
        titles(&p),
        ["Async drivers in Rust", "Ten minutes of unsafe"]
    );
    assert_eq!(p["blocks"][0]["items"][1]["minutes"], 10);
    let (_, html) = b.c.app.page(&b.browser, BOARD).await;
    assert!(
        html.contains("moved to position") || html.contains("placed in block"),
        "the flash says what happened"
    );
    let items = [
        ("talk", b.drivers.as_str(), "30"),
        ("talk", b.unsafe_talk.as_str(), "10"),
    ];
    // move the first down
    let (status, _) = send(&b, &fields(&b, MORNING, &items, "down:0")).await;
    assert_eq!(status, 303);
    let p = programme(&b).await;
    assert_eq!(
        titles(&p),
        ["Ten minutes of unsafe", "Async drivers in Rust"]
    );
    assert_eq!(
        p["blocks"][0]["items"][1]["starts_at"],
        "2026-06-10T09:10:00+02:00"
    );
    let (_, html) = b.c.app.page(&b.browser, BOARD).await;
    assert!(
        html.contains("Talk “Async drivers in Rust” moved to position 2 of block “Morning”."),
        "{}",
        between(&html, "<main", "</section>")
    );
    // and back up
    let swapped = [items[1], items[0]];
    let (status, _) = send(&b, &fields(&b, MORNING, &swapped, "up:1")).await;
    assert_eq!(status, 303);
    assert_eq!(
        titles(&programme(&b).await),
        ["Async drivers in Rust", "Ten minutes of unsafe"]
    );
    // a break added, then a talk removed: back among the unplaced
    let (status, _) = send(&b, &fields(&b, MORNING, &items, "add_break:0")).await;
    assert_eq!(status, 303);
    assert_eq!(titles(&programme(&b).await)[2], "Break");
    let (status, _) = send(&b, &fields(&b, MORNING, &items, "remove:0")).await;
    assert_eq!(status, 303);
    assert_eq!(titles(&programme(&b).await), ["Ten minutes of unsafe"]);
    let (_, html) = b.c.app.page(&b.browser, BOARD).await;
    let unplaced = between(&html, "id=\"unplaced-heading\"", "id=\"tracks-heading\"");
    assert!(unplaced.contains("Async drivers in Rust"), "{unplaced}");
}

#[tokio::test]
async fn an_overflow_is_shown_next_to_its_item_with_the_input_kept() {
    let b = board().await;
    let items = [
        ("talk", b.drivers.as_str(), "30"),
        ("break", "Long coffee", "25"),
        ("talk", b.unsafe_talk.as_str(), "10"),
    ];
    let block = ("Typed morning", "2026-06-10T09:00", "2026-06-10T10:00");
    let (status, html) = send(&b, &fields(&b, block, &items, "save")).await;
    assert_eq!(status, 422);
    let error = between(&html, "id=\"item-2-error\">", "</p>");
    assert!(
        error.contains("ends at 2026-06-10T10:05:00+02:00, after the block"),
        "{error}"
    );
    assert!(
        !html.contains("id=\"item-1-error\""),
        "only the first past the end"
    );
    assert!(html.contains("value=\"Typed morning\""), "input kept");
    assert!(html.contains("value=\"Long coffee\""), "input kept");
    assert!(html.contains("value=\"25\""), "input kept");
    assert!(
        html.contains("over-full by 5 minutes"),
        "the block is flagged"
    );
    at(&html, "role=\"alert\"");
    // nothing saved
    assert_eq!(programme(&b).await["blocks"], json!([]));
}

#[tokio::test]
async fn only_the_chairs_see_the_board() {
    let b = board().await;
    let (speaker, csrf) = b.c.app.browser_signed_in(&b.c.speaker.email).await;
    let (status, _) = b.c.app.page(&speaker, BOARD).await;
    let (questions, _) = b.c.app.page(&speaker, "/events/rust-mc/questions").await;
    assert_eq!(status, questions, "as the other chairs-only pages");
    assert!(status == 403 || status == 404, "{status}");
    let (status, _, _) = post(
        &b.c.app,
        &speaker,
        BOARD,
        &[("csrf_token", csrf.as_str()), ("action", "save")],
    )
    .await;
    assert_eq!(status, questions);
    let (status, _, _) = post(
        &b.c.app,
        &speaker,
        "/events/rust-mc/programme/publish",
        &[("csrf_token", csrf.as_str()), ("publish", "1")],
    )
    .await;
    assert_eq!(status, questions);
    let anonymous = b.c.app.new_client();
    let (status, _) = b.c.app.page(&anonymous, BOARD).await;
    assert_eq!(status, 303, "signed-out visitors are sent to sign in");
}

#[tokio::test]
async fn a_declined_talk_still_placed_is_flagged_and_removed_in_one_click() {
    let b = board().await;
    let items = [
        ("talk", b.drivers.as_str(), "30"),
        ("talk", b.unsafe_talk.as_str(), "10"),
    ];
    let (status, _) = send(&b, &fields(&b, MORNING, &items, "save")).await;
    assert_eq!(status, 303);
    answer(&b.c.app, &b.c.speaker.token, &b.drivers, "decline").await;
    let (_, html) = b.c.app.page(&b.browser, BOARD).await;
    let item = between(&html, "id=\"item-0\"", "</li>");
    assert!(
        item.contains("This talk is declined now, no longer accepted or confirmed"),
        "{item}"
    );
    assert!(item.contains("value=\"remove:0\""), "{item}");
    assert!(item.contains("Remove from programme"), "{item}");
    // saving with it refuses, naming it
    let (status, html) = send(&b, &fields(&b, MORNING, &items, "save")).await;
    assert_eq!(status, 422);
    let error = between(&html, "id=\"item-0-error\">", "</p>");
    assert!(error.contains("talk is declined"), "{error}");
    // the one click drops it and saves the rest
    let (status, _) = send(&b, &fields(&b, MORNING, &items, "remove:0")).await;
    assert_eq!(status, 303);
    assert_eq!(titles(&programme(&b).await), ["Ten minutes of unsafe"]);
}

#[tokio::test]
async fn publish_and_unpublish_show_the_state() {
    let b = board().await;
    let publish = |value: &'static str| {
        let b = &b;
        async move {
            post(
                &b.c.app,
                &b.browser,
                "/events/rust-mc/programme/publish",
                &[("csrf_token", b.csrf.as_str()), ("publish", value)],
            )
            .await
        }
    };
    // an empty programme cannot be published: said, not an error page
    let (status, _, _) = publish("1").await;
    assert_eq!(status, 303);
    let (_, html) = b.c.app.page(&b.browser, BOARD).await;
    assert!(html.contains("the programme is empty"), "{html}");
    assert!(html.contains("Not published"));
    let items = [("talk", b.drivers.as_str(), "30")];
    send(&b, &fields(&b, MORNING, &items, "save")).await;
    let (status, _, _) = publish("1").await;
    assert_eq!(status, 303);
    let (_, html) = b.c.app.page(&b.browser, BOARD).await;
    assert!(html.contains("<strong>Published</strong> since"), "{html}");
    assert!(html.contains(">Unpublish</button>"));
    let public = b.c.app.new_client();
    let response = public
        .get(b.c.app.url(PROGRAMME))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    let (status, _, _) = publish("0").await;
    assert_eq!(status, 303);
    let response = public
        .get(b.c.app.url(PROGRAMME))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 404);
}
