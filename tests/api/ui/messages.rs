//! Messages where the eye is: after an action that redirects to a section of the page
//! (`/proposals/{id}#review`, `#decision`), its confirmation or error shows inside that section,
//! not at the top of the page, scrolled out of view; a form that comes back with errors brings
//! the browser to the section it belongs to.

use crate::helpers::{Committee, assign, at, post, submit};

/// The HTML of the section with this id, up to its end.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = at(html, &format!("id=\"{id}\""));
    let end = html[start..].find("</section>").expect("the section's end") + start;
    &html[start..end]
}

/// The top of the page's main content, before the first section.
fn top_of_main(html: &str) -> &str {
    let start = at(html, "<main");
    let end = html[start..]
        .find("<section")
        .map_or(html.len(), |e| e + start);
    &html[start..end]
}

#[tokio::test]
async fn a_saved_review_and_a_decision_say_so_inside_their_sections() {
    let e = Committee::reviewing().await;
    let app = &e.app;
    let id = submit(app, &e.speaker.token, "Async drivers in Rust").await;
    assign(app, &e.chair.token, &id, &[&e.rita.id]).await;

    // the review: saved, the message inside #review
    let (rita, csrf) = app.browser_signed_in(&e.rita.email).await;
    let (_, form) = app.page(&rita, &format!("/proposals/{id}")).await;
    assert!(
        form.contains(&format!("action=\"/proposals/{id}/review#review\"")),
        "a refused review comes back scrolled to its form"
    );
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("score", "4"),
        ("confidence", "2"),
        ("comment_for_chairs", "Solid."),
        ("comment_for_speakers", ""),
    ];
    let (status, location, _) = post(app, &rita, &format!("/proposals/{id}/review"), &fields).await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/proposals/{id}#review").as_str())
    );
    let (_, html) = app.page(&rita, &format!("/proposals/{id}")).await;
    assert!(section(&html, "review").contains("Your review is saved."));
    assert!(!top_of_main(&html).contains("Your review is saved."));
    assert_eq!(html.matches("Your review is saved.").count(), 1);

    // the decision: saved, the message inside #decision; a missing choice, too
    let (chair, csrf) = app.browser_signed_in(&e.chair.email).await;
    let path = format!("/proposals/{id}/decision");
    let (status, location, _) = post(
        app,
        &chair,
        &path,
        &[("csrf_token", &csrf), ("decision", "reject"), ("note", "")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/proposals/{id}#decision").as_str())
    );
    let (_, html) = app.page(&chair, &format!("/proposals/{id}")).await;
    assert!(
        section(&html, "decision").contains("The decision is saved"),
        "{}",
        section(&html, "decision")
    );
    assert!(!top_of_main(&html).contains("The decision is saved"));
    assert!(html.contains(&format!("action=\"/proposals/{id}/decision#decision\"")));
    post(
        app,
        &chair,
        &path,
        &[("csrf_token", &csrf), ("decision", "")],
    )
    .await;
    let (_, html) = app.page(&chair, &format!("/proposals/{id}")).await;
    let decision = section(&html, "decision");
    assert!(decision.contains("role=\"alert\" id=\"flash\">Choose accept, waitlist or reject."));

    // a flash with no section stays at the top
    post(
        app,
        &chair,
        &format!("/proposals/{id}/assignments"),
        &[("csrf_token", &csrf)],
    )
    .await;
    let (_, html) = app.page(&chair, &format!("/proposals/{id}")).await;
    assert!(
        section(&html, "assignments").contains("id=\"flash\""),
        "the assignments' message is in their section"
    );
}

/// The dashboard's folded panels: an action in one comes back with that panel open and its
/// message inside it.
#[tokio::test]
async fn the_dashboards_panels_open_with_their_own_messages() {
    let e = Committee::reviewing().await;
    let app = &e.app;
    submit(app, &e.speaker.token, "Async drivers in Rust").await;
    let (chair, csrf) = app.browser_signed_in(&e.chair.email).await;
    let panel = |html: &str, id: &str| -> String {
        let start = at(html, &format!("id=\"{id}\""));
        let open_tag = &html[html[..start].rfind("<details").expect("a panel")..];
        let end = open_tag.find("</details>").expect("the panel's end");
        open_tag[..end].to_owned()
    };
    for (path, fields, id, message) in [
        (
            "/events/rust-mc/assignments/auto",
            vec![
                ("csrf_token", csrf.as_str()),
                ("reviewers_per_proposal", "2"),
            ],
            "assign",
            "assignment",
        ),
        (
            "/events/rust-mc/assignments/auto",
            vec![
                ("csrf_token", csrf.as_str()),
                ("reviewers_per_proposal", "99"),
            ],
            "assign",
            "Reviewers per proposal must be a whole number from 1 to 20.",
        ),
        (
            "/events/rust-mc/review-phase",
            vec![("csrf_token", csrf.as_str()), ("action", "close")],
            "phase",
            "",
        ),
    ] {
        let (status, location, _) = post(app, &chair, path, &fields).await;
        assert_eq!(status, 303, "{path}");
        assert!(location.ends_with(&format!("#{id}")), "{location}");
        let (_, html) = app.page(&chair, "/events/rust-mc/dashboard").await;
        let inside = panel(&html, id);
        assert!(
            inside.starts_with("<details class=\"card panel"),
            "{inside}"
        );
        assert!(
            inside[..inside.find('>').expect("tag")].ends_with(" open"),
            "{id} opens: {inside}"
        );
        assert!(
            inside.contains("id=\"flash\"") && inside.contains(message),
            "{inside}"
        );
        assert_eq!(
            html.matches("class=\"flash ").count(),
            1,
            "shown once, in its panel"
        );
    }
}
