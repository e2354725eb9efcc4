//! The similar-proposals flag in the browser: the dashboard marks both rows of a re-worded
//! duplicate, and the flag leads to the other proposal, whose page names the first.

use super::{Driver, browser_available};
use crate::helpers::{Committee, Proposal, submit};

#[tokio::test]
async fn a_chair_follows_the_similar_flag_from_the_dashboard() {
    if !browser_available() {
        return;
    }
    let c = Committee::reviewing().await;
    let app = &c.app;
    let original = submit(
        app,
        &c.speaker.token,
        Proposal::titled("Writing a network PHY driver in Rust").abstract_text(
            "I ported a small Ethernet PHY driver to Rust to find out what the networking \
             subsystem needs from safe bindings. The talk walks through the phylib abstractions, \
             the review feedback from the netdev maintainers, and the remaining unsafe code.",
        ),
    )
    .await;
    let twin = submit(
        app,
        &c.other.token,
        Proposal::titled("A Rust Ethernet PHY driver for Linux").abstract_text(
            "We rewrote an Ethernet PHY driver in Rust to learn which safe bindings the \
             networking subsystem needs. This session covers the phylib abstractions, what the \
             netdev maintainers said in review, and the unsafe code that is left.",
        ),
    )
    .await;
    submit(
        app,
        &c.other.token,
        Proposal::titled("Async Rust in embedded firmware").abstract_text(
            "Embassy executors on microcontrollers: interrupts as wakers, static allocation and \
             what we learned shipping a battery-powered sensor product with async Rust.",
        ),
    )
    .await;

    let driver = Driver::start().await;
    let chair = driver.browser(app).await;
    chair.sign_in(&c.chair.email).await;
    chair.goto("/events/rust-mc/dashboard").await;
    chair.screenshot("similar-dashboard").await;
    let flags: Vec<String> = serde_json::from_value(
        chair
            .client
            .execute(
                "return [...document.querySelectorAll('a.similar-flag')].map(a => a.getAttribute('href'));",
                vec![],
            )
            .await
            .expect("the flags"),
    )
    .expect("hrefs");
    let mut expected = vec![
        format!("/proposals/{original}"),
        format!("/proposals/{twin}"),
    ];
    let mut seen = flags.clone();
    expected.sort();
    seen.sort();
    assert_eq!(
        seen, expected,
        "both rows flagged, each linking to the other"
    );

    chair
        .click(&format!("a.similar-flag[href='/proposals/{twin}']"))
        .await;
    for _ in 0..100 {
        if chair.path().await == format!("/proposals/{twin}") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(chair.path().await, format!("/proposals/{twin}"));
    let text = chair.text().await;
    assert!(text.contains("Possibly the same talk"), "{text}");
    assert!(text.contains("Writing a network PHY driver in Rust"));
    chair.screenshot("similar-proposal-page").await;
    chair.close().await;
}
