//! The ranking a page at a time, from a cache checked against the database on every request:
//! paging and its refusals, every kind of change seen at once (on this instance and another),
//! and the dashboard's review sorts and filters across pages.

use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};

use super::solid;
use crate::helpers::{
    Committee, EVENT, TestApp, answer, api, assign, between, decide, field_error, ids_of, release,
    review, send, submit, unescape,
};

/// The whole ranking as the API pages it, `limit` at a time; checks that only the last page has
/// no next cursor.
async fn every_page(app: &TestApp, chair: &str, limit: usize) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("{EVENT}/ranking?limit={limit}&cursor={c}"),
            None => format!("{EVENT}/ranking?limit={limit}"),
        };
        let page = api(app, Method::GET, &path, chair, None, 200).await;
        let got = page["items"].as_array().expect("items").clone();
        assert!(got.len() <= limit, "{page}");
        items.extend(got.clone());
        match page["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(got.len(), limit, "only the last page is short: {page}");
                cursor = Some(next.to_owned());
            }
            None => return items,
        }
    }
}

/// The first page of the ranking (the default 50).
async fn ranking(app: &TestApp, chair: &str) -> Vec<Value> {
    let page = api(
        app,
        Method::GET,
        &format!("{EVENT}/ranking"),
        chair,
        None,
        200,
    )
    .await;
    assert_eq!(page["next_cursor"], Value::Null, "{page}");
    page["items"].as_array().expect("items").clone()
}

fn item<'a>(items: &'a [Value], id: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["proposal_id"] == id)
        .unwrap_or_else(|| panic!("{id} is not ranked: {items:?}"))
}

/// The first page of the ranking through another server.
async fn ranking_on(app: &TestApp, address: &str, chair: &str) -> Vec<Value> {
    let response = app
        .client
        .get(format!("{address}{EVENT}/ranking"))
        .bearer_auth(chair)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.expect("json");
    page["items"].as_array().expect("items").clone()
}

/// Runs SQL on the test's database, as another process would.
async fn sql(app: &TestApp, query: &str) {
    let mut conn = app.state.pool.get().await.expect("conn");
    diesel::sql_query(query)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{query}: {e}"));
}

/// Two proposals, each assigned to Rita and Rex; Rita reviewed the first (4).
async fn two_assigned(c: &Committee) -> (String, String) {
    let app = &c.app;
    let first = submit(app, &c.speaker.token, "First ranked talk").await;
    let second = submit(app, &c.speaker.token, "Second ranked talk").await;
    for id in [&first, &second] {
        assign(app, &c.chair.token, id, &[&c.rita.id, &c.rex.id]).await;
    }
    review(app, &c.rita.token, &first, &solid(4, 2)).await;
    (first, second)
}

#[tokio::test]
async fn the_ranking_pages_with_a_cursor_and_names_a_bad_limit_or_cursor() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let mut ids = Vec::new();
    for title in [
        "Talk one",
        "Talk two",
        "Talk three",
        "Talk four",
        "Talk five",
    ] {
        ids.push(submit(app, &c.speaker.token, title).await);
    }
    assign(app, &c.chair.token, &ids[4], &[&c.rita.id]).await;
    review(app, &c.rita.token, &ids[4], &solid(5, 2)).await;
    let whole = ranking(app, &c.chair.token).await;
    assert_eq!(whole.len(), 5);
    assert_eq!(whole[0]["proposal_id"], ids[4].as_str(), "reviewed first");
    assert_eq!(whole[0]["title"], "Talk five");
    assert_eq!(whole[0]["speakers"], json!([c.speaker.name]));
    // 2 + 2 + 1, the same items in the same order
    assert_eq!(every_page(app, &c.chair.token, 2).await, whole);
    assert_eq!(every_page(app, &c.chair.token, 5).await, whole);
    assert_eq!(every_page(app, &c.chair.token, 1).await, whole);
    for (query, field) in [
        ("limit=501", "limit"),
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        // a cursor of the other lists (a keyset of instant and id) is not one of the ranking's
        (
            "cursor=MTcwMDAwMDAwMDAwMDAwMHwwMTkzMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA",
            "cursor",
        ),
    ] {
        let path = format!("{EVENT}/ranking?{query}");
        let problem = api(app, Method::GET, &path, &c.chair.token, None, 422).await;
        assert!(field_error(&problem, field), "{query}: {problem}");
    }
    // the page of the ranking: its ranks go on across pages
    let (chair, _) = app.browser_signed_in(&c.chair.email).await;
    let (status, html) = app.page(&chair, "/events/rust-mc/ranking").await;
    assert_eq!(status, 200);
    assert!(html.contains("Talk five") && html.contains("Talk one"));
    assert!(!html.contains("Next page"), "five fit on one page");
}

