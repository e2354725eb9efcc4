//! What lets the public pages skip the database: a dedicated connection `LISTEN`s on
//! `mcfp_public`, where a trigger on `events` (migration 000020) names every event whose public
//! face may have changed, in the transaction that changes it. A cache entry remembers the
//! `Watermark` taken just before it read the database, and is served without a query for as long
//! as no change to its event has arrived since and the listener has been connected throughout.
//!
//! Why a watermark read *before* the query is enough: PostgreSQL delivers a notification after
//! its transaction commits. Either it arrived before the watermark was read, and the query that
//! followed saw the change; or it arrives later and supersedes the entry.
//!
//! Within one process a write is also read back at once (`local_write`, called after every
//! request that may write): a notification travels on its own connection and may arrive a moment
//! after the response that made it. Between processes, that moment is the only staleness.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;
use uuid::Uuid;

/// The channel the trigger notifies on.
pub const CHANNEL: &str = "mcfp_public";
/// How often an idle listener proves its connection alive: a connection that died silently
/// (no TCP reset) is noticed within this plus `HEARTBEAT_TIMEOUT`, and caches fall back to a
/// query per request until the listener is back.
const HEARTBEAT: Duration = Duration::from_secs(10);
const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(5);
const RECONNECT_MIN: Duration = Duration::from_millis(200);
const RECONNECT_MAX: Duration = Duration::from_secs(30);
/// How the listener's connection shows in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "mcfp-public-changes";

/// A point in the stream of changes, read before a cache entry is loaded from the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watermark {
    /// Which connection of the listener: a reconnect may have missed notifications.
    epoch: u64,
    counter: u64,
}

#[derive(Debug, Default)]
struct Changes {
    listening: bool,
    /// Connections that listened so far.
    connections: u64,
    /// Notifications received so far.
    notifications: u64,
    epoch: u64,
    counter: u64,
    /// The counter at the latest change of each event.
    changed_at: HashMap<Uuid, u64>,
    /// The counter at the latest change that may concern any event (a write by this process, a
    /// notification whose payload names no event).
    all_changed_at: u64,
}

/// The changes seen so far; shared by the listener task and every cache.
#[derive(Debug, Default)]
pub struct PublicChanges {
    changes: Mutex<Changes>,
}

impl PublicChanges {
    fn lock(&self) -> std::sync::MutexGuard<'_, Changes> {
        self.changes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Read this before querying what a cache entry is built from; None while not listening
    /// (an entry loaded then is never served without a query).
    pub fn watermark(&self) -> Option<Watermark> {
        let changes = self.lock();
        changes.listening.then_some(Watermark {
            epoch: changes.epoch,
            counter: changes.counter,
        })
    }

    /// Whether what was read of `event` after `mark` is still current: the listener has been
    /// connected since, and no change to the event (or to every event) has arrived.
    pub fn unchanged_since(&self, event: Uuid, mark: Option<Watermark>) -> bool {
        let Some(mark) = mark else { return false };
        let changes = self.lock();
        changes.listening
            && changes.epoch == mark.epoch
            && changes.all_changed_at <= mark.counter
            && changes
                .changed_at
                .get(&event)
                .is_none_or(|&at| at <= mark.counter)
    }

    /// A request of this process may have written: whatever it changed is read back by the next
    /// request here, whether or not its notification has arrived yet.
    pub fn local_write(&self) {
        let mut changes = self.lock();
        changes.counter += 1;
        changes.all_changed_at = changes.counter;
    }

    fn changed(&self, payload: &str) {
        let mut changes = self.lock();
        changes.notifications += 1;
        changes.counter += 1;
        let at = changes.counter;
        match Uuid::parse_str(payload) {
            Ok(event) => {
                changes.changed_at.insert(event, at);
            }
            Err(_) => changes.all_changed_at = at,
        }
    }

    fn connected(&self) {
        let mut changes = self.lock();
        changes.listening = true;
        changes.connections += 1;
    }

