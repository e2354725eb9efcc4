//! Views the public reads (the accepted list, the programme) built once and kept in memory by
//! event slug. An entry is served without a query while `public_changes` says nothing of its
//! event has changed since it was confirmed; otherwise one cheap query (the event's
//! `Fingerprint`) tells whether the built view still holds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::decisions::Fingerprint;
use super::public_changes::{PublicChanges, Watermark};

/// A built view, the fingerprint it was built from, and the watermark read before that
/// fingerprint was (last) confirmed.
struct Entry<T> {
    fingerprint: Fingerprint,
    confirmed: Option<Watermark>,
    view: Arc<T>,
}

/// Built views by event slug.
pub struct PublicCache<T> {
    entries: Mutex<HashMap<String, Entry<T>>>,
}

impl<T> Default for PublicCache<T> {
    fn default() -> Self {
        Self {
            entries: Mutex::default(),
        }
    }
}

impl<T> PublicCache<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry<T>>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The view, when nothing has changed since it was last confirmed: no query needed.
    pub fn current(&self, slug: &str, changes: &PublicChanges) -> Option<Arc<T>> {
        let entries = self.lock();
        let entry = entries.get(slug)?;
        changes
            .unchanged_since(entry.fingerprint.event_id.0, entry.confirmed)
            .then(|| entry.view.clone())
    }

    /// The view built from `fingerprint`, now confirmed as of `mark`.
    pub fn confirm(
        &self,
        slug: &str,
        fingerprint: &Fingerprint,
        mark: Option<Watermark>,
    ) -> Option<Arc<T>> {
        let mut entries = self.lock();
        let entry = entries
            .get_mut(slug)
            .filter(|entry| &entry.fingerprint == fingerprint)?;
        entry.confirmed = mark;
        Some(entry.view.clone())
    }

    pub fn put(
        &self,
        slug: &str,
        fingerprint: Fingerprint,
        confirmed: Option<Watermark>,
        view: Arc<T>,
    ) {
        self.lock().insert(
            slug.to_owned(),
            Entry {
                fingerprint,
                confirmed,
                view,
            },
        );
    }
}
