//! The ranking: aggregates, calibration of lenient and strict reviewers, the track filter, and
//! the CSV export.

use reqwest::Method;
use serde_json::{Value, json};

use super::solid;
use crate::helpers::{
    EVENT, SLUG, TestApp, add_member, answer, api, assign, ids_of, open_review, person, review,
    send, set_track, submit,
};

fn close(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-6)
}

/// Alpha (rust-for-linux), Beta, Gamma and Epsilon (rust, unreviewed) of Sam's, reviewed by a
/// lenient and two stricter reviewers; and Uma's Delta, reviewed and then withdrawn.
struct Ranked {
    chair: String,
    a: String,
    b: String,
    c: String,
    d: String,
    e: String,
}

async fn reviewed_proposals(app: &TestApp) -> Ranked {
    let chair = app.admin_with_event(SLUG).await;
    let sam = person(app, "sam@speakers.test", "Sam Submitter").await;
    let uma = person(app, "uma@speakers.test", "Uma Speaker").await;
    let x = person(app, "xavier@reviewers.test", "Xavier Lenient").await;
    let y = person(app, "yolanda@reviewers.test", "Yolanda Reviewer").await;
    let z = person(app, "zed@reviewers.test", "Zed Reviewer").await;
    for r in [&x, &y, &z] {
        add_member(app, &chair, &r.email, "reviewer").await;
    }
    let a = submit(app, &sam.token, "Alpha: a Rust NVMe driver").await;
    let b = submit(app, &sam.token, "Beta: Rust in GCC").await;
    let c = submit(app, &sam.token, "Gamma: async in embedded Rust").await;
    let e = submit(app, &sam.token, "=Epsilon, \"unreviewed\"").await;
    let d = submit(app, &uma.token, "Delta: to be withdrawn").await;
    set_track(app, &chair, &a, "rust-for-linux").await;
    for id in [&b, &c, &d, &e] {
        set_track(app, &chair, id, "rust").await;
    }
    let all = [&x.id, &y.id, &z.id];
    for id in [&a, &b, &c, &d] {
        assign(app, &chair, id, &all.map(String::as_str)).await;
    }
    open_review(app, &chair).await;
    // Xavier is lenient (5, 5, 4); Yolanda (4, 2, 1) and Zed (4, 3, 2) use the scale
    for (reviewer, scores) in [(&x, [5, 5, 4]), (&y, [4, 2, 1]), (&z, [4, 3, 2])] {
        for (proposal, score) in [&a, &b, &c].into_iter().zip(scores) {
            review(app, &reviewer.token, proposal, &solid(score, 2)).await;
        }
        // everyone loves Delta, which is then withdrawn: it counts nowhere
        review(app, &reviewer.token, &d, &solid(5, 3)).await;
    }
    answer(app, &uma.token, &d, "withdraw").await;
    // a withdrawn proposal gets no reviewers
    let path = format!("/api/v1/proposals/{d}/assignments");
    let body = json!({"reviewer_ids": [x.id]});
    let withdrawn = api(app, Method::PUT, &path, &chair, Some(&body), 409).await;
    assert_eq!(withdrawn["status"], 409);
    Ranked {
        chair,
        a,
        b,
        c,
        d,
        e,
    }
}

