//! The reviewer's queue, a page at a time: its order across pages, its cursor and limit, the
//! conflicts it never shows, track restrictions and `reviewers_see_all`; and the reviewer's
//! proposal list, paged the same way.

use reqwest::Method;
use serde_json::{Value, json};

use super::solid;
use crate::helpers::{
    Committee, EVENT, Person, Proposal, TestApp, add_member_to, api, assign, field_error, ids_of,
    patch_event, person, review, send, set_track, submit,
};

const QUEUE: &str = "/api/v1/events/rust-mc/review-queue";

/// Every page of the caller's queue at this page size, following `next_cursor` to its `null`.
async fn queue_pages(app: &TestApp, token: &str, limit: usize) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut path = format!("{QUEUE}?limit={limit}");
    loop {
        let page = api(app, Method::GET, &path, token, None, 200).await;
        assert!(page["items"].as_array().expect("items").len() <= limit);
        let next = page["next_cursor"].as_str().map(str::to_owned);
        pages.push(page);
        match next {
            Some(cursor) => path = format!("{QUEUE}?limit={limit}&cursor={cursor}"),
            None => return pages,
        }
    }
}

/// The proposal ids of every page, page by page.
fn ids_by_page(pages: &[Value]) -> Vec<Vec<String>> {
    pages
        .iter()
        .map(|p| ids_of(&p["items"], "proposal_id"))
        .collect()
}

/// More submissions than the default limit allows a speaker.
async fn many_per_speaker(c: &Committee) {
    patch_event(
        &c.app,
        &c.admin,
        json!({"reviewers_see_all": true, "max_proposals_per_speaker": 100}),
    )
    .await;
}

/// Five proposals A–E, oldest first; Rita is assigned B, D and E and has reviewed D (assigned)
/// and A (merely visible): her queue is B, E (pending, assigned), C (pending, visible), D
/// (done, assigned), A (done, visible), whatever the page size.
#[tokio::test]
async fn the_queue_keeps_its_order_across_pages() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    many_per_speaker(&c).await;
    let mut ids = Vec::new();
    for title in ["Queue A", "Queue B", "Queue C", "Queue D", "Queue E"] {
        ids.push(submit(app, &c.speaker.token, format!("{title} talk").as_str()).await);
    }
    for i in [1, 3, 4] {
        assign(app, &c.admin, &ids[i], &[&c.rita.id]).await;
    }
    review(app, &c.rita.token, &ids[3], &solid(4, 2)).await;
    review(app, &c.rita.token, &ids[0], &solid(2, 3)).await;
    let expected: Vec<String> = [1, 4, 2, 3, 0].map(|i| ids[i].clone()).to_vec();

    let pages = queue_pages(app, &c.rita.token, 2).await;
    let by_page = ids_by_page(&pages);
    assert_eq!(by_page.len(), 3, "{by_page:?}");
    assert_eq!(by_page.concat(), expected, "{by_page:?}");
    assert!(pages[2]["next_cursor"].is_null());
    let items: Vec<Value> = pages
        .iter()
        .flat_map(|p| p["items"].as_array().expect("items").clone())
        .collect();
    let assigned: Vec<bool> = items.iter().map(|i| i["assigned"] == true).collect();
    assert_eq!(assigned, [true, true, false, true, false]);
    let scores: Vec<Value> = items.iter().map(|i| i["my_score"].clone()).collect();
    assert_eq!(
        scores,
        [Value::Null, Value::Null, Value::Null, json!(4), json!(2)]
    );
    assert_eq!(items[0]["title"], "Queue B talk");
    assert_eq!(items[0]["format"], "talk");
    assert_eq!(pages[0]["review_open"], true);

    // one page of everything, and page sizes that cut between the segments
    for limit in [1, 3, 5, 50] {
        let pages = queue_pages(app, &c.rita.token, limit).await;
        assert_eq!(ids_by_page(&pages).concat(), expected, "limit {limit}");
    }
    let whole = api(app, Method::GET, QUEUE, &c.rita.token, None, 200).await;
    assert_eq!(ids_of(&whole["items"], "proposal_id"), expected);
    assert!(whole["next_cursor"].is_null());
}

