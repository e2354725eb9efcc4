//! The integration-test harness: every test gets the real application on a random port, its own
//! fresh database (cloned from a migrated template, dropped afterwards) and a real SMTP server on
//! loopback whose received messages the test reads.

use std::net::TcpListener;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use actix_web::web;
use base64::Engine;
use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel::{ExpressionMethods, QueryDsl};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use mailin_embedded::{Handler, Response, Server, SslConfig, response};
use mcfp::config::{Secret, Settings};
use mcfp::db::private_pg::{PrivatePostgres, port_answers};
use mcfp::mail::DeliveryReport;
use mcfp::mail::OutboxWorker;
use mcfp::startup::{Application, BuildOptions};
use mcfp::state::AppState;
use serde_json::Value;

// ---------------------------------------------------------------- PostgreSQL

/// The server the tests use: DATABASE_URL's, else 127.0.0.1:5432, else a private one.
fn server_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    static PRIVATE: OnceLock<Mutex<Option<PrivatePostgres>>> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            return mcfp::db::with_database(&url, "postgres").expect("DATABASE_URL is a URL");
        }
        if port_answers("127.0.0.1:5432", Duration::from_secs(1)) {
            return "postgres://postgres@127.0.0.1:5432/postgres".to_owned();
        }
        eprintln!("tests: nothing answers on 127.0.0.1:5432; starting a private PostgreSQL");
        let server = PrivatePostgres::start(&std::env::temp_dir().join("mcfp-test-pg"))
            .unwrap_or_else(|e| panic!("no PostgreSQL for the tests: {e}"));
        let url = server.url("postgres");
        PRIVATE.get_or_init(|| Mutex::new(Some(server)));
        url
    })
}

#[derive(QueryableByName)]
#[allow(dead_code)] // only its presence is checked
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

async fn admin_connection() -> AsyncPgConnection {
    AsyncPgConnection::establish(server_url())
        .await
        .unwrap_or_else(|e| panic!("connecting to {}: {e}", server_url()))
}

/// The migrated template database, named after a hash of the migrations so a schema change
/// builds a new one. Built once, under an advisory lock so parallel test processes agree.
async fn template_database() -> &'static str {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("mcfp_template_{}", migrations_fingerprint());
            let mut conn = admin_connection().await;
            diesel::sql_query("SELECT pg_advisory_lock(72616)")
                .execute(&mut conn)
                .await
                .expect("lock");
            let exists: Vec<Name> = diesel::sql_query(
                "SELECT datname::text AS name FROM pg_database WHERE datname = $1",
            )
            .bind::<Text, _>(&name)
            .load(&mut conn)
            .await
            .expect("pg_database");
            if exists.is_empty() {
                let building = format!("{name}_building");
                diesel::sql_query(format!(
                    "DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"
                ))
                .execute(&mut conn)
                .await
                .expect("drop stale template");
                diesel::sql_query(format!("CREATE DATABASE \"{building}\""))
                    .execute(&mut conn)
                    .await
                    .expect("create template");
                let url = mcfp::db::with_database(server_url(), &building).expect("url");
                mcfp::db::run_migrations(&url)
                    .await
                    .expect("migrating the template");
                diesel::sql_query(format!(
                    "ALTER DATABASE \"{building}\" RENAME TO \"{name}\""
                ))
                .execute(&mut conn)
                .await
                .expect("rename template");
            }
            diesel::sql_query("SELECT pg_advisory_unlock(72616)")
                .execute(&mut conn)
                .await
                .expect("unlock");
            name
        })
        .await
}

fn migrations_fingerprint() -> String {
    use sha2::{Digest, Sha256};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(file.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&file).expect("migration file"));
    }
    hex::encode(&hasher.finalize()[..6])
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("migrations dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path))
        } else {
            out.push(path)
        }
    }
    out
}

// ---------------------------------------------------------------- SMTP

#[derive(Debug, Clone)]
pub struct ReceivedEmail {
    pub from: String,
    pub to: Vec<String>,
    pub raw: String,
}