    /// How many connections have listened so far (1 until the first is lost).
    pub fn connections(&self) -> u64 {
        self.lock().connections
    }

    /// How many notifications have arrived so far.
    pub fn notifications(&self) -> u64 {
        self.lock().notifications
    }

    /// The connection is gone: notifications may be missed until the next one listens, so
    /// nothing loaded before is trusted again without a query.
    fn lost(&self) {
        let mut changes = self.lock();
        changes.listening = false;
        changes.epoch += 1;
        changes.changed_at.clear();
    }

    /// Listens until the task is dropped, reconnecting with a growing pause when the connection
    /// fails. Runs on its own connection, outside the pool (a pooled one would be recycled).
    pub async fn listen(self: std::sync::Arc<Self>, database_url: String) {
        let mut pause = RECONNECT_MIN;
        loop {
            match self.listen_once(&database_url).await {
                Ok(()) => {}
                Err(e) => tracing::warn!(
                    error = %e,
                    "the listener for public changes lost its connection: public pages query the database per request until it is back"
                ),
            }
            self.lost();
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(RECONNECT_MAX);
        }
    }

    async fn listen_once(&self, database_url: &str) -> anyhow::Result<()> {
        // named in pg_stat_activity when DATABASE_URL is a URL (a key=value string goes as is)
        let url = match url::Url::parse(database_url) {
            Ok(mut url) => {
                url.query_pairs_mut()
                    .append_pair("application_name", APPLICATION_NAME);
                url.to_string()
            }
            Err(_) => database_url.to_owned(),
        };
        let mut conn = AsyncPgConnection::establish(&url).await?;
        diesel::sql_query(format!("LISTEN {CHANNEL}"))
            .execute(&mut conn)
            .await?;
        self.connected();
        tracing::debug!("listening for public changes");
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        heartbeat.tick().await;
        loop {
            let next = {
                let mut notifications = std::pin::pin!(conn.notifications_stream());
                tokio::select! {
                    next = notifications.next() => Some(next),
                    _ = heartbeat.tick() => None,
                }
            };
            match next {
                Some(Some(Ok(notification))) => self.changed(&notification.payload),
                Some(Some(Err(e))) => return Err(e.into()),
                Some(None) => anyhow::bail!("the connection closed"),
                None => {
                    tokio::time::timeout(
                        HEARTBEAT_TIMEOUT,
                        diesel::sql_query("SELECT 1").execute(&mut conn),
                    )
                    .await
                    .map_err(|_| anyhow::anyhow!("no answer to the heartbeat"))??;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_trusted_while_not_listening() {
        let changes = PublicChanges::default();
        assert_eq!(changes.watermark(), None);
        assert!(!changes.unchanged_since(Uuid::nil(), None));
    }

    #[test]
    fn a_change_supersedes_its_event_only() {
        let changes = PublicChanges::default();
        changes.connected();
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mark = changes.watermark();
        assert!(changes.unchanged_since(a, mark));
        changes.changed(&a.to_string());
        assert!(!changes.unchanged_since(a, mark));
        assert!(changes.unchanged_since(b, mark));
        // read again after the change: current
        assert!(changes.unchanged_since(a, changes.watermark()));
    }

    #[test]
    fn a_local_write_or_an_unknown_payload_supersedes_every_event() {
        let changes = PublicChanges::default();
        changes.connected();
        let a = Uuid::from_u128(1);
        let mark = changes.watermark();
        changes.local_write();
        assert!(!changes.unchanged_since(a, mark));
        let mark = changes.watermark();
        changes.changed("not an id");
        assert!(!changes.unchanged_since(a, mark));
    }

    #[test]
    fn a_lost_connection_supersedes_everything_loaded_before() {
        let changes = PublicChanges::default();
        changes.connected();
        let a = Uuid::from_u128(1);
        let mark = changes.watermark();
        changes.lost();
        assert_eq!(changes.watermark(), None);
        changes.connected();
        assert!(!changes.unchanged_since(a, mark));
        assert!(changes.unchanged_since(a, changes.watermark()));
    }
}