/// The ranking, best first, with hand-computed figures; returns its items.
fn assert_the_figures(r: &Ranked, ranking: &Value) -> Vec<Value> {
    let items = ranking["items"].as_array().expect("items");
    assert_eq!(
        ids_of(&ranking["items"], "proposal_id"),
        [r.a.as_str(), &r.b, &r.c, &r.e],
        "{ranking}"
    );
    // Hand-computed. Raw: A {5,4,4}, B {5,2,3}, C {4,1,2}. Calibration: the 9 scores have mean
    // 30/9 = 3.333 and sample stdev √2; Xavier (mean 14/3, sd 1/√3), Yolanda (7/3, sd √(7/3))
    // and Zed (3, sd 1) each become z-scores mapped back as 10/3 + z·√2; equal confidences, so
    // the calibrated score is the plain mean of those: A 4.591, B 3.503, C 1.906.
    let sd_b_c = (7.0f64 / 3.0).sqrt();
    let expected = [
        (
            &r.a,
            "rust-for-linux",
            13.0 / 3.0,
            4.0,
            (1.0f64 / 3.0).sqrt(),
            4.591_247_880_973_9,
            false,
        ),
        (
            &r.b,
            "rust",
            10.0 / 3.0,
            3.0,
            sd_b_c,
            3.502_629_960_334_5,
            true,
        ),
        (
            &r.c,
            "rust",
            7.0 / 3.0,
            2.0,
            sd_b_c,
            1.906_122_158_691_6,
            true,
        ),
    ];
    for (item, (id, track, mean, median, stdev, calibrated, disagreement)) in
        items.iter().zip(expected)
    {
        assert_eq!(item["proposal_id"], id.as_str());
        assert_eq!(item["track"], track);
        assert_eq!(item["n"], 3, "{item}");
        assert_eq!(item["assigned"], 3, "{item}");
        assert!(close(&item["mean"], mean), "mean {item}");
        assert!(close(&item["median"], median), "median {item}");
        assert!(close(&item["stdev"], stdev), "stdev {item}");
        assert!(close(&item["calibrated"], calibrated), "calibrated {item}");
        assert_eq!(item["disagreement"], disagreement, "{item}");
        assert_eq!(item["speakers"], json!(["Sam Submitter"]));
    }
    assert_eq!(items[0]["title"], "Alpha: a Rust NVMe driver");
    assert_eq!(items[0]["distribution"], json!([0, 0, 0, 2, 1]));
    // unreviewed last, with nothing to say
    assert_eq!(items[3]["n"], 0);
    assert_eq!(items[3]["mean"], Value::Null);
    assert_eq!(items[3]["calibrated"], Value::Null);
    assert_eq!(items[3]["disagreement"], false);
    let flags: Vec<(Value, Value, Value)> = items
        .iter()
        .map(|i| {
            (
                i["rank"].clone(),
                i["unreviewed"].clone(),
                i["incomplete"].clone(),
            )
        })
        .collect();
    assert_eq!(
        flags,
        [
            (json!(1), json!(false), json!(false)),
            (json!(2), json!(false), json!(false)),
            (json!(3), json!(false), json!(false)),
            // nobody assigned: unreviewed, but no review is missing
            (Value::Null, json!(true), json!(false)),
        ]
    );
    assert!(
        !ranking.to_string().contains(&r.d),
        "withdrawn proposals are not ranked"
    );
    items.clone()
}

/// One track: the same numbers (calibration still sees every review), only that track.
async fn assert_the_track_filter(app: &TestApp, r: &Ranked, items: &[Value]) {
    let ranking = |track: &str| {
        let path = format!("{EVENT}/ranking?track={track}");
        async move { api(app, Method::GET, &path, &r.chair, None, 200).await }
    };
    let rust = ranking("rust").await;
    assert_eq!(
        ids_of(&rust["items"], "proposal_id"),
        [r.b.as_str(), &r.c, &r.e]
    );
    // the same figures; the rank is the place in this track's list
    let mut beta = items[1].clone();
    beta["rank"] = json!(1);
    assert_eq!(rust["items"][0], beta);
    let rfl = ranking("rust-for-linux").await;
    assert_eq!(ids_of(&rfl["items"], "proposal_id"), [r.a.as_str()]);
    let none = ranking("no-such-track").await;
    assert_eq!(none["items"], json!([]));
}

/// The CSV: a header and one row per proposal, best first.
async fn assert_the_csv(app: &TestApp, r: &Ranked) {
    let (a, b, c, e) = (&r.a, &r.b, &r.c, &r.e);
    let response = app
        .get_with_token(&format!("{EVENT}/ranking.csv"), &r.chair)
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    let csv = response.text().await.expect("body");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "rank,proposal_id,title,track,state,speakers,n,assigned,mean,median,stdev,calibrated,disagreement"
    );
    assert_eq!(lines.len(), 5, "{csv}");
    assert_eq!(
        lines[1],
        format!(
            "1,{a},Alpha: a Rust NVMe driver,rust-for-linux,submitted,Sam Submitter,3,3,4.333,4.000,0.577,4.591,false"
        )
    );
    assert!(
        lines[2].starts_with(&format!("2,{b},Beta: Rust in GCC,rust,")),
        "{csv}"
    );
    assert!(
        lines[2].ends_with(",3,3,3.333,3.000,1.528,3.503,true"),
        "{csv}"
    );
    assert!(lines[3].starts_with(&format!("3,{c},")), "{csv}");
    assert_eq!(
        lines[4],
        // quoted, and defused as a spreadsheet formula
        // no rank number for an unreviewed proposal
        format!(r#",{e},"'=Epsilon, ""unreviewed""",rust,submitted,Sam Submitter,0,0,,,,,false"#)
    );
    assert!(!csv.contains("sam@speakers.test"));
    let rust_path = format!("{EVENT}/ranking.csv?track=rust");
    let (status, rust_csv) = send(app, Method::GET, &rust_path, Some(&r.chair), None).await;
    assert_eq!(status, 200);
    assert_eq!(rust_csv.lines().count(), 4, "{rust_csv}");
    assert!(
        rust_csv
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with(&format!("1,{b},")))
    );
}