#[tokio::test]
async fn a_new_submission_is_ranked_at_once() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    two_assigned(&c).await;
    assert_eq!(ranking(app, &c.chair.token).await.len(), 2);
    // no trigger bumps the version on an insert: the key's count of proposals sees it
    let third = submit(app, &c.other.token, "A late third talk").await;
    let items = ranking(app, &c.chair.token).await;
    assert_eq!(item(&items, &third)["title"], "A late third talk");
}

#[tokio::test]
async fn a_new_assignment_is_counted_at_once() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let (first, _) = two_assigned(&c).await;
    let third = submit(app, &c.other.token, "A third talk").await;
    assert_eq!(
        item(&ranking(app, &c.chair.token).await, &third)["assigned"],
        0
    );
    assign(app, &c.chair.token, &third, &[&c.rex.id]).await;
    let items = ranking(app, &c.chair.token).await;
    assert_eq!(item(&items, &third)["assigned"], 1);
    assert_eq!(item(&items, &first)["assigned"], 2);
}

#[tokio::test]
async fn a_new_review_and_a_changed_score_are_counted_at_once() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let (first, second) = two_assigned(&c).await;
    let before = ranking(app, &c.chair.token).await;
    assert_eq!(item(&before, &second)["n"], 0);
    review(app, &c.rex.token, &second, &solid(2, 2)).await;
    let after = ranking(app, &c.chair.token).await;
    assert_eq!(item(&after, &second)["n"], 1);
    assert_eq!(item(&after, &second)["mean"], 2.0);
    // Rita changes her mind about the first: 4 → 1, and the order turns
    assert_eq!(
        ids_of(&json!(after), "proposal_id"),
        [first.as_str(), &second]
    );
    review(app, &c.rita.token, &first, &solid(1, 2)).await;
    let changed = ranking(app, &c.chair.token).await;
    assert_eq!(item(&changed, &first)["mean"], 1.0);
    assert_eq!(
        ids_of(&json!(changed), "proposal_id"),
        [second.as_str(), &first]
    );
}

#[tokio::test]
async fn a_conflict_set_by_a_chair_takes_the_review_out_at_once() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let (first, _) = two_assigned(&c).await;
    let before = ranking(app, &c.chair.token).await;
    assert_eq!(
        (
            item(&before, &first)["n"].clone(),
            item(&before, &first)["assigned"].clone()
        ),
        (json!(1), json!(2))
    );
    let body = json!({"reviewer_id": c.rita.id, "conflicted": true});
    let path = format!("/api/v1/proposals/{first}/conflicts");
    api(app, Method::PUT, &path, &c.chair.token, Some(&body), 200).await;
    let after = ranking(app, &c.chair.token).await;
    assert_eq!(item(&after, &first)["n"], 0, "{after:?}");
    assert_eq!(item(&after, &first)["assigned"], 1);
}

