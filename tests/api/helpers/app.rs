//! The application under test: every test gets the real application on a random port, its own
//! fresh database (cloned from the migrated template, dropped afterwards) and its own SMTP server.

use actix_web::web;
use diesel::{ExpressionMethods, QueryDsl};
use diesel_async::RunQueryDsl;
use mcfp::config::{MailTransport, Secret, Settings};
use mcfp::crypto::SecretKey;
use mcfp::mail::{DeliveryReport, Mailer, OutboxWorker};
use mcfp::startup::{Application, BuildOptions};
use mcfp::state::AppState;

use super::database::{admin_connection, server_url, template_database};
use super::mail::MailSink;

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
/// The key the test apps run with; `mcfp` processes on a test's database need the same.
pub const SECRET_KEY: &str = "test-secret-key-0123456789-abcdefghijklmnop";
pub const MAIL_FROM: &str = "Rust MC CfP <cfp@mcfp.test>";

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

/// The settings of a test app on this database, sending through this SMTP server.
fn settings(database_url: &str, smtp_url: &str, options: &SpawnOptions) -> Settings {
    let rate = options.auth_rate_per_minute.to_string();
    let submit_rate = options.submit_rate_per_minute.to_string();
    let mut settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(database_url.to_owned()),
        "MCFP_LISTEN" => Some("127.0.0.1:0".to_owned()),
        "MCFP_SMTP_URL" => Some(smtp_url.to_owned()),
        "MCFP_MAIL_FROM" => Some(MAIL_FROM.to_owned()),
        "MCFP_SECRET_KEY" => Some(SECRET_KEY.to_owned()),
        "MCFP_AUTH_RATE_PER_MINUTE" => Some(rate.clone()),
        "MCFP_SUBMIT_RATE_PER_MINUTE" => Some(submit_rate.clone()),
        "MCFP_BASE_URL" => options.base_url.clone(),
        _ => None,
    })
    .expect("test settings");
    settings.database_url = Secret::new(database_url.to_owned());
    settings
}

/// Builds the application (without its own outbox worker) and serves it on a task of its own.
async fn serve(settings: Settings, pool_size: usize) -> (String, Application) {
    let url = settings.database_url.expose().to_owned();
    let pool = mcfp::db::build_pool(&url, pool_size).expect("pool");
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
    (format!("http://127.0.0.1:{}", app.port()), app)
}

/// An outbox worker on this database, sending through `smtp_url`.
pub fn outbox_worker(
    database_url: &str,
    smtp_url: &str,
    key: SecretKey,
    pool_size: usize,
    message_id_host: &str,
) -> OutboxWorker {
    let mailer = Mailer::from_settings(&MailTransport::Smtp(Secret::new(smtp_url.to_owned())))
        .expect("mailer");
    let pool = mcfp::db::build_pool(database_url, pool_size).expect("pool");
    OutboxWorker::new(
        pool,
        mailer,
        key,
        MAIL_FROM.parse().expect("mailbox"),
        message_id_host.into(),
    )
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
        let (address, app) = serve(settings(&database_url, &smtp_url, &options), 8).await;
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

    /// A second server on the same database (as behind a load balancer); returns its address.
    pub async fn second_instance(&self) -> String {
        let url = self.state.settings.database_url.expose();
        let settings = settings(url, &self.smtp_url, &SpawnOptions::default());
        let (address, second) = serve(settings, 4).await;
        tokio::spawn(second.run_until_stopped());
        address
    }

    /// An outbox worker of its own on the test's database, sending to `smtp_url` (e.g. a port
    /// where nothing listens).
    pub fn worker_to(&self, smtp_url: &str, pool_size: usize) -> OutboxWorker {
        outbox_worker(
            self.state.settings.database_url.expose(),
            smtp_url,
            self.state.settings.secret_key.clone(),
            pool_size,
            "127.0.0.1",
        )
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

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
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
        let body: serde_json::Value = response.json().await.expect("json");
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
        let body: serde_json::Value = response.json().await.expect("json");
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

    /// A site admin (admin@example.org), and an open event with the given slug; returns the
    /// admin's token.
    pub async fn admin_with_event(&self, slug: &str) -> String {
        self.register("admin@example.org", "Site Admin").await;
        self.make_admin("admin@example.org").await;
        let admin = self.login("admin@example.org").await;
        let body = super::event_body(
            slug,
            "Rust MC",
            "The Rust microconference.",
            "America/New_York",
        );
        super::create_event(self, &admin, &body).await;
        admin
    }

    /// Sends a JSON request with a bearer token.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&serde_json::Value>,
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
                let stuck = if check {
                    deliver_the_rest(&database_url, &smtp_url, key).await
                } else {
                    Ok(())
                };
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

/// The final delivery round of a test: an error when an email is stuck or failed.
async fn deliver_the_rest(
    database_url: &str,
    smtp_url: &str,
    key: SecretKey,
) -> Result<(), String> {
    let worker = outbox_worker(database_url, smtp_url, key, 2, "mcfp.test");
    let mut stuck = Ok(());
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
    let pool = mcfp::db::build_pool(database_url, 2).expect("pool");
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
    stuck
}
