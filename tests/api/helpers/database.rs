//! PostgreSQL for the tests: the server (DATABASE_URL's, a local one, or a private one), and a
//! migrated template database that every test's fresh database is cloned from.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use mcfp::db::private_pg::{PrivatePostgres, port_answers};

/// The server the tests use: DATABASE_URL's, else 127.0.0.1:5432, else a private one.
pub(super) fn server_url() -> &'static str {
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

pub(super) async fn admin_connection() -> AsyncPgConnection {
    AsyncPgConnection::establish(server_url())
        .await
        .unwrap_or_else(|e| panic!("connecting to {}: {e}", server_url()))
}

/// The migrated template database, named after a hash of the migrations so a schema change
/// builds a new one. Built once, under an advisory lock so parallel test processes agree.
pub(super) async fn template_database() -> &'static str {
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
