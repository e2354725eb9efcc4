//! Deciding from the ranking in the browser: a row's Accept button, and the question before
//! accepting a proposal nobody has reviewed.

use fantoccini::Locator;

use super::{Driver, browser_available};
use crate::helpers::{Committee, assign, proposal_as, review, review_body, submit};

#[tokio::test]
async fn a_chair_decides_row_by_row_from_the_ranking() {
    if !browser_available() {
        return;
    }
    let c = Committee::reviewing().await;
    let app = &c.app;
    let strong = submit(app, &c.speaker.token, "Strong: a Rust NVMe driver").await;
    let unseen = submit(app, &c.other.token, "Unseen: nobody read this one").await;
    assign(app, &c.admin, &strong, &[&c.rita.id]).await;
    review(
        app,
        &c.rita.token,
        &strong,
        &review_body(5, 3, "great", "great"),
    )
    .await;

    let driver = Driver::start().await;
    let chair = driver.browser(app).await;
    chair.sign_in(&c.chair.email).await;
    chair.goto("/events/rust-mc/ranking").await;
    chair.screenshot("ranking-decide-before").await;

    let accept = |id: &str| format!("button[value='accept:{id}']");
    let button = chair
        .client
        .find(Locator::Css(&accept(&strong)))
        .await
        .expect("the row's Accept");
    chair.submit_with(button).await;
    assert_eq!(chair.path().await, "/events/rust-mc/ranking");
    let text = chair.text().await;
    assert!(text.contains("1 proposal accepted"), "{text}");
    let seen = proposal_as(app, &c.chair.token, &strong).await;
    assert_eq!(seen["decision"]["decision"], "accept");

    // nobody reviewed this one: the page asks first (submit_with answers yes)
    let button = chair
        .client
        .find(Locator::Css(&accept(&unseen)))
        .await
        .expect("the row's Accept");
    chair.submit_with(button).await;
    assert_eq!(chair.path().await, "/events/rust-mc/ranking");
    let seen = proposal_as(app, &c.chair.token, &unseen).await;
    assert_eq!(seen["decision"]["decision"], "accept");
    chair.screenshot("ranking-decide-after").await;
    chair.close().await;
}
