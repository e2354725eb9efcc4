//! The event form's fields to values and back: times from `datetime-local` inputs in the event's
//! own time zone, whole numbers, and formats, tracks and subtopics edited as rows of inputs
//! (`formats[2].minutes`, `tracks[0].name`, `subtopics[1].track`, each row with a `remove` box).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use crate::db::events::{self, Format};
use crate::error::FieldErrors;
use crate::events::{SubtopicInput, TrackInput};

/// What a `datetime-local` input holds (and sends, without seconds).
const INPUT_FORMAT: &str = "%Y-%m-%dT%H:%M";
/// Also accepted: seconds (some browsers send them), and a space instead of the `T`.
const ACCEPTED_FORMATS: [&str; 4] = [
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
];
/// Blank rows offered under the existing ones, for adding without JavaScript.
pub const BLANK_ROWS: usize = 3;
/// More rows than any event needs: a bound on what a hostile form can make us hold.
const MAX_ROWS: usize = 200;

/// The value of a `datetime-local` input: the instant in the named zone.
pub fn local_text(at: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => at.with_timezone(&tz).format(INPUT_FORMAT).to_string(),
        Err(_) => at.format(INPUT_FORMAT).to_string(),
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

/// `2026-11-13T09:00` in the named zone → UTC.
pub fn parse_local(text: &str, zone: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("needs a date and time".to_owned());
    }
    let naive = ACCEPTED_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .ok_or_else(|| format!("`{text}` is not a date and time like 2026-11-13 09:00"))?;
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

/// One row of the formats table, as typed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FormatRow {
    pub key: String,
    pub name: String,
    pub minutes: String,
    pub remove: bool,
}

/// One row of the tracks table, as typed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TrackRow {
    pub key: String,
    pub name: String,
    pub remove: bool,
}

/// One row of the subtopics table, as typed: `track` is its track's key.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SubtopicRow {
    pub track: String,
    pub key: String,
    pub name: String,
    pub remove: bool,
}

/// The three editable tables of the settings form.
#[derive(Debug, Default, Clone)]
pub struct Rows {
    pub formats: Vec<FormatRow>,
    pub tracks: Vec<TrackRow>,
    pub subtopics: Vec<SubtopicRow>,
}

fn blank(key: &str, name: &str) -> bool {
    key.trim().is_empty() && name.trim().is_empty()
}

impl Rows {
    /// The rows of a saved event, plus blank rows to add.
    pub fn of(formats: &[Format], tracks: &[events::TrackWithSubtopics]) -> Rows {
        let mut rows = Rows {
            formats: formats
                .iter()
                .map(|f| FormatRow {
                    key: f.key.clone(),
                    name: f.name.clone(),
                    minutes: f.minutes.to_string(),
                    remove: false,
                })
                .collect(),
            tracks: tracks
                .iter()
                .map(|t| TrackRow {
                    key: t.key.clone(),
                    name: t.name.clone(),
                    remove: false,
                })
                .collect(),
            subtopics: tracks
                .iter()
                .flat_map(|t| {
                    t.subtopics.iter().map(|(key, name)| SubtopicRow {
                        track: t.key.clone(),
                        key: key.clone(),
                        name: name.clone(),
                        remove: false,
                    })
                })
                .collect(),
        };
        rows.formats
            .extend(std::iter::repeat_n(FormatRow::default(), BLANK_ROWS));
        rows.tracks
            .extend(std::iter::repeat_n(TrackRow::default(), BLANK_ROWS));
        rows.subtopics
            .extend(std::iter::repeat_n(SubtopicRow::default(), BLANK_ROWS));
        rows
    }

