//! A speaker who declines an accepted or confirmed talk is not silent: the other speakers and
//! the chairs are emailed, in the decline's transaction.

use reqwest::Method;

use crate::helpers::{
    Person, Proposal, ReceivedEmail, TestApp, add_member, answer, decide, person, release, send,
    submit,
};

struct Cast {
    chair: Person,
    sam: Person,
    cora: Person,
    rev: Person,
    id: String,
}

/// Sam's talk with Cora as co-speaker, accepted and released; a chair and a reviewer.
async fn accepted_talk(app: &TestApp) -> Cast {
    let admin = app.admin_with_event("rust-mc").await;
    let chair = person(app, "chair@example.org", "Chris Chair").await;
    add_member(app, &admin, &chair.email, "chair").await;
    let rev = person(app, "rev@example.org", "Rev Reviewer").await;
    add_member(app, &admin, &rev.email, "reviewer").await;
    let sam = person(app, "sam@example.org", "Sam Speaker").await;
    let cora = person(app, "cora@example.org", "Cora Cospeaker").await;
    let talk = Proposal::titled("Writing a PCI driver in Rust").co_speakers(&[&cora]);
    let id = submit(app, &sam.token, talk).await;
    decide(app, &chair.token, &id, "accept").await;
    release(app, &chair.token).await;
    Cast {
        chair,
        sam,
        cora,
        rev,
        id,
    }
}

/// The decline notices delivered so far, to whom.
async fn decline_notices(app: &TestApp) -> Vec<ReceivedEmail> {
    app.deliver_emails().await;
    app.mail
        .emails()
        .into_iter()
        .filter(|e| e.subject().contains("declined presenting"))
        .collect()
}

fn to(notices: &[ReceivedEmail], person: &Person) -> Option<ReceivedEmail> {
    notices
        .iter()
        .find(|e| e.to == [person.email.clone()])
        .cloned()
}

#[tokio::test]
async fn a_co_speaker_declining_a_confirmed_talk_is_told_to_the_submitter_and_the_chairs() {
    let app = TestApp::spawn().await;
    let cast = accepted_talk(&app).await;
    answer(&app, &cast.sam.token, &cast.id, "confirm").await;
    assert!(decline_notices(&app).await.is_empty());

    answer(&app, &cast.cora.token, &cast.id, "decline").await;
    let notices = decline_notices(&app).await;
    let to_sam = to(&notices, &cast.sam).expect("the submitter is told");
    let to_chair = to(&notices, &cast.chair).expect("the chair is told");
    assert!(
        to(&notices, &cast.cora).is_none(),
        "not the one who declined"
    );
    assert!(to(&notices, &cast.rev).is_none(), "not the reviewers");
    for email in [&to_sam, &to_chair] {
        let text = email.text();
        assert!(
            email
                .subject()
                .contains("Cora Cospeaker declined presenting"),
            "who: {}",
            email.subject()
        );
        assert!(
            text.contains("Writing a PCI driver in Rust"),
            "which talk: {text}"
        );
        assert!(text.contains("was confirmed"), "what it was: {text}");
        assert!(text.contains(&format!("/proposals/{}", cast.id)), "{text}");
    }
    assert!(
        to_chair.text().contains("slot is free again"),
        "what it means to a chair"
    );
    assert!(
        to_sam.text().contains("write to the chairs"),
        "what it means to a speaker"
    );
    // the same decline again changes nothing and tells nobody again
    answer(&app, &cast.cora.token, &cast.id, "decline").await;
    assert_eq!(decline_notices(&app).await.len(), notices.len());
}

#[tokio::test]
async fn the_submitter_declining_an_accepted_talk_tells_the_co_speaker_and_the_chairs() {
    let app = TestApp::spawn().await;
    let cast = accepted_talk(&app).await;
    answer(&app, &cast.sam.token, &cast.id, "decline").await;
    let notices = decline_notices(&app).await;
    assert!(to(&notices, &cast.cora).is_some());
    assert!(to(&notices, &cast.chair).is_some());
    assert!(to(&notices, &cast.sam).is_none());
    assert!(
        to(&notices, &cast.cora)
            .expect("cora")
            .text()
            .contains("was accepted")
    );
}

#[tokio::test]
async fn declining_a_talk_that_is_only_submitted_is_refused_and_tells_nobody() {
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    let sam = person(&app, "sam@example.org", "Sam Speaker").await;
    let cora = person(&app, "cora@example.org", "Cora Cospeaker").await;
    let talk = Proposal::titled("Writing a PCI driver in Rust").co_speakers(&[&cora]);
    let id = submit(&app, &sam.token, talk).await;
    let path = format!("/api/v1/proposals/{id}/decline");
    let (status, _) = send(&app, Method::POST, &path, Some(&cora.token), None).await;
    assert_eq!(status, 409);
    assert!(decline_notices(&app).await.is_empty());
}