#[tokio::test]
async fn a_withdrawn_proposal_leaves_the_ranking_at_once() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let (first, second) = two_assigned(&c).await;
    assert_eq!(ranking(app, &c.chair.token).await.len(), 2);
    answer(app, &c.speaker.token, &second, "withdraw").await;
    let items = ranking(app, &c.chair.token).await;
    assert_eq!(ids_of(&json!(items), "proposal_id"), [first.as_str()]);
    let (status, csv) = send(
        app,
        Method::GET,
        &format!("{EVENT}/ranking.csv"),
        Some(&c.chair.token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(csv.lines().count(), 2, "{csv}");
}

#[tokio::test]
async fn another_instance_and_plain_sql_changes_are_seen_at_once() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let (first, second) = two_assigned(&c).await;
    let other = app.second_instance().await;
    // both instances have the ranking cached
    assert_eq!(
        item(&ranking_on(app, &other, &c.chair.token).await, &second)["n"],
        0
    );
    assert_eq!(item(&ranking(app, &c.chair.token).await, &second)["n"], 0);
    // a review through this instance is seen through the other one
    review(app, &c.rex.token, &second, &solid(3, 2)).await;
    assert_eq!(
        item(&ranking_on(app, &other, &c.chair.token).await, &second)["n"],
        1
    );
    // and a score changed behind both instances' backs is seen by both
    sql(
        app,
        &format!("UPDATE reviews SET score = 5 WHERE proposal_id = '{first}'"),
    )
    .await;
    assert_eq!(
        item(&ranking(app, &c.chair.token).await, &first)["mean"],
        5.0
    );
    assert_eq!(
        item(&ranking_on(app, &other, &c.chair.token).await, &first)["mean"],
        5.0
    );
}

/// The titles of the dashboard's rows, in order, following its "Next page" links.
async fn dashboard_titles(app: &TestApp, chair: &reqwest::Client, query: &str) -> Vec<String> {
    let mut titles = Vec::new();
    let mut path = format!("/events/rust-mc/dashboard?{query}");
    for _ in 0..10 {
        let (status, html) = app.page(chair, &path).await;
        assert_eq!(status, 200, "{path}");
        // the proposals' table (the reviewers' progress, folded above it, has one too)
        let table = html.split("data-keyboard-rows").nth(1).unwrap_or_default();
        let rows = between(table, "<tbody>", "</tbody>");
        titles.extend(
            // each row's link (its checkbox names the title too)
            rows.split("\">Bulk talk ")
                .skip(1)
                .map(|rest| format!("Bulk talk {}", &rest[..3])),
        );
        let Some(next) = html.split("href=\"").find_map(|rest| {
            let link = &rest[..rest.find('"')?];
            (link.starts_with("/events/rust-mc/dashboard?") && link.contains("cursor="))
                .then(|| unescape(link))
        }) else {
            return titles;
        };
        path = next;
    }
    panic!("the dashboard never ended: {titles:?}");
}

