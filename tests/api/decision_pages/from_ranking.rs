//! Deciding from the ranking: each row's buttons decide that row alone and come back to the
//! ranking as it was; ticked rows are decided together; accepting a proposal nobody has reviewed
//! asks once more (also from the dashboard's bulk form); a foreign `return_to` is not followed.

use crate::helpers::{Committee, assign, post, proposal_as, review, review_body, submit};

const DECISIONS: &str = "/events/rust-mc/decisions";
const RANKING: &str = "/events/rust-mc/ranking";

#[tokio::test]
async fn a_chair_goes_down_the_ranking_once() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let strong = submit(app, &c.speaker.token, "Strong: a Rust NVMe driver").await;
    let weak = submit(app, &c.speaker.token, "Weak: yet another linked list").await;
    let middle = submit(app, &c.other.token, "Middle: const generics in practice").await;
    let unseen = submit(app, &c.other.token, "Unseen: nobody read this one").await;
    for id in [&strong, &weak, &middle] {
        assign(app, &c.admin, id, &[&c.rita.id]).await;
    }
    review(
        app,
        &c.rita.token,
        &strong,
        &review_body(5, 3, "great", "great"),
    )
    .await;
    review(app, &c.rita.token, &middle, &review_body(3, 2, "ok", "ok")).await;
    review(app, &c.rita.token, &weak, &review_body(1, 3, "no", "no")).await;
    let (chair, csrf) = app.browser_signed_in(&c.chair.email).await;
    let decision_of = |id: String| {
        let token = c.chair.token.clone();
        async move { proposal_as(app, &token, &id).await["decision"]["decision"].clone() }
    };

    // every row has its buttons, named after its proposal; the form comes back here
    let (status, html) = app.page(&chair, RANKING).await;
    assert_eq!(status, 200);
    for (id, title) in [
        (&strong, "Strong: a Rust NVMe driver"),
        (&unseen, "Unseen: nobody read this one"),
    ] {
        assert!(
            html.contains(&format!(
                "value=\"accept:{id}\" aria-label=\"Accept “{title}”\""
            )),
            "{html}"
        );
        assert!(html.contains(&format!("name=\"p_{id}\"")));
    }
    assert!(html.contains(&format!("name=\"return_to\" value=\"{RANKING}\"")));

    // one row's button decides that row alone, whatever else is ticked
    let strong_accept = format!("accept:{strong}");
    let ticked_weak = format!("p_{weak}");
    let (status, location, _) = post(
        app,
        &chair,
        DECISIONS,
        &[
            ("csrf_token", &csrf),
            ("return_to", RANKING),
            (&ticked_weak, "on"),
            ("decide_one", &strong_accept),
        ],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, RANKING));
    assert_eq!(decision_of(strong.clone()).await, "accept");
    assert!(decision_of(weak.clone()).await.is_null());
    let (_, html) = app.page(&chair, RANKING).await;
    assert!(
        html.contains("<span class=\"badge state-accepted\">accepted</span>"),
        "{html}"
    );
    assert!(
        html.contains("1 proposal accepted"),
        "the flash is on the ranking"
    );

    // ticked rows together
    let ticked_middle = format!("p_{middle}");
    let (status, _, _) = post(
        app,
        &chair,
        DECISIONS,
        &[
            ("csrf_token", &csrf),
            ("return_to", RANKING),
            (&ticked_weak, "on"),
            (&ticked_middle, "on"),
            ("decision", "waitlist"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(decision_of(weak.clone()).await, "waitlist");
    assert_eq!(decision_of(middle.clone()).await, "waitlist");

    // accepting one nobody reviewed: a confirmation page first, then accepted
    let unseen_accept = format!("accept:{unseen}");
    let (status, _, html) = post(
        app,
        &chair,
        DECISIONS,
        &[
            ("csrf_token", &csrf),
            ("return_to", RANKING),
            ("decide_one", &unseen_accept),
        ],
    )
    .await;
    assert_eq!(status, 200, "a confirmation page");
    assert!(
        html.contains("Accept 1 proposal nobody has reviewed?"),
        "{html}"
    );
    assert!(html.contains("<li>Unseen: nobody read this one</li>"));
    assert!(html.contains(&format!("name=\"p_{unseen}\" value=\"on\"")));
    assert!(
        html.contains(&format!("href=\"{RANKING}\"")),
        "cancel goes back to the ranking"
    );
    assert!(decision_of(unseen.clone()).await.is_null());
    let ticked_unseen = format!("p_{unseen}");
    let (status, location, _) = post(
        app,
        &chair,
        DECISIONS,
        &[
            ("csrf_token", &csrf),
            ("return_to", RANKING),
            (&ticked_unseen, "on"),
            ("decision", "accept"),
            ("confirmed", "yes"),
        ],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, RANKING));
    assert_eq!(decision_of(unseen.clone()).await, "accept");

    // a malformed button value is a 400, a foreign return_to goes to the dashboard
    let (status, _, _) = post(
        app,
        &chair,
        DECISIONS,
        &[("csrf_token", &csrf), ("decide_one", "accept")],
    )
    .await;
    assert_eq!(status, 400);
    let weak_reject = format!("reject:{weak}");
    let (status, location, _) = post(
        app,
        &chair,
        DECISIONS,
        &[
            ("csrf_token", &csrf),
            ("return_to", "https://evil.example/events/rust-mc/ranking"),
            ("decide_one", &weak_reject),
            ("confirmed", "yes"),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/events/rust-mc/dashboard")
    );
    assert_eq!(decision_of(weak.clone()).await, "reject");
}
