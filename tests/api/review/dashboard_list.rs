//! The chairs' proposal list (issue 14): `?q=` searches titles, abstracts and speakers' names
//! (the submitter's and accepted co-speakers'), `?sort=` orders by any column both ways with
//! the same cursors paging it, bad values are 422s naming the parameter, and the dashboard keeps
//! both in its links.

use reqwest::Method;
use serde_json::Value;

use super::solid;
use crate::helpers::{
    Committee, EVENT, Proposal, TestApp, api, assign, field_error, ids_of, person, review, send,
    submit,
};

/// Three proposals with distinct review figures: `fearless` (2 reviews, mean 4.5), `embedded`
/// (1 review, mean 2, with an accepted co-speaker), `borrow` (no review).
struct Three {
    fearless: String,
    embedded: String,
    borrow: String,
}

async fn three(c: &Committee) -> Three {
    let app = &c.app;
    let cosima = person(app, "cosima@speakers.test", "Cosima Quillfeather").await;
    let fearless = submit(
        app,
        &c.speaker.token,
        Proposal::titled("Fearless concurrency in kernel drivers").abstract_text(
            "How we replaced spinlocks with lock-free queues in a network driver, and what \
             the borrow checker caught along the way.",
        ),
    )
    .await;
    let embedded = submit(
        app,
        &c.other.token,
        Proposal::titled("Zero-cost abstractions on microcontrollers")
            .abstract_text(
                "Interrupt handlers, DMA and typestate on a small board: an experience report \
                 from three years of shipping firmware in Rust.",
            )
            .co_speakers(&[&cosima]),
    )
    .await;
    let borrow = submit(
        app,
        &c.speaker.token,
        Proposal::titled("A diary of borrowing").abstract_text(
            "Twelve months of learning ownership while porting a parser, told as diary entries \
             with the compiler messages that taught us most.",
        ),
    )
    .await;
    for id in [&fearless, &embedded, &borrow] {
        assign(app, &c.chair.token, id, &[&c.rita.id, &c.rex.id]).await;
    }
    review(app, &c.rita.token, &fearless, &solid(5, 2)).await;
    review(app, &c.rex.token, &fearless, &solid(4, 2)).await;
    review(app, &c.rita.token, &embedded, &solid(2, 2)).await;
    Three {
        fearless,
        embedded,
        borrow,
    }
}

async fn listed(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let page = api(
        app,
        Method::GET,
        &format!("{EVENT}/proposals?{query}"),
        token,
        None,
        200,
    )
    .await;
    assert_eq!(page["next_cursor"], Value::Null, "{page}");
    ids_of(&page["items"], "id")
}

/// Every page of one proposal each, following the cursors.
async fn walked(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut path = format!("{EVENT}/proposals?{query}&limit=1");
    for _ in 0..10 {
        let page = api(app, Method::GET, &path, token, None, 200).await;
        ids.extend(ids_of(&page["items"], "id"));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("{EVENT}/proposals?{query}&limit=1&cursor={cursor}"),
            None => return ids,
        }
    }
    panic!("the list never ended: {ids:?}");
}

#[tokio::test]
async fn q_finds_proposals_by_title_abstract_and_any_speakers_name() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let t = three(&c).await;
    let chair = &c.chair.token;
    for (q, expected) in [
        // a title's word, stemmed ("driver" finds "drivers")
        ("driver", vec![&t.fearless]),
        // an abstract's words
        ("typestate", vec![&t.embedded]),
        ("queue", vec![&t.fearless]),
        // a prefix of a short word
        ("borr", vec![&t.fearless, &t.borrow]),
        // the submitter's name, and an accepted co-speaker's, whole or begun
        ("Talkington", vec![&t.embedded]),
        ("Quillfeather", vec![&t.embedded]),
        ("cosima quill", vec![&t.embedded]),
        // a quoted phrase, and a word left out
        ("\"lock-free queues\"", vec![&t.fearless]),
        ("borrow -spinlocks", vec![&t.borrow]),
        ("nothing-like-this", vec![]),
    ] {
        let query = format!("q={}", urlencoding(q));
        let got = listed(app, chair, &query).await;
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(got, expected, "q={q}");
    }
    // with the other filters and a sort: all apply together
    let got = listed(app, chair, "q=borr&state=submitted&sort=-mean").await;
    assert_eq!(got, vec![t.fearless.clone(), t.borrow.clone()]);
    let got = listed(app, chair, "q=borr&sort=title").await;
    assert_eq!(got, vec![t.borrow.clone(), t.fearless.clone()]);
}

fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn every_sort_orders_both_ways_and_its_cursors_page_it() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let t = three(&c).await;
    let chair = &c.chair.token;
    let (f, e, b) = (t.fearless.clone(), t.embedded.clone(), t.borrow.clone());
    // the figures: fearless 2 reviews, mean 4.5; embedded 1, mean 2; borrow none (last both ways)
    for (sort, expected) in [
        ("created_at", vec![&f, &e, &b]),
        ("-created_at", vec![&b, &e, &f]),
        ("title", vec![&b, &f, &e]),
        ("-title", vec![&e, &f, &b]),
        ("-calibrated", vec![&f, &e, &b]),
        ("calibrated", vec![&e, &f, &b]),
        ("-mean", vec![&f, &e, &b]),
        ("mean", vec![&e, &f, &b]),
        ("-reviews", vec![&f, &e, &b]),
        ("reviews", vec![&b, &e, &f]),
    ] {
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        let query = format!("sort={sort}");
        assert_eq!(listed(app, chair, &query).await, expected, "sort={sort}");
        assert_eq!(
            walked(app, chair, &query).await,
            expected,
            "paged, sort={sort}"
        );
    }
    // the tagger's confidence: as the items say, ties by id, in both directions
    let page = api(
        app,
        Method::GET,
        &format!("{EVENT}/proposals"),
        chair,
        None,
        200,
    )
    .await;
    let mut by_confidence: Vec<(f64, String)> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let confidence = i["tags"]["confidence"].as_f64().expect("a confidence");
            (confidence, i["id"].as_str().expect("id").to_owned())
        })
        .collect();
    by_confidence.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let ascending: Vec<String> = by_confidence.iter().map(|(_, id)| id.clone()).collect();
    let descending: Vec<String> = ascending.iter().rev().cloned().collect();
    assert_eq!(listed(app, chair, "sort=confidence").await, ascending);
    assert_eq!(walked(app, chair, "sort=confidence").await, ascending);
    assert_eq!(listed(app, chair, "sort=-confidence").await, descending);
    assert_eq!(walked(app, chair, "sort=-confidence").await, descending);
}

#[tokio::test]
async fn a_bad_q_sort_or_cursor_is_a_422_naming_it() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    three(&c).await;
    let chair = c.chair.token.as_str();
    let long = "x".repeat(201);
    let cursor = {
        let path = format!("{EVENT}/proposals?sort=title&limit=1");
        let page = api(app, Method::GET, &path, chair, None, 200).await;
        page["next_cursor"]
            .as_str()
            .expect("a next page")
            .to_owned()
    };
    for (query, field) in [
        (format!("q={long}"), "q"),
        ("q=rust%01kernel".to_owned(), "q"),
        ("sort=score".to_owned(), "sort"),
        ("sort=--title".to_owned(), "sort"),
        ("sort=Title".to_owned(), "sort"),
        // a cursor of another sort, or of the default order
        (format!("sort=-title&cursor={cursor}"), "cursor"),
        (format!("sort=-mean&cursor={cursor}"), "cursor"),
        (format!("cursor={cursor}"), "cursor"),
    ] {
        let path = format!("{EVENT}/proposals?{query}");
        let (status, text) = send(app, Method::GET, &path, Some(chair), None).await;
        assert_eq!(status, 422, "{query}: {text}");
        let problem: Value = serde_json::from_str(&text).expect("problem");
        assert!(field_error(&problem, field), "{query}: {problem}");
    }
    // 200 characters is fine, and blank is no search
    let q = "x".repeat(200);
    listed(app, chair, &format!("q={q}")).await;
    assert_eq!(listed(app, chair, "q=%20%20").await.len(), 3);
    // a speaker lists their own proposals, but neither searches nor sorts: a 403 naming both
    for query in ["q=diary", "sort=-title"] {
        let path = format!("{EVENT}/proposals?{query}");
        let (status, text) = send(app, Method::GET, &path, Some(&c.speaker.token), None).await;
        assert_eq!(status, 403, "{query}: {text}");
        assert!(
            text.contains("(q)") && text.contains("(sort)"),
            "{query}: {text}"
        );
    }
    assert_eq!(
        listed(app, &c.speaker.token, "sort=created_at").await.len(),
        2
    );
}

#[tokio::test]
async fn the_dashboard_keeps_search_filters_and_sort_in_its_links() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let t = three(&c).await;
    let (chair, _) = app.browser_signed_in(&c.chair.email).await;
    let (status, html) = app
        .page(
            &chair,
            "/events/rust-mc/dashboard?q=borr&state=submitted&sort=-mean",
        )
        .await;
    assert_eq!(status, 200);
    // askama writes & in attributes as &#38;
    let html = html.replace("&#38;", "&");
    let table = html
        .split("data-keyboard-rows")
        .nth(1)
        .and_then(|rest| rest.split("</tbody>").next())
        .expect("the proposals' table");
    let fearless = table.find(&t.fearless).expect(&html);
    let borrow = table.find(&t.borrow).expect("borrow is found");
    assert!(fearless < borrow, "best mean first");
    assert!(!table.contains(&t.embedded), "embedded does not match");
    // the sorted header says so; the others link to their sort, filters kept, from page one
    assert!(html.contains("aria-sort=\"descending\"><a href=\"/events/rust-mc/dashboard?q=borr&state=submitted&sort=mean\">Mean"), "{html}");
    assert_eq!(html.matches("aria-sort=").count(), 1);
    assert!(
        html.contains(
            "href=\"/events/rust-mc/dashboard?q=borr&state=submitted&sort=title\">Proposal"
        )
    );
    assert!(html.contains(
        "href=\"/events/rust-mc/dashboard?q=borr&state=submitted&sort=-calibrated\">Calibrated"
    ));
    // the forms come back to the same list
    assert!(html.contains(
        "name=\"return_to\" value=\"/events/rust-mc/dashboard?q=borr&state=submitted&sort=-mean\""
    ));
    assert!(html.contains("value=\"-mean\" selected"));
    assert!(html.contains("name=\"q\" value=\"borr\""));
    // a bad search or sort is a 422 page
    let (status, _) = app
        .page(
            &chair,
            &format!("/events/rust-mc/dashboard?q={}", "x".repeat(201)),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = app
        .page(&chair, "/events/rust-mc/dashboard?sort=best")
        .await;
    assert_eq!(status, 422);
    // links of before still work
    let (status, html) = app
        .page(&chair, "/events/rust-mc/dashboard?sort=submitted")
        .await;
    assert_eq!(status, 200, "{html}");
}
