//! Conflicts through the pages: a reviewer declares one and loses the proposal; the chairs see
//! the reasons, assign around them, and set or clear them.

use crate::helpers::{Committee, Person, Proposal, add_member, assign, person, post, submit};

const CO_NAME: &str = "Gideon Cospeakerton";
const CO_EMAIL: &str = "gideon@cospeakers.test";

/// Rita declares a conflict from the proposal page: it leaves her queue, and she can neither
/// see nor review it any more.
async fn rita_declares_a_conflict(c: &Committee, id: &str) {
    let app = &c.app;
    let (rita, csrf) = app.browser_signed_in(&c.rita.email).await;
    let (_, queue) = app.page(&rita, "/events/rust-mc/review").await;
    assert!(queue.contains("Conflicted talk"));
    let (_, html) = app.page(&rita, &format!("/proposals/{id}")).await;
    assert!(html.contains("<details class=\"conflict-declare\">"));
    assert!(html.contains("Yes, I am conflicted with this proposal"));
    let token = [("csrf_token", csrf.as_str())];
    let (status, location, _) =
        post(app, &rita, &format!("/proposals/{id}/conflict"), &token).await;
    assert_eq!((status, location.as_str()), (303, "/events/rust-mc/review"));
    let (_, queue) = app.page(&rita, "/events/rust-mc/review").await;
    assert!(queue.contains("is recorded: it is no longer in your queue"));
    assert!(queue.contains("Nothing to review"));
    let (_, again) = app.page(&rita, "/events/rust-mc/review").await;
    assert!(!again.contains("Conflicted talk"));
    assert_eq!(app.page(&rita, &format!("/proposals/{id}")).await.0, 404);
    let review = [
        ("csrf_token", csrf.as_str()),
        ("score", "4"),
        ("confidence", "2"),
    ];
    let (status, _, _) = post(app, &rita, &format!("/proposals/{id}/review"), &review).await;
    assert_eq!(status, 404);
}

/// The chair sees the conflicts with their reasons, the assignment form disables them, and
/// assigns Rex (but not the conflicted co-speaker) through it.
async fn the_chair_assigns_around_conflicts(
    c: &Committee,
    chair: &reqwest::Client,
    csrf: &str,
    id: &str,
    co: &Person,
) {
    let app = &c.app;
    let page = format!("/proposals/{id}");
    let checkbox =
        |who: &Person, state: &str| format!("name=\"reviewer_{}\" value=\"on\" {state}", who.id);
    let (_, html) = app.page(chair, &page).await;
    assert!(html.contains("declared by the reviewer"));
    assert!(html.contains("a speaker of this proposal"));
    assert!(html.contains(&checkbox(&c.rita, "disabled")));
    assert!(html.contains(&checkbox(co, "disabled")));
    assert!(!html.contains(&checkbox(&c.rita, "checked")));

    let assignments = format!("/proposals/{id}/assignments");
    let rex_field = format!("reviewer_{}", c.rex.id);
    let fields = [("csrf_token", csrf), (rex_field.as_str(), "on")];
    let (status, location, _) = post(app, chair, &assignments, &fields).await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/proposals/{id}#assignments").as_str())
    );
    let (_, html) = app.page(chair, &page).await;
    assert!(html.contains("Assigned: Rex Reviewer."));
    assert!(html.contains(&checkbox(&c.rex, "checked")));
    assert!(html.contains("review pending"));
    // assigning a conflicted member is refused with the reason
    let conflicted = format!("reviewer_{}", co.id);
    post(
        app,
        chair,
        &assignments,
        &[("csrf_token", csrf), (&conflicted, "on")],
    )
    .await;
    let (_, html) = app.page(chair, &page).await;
    assert!(html.contains("is conflicted (a speaker of this proposal)"));
}

/// The chair's conflict form for one reviewer; returns the status.
async fn set_conflict(
    c: &Committee,
    chair: &reqwest::Client,
    csrf: &str,
    id: &str,
    who: &Person,
    conflicted: &str,
) -> u16 {
    let fields = [
        ("csrf_token", csrf),
        ("reviewer_id", who.id.as_str()),
        ("conflicted", conflicted),
    ];
    let path = format!("/proposals/{id}/conflicts");
    post(&c.app, chair, &path, &fields).await.0
}

#[tokio::test]
async fn a_reviewer_who_declares_a_conflict_loses_the_proposal_and_chairs_manage_conflicts() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let co = person(app, CO_EMAIL, CO_NAME).await;
    // a speaker who is also a reviewer is conflicted with their own proposal
    add_member(app, &c.admin, &co.email, "reviewer").await;
    let conflicted = Proposal::titled("Conflicted talk").invite(&[CO_EMAIL]);
    let id = submit(app, &c.speaker.token, conflicted).await;
    assign(app, &c.chair.token, &id, &[&c.rita.id]).await;
    rita_declares_a_conflict(&c, &id).await;

    let (chair, csrf) = app.browser_signed_in(&c.chair.email).await;
    the_chair_assigns_around_conflicts(&c, &chair, &csrf, &id, &co).await;

    // the chair clears Rita's conflict, then sets one for Rex, who then loses the proposal
    let page = format!("/proposals/{id}");
    assert_eq!(
        set_conflict(&c, &chair, &csrf, &id, &c.rita, "false").await,
        303
    );
    let (_, html) = app.page(&chair, &page).await;
    assert!(html.contains("The conflict is cleared."));
    assert_eq!(
        set_conflict(&c, &chair, &csrf, &id, &c.rex, "true").await,
        303
    );
    let (_, html) = app.page(&chair, &page).await;
    assert!(html.contains("set by a chair"));
    let (rex, _) = app.browser_signed_in(&c.rex.email).await;
    assert_eq!(app.page(&rex, &page).await.0, 404);
    // a speaker's conflict cannot be cleared: the page offers no button, and the route says why
    set_conflict(&c, &chair, &csrf, &id, &co, "false").await;
    let (_, html) = app.page(&chair, &page).await;
    assert!(html.contains("a speaker of the proposal is always conflicted with it"));
}
