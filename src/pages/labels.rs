//! How values read on pages: a track's name for its key, a score or a confidence with its
//! words, one decimal, and where an event's review phase stands.

use chrono::{DateTime, Utc};

use crate::db::events::{Event, TrackWithSubtopics};
use crate::review::{confidence_label, score_label};

/// A track's name for its key (the key itself when the event has no such track), a dash
/// for no track.
pub fn track_name_of(tracks: &[TrackWithSubtopics], key: &Option<String>) -> String {
    match key {
        Some(key) => tracks
            .iter()
            .find(|t| &t.key == key)
            .map_or_else(|| key.clone(), |t| t.name.clone()),
        None => "—".into(),
    }
}

/// One decimal, or a dash when there is nothing to show.
pub fn one_decimal(value: &Option<f64>) -> String {
    value.map_or_else(|| "—".into(), |v| format!("{v:.1}"))
}

/// "4 — weak accept", or just "4" where the scale has no word for the score.
pub fn score_text(event: &Event, score: i16) -> String {
    match score_label(event.score_min, event.score_max, score) {
        Some(label) => format!("{score} — {label}"),
        None => score.to_string(),
    }
}

/// "3 — high: I know this area well".
pub fn confidence_text(confidence: i16) -> String {
    match confidence_label(confidence) {
        Some(label) => format!("{confidence} — {label}"),
        None => confidence.to_string(),
    }
}

/// Where the event's review phase stands, as one sentence.
pub fn phase_text(event: &Event, now: DateTime<Utc>) -> String {
    let at = |t: DateTime<Utc>| crate::time::in_zone(t, &event.time_zone);
    if event.review_open_at(now) {
        match event.review_closes_at {
            Some(closes) => format!("Reviewing is open until {}.", at(closes)),
            None => "Reviewing is open until a chair closes it.".into(),
        }
    } else {
        match (event.review_opens_at, event.review_closes_at) {
            (None, _) => "Reviewing has not been opened yet.".into(),
            (Some(opens), _) if now < opens => format!("Reviewing opens {}.", at(opens)),
            (_, Some(closes)) => format!("Reviewing closed {}.", at(closes)),
            _ => "Reviewing is closed.".into(),
        }
    }
}
