//! Releasing decisions: exactly one email per speaker per released decision, with the wording
//! of the decision, however often or concurrently the chairs click.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use super::{
    DECISION_KINDS, assert_decisions_sent_once, decisions_to, listed_states, outbox_items,
    proposal_with_co_speaker, public_get, release_summary, talk,
};
use crate::helpers::{
    EVENT, Person, TestApp, add_member, answer, api, assign, decide, person, proposal_as, publish,
    release, send, submit,
};

#[tokio::test]
async fn a_release_sends_one_email_per_speaker_once_even_when_repeated_or_concurrent() {
    let app = TestApp::spawn().await;
    let (admin, sam, _cora, id) = proposal_with_co_speaker(&app).await;
    let before = app.mail.emails().len();
    let decided = api(
        &app,
        Method::PUT,
        &format!("/api/v1/proposals/{id}/decision"),
        &admin,
        Some(&json!({"decision": "accept", "note": "strong reviews"})),
        200,
    )
    .await;
    assert_eq!(decided["decision"]["decision"], "accept");
    assert_eq!(decided["decision"]["released"], false);
    // not visible to the speaker before the release
    let seen = proposal_as(&app, &sam.token, &id).await;
    assert_eq!(seen["state"], "submitted");
    assert!(seen.get("decision").is_none(), "{seen}");

    let (a, b) = tokio::join!(release(&app, &admin), release(&app, &admin));
    assert_eq!(a + b, 2, "one for Sam, one for Cora: {a} {b}");
    assert_eq!(release(&app, &admin).await, 0);

    app.deliver_emails().await;
    let decision_emails: Vec<_> = app.mail.emails().into_iter().skip(before).collect();
    assert_eq!(decision_emails.len(), 2, "exactly two emails");
    let mut recipients: Vec<String> = decision_emails
        .iter()
        .map(|e| e.header("To").unwrap_or_default())
        .collect();
    recipients.sort();
    assert!(recipients[0].contains("cora@example.org"), "{recipients:?}");
    assert!(recipients[1].contains("sam@example.org"), "{recipients:?}");
    for email in &decision_emails {
        assert!(
            email.subject().starts_with("Accepted at Rust MC"),
            "{}",
            email.subject()
        );
        assert!(email.text().contains(&format!("/proposals/{id}/confirm")));
    }
    assert_eq!(
        proposal_as(&app, &sam.token, &id).await["state"],
        "accepted"
    );

    // confirm, publish, and the public list shows it without emails
    answer(&app, &sam.token, &id, "confirm").await;
    let path = format!("{EVENT}/accepted");
    let (status, _, _, _) = public_get(&app.address, &path, None).await;
    assert_eq!(status, 404, "not published yet");
    publish(&app, &admin).await;
    let (status, etag, _, text) = public_get(&app.address, &path, None).await;
    assert_eq!(status, 200);
    let etag = etag.expect("etag");
    assert!(text.contains("Writing a PCI driver in Rust") && text.contains("Cora Cospeaker"));
    assert!(!text.contains("@example.org"), "no emails: {text}");
    assert_eq!(public_get(&app.address, &path, Some(&etag)).await.0, 304);
}

/// Five proposals of six speakers, decided but not released: accepted (with a co-speaker and
/// an assigned reviewer), rejected, waitlisted, undecided, and accepted then withdrawn.
struct Decided {
    admin: String,
    sam: Person,
    cora: Person,
    wes: Person,
    rita: Person,
    una: Person,
    walt: Person,
    rev: Person,
    accepted: String,
    rejected: String,
    waitlisted: String,
    undecided: String,
    withdrawn: String,
}

