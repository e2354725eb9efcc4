//! Destructive actions take a second step, without JavaScript.

use super::{assert_accessible, behind_details};
use crate::helpers::{Committee, TestApp, post, proposal_as, publish, release, submit};

const DECISIONS: &str = "/events/rust-mc/decisions";

/// Withdrawing: behind a disclosure, the button keeps its label.
async fn withdrawing_asks_twice(app: &TestApp, speaker: &reqwest::Client, kept: &str) {
    let (_, html) = app.page(speaker, &format!("/proposals/{kept}")).await;
    let action = format!("action=\"/proposals/{kept}/withdraw\"");
    assert!(behind_details(&html, &action), "withdraw asks twice");
    assert!(html.contains("<summary>Withdraw this proposal…</summary>"));
    let form = &html[html.find(&action).expect("form")..];
    assert!(form[..form.find("</form>").expect("end")].contains(">Withdraw</button>"));
    assert!(!form[..form.find("</form>").expect("end")].contains("data-confirm"));
}

/// Rejecting ticked rows: a confirmation page first; nothing changes until it is confirmed.
async fn rejecting_ticked_rows_asks_twice(
    c: &Committee,
    chair: &reqwest::Client,
    csrf: &str,
    doomed: &str,
) {
    let app = &c.app;
    let (_, html) = app.page(chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("name=\"confirmed\" value=\"\" data-confirmed"));
    let field = format!("p_{doomed}");
    let fields = [
        ("csrf_token", csrf),
        ("return_to", "/events/rust-mc/dashboard?track=rust"),
        (&field, "on"),
        ("decision", "reject"),
        ("note", "thin"),
    ];
    let (status, _, html) = post(app, chair, DECISIONS, &fields).await;
    assert_eq!(status, 200, "a confirmation page");
    assert_accessible(&html, "the confirmation page");
    assert!(html.contains("<h1 id=\"confirm-heading\">Reject 1 proposal?</h1>"));
    assert!(html.contains("<li>Doomed: yet another linked list</li>"));
    assert!(!html.contains("Spared: const generics"));
    for hidden in [
        format!("name=\"{field}\" value=\"on\""),
        "name=\"decision\" value=\"reject\"".to_owned(),
        "name=\"note\" value=\"thin\"".to_owned(),
        "name=\"confirmed\" value=\"yes\"".to_owned(),
    ] {
        assert!(html.contains(&hidden), "{hidden}");
    }
    assert!(html.contains(">Yes, reject the selected proposals</button>"));
    assert!(
        html.contains("href=\"/events/rust-mc/dashboard?track=rust\""),
        "cancel"
    );
    let seen = proposal_as(app, &c.chair.token, doomed).await;
    assert!(seen["decision"].is_null(), "nothing decided yet: {seen}");
    let confirmed = [
        ("csrf_token", csrf),
        ("return_to", "/events/rust-mc/dashboard"),
        (&field, "on"),
        ("decision", "reject"),
        ("note", "thin"),
        ("confirmed", "yes"),
    ];
    let (status, location, _) = post(app, chair, DECISIONS, &confirmed).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/events/rust-mc/dashboard")
    );
    let seen = proposal_as(app, &c.chair.token, doomed).await;
    assert_eq!(seen["decision"]["decision"], "reject");
}

/// Declining an accepted talk asks twice, on its page and on the confirmation page.
async fn declining_asks_twice(app: &TestApp, speaker: &reqwest::Client, kept: &str) {
    for page in [
        format!("/proposals/{kept}"),
        format!("/proposals/{kept}/confirm"),
    ] {
        let (status, html) = app.page(speaker, &page).await;
        assert_eq!(status, 200);
        assert!(
            behind_details(&html, &format!("action=\"/proposals/{kept}/decline\"")),
            "{page}: declining asks twice"
        );
        assert_accessible(&html, &page);
    }
}