    /// The rows of a submitted form, from its `list[i].field` names, in index order; row `i` of
    /// each list is its position here, which is what error names refer to.
    pub fn from_fields(fields: &BTreeMap<String, String>) -> Rows {
        let mut formats: BTreeMap<usize, FormatRow> = BTreeMap::new();
        let mut tracks: BTreeMap<usize, TrackRow> = BTreeMap::new();
        let mut subtopics: BTreeMap<usize, SubtopicRow> = BTreeMap::new();
        for (name, value) in fields {
            let Some((list, index, field)) = split_row_name(name) else {
                continue;
            };
            let value = value.clone();
            match list {
                "formats" if formats.len() < MAX_ROWS || formats.contains_key(&index) => {
                    let row = formats.entry(index).or_default();
                    match field {
                        "key" => row.key = value,
                        "name" => row.name = value,
                        "minutes" => row.minutes = value,
                        "remove" => row.remove = true,
                        _ => {}
                    }
                }
                "tracks" if tracks.len() < MAX_ROWS || tracks.contains_key(&index) => {
                    let row = tracks.entry(index).or_default();
                    match field {
                        "key" => row.key = value,
                        "name" => row.name = value,
                        "remove" => row.remove = true,
                        _ => {}
                    }
                }
                "subtopics" if subtopics.len() < MAX_ROWS || subtopics.contains_key(&index) => {
                    let row = subtopics.entry(index).or_default();
                    match field {
                        "track" => row.track = value,
                        "key" => row.key = value,
                        "name" => row.name = value,
                        "remove" => row.remove = true,
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        Rows {
            formats: formats.into_values().collect(),
            tracks: tracks.into_values().collect(),
            subtopics: subtopics.into_values().collect(),
        }
    }

    /// The formats to keep: rows neither removed nor blank. Errors name the row
    /// (`formats[2].minutes`); `origin[k]` is the row of the k-th kept format.
    pub fn formats(&self, errors: &mut FieldErrors) -> (Vec<Format>, Vec<usize>) {
        let mut kept = Vec::new();
        let mut origin = Vec::new();
        for (i, row) in self.formats.iter().enumerate() {
            if row.remove || (blank(&row.key, &row.name) && row.minutes.trim().is_empty()) {
                continue;
            }
            let Some(minutes) = errors.check(
                &format!("formats[{i}].minutes"),
                row.minutes
                    .trim()
                    .parse::<i32>()
                    .map_err(|_| "must be a whole number of minutes"),
            ) else {
                continue;
            };
            kept.push(Format {
                key: row.key.trim().to_owned(),
                name: row.name.trim().to_owned(),
                minutes,
            });
            origin.push(i);
        }
        (kept, origin)
    }

    /// The tracks to keep with their subtopics. A subtopic names its track by key; the
    /// subtopics of a removed track go with it.
    pub fn tracks(&self, errors: &mut FieldErrors) -> (Vec<TrackInput>, TrackOrigins) {
        let mut kept: Vec<TrackInput> = Vec::new();
        let mut origins = TrackOrigins::default();
        for (i, row) in self.tracks.iter().enumerate() {
            if row.remove || blank(&row.key, &row.name) {
                continue;
            }
            kept.push(TrackInput {
                key: row.key.trim().to_owned(),
                name: row.name.trim().to_owned(),
                description: String::new(),
                subtopics: Vec::new(),
            });
            origins.tracks.push(i);
            origins.subtopics.push(Vec::new());
        }
        for (j, row) in self.subtopics.iter().enumerate() {
            if row.remove || (blank(&row.key, &row.name) && row.track.trim().is_empty()) {
                continue;
            }
            let track = row.track.trim();
            match kept.iter().position(|t| t.key == track) {
                Some(t) => {
                    kept[t].subtopics.push(SubtopicInput {
                        key: row.key.trim().to_owned(),
                        name: row.name.trim().to_owned(),
                    });
                    origins.subtopics[t].push(j);
                }
                None if self
                    .tracks
                    .iter()
                    .any(|t| t.remove && t.key.trim() == track) => {}
                None => errors.add(
                    &format!("subtopics[{j}].track"),
                    "must be the key of a track in the table above",
                ),
            }
        }
        (kept, origins)
    }
}

/// Which form row each kept track and subtopic came from.
#[derive(Debug, Default, Clone)]
pub struct TrackOrigins {
    tracks: Vec<usize>,
    subtopics: Vec<Vec<usize>>,
}

/// Renames the service's errors (`formats[k].key`, `tracks[k].subtopics[m].key`, numbered
/// over the kept rows) to the rows of the form they came from.
pub fn errors_to_rows(
    errors: FieldErrors,
    formats: &[usize],
    tracks: &TrackOrigins,
) -> FieldErrors {
    let mut renamed = FieldErrors::new();
    for (name, messages) in errors.0 {
        let target = row_name_of(&name, formats, tracks).unwrap_or(name);
        for m in messages {
            renamed.add(&target, m);
        }
    }
    renamed
}

fn row_name_of(name: &str, formats: &[usize], tracks: &TrackOrigins) -> Option<String> {
    let (list, k, rest) = split_row_name(name)?;
    match list {
        "formats" => Some(format!("formats[{}].{rest}", formats.get(k)?)),
        "tracks" => match split_row_name(rest) {
            Some(("subtopics", m, field)) => Some(format!(
                "subtopics[{}].{field}",
                tracks.subtopics.get(k)?.get(m)?
            )),
            _ => Some(format!("tracks[{}].{rest}", tracks.tracks.get(k)?)),
        },
        _ => None,
    }
}

/// `formats[2].minutes` → ("formats", 2, "minutes").
fn split_row_name(name: &str) -> Option<(&str, usize, &str)> {
    let (list, rest) = name.split_once('[')?;
    let (index, rest) = rest.split_once("].")?;
    if index.is_empty() || index.len() > 4 || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((list, index.parse().ok()?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn local_times_parse_from_datetime_local_inputs() {
        let at = parse_local("2026-07-01T12:00", "America/New_York").expect("time");
        assert_eq!(at.to_rfc3339(), "2026-07-01T16:00:00+00:00");
        assert_eq!(
            parse_local("2026-07-01 12:00:00", "America/New_York"),
            Ok(at)
        );
        assert_eq!(local_text(at, "America/New_York"), "2026-07-01T12:00");
        assert!(
            parse_local("2026-03-08T02:30", "America/New_York").is_err(),
            "DST gap"
        );
        assert!(parse_local("tomorrow", "UTC").is_err());
    }

    #[test]
    fn rows_parse_skip_blank_and_removed_and_name_their_errors() {
        let rows = Rows::from_fields(&fields(&[
            ("formats[0].key", "talk"),
            ("formats[0].name", "Talk"),
            ("formats[0].minutes", "30"),
            ("formats[1].key", ""),
            ("formats[1].name", ""),
            ("formats[1].minutes", ""),
            ("formats[2].key", "bof"),
            ("formats[2].name", "BoF"),
            ("formats[2].minutes", "an hour"),
            ("formats[10].key", "gone"),
            ("formats[10].remove", "on"),
            ("tracks[0].key", "rfl"),
            ("tracks[0].name", "Rust for Linux"),
            ("tracks[1].key", "old"),
            ("tracks[1].name", "Old"),
            ("tracks[1].remove", "on"),
            ("subtopics[0].track", "rfl"),
            ("subtopics[0].key", "drivers"),
            ("subtopics[0].name", "Drivers"),
            ("subtopics[1].track", "old"),
            ("subtopics[1].key", "x"),
            ("subtopics[1].name", "X"),
            ("subtopics[2].track", "nope"),
            ("subtopics[2].key", "y"),
            ("subtopics[2].name", "Y"),
            ("formats[99999999999].key", "ignored"),
        ]));
        assert_eq!(rows.formats.len(), 4);
        let mut errors = FieldErrors::new();
        let (formats, origin) = rows.formats(&mut errors);
        assert_eq!(formats.len(), 1);
        assert_eq!(origin, vec![0]);
        assert!(errors.get("formats[2].minutes").is_some());
        let (tracks, origins) = rows.tracks(&mut errors);
        assert_eq!(tracks.len(), 1);
        assert_eq!(tracks[0].subtopics.len(), 1, "the removed track's go too");
        assert!(errors.get("subtopics[2].track").is_some());
        let service = FieldErrors::single("tracks[0].subtopics[0].key", "bad");
        let renamed = errors_to_rows(service, &origin, &origins);
        assert!(renamed.get("subtopics[0].key").is_some());
    }
}
