//! The chairs' dashboard as a working table (issue 14), in Chromium, on a seeded event of 300
//! proposals with reviews: the search narrows the table, a column header sorts it (and says
//! so), the keys j and k move through its rows and Enter opens one, never while typing.

use fantoccini::Locator;
use reqwest::Method;
use serde_json::Value;

use super::{Driver, ENTER, browser_available};
use crate::helpers::{PASSWORD, TestApp, api};

const SLUG: &str = "dash-300";

/// 300 proposals, 10 reviewers, 3 reviews each, written through the database layer.
async fn seeded() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let options = mcfp::bench_seed::SeedOptions {
        reviewers: 10,
        reviews_per_proposal: 3,
        password: PASSWORD.to_owned(),
        ..mcfp::bench_seed::SeedOptions::new(SLUG, 300)
    };
    mcfp::bench_seed::seed(&app.state.pool, &options)
        .await
        .expect("seed");
    let chair = mcfp::bench_seed::chair_email(SLUG);
    (app, chair)
}

/// The proposals' ids the API lists for this query, in order.
async fn api_ids(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let path = format!("/api/v1/events/{SLUG}/proposals?limit=500&{query}");
    let page: Value = api(app, Method::GET, &path, token, None, 200).await;
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect()
}

/// The ids of the table's rows, top to bottom.
async fn row_ids(browser: &super::Browser) -> Vec<String> {
    let hrefs = browser
        .client
        .execute(
            "return Array.from(document.querySelectorAll('table.dashboard tbody a[data-row-link]'))\
             .map(a => a.getAttribute('href'));",
            vec![],
        )
        .await
        .expect("rows");
    hrefs
        .as_array()
        .expect("a list")
        .iter()
        .map(|h| {
            h.as_str()
                .and_then(|h| h.strip_prefix("/proposals/"))
                .expect("a proposal link")
                .to_owned()
        })
        .collect()
}

/// Clicks a link and waits for the page it opens.
async fn follow(browser: &super::Browser, css: &str) {
    browser.mark_page().await;
    browser.click(css).await;
    browser.wait_for_new_page().await;
}

/// The href of the focused element, and the index of the highlighted row.
async fn focus_and_highlight(browser: &super::Browser) -> (String, i64) {
    let value = browser
        .client
        .execute(
            "const rows = Array.from(document.querySelectorAll('table.dashboard tbody tr'));\
             return [document.activeElement.getAttribute('href') || '', \
                     rows.findIndex(r => r.classList.contains('current'))];",
            vec![],
        )
        .await
        .expect("focus");
    (
        value[0].as_str().unwrap_or_default().to_owned(),
        value[1].as_i64().unwrap_or(-2),
    )
}

