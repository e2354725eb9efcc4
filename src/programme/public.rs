//! The published programme as the public reads it: built once per version and kept in memory
//! (`db::public_cache`), like the accepted list. Every change to the programme's blocks, items
//! or publication, and to what it shows of a placed talk (title, track, speakers), moves the
//! event's fingerprint (migrations 000009 and 000110), so an entry is never served stale in the
//! process that made the change, and elsewhere only until the change's notification arrives.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::web::Bytes;

use super::{Programme, view};
use crate::accounts::CurrentUser;
use crate::db::decisions as decisions_db;
use crate::db::events;
use crate::db::public_cache::PublicCache;
use crate::error::{AppError, AppResult};
use crate::metrics::CacheRead;
use crate::state::AppState;

/// A published programme, with its JSON and ETag computed once.
pub struct PublishedProgramme {
    pub slug: String,
    pub title: String,
    pub time_zone: String,
    pub programme: Programme,
    /// The JSON body of `GET …/programme`.
    pub json: Bytes,
    /// A strong ETag naming this exact content; other representations add their own prefix.
    pub etag: String,
    /// Other representations (iCalendar, frab XML, …), rendered once per version.
    rendered: Mutex<HashMap<&'static str, Bytes>>,
}

impl PublishedProgramme {
    /// The ETag of one representation of this version (`ics`, `xml`, …).
    pub fn etag_of(&self, representation: &str) -> String {
        format!("\"{representation}-{}", self.etag.trim_start_matches('"'))
    }

    /// The representation, rendered by `render` the first time it is asked for in this version.
    pub fn rendered(
        &self,
        representation: &'static str,
        render: impl FnOnce(&Self) -> AppResult<String>,
    ) -> AppResult<Bytes> {
        if let Some(body) = self
            .rendered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(representation)
        {
            return Ok(body.clone());
        }
        let body = Bytes::from(render(self)?);
        self.rendered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(representation, body.clone());
        Ok(body)
    }
}

/// Built programmes by event slug.
pub type ProgrammeCache = PublicCache<PublishedProgramme>;

/// The event's published programme, or None when there is no such event or it is not published.
#[tracing::instrument(skip_all, fields(event.slug = %slug))]
pub async fn published(
    state: &AppState,
    cache: &ProgrammeCache,
    slug: &str,
) -> AppResult<Option<Arc<PublishedProgramme>>> {
    if let Some(programme) = cache.current(slug, &state.public_changes) {
        state.metrics.record_cache(CacheRead::Memory);
        return Ok(programme
            .programme
            .published_at
            .is_some()
            .then_some(programme));
    }
    // before the query: a change committed after it supersedes what the query reads
    let mark = state.public_changes.watermark();
    let mut conn = state.pool.get().await?;
    let Some(fingerprint) = decisions_db::fingerprint(&mut conn, slug).await? else {
        return Ok(None);
    };
    if let Some(programme) = cache.confirm(slug, &fingerprint, mark) {
        state.metrics.record_cache(CacheRead::Confirmed);
        return Ok(programme
            .programme
            .published_at
            .is_some()
            .then_some(programme));
    }
    state.metrics.record_cache(CacheRead::Rebuilt);
    let Some(event) = events::find_by_id(&mut conn, fingerprint.event_id).await? else {
        return Ok(None);
    };
    let built = Arc::new(build(&event, view(&mut conn, &event).await?)?);
    // an unpublished programme is remembered too: its absence is served from memory as well
    cache.put(slug, fingerprint, mark, built.clone());
    Ok(built.programme.published_at.is_some().then_some(built))
}

/// Chairs read their programme fresh, published or not; everyone else reads the published one
/// from memory (404 while it is not published). Whether the reader chairs the event, too.
pub async fn readable(
    state: &AppState,
    cache: &ProgrammeCache,
    user: Option<&CurrentUser>,
    slug: &str,
) -> AppResult<(Arc<PublishedProgramme>, bool)> {
    if user.is_some() {
        let mut conn = state.pool.get().await?;
        if let Some(event) = chaired_event(&mut conn, slug, user).await {
            let programme = view(&mut conn, &event).await?;
            return Ok((Arc::new(build(&event, programme)?), true));
        }
    }
    let programme = published(state, cache, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((programme, false))
}

/// The event, when the reader chairs it (or is a site admin): the one reader of the programme
/// and its exports who sees it before it is published.
pub async fn chaired_event(
    conn: &mut diesel_async::AsyncPgConnection,
    slug: &str,
    user: Option<&CurrentUser>,
) -> Option<events::Event> {
    crate::accounts::policy::managed_event(conn, slug, user?)
        .await
        .ok()
}

/// The programme with its JSON and ETag, for chairs reading it unpublished and for the cache.
pub fn build(event: &events::Event, programme: Programme) -> AppResult<PublishedProgramme> {
    let (etag, json) = programme.etag()?;
    Ok(PublishedProgramme {
        slug: event.slug.clone(),
        title: event.title.clone(),
        time_zone: event.time_zone.clone(),
        programme,
        json: Bytes::from(json),
        etag,
        rendered: Mutex::default(),
    })
}