async fn five_decided_proposals(app: &TestApp) -> Decided {
    let admin = app.admin_with_event("rust-mc").await;
    let sam = person(app, "sam@example.org", "Sam Speaker").await;
    let cora = person(app, "cora@example.org", "Cora Cospeaker").await;
    let wes = person(app, "wes@example.org", "Wes Rejected").await;
    let rita = person(app, "rita@example.org", "Rita Waiting").await;
    let una = person(app, "una@example.org", "Una Undecided").await;
    let walt = person(app, "walt@example.org", "Walt Withdrawn").await;
    let rev = person(app, "rev@example.org", "Rev Reviewer").await;
    add_member(app, &admin, &rev.email, "reviewer").await;

    let accepted_talk = talk("Writing a PCI driver in Rust").co_speakers(&[&cora]);
    let accepted = submit(app, &sam.token, accepted_talk).await;
    let rejected = submit(app, &wes.token, talk("Yet another borrow checker talk")).await;
    let waitlisted = submit(app, &rita.token, talk("Async Rust in the kernel")).await;
    let undecided = submit(app, &una.token, talk("Rust on RISC-V boards")).await;
    let withdrawn = submit(app, &walt.token, talk("A talk that was withdrawn")).await;
    assign(app, &admin, &accepted, &[&rev.id]).await;

    decide(app, &admin, &accepted, "accept").await;
    decide(app, &admin, &rejected, "reject").await;
    let chair_view = decide(app, &admin, &waitlisted, "waitlist").await;
    assert_eq!(chair_view["decision"]["decision"], "waitlist");
    assert_eq!(chair_view["decision"]["note"], "chairs' note: waitlist");
    assert_eq!(chair_view["decision"]["released"], false);
    assert!(chair_view["decision"]["decided_at"].is_string());
    assert_eq!(chair_view["state"], "submitted");
    decide(app, &admin, &withdrawn, "accept").await;
    // a speaker withdraws after the (unreleased) decision: never released, never emailed
    answer(app, &walt.token, &withdrawn, "withdraw").await;
    Decided {
        admin,
        sam,
        cora,
        wes,
        rita,
        una,
        walt,
        rev,
        accepted,
        rejected,
        waitlisted,
        undecided,
        withdrawn,
    }
}

/// Before the release nobody but the chairs can tell: not the speakers, not the reviewer.
async fn assert_only_the_chairs_know(app: &TestApp, d: &Decided) {
    for (token, id) in [
        (&d.sam.token, &d.accepted),
        (&d.cora.token, &d.accepted),
        (&d.wes.token, &d.rejected),
        (&d.rita.token, &d.waitlisted),
        (&d.rev.token, &d.accepted),
    ] {
        let seen = proposal_as(app, token, id).await;
        assert_eq!(seen["state"], "submitted", "{seen}");
        assert!(seen.get("decision").is_none(), "{seen}");
        let text = seen.to_string();
        assert!(!text.contains("chairs' note"), "{text}");
        for (_, listed) in listed_states(app, token).await {
            assert!(
                listed["state"] == "submitted" || listed["state"] == "withdrawn",
                "{listed}"
            );
            assert!(listed.get("decision").is_none(), "{listed}");
        }
    }
    assert_eq!(
        release_summary(app, &d.admin).await,
        json!({"unreleased": 3, "accept": 1, "reject": 1, "waitlist": 1})
    );
}

/// Five releases at once: one of them queues the four emails, the others nothing; they are
/// delivered once. Returns the emails.
async fn release_five_times_at_once(
    app: &TestApp,
    d: &Decided,
) -> Vec<crate::helpers::ReceivedEmail> {
    app.deliver_emails().await;
    let before = app.mail.emails().len();
    let path = format!("{EVENT}/decisions/release");
    let calls = (0..5).map(|_| send(app, Method::POST, &path, Some(&d.admin), None));
    let answers = futures_util::future::join_all(calls).await;
    let mut queued = 0;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        let body: Value = serde_json::from_str(body).expect("json");
        queued += body["queued"].as_u64().expect("queued");
    }
    assert_eq!(queued, 4, "Sam, Cora, Wes, Rita: {answers:?}");
    assert_eq!(
        release(app, &d.admin).await,
        0,
        "a later release finds nothing"
    );

    let report = app.deliver_emails().await;
    assert_eq!(report.sent, 4, "{report:?}");
    assert_eq!(release(app, &d.admin).await, 0);
    assert_eq!(app.deliver_emails().await.sent, 0);
    app.mail.emails().into_iter().skip(before).collect()
}

