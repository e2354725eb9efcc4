//! Building the application: database, state, routes, server and outbox worker.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};
use tokio::sync::watch;
use tracing_actix_web::TracingLogger;
use url::Url;

use crate::config::Settings;
use crate::db::{self, DbPool, private_pg::PrivatePostgres};
use crate::decisions::publishing::AcceptedCache;
use crate::mail::{Mailer, OutboxWorker};
use crate::state::AppState;
use crate::{api, pages};

/// Headers on every response. HSTS only when the service is served over https (a browser that
/// saw it keeps to https for a year; sent over plain http it would be ignored anyway).
fn security_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add((
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        ));
    if https {
        headers.add((
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ))
    } else {
        headers
    }
}

/// The outbox worker for the state's database and mail settings, with a connection pool of its
/// own. Its connections are opened by the worker itself, so they live on the runtime the worker
/// runs on (in `mcfp serve`, the main one) and outlast the HTTP workers' runtimes, which stop
/// first at shutdown.
pub fn outbox_worker(state: &AppState) -> anyhow::Result<OutboxWorker> {
    let mailer = Mailer::from_settings(&state.settings.mail)?;
    // one connection claims and records at a time; a second for a retry while the first is
    // being recycled
    let pool = db::build_pool(state.settings.database_url.expose(), 2)?;
    Ok(OutboxWorker::new(
        pool,
        mailer,
        state.settings.secret_key.clone(),
        state.settings.mail_from.clone(),
        crate::mail::message_id_host(&state.base_url),
    )
    .before_each_round(round_jobs(
        digest_job(state, pool_for_jobs(state)?),
        confirmation_job(state, pool_for_jobs(state)?),
    )))
}

/// Both round jobs, one after the other.
fn round_jobs(
    first: crate::mail::RoundJob,
    second: crate::mail::RoundJob,
) -> crate::mail::RoundJob {
    std::sync::Arc::new(move |now| {
        let (first, second) = (first.clone(), second.clone());
        Box::pin(async move {
            first(now).await;
            second(now).await;
        })
    })
}

/// At each round's `now`: accepted talks past `confirm_by` free their place (and may be replaced
/// from the waitlist), and unconfirmed speakers get their one automatic reminder; see
/// `decisions::promotion::confirmation_round`.
fn confirmation_job(state: &AppState, pool: db::DbPool) -> crate::mail::RoundJob {
    let key = state.settings.secret_key.clone();
    let base_url = state.base_url.clone();
    std::sync::Arc::new(move |now| {
        let (pool, key, base_url) = (pool.clone(), key.clone(), base_url.clone());
        Box::pin(async move {
            let done = match pool.get().await {
                Ok(mut conn) => crate::decisions::promotion::confirmation_round(
                    &mut conn,
                    (&key, &base_url),
                    now,
                )
                .await
                .map_err(|e| format!("{e:?}")),
                Err(e) => Err(e.to_string()),
            };
            if let Err(e) = done {
                tracing::warn!(error = %e, "the confirmation round failed");
            }
        })
    })
}

fn pool_for_jobs(state: &AppState) -> anyhow::Result<db::DbPool> {
    db::build_pool(state.settings.database_url.expose(), 1)
}

/// Queues the reviewers' digests of new assignments due at each round's `now` (at most one per
/// reviewer per `MCFP_REVIEW_DIGEST_MINUTES`); see `review::queue_digests`.
fn digest_job(state: &AppState, pool: db::DbPool) -> crate::mail::RoundJob {
    let key = state.settings.secret_key.clone();
    let base_url = state.base_url.clone();
    let interval = chrono::Duration::minutes(state.settings.review_digest_minutes);
    std::sync::Arc::new(move |now| {
        let (pool, key, base_url) = (pool.clone(), key.clone(), base_url.clone());
        Box::pin(async move {
            let queued = match pool.get().await {
                Ok(mut conn) => {
                    crate::review::queue_digests(&mut conn, &key, &base_url, now, interval)
                        .await
                        .map_err(|e| format!("{e:?}"))
                }
                Err(e) => Err(e.to_string()),
            };
            if let Err(e) = queued {
                tracing::warn!(error = %e, "queueing review digests failed");
            }
        })
    })
}

