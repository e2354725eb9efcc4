//! End-to-end tests in a real browser: Debian's headless Chromium, driven through chromedriver
//! (WebDriver) by fantoccini, against the real app with its own database and SMTP server.
//!
//! They need `/usr/bin/chromium` and `/usr/bin/chromedriver` (`apt-get install chromium
//! chromium-driver`; `.ci/run` installs them; `MCFP_CHROMIUM`/`MCFP_CHROMEDRIVER` point
//! elsewhere). Without them the tests fail, unless `MCFP_SKIP_BROWSER_TESTS=1` is set outside
//! CI, which skips them with a message. Each test saves screenshots of the pages it visits under
//! `target/screenshots/`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, add_member, patch_event};

mod dashboard;
mod look;
mod mail;
mod review;
mod settings;

pub(crate) const TAB: char = '\u{e004}';
pub(crate) const ENTER: char = '\u{e007}';

pub(crate) fn tool(variable: &str, default: &str) -> PathBuf {
    std::env::var_os(variable).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

/// Whether to run: true when Chromium and chromedriver are there; false (skip, with a message)
/// only when they are not and `MCFP_SKIP_BROWSER_TESTS=1` outside CI; otherwise the test fails.
pub(crate) fn browser_available() -> bool {
    let chromium = tool("MCFP_CHROMIUM", "/usr/bin/chromium");
    let driver = tool("MCFP_CHROMEDRIVER", "/usr/bin/chromedriver");
    if chromium.exists() && driver.exists() {
        return true;
    }
    let skip = std::env::var("MCFP_SKIP_BROWSER_TESTS").is_ok_and(|v| v == "1");
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    if skip && !ci {
        eprintln!(
            "browser test skipped: no {} or {} (MCFP_SKIP_BROWSER_TESTS=1)",
            chromium.display(),
            driver.display()
        );
        return false;
    }
    panic!(
        "the browser tests need {} and {}: `apt-get install chromium chromium-driver`, or set \
         MCFP_SKIP_BROWSER_TESTS=1 to skip them locally (never in CI)",
        chromium.display(),
        driver.display()
    );
}

/// One chromedriver for a test; every `Browser` of the test is a session of it.
pub(crate) struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    pub(crate) async fn start() -> Driver {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            listener.local_addr().expect("address").port()
        };
        let mut child = Command::new(tool("MCFP_CHROMEDRIVER", "/usr/bin/chromedriver"))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let url = format!("http://127.0.0.1:{port}");
        let probe = reqwest::Client::new();
        for _ in 0..100 {
            if let Ok(response) = probe.get(format!("{url}/status")).send().await
                && response.status().is_success()
            {
                return Driver { child, url };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("chromedriver did not answer on {url}");
    }

    /// A fresh browser: its own profile, so its own cookies.
    pub(crate) async fn browser(&self, app: &TestApp) -> Browser {
        let profile = std::env::temp_dir().join(format!("mcfp-chromium-{}", uuid::Uuid::new_v4()));
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": tool("MCFP_CHROMIUM", "/usr/bin/chromium"),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-dev-shm-usage", "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.display()),
                ],
            }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a Chromium session");
        Browser {
            client,
            base: app.address.clone(),
            profile,
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) struct Browser {
    pub(crate) client: Client,
    pub(crate) base: String,
    profile: PathBuf,
}

/// The axe-core release `.ci/run` installs.
pub(crate) const AXE_VERSION: &str = "4.14.1";

/// axe.min.js: `MCFP_AXE`, or where `.ci/run` installs it (`target/axe/`).
pub(crate) fn axe_script() -> PathBuf {
    std::env::var_os("MCFP_AXE").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/axe/node_modules/axe-core/axe.min.js")
        },
        PathBuf::from,
    )
}

pub(crate) fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    );
    target.join("screenshots")
}

impl Browser {
    pub(crate) async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    pub(crate) async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// What a reader sees: the page's text.
    pub(crate) async fn text(&self) -> String {
        self.client
            .execute("return document.body.innerText;", vec![])
            .await
            .expect("page text")
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub(crate) async fn fill(&self, css: &str, value: &str) {
        let field = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("field {css}: {e}"));
        field.clear().await.expect("clear");
        field.send_keys(value).await.expect("type");
    }