#[tokio::test]
async fn the_dashboard_searches_sorts_by_header_and_walks_its_rows_with_the_keyboard() {
    if !browser_available() {
        return;
    }
    let (app, chair_email) = seeded().await;
    let token = app.login(&chair_email).await;
    let driver = Driver::start().await;
    let chair = driver.browser(&app).await;
    chair.sign_in(&chair_email).await;

    // the first page: 50 of 300, oldest first, the table right under the folded panels
    chair.goto(&format!("/events/{SLUG}/dashboard")).await;
    let first = row_ids(&chair).await;
    let oldest = api_ids(&app, &token, "").await;
    assert_eq!(first, oldest[..50].to_vec());
    let table_top = chair
        .client
        .execute(
            "return document.querySelector('table.dashboard').getBoundingClientRect().top;",
            vec![],
        )
        .await
        .expect("position")
        .as_f64()
        .unwrap_or(f64::MAX);
    assert!(table_top < 1000.0, "the table starts {table_top} px down");
    // at 1280 px the whole table fits across, Scores included, without scrolling sideways
    let overflow = chair
        .client
        .execute(
            "const wrap = document.querySelector('table.dashboard').parentElement;\
             const scores = document.querySelector('table.dashboard thead th:last-child');\
             return [wrap.scrollWidth - wrap.clientWidth, \
                     scores.getBoundingClientRect().right - wrap.getBoundingClientRect().right];",
            vec![],
        )
        .await
        .expect("widths");
    assert!(
        overflow[0].as_f64().unwrap_or(1.0) <= 0.0 && overflow[1].as_f64().unwrap_or(1.0) <= 0.0,
        "the table overflows its box: {overflow}"
    );
    chair.screenshot("dashboard-01-first-page").await;

    // the search narrows the table to what the API finds
    chair.fill("#f-q", "Miri").await;
    chair.press("Search").await;
    let path = chair.path().await;
    assert!(path.contains("q=Miri"), "{path}");
    let found = api_ids(&app, &token, "q=Miri").await;
    assert!(!found.is_empty() && found.len() < 300, "{}", found.len());
    let rows = row_ids(&chair).await;
    assert_eq!(rows, found[..found.len().min(50)].to_vec());
    chair.screenshot("dashboard-02-search").await;

    // a click on a header sorts by it, best first, the search kept; a second click turns it round
    follow(&chair, "th.sortable a[href*='sort=-calibrated']").await;
    let path = chair.path().await;
    assert!(
        path.contains("q=Miri") && path.contains("sort=-calibrated"),
        "{path}"
    );
    let best_first = api_ids(&app, &token, "q=Miri&sort=-calibrated").await;
    assert_eq!(
        row_ids(&chair).await,
        best_first[..best_first.len().min(50)].to_vec()
    );
    let sorted = chair
        .client
        .find(Locator::Css("th[aria-sort]"))
        .await
        .expect("the sorted header");
    assert_eq!(
        sorted.attr("aria-sort").await.ok().flatten().as_deref(),
        Some("descending")
    );
    assert!(
        sorted
            .text()
            .await
            .unwrap_or_default()
            .contains("Calibrated")
    );
    chair.screenshot("dashboard-03-sorted").await;
    follow(&chair, "th[aria-sort] a").await;
    assert!(chair.path().await.contains("sort=calibrated"));
    let lowest_first = api_ids(&app, &token, "q=Miri&sort=calibrated").await;
    assert_eq!(
        row_ids(&chair).await,
        lowest_first[..lowest_first.len().min(50)].to_vec()
    );
    // by title, A to Z
    follow(&chair, "th.sortable a[href*='sort=title']").await;
    let by_title = api_ids(&app, &token, "q=Miri&sort=title").await;
    let rows = row_ids(&chair).await;
    assert_eq!(rows, by_title[..by_title.len().min(50)].to_vec());
    let titles: Vec<String> = {
        let value = chair
            .client
            .execute(
                "return Array.from(document.querySelectorAll('table.dashboard tbody a[data-row-link]'))\
                 .map(a => a.textContent.toLowerCase());",
                vec![],
            )
            .await
            .expect("titles");
        serde_json::from_value(value).expect("strings")
    };
    let mut in_order = titles.clone();
    in_order.sort();
    assert_eq!(titles, in_order);

    // j and k move the highlight and the focus over the rows; typing in the search does not
    chair.keys("j").await;
    assert_eq!(
        focus_and_highlight(&chair).await,
        (format!("/proposals/{}", rows[0]), 0)
    );
    chair.keys("jj").await;
    assert_eq!(
        focus_and_highlight(&chair).await,
        (format!("/proposals/{}", rows[2]), 2)
    );
    chair.keys("k").await;
    assert_eq!(
        focus_and_highlight(&chair).await,
        (format!("/proposals/{}", rows[1]), 1)
    );
    chair.screenshot("dashboard-04-keyboard").await;
    chair.click("#f-q").await;
    chair.keys("jk").await;
    let typed = chair
        .client
        .execute("return document.getElementById('f-q').value;", vec![])
        .await
        .expect("value");
    assert_eq!(typed.as_str(), Some("Mirijk"));
    assert_eq!(
        focus_and_highlight(&chair).await.1,
        1,
        "the highlight stayed"
    );
    // back on the table, Enter opens the highlighted row's proposal
    chair
        .client
        .execute("document.activeElement.blur();", vec![])
        .await
        .expect("leave the field");
    chair.keys("j").await;
    assert_eq!(
        focus_and_highlight(&chair).await,
        (format!("/proposals/{}", rows[2]), 2)
    );
    chair.mark_page().await;
    chair.keys(&ENTER.to_string()).await;
    chair.wait_for_new_page().await;
    assert_eq!(chair.path().await, format!("/proposals/{}", rows[2]));

    // without a match, the table says so
    chair
        .goto(&format!("/events/{SLUG}/dashboard?q=zzzznothing"))
        .await;
    assert!(chair.text().await.contains("No proposal matches"));
    chair.close().await;
}
