//! Sending a co-speaker invitation again (`POST /proposals/{id}/co-speakers/{invitation_id}/resend`
//! and the proposal page's button): the token rotates, the count grows, the chairs may too, and
//! it is refused (409) once accepted or within 10 minutes of the last email.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Committee, Proposal, TestApp, api, delivered_token, person, post, proposal_as, send, submit,
};

const COCO: &str = "coco@example.org";

/// Makes every co-speaker invitation email 11 minutes older: the pause before sending one
/// again is over.
pub async fn ten_minutes_pass(app: &TestApp) {
    use diesel_async::RunQueryDsl;
    let mut conn = app.state.pool.get().await.expect("connection");
    diesel::sql_query(
        "UPDATE outbox SET created_at = created_at - interval '11 minutes' \
         WHERE kind = 'co_speaker_invitation'",
    )
    .execute(&mut conn)
    .await
    .expect("backdate");
}

async fn accept(app: &TestApp, token: &str, invitation: &str) -> u16 {
    let body = json!({"token": invitation});
    send(
        app,
        Method::POST,
        "/api/v1/invitations/accept",
        Some(token),
        Some(&body),
    )
    .await
    .0
}

#[tokio::test]
async fn a_chair_resends_an_invitation_the_token_rotates_and_the_count_grows() {
    let committee = Committee::spawn().await;
    let (app, speaker) = (&committee.app, &committee.speaker);
    let id = submit(
        app,
        &speaker.token,
        Proposal::titled("Async drivers").invite(&[COCO]),
    )
    .await;
    let first = delivered_token(app, COCO, "/invitations/").await;
    let proposal = proposal_as(app, &committee.chair.token, &id).await;
    let invitation = &proposal["co_speaker_invitations"][0];
    assert_eq!(invitation["invitations_sent"], 1, "{proposal}");
    assert!(invitation["invited_at"].is_string());
    let path = format!(
        "/api/v1/proposals/{id}/co-speakers/{}/resend",
        invitation["id"].as_str().expect("id")
    );

    // sent a moment ago: wait
    let (status, body) = send(app, Method::POST, &path, Some(&committee.chair.token), None).await;
    assert_eq!(status, 409, "{body}");
    let problem: Value = serde_json::from_str(&body).expect("problem");
    assert!(
        problem["errors"]["invitation"][0]
            .as_str()
            .is_some_and(|m| m.contains("10 minutes"))
    );

    ten_minutes_pass(app).await;
    // a reviewer who sees it is refused; the chair may
    let (status, _) = send(app, Method::POST, &path, Some(&committee.rita.token), None).await;
    assert!(status == 403 || status == 404, "{status}");
    let resent = api(app, Method::POST, &path, &committee.chair.token, None, 200).await;
    assert_eq!(resent["email"], COCO);
    let second = delivered_token(app, COCO, "/invitations/").await;
    assert_ne!(first, second);
    let proposal = proposal_as(app, &speaker.token, &id).await;
    assert_eq!(proposal["co_speaker_invitations"][0]["invitations_sent"], 2);
    // again at once: refused, and nothing more is sent
    let (status, _) = send(app, Method::POST, &path, Some(&speaker.token), None).await;
    assert_eq!(status, 409);
    assert_eq!(app.deliver_emails().await.sent, 0);

    let coco = person(app, COCO, "Coco Cospeaker").await;
    assert_eq!(
        accept(app, &coco.token, &first).await,
        422,
        "the old link is dead"
    );
    assert_eq!(
        accept(app, &coco.token, &second).await,
        200,
        "the new one works"
    );
    ten_minutes_pass(app).await;
    let (status, body) = send(app, Method::POST, &path, Some(&committee.chair.token), None).await;
    assert_eq!(status, 409, "accepted: {body}");
}

#[tokio::test]
async fn the_proposal_page_lists_pending_invitations_to_the_submitter_and_the_chairs() {
    let committee = Committee::spawn().await;
    let (app, speaker) = (&committee.app, &committee.speaker);
    let id = submit(
        app,
        &speaker.token,
        Proposal::titled("Async drivers").invite(&[COCO]),
    )
    .await;
    app.deliver_emails().await;
    let page_path = format!("/proposals/{id}");
    for email in [&speaker.email, &committee.chair.email] {
        let (browser, csrf) = app.browser_signed_in(email).await;
        let (_, page) = app.page(&browser, &page_path).await;
        assert!(page.contains(COCO), "{page}");
        assert!(page.contains("sent 1 time"), "{page}");
        assert!(page.contains("Send the invitation again"), "{page}");
        assert!(
            page.contains("the link sent before stops working"),
            "{page}"
        );
        // pressed too early: a message, nothing sent
        let proposal = proposal_as(app, &speaker.token, &id).await;
        let invitation = proposal["co_speaker_invitations"][0]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let form = format!("/proposals/{id}/co-speakers/{invitation}/resend");
        let (status, location, _) = post(app, &browser, &form, &[("csrf_token", &csrf)]).await;
        assert_eq!((status, location.as_str()), (303, page_path.as_str()));
        let (_, page) = app.page(&browser, &page_path).await;
        assert!(page.contains("less than 10 minutes ago"), "{page}");
    }
    assert_eq!(app.deliver_emails().await.sent, 0);
    // a reviewer does not get the button
    let (browser, _) = app.browser_signed_in(&committee.rita.email).await;
    let (_, page) = app.page(&browser, &page_path).await;
    assert!(!page.contains("Send the invitation again"));
}
