//! The published list of accepted talks: JSON, HTML, Atom and CSV.
//!
//! It is the hottest read path, so every process keeps the built list in memory and serves it
//! without a database round trip while `db::public_changes` says nothing the public sees of the
//! event has changed since it was loaded (a trigger notifies every process of each change, in
//! the transaction that makes it). When that cannot be said (the listener is reconnecting, or a
//! change arrived), one cheap query tells: the event's fingerprint (`db::decisions::fingerprint`,
//! moved by triggers); an unchanged fingerprint keeps the built list. Responses carry an `ETag`
//! derived from the fingerprint, so a client that already has the current version gets a 304.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::db::decisions as db;
use crate::db::events::{self, TrackWithSubtopics};
use crate::db::proposals as proposals_db;
use crate::db::public_cache::PublicCache;
use crate::error::AppResult;
use crate::metrics::CacheRead;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicSpeaker {
    pub name: String,
    pub affiliation: String,
    /// Markdown (the abstracts' subset).
    pub bio: String,
    /// The speaker's photo (a path on this server), or null.
    pub photo_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AcceptedItem {
    pub id: uuid::Uuid,
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    pub track: Option<String>,
    pub subtopics: Vec<String>,
    /// Names only: speakers' emails never appear publicly.
    pub speakers: Vec<PublicSpeaker>,
    pub format: String,
    /// The format's display name, e.g. "Lightning talk".
    pub format_name: String,
    /// The format's length, for the track balance.
    pub minutes: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptedList {
    /// The event's slug.
    pub event: String,
    pub title: String,
    pub published_at: DateTime<Utc>,
    pub items: Vec<AcceptedItem>,
    /// The programme's length in minutes, when the chairs set one.
    pub slot_minutes: Option<i32>,
    #[serde(skip)]
    pub tracks: Vec<TrackWithSubtopics>,
    #[serde(skip)]
    pub time_zone: String,
    /// Names the version: quoted into ETags.
    #[serde(skip)]
    pub version_tag: String,
    /// Each representation (JSON, HTML, …) rendered once per version.
    #[serde(skip)]
    #[schema(ignore)]
    rendered: Mutex<HashMap<String, actix_web::web::Bytes>>,
}

impl AcceptedList {
    /// A strong ETag for one representation (`json`, `html`, …) of this version.
    pub fn etag(&self, representation: &str) -> String {
        format!("\"{representation}-{}\"", self.version_tag)
    }

    pub fn track_name(&self, key: &Option<String>) -> String {
        match key {
            Some(key) => self
                .tracks
                .iter()
                .find(|t| &t.key == key)
                .map_or_else(|| key.clone(), |t| t.name.clone()),
            None => "Other".into(),
        }
    }

    pub fn subtopic_name(&self, track: &Option<String>, key: &str) -> String {
        self.tracks
            .iter()
            .find(|t| Some(&t.key) == track.as_ref())
            .and_then(|t| t.subtopics.iter().find(|(k, _)| k == key))
            .map_or_else(|| key.to_owned(), |(_, name)| name.clone())
    }

    /// The representation, rendered by `render` the first time it is asked for in this version.
    pub fn rendered(
        &self,
        representation: &str,
        render: impl FnOnce() -> AppResult<String>,
    ) -> AppResult<actix_web::web::Bytes> {
        if let Some(body) = self
            .rendered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(representation)
        {
            return Ok(body.clone());
        }
        let body = actix_web::web::Bytes::from(render()?);
        self.rendered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(representation.to_owned(), body.clone());
        Ok(body)
    }

    /// The items grouped by track, in the event's track order (unknown tracks last).
    pub fn by_track(&self) -> Vec<(String, Vec<&AcceptedItem>)> {
        let mut groups: Vec<(Option<String>, Vec<&AcceptedItem>)> = self
            .tracks
            .iter()
            .map(|t| (Some(t.key.clone()), Vec::new()))
            .collect();
        for item in &self.items {
            match groups.iter_mut().find(|(key, _)| *key == item.track) {
                Some((_, items)) => items.push(item),
                None => groups.push((item.track.clone(), vec![item])),
            }
        }
        groups
            .into_iter()
            .filter(|(_, items)| !items.is_empty())
            .map(|(key, items)| (self.track_name(&key), items))
            .collect()
    }
}

/// Built lists by event slug.
pub type AcceptedCache = PublicCache<AcceptedList>;

/// Makes the event's accepted list public, or no longer public; when it was published.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn set_published(
    state: &AppState,
    event: &crate::db::events::Event,
    published: bool,
) -> AppResult<Option<chrono::DateTime<chrono::Utc>>> {
    let mut conn = state.pool.get().await?;
    let published_at = db::set_published(&mut conn, event.id, published).await?;
    tracing::info!(event.slug = %event.slug, published, "accepted list publication changed");
    Ok(published_at)
}

/// The published list of the event, or None when there is no such event or it is not published.
#[tracing::instrument(skip_all, fields(event.slug = %slug))]
pub async fn accepted(
    state: &AppState,
    cache: &AcceptedCache,
    slug: &str,
) -> AppResult<Option<Arc<AcceptedList>>> {
    if let Some(list) = cache.current(slug, &state.public_changes) {
        state.metrics.record_cache(CacheRead::Memory);
        return Ok(Some(list));
    }
    // before the query: a change committed after it supersedes what the query reads
    let mark = state.public_changes.watermark();
    let mut conn = state.pool.get().await?;
    let Some(fingerprint) = db::fingerprint(&mut conn, slug).await? else {
        return Ok(None);
    };
    let Some(published_at) = fingerprint.published_at else {
        return Ok(None);
    };
    if let Some(list) = cache.confirm(slug, &fingerprint, mark) {
        state.metrics.record_cache(CacheRead::Confirmed);
        return Ok(Some(list));
    }
    state.metrics.record_cache(CacheRead::Rebuilt);
    let Some(event) = events::find_by_id(&mut conn, fingerprint.event_id).await? else {
        return Ok(None);
    };
    let proposals = db::accepted_of(&mut conn, event.id).await?;
    let ids: Vec<_> = proposals.iter().map(|p| p.id).collect();
    let speakers = proposals_db::speakers_of(&mut conn, &ids).await?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let formats = event.formats();
    let items = proposals
        .iter()
        .map(|p| {
            let tags = crate::proposals::tags(p);
            AcceptedItem {
                id: p.id.0,
                title: p.title.clone(),
                abstract_text: p.abstract_text.clone(),
                track: tags.track,
                subtopics: tags.subtopics,
                speakers: speakers
                    .iter()
                    .filter(|s| s.proposal_id == p.id)
                    .map(|s| PublicSpeaker {
                        name: s.name.clone(),
                        affiliation: s.profile.affiliation.clone(),
                        bio: s.profile.bio.clone(),
                        photo_url: s
                            .photo
                            .as_ref()
                            .map(|p| crate::accounts::profile::photo_url(s.user_id, p)),
                    })
                    .collect(),
                minutes: formats
                    .iter()
                    .find(|f| f.key == p.format)
                    .map_or(0, |f| f.minutes),
                format_name: formats
                    .iter()
                    .find(|f| f.key == p.format)
                    .map_or_else(|| p.format.clone(), |f| f.name.clone()),
                format: p.format.clone(),
            }
        })
        .collect();
    let version_tag = {
        let digest = Sha256::digest(
            format!(
                "{}|{}",
                fingerprint.version,
                published_at.timestamp_micros()
            )
            .as_bytes(),
        );
        digest[..12].iter().map(|b| format!("{b:02x}")).collect()
    };
    let list = Arc::new(AcceptedList {
        event: event.slug.clone(),
        title: event.title.clone(),
        published_at,
        items,
        slot_minutes: event.slot_minutes,
        tracks,
        time_zone: event.time_zone.clone(),
        version_tag,
        rendered: Mutex::default(),
    });
    cache.put(slug, fingerprint, mark, list.clone());
    Ok(Some(list))
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// An Atom feed of the accepted talks (RFC 4287).
pub fn atom(list: &AcceptedList, page_url: &str, feed_url: &str) -> String {
    let updated = list.published_at.to_rfc3339();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    out.push_str(&format!(
        "  <title>{} — accepted talks</title>\n  <id>{}</id>\n  <updated>{updated}</updated>\n",
        xml_escape(&list.title),
        xml_escape(feed_url)
    ));
    out.push_str(&format!(
        "  <link rel=\"self\" href=\"{}\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        xml_escape(feed_url),
        xml_escape(page_url)
    ));
    for item in &list.items {
        out.push_str("  <entry>\n");
        out.push_str(&format!(
            "    <id>urn:uuid:{}</id>\n    <title>{}</title>\n    <updated>{updated}</updated>\n",
            item.id,
            xml_escape(&item.title)
        ));
        out.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}#talk-{}\"/>\n",
            xml_escape(page_url),
            item.id
        ));
        for speaker in &item.speakers {
            out.push_str(&format!(
                "    <author><name>{}</name></author>\n",
                xml_escape(&speaker.name)
            ));
        }
        out.push_str(&format!(
            "    <category term=\"{}\" label=\"{}\"/>\n",
            xml_escape(item.track.as_deref().unwrap_or("")),
            xml_escape(&list.track_name(&item.track))
        ));
        out.push_str(&format!(
            "    <summary type=\"text\">{}</summary>\n  </entry>\n",
            xml_escape(&item.abstract_text)
        ));
    }
    out.push_str("</feed>\n");
    out
}
