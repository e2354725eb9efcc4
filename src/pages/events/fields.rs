//! The event form's text fields to values and back: times typed in the event's own time zone,
//! whole numbers, and formats and tracks edited as text lines.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use crate::db::events::Format;
use crate::error::FieldErrors;
use crate::events::{SubtopicInput, TrackInput};

const TIME_FORMAT: &str = "%Y-%m-%d %H:%M";

pub fn local_text(at: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => at.with_timezone(&tz).format(TIME_FORMAT).to_string(),
        Err(_) => at.format(TIME_FORMAT).to_string(),
    }
}

/// An optional instant: empty text clears it.
pub fn parse_optional_local(
    errors: &mut FieldErrors,
    field: &str,
    text: &str,
    zone: &str,
) -> Option<Option<DateTime<Utc>>> {
    if text.trim().is_empty() {
        return Some(None);
    }
    errors.check(field, parse_local(text, zone)).map(Some)
}

/// `2026-11-13 09:00` in the named zone → UTC.
pub fn parse_local(text: &str, zone: &str) -> Result<DateTime<Utc>, String> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), TIME_FORMAT)
        .map_err(|_| format!("`{}` is not a time like 2026-11-13 09:00", text.trim()))?;
    let tz: chrono_tz::Tz = zone
        .parse()
        .map_err(|_| "needs a valid time zone".to_owned())?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| "does not exist in this time zone (a daylight-saving gap)".to_owned())
}

pub fn parse_number<T: std::str::FromStr>(
    errors: &mut FieldErrors,
    field: &str,
    text: &str,
) -> Option<T> {
    match text.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.add(field, "must be a whole number");
            None
        }
    }
}

/// `key | name | minutes`, one format a line.
pub fn parse_formats(errors: &mut FieldErrors, text: &str) -> Vec<Format> {
    let mut formats = Vec::new();
    for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        match parts.as_slice() {
            [key, name, minutes] => match minutes.parse() {
                Ok(minutes) => formats.push(Format {
                    key: (*key).to_owned(),
                    name: (*name).to_owned(),
                    minutes,
                }),
                Err(_) => errors.add(
                    &format!("formats[{i}].minutes"),
                    "must be a whole number of minutes",
                ),
            },
            _ => errors.add(
                &format!("formats[{i}]"),
                "write each format as: key | name | minutes",
            ),
        }
    }
    formats
}

/// `key | name` for a track; indented `key | name` lines below it are its subtopics.
pub fn parse_tracks(errors: &mut FieldErrors, text: &str) -> Vec<TrackInput> {
    let mut tracks: Vec<TrackInput> = Vec::new();
    for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let indented = line.starts_with(' ') || line.starts_with('\t');
        let Some((key, name)) = line
            .split_once('|')
            .map(|(k, n)| (k.trim().to_owned(), n.trim().to_owned()))
        else {
            errors.add(
                &format!("tracks[{i}]"),
                "write each line as: key | name (indent subtopics)",
            );
            continue;
        };
        match (indented, tracks.last_mut()) {
            (true, Some(track)) => track.subtopics.push(SubtopicInput { key, name }),
            (true, None) => errors.add(
                &format!("tracks[{i}]"),
                "a subtopic needs a track line above it",
            ),
            (false, _) => tracks.push(TrackInput {
                key,
                name,
                description: String::new(),
                subtopics: Vec::new(),
            }),
        }
    }
    tracks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_formats_and_tracks_parse() {
        let at = parse_local("2026-07-01 12:00", "America/New_York").expect("time");
        assert_eq!(at.to_rfc3339(), "2026-07-01T16:00:00+00:00");
        assert!(
            parse_local("2026-03-08 02:30", "America/New_York").is_err(),
            "DST gap"
        );
        assert!(parse_local("tomorrow", "UTC").is_err());
        let mut errors = FieldErrors::new();
        let formats = parse_formats(
            &mut errors,
            "talk | Talk | 30\n\nbof | Birds of a feather | 60",
        );
        assert_eq!(formats.len(), 2);
        assert!(errors.is_empty());
        parse_formats(&mut errors, "broken line");
        assert!(errors.get("formats[0]").is_some());
        let mut errors = FieldErrors::new();
        let tracks = parse_tracks(
            &mut errors,
            "rust-for-linux | Rust for Linux\n  drivers | Drivers\nrust | Rust",
        );
        assert_eq!(tracks.len(), 2);
        assert_eq!(tracks[0].subtopics.len(), 1);
        assert!(errors.is_empty());
        parse_tracks(&mut errors, "  orphan | Orphan");
        assert!(errors.get("tracks[0]").is_some());
    }
}
