//! Sending a co-speaker invitation again: a fresh link (the one sent before stops working),
//! for the proposal's speakers only, through the API and the proposal page.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Committee, Person, Proposal, TestApp, answer, api, delivered_token, person, post, proposal_as,
    send, submit,
};

const COCO: &str = "coco@example.org";

/// The account accepts a co-speaker invitation's token: (status, body).
async fn accept(app: &TestApp, account: &Person, token: &str) -> (u16, String) {
    let body = json!({"token": token});
    send(
        app,
        Method::POST,
        "/api/v1/invitations/accept",
        Some(&account.token),
        Some(&body),
    )
    .await
}

/// The resend path of the proposal's only pending invitation, as its speaker sees it.
async fn resend_path(app: &TestApp, speaker: &str, id: &str) -> String {
    let proposal = proposal_as(app, speaker, id).await;
    let pending = &proposal["co_speaker_invitations"];
    assert_eq!(pending[0]["email"], COCO, "{proposal}");
    assert_eq!(proposal["invited"], json!([COCO]));
    let invitation = pending[0]["id"].as_str().expect("invitation id");
    format!("/api/v1/proposals/{id}/co-speakers/{invitation}/resend")
}

#[tokio::test]
async fn a_speaker_sends_an_invitation_again_and_only_the_new_link_works() {
    let committee = Committee::spawn().await;
    let (app, speaker) = (&committee.app, &committee.speaker);
    let id = submit(
        app,
        &speaker.token,
        Proposal::titled("Async drivers").invite(&[COCO]),
    )
    .await;
    let first_token = delivered_token(app, COCO, "/invitations/").await;
    let path = resend_path(app, &speaker.token, &id).await;

    // its speakers and the chairs may (`invitations_resend`); others may not know it (404)
    assert_eq!(send(app, Method::POST, &path, None, None).await.0, 401);
    for (who, token, status) in [
        ("another speaker", &committee.other.token, 404),
        ("a reviewer", &committee.rita.token, 404),
    ] {
        let (got, body) = send(app, Method::POST, &path, Some(token), None).await;
        assert_eq!(got, status, "{who}: {body}");
    }
    assert_eq!(app.deliver_emails().await.sent, 0, "nothing was sent");

    crate::invitations_resend::ten_minutes_pass(app).await;
    let resent = api(app, Method::POST, &path, &speaker.token, None, 200).await;
    assert_eq!(resent["email"], COCO);
    let second_token = delivered_token(app, COCO, "/invitations/").await;
    assert_ne!(first_token, second_token);
    let latest = app.mail.emails().pop().expect("the new invitation");
    assert!(
        latest
            .text()
            .contains("replaces the one in our earlier invitation")
    );

    // the first link is refused, the second one works, and then there is nothing to resend
    let coco = person(app, COCO, "Coco Cospeaker").await;
    let (status, body) = accept(app, &coco, &first_token).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        app.page(&app.new_client(), &format!("/invitations/{first_token}"))
            .await
            .0,
        404
    );
    let (status, body) = accept(app, &coco, &second_token).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(app, Method::POST, &path, Some(&speaker.token), None).await;
    assert_eq!(status, 409, "{body}");
    let problem: Value = serde_json::from_str(&body).expect("problem");
    assert!(problem["errors"]["invitation"].is_array(), "{problem}");
}

#[tokio::test]
async fn an_unknown_invitation_is_404_and_a_withdrawn_proposal_409() {
    let committee = Committee::spawn().await;
    let (app, speaker) = (&committee.app, &committee.speaker);
    let id = submit(
        app,
        &speaker.token,
        Proposal::titled("Async drivers").invite(&[COCO]),
    )
    .await;
    let other = submit(
        app,
        &committee.other.token,
        Proposal::titled("Pin projections").invite(&["pat@example.org"]),
    )
    .await;
    app.deliver_emails().await;
    let path = resend_path(app, &speaker.token, &id).await;
    let nobody =
        format!("/api/v1/proposals/{id}/co-speakers/00000000-0000-0000-0000-000000000000/resend");
    assert_eq!(
        send(app, Method::POST, &nobody, Some(&speaker.token), None)
            .await
            .0,
        404
    );
    // another proposal's invitation, named under this proposal
    let theirs = proposal_as(app, &committee.other.token, &other).await;
    let theirs = theirs["co_speaker_invitations"][0]["id"]
        .as_str()
        .expect("id");
    let mixed = format!("/api/v1/proposals/{id}/co-speakers/{theirs}/resend");
    assert_eq!(
        send(app, Method::POST, &mixed, Some(&speaker.token), None)
            .await
            .0,
        404
    );
    let bad = format!("/api/v1/proposals/{id}/co-speakers/not-a-uuid/resend");
    assert_eq!(
        send(app, Method::POST, &bad, Some(&speaker.token), None)
            .await
            .0,
        400
    );

    answer(app, &speaker.token, &id, "withdraw").await;
    let (status, body) = send(app, Method::POST, &path, Some(&speaker.token), None).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(app.deliver_emails().await.sent, 0);
}

#[tokio::test]
async fn the_proposal_page_offers_its_speakers_to_send_an_invitation_again() {
    let committee = Committee::spawn().await;
    let (app, speaker) = (&committee.app, &committee.speaker);
    let id = submit(
        app,
        &speaker.token,
        Proposal::titled("Async drivers").invite(&[COCO]),
    )
    .await;
    let first_token = delivered_token(app, COCO, "/invitations/").await;
    let api_path = resend_path(app, &speaker.token, &id).await;
    let form_path = api_path.trim_start_matches("/api/v1").to_owned();
    let page_path = format!("/proposals/{id}");

    let (browser, csrf) = app.browser_signed_in(&speaker.email).await;
    let (_, page) = app.page(&browser, &page_path).await;
    assert!(page.contains(&format!("action=\"{form_path}\"")), "{page}");
    assert!(page.contains("Send the invitation again"));
    // the chairs see who is invited, and the button too
    let (chair, _) = app.browser_signed_in(&committee.chair.email).await;
    let (_, page) = app.page(&chair, &page_path).await;
    assert!(page.contains(COCO) && page.contains("Send the invitation again"));
    crate::invitations_resend::ten_minutes_pass(app).await;

    let (status, _, _) = post(app, &browser, &form_path, &[]).await;
    assert_ne!(status, 303, "no CSRF token, nothing sent");
    let (status, location, _) = post(app, &browser, &form_path, &[("csrf_token", &csrf)]).await;
    assert_eq!((status, location.as_str()), (303, page_path.as_str()));
    let (_, page) = app.page(&browser, &page_path).await;
    assert!(
        page.contains("Invitation sent again to coco@example.org"),
        "{page}"
    );
    let second_token = delivered_token(app, COCO, "/invitations/").await;
    assert_ne!(first_token, second_token);
    let coco = person(app, COCO, "Coco Cospeaker").await;
    assert_eq!(accept(app, &coco, &first_token).await.0, 422);
    assert_eq!(accept(app, &coco, &second_token).await.0, 200);
}
