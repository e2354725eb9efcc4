//! The programme as frab's `schedule.xml` (what pretalx exports, and Giggity and ConfClerk
//! read), valid against the voc/schedule project's XSD (`tests/fixtures/schedule.xml.xsd`):
//! one `day` per date that has talks, in it a `room` per room that has talks that day, in it
//! an `event` per talk. Breaks are not events: the schema's event
//! needs persons, an abstract, a track and a type, which a break has none of.
//!
//! The schema wants positive integers for event and person ids: each is the first 53 bits of
//! the SHA-256 of the proposal's (or user's) UUID, stable across edits and exact in the
//! JavaScript and SQLite readers that parse them as numbers; the UUID itself is the `guid`.
//! The schema's `conference` takes no time zone name: each event's `date` carries its offset.

use std::fmt::Write;

use chrono::{NaiveDate, SecondsFormat};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use url::Url;

use super::export::{Schedule, Talk};

/// The grid readers draw the day on, in minutes (what pretalx writes).
const TIMESLOT: &str = "00:05";

pub fn render(schedule: &Schedule, base: &Url) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<schedule>\n");
    let version = schedule.published_at.map_or_else(
        || "unpublished".to_owned(),
        |at| at.to_rfc3339_opts(SecondsFormat::Secs, true),
    );
    let _ = writeln!(out, "  <version>{}</version>", xml(&version));
    // the dates that have talks, in order (a gap between two is no day of the conference)
    let mut days: Vec<NaiveDate> = schedule
        .talks
        .iter()
        .map(|t| schedule.local(t.starts_at).date_naive())
        .collect();
    days.sort();
    days.dedup();
    out.push_str("  <conference>\n");
    let _ = writeln!(out, "    <title>{}</title>", xml(&schedule.title));
    let _ = writeln!(out, "    <acronym>{}</acronym>", xml(&schedule.slug));
    if let (Some(first), Some(last)) = (days.first(), days.last()) {
        let _ = writeln!(out, "    <start>{first}</start>");
        let _ = writeln!(out, "    <end>{last}</end>");
        let _ = writeln!(out, "    <days>{}</days>", days.len());
    }
    let _ = writeln!(out, "    <timeslot_duration>{TIMESLOT}</timeslot_duration>");
    out.push_str("  </conference>\n");
    // rooms in the order they first have a talk
    let mut rooms: Vec<&str> = Vec::new();
    for talk in &schedule.talks {
        if !rooms.contains(&talk.room.as_str()) {
            rooms.push(&talk.room);
        }
    }
    if days.is_empty() {
        // the schema wants a day even in an empty programme
        out.push_str("  <day index=\"1\"/>\n");
    }
    for (index, date) in days.iter().enumerate() {
        let talks: Vec<&Talk> = schedule
            .talks
            .iter()
            .filter(|t| schedule.local(t.starts_at).date_naive() == *date)
            .collect();
        let start = talks.iter().map(|t| t.starts_at).min().unwrap_or_default();
        let end = talks.iter().map(|t| t.ends_at).max().unwrap_or_default();
        let _ = writeln!(
            out,
            "  <day index=\"{}\" date=\"{date}\" start=\"{}\" end=\"{}\">",
            index + 1,
            schedule.local(start).to_rfc3339(),
            schedule.local(end).to_rfc3339()
        );
        for room in &rooms {
            let in_room: Vec<&&Talk> = talks.iter().filter(|t| t.room == *room).collect();
            if in_room.is_empty() {
                continue;
            }
            let _ = writeln!(out, "    <room name=\"{}\">", xml(room));
            for talk in in_room {
                event(&mut out, schedule, talk, base);
            }
            out.push_str("    </room>\n");
        }
        out.push_str("  </day>\n");
    }
    out.push_str("</schedule>\n");
    out
}

/// One talk, its elements in the schema's order.
fn event(out: &mut String, schedule: &Schedule, talk: &Talk, base: &Url) {
    let id = number(talk.proposal_id.0);
    let local = schedule.local(talk.starts_at);
    let _ = writeln!(
        out,
        "      <event id=\"{id}\" guid=\"{}\">",
        talk.proposal_id.0
    );
    let element = |out: &mut String, name: &str, value: &str| {
        let _ = writeln!(out, "        <{name}>{}</{name}>", xml(value));
    };
    element(out, "room", &talk.room);
    element(out, "title", &talk.title);
    element(out, "type", &talk.format_name);
    element(out, "date", &local.to_rfc3339());
    element(out, "start", &local.format("%H:%M").to_string());
    element(out, "duration", &hours_minutes(talk.minutes));
    out.push_str("        <persons>\n");
    for speaker in &talk.speakers {
        let _ = writeln!(
            out,
            "          <person id=\"{}\">{}</person>",
            number(speaker.user_id),
            xml(&speaker.name)
        );
    }
    out.push_str("        </persons>\n");
    element(out, "abstract", &talk.abstract_text);
    element(out, "description", "");
    element(out, "slug", &slug(&schedule.slug, id, &talk.title));
    element(out, "subtitle", "");
    element(out, "track", talk.track_name.as_deref().unwrap_or(""));
    match schedule
        .talk_path(talk)
        .and_then(|path| base.join(&path).ok())
    {
        Some(url) => {
            let _ = writeln!(
                out,
                "        <links>\n          <link href=\"{}\">Talk page</link>\n        </links>",
                xml(url.as_str())
            );
        }
        None => out.push_str("        <links/>\n"),
    }
    out.push_str("      </event>\n");
}

