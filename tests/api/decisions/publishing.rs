//! The published list of accepted talks: exactly the accepted and confirmed ones, without
//! emails, with ETags that every instance agrees on and that change with any change.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use mcfp::schema::{co_speakers, proposals};
use reqwest::Method;
use serde_json::{Value, json};

use super::{listed_titles, public_get, public_get_after_change, talk};
use crate::helpers::{
    ABSTRACT, EVENT, Person, TestApp, add_member, answer, api, decide, patch_event, person,
    publish, release, send, submit,
};

/// Proposals in every state, their decisions released (but one); two confirmed.
struct Programme {
    chair: Person,
    rev: Person,
    sam: Person,
    cora: Person,
    dee: Person,
    ida: Person,
    confirmed: String,
    accepted: String,
    declines: String,
    wavers: String,
}

async fn decided_and_released(app: &TestApp) -> Programme {
    let admin = app.admin_with_event("rust-mc").await;
    let chair = person(app, "chair@example.org", "Chris Chair").await;
    add_member(app, &admin, &chair.email, "chair").await;
    let rev = person(app, "rev@example.org", "Rev Reviewer").await;
    add_member(app, &admin, &rev.email, "reviewer").await;
    let sam = person(app, "sam@example.org", "Sam Speaker").await;
    let cora = person(app, "cora@example.org", "Cora Cospeaker").await;
    let dee = person(app, "dee@example.org", "Dee Decliner").await;
    let ida = person(app, "ida@example.org", "Ida Indecisive").await;
    let others = person(app, "others@example.org", "Otto Others").await;
    let confirmed_talk = talk("A confirmed talk").co_speakers(&[&cora]);
    let confirmed = submit(app, &sam.token, confirmed_talk).await;
    let accepted = submit(app, &cora.token, talk("An accepted talk")).await;
    let declines = submit(app, &dee.token, talk("A talk its speaker declines")).await;
    let wavers = submit(app, &ida.token, talk("A talk confirmed then declined")).await;
    let rejected = submit(app, &others.token, talk("A rejected talk")).await;
    let waitlisted = submit(app, &others.token, talk("A waitlisted talk")).await;
    let _submitted = submit(app, &others.token, talk("A talk nobody decided")).await;
    let withdrawn = submit(app, &others.token, talk("A withdrawn talk")).await;
    let unreleased = submit(app, &others.token, talk("An accepted but unreleased talk")).await;
    for (id, decision) in [
        (&confirmed, "accept"),
        (&accepted, "accept"),
        (&declines, "accept"),
        (&wavers, "accept"),
        (&rejected, "reject"),
        (&waitlisted, "waitlist"),
        (&withdrawn, "accept"),
    ] {
        decide(app, &chair.token, id, decision).await;
    }
    answer(app, &others.token, &withdrawn, "withdraw").await;
    release(app, &chair.token).await;
    decide(app, &chair.token, &unreleased, "accept").await;
    for (who, id) in [(&cora, &confirmed), (&ida, &wavers)] {
        answer(app, &who.token, id, "confirm").await;
    }
    Programme {
        chair,
        rev,
        sam,
        cora,
        dee,
        ida,
        confirmed,
        accepted,
        declines,
        wavers,
    }
}

const LIST: &str = "/api/v1/events/rust-mc/accepted";

/// Not published: 404 for everyone, and for an unknown event.
async fn assert_unpublished(app: &TestApp, p: &Programme) {
    assert_eq!(public_get(&app.address, LIST, None).await.0, 404);
    let unknown = public_get(&app.address, "/api/v1/events/no-such-event/accepted", None).await;
    assert_eq!(unknown.0, 404);
    let as_speaker = send(app, Method::GET, LIST, Some(&p.sam.token), None).await;
    assert_eq!(as_speaker.0, 404);
}

/// Publishes twice (the first date stays); returns the publication date.
async fn publish_twice(app: &TestApp, chair: &str) -> String {
    let published = publish(app, chair).await;
    let published_at = published["published_at"].as_str().expect("date").to_owned();
    let again = publish(app, chair).await;
    assert_eq!(
        again["published_at"],
        published_at.as_str(),
        "keeps the first date"
    );
    published_at
}

