//! The command line: serve, migrate, worker, user create, demo, classify, api-reference, export,
//! import; and,
//! hidden, the benchmark's bench-seed, bench-hello and bench-argon2 (`bench/run.sh`).

use std::io::{BufRead, Write};

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::startup::{self, Application, BuildOptions};

#[derive(Parser)]
#[command(
    name = "mcfp",
    version,
    about = "mcfp: the microconference call-for-proposals service"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations, then serve HTTP and run the email outbox worker.
    Serve {
        /// Serve HTTP only: emails wait in the outbox for `mcfp worker` processes.
        #[arg(long)]
        no_worker: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Run only the email outbox worker (several may run beside the servers).
    Worker,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Serve with a seeded demo microconference (the Rust MC) and print demo logins.
    Demo {
        /// Drop the demo's data first (its event and the @demo.mcfp.test accounts, in one
        /// transaction), so the demo is seeded afresh; other data in the database stays.
        #[arg(long)]
        reset: bool,
        /// Seed (and reset, with --reset), print the logins and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Tag proposals: JSON lines {title, abstract[, notes]} on stdin, {track, confidence, subtopics, evidence} on stdout.
    Classify,
    /// Print the API reference (docs/api.md): the served OpenAPI document rendered as Markdown.
    ApiReference {
        /// Print the OpenAPI document itself (JSON, as served) instead of the Markdown.
        #[arg(long)]
        json: bool,
        /// Write it to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
    },
    /// Write one event (settings, tracks, members, proposals, reviews, decisions, templates and
    /// the people they name; no secrets) as a versioned JSON document, to FILE or stdout.
    Export {
        /// The event's slug.
        #[arg(long, value_name = "SLUG")]
        event: String,
        /// Write it to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
    },
    /// Recreate an event from an export document, in one transaction (all or nothing);
    /// refuses a slug that exists unless --slug names another.
    Import {
        /// The export document (`-` for standard input).
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
        /// Import the event under this slug (a copy: its ids are renewed if taken).
        #[arg(long, value_name = "NEW_SLUG")]
        slug: Option<String>,
    },
    /// Benchmark: write a generated event straight through the database layer (bench/run.sh).
    #[command(hide = true)]
    BenchSeed {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        proposals: usize,
        #[arg(long, default_value_t = 40)]
        reviewers: usize,
        #[arg(long, default_value_t = 5)]
        reviews_per_proposal: usize,
        /// The best-scored proposals, accepted and released.
        #[arg(long, default_value_t = 0)]
        accepted: usize,
        /// The next best, decided (a tenth waitlisted, the rest rejected) but not released.
        #[arg(long, default_value_t = 0)]
        unreleased: usize,
        /// Accounts submitting the proposals (default: one per two proposals).
        #[arg(long)]
        speakers: Option<usize>,
        /// Accounts without proposals, for the submission scenario.
        #[arg(long, default_value_t = 0)]
        idle_speakers: usize,
        /// Publish the accepted list.
        #[arg(long)]
        publish: bool,
        /// Every seeded account's password.
        #[arg(long, env = "MCFP_BENCH_PASSWORD", default_value = crate::bench_seed::DEFAULT_PASSWORD)]
        password: String,
        #[arg(long, default_value_t = crate::bench_seed::DEFAULT_SEED)]
        seed: u64,
    },
    /// Benchmark references: GET / (hello world), GET /select (one SELECT by key), POST /insert.
    #[command(hide = true)]
    BenchHello {
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: std::net::SocketAddr,
        /// The event /select looks up by its slug.
        #[arg(long, default_value = "bench-5k")]
        slug: String,
    },
    /// Benchmark reference: argon2id hashes per second with mcfp's parameters.
    #[command(hide = true)]
    BenchArgon2 {
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        #[arg(long, default_value_t = 2)]
        threads: usize,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password comes from MCFP_PASSWORD or the first line of stdin.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Make the account a site admin (creates events, appoints chairs).
        #[arg(long)]
        admin: bool,
    },
}

pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Classify => classify(std::io::stdin().lock(), std::io::stdout().lock()),
        Command::Serve { no_worker } => serve(None, !no_worker).await,
        Command::Demo { reset, no_serve } => {
            serve(Some(DemoOptions { reset, no_serve }), true).await
        }
        Command::ApiReference { json, output } => api_reference(json, output.as_deref()),
        Command::Export { event, output } => export(&event, output.as_deref()).await,
        Command::Import { file, slug } => import(&file, slug.as_deref()).await,
        Command::BenchSeed {
            slug,
            proposals,
            reviewers,
            reviews_per_proposal,
            accepted,
            unreleased,
            speakers,
            idle_speakers,
            publish,
            password,
            seed,
        } => {
            let options = crate::bench_seed::SeedOptions {
                slug,
                proposals,
                reviewers,
                reviews_per_proposal,
                accepted,
                unreleased,
                speakers,
                idle_speakers,
                publish,
                password,
                seed,
            };
            let mut settings = Settings::from_env()?;
            let _private = startup::prepare_database(&mut settings).await?;
            let pool = crate::db::build_pool(settings.database_url.expose(), 4)?;
            let report = crate::bench_seed::seed(&pool, &options).await?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(())
        }
        Command::BenchHello { listen, slug } => {
            let settings = Settings::from_env()?;
            // only an explicitly named database gets the scratch table
            let url = settings
                .database_url_is_explicit
                .then(|| settings.database_url.expose().to_owned());
            crate::bench_seed::hello_server(listen, url.as_deref(), &slug).await
        }
        Command::BenchArgon2 { seconds, threads } => {
            let rate = crate::bench_seed::argon2_rate(seconds, threads).await?;
            println!("{}", serde_json::to_string(&rate)?);
            Ok(())
        }
        Command::Migrate => {
            let mut settings = Settings::from_env()?;
            let _private = startup::prepare_database(&mut settings).await?;
            eprintln!("mcfp: the database schema is up to date");
            Ok(())
        }
        Command::Worker => {
            let mut stop_signal = startup::StopSignal::listen();
            let mut settings = Settings::from_env()?;
            let prepared = tokio::select! {
                prepared = startup::prepare_database(&mut settings) => Some(prepared?),
                _ = stop_signal.recv() => None,
            };
            let Some(_private) = prepared else {
                tracing::info!("outbox worker stopped before it started");
                return Ok(());
            };
            let state = state_without_server(settings)?;
            let worker = startup::outbox_worker(&state)?;
            let (stop, stopped) = tokio::sync::watch::channel(false);
            let running = tokio::spawn(worker.run(stopped));
            stop_signal.recv().await;
            startup::stop_worker(&stop, running).await;
            Ok(())
        }
        Command::User {
            command: UserCommand::Create { email, name, admin },
        } => {
            let password = match std::env::var("MCFP_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    eprintln!(
                        "mcfp: reading the password from standard input (or set MCFP_PASSWORD)"
                    );
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .context("reading the password")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let mut settings = Settings::from_env()?;
            let _private = startup::prepare_database(&mut settings).await?;
            let state = state_without_server(settings)?;
            let registration = crate::accounts::Registration::parse(&email, &name, &password)
                .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
            let user = crate::accounts::register(&state, registration, admin)
                .await
                .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
            println!(
                "created {} <{}>{} with id {}",
                user.name,
                user.email,
                if admin { " (site admin)" } else { "" },
                user.id
            );
            Ok(())
        }
    }
}