/// A bad page size or cursor is a 422 naming the parameter, never a 500.
#[tokio::test]
async fn bad_queue_parameters_are_named() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let p = submit(app, &c.speaker.token, "A talk to list").await;
    let listed = api(
        app,
        Method::GET,
        &format!("{EVENT}/proposals?limit=1"),
        &c.admin,
        None,
        200,
    )
    .await;
    assert!(listed["next_cursor"].is_null() && ids_of(&listed["items"], "id") == [p.clone()]);
    // a cursor of another list (the proposals') is not the queue's
    let list_cursor = {
        submit(app, &c.speaker.token, "Another talk to list").await;
        let listed = api(
            app,
            Method::GET,
            &format!("{EVENT}/proposals?limit=1"),
            &c.admin,
            None,
            200,
        )
        .await;
        listed["next_cursor"]
            .as_str()
            .expect("a next page")
            .to_owned()
    };
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("limit=-1", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        (
            "cursor=cTl8MXwwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA",
            "cursor",
        ),
        (&format!("cursor={list_cursor}"), "cursor"),
    ] {
        let path = format!("{QUEUE}?{query}");
        let (status, text) = send(app, Method::GET, &path, Some(&c.rita.token), None).await;
        assert_eq!(status, 422, "{query}: {text}");
        let problem: Value = serde_json::from_str(&text).expect("problem+json");
        assert!(field_error(&problem, field), "{query}: {problem}");
    }
    let (status, _) = send(
        app,
        Method::GET,
        &format!("{QUEUE}?limit=500&cursor="),
        Some(&c.rita.token),
        None,
    )
    .await;
    assert_eq!(status, 200);
}

/// Rita speaks too: her eleven proposals come first, and she is conflicted with every one. A
/// page of one is still the first proposal she may review (the candidates are fetched again
/// when the conflicted fill a round), and her own never appear on any page.
#[tokio::test]
async fn a_conflicted_proposal_never_fills_a_page() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    many_per_speaker(&c).await;
    let mut own = Vec::new();
    for i in 0..11 {
        own.push(
            submit(
                app,
                &c.rita.token,
                format!("Rita's own talk {i:02}").as_str(),
            )
            .await,
        );
    }
    let first = submit(app, &c.speaker.token, "Adalind's first talk").await;
    let declared = submit(app, &c.speaker.token, "Adalind's declared talk").await;
    let last = submit(app, &c.other.token, "Bart's talk").await;
    let path = format!("/api/v1/proposals/{declared}/conflicts");
    let body = json!({"reviewer_id": c.rita.id, "conflicted": true});
    api(app, Method::PUT, &path, &c.rita.token, Some(&body), 200).await;

    let one = api(
        app,
        Method::GET,
        &format!("{QUEUE}?limit=1"),
        &c.rita.token,
        None,
        200,
    )
    .await;
    assert_eq!(ids_of(&one["items"], "proposal_id"), [first.as_str()]);
    assert!(one["next_cursor"].is_string());
    for limit in [1, 2, 20] {
        let pages = queue_pages(app, &c.rita.token, limit).await;
        assert_eq!(
            ids_by_page(&pages).concat(),
            [first.clone(), last.clone()],
            "limit {limit}"
        );
    }
    // Rex, who speaks nowhere, has all fourteen
    let rex = queue_pages(app, &c.rex.token, 5).await;
    assert_eq!(ids_by_page(&rex).concat().len(), 14);
}