/// The list: the four accepted talks, their speakers' names, nothing private; returns the ETag.
async fn assert_the_published_list(app: &TestApp, p: &Programme, published_at: &str) -> String {
    let (status, etag, cache, body) = public_get(&app.address, LIST, None).await;
    assert_eq!(status, 200, "{body}");
    let etag = etag.expect("an ETag");
    assert!(cache.is_some_and(|c| c.contains("public") && c.contains("no-cache")));
    let list: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(list["event"], "rust-mc");
    assert_eq!(list["published_at"], published_at);
    assert_eq!(
        listed_titles(&body),
        [
            "A confirmed talk",
            "A talk confirmed then declined",
            "A talk its speaker declines",
            "An accepted talk"
        ]
    );
    let first = &list["items"][0];
    assert_eq!(first["id"], p.confirmed.as_str());
    assert_eq!(first["abstract"], ABSTRACT);
    assert!(first["subtopics"].is_array());
    assert_eq!(
        first["speakers"],
        json!([{"name": "Sam Speaker", "affiliation": "", "bio": "", "photo_url": null}, {"name": "Cora Cospeaker", "affiliation": "", "bio": "", "photo_url": null}])
    );
    assert!(!body.contains('@'), "no email address anywhere: {body}");
    assert!(!body.contains("chairs' note") && !body.contains("for the chairs only"));
    etag
}

/// If-None-Match: 304 while nothing changed, from this instance and from a second one, which
/// is returned.
async fn assert_not_modified_on_both(app: &TestApp, etag: &str) -> String {
    let base = &app.address;
    let (status, tag, _, body) = public_get(base, LIST, Some(etag)).await;
    assert_eq!(
        (status, tag.as_deref(), body.as_str()),
        (304, Some(etag), "")
    );
    // If-None-Match compares weakly (RFC 9110 §13.1.2): a proxy may have weakened the tag
    let listed_with_others = format!("\"json-0000\", W/{etag}");
    assert_eq!(
        public_get(base, LIST, Some(&listed_with_others)).await.0,
        304
    );
    assert_eq!(public_get(base, LIST, Some("\"json-0000\"")).await.0, 200);
    let other = app.second_instance().await;
    let (status, other_tag, _, other_body) = public_get(&other, LIST, None).await;
    assert_eq!(status, 200);
    assert_eq!(other_tag.as_deref(), Some(etag), "same version, same ETag");
    assert_eq!(listed_titles(&other_body).len(), 4);
    assert_eq!(public_get(&other, LIST, Some(etag)).await.0, 304);
    other
}

/// Speakers decline through the first instance: gone at the next read from both. Returns the
/// ETags after the first and the second declining.
async fn decline_both_ways(
    app: &TestApp,
    p: &Programme,
    other: &str,
    etag: &str,
) -> (String, String) {
    answer(app, &p.dee.token, &p.declines, "decline").await;
    let (status, etag2, _, body) =
        public_get_after_change(other, LIST, Some(etag), (304, Some(etag))).await;
    assert_eq!(status, 200, "the old ETag no longer matches");
    let etag2 = etag2.expect("etag");
    assert_ne!(etag2, etag);
    assert_eq!(
        listed_titles(&body),
        [
            "A confirmed talk",
            "A talk confirmed then declined",
            "An accepted talk"
        ]
    );
    let here = public_get(&app.address, LIST, None).await.1;
    assert_eq!(here.as_deref(), Some(etag2.as_str()));
    // declining after confirming: gone too
    answer(app, &p.ida.token, &p.wavers, "decline").await;
    let (_, etag3, _, body) = public_get_after_change(other, LIST, None, (200, Some(&etag2))).await;
    assert_eq!(
        listed_titles(&body),
        ["A confirmed talk", "An accepted talk"]
    );
    let etag3 = etag3.expect("etag");
    assert_ne!(etag3, etag2);
    (etag2, etag3)
}

