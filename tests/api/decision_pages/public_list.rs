//! The public list of accepted talks: published from the dashboard, the same page for
//! everyone, with a fragment to poll and an Atom feed, current at once.

use super::{DASHBOARD, talk};
use crate::helpers::{
    Committee, OTHER_NAME, SPEAKER_NAME, TestApp, answer, at, decide, post, release, submit,
};

const PAGE: &str = "/events/rust-mc/accepted";
const FRAGMENT: &str = "/events/rust-mc/accepted?fragment=1";
const FEED: &str = "/events/rust-mc/accepted.atom";

/// A GET by this browser, with If-None-Match when given.
async fn get(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    if_none_match: Option<&str>,
) -> reqwest::Response {
    let mut request = browser.get(app.url(path));
    if let Some(tag) = if_none_match {
        request = request.header("If-None-Match", tag);
    }
    request.send().await.expect("get")
}

fn etag_of(response: &reqwest::Response) -> String {
    response.headers()["etag"]
        .to_str()
        .expect("etag")
        .to_owned()
}

/// Three talks accepted in two tracks (one confirmed), one rejected, one withdrawn; released.
/// Returns the ids of the kernel talk and of the second language talk.
async fn accepted_talks(e: &Committee) -> (String, String) {
    let (app, speaker, other) = (&e.app, &e.speaker.token, &e.other.token);
    let kernel = submit(
        app,
        speaker,
        talk("Kernel: a Rust NVMe driver", "rust-for-linux"),
    )
    .await;
    let lang = submit(
        app,
        other,
        talk("Lang: async closures **explained**", "rust"),
    )
    .await;
    let lang_two = submit(app, speaker, talk("Lang two: const generics", "rust")).await;
    let rejected = submit(
        app,
        other,
        talk("Rejected: yet another linked list", "rust"),
    )
    .await;
    let withdrawn = submit(app, other, talk("Withdrawn: before the release", "rust")).await;
    for id in [&kernel, &lang, &lang_two, &withdrawn] {
        decide(app, &e.chair.token, id, "accept").await;
    }
    decide(app, &e.chair.token, &rejected, "reject").await;
    answer(app, other, &withdrawn, "withdraw").await;
    release(app, &e.chair.token).await;
    app.deliver_emails().await;
    answer(app, speaker, &kernel, "confirm").await;
    (kernel, lang_two)
}

/// Publish from the dashboard (a second step to unpublish); the event page links the list.
async fn publish_from_the_dashboard(
    app: &TestApp,
    chair: &reqwest::Client,
    csrf: &str,
    visitor: &reqwest::Client,
) {
    let (_, html) = app.page(chair, DASHBOARD).await;
    assert!(html.contains("Not published"));
    let (status, _, _) = post(app, chair, "/events/rust-mc/publish", &[]).await;
    assert_eq!(status, 403, "no CSRF token");
    // the CfP is still open: the confirmed second step (ui::destructive)
    let token = [("csrf_token", csrf), ("confirmed", "yes")];
    let (status, location, _) = post(app, chair, "/events/rust-mc/publish", &token).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/events/rust-mc/dashboard")
    );
    let (_, html) = app.page(chair, DASHBOARD).await;
    assert!(html.contains("The list of accepted talks is public now."));
    assert!(html.contains("class=\"badge badge-open\">Published</span>"));
    let unpublish = at(&html, "Yes, unpublish the list");
    assert!(
        html[..unpublish].contains("<summary>Unpublish…</summary>"),
        "a second step"
    );
    let (_, html) = app.page(visitor, "/events/rust-mc").await;
    assert!(html.contains("href=\"/events/rust-mc/accepted\""));
}

/// The public page: by track, names but no email, the same for everyone; returns its ETag and
/// its HTML.
async fn the_public_page(
    app: &TestApp,
    visitor: &reqwest::Client,
    kernel: &str,
) -> (String, String) {
    let response = get(app, visitor, PAGE, None).await;
    assert_eq!(response.status(), 200);
    let etag = etag_of(&response);
    assert!(etag.starts_with("\"html-"), "{etag}");
    assert_eq!(response.headers()["cache-control"], "public, no-cache");
    let html = response.text().await.expect("body");
    assert!(html.contains("<link rel=\"alternate\" type=\"application/atom+xml\""));
    assert!(html.contains("Published on 20"));
    let kernel_track = at(&html, "<h2 id=\"track-1\">Rust for Linux");
    let lang_track = at(&html, "<h2 id=\"track-2\">General Rust ");
    assert!(kernel_track < at(&html, "Kernel: a Rust NVMe driver"));
    assert!(at(&html, "Kernel: a Rust NVMe driver") < lang_track);
    assert!(lang_track < at(&html, "Lang: async closures"));
    assert!(lang_track < at(&html, "Lang two: const generics"));
    assert!(html.contains(&format!("id=\"talk-{kernel}\"")));
    assert!(html.contains(SPEAKER_NAME) && html.contains(OTHER_NAME));
    assert!(!html.contains('@'), "no email address anywhere");
    assert!(!html.contains("Rejected:") && !html.contains("Withdrawn:"));
    assert!(
        html.contains("<strong>explained</strong>")
            || html.contains("Lang: async closures **explained**")
    );
    assert!(html.contains("role=\"img\" aria-label=\"Accepted minutes per track: Rust for Linux 30 minutes (1 talk); General Rust 60 minutes (2 talks)\""));
    assert!(html.contains("talk, 30 min"));
    assert!(!html.contains("csrf_token"), "the same page for everyone");
    (etag, html)
}