#[tokio::test]
async fn the_ranking_aggregates_calibrates_filters_by_track_and_exports_csv() {
    let app = TestApp::spawn().await;
    let r = reviewed_proposals(&app).await;
    let ranking = api(
        &app,
        Method::GET,
        &format!("{EVENT}/ranking"),
        &r.chair,
        None,
        200,
    )
    .await;
    let items = assert_the_figures(&r, &ranking);
    assert_the_track_filter(&app, &r, &items).await;
    assert_the_csv(&app, &r).await;
}

/// Safety nets: an unreviewed proposal has no rank and comes last, one with reviews missing is
/// incomplete; in the API and on the page.
#[tokio::test]
async fn unreviewed_proposals_get_no_rank_and_missing_reviews_are_flagged() {
    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;
    let x = person(&app, "xavier@reviewers.test", "Xavier Reviewer").await;
    let y = person(&app, "yolanda@reviewers.test", "Yolanda Reviewer").await;
    for r in [&x, &y] {
        add_member(&app, &chair, &r.email, "reviewer").await;
    }
    let unreviewed = submit(&app, &sam.token, "Unreviewed: nobody read it").await;
    let half = submit(&app, &sam.token, "Half: one review of two").await;
    let done = submit(&app, &sam.token, "Done: both reviews in").await;
    for id in [&unreviewed, &half, &done] {
        assign(&app, &chair, id, &[x.id.as_str(), y.id.as_str()]).await;
    }
    open_review(&app, &chair).await;
    // the half-reviewed one scores best: being incomplete does not move it down
    review(&app, &x.token, &half, &solid(5, 2)).await;
    review(&app, &x.token, &done, &solid(3, 2)).await;
    review(&app, &y.token, &done, &solid(3, 2)).await;

    let ranking = api(
        &app,
        Method::GET,
        &format!("{EVENT}/ranking"),
        &chair,
        None,
        200,
    )
    .await;
    assert_eq!(
        ids_of(&ranking["items"], "proposal_id"),
        [half.as_str(), &done, &unreviewed],
        "{ranking}"
    );
    let flags: Vec<(Value, Value, Value)> = ranking["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["rank"].clone(),
                i["unreviewed"].clone(),
                i["incomplete"].clone(),
            )
        })
        .collect();
    assert_eq!(
        flags,
        [
            (json!(1), json!(false), json!(true)),
            (json!(2), json!(false), json!(false)),
            (Value::Null, json!(true), json!(true)),
        ]
    );
    // a second page goes on numbering where the first stopped
    let first = api(
        &app,
        Method::GET,
        &format!("{EVENT}/ranking?limit=1"),
        &chair,
        None,
        200,
    )
    .await;
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let path = format!("{EVENT}/ranking?limit=1&cursor={cursor}");
    let second = api(&app, Method::GET, &path, &chair, None, 200).await;
    assert_eq!(second["items"][0]["rank"], 2, "{second}");

    let (browser, _) = app.browser_signed_in("admin@example.org").await;
    let (status, page) = app.page(&browser, "/events/rust-mc/ranking").await;
    assert_eq!(status, 200);
    let row = |title: &str| {
        let start = page.find(title).expect("row");
        let row_start = page[..start].rfind("<tr").expect("row start");
        let row_end = start + page[start..].find("</tr>").expect("row end");
        page[row_start..row_end].to_owned()
    };
    let half_row = row("Half: one review of two");
    assert!(half_row.contains("<td class=\"num\">1</td>"), "{half_row}");
    assert!(half_row.contains(">incomplete</span>"), "{half_row}");
    let done_row = row("Done: both reviews in");
    assert!(
        !done_row.contains("incomplete") && done_row.contains(">2</td>"),
        "{done_row}"
    );
    let unreviewed_row = row("Unreviewed: nobody read it");
    assert!(
        unreviewed_row.contains(">unreviewed</span>"),
        "{unreviewed_row}"
    );
    assert!(!unreviewed_row.contains(">3</td>"), "{unreviewed_row}");
}