impl ReceivedEmail {
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next()?;
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }

    /// The Subject, with RFC 2047 encoded words (non-ASCII subjects) decoded.
    pub fn subject(&self) -> String {
        let raw = self.header("Subject").unwrap_or_default();
        let words: Vec<(String, bool)> = raw
            .split_whitespace()
            .map(|word| {
                let lower = word.to_ascii_lowercase();
                if lower.starts_with("=?utf-8?b?") && lower.ends_with("?=") {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(&word[10..word.len() - 2])
                        .unwrap_or_default();
                    (String::from_utf8_lossy(&bytes).into_owned(), true)
                } else if lower.starts_with("=?utf-8?q?") && lower.ends_with("?=") {
                    (
                        decode_quoted_printable(&word[10..word.len() - 2].replace('_', " ")),
                        true,
                    )
                } else {
                    (word.to_owned(), false)
                }
            })
            .collect();
        let mut subject = String::new();
        for (i, (text, encoded)) in words.iter().enumerate() {
            // RFC 2047: white space between two adjacent encoded words is not part of the text
            if i > 0 && !(*encoded && words[i - 1].1) {
                subject.push(' ');
            }
            subject.push_str(text);
        }
        subject
    }

    /// The decoded body of the first part with this content type.
    pub fn part(&self, content_type: &str) -> Option<String> {
        let start = self.raw.find(&format!("Content-Type: {content_type}"))?;
        let part = &self.raw[start..];
        let (head, body) = part.split_once("\r\n\r\n")?;
        // the part ends at the next MIME boundary line (not at any "--", which a signature has)
        let boundary = self
            .raw
            .split_once("boundary=\"")
            .and_then(|(_, rest)| rest.split('"').next())
            .map(|b| format!("\r\n--{b}"));
        let body = match boundary {
            Some(boundary) => body.split(boundary.as_str()).next().unwrap_or(body),
            None => body,
        };
        let encoding = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Transfer-Encoding: "))
            .unwrap_or("7bit")
            .trim()
            .to_ascii_lowercase();
        Some(match encoding.as_str() {
            "quoted-printable" => decode_quoted_printable(body),
            "base64" => {
                let compact: String = body.split_whitespace().collect();
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(compact)
                        .expect("base64 body"),
                )
                .expect("utf-8 body")
            }
            _ => body.to_owned(),
        })
    }

    pub fn text(&self) -> String {
        self.part("text/plain").expect("a text/plain part")
    }

    pub fn html(&self) -> String {
        self.part("text/html").expect("a text/html part")
    }
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(byte) = escaped {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Clone, Default)]
pub struct MailSink {
    pub received: Arc<Mutex<Vec<ReceivedEmail>>>,
    /// When set, the server answers RCPT with this code (e.g. 451 transient, 554 permanent).
    pub reject_with: Arc<Mutex<Option<u16>>>,
    current: Arc<Mutex<Option<ReceivedEmail>>>,
}

impl Handler for MailSink {
    // Refusals happen at RCPT: mailin stays in its DATA state after an error at data_end, so
    // the client's QUIT would be read as message text and the session would hang.
    fn rcpt(&mut self, _to: &str) -> Response {
        match *self.reject_with.lock().expect("lock") {
            Some(code) => Response::custom(code, "rejected by the test".to_owned()),
            None => response::OK,
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        *self.current.lock().expect("lock") = Some(ReceivedEmail {
            from: from.to_owned(),
            to: to.to_vec(),
            raw: String::new(),
        });
        response::START_DATA
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(mail) = self.current.lock().expect("lock").as_mut() {
            mail.raw.push_str(&String::from_utf8_lossy(buf));
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mail = self.current.lock().expect("lock").take();
        if let Some(mail) = mail {
            self.received.lock().expect("lock").push(mail);
        }
        response::OK
    }
}

impl MailSink {
    /// Starts an SMTP server on 127.0.0.1:0 on a detached thread (mailin has no shutdown).
    pub fn start() -> (MailSink, u16) {
        let sink = MailSink::default();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind SMTP");
        let port = listener.local_addr().expect("addr").port();
        let mut server = Server::new(sink.clone());
        server
            .with_name("smtp.test")
            .with_ssl(SslConfig::None)
            .expect("no TLS")
            .with_num_threads(2)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        (sink, port)
    }

    pub fn emails(&self) -> Vec<ReceivedEmail> {
        self.received.lock().expect("lock").clone()
    }

    pub fn reject(&self, code: Option<u16>) {
        *self.reject_with.lock().expect("lock") = code;
    }
}

// ---------------------------------------------------------------- the app

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: web::Data<AppState>,
    pub worker: OutboxWorker,
    pub mail: MailSink,
    pub database: String,
    smtp_url: String,
    /// Set by tests that make delivery fail on purpose.
    allow_undelivered: std::cell::Cell<bool>,
}

pub const PASSWORD: &str = "correct horse 42";

pub struct SpawnOptions {
    pub auth_rate_per_minute: u32,
    pub submit_rate_per_minute: u32,
    pub base_url: Option<String>,
}

impl Default for SpawnOptions {
    fn default() -> Self {
        SpawnOptions {
            auth_rate_per_minute: 100_000,
            submit_rate_per_minute: 100_000,
            base_url: None,
        }
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(SpawnOptions::default()).await
    }