/// How long a stopping process waits for its outbox worker: the message in flight (connecting
/// and sending, `SMTP_TIMEOUT` each), then the worker's own STOP_GRACE, and a margin. The
/// worker keeps to this by itself; this bound only guards against a bug.
pub const WORKER_STOP_LIMIT: Duration = Duration::from_secs(2 * 30 + 5 + 5);

/// Stops the worker task: signals it, then waits at most WORKER_STOP_LIMIT.
pub async fn stop_worker(stop: &watch::Sender<bool>, worker: tokio::task::JoinHandle<()>) {
    let _ = stop.send(true);
    match tokio::time::timeout(WORKER_STOP_LIMIT, worker).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "the outbox worker task failed"),
        Err(_) => tracing::error!(
            "the outbox worker did not stop in time; the row it was sending goes out again when its lease runs out"
        ),
    }
}

/// SIGTERM or Ctrl-C, listened for from the moment this is made: a stop that arrives while the
/// process is still starting (migrating, connecting) is not lost, and ends it cleanly.
pub struct StopSignal {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl StopSignal {
    pub fn listen() -> StopSignal {
        StopSignal {
            #[cfg(unix)]
            term: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok(),
        }
    }

    pub async fn recv(&mut self) {
        #[cfg(unix)]
        if let Some(term) = &mut self.term {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Makes sure a database is there: the configured server, or a private one started from the
/// local PostgreSQL binaries when DATABASE_URL is unset and nothing answers on 127.0.0.1:5432.
/// Then creates the database if needed and applies migrations. Keep the returned server alive.
pub async fn prepare_database(settings: &mut Settings) -> anyhow::Result<Option<PrivatePostgres>> {
    prepare_database_probing(settings, "127.0.0.1:5432").await
}

/// `prepare_database`, probing `default_server` for a running PostgreSQL (tests probe a closed port).
pub async fn prepare_database_probing(
    settings: &mut Settings,
    default_server: &str,
) -> anyhow::Result<Option<PrivatePostgres>> {
    let mut private = None;
    if !settings.database_url_is_explicit
        && !db::private_pg::port_answers(default_server, std::time::Duration::from_secs(1))
    {
        let base = std::env::temp_dir().join("mcfp-private-pg");
        let server = tokio::task::spawn_blocking(move || PrivatePostgres::start(&base))
            .await
            .map_err(|e| anyhow::anyhow!("starting PostgreSQL: {e}"))??;
        let url = server.url("mcfp");
        tracing::warn!(
            port = server.port(),
            data_dir = %server.data_dir().display(),
            "nothing answers on 127.0.0.1:5432 and DATABASE_URL is unset: started a private, throwaway PostgreSQL"
        );
        eprintln!(
            "mcfp: started a private PostgreSQL for this run at {url} (set DATABASE_URL to use your own)"
        );
        settings.database_url = crate::config::Secret::new(url);
        private = Some(server);
    }
    let url = settings.database_url.expose().to_owned();
    if db::ensure_database_exists(&url).await? {
        tracing::info!(database = %db::redact(&url), "created the database");
    }
    let applied = db::run_migrations(&url).await?;
    tracing::info!(
        migrations.applied = applied,
        "database schema is up to date"
    );
    Ok(private)
}

pub struct BuildOptions {
    /// Run the outbox worker inside the server process (tests drive it by hand instead).
    pub run_worker: bool,
    /// Graceful shutdown on SIGTERM/SIGINT.
    pub handle_signals: bool,
}

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    worker: OutboxWorker,
    run_worker: bool,
    handle_signals: bool,
}

impl Application {
    pub async fn build(
        settings: Settings,
        pool: DbPool,
        options: BuildOptions,
    ) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(settings.listen).map_err(|e| {
            anyhow::anyhow!("MCFP_LISTEN: cannot listen on {}: {e}", settings.listen)
        })?;
        let address = listener.local_addr()?;
        let base_url = match &settings.base_url {
            Some(url) => url.clone(),
            None => Url::parse(&format!("http://{address}/"))?,
        };
        match (&settings.secret_key_file, settings.secret_key_generated) {
            (Some(file), _) => tracing::warn!(
                key_file = %file.display(),
                "MCFP_SECRET_KEY is unset: using the development key kept in this file; set MCFP_SECRET_KEY in production"
            ),
            (None, true) => tracing::warn!(
                "MCFP_SECRET_KEY is unset: generated a random key for this run; sessions end when the process stops"
            ),
            _ => {}
        }
        let state = web::Data::new(AppState::new(settings, pool, base_url));
        let worker = outbox_worker(&state)?;
        let app_state = state.clone();
        let accepted_cache = web::Data::new(AcceptedCache::default());
        let programme_cache = web::Data::new(crate::programme::public::ProgrammeCache::default());
        let ranking_cache = web::Data::new(crate::review::RankingCache::default());
        let similarity_cache = web::Data::new(crate::review::SimilarityCache::default());
        let anonymous_pages = web::Data::new(pages::AnonymousPages::default());
        let https = state.settings.https();
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .app_data(accepted_cache.clone())
                .app_data(programme_cache.clone())
                .app_data(ranking_cache.clone())
                .app_data(similarity_cache.clone())
                .app_data(anonymous_pages.clone())
                .configure(api::configure_extractors)
                .wrap(from_fn(pages::pending_cookies_middleware))
                .wrap(from_fn(pages::sign_in_redirects_middleware))
                .wrap(from_fn(|req, next| {
                    crate::http::control_characters::middleware(
                        req,
                        next,
                        api::openapi::method_not_allowed,
                    )
                }))
                .wrap(from_fn(crate::http::metrics::middleware))
                .wrap(from_fn(crate::http::local_writes::middleware))
                .wrap(security_headers(https))
                .wrap(TracingLogger::<crate::http::access_log::RedactedRootSpan>::new())
                .configure(crate::routes)
        })
        .listen(listener)?
        .shutdown_timeout(30);
        if !options.handle_signals {
            server = server.disable_signals();
        }
        Ok(Application {
            port: address.port(),
            server: server.run(),
            state,
            worker,
            run_worker: options.run_worker,
            handle_signals: options.handle_signals,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// The outbox worker this server runs (tests drive it by hand).
    pub fn worker(&self) -> OutboxWorker {
        self.worker.clone()
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the server stops, then stops the worker. At SIGTERM (with signal handling
    /// on) the worker is told to stop at once, while the server lets in-flight requests finish:
    /// it starts no new email, finishes and records the one in flight, gives the rest back.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let (stop, stop_signal) = watch::channel(false);
        let worker = self
            .run_worker
            .then(|| tokio::spawn(self.worker.clone().run(stop_signal)));
        // on this runtime, like the worker: it outlives the HTTP workers' runtimes
        let listener = tokio::spawn(
            self.state
                .public_changes
                .clone()
                .listen(self.state.settings.database_url.expose().to_owned()),
        );
        let mut server = std::pin::pin!(self.server);
        let served = if self.handle_signals && worker.is_some() {
            let mut stop_signal = StopSignal::listen();
            tokio::select! {
                served = &mut server => served,
                () = stop_signal.recv() => {
                    tracing::info!("stopping: the outbox worker finishes the email in flight");
                    let _ = stop.send(true);
                    // actix saw the signal too and is shutting the server down gracefully
                    server.await
                }
            }
        } else {
            server.await
        };
        listener.abort();
        if let Some(worker) = worker {
            stop_worker(&stop, worker).await;
        }
        served.map_err(Into::into)
    }
}
