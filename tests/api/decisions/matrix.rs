//! Who may do what: every decisions route by every role, and what a refusal may say.

use reqwest::Method;
use serde_json::{Value, json};

use super::{another_event, outbox_items, talk};
use crate::helpers::{
    EVENT, Person, TestApp, add_member, add_member_to, assign, decide, person, proposal_as,
    release, send, submit,
};

/// (method, path, body, status per role in `ROLES` order)
type Route = (Method, String, Option<Value>, [u16; 6]);

const ROLES: [&str; 6] = [
    "anonymous",
    "stranger",
    "speaker",
    "reviewer",
    "other event's chair",
    "chair",
];

/// The people of the matrix, in `ROLES` order (anonymous has none), and their proposals: one
/// accepted and released, one rejected whose email failed.
struct Cast {
    people: Vec<Person>,
    answered: String,
    decided: String,
    failed_id: String,
}

impl Cast {
    fn chair(&self) -> &Person {
        &self.people[4]
    }

    fn speaker(&self) -> &Person {
        &self.people[1]
    }

    fn token(&self, role: usize) -> Option<&str> {
        role.checked_sub(1).map(|i| self.people[i].token.as_str())
    }
}

async fn cast(app: &TestApp) -> Cast {
    let admin = app.admin_with_event("rust-mc").await;
    another_event(app, &admin, "go-mc").await;
    let stranger = person(app, "stranger@example.org", "Stan Stranger").await;
    let speaker = person(app, "speaker@example.org", "Sue Speaker").await;
    let reviewer = person(app, "reviewer@example.org", "Rae Reviewer").await;
    let other_chair = person(app, "other-chair@example.org", "Oli Otherchair").await;
    let chair = person(app, "chair@example.org", "Chris Chair").await;
    add_member(app, &admin, &reviewer.email, "reviewer").await;
    add_member(app, &admin, &chair.email, "chair").await;
    add_member_to(
        app,
        &admin,
        "go-mc",
        &other_chair.email,
        "chair",
        Value::Null,
    )
    .await;
    let answered = submit(app, &speaker.token, talk("Accepted before the checks")).await;
    let decided = submit(app, &speaker.token, talk("Decided during the checks")).await;
    for id in [&answered, &decided] {
        assign(app, &chair.token, id, &[&reviewer.id]).await;
    }
    decide(app, &chair.token, &answered, "accept").await;
    release(app, &chair.token).await;
    app.deliver_emails().await;
    // one failed email for the retry route
    decide(app, &chair.token, &decided, "reject").await;
    release(app, &chair.token).await;
    app.mail.reject(Some(554));
    assert_eq!(app.deliver_emails().await.failed, 1);
    app.mail.reject(None);
    let failed = outbox_items(app, &chair.token, "state=failed").await;
    let failed_id = failed[0]["id"].as_str().expect("id").to_owned();
    Cast {
        people: vec![stranger, speaker, reviewer, other_chair, chair],
        answered,
        decided,
        failed_id,
    }
}

/// Every route, in an order where each call finds what it needs (publishing between the reads
/// of the public list).
fn routes(c: &Cast) -> Vec<Route> {
    let proposal_route = [401, 404, 403, 403, 404, 200];
    let event_route = [401, 403, 403, 403, 403, 200];
    let public = [200; 6];
    let hidden = [404; 6];
    let speakers_only = [401, 404, 200, 403, 404, 403];
    let (e, decided, answered) = (EVENT, &c.decided, &c.answered);
    let templates = format!("{e}/email-templates");
    let route = |method: Method, path: String, body: Option<Value>, statuses: [u16; 6]| {
        (method, path, body, statuses)
    };
    vec![
        route(
            Method::PUT,
            format!("/api/v1/proposals/{decided}/decision"),
            Some(json!({"decision": "accept", "note": "on reflection"})),
            proposal_route,
        ),
        route(
            Method::POST,
            format!("{e}/decisions"),
            Some(json!({"proposal_ids": [decided], "decision": "waitlist"})),
            event_route,
        ),
        route(
            Method::GET,
            format!("/api/v1/proposals/{decided}/decision-history"),
            None,
            proposal_route,
        ),
        route(
            Method::GET,
            format!("{e}/decisions/release"),
            None,
            event_route,
        ),
        route(
            Method::POST,
            format!("{e}/decisions/release"),
            None,
            event_route,
        ),
        route(Method::GET, format!("{e}/outbox"), None, event_route),
        route(
            Method::GET,
            format!("{e}/outbox?state=failed"),
            None,
            event_route,
        ),
        route(
            Method::POST,
            format!("{e}/outbox/{}/retry", c.failed_id),
            None,
            event_route,
        ),
        route(
            Method::POST,
            format!("{e}/confirmations/remind"),
            None,
            event_route,
        ),
        route(Method::GET, templates.clone(), None, event_route),
        route(
            Method::PUT,
            format!("{templates}/rejection"),
            Some(
                json!({"subject": "About {{proposal_title}}", "body": "Dear {{speaker_name}}, no."}),
            ),
            event_route,
        ),
        route(
            Method::POST,
            format!("{templates}/rejection/preview"),
            Some(json!({"proposal_id": decided})),
            event_route,
        ),
        route(
            Method::DELETE,
            format!("{templates}/rejection"),
            None,
            event_route,
        ),
        route(Method::GET, format!("{e}/accepted.csv"), None, event_route),
        route(Method::GET, format!("{e}/accepted"), None, hidden),
        route(Method::POST, format!("{e}/publish"), None, event_route),
        route(Method::GET, format!("{e}/accepted"), None, public),
        route(Method::DELETE, format!("{e}/publish"), None, event_route),
        route(Method::GET, format!("{e}/accepted"), None, hidden),
        route(
            Method::POST,
            format!("/api/v1/proposals/{answered}/confirm"),
            None,
            speakers_only,
        ),
        route(
            Method::POST,
            format!("/api/v1/proposals/{answered}/decline"),
            None,
            speakers_only,
        ),
    ]
}

/// Calls every route as every role; returns the unexpected statuses, and the refusals that
/// say something about the proposal, its decision or the emails.
async fn check(app: &TestApp, c: &Cast, routes: &[Route]) -> (Vec<String>, Vec<String>) {
    let secrets = [
        "@example.org",
        "on reflection",
        "Decided during",
        "chairs' note",
    ];
    let mut wrong = Vec::new();
    let mut leaked = Vec::new();
    for (method, path, body, expected) in routes {
        for (i, (role, status)) in ROLES.iter().zip(expected).enumerate() {
            let (got, text) = send(app, method.clone(), path, c.token(i), body.as_ref()).await;
            if got != *status {
                wrong.push(format!(
                    "{method} {path} as {role}: {got}, wanted {status}: {text}"
                ));
            }
            if got >= 400 && secrets.iter().any(|secret| text.contains(secret)) {
                leaked.push(format!("{method} {path} as {role}: {text}"));
            }
        }
    }
    (wrong, leaked)
}

#[tokio::test]
async fn every_decisions_route_by_every_role() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let (wrong, leaked) = check(&app, &c, &routes(&c)).await;
    assert!(
        wrong.is_empty(),
        "{} mismatches:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(leaked.is_empty(), "{}", leaked.join("\n"));
    // and the chair's calls did what they say
    let view = proposal_as(&app, &c.chair().token, &c.decided).await;
    assert_eq!(view["state"], "waitlisted", "{view}");
    assert_eq!(
        proposal_as(&app, &c.speaker().token, &c.answered).await["state"],
        "declined"
    );
}