/// A positive integer naming the UUID: the first 53 bits of its SHA-256 (never 0).
pub fn number(id: uuid::Uuid) -> u64 {
    let digest = Sha256::digest(id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) >> 11).max(1)
}

/// `HH:MM` (the schema's duration), e.g. `01:30`; a programme item is at most 600 minutes.
fn hours_minutes(minutes: i32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// frab's slug: `<acronym>-<id>-<title in lower-case ASCII words>`, unique by its id. Accents
/// come off (`Ü` is `u`); what has no ASCII letter in it is a word break.
fn slug(acronym: &str, id: u64, title: &str) -> String {
    let mut words = String::new();
    for c in title
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
    {
        if c.is_ascii_alphanumeric() {
            words.push(c.to_ascii_lowercase());
        } else if !words.ends_with('-') {
            words.push('-');
        }
        if words.len() >= 50 {
            break;
        }
    }
    let words = words.trim_matches('-');
    if words.is_empty() {
        format!("{acronym}-{id}")
    } else {
        format!("{acronym}-{id}-{words}")
    }
}

/// Text for XML 1.0 content or a quoted attribute: the five markup characters as entities, and
/// the characters XML 1.0 cannot hold at all (C0 controls but tab and line breaks) dropped.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::export::fixture::{schedule, talk};
    use super::*;

    #[test]
    fn markup_is_escaped_and_what_xml_cannot_hold_dropped() {
        assert_eq!(
            xml("<a href=\"x\">Tom & Jerry's</a>\u{1}\t"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;\t"
        );
    }

    #[test]
    fn durations_slugs_and_numbers() {
        assert_eq!(hours_minutes(25), "00:25");
        assert_eq!(hours_minutes(600), "10:00");
        assert_eq!(
            slug("rust-mc", 7, "Async <drivers> & Rust: Ünïcode!"),
            "rust-mc-7-async-drivers-rust-unicode"
        );
        assert_eq!(slug("rust-mc", 7, "€€€"), "rust-mc-7");
        let id = uuid::Uuid::from_u128(42);
        assert_eq!(number(id), number(id));
        assert!(number(id) >= 1 && number(id) < 1 << 53);
        assert_ne!(number(id), number(uuid::Uuid::from_u128(43)));
    }

    #[test]
    fn a_day_per_date_with_talks_and_times_with_their_offsets() {
        let base = Url::parse("https://cfp.example.org/").unwrap();
        let mut later = talk("Later", "2026-10-27T10:00:00+01:00", 30);
        later.proposal_id = crate::domain::ProposalId(uuid::Uuid::from_u128(99));
        let xml = render(
            &schedule(vec![
                talk("A <b> & c", "2026-10-25T02:15:00+01:00", 90),
                later,
            ]),
            &base,
        );
        for expected in [
            "<start>2026-10-25</start>",
            "<end>2026-10-27</end>",
            "<days>2</days>",
            "<day index=\"1\" date=\"2026-10-25\" start=\"2026-10-25T02:15:00+01:00\" end=\"2026-10-25T03:45:00+01:00\">",
            "<day index=\"2\" date=\"2026-10-27\" start=\"2026-10-27T10:00:00+01:00\" end=\"2026-10-27T10:30:00+01:00\">",
            "<title>A &lt;b&gt; &amp; c</title>",
            "<date>2026-10-25T02:15:00+01:00</date>",
            "<start>02:15</start>",
            "<duration>01:30</duration>",
            "<track>Rust for Linux</track>",
            "<type>Talk</type>",
            "guid=\"00000000-0000-0000-0000-000000001234\"",
        ] {
            assert!(xml.contains(expected), "{expected} in {xml}");
        }
    }

    #[test]
    fn an_empty_programme_still_has_its_one_day() {
        let base = Url::parse("https://cfp.example.org/").unwrap();
        let xml = render(&schedule(vec![]), &base);
        assert!(xml.contains("<day index=\"1\"/>"), "{xml}");
        assert!(!xml.contains("<days>"), "{xml}");
    }
}