#[tokio::test]
async fn the_dashboards_review_sorts_and_filters_page_over_the_whole_event() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    // 70 proposals (more than a page of 50), reviewed by Rita with scores cycling 1..5 and by Rex
    // on every third; every even one also assigned to Rex
    sql(
        app,
        &format!(
            "INSERT INTO proposals (id, event_id, submitter_id, title, abstract, format, created_at) \
             SELECT gen_random_uuid(), e.id, '{}', 'Bulk talk ' || lpad(i::text, 3, '0'), \
                    repeat('An abstract long enough. ', 3), 'talk', now() + i * interval '1 ms' \
             FROM events e, generate_series(1, 70) i WHERE e.slug = 'rust-mc'",
            c.speaker.id
        ),
    )
    .await;
    sql(
        app,
        &format!(
            "INSERT INTO review_assignments (proposal_id, reviewer_id, source) \
             SELECT id, '{}'::uuid, 'manual' FROM proposals WHERE title LIKE 'Bulk talk %' \
             UNION ALL SELECT id, '{}'::uuid, 'manual' FROM proposals \
                 WHERE title LIKE 'Bulk talk %' AND substr(title, 11)::int % 2 = 0",
            c.rita.id, c.rex.id
        ),
    )
    .await;
    sql(
        app,
        &format!(
            "INSERT INTO reviews (id, proposal_id, reviewer_id, score, confidence) \
             SELECT gen_random_uuid(), id, '{}'::uuid, 1 + substr(title, 11)::int % 5, 2 \
             FROM proposals WHERE title LIKE 'Bulk talk %' \
             UNION ALL SELECT gen_random_uuid(), id, '{}'::uuid, 5 - substr(title, 11)::int % 3, 2 \
             FROM proposals WHERE title LIKE 'Bulk talk %' AND substr(title, 11)::int % 3 = 0",
            c.rita.id, c.rex.id
        ),
    )
    .await;
    let whole = {
        let path = format!("{EVENT}/ranking?limit=500");
        let page = api(app, Method::GET, &path, &c.chair.token, None, 200).await;
        page["items"].as_array().expect("items").clone()
    };
    assert_eq!(whole.len(), 70);
    let title = |i: &Value| i["title"].as_str().expect("title").to_owned();
    let (chair, _) = app.browser_signed_in(&c.chair.email).await;

    let calibrated = dashboard_titles(app, &chair, "sort=-calibrated").await;
    assert_eq!(calibrated, whole.iter().map(title).collect::<Vec<_>>());

    let mut by_mean = whole.clone();
    by_mean.sort_by(|a, b| {
        let (x, y) = (a["mean"].as_f64(), b["mean"].as_f64());
        y.partial_cmp(&x).expect("numbers")
    });
    let mean = dashboard_titles(app, &chair, "sort=-mean").await;
    assert_eq!(mean, by_mean.iter().map(title).collect::<Vec<_>>());

    let disagreeing: Vec<String> = whole
        .iter()
        .filter(|i| i["disagreement"] == true)
        .map(title)
        .collect();
    assert!(!disagreeing.is_empty());
    let only = dashboard_titles(app, &chair, "sort=-calibrated&disagreements=true").await;
    assert_eq!(only, disagreeing);

    // missing: fewer reviews than reviewers assigned, in submission order
    let mut missing: Vec<String> = whole
        .iter()
        .filter(|i| i["n"].as_u64() < i["assigned"].as_u64())
        .map(title)
        .collect();
    missing.sort();
    // the even ones not a multiple of 6: 35 - 11
    assert_eq!(missing.len(), 24, "{missing:?}");
    assert_eq!(dashboard_titles(app, &chair, "missing=true").await, missing);

    // the plain list: oldest first, 70 over two pages
    let submitted = dashboard_titles(app, &chair, "").await;
    let mut all: Vec<String> = whole.iter().map(title).collect();
    all.sort();
    assert_eq!(submitted, all);
}

/// The dashboard's "not released yet" line, or "" when nothing waits.
async fn waiting(app: &TestApp, chair: &reqwest::Client) -> String {
    let (status, html) = app.page(chair, "/events/rust-mc/dashboard").await;
    assert_eq!(status, 200);
    match html.split_once(" not released yet") {
        Some((before, _)) => before.rsplit('>').next().unwrap_or_default().to_owned(),
        None => String::new(),
    }
}

#[tokio::test]
async fn the_dashboards_decision_figures_follow_each_decision_and_release_at_once() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let (first, second) = two_assigned(&c).await;
    let (chair, _) = app.browser_signed_in(&c.chair.email).await;
    assert_eq!(waiting(app, &chair).await, "", "nothing decided yet");
    decide(app, &c.chair.token, &first, "accept").await;
    assert_eq!(waiting(app, &chair).await, "1 accept");
    decide(app, &c.chair.token, &second, "reject").await;
    assert_eq!(waiting(app, &chair).await, "1 accept, 1 reject");
    // released behind the application's back: only released_decision changes, and the
    // cached figures must see it
    sql(
        app,
        &format!("UPDATE proposals SET released_decision = decision WHERE id = '{second}'"),
    )
    .await;
    assert_eq!(waiting(app, &chair).await, "1 accept");
    release(app, &c.chair.token).await;
    assert_eq!(waiting(app, &chair).await, "", "everything released");
}
