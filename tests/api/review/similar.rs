//! Similar proposals: a re-worded duplicate is flagged to the chairs on both proposals, with a
//! score; unrelated talks are not; speakers and reviewers never see the flag; an edit that makes
//! two proposals different clears it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Proposal, SLUG, TestApp, add_member, api, person, proposal_as, submit};

const PHY: (&str, &str) = (
    "Writing a network PHY driver in Rust",
    "I ported a small Ethernet PHY driver to Rust to find out what the networking subsystem needs \
     from safe bindings. The talk walks through the phylib abstractions, the review feedback \
     from the netdev maintainers, and the remaining unsafe code.",
);
const PHY_REWORDED: (&str, &str) = (
    "A Rust Ethernet PHY driver for Linux",
    "We rewrote an Ethernet PHY driver in Rust to learn which safe bindings the networking \
     subsystem needs. This session covers the phylib abstractions, what the netdev maintainers \
     said in review, and the unsafe code that is left.",
);
const UNRELATED: [(&str, &str); 2] = [
    (
        "Async Rust in embedded firmware",
        "Embassy executors on microcontrollers: interrupts as wakers, static allocation and what \
         we learned shipping a battery-powered sensor product with async Rust.",
    ),
    (
        "Rust in GCC: the state of gccrs",
        "gccrs is a Rust front end for GCC. We cover the trait solver, the borrow checker \
         integration with Polonius, and the plan for compiling the core library.",
    ),
];

fn similar_ids(view: &Value) -> Vec<String> {
    view["similar"]
        .as_array()
        .unwrap_or_else(|| panic!("a chair's view has `similar`: {view}"))
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn a_reworded_duplicate_is_flagged_to_chairs_on_both_proposals_and_unrelated_talks_are_not() {
    let app = TestApp::spawn().await;
    let chair = app.admin_with_event(SLUG).await;
    let sam = person(&app, "sam@speakers.test", "Sam Submitter").await;
    let uma = person(&app, "uma@speakers.test", "Uma Speaker").await;
    let rita = person(&app, "rita@reviewers.test", "Rita Reviewer").await;
    add_member(&app, &chair, &rita.email, "reviewer").await;
    api(
        &app,
        Method::PATCH,
        &format!("/api/v1/events/{SLUG}"),
        &chair,
        Some(&json!({"reviewers_see_all": true, "review_open": true})),
        200,
    )
    .await;

    let original = submit(
        &app,
        &sam.token,
        Proposal::titled(PHY.0).abstract_text(PHY.1),
    )
    .await;
    let twin = submit(
        &app,
        &uma.token,
        Proposal::titled(PHY_REWORDED.0).abstract_text(PHY_REWORDED.1),
    )
    .await;
    let mut others = Vec::new();
    for (title, text) in UNRELATED {
        others.push(
            submit(
                &app,
                &sam.token,
                Proposal::titled(title).abstract_text(text),
            )
            .await,
        );
    }

    // the chairs see the pair on both proposals, with a score
    let view = proposal_as(&app, &chair, &original).await;
    assert_eq!(similar_ids(&view), vec![twin.clone()]);
    let score = view["similar"][0]["score"].as_f64().expect("score");
    assert!((0.6..=1.0).contains(&score), "{view}");
    assert_eq!(view["similar"][0]["title"], PHY_REWORDED.0);
    assert_eq!(
        similar_ids(&proposal_as(&app, &chair, &twin).await),
        vec![original.clone()]
    );
    // unrelated talks match nothing
    for id in &others {
        assert!(similar_ids(&proposal_as(&app, &chair, id).await).is_empty());
    }

    // speakers and reviewers never see it
    assert!(
        proposal_as(&app, &sam.token, &original)
            .await
            .get("similar")
            .is_none()
    );
    assert!(
        proposal_as(&app, &rita.token, &original)
            .await
            .get("similar")
            .is_none()
    );

    // the chair's proposal page names the other one, with its score; the speaker's does not
    let (browser, _) = app.browser_signed_in("admin@example.org").await;
    let (status, html) = app.page(&browser, &format!("/proposals/{original}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Possibly the same talk"), "{html}");
    assert!(html.contains(&format!("href=\"/proposals/{twin}\"")));
    assert!(html.contains("similarity 0."));
    // and the dashboard flags both rows, linking to the other
    let (status, html) = app.page(&browser, "/events/rust-mc/dashboard").await;
    assert_eq!(status, 200);
    assert_eq!(
        html.matches("class=\"badge badge-warn similar-flag\"")
            .count(),
        2,
        "{html}"
    );
    assert!(html.contains(&format!("similar-flag\" href=\"/proposals/{twin}\"")));
    assert!(html.contains(&format!("similar-flag\" href=\"/proposals/{original}\"")));
    let (speaker, _) = app.browser_signed_in(&sam.email).await;
    let (_, html) = app.page(&speaker, &format!("/proposals/{original}")).await;
    assert!(!html.contains("Possibly the same talk"));

    // Uma rewrites hers into another talk: the flag goes, on both sides
    api(
        &app,
        Method::PATCH,
        &format!("/api/v1/proposals/{twin}"),
        &uma.token,
        Some(&json!({
            "title": "Pin-init and self-referential structs in the kernel",
            "abstract": "How the pin-init crate lets kernel Rust initialise mutexes and lists \
                         in place, and the macros behind it.",
        })),
        200,
    )
    .await;
    assert!(similar_ids(&proposal_as(&app, &chair, &original).await).is_empty());
    assert!(similar_ids(&proposal_as(&app, &chair, &twin).await).is_empty());
}
