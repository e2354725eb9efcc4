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
    assert_eq!(rust["items"][0], items[1]);
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
        format!(r#"4,{e},"'=Epsilon, ""unreviewed""",rust,submitted,Sam Submitter,0,0,,,,,false"#)
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
