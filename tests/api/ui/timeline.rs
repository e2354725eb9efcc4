//! The speakers' status timeline: the dates, and never a decision before its release.

use serde_json::json;

use super::{is_current, is_todo, local, step, steps};
use crate::helpers::{Committee, answer, decide, patch_event, proposal_as, release, submit};

#[tokio::test]
async fn the_timeline_shows_the_dates_and_never_a_decision_before_its_release() {
    let c = Committee::spawn().await;
    let app = &c.app;
    let accepted = submit(app, &c.speaker.token, "Accepted: a Rust NVMe driver").await;
    let rejected = submit(app, &c.speaker.token, "Rejected: a linked list").await;
    let withdrawn = submit(app, &c.speaker.token, "Withdrawn: async drop").await;
    let created = proposal_as(app, &c.speaker.token, &accepted).await["created_at"]
        .as_str()
        .expect("created_at")
        .to_owned();
    let (speaker, _) = app.browser_signed_in(&c.speaker.email).await;
    let page = format!("/proposals/{accepted}");

    // submitted; reviewing not open yet
    let (status, html) = app.page(&speaker, &page).await;
    assert_eq!(status, 200);
    let s = steps(&html);
    assert_eq!(s.len(), 4, "{s:#?}");
    let submitted = step(&s, "Submitted");
    assert!(is_current(submitted));
    assert!(submitted.contains(&format!("datetime=\"{}", &created[..10])));
    assert!(submitted.contains(&local(&created)) && submitted.contains("America/New_York"));
    for name in ["In review", "Decided", "Confirmed"] {
        assert!(is_todo(step(&s, name)), "{name} is to come");
    }
    // a reviewing phase that opens later says when
    let opens = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    patch_event(app, &c.admin, json!({"review_opens_at": opens})).await;
    let (_, html) = app.page(&speaker, &page).await;
    let s = steps(&html);
    assert!(step(&s, "In review").contains("Reviewing opens "));
    assert!(is_todo(step(&s, "In review")));

    // withdrawn: the end of that road, with its date
    answer(app, &c.speaker.token, &withdrawn, "withdraw").await;
    let (_, html) = app.page(&speaker, &format!("/proposals/{withdrawn}")).await;
    let s = steps(&html);
    assert_eq!(s.len(), 2, "{s:#?}");
    assert!(is_current(step(&s, "Withdrawn")));
    assert!(step(&s, "Withdrawn").contains("<time class=\"step-when\""));
    assert!(!step(&s, "Submitted").contains("aria-current"));

    // reviewing opens: in review since then
    patch_event(app, &c.admin, json!({"review_open": true})).await;
    let (_, html) = app.page(&speaker, &page).await;
    let s = steps(&html);
    let in_review = step(&s, "In review");
    assert!(is_current(in_review), "{in_review}");
    assert!(
        in_review.contains("<time class=\"step-when\"") && in_review.contains("America/New_York")
    );
    assert!(step(&s, "Submitted").contains("(done)"));

    // decided but not released: neither the speaker nor the chair's timeline tells
    decide(app, &c.chair.token, &accepted, "accept").await;
    decide(app, &c.chair.token, &rejected, "reject").await;
    let (chair, _) = app.browser_signed_in(&c.chair.email).await;
    for (who, browser) in [("speaker", &speaker), ("chair", &chair)] {
        for id in [&accepted, &rejected] {
            let (_, html) = app.page(browser, &format!("/proposals/{id}")).await;
            let s = steps(&html);
            let all = s.concat();
            assert!(
                !all.contains("accept") && !all.contains("reject"),
                "{who} sees an unreleased decision: {all}"
            );
            assert!(is_todo(step(&s, "Decided")), "{who}");
            assert!(is_current(step(&s, "In review")), "{who}");
        }
    }
    let (_, html) = app.page(&speaker, &page).await;
    assert!(!html.contains("Will you present it?"));

    // released: decided on that day, with the released word
    release(app, &c.chair.token).await;
    let (_, html) = app.page(&speaker, &page).await;
    let s = steps(&html);
    let decided = step(&s, "Decided: accepted");
    assert!(is_current(decided) && decided.contains("<time class=\"step-when\""));
    assert!(is_todo(step(&s, "Confirmed")));
    let (_, html) = app.page(&speaker, &format!("/proposals/{rejected}")).await;
    let s = steps(&html);
    assert!(is_current(step(&s, "Decided: rejected")));
    assert_eq!(s.len(), 3, "a rejection ends the timeline: {s:#?}");

    // confirmed: the last step, dated
    answer(app, &c.speaker.token, &accepted, "confirm").await;
    let (_, html) = app.page(&speaker, &page).await;
    let s = steps(&html);
    let confirmed = step(&s, "Confirmed");
    assert!(is_current(confirmed) && confirmed.contains("<time class=\"step-when\""));
    assert!(step(&s, "Decided: accepted").contains("(done)"));
    let marks: Vec<bool> = s.iter().map(|s| s.contains("aria-current")).collect();
    assert_eq!(marks, [false, false, false, true], "one current step");
}