    pub async fn spawn_with(options: SpawnOptions) -> TestApp {
        if std::env::var_os("MCFP_TEST_LOG").is_some() {
            mcfp::telemetry::init();
        }
        let template = template_database().await;
        let database = format!("mcfp_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = admin_connection().await;
        diesel::sql_query(format!(
            "CREATE DATABASE \"{database}\" TEMPLATE \"{template}\""
        ))
        .execute(&mut conn)
        .await
        .expect("create test database");
        let database_url = mcfp::db::with_database(server_url(), &database).expect("url");

        let (mail, smtp_port) = MailSink::start();
        let smtp_url = format!("smtp://127.0.0.1:{smtp_port}");
        let rate = options.auth_rate_per_minute.to_string();
        let submit_rate = options.submit_rate_per_minute.to_string();
        let base_url = options.base_url.clone();
        let mut settings = Settings::from_lookup(|name| match name {
            "DATABASE_URL" => Some(database_url.clone()),
            "MCFP_LISTEN" => Some("127.0.0.1:0".to_owned()),
            "MCFP_SMTP_URL" => Some(smtp_url.clone()),
            "MCFP_MAIL_FROM" => Some("Rust MC CfP <cfp@mcfp.test>".to_owned()),
            "MCFP_SECRET_KEY" => Some("test-secret-key-0123456789-abcdefghijklmnop".to_owned()),
            "MCFP_AUTH_RATE_PER_MINUTE" => Some(rate.clone()),
            "MCFP_SUBMIT_RATE_PER_MINUTE" => Some(submit_rate.clone()),
            "MCFP_BASE_URL" => base_url.clone(),
            _ => None,
        })
        .expect("test settings");
        settings.database_url = Secret::new(database_url.clone());
        let pool = mcfp::db::build_pool(&database_url, 8).expect("pool");
        let app = Application::build(
            settings,
            pool,
            BuildOptions {
                run_worker: false,
                handle_signals: false,
            },
        )
        .await
        .expect("build app");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state();
        let worker = app.worker();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            client: client(),
            state,
            worker,
            mail,
            database,
            smtp_url,
            allow_undelivered: std::cell::Cell::new(false),
        }
    }