/// Each speaker got one email, in the wording of the decision.
fn assert_the_wording_of_each_decision(app: &TestApp, d: &Decided) {
    for who in [&d.sam, &d.cora] {
        let email = &decisions_to(app, &who.email)[0];
        assert_eq!(
            email.subject(),
            "Accepted at Rust MC: Writing a PCI driver in Rust",
            "{}",
            email.raw
        );
        let text = email.text();
        assert!(text.contains(&format!("Dear {},", who.name)), "{text}");
        assert!(text.contains("has been accepted for Rust MC"), "{text}");
        let confirm = format!("{}proposals/{}/confirm", app.state.base_url, d.accepted);
        assert!(text.contains(&confirm), "{text}");
        assert!(
            !text.contains("chairs' note"),
            "the chairs' note stays theirs"
        );
        assert!(email.html().contains("has been accepted for Rust MC"));
    }
    let email = &decisions_to(app, &d.wes.email)[0];
    assert_eq!(
        email.subject(),
        "Your proposal to Rust MC: Yet another borrow checker talk"
    );
    assert!(email.text().contains("Dear Wes Rejected,"));
    assert!(email.text().contains("could not accept yours"));
    assert!(!email.text().contains("/confirm"));
    let email = &decisions_to(app, &d.rita.email)[0];
    assert_eq!(
        email.subject(),
        "On the waiting list of Rust MC: Async Rust in the kernel"
    );
    assert!(email.text().contains("it is on our waiting list"));
    let link = format!("{}proposals/{}", app.state.base_url, d.waitlisted);
    assert!(email.text().contains(&link));
    assert!(decisions_to(app, &d.una.email).is_empty());
    assert!(decisions_to(app, &d.walt.email).is_empty());
    for who in [&d.sam, &d.cora, &d.wes, &d.rita] {
        assert_eq!(decisions_to(app, &who.email).len(), 1, "{}", who.email);
    }
}