/// A connection to the configured database, migrated first, and the settings.
async fn database_connection() -> anyhow::Result<(
    crate::db::PooledConn,
    Option<crate::db::private_pg::PrivatePostgres>,
    Settings,
)> {
    let mut settings = Settings::from_env()?;
    let private = startup::prepare_database(&mut settings).await?;
    let pool = crate::db::build_pool(settings.database_url.expose(), 1)?;
    let conn = pool
        .get()
        .await
        .map_err(|e| anyhow::anyhow!("connecting to the database: {e}"))?;
    Ok((conn, private, settings))
}

/// `mcfp export --event SLUG [--output FILE]`.
async fn export(slug: &str, output: Option<&std::path::Path>) -> anyhow::Result<()> {
    let (mut conn, _private, settings) = database_connection().await?;
    // the host the server's worker puts in Message-IDs (MCFP_BASE_URL's)
    let host = crate::mail::message_id_host(&crate::state::AppState::default_base_url(&settings)?);
    let event = crate::db::export::event_with_slug(&mut conn, slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no event has the slug `{slug}`"))?;
    let document =
        crate::events::export::export_event(&mut conn, event, chrono::Utc::now(), &host).await?;
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    match output {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("mcfp: exported the event `{slug}` to {}", path.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .context("writing standard output")?;
            stdout.flush()?;
        }
    }
    Ok(())
}

/// `mcfp import FILE [--slug NEW_SLUG]`.
async fn import(file: &std::path::Path, slug: Option<&str>) -> anyhow::Result<()> {
    let text = if file == std::path::Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text)
            .context("reading standard input")?;
        text
    } else {
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?
    };
    let (mut conn, _private, _) = database_connection().await?;
    let report = crate::events::export::import_event(&mut conn, &text, slug)
        .await
        .with_context(|| format!("{}: nothing was imported", file.display()))?;
    println!("{}", serde_json::to_string(&report)?);
    eprintln!(
        "mcfp: imported the event `{}` ({} proposals, {} emails as history, never sent; {} \
         accounts reused, {} created without a password: they set one with password reset; ids {})",
        report.slug,
        report.rows.get("proposals").copied().unwrap_or_default(),
        report
            .rows
            .get("outbox_history")
            .copied()
            .unwrap_or_default(),
        report.people_reused,
        report.people_created,
        if report.ids_kept { "kept" } else { "renewed" }
    );
    Ok(())
}