    /// This test leaves emails undelivered on purpose (it breaks the SMTP server).
    pub fn allow_undelivered(&self) {
        self.allow_undelivered.set(true);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A second browser: its own cookie jar.
    pub fn new_client(&self) -> reqwest::Client {
        client()
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn get_with_token(&self, path: &str, token: &str) -> reqwest::Response {
        self.new_client()
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// Registers through the API and returns the new user's id.
    pub async fn register(&self, email: &str, name: &str) -> String {
        let response = self
            .post_json(
                "/api/v1/auth/register",
                &serde_json::json!({"email": email, "name": name, "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), 201, "register {email}");
        let body: Value = response.json().await.expect("json");
        body["id"].as_str().expect("id").to_owned()
    }

    /// Logs in through the API (on a fresh client, so cookies stay separate) and returns the bearer token.
    pub async fn login(&self, email: &str) -> String {
        let response = self
            .new_client()
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), 200, "login {email}");
        let body: Value = response.json().await.expect("json");
        body["token"].as_str().expect("token").to_owned()
    }

    pub async fn make_admin(&self, email: &str) {
        let mut conn = self.state.pool.get().await.expect("conn");
        let user = mcfp::db::users::find_by_email(&mut conn, &email.to_lowercase())
            .await
            .expect("query")
            .expect("user exists");
        mcfp::db::users::set_admin(&mut conn, user.id, true)
            .await
            .expect("set admin");
    }

    /// An admin account, and an open event with the given slug; returns the admin's token.
    pub async fn admin_with_event(&self, slug: &str) -> String {
        self.register("admin@example.org", "Site Admin").await;
        self.make_admin("admin@example.org").await;
        let admin = self.login("admin@example.org").await;
        let response = self
            .new_client()
            .post(self.url("/api/v1/events"))
            .bearer_auth(&admin)
            .json(&serde_json::json!({
                "slug": slug, "title": "Rust MC", "description": "The Rust microconference.",
                "time_zone": "America/New_York",
                "cfp_opens_at": "2026-01-01T00:00:00Z", "cfp_closes_at": "2030-01-01T00:00:00Z"
            }))
            .send()
            .await
            .expect("create event");
        assert_eq!(response.status(), 201, "create event {slug}");
        admin
    }

    /// Sends a JSON request with a bearer token.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self
            .new_client()
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request")
    }

    /// Runs the outbox worker once, as `mcfp worker` would, against the test's SMTP server.
    pub async fn deliver_emails(&self) -> DeliveryReport {
        self.deliver_emails_at(chrono::Utc::now()).await
    }

    pub async fn deliver_emails_at(&self, now: chrono::DateTime<chrono::Utc>) -> DeliveryReport {
        self.worker.deliver_due(now).await.expect("delivery round")
    }

    /// A browser of its own, signed in through the login form; with its CSRF token.
    pub async fn browser_signed_in(&self, email: &str) -> (reqwest::Client, String) {
        let browser = self.new_client();
        let (_, html) = self.page(&browser, "/login").await;
        let csrf = csrf_token(&html);
        let response = browser
            .post(self.url("/login"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("email", email),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), 303, "sign in {email}");
        // signing in rotates the CSRF nonce: take the token of a page seen afterwards
        let (_, page) = self.page(&browser, "/account").await;
        (browser, csrf_token(&page))
    }

    /// Fetches a page with this client and returns (status, body).
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> (u16, String) {
        let response = client.get(self.url(path)).send().await.expect("page");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }
}

/// The `Set-Cookie` header that sets this cookie, if the response has one.
pub fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// The value of the hidden CSRF field in a page.
pub fn csrf_token(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("a CSRF field in the page") + marker.len();
    html[start..].split('"').next().expect("value").to_owned()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl Drop for TestApp {
    /// Delivers whatever the test left queued through the SMTP server (so every queued email is
    /// proven to render and send) and fails the test if any email is stuck; then drops the database.
    fn drop(&mut self) {
        let database = self.database.clone();
        let check = !std::thread::panicking() && !self.allow_undelivered.get();
        let database_url = self.state.settings.database_url.expose().to_owned();
        let smtp_url = self.smtp_url.clone();
        let key = self.state.settings.secret_key.clone();
        self.mail.reject(None);
        // Drop runs inside the test's runtime, which cannot block: work on a thread of our own,
        // with connections of its own (the app's pooled ones belong to the blocked runtime).
        let cleanup = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let mut stuck = Ok(());
                if check {
                    let pool = mcfp::db::build_pool(&database_url, 2).expect("pool");
                    let mailer = mcfp::mail::Mailer::from_settings(
                        &mcfp::config::MailTransport::Smtp(Secret::new(smtp_url)),
                    )
                    .expect("mailer");
                    let from = "Rust MC CfP <cfp@mcfp.test>".parse().expect("mailbox");
                    let worker = mcfp::mail::OutboxWorker::new(
                        pool.clone(),
                        mailer,
                        key,
                        from,
                        "mcfp.test".into(),
                    );
                    // a day ahead, so emails waiting for a retry are tried too
                    match worker
                        .deliver_due(chrono::Utc::now() + chrono::Duration::days(1))
                        .await
                    {
                        Ok(report) if report.failed + report.retrying == 0 => {}
                        Ok(report) => {
                            stuck = Err(format!(
                                "emails stuck in the outbox at the end of the test: {report:?}"
                            ))
                        }
                        Err(e) => stuck = Err(format!("the final delivery round failed: {e}")),
                    }
                    let mut conn = pool.get().await.expect("conn");
                    let failed: i64 = mcfp::schema::outbox::table
                        .filter(mcfp::schema::outbox::state.eq("failed"))
                        .count()
                        .get_result(&mut conn)
                        .await
                        .expect("count");
                    if failed > 0 && stuck.is_ok() {
                        stuck = Err(format!("{failed} email(s) failed during the test"));
                    }
                }
                let mut conn = admin_connection().await;
                if let Err(e) = diesel::sql_query(format!(
                    "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
                ))
                .execute(&mut conn)
                .await
                {
                    eprintln!("could not drop {database}: {e}");
                }
                stuck
            })
        });
        match cleanup.join() {
            Ok(Err(stuck)) => panic!("{stuck}"),
            Ok(Ok(())) => {}
            Err(_) => panic!("the test's clean-up thread panicked"),
        }
    }
}

// ---- shared by the API and page tests ----

#[derive(Clone)]
pub struct Person {
    pub id: String,
    pub token: String,
    pub email: String,
}

pub async fn person(app: &TestApp, email: &str, name: &str) -> Person {
    let id = app.register(email, name).await;
    let token = app.login(email).await;
    Person {
        id,
        token,
        email: email.to_owned(),
    }
}

/// Sends a JSON request, asserts its status and returns the body (Null when not JSON).
pub async fn api(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
    status: u16,
) -> Value {
    let response = app.call(method.clone(), path, token, body).await;
    let got = response.status().as_u16();
    let text = response.text().await.expect("body");
    assert_eq!(got, status, "{method} {path}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Posts a form with this browser; returns (status, Location header, body).
pub async fn post(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let response = browser
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .expect("post");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location, response.text().await.expect("body"))
}

/// Where `needle` first appears in `haystack`, failing loudly when it does not.
pub fn at(haystack: &str, needle: &str) -> usize {
    haystack
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the page"))
}
