//! Connection pool, database creation, embedded migrations, and query functions by aggregate.
//! Every query function takes `&mut AsyncPgConnection` so that it composes inside a transaction.

pub mod decisions;
pub mod events;
pub mod export;
pub mod mailings;
pub mod outbox;
pub mod paging;
pub mod pending_forms;
pub mod private_pg;
pub mod profiles;
pub mod programme;
pub mod promotion;
pub mod proposals;
pub mod public_cache;
pub mod public_changes;
pub mod ranking;
pub mod reviews;
pub mod similarity;
pub mod users;

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use url::Url;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type DbPool = Pool<AsyncPgConnection>;
pub type PooledConn = Object<AsyncPgConnection>;

pub fn build_pool(database_url: &str, max_size: usize) -> anyhow::Result<DbPool> {
    // `Fast` recycling: a checkout costs no `SELECT 1` round trip (the default, `Verified`,
    // doubled the round trips of a one-query request). A connection the server dropped is
    // noticed at its first use, fails that request, and is discarded by the pool.
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Pool::builder(manager)
        .max_size(max_size)
        .wait_timeout(Some(std::time::Duration::from_secs(10)))
        .create_timeout(Some(std::time::Duration::from_secs(10)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| anyhow::anyhow!("building the database pool: {e}"))
}

pub use crate::config::database_name;

/// The same server URL pointing at another database.
pub fn with_database(database_url: &str, database: &str) -> anyhow::Result<String> {
    let mut url = Url::parse(database_url)?;
    url.set_path(&format!("/{database}"));
    Ok(url.to_string())
}

#[derive(QueryableByName)]
struct DatabaseRow {
    #[diesel(sql_type = Text)]
    #[allow(dead_code)]
    datname: String,
}

/// Creates the URL's database when it does not exist yet (connecting to `postgres` to do so).
pub async fn ensure_database_exists(database_url: &str) -> anyhow::Result<bool> {
    let name = database_name(database_url)
        .ok_or_else(|| anyhow::anyhow!("DATABASE_URL does not name a plain database"))?;
    let admin_url = with_database(database_url, "postgres")?;
    let mut conn = AsyncPgConnection::establish(&admin_url)
        .await
        .map_err(|e| anyhow::anyhow!("connecting to PostgreSQL at {}: {e}", redact(&admin_url)))?;
    let existing: Vec<DatabaseRow> =
        diesel::sql_query("SELECT datname::text AS datname FROM pg_database WHERE datname = $1")
            .bind::<Text, _>(&name)
            .load(&mut conn)
            .await?;
    if !existing.is_empty() {
        return Ok(false);
    }
    // The name was checked to be a plain identifier above, so quoting it is enough.
    match diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
    {
        Ok(_) => Ok(true),
        // Another process created it between our check and our CREATE.
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("already exists") =>
        {
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// Applies pending embedded migrations. Runs on a blocking thread: the migration harness
/// needs a runtime of its own (diesel-async's `AsyncMigrationHarness` panics on actix's).
pub async fn run_migrations(database_url: &str) -> anyhow::Result<usize> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
        let mut conn =
            <AsyncConnectionWrapper<AsyncPgConnection> as diesel::Connection>::establish(&url)
                .map_err(|e| anyhow::anyhow!("connecting for migrations: {e}"))?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("running migrations: {e}"))?;
        Ok(applied.len())
    })
    .await
    .map_err(|e| anyhow::anyhow!("migration task failed: {e}"))?
}

/// A URL safe to print: the password replaced.
pub fn redact(database_url: &str) -> String {
    match Url::parse(database_url) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        Ok(url) => url.to_string(),
        Err(_) => "<unparseable url>".into(),
    }
}

/// Runs `SELECT 1`; what /readyz asks.
pub async fn ping(pool: &DbPool) -> anyhow::Result<()> {
    let mut conn = pool.get().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    diesel::sql_query("SELECT 1").execute(&mut conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names() {
        assert_eq!(
            database_name("postgres://u@h:5432/mcfp").as_deref(),
            Some("mcfp")
        );
        assert_eq!(
            database_name("postgres://u@h/my-db_2").as_deref(),
            Some("my-db_2")
        );
        assert_eq!(database_name("postgres://u@h/"), None);
        assert_eq!(database_name("postgres://u@h/a%22b"), None);
        assert_eq!(
            with_database("postgres://u:p@h:1/a?sslmode=disable", "postgres")
                .ok()
                .as_deref(),
            Some("postgres://u:p@h:1/postgres?sslmode=disable")
        );
        assert!(!redact("postgres://u:secret@h/db").contains("secret"));
    }
}
