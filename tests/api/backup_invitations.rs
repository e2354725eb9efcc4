//! After `mcfp import`, open invitations' links are dead (their tokens are never exported):
//! what the README's Backups section tells chairs and speakers to do gives them working ones.

use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::json;

use crate::backup::{cli_export, import, stderr, write_temp};
use crate::helpers::{
    Committee, EVENT, Proposal, SLUG, api, delivered_token, person, send, submit,
};

const NEWCOMER: &str = "newcomer@example.org";
const COCO: &str = "coco@example.org";

#[tokio::test]
async fn after_an_import_invitations_are_sent_again_and_only_the_new_links_work() {
    let committee = Committee::spawn().await;
    let (app, chair, speaker) = (&committee.app, &committee.chair, &committee.speaker);
    let invite = json!({"email": NEWCOMER, "role": "reviewer", "tracks": null});
    let members = format!("{EVENT}/members");
    api(app, Method::PUT, &members, &chair.token, Some(&invite), 200).await;
    let id = submit(
        app,
        &speaker.token,
        Proposal::titled("Async drivers").invite(&[COCO]),
    )
    .await;
    let old_member = delivered_token(&committee.app, NEWCOMER, "/member-invitations/").await;
    let old_co_speaker = delivered_token(&committee.app, COCO, "/invitations/").await;

    // the event is restored from its export
    let file = write_temp("invitations.json", &cli_export(app, SLUG).to_string());
    let mut conn = app.state.pool.get().await.expect("connection");
    diesel::sql_query("DELETE FROM events WHERE slug = 'rust-mc'")
        .execute(&mut conn)
        .await
        .expect("delete");
    drop(conn);
    let output = import(app, &file, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let _ = std::fs::remove_file(file);

    // (an account of the invited email would be made a member directly: she signs up otherwise)
    let nina = person(app, "nina@elsewhere.example", "Nina Newcomer").await;
    let coco = person(app, COCO, "Coco Cospeaker").await;
    let accept = |path: &'static str, who: String, token: String| async move {
        let body = json!({"token": token});
        send(app, Method::POST, path, Some(&who), Some(&body))
            .await
            .0
    };
    let member_accept = "/api/v1/member-invitations/accept";
    let co_speaker_accept = "/api/v1/invitations/accept";
    assert_eq!(
        accept(member_accept, nina.token.clone(), old_member.clone()).await,
        422
    );
    assert_eq!(
        accept(
            co_speaker_accept,
            coco.token.clone(),
            old_co_speaker.clone()
        )
        .await,
        422
    );

    // the chair invites the address again: the restored invitation is sent again
    let again = api(app, Method::PUT, &members, &chair.token, Some(&invite), 200).await;
    assert_eq!(again["sent_again"], true, "{again}");
    // the speaker sends the co-speaker invitation again from the proposal
    let proposal = api(
        app,
        Method::GET,
        &format!("/api/v1/proposals/{id}"),
        &speaker.token,
        None,
        200,
    )
    .await;
    let invitation = proposal["co_speaker_invitations"][0]["id"]
        .as_str()
        .expect("the restored invitation");
    let resend = format!("/api/v1/proposals/{id}/co-speakers/{invitation}/resend");
    // (restored on the same server, the first email is still in its outbox: 10 minutes' pause)
    crate::invitations_resend::ten_minutes_pass(app).await;
    api(app, Method::POST, &resend, &speaker.token, None, 200).await;

    let new_member = delivered_token(&committee.app, NEWCOMER, "/member-invitations/").await;
    let new_co_speaker = delivered_token(&committee.app, COCO, "/invitations/").await;
    assert_ne!(new_member, old_member);
    assert_ne!(new_co_speaker, old_co_speaker);
    assert_eq!(
        accept(member_accept, nina.token.clone(), new_member).await,
        200
    );
    assert_eq!(
        accept(co_speaker_accept, coco.token.clone(), new_co_speaker).await,
        200
    );
}