/// The outbox holds one row per email, all sent once; the chairs see them.
async fn assert_the_outbox_lists_them_sent(app: &TestApp, chair: &str) {
    assert_decisions_sent_once(app, 4).await;
    let listed = outbox_items(app, chair, "state=sent").await;
    let decision_items: Vec<_> = listed
        .iter()
        .filter(|i| DECISION_KINDS.contains(&i["kind"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(decision_items.len(), 4, "{listed:?}");
    assert!(
        decision_items
            .iter()
            .all(|i| i["sent_at"].is_string() && i["attempts"] == 1)
    );
    assert_eq!(
        outbox_items(app, chair, "state=queued").await,
        Vec::<Value>::new()
    );
}

/// Released: the speakers see the state (and still no decision object).
async fn assert_the_released_states(app: &TestApp, d: &Decided) {
    for (token, id, state) in [
        (&d.sam.token, &d.accepted, "accepted"),
        (&d.cora.token, &d.accepted, "accepted"),
        (&d.wes.token, &d.rejected, "rejected"),
        (&d.rita.token, &d.waitlisted, "waitlisted"),
        (&d.una.token, &d.undecided, "submitted"),
        (&d.walt.token, &d.withdrawn, "withdrawn"),
    ] {
        let seen = proposal_as(app, token, id).await;
        assert_eq!(seen["state"], state, "{seen}");
        assert!(seen.get("decision").is_none(), "{seen}");
        assert_eq!(listed_states(app, token).await[id.as_str()]["state"], state);
    }
    let chair = proposal_as(app, &d.admin, &d.accepted).await;
    assert_eq!(chair["decision"]["released"], true);
    let chair = proposal_as(app, &d.admin, &d.withdrawn).await;
    assert_eq!(chair["state"], "withdrawn");
    assert_eq!(chair["decision"]["released"], false);
}

/// A changed decision waits for the next release; then only the new email goes. A change
/// undone before any release sends nothing.
async fn change_a_released_decision(app: &TestApp, d: &Decided) {
    let changed = decide(app, &d.admin, &d.waitlisted, "accept").await;
    assert_eq!(changed["decision"]["released"], false);
    assert_eq!(changed["state"], "waitlisted", "still the released state");
    let seen = proposal_as(app, &d.rita.token, &d.waitlisted).await;
    assert_eq!(seen["state"], "waitlisted");
    decide(app, &d.admin, &d.rejected, "accept").await;
    decide(app, &d.admin, &d.rejected, "reject").await;
    assert_eq!(
        release_summary(app, &d.admin).await,
        json!({"unreleased": 1, "accept": 1, "reject": 0, "waitlist": 0})
    );
    let before = app.mail.emails().len();
    assert_eq!(release(app, &d.admin).await, 1);
    assert_eq!(app.deliver_emails().await.sent, 1);
    let new: Vec<_> = app.mail.emails().into_iter().skip(before).collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].to, std::slice::from_ref(&d.rita.email));
    assert_eq!(
        new[0].subject(),
        "Accepted at Rust MC: Async Rust in the kernel"
    );
    let seen = proposal_as(app, &d.rita.token, &d.waitlisted).await;
    assert_eq!(seen["state"], "accepted");
}

/// Back and forth across releases: every released change reaches the speaker, once.
async fn change_it_back_and_forth(app: &TestApp, d: &Decided) {
    decide(app, &d.admin, &d.waitlisted, "reject").await;
    assert_eq!(release(app, &d.admin).await, 1);
    decide(app, &d.admin, &d.waitlisted, "accept").await;
    let (a, b) = tokio::join!(release(app, &d.admin), release(app, &d.admin));
    assert_eq!(a + b, 1, "the second acceptance is a new email");
    assert_eq!(app.deliver_emails().await.sent, 2);
    let subjects: Vec<String> = decisions_to(app, &d.rita.email)
        .iter()
        .map(|e| e.subject())
        .collect();
    assert_eq!(
        subjects,
        [
            "On the waiting list of Rust MC: Async Rust in the kernel",
            "Accepted at Rust MC: Async Rust in the kernel",
            "Your proposal to Rust MC: Async Rust in the kernel",
            "Accepted at Rust MC: Async Rust in the kernel",
        ]
    );
    let seen = proposal_as(app, &d.rita.token, &d.waitlisted).await;
    assert_eq!(seen["state"], "accepted");
    assert_eq!(super::outbox_rows(app, &DECISION_KINDS).await.len(), 7);
}

#[tokio::test]
async fn each_speaker_gets_exactly_one_email_with_the_template_of_the_decision() {
    let app = TestApp::spawn().await;
    let d = five_decided_proposals(&app).await;
    assert_only_the_chairs_know(&app, &d).await;

    let new = release_five_times_at_once(&app, &d).await;
    assert_eq!(new.len(), 4, "exactly four emails");
    let to: BTreeSet<String> = new.iter().map(|e| e.to[0].clone()).collect();
    let speakers = [&d.cora, &d.rita, &d.sam, &d.wes];
    assert_eq!(to, BTreeSet::from(speakers.map(|p| p.email.clone())));
    assert_the_wording_of_each_decision(&app, &d);
    assert_the_outbox_lists_them_sent(&app, &d.admin).await;
    assert_the_released_states(&app, &d).await;

    change_a_released_decision(&app, &d).await;
    change_it_back_and_forth(&app, &d).await;
}
