//! Deciding on the proposal page, and the speakers' answer: confirming from the emailed link,
//! declining after a second step.

use serde_json::json;

use super::talk;
use crate::helpers::{
    CHAIR_NAME, Committee, OTHER_EMAIL, SPEAKER_NAME, at, decide, patch_event, post, proposal_as,
    release, submit,
};

#[tokio::test]
async fn a_chair_decides_on_the_proposal_page_and_reads_the_history() {
    let e = Committee::spawn().await;
    let app = &e.app;
    let id = submit(
        app,
        &e.speaker.token,
        talk("A Rust NVMe driver", "rust-for-linux"),
    )
    .await;
    let path = format!("/proposals/{id}");
    let (chair, csrf) = app.browser_signed_in(&e.chair.email).await;
    let (status, html) = app.page(&chair, &path).await;
    assert_eq!(status, 200);
    assert!(html.contains("Decision (chairs)") && html.contains("No decision yet."));
    for value in ["accept", "waitlist", "reject"] {
        assert!(html.contains(&format!("name=\"decision\" value=\"{value}\"")));
    }

    // nothing chosen
    let (status, location, _) = post(
        app,
        &chair,
        &format!("{path}/decision"),
        &[("csrf_token", &csrf), ("note", "")],
    )
    .await;
    assert_eq!((status, location), (303, format!("{path}#decision")));
    let (_, html) = app.page(&chair, &path).await;
    assert!(html.contains("Choose accept, waitlist or reject."));

    let (status, _, _) = post(
        app,
        &chair,
        &format!("{path}/decision"),
        &[("decision", "accept")],
    )
    .await;
    assert_eq!(status, 403, "no CSRF token");

    let (status, _, _) = post(
        app,
        &chair,
        &format!("{path}/decision"),
        &[
            ("csrf_token", &csrf),
            ("decision", "waitlist"),
            ("note", "Keep <it> as a backup"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&chair, &path).await;
    assert!(html.contains("The decision is saved: waitlisted. Not released yet"));
    assert!(html.contains("class=\"badge decision-waitlist\">waitlist</span>"));
    assert!(html.contains("not released yet"));
    assert!(html.contains("name=\"decision\" value=\"waitlist\" checked"));
    assert!(html.contains(&format!("{CHAIR_NAME} decided “waitlist”")));
    assert!(
        html.contains("Keep &#60;it&#62; as a backup")
            || html.contains("Keep &lt;it&gt; as a backup")
    );

    let (status, _, _) = post(
        app,
        &chair,
        &format!("{path}/decision"),
        // nobody reviewed it: accepting takes the confirmation step (ui::destructive)
        &[
            ("csrf_token", &csrf),
            ("decision", "accept"),
            ("note", ""),
            ("confirmed", "yes"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&chair, &path).await;
    let first = at(&html, &format!("{CHAIR_NAME} decided “waitlist”"));
    let second = at(
        &html,
        &format!("{CHAIR_NAME} decided “accept” (was “waitlist”)"),
    );
    assert!(first < second, "oldest first");

    // the speaker sees neither the box nor the decision
    let (speaker, speaker_csrf) = app.browser_signed_in(&e.speaker.email).await;
    let (_, html) = app.page(&speaker, &path).await;
    assert!(!html.contains("Decision (chairs)") && !html.contains("decision-accept"));
    assert!(!html.contains("Will you present it?"));
    // and cannot decide
    let (status, _, _) = post(
        app,
        &speaker,
        &format!("{path}/decision"),
        &[("csrf_token", &speaker_csrf), ("decision", "accept")],
    )
    .await;
    assert!([403, 404].contains(&status), "{status}");

    // after the release, the box says so and the history has the release
    release(app, &e.chair.token).await;
    let (_, html) = app.page(&chair, &path).await;
    assert!(html.contains("Released: the speakers know."));
    assert!(html.contains(&format!(
        "{CHAIR_NAME} released the decision: submitted → accepted"
    )));
    app.deliver_emails().await;
}

#[tokio::test]
async fn the_speaker_confirms_from_the_emailed_link() {
    let e = Committee::spawn().await;
    let app = &e.app;
    let id = submit(
        app,
        &e.speaker.token,
        talk("A Rust NVMe driver", "rust-for-linux"),
    )
    .await;
    patch_event(app, &e.admin, json!({"confirm_by": "2030-01-15T17:00:00Z"})).await;
    decide(app, &e.chair.token, &id, "accept").await;
    release(app, &e.chair.token).await;
    app.deliver_emails().await;
    let email = app
        .mail
        .emails()
        .into_iter()
        .find(|m| m.subject().starts_with("Accepted at Rust MC"))
        .expect("the acceptance email");
    let text = email.text();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/confirm"))
        .expect("a confirmation link")
        .to_owned();
    let path = link
        .strip_prefix(&app.address)
        .unwrap_or_else(|| panic!("{link} is on this site"))
        .to_owned();
    assert_eq!(path, format!("/proposals/{id}/confirm"));

    // signed out: sign in first, then come back
    let stranger = app.new_client();
    let response = stranger.get(app.url(&path)).send().await.expect("get");
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        format!("/login?next=%2Fproposals%2F{id}%2Fconfirm").as_str()
    );

    // another account is told whose link it is, without the title
    let (other, _) = app.browser_signed_in(&e.other.email).await;
    let (status, html) = app.page(&other, &path).await;
    assert_eq!(status, 404);
    assert!(html.contains("This link is for another account") && html.contains(OTHER_EMAIL));
    assert!(!html.contains("A Rust NVMe driver"));

    let (speaker, csrf) = app.browser_signed_in(&e.speaker.email).await;
    let (status, html) = app.page(&speaker, &path).await;
    assert_eq!(status, 200);
    assert!(html.contains("A Rust NVMe driver"));
    assert!(html.contains(
        "Please answer by <strong>2030-01-15 12:00 America/New_York (2030-01-15 17:00 UTC)</strong>"
    ));
    assert!(html.contains("Confirm: I will present it"));
    let decline = at(&html, "Yes, decline presenting it");
    assert!(
        html[..decline].rfind("<details").is_some(),
        "decline is a second step"
    );

    let (status, _, _) = post(
        app,
        &speaker,
        &format!("/proposals/{id}/confirm"),
        &[("back", "confirm")],
    )
    .await;
    assert_eq!(status, 403, "no CSRF token");
    let (status, location, _) = post(
        app,
        &speaker,
        &format!("/proposals/{id}/confirm"),
        &[("csrf_token", &csrf), ("back", "confirm")],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, path.as_str()));
    let (_, html) = app.page(&speaker, &path).await;
    assert!(html.contains("Thank you: you confirmed presenting “A Rust NVMe driver”."));
    assert!(html.contains("You confirmed on 20"), "with the date");
    assert!(!html.contains("Confirm: I will present it"));
    let (_, html) = app.page(&speaker, &format!("/proposals/{id}")).await;
    assert!(html.contains("class=\"badge state-confirmed\">confirmed</span>"));
    assert_eq!(
        proposal_as(app, &e.speaker.token, &id).await["state"],
        "confirmed"
    );
    // confirming twice is harmless
    let (status, _, _) = post(
        app,
        &speaker,
        &format!("/proposals/{id}/confirm"),
        &[("csrf_token", &csrf), ("back", "confirm")],
    )
    .await;
    assert_eq!(status, 303);
    // the chair's history has it
    let (chair, _) = app.browser_signed_in(&e.chair.email).await;
    let (_, html) = app.page(&chair, &format!("/proposals/{id}")).await;
    assert!(html.contains(&format!("{SPEAKER_NAME} confirmed presenting it")));
}

#[tokio::test]
async fn a_speaker_declines_on_the_proposal_page_after_a_confirmation_step() {
    let e = Committee::spawn().await;
    let app = &e.app;
    let id = submit(
        app,
        &e.speaker.token,
        talk("A Rust NVMe driver", "rust-for-linux"),
    )
    .await;
    let waiting = submit(app, &e.speaker.token, talk("Still in review", "rust")).await;
    decide(app, &e.chair.token, &id, "accept").await;
    release(app, &e.chair.token).await;
    app.deliver_emails().await;

    let (speaker, csrf) = app.browser_signed_in(&e.speaker.email).await;
    let path = format!("/proposals/{id}");
    let (_, html) = app.page(&speaker, &path).await;
    assert!(html.contains("Will you present it?"));
    let summary = at(&html, "<summary>I cannot present it…</summary>");
    assert!(at(&html, "Yes, decline presenting it") > summary);
    // nothing to answer on a proposal still in review
    let (_, html) = app.page(&speaker, &format!("/proposals/{waiting}")).await;
    assert!(!html.contains("Will you present it?"));
    let (_, html) = app
        .page(&speaker, &format!("/proposals/{waiting}/confirm"))
        .await;
    assert!(html.contains("there is nothing to confirm"));
    let (status, _, _) = post(
        app,
        &speaker,
        &format!("/proposals/{waiting}/confirm"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&speaker, &format!("/proposals/{waiting}")).await;
    assert!(
        html.contains("a submitted proposal cannot be confirmed"),
        "the conflict, said"
    );

    let (status, _, _) = post(app, &speaker, &format!("{path}/decline"), &[]).await;
    assert_eq!(status, 403, "no CSRF token");
    let (status, location, _) = post(
        app,
        &speaker,
        &format!("{path}/decline"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, path.as_str()));
    let (_, html) = app.page(&speaker, &path).await;
    assert!(html.contains("You declined presenting “A Rust NVMe driver”."));
    assert!(html.contains("class=\"badge state-declined\">declined</span> You declined on"));
    assert!(!html.contains("Confirm: I will present it"));
    assert_eq!(
        proposal_as(app, &e.speaker.token, &id).await["state"],
        "declined"
    );
    // the other speaker of another proposal cannot answer for this one
    let (other, other_csrf) = app.browser_signed_in(&e.other.email).await;
    let (status, _, _) = post(
        app,
        &other,
        &format!("{path}/confirm"),
        &[("csrf_token", &other_csrf)],
    )
    .await;
    assert_eq!(status, 404);
}