fn describe(e: &crate::error::AppError) -> String {
    match e.field_errors() {
        Some(fields) => fields
            .0
            .iter()
            .map(|(field, messages)| format!("{field}: {}", messages.join("; ")))
            .collect::<Vec<_>>()
            .join(", "),
        None => e.to_string(),
    }
}

fn state_without_server(settings: Settings) -> anyhow::Result<crate::state::AppState> {
    let pool = crate::db::build_pool(settings.database_url.expose(), 4)?;
    let base_url = crate::state::AppState::default_base_url(&settings)?;
    Ok(crate::state::AppState::new(settings, pool, base_url))
}

/// The server, with its outbox worker unless told not to, and signal handling.
async fn build_server(settings: Settings, run_worker: bool) -> anyhow::Result<Application> {
    let pool = crate::db::build_pool(settings.database_url.expose(), 16)?;
    Application::build(
        settings,
        pool,
        BuildOptions {
            run_worker,
            handle_signals: true,
        },
    )
    .await
}

/// What `mcfp demo` was asked to do besides seeding.
struct DemoOptions {
    reset: bool,
    no_serve: bool,
}

async fn serve(demo: Option<DemoOptions>, run_worker: bool) -> anyhow::Result<()> {
    let mut settings = Settings::from_env()?;
    if demo.is_some() && !settings.database_url_is_explicit {
        // Keep demo data out of the default database.
        settings.database_url = crate::config::Secret::new(crate::db::with_database(
            settings.database_url.expose(),
            "mcfp_demo",
        )?);
    }
    let _private = startup::prepare_database(&mut settings).await?;
    if let Some(DemoOptions {
        reset,
        no_serve: true,
    }) = demo
    {
        let state = state_without_server(settings)?;
        if reset {
            print_reset(crate::demo::reset(&state).await?);
        }
        println!("{}", crate::demo::seed(&state).await?);
        return Ok(());
    }
    let app = build_server(settings, run_worker).await?;
    let state = app.state();
    if let Some(DemoOptions { reset, .. }) = demo {
        if reset {
            print_reset(crate::demo::reset(&state).await?);
        }
        let logins = crate::demo::seed(&state).await?;
        println!("{logins}");
    }
    println!("mcfp is listening on {} (Ctrl-C to stop)", state.base_url);
    app.run_until_stopped().await
}

fn print_reset(removed: crate::demo::Removed) {
    println!(
        "mcfp demo: reset: removed {} event(s), {} account(s) and {} queued or sent email(s)",
        removed.events, removed.accounts, removed.emails
    );
}

/// Writes the API reference (or, with `json`, the OpenAPI document) to `output` or stdout.
fn api_reference(json: bool, output: Option<&std::path::Path>) -> anyhow::Result<()> {
    let markdown = if json {
        let document = crate::api::openapi::document().context("the OpenAPI document")?;
        format!("{}\n", serde_json::to_string_pretty(&document)?)
    } else {
        crate::api::openapi::reference_markdown().context("rendering the OpenAPI document")?
    };
    match output {
        Some(path) => {
            std::fs::write(path, &markdown)
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("mcfp: wrote {}", path.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(markdown.as_bytes())
                .context("writing standard output")?;
            stdout.flush()?;
        }
    }
    Ok(())
}

#[derive(serde::Deserialize)]
struct ClassifyInput {
    #[serde(default)]
    title: String,
    #[serde(default, rename = "abstract")]
    abstract_text: String,
    #[serde(default)]
    notes: String,
}

/// JSON lines in, JSON lines out; a bad line gets an `{"error", "line"}` object and a failing exit.
pub fn classify(input: impl BufRead, mut output: impl Write) -> anyhow::Result<()> {
    let mut bad_lines = 0usize;
    for (index, line) in input.lines().enumerate() {
        let line = line.context("reading standard input")?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = match serde_json::from_str::<ClassifyInput>(&line) {
            Ok(p) => serde_json::to_string(&crate::tagging::ClassifyOutput::from(
                crate::tagging::classify(&p.title, &p.abstract_text, &p.notes),
            ))?,
            Err(e) => {
                bad_lines += 1;
                serde_json::json!({"error": e.to_string(), "line": index + 1}).to_string()
            }
        };
        writeln!(output, "{answer}").context("writing standard output")?;
    }
    output.flush()?;
    if bad_lines > 0 {
        anyhow::bail!("{bad_lines} input line(s) were not JSON objects with title and abstract");
    }
    Ok(())
}