    /// Chooses a file in an `<input type=file>`: WebDriver types the file's path into it.
    pub(crate) async fn attach_file(&self, css: &str, path: &Path) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("file input {css}: {e}"))
            .send_keys(&path.to_string_lossy())
            .await
            .unwrap_or_else(|e| panic!("attach {}: {e}", path.display()));
    }

    pub(crate) async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("element {css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks the button with this label (the first, in document order).
    pub(crate) async fn press(&self, label: &str) {
        let xpath = format!("//button[normalize-space()='{label}']");
        let button = self
            .client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("button “{label}”: {e}"));
        self.submit_with(button).await;
    }

    /// Clicks a submitting button, says yes to the page's "are you sure?" if it asks (the
    /// progressive enhancement of destructive forms), and waits for the response page.
    pub(crate) async fn submit_with(&self, button: fantoccini::elements::Element) {
        self.mark_page().await;
        button.click().await.expect("click");
        if self.dialog_open().await {
            self.client
                .accept_alert()
                .await
                .expect("confirm the dialog");
        }
        self.wait_for_new_page().await;
    }

    /// Marks the current document, so that `wait_for_new_page` can tell when another replaced it.
    pub(crate) async fn mark_page(&self) {
        self.client
            .execute("window.__mcfpOld = true;", vec![])
            .await
            .expect("mark the page");
    }

    /// Waits until the form's response page has replaced the marked one and has loaded.
    pub(crate) async fn wait_for_new_page(&self) {
        for _ in 0..200 {
            let loaded = self
                .client
                .execute(
                    "return window.__mcfpOld !== true && document.readyState === 'complete';",
                    vec![],
                )
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if loaded {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no new page after 10 s");
    }

    pub(crate) async fn sign_in(&self, email: &str) {
        self.goto("/login").await;
        self.fill("#email", email).await;
        self.fill("#password", PASSWORD).await;
        self.press("Sign in").await;
        assert!(
            !self.path().await.starts_with("/login"),
            "signed in as {email}: {}",
            self.text().await
        );
    }

    /// Saves a screenshot of the whole page under target/screenshots/, after checking the page
    /// with axe-core: every page a browser test shows is an accessibility check too.
    pub(crate) async fn screenshot(&self, name: &str) {
        self.assert_axe_clean(name).await;
        let height = self
            .client
            .execute(
                "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight);",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(1000)
            .clamp(600, 4000) as u32;
        let _ = self.client.set_window_size(1280, height).await;
        let _ = self.client.execute("window.scrollTo(0, 0);", vec![]).await;
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir).expect("screenshots dir");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
        let _ = self.client.set_window_size(1280, 1000).await;
    }

    /// Runs axe-core (the accessibility engine, installed by `.ci/run` from npm) on the page as it
    /// stands and fails the test on any violation, naming the rule and the elements.
    pub(crate) async fn assert_axe_clean(&self, what: &str) {
        let source = std::fs::read_to_string(axe_script()).unwrap_or_else(|e| {
            panic!(
                "axe-core is missing ({}: {e}); install it with \
                 `npm install --no-save --prefix target/axe axe-core@{AXE_VERSION}` or point \
                 MCFP_AXE at axe.min.js",
                axe_script().display()
            )
        });
        let script = format!(
            "{source}\n;const done = arguments[arguments.length - 1];\n\
             axe.run(document, {{resultTypes: ['violations']}}).then(r => done(r.violations.map(v => \
             v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', ')\
             ))).catch(e => done(['axe failed: ' + e]));"
        );
        let violations = self
            .client
            .execute_async(&script, vec![])
            .await
            .unwrap_or_else(|e| panic!("axe on {what}: {e}"));
        let violations: Vec<String> = serde_json::from_value(violations).expect("axe's answer");
        assert!(
            violations.is_empty(),
            "axe-core found {} accessibility violation(s) on {what} ({}):\n{}",
            violations.len(),
            self.path().await,
            violations.join("\n")
        );
    }

    /// Presses keys on the keyboard, as a person would: into whatever has the focus.
    pub(crate) async fn keys(&self, text: &str) {
        let mut actions = KeyActions::new("keyboard".into());
        for key in text.chars() {
            actions = actions
                .then(KeyAction::Down { value: key })
                .then(KeyAction::Up { value: key });
        }
        self.client
            .perform_actions(actions)
            .await
            .expect("keyboard");
    }

    /// The id of the focused element, or its text for a button without one.
    pub(crate) async fn focused(&self) -> String {
        self.client
            .execute(
                "const e = document.activeElement; return e ? (e.id || e.innerText || '') : '';",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(|s| s.trim().to_owned()))
            .unwrap_or_default()
    }

    /// True when a JavaScript dialog (alert, confirm) is open.
    pub(crate) async fn dialog_open(&self) -> bool {
        self.client.get_alert_text().await.is_ok()
    }

    pub(crate) async fn close(self) {
        let _ = self.client.close().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// The first link to this path prefix found in an email's text part.
pub(crate) fn link_in(text: &str, marker: &str) -> String {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {text}"));
    let from_http = text[..start].rfind("http").expect("an absolute link");
    text[from_http..]
        .split_whitespace()
        .next()
        .expect("link")
        .to_owned()
}

pub(crate) fn path_of(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme
        .find('/')
        .map_or_else(|| "/".to_owned(), |i| after_scheme[i..].to_owned())
}

pub(crate) const ABSTRACT: &str = "We wrote a PCI network driver for the Linux kernel in Rust: mapping BARs \
safely, DMA allocation, interrupt handling with the kernel's IRQ abstractions, and the review \
feedback from the netdev list.";

/// The whole journey of the issue, in the browser: submit with a co-speaker, accept the
/// invitation from the email, review, a conflicted reviewer who cannot find it, rank, accept,
/// preview and release, confirm from the acceptance email, publish, and the public list.
#[tokio::test]
async fn a_proposal_from_submission_to_the_published_list() {
    if !browser_available() {
        return;
    }
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    for (email, name) in [
        ("chair@chairs.test", "Chloe Chair"),
        ("rita@reviewers.test", "Rita Reviewer"),
        ("conor@acme.example", "Conor Colleague"),
    ] {
        app.register(email, name).await;
    }
    for (email, role) in [
        ("chair@chairs.test", "chair"),
        ("rita@reviewers.test", "reviewer"),
        ("conor@acme.example", "reviewer"),
    ] {
        add_member(&app, &admin, email, role).await;
    }
    // Conor works where the speaker works: the event treats that as a conflict
    patch_event(
        &app,
        &admin,
        json!({"conflict_same_domain": true, "reviewers_see_all": true, "review_open": true}),
    )
    .await;
    let driver = Driver::start().await;

    // a speaker registers and submits, with a co-speaker
    let speaker = driver.browser(&app).await;
    speaker.goto("/register").await;
    speaker.screenshot("01-register").await;
    speaker.fill("#name", "Sam Speaker").await;
    speaker.fill("#email", "sam@acme.example").await;
    speaker.fill("#password", PASSWORD).await;
    speaker.press("Create account").await;
    // registering leads to the sign-in page (it never signs in: see accounts::sign_up)
    assert!(speaker.path().await.starts_with("/login"));
    speaker.fill("#email", "sam@acme.example").await;
    speaker.fill("#password", PASSWORD).await;
    speaker.press("Sign in").await;
    speaker.goto("/events/rust-mc").await;
    speaker.screenshot("02-event-cfp").await;
    speaker.goto("/events/rust-mc/submit").await;
    speaker
        .fill("#title", "Writing a PCI network driver in Rust")
        .await;
    speaker.fill("#abstract", ABSTRACT).await;
    speaker.fill("#co_speakers", "cora@cospeakers.test").await;
    speaker.screenshot("03-submit-form").await;
    speaker.press("Submit the proposal").await;
    let proposal_path = speaker.path().await;
    assert!(proposal_path.starts_with("/proposals/"), "{proposal_path}");
    let id = proposal_path.trim_start_matches("/proposals/").to_owned();
    let page = speaker.text().await;
    assert!(page.contains("Rust for Linux"), "the automatic tag: {page}");
    assert!(page.contains("tagged automatically"), "{page}");
    speaker.screenshot("04-proposal-speaker").await;

    // the co-speaker follows the emailed invitation, registers, and accepts
    app.deliver_emails().await;
    let invitation = app
        .mail
        .emails()
        .into_iter()
        .find(|e| {
            e.header("To")
                .unwrap_or_default()
                .contains("cora@cospeakers.test")
        })
        .expect("the invitation email");
    let link = link_in(&invitation.text(), "/invitations/");
    let cora = driver.browser(&app).await;
    cora.goto(&path_of(&link)).await;
    cora.screenshot("05-invitation").await;
    let offer = cora.text().await;
    assert!(
        offer.contains("Writing a PCI network driver in Rust"),
        "{offer}"
    );
    cora.goto(&format!(
        "/register?next={}",
        url::form_urlencoded::byte_serialize(path_of(&link).as_bytes()).collect::<String>()
    ))
    .await;
    cora.fill("#name", "Cora Cospeaker").await;
    cora.fill("#email", "cora@cospeakers.test").await;
    cora.fill("#password", PASSWORD).await;
    cora.press("Create account").await;
    // the sign-in page comes next, and comes back to the invitation
    cora.fill("#email", "cora@cospeakers.test").await;
    cora.fill("#password", PASSWORD).await;
    cora.press("Sign in").await;
    if !cora.path().await.starts_with("/invitations/") {
        cora.goto(&path_of(&link)).await;
    }
    cora.press("Accept the invitation").await;
    assert_eq!(cora.path().await, proposal_path, "{}", cora.text().await);
    assert!(cora.text().await.contains("Cora Cospeaker"));
    cora.close().await;

    // a reviewer scores it
    let rita = driver.browser(&app).await;
    rita.sign_in("rita@reviewers.test").await;
    rita.goto("/events/rust-mc/review").await;
    rita.screenshot("06-review-queue").await;
    assert!(
        rita.text()
            .await
            .contains("Writing a PCI network driver in Rust")
    );
    rita.goto(&proposal_path).await;
    rita.click("input[name=score][value='5']").await;
    rita.click("input[name=confidence][value='3']").await;
    rita.fill("#comment_for_chairs", "Real numbers against the C driver.")
        .await;
    rita.fill("#comment_for_speakers", "Great topic; show the DMA API.")
        .await;
    rita.screenshot("07-review-form").await;
    rita.press("Submit the review").await;
    let after = rita.text().await;
    assert!(after.contains("Your review is saved."), "{after}");
    let kept = rita
        .client
        .find(Locator::Css("#comment_for_chairs"))
        .await
        .expect("the comment field")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(kept.as_deref(), Some("Real numbers against the C driver."));
    rita.close().await;

    // a reviewer conflicted with it cannot find it
    let conor = driver.browser(&app).await;
    conor.sign_in("conor@acme.example").await;
    conor.goto("/events/rust-mc/review").await;
    assert!(!conor.text().await.contains("PCI network driver"));
    conor.goto(&proposal_path).await;
    let hidden = conor.text().await;
    assert!(!hidden.contains("PCI network driver"), "{hidden}");
    conor.screenshot("08-conflicted-reviewer-404").await;
    conor.close().await;

    // the chair ranks, accepts, previews and releases
    let chair = driver.browser(&app).await;
    chair.sign_in("chair@chairs.test").await;
    chair.goto("/events/rust-mc/dashboard").await;
    chair.screenshot("09-dashboard").await;
    chair.goto("/events/rust-mc/ranking").await;
    let ranking = chair.text().await;
    assert!(
        ranking.contains("Writing a PCI network driver in Rust"),
        "{ranking}"
    );
    chair.screenshot("10-ranking").await;
    chair.goto(&proposal_path).await;
    chair.click("input[name=decision][value='accept']").await;
    chair.fill("#decision-note", "Strong reviews.").await;
    chair.press("Save the decision").await;
    chair.screenshot("11-proposal-chair").await;
    chair.goto("/events/rust-mc/emails").await;
    chair.press("Preview").await;
    let preview = chair.text().await;
    assert!(
        preview.contains("Accepted at Rust MC: Writing a PCI network driver in Rust"),
        "{preview}"
    );
    chair.screenshot("12-email-preview").await;
    chair.goto("/events/rust-mc/dashboard").await;
    let release = chair
        .client
        .find(Locator::XPath(
            "//button[starts-with(normalize-space(), 'Release the decisions')]",
        ))
        .await
        .expect("the release button");
    chair.submit_with(release).await;
    assert!(
        chair.text().await.contains("2 emails queued"),
        "{}",
        chair.text().await
    );

    // the speaker opens the acceptance email's link and confirms
    app.deliver_emails().await;
    let acceptance = app
        .mail
        .emails()
        .into_iter()
        .find(|e| {
            e.subject().starts_with("Accepted at")
                && e.header("To")
                    .unwrap_or_default()
                    .contains("sam@acme.example")
        })
        .expect("the acceptance email");
    let confirm = link_in(&acceptance.text(), "/confirm");
    speaker.goto(&path_of(&confirm)).await;
    speaker.screenshot("13-confirm").await;
    speaker.press("Confirm: I will present it").await;
    let confirmed = speaker.text().await;
    assert!(
        confirmed.to_lowercase().contains("confirmed"),
        "{confirmed}"
    );
    speaker.screenshot("14-proposal-confirmed").await;

    // the chair publishes; an anonymous visitor sees it
    chair.goto("/events/rust-mc/dashboard").await;
    chair.press("Publish the accepted talks").await;
    // the CfP is still open: the page's "are you sure?" is answered yes (submit_with)
    chair.close().await;
    let visitor = driver.browser(&app).await;
    visitor.goto("/events/rust-mc/accepted").await;
    let public = visitor.text().await;
    assert!(
        public.contains("Writing a PCI network driver in Rust"),
        "{public}"
    );
    assert!(public.contains("Sam Speaker") && public.contains("Cora Cospeaker"));
    assert!(!public.contains('@'), "no email address on the public list");
    visitor.screenshot("15-accepted-public").await;
    visitor.close().await;
    speaker.close().await;
    let _ = id;
}

/// A hostile title is text wherever it shows, and no script runs; a form without its CSRF token
/// is refused; and a proposal can be submitted with the keyboard alone.
#[tokio::test]
async fn hostile_titles_stay_text_forms_need_their_token_and_the_keyboard_suffices() {
    if !browser_available() {
        return;
    }
    let app = TestApp::spawn().await;
    let admin = app.admin_with_event("rust-mc").await;
    app.register("chair@chairs.test", "Chloe Chair").await;
    add_member(&app, &admin, "chair@chairs.test", "chair").await;
    app.register("sam@example.org", "Sam Speaker").await;
    let driver = Driver::start().await;
    let speaker = driver.browser(&app).await;
    speaker.sign_in("sam@example.org").await;

    // keyboard only: Tab from the top of the form to each field, type, Enter on the button
    speaker.goto("/events/rust-mc/submit").await;
    let hostile = "<img src=x onerror=alert(1)>";
    let mut reached = false;
    for _ in 0..40 {
        speaker.keys(&TAB.to_string()).await;
        if speaker.focused().await == "title" {
            reached = true;
            break;
        }
    }
    assert!(reached, "Tab reaches the title field");
    speaker.keys(hostile).await;
    speaker.keys(&TAB.to_string()).await;
    assert_eq!(
        speaker.focused().await,
        "abstract",
        "focus order: title, then abstract"
    );
    speaker
        .keys(
            "A talk about Rust in the Linux kernel: safe abstractions for drivers, written with \
             the keyboard alone to prove the form needs no mouse.",
        )
        .await;
    let mut on_button = false;
    for _ in 0..20 {
        speaker.keys(&TAB.to_string()).await;
        if speaker.focused().await == "Submit the proposal" {
            on_button = true;
            break;
        }
    }
    assert!(on_button, "Tab reaches the submit button");
    speaker.mark_page().await;
    speaker.keys(&ENTER.to_string()).await;
    speaker.wait_for_new_page().await;
    let path = speaker.path().await;
    assert!(
        path.starts_with("/proposals/"),
        "submitted with the keyboard: {path}"
    );

    // the hostile title is text on every page that shows it, and no dialog opens
    let chair = driver.browser(&app).await;
    chair.sign_in("chair@chairs.test").await;
    for (browser, page) in [
        (&speaker, path.clone()),
        (&speaker, "/proposals".to_owned()),
        (&chair, path.clone()),
        (&chair, "/events/rust-mc/dashboard".to_owned()),
        (&chair, "/events/rust-mc/ranking".to_owned()),
    ] {
        browser.goto(&page).await;
        assert!(!browser.dialog_open().await, "a dialog opened on {page}");
        assert!(
            browser.text().await.contains(hostile),
            "the title as text on {page}"
        );
        let injected = browser
            .client
            .find_all(Locator::Css("img[src='x']"))
            .await
            .expect("query");
        assert!(injected.is_empty(), "no injected image on {page}");
    }
    speaker.screenshot("16-hostile-title").await;

    // a form whose CSRF token was removed is refused, and nothing changes
    speaker.goto(&format!("{path}/edit")).await;
    speaker
        .client
        .execute(
            "document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove());",
            vec![],
        )
        .await
        .expect("remove the token");
    speaker
        .fill("#title", "A title that must not be saved")
        .await;
    speaker.press("Save changes").await;
    let refused = speaker.text().await;
    assert!(
        refused.contains("Not allowed") || refused.contains("expired") || refused.contains("token"),
        "refused: {refused}"
    );
    speaker.screenshot("17-csrf-refused").await;
    speaker.goto(&path).await;
    assert!(
        !speaker
            .text()
            .await
            .contains("A title that must not be saved")
    );
    chair.close().await;
    speaker.close().await;
}

/// Follows a link as a reader would: click it, wait for the page it leads to.
pub(crate) async fn follow(browser: &Browser, text: &str) {
    let xpath = format!("//a[normalize-space()='{text}']");
    let link = browser
        .client
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("link “{text}”: {e}"));
    browser.mark_page().await;
    link.click().await.expect("click");
    browser.wait_for_new_page().await;
}

#[tokio::test]
async fn submit_a_proposal_signed_out_register_sign_in_and_land_on_the_form() {
    if !browser_available() {
        return;
    }
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    let driver = Driver::start().await;
    let speaker = driver.browser(&app).await;
    speaker.goto("/events/rust-mc").await;
    follow(&speaker, "Submit a proposal").await;
    assert_eq!(
        speaker.path().await,
        "/login?next=%2Fevents%2Frust-mc%2Fsubmit"
    );
    follow(&speaker, "Create an account").await;
    assert_eq!(
        speaker.path().await,
        "/register?next=%2Fevents%2Frust-mc%2Fsubmit"
    );
    speaker.fill("#name", "Nora Newcomer").await;
    speaker.fill("#email", "nora@speakers.test").await;
    speaker.fill("#password", PASSWORD).await;
    speaker.press("Create account").await;
    assert_eq!(
        speaker.path().await,
        "/login?next=%2Fevents%2Frust-mc%2Fsubmit"
    );
    speaker.fill("#email", "nora@speakers.test").await;
    speaker.fill("#password", PASSWORD).await;
    speaker.press("Sign in").await;
    assert_eq!(speaker.path().await, "/events/rust-mc/submit");
    speaker.screenshot("next-kept-submit-form").await;
    assert!(speaker.text().await.contains("Submit the proposal"));
    speaker.close().await;
}
mod accessibility;
mod drafts;
mod live;
mod profile;
mod programme_board;
mod questions;
mod ranking;
mod similar;