/// The fragment: the list alone, cheap to poll, named by the page; returns its ETag.
async fn the_fragment(app: &TestApp, visitor: &reqwest::Client, html: &str) -> String {
    let response = get(app, visitor, FRAGMENT, None).await;
    assert_eq!(response.status(), 200);
    let fragment_etag = etag_of(&response);
    assert!(fragment_etag.starts_with("\"fragment-"));
    let named = |escaped: &str| format!("data-etag=\"{}\"", fragment_etag.replace('"', escaped));
    assert!(
        html.contains(&named("&#34;")) || html.contains(&named("&quot;")),
        "the page names the fragment's version"
    );
    let body = response.text().await.expect("body");
    assert!(!body.contains("<html") && body.contains("Kernel: a Rust NVMe driver"));
    let unchanged = get(app, visitor, FRAGMENT, Some(&fragment_etag)).await;
    assert_eq!(unchanged.status(), 304);
    assert!(unchanged.text().await.expect("body").is_empty());
    fragment_etag
}

/// The Atom feed: an entry per talk, no email; returns its ETag.
async fn the_feed(app: &TestApp, visitor: &reqwest::Client, kernel: &str) -> String {
    let response = get(app, visitor, FEED, None).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("application/atom+xml")
    );
    let atom_etag = etag_of(&response);
    let feed = response.text().await.expect("body");
    assert!(feed.starts_with("<?xml"));
    assert_eq!(feed.matches("<entry>").count(), 3);
    assert_eq!(feed.matches("</entry>").count(), 3);
    assert!(
        feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">")
            && feed.trim_end().ends_with("</feed>")
    );
    assert!(!feed.contains('@'));
    assert!(feed.contains(&format!("/events/rust-mc/accepted#talk-{kernel}")));
    atom_etag
}

/// A speaker declines: the list changes, and the old fragment and feed versions no longer match.
async fn a_speaker_declines(
    e: &Committee,
    visitor: &reqwest::Client,
    lang_two: &str,
    etags: (&str, &str),
) {
    let app = &e.app;
    let (fragment_etag, atom_etag) = etags;
    answer(app, &e.speaker.token, lang_two, "decline").await;
    let changed = get(app, visitor, FRAGMENT, Some(fragment_etag)).await;
    assert_eq!(changed.status(), 200);
    assert_ne!(etag_of(&changed), fragment_etag);
    let body = changed.text().await.expect("body");
    assert!(!body.contains("Lang two: const generics"));
    assert!(body.contains("Lang: async closures"));
    let feed = get(app, visitor, FEED, Some(atom_etag)).await;
    assert_eq!(feed.status(), 200);
    assert_eq!(
        feed.text().await.expect("body").matches("<entry>").count(),
        2
    );
}

#[tokio::test]
async fn the_accepted_list_is_public_once_published_and_stays_current() {
    let e = Committee::spawn().await;
    let app = &e.app;
    let (kernel, lang_two) = accepted_talks(&e).await;
    let visitor = app.new_client();
    let (status, html) = app.page(&visitor, PAGE).await;
    assert_eq!(status, 404, "not published yet: {html}");
    assert_eq!(app.page(&visitor, FEED).await.0, 404);
    let (_, html) = app.page(&visitor, "/events/rust-mc").await;
    assert!(!html.contains("See the accepted talks"));

    let (chair, csrf) = app.browser_signed_in(&e.chair.email).await;
    publish_from_the_dashboard(app, &chair, &csrf, &visitor).await;
    let (etag, html) = the_public_page(app, &visitor, &kernel).await;
    // a signed-in visitor gets the same content with the account's links in the header: a
    // cached variant of its own, private to the browser (and no flash is eaten)
    let (signed_in, _) = app.browser_signed_in(&e.speaker.email).await;
    let response = get(app, &signed_in, PAGE, None).await;
    assert_ne!(etag_of(&response), etag);
    assert_eq!(response.headers()["cache-control"], "private, no-cache");
    assert_eq!(response.headers()["vary"], "Cookie");
    let body = response.text().await.expect("body");
    assert!(body.contains("href=\"/account\"") && !html.contains("href=\"/account\""));
    let main = |page: &str| page[page.find("<main").expect("main")..].to_owned();
    assert_eq!(main(&body), main(&html));
    // the page's own ETag gives a 304
    assert_eq!(get(app, &visitor, PAGE, Some(&etag)).await.status(), 304);
    let fragment_etag = the_fragment(app, &visitor, &html).await;
    let atom_etag = the_feed(app, &visitor, &kernel).await;
    a_speaker_declines(&e, &visitor, &lang_two, (&fragment_etag, &atom_etag)).await;

    // unpublish: gone again
    let token = [("csrf_token", csrf.as_str())];
    let (status, _, _) = post(app, &chair, "/events/rust-mc/unpublish", &token).await;
    assert_eq!(status, 303);
    assert_eq!(app.page(&visitor, PAGE).await.0, 404);
    assert_eq!(app.page(&visitor, FRAGMENT).await.0, 404);
    let (_, html) = app.page(&chair, DASHBOARD).await;
    assert!(html.contains("The list of accepted talks is no longer public."));
    assert!(html.contains("Not published"));
}