/// A reviewer restricted to a track sees only that track's proposals (and those without a
/// track), assigned or, with `reviewers_see_all`, not; a chair's queue is only what is
/// assigned to them, whatever `reviewers_see_all` says.
#[tokio::test]
async fn the_queue_keeps_to_the_members_tracks_and_role() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let tess = person(app, "tess@reviewers.test", "Tess Trackbound").await;
    add_member_to(
        app,
        &c.admin,
        "rust-mc",
        &tess.email,
        "reviewer",
        json!(["rust"]),
    )
    .await;
    let kernel = submit(app, &c.speaker.token, Proposal::titled("A kernel talk")).await;
    let rust = submit(app, &c.speaker.token, Proposal::titled("A language talk")).await;
    let other_rust = submit(
        app,
        &c.other.token,
        Proposal::titled("Another language talk"),
    )
    .await;
    set_track(app, &c.admin, &kernel, "rust-for-linux").await;
    set_track(app, &c.admin, &rust, "rust").await;
    set_track(app, &c.admin, &other_rust, "rust").await;
    assign(app, &c.admin, &rust, &[&tess.id, &c.chair.id]).await;
    assign(app, &c.admin, &kernel, &[&c.rita.id, &c.chair.id]).await;

    let queue_of = |p: &Person| {
        let token = p.token.clone();
        async move { ids_by_page(&queue_pages(app, &token, 1).await).concat() }
    };
    assert_eq!(queue_of(&tess).await, [rust.as_str()]);
    assert_eq!(queue_of(&c.rita).await, [kernel.as_str()]);
    assert_eq!(queue_of(&c.chair).await, [kernel.clone(), rust.clone()]);

    patch_event(app, &c.admin, json!({"reviewers_see_all": true})).await;
    assert_eq!(queue_of(&tess).await, [rust.clone(), other_rust.clone()]);
    assert_eq!(
        queue_of(&c.rita).await,
        [kernel.clone(), rust.clone(), other_rust.clone()]
    );
    assert_eq!(queue_of(&c.chair).await, [kernel.clone(), rust.clone()]);
    // withdrawn proposals leave every queue
    api(
        app,
        Method::POST,
        &format!("/api/v1/proposals/{rust}/withdraw"),
        &c.speaker.token,
        None,
        200,
    )
    .await;
    assert_eq!(queue_of(&tess).await, [other_rust.as_str()]);
    assert_eq!(queue_of(&c.chair).await, [kernel]);
    // a speaker is no member: 403
    let (status, _) = send(app, Method::GET, QUEUE, Some(&c.speaker.token), None).await;
    assert_eq!(status, 403);
}

/// The reviewer's proposal list, one proposal a page: exactly the assigned ones she is not
/// conflicted with, and her own (as their speaker), in the list's order.
#[tokio::test]
async fn a_reviewers_list_pages_through_what_she_may_see() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let sam = person(app, "sam@reviewers.test", "Sam Samedomain").await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(submit(app, &c.speaker.token, format!("Listed talk {i}").as_str()).await);
    }
    let same_domain = submit(app, &sam.token, "Sam's talk").await;
    let own = submit(app, &c.rita.token, "Rita's talk").await;
    for p in [&ids[0], &ids[2], &ids[3], &same_domain] {
        assign(app, &c.admin, p, &[&c.rita.id]).await;
    }
    let declared = format!("/api/v1/proposals/{}/conflicts", ids[3]);
    let body = json!({"reviewer_id": c.rita.id, "conflicted": true});
    api(app, Method::PUT, &declared, &c.rita.token, Some(&body), 200).await;
    patch_event(app, &c.admin, json!({"conflict_same_domain": true})).await;

    let mut seen = Vec::new();
    let mut path = format!("{EVENT}/proposals?limit=1");
    loop {
        let page = api(app, Method::GET, &path, &c.rita.token, None, 200).await;
        let items = ids_of(&page["items"], "id");
        assert!(items.len() <= 1, "{page}");
        seen.extend(items);
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("{EVENT}/proposals?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, [ids[0].clone(), ids[2].clone(), own.clone()]);
    let whole = api(
        app,
        Method::GET,
        &format!("{EVENT}/proposals"),
        &c.rita.token,
        None,
        200,
    )
    .await;
    assert_eq!(ids_of(&whole["items"], "id"), seen);
    assert!(whole["next_cursor"].is_null());
}