#[tokio::test]
async fn destructive_actions_take_a_second_step_without_javascript() {
    let c = Committee::spawn().await;
    let app = &c.app;
    let kept = submit(app, &c.speaker.token, "Kept: a Rust NVMe driver").await;
    let doomed = submit(app, &c.speaker.token, "Doomed: yet another linked list").await;
    let spared = submit(app, &c.speaker.token, "Spared: const generics").await;
    let (speaker, speaker_csrf) = app.browser_signed_in(&c.speaker.email).await;
    let (chair, csrf) = app.browser_signed_in(&c.chair.email).await;
    withdrawing_asks_twice(app, &speaker, &kept).await;
    rejecting_ticked_rows_asks_twice(&c, &chair, &csrf, &doomed).await;
    // accepting asks once more only for a proposal nobody reviewed (decision_pages::from_ranking)
    let field = format!("p_{kept}");
    let accept = [
        ("csrf_token", csrf.as_str()),
        (&field, "on"),
        ("decision", "accept"),
    ];
    let (status, _, html) = post(app, &chair, DECISIONS, &accept).await;
    assert_eq!(status, 200);
    assert!(html.contains("Accept 1 proposal nobody has reviewed?"));
    let accept = [
        ("csrf_token", csrf.as_str()),
        (&field, "on"),
        ("decision", "accept"),
        ("confirmed", "yes"),
    ];
    let (status, _, _) = post(app, &chair, DECISIONS, &accept).await;
    assert_eq!(status, 303);

    // rejecting a whole track and unpublishing sit behind a disclosure
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(behind_details(
        &html,
        "Yes, reject every undecided proposal of this track"
    ));
    publish(app, &c.chair.token).await;
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(behind_details(
        &html,
        "action=\"/events/rust-mc/unpublish\""
    ));

    release(app, &c.chair.token).await;
    declining_asks_twice(app, &speaker, &kept).await;
    // the public list of accepted talks is accessible too
    let (status, html) = app
        .page(&app.new_client(), "/events/rust-mc/accepted")
        .await;
    assert_eq!(status, 200);
    assert_accessible(&html, "the accepted talks");
    // and withdrawing through the second step works
    let token = [("csrf_token", speaker_csrf.as_str())];
    let withdraw = format!("/proposals/{spared}/withdraw");
    let (status, _, _) = post(app, &speaker, &withdraw, &token).await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&speaker, &format!("/proposals/{spared}")).await;
    assert!(html.contains("The proposal is withdrawn."));
    assert!(html.contains("role=\"status\""));
}

/// Accepting a proposal nobody reviewed, and publishing the accepted talks while the CfP is
/// open, take a confirmation step; the first post changes nothing, the confirmed one acts.
#[tokio::test]
async fn accepting_unreviewed_and_publishing_during_the_cfp_ask_twice() {
    let c = Committee::reviewing().await;
    let app = &c.app;
    let lonely = submit(app, &c.speaker.token, "Lonely: nobody reviewed it").await;
    let (chair, csrf) = app.browser_signed_in(&c.chair.email).await;

    let action = format!("/proposals/{lonely}/decision");
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("decision", "accept"),
        ("note", "a bold pick"),
    ];
    let (status, _, html) = post(app, &chair, &action, &fields).await;
    assert_eq!(status, 200, "a confirmation page");
    assert_accessible(&html, "the unreviewed accept confirmation");
    assert!(
        html.contains("<h1 id=\"confirm-heading\">Accept a proposal nobody has reviewed?</h1>")
    );
    assert!(html.contains("<li>Lonely: nobody reviewed it</li>"));
    for hidden in [
        "name=\"decision\" value=\"accept\"",
        "name=\"note\" value=\"a bold pick\"",
        "name=\"confirmed\" value=\"yes\"",
    ] {
        assert!(html.contains(hidden), "{hidden}");
    }
    assert!(html.contains(&format!("action=\"{action}\"")));
    let seen = proposal_as(app, &c.chair.token, &lonely).await;
    assert!(seen["decision"].is_null(), "nothing decided yet: {seen}");
    // waitlisting or rejecting it needs no second step
    let waitlist = [("csrf_token", csrf.as_str()), ("decision", "waitlist")];
    let (status, _, _) = post(app, &chair, &action, &waitlist).await;
    assert_eq!(status, 303);
    let confirmed = [
        ("csrf_token", csrf.as_str()),
        ("decision", "accept"),
        ("note", "a bold pick"),
        ("confirmed", "yes"),
    ];
    let (status, location, _) = post(app, &chair, &action, &confirmed).await;
    assert_eq!(
        (status, location),
        (303, format!("/proposals/{lonely}#decision"))
    );
    let seen = proposal_as(app, &c.chair.token, &lonely).await;
    assert_eq!(seen["decision"]["decision"], "accept", "{seen}");

    // the CfP of rust-mc is open until 2030
    let token = [("csrf_token", csrf.as_str())];
    let (status, _, html) = post(app, &chair, "/events/rust-mc/publish", &token).await;
    assert_eq!(status, 200, "a confirmation page");
    assert_accessible(&html, "the early publication confirmation");
    assert!(html.contains("Publish the accepted talks while the CfP is open?"));
    assert!(html.contains("action=\"/events/rust-mc/publish\""));
    assert!(html.contains(">Yes, publish the list now</button>"));
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("Not published"), "nothing published yet");
    // with JavaScript, the form's own question answers the step instead
    assert!(html.contains("data-confirm=\"The call for proposals is still open."));
    assert!(html.contains("name=\"confirmed\" value=\"\" data-confirmed"));
    let confirmed = [("csrf_token", csrf.as_str()), ("confirmed", "yes")];
    let (status, location, _) = post(app, &chair, "/events/rust-mc/publish", &confirmed).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/events/rust-mc/dashboard")
    );
    let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
    assert!(html.contains("The list of accepted talks is public now."));
}