/// Changes straight in the database reach both caches by their notification: a title, a
/// co-speaker leaving;
/// and the event's title is part of the list too.
async fn change_behind_the_apps_back(app: &TestApp, p: &Programme, other: &str, etag3: &str) {
    let mut conn = app.state.pool.get().await.expect("conn");
    let accepted_uuid: uuid::Uuid = p.accepted.parse().expect("uuid");
    diesel::update(proposals::table.find(accepted_uuid))
        .set(proposals::title.eq("An accepted talk, retitled"))
        .execute(&mut conn)
        .await
        .expect("retitle");
    let confirmed_uuid: uuid::Uuid = p.confirmed.parse().expect("uuid");
    diesel::delete(co_speakers::table.filter(co_speakers::proposal_id.eq(confirmed_uuid)))
        .execute(&mut conn)
        .await
        .expect("co-speaker leaves");
    for base in [app.address.as_str(), other] {
        let (status, tag, _, body) =
            public_get_after_change(base, LIST, Some(etag3), (304, Some(etag3))).await;
        assert_eq!(status, 200, "{base}");
        assert_ne!(tag.as_deref(), Some(etag3));
        assert_eq!(
            listed_titles(&body),
            ["A confirmed talk", "An accepted talk, retitled"]
        );
        assert_eq!(
            body.matches("Cora Cospeaker").count(),
            1,
            "only on her own talk"
        );
        let list: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(
            list["items"][0]["speakers"],
            json!([{"name": "Sam Speaker", "affiliation": "", "bio": "", "photo_url": null}])
        );
    }
    let before = public_get(other, LIST, None).await.1;
    patch_event(
        app,
        &p.chair.token,
        json!({"title": "Rust Microconference"}),
    )
    .await;
    let (_, _, _, body) =
        public_get_after_change(other, LIST, None, (200, before.as_deref())).await;
    let list: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(list["title"], "Rust Microconference");
}

/// The chairs' CSV has the emails (published or not); nobody else gets it.
async fn assert_the_chairs_csv(app: &TestApp, p: &Programme) {
    let csv_path = format!("{EVENT}/accepted.csv");
    let (status, csv) = send(app, Method::GET, &csv_path, Some(&p.chair.token), None).await;
    assert_eq!(status, 200);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("proposal_id,title,track,format,state,speakers,emails")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(
        rows[0].contains(&p.confirmed)
            && rows[0].contains("confirmed")
            && rows[0].contains("sam@example.org")
    );
    assert!(
        rows[1].contains(&p.accepted)
            && rows[1].contains(",accepted,")
            && rows[1].contains("cora@example.org")
    );
    for token in [None, Some(p.sam.token.as_str()), Some(p.rev.token.as_str())] {
        let (status, body) = send(app, Method::GET, &csv_path, token, None).await;
        assert!(status == 401 || status == 403, "{status} {body}");
        assert!(!body.contains("@example.org"));
    }
}

/// Unpublished: 404 here at once and on the other instance at its notification, whatever the
/// client had; published again: a new ETag.
async fn unpublish_and_publish_again(app: &TestApp, p: &Programme, other: &str, etags: [&str; 3]) {
    let published = public_get(other, LIST, None).await.1;
    let unpublished = api(
        app,
        Method::DELETE,
        &format!("{EVENT}/publish"),
        &p.chair.token,
        None,
        200,
    )
    .await;
    assert!(unpublished["published_at"].is_null());
    for base in [app.address.as_str(), other] {
        let read = public_get_after_change(base, LIST, None, (200, published.as_deref())).await;
        assert_eq!(read.0, 404);
        assert_eq!(public_get(base, LIST, Some(etags[2])).await.0, 404);
        assert_eq!(public_get(base, LIST, Some("*")).await.0, 404);
    }
    let csv_path = format!("{EVENT}/accepted.csv");
    assert_eq!(
        send(app, Method::GET, &csv_path, Some(&p.chair.token), None)
            .await
            .0,
        200,
        "the CSV does not depend on publishing"
    );
    publish(app, &p.chair.token).await;
    let (status, tag, _, _) = public_get_after_change(other, LIST, None, (404, None)).await;
    assert_eq!(status, 200);
    let tag = tag.expect("etag");
    assert!(!etags.contains(&tag.as_str()));
    assert_eq!(public_get(&app.address, LIST, Some(&tag)).await.0, 304);
}

#[tokio::test]
async fn the_published_list_shows_exactly_the_accepted_talks_and_every_instance_sees_changes() {
    let app = TestApp::spawn().await;
    let p = decided_and_released(&app).await;
    // an accepted talk cannot be withdrawn (only declined)
    let withdraw = format!("/api/v1/proposals/{}/withdraw", p.accepted);
    let (status, _) = send(&app, Method::POST, &withdraw, Some(&p.cora.token), None).await;
    assert_eq!(status, 409);
    assert_unpublished(&app, &p).await;

    let published_at = publish_twice(&app, &p.chair.token).await;
    let etag = assert_the_published_list(&app, &p, &published_at).await;
    let other = assert_not_modified_on_both(&app, &etag).await;
    let (etag2, etag3) = decline_both_ways(&app, &p, &other, &etag).await;
    change_behind_the_apps_back(&app, &p, &other, &etag3).await;
    assert_the_chairs_csv(&app, &p).await;
    unpublish_and_publish_again(&app, &p, &other, [&etag, &etag2, &etag3]).await;
}
