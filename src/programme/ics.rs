//! The programme as an iCalendar file (RFC 5545), for calendar applications to subscribe to:
//! one VEVENT per talk, its times in UTC (`…Z`), so the file needs no VTIMEZONE and every
//! client places the talk at the same instant whatever its own zone.
//!
//! Content lines end in CRLF and are folded at 75 octets (§3.1), never inside a UTF-8
//! character; TEXT values escape `\`, `;`, `,` and line breaks (§3.3.11).

use chrono::{DateTime, Utc};
use url::Url;

use super::export::{Schedule, Talk};

/// Longest content line, in octets, without its CRLF (RFC 5545 §3.1).
const LINE_OCTETS: usize = 75;

/// How often a subscribed calendar should look again (RFC 7986 §5.7), in its two spellings.
const REFRESH: &str = "PT1H";

pub fn render(schedule: &Schedule, base: &Url) -> String {
    let host = base.host_str().unwrap_or("localhost");
    let mut out = String::new();
    let mut line = |text: &str| out.push_str(&fold(text));
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line(&format!(
        "PRODID:-//mcfp//Programme of {}//EN",
        escape_text(&schedule.slug)
    ));
    line("CALSCALE:GREGORIAN");
    line(&format!("X-WR-CALNAME:{}", escape_text(&schedule.title)));
    line(&format!("REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}"));
    line(&format!("X-PUBLISHED-TTL:{REFRESH}"));
    for talk in &schedule.talks {
        let url = schedule
            .talk_path(talk)
            .and_then(|path| base.join(&path).ok());
        // the instant its content was last revised: the talk's last edit, or the programme's
        // publication if later; stable between requests, so the ETag is too
        let stamp = schedule
            .published_at
            .map_or(talk.updated_at, |published| published.max(talk.updated_at));
        line("BEGIN:VEVENT");
        // from the proposal alone, so a talk moved or retitled stays the same event
        line(&format!(
            "UID:{}",
            escape_text(&format!("{}@{host}", talk.proposal_id.0))
        ));
        line(&format!("DTSTAMP:{}", utc(stamp)));
        line(&format!("DTSTART:{}", utc(talk.starts_at)));
        line(&format!("DTEND:{}", utc(talk.ends_at)));
        line(&format!("SUMMARY:{}", escape_text(&talk.title)));
        line(&format!(
            "DESCRIPTION:{}",
            escape_text(&description(talk, url.as_ref()))
        ));
        if !talk.room.is_empty() {
            line(&format!("LOCATION:{}", escape_text(&talk.room)));
        }
        if let Some(url) = &url {
            // a URI value, not TEXT: not escaped
            line(&format!("URL:{url}"));
        }
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

/// The speakers, one a line (name and affiliation), then the talk's page.
fn description(talk: &Talk, url: Option<&Url>) -> String {
    let mut text = talk
        .speakers
        .iter()
        .map(|s| {
            if s.affiliation.is_empty() {
                s.name.clone()
            } else {
                format!("{} ({})", s.name, s.affiliation)
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    if let Some(url) = url {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(url.as_str());
    }
    text
}

/// A DATE-TIME in UTC (RFC 5545 §3.3.5, form 2).
fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value (§3.3.11): `\`, `;` and `,` escaped with a backslash, a line break (LF, CRLF or
/// CR) as `\n`; other control characters, which TEXT cannot hold, dropped. Tabs stay.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded (§3.1): at most 75 octets a physical line, continuation lines
/// starting with a space, each break on a character boundary, and CRLF after each. A break
/// never leaves white space at the end of a physical line either: some readers trim it.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 24 + 2);
    let mut rest = line;
    let mut first = true;
    loop {
        // a continuation line's leading space counts towards its 75 octets
        let room = if first { LINE_OCTETS } else { LINE_OCTETS - 1 };
        if !first {
            out.push(' ');
        }
        if rest.len() <= room {
            out.push_str(rest);
            out.push_str("\r\n");
            return out;
        }
        let mut cut = room;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let before_blanks = rest[..cut].trim_end_matches([' ', '\t']).len();
        if before_blanks > 0 {
            cut = before_blanks;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n");
        rest = &rest[cut..];
        first = false;
    }
}

#[cfg(test)]
mod tests {
    use super::super::export::fixture::{schedule, talk};
    use super::*;

    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    #[test]
    fn text_escapes_backslash_semicolon_comma_and_line_breaks() {
        assert_eq!(
            escape_text("a\\b;c,d\ne\r\nf\rg:h\"i"),
            "a\\\\b\\;c\\,d\\ne\\nf\\ng:h\"i"
        );
        assert_eq!(escape_text("tab\tbell\u{7}nul\u{0}"), "tab\tbellnul");
        assert_eq!(escape_text("Ünïcödé €"), "Ünïcödé €");
    }

    #[test]
    fn short_lines_are_not_folded() {
        assert_eq!(fold("VERSION:2.0"), "VERSION:2.0\r\n");
        let exactly = format!("SUMMARY:{}", "x".repeat(67));
        assert_eq!(exactly.len(), 75);
        assert_eq!(fold(&exactly), format!("{exactly}\r\n"));
    }

    #[test]
    fn long_lines_fold_at_75_octets_with_a_leading_space() {
        let line = format!("SUMMARY:{}", "x".repeat(200));
        let folded = fold(&line);
        let physical: Vec<&str> = folded.strip_suffix("\r\n").unwrap().split("\r\n").collect();
        assert_eq!(physical[0].len(), 75);
        assert!(physical[1..].iter().all(|l| l.starts_with(' ')));
        assert_eq!(physical[1].len(), 75);
        assert!(physical.iter().all(|l| l.len() <= 75));
        assert_eq!(unfold(&folded), format!("{line}\r\n"));
    }

    #[test]
    fn folding_never_splits_a_utf8_character() {
        // 73 octets, then "é" (2 octets) would end at 75; "€" (3 octets) would not fit
        let line = format!("SUMMARY:{}é€🦀{}", "x".repeat(65), "ü🦀€".repeat(40));
        let folded = fold(&line);
        for physical in folded.split("\r\n") {
            assert!(physical.len() <= 75, "{physical:?}");
        }
        assert!(folded.starts_with(&format!("SUMMARY:{}é\r\n €", "x".repeat(65))));
        assert_eq!(unfold(&folded), format!("{line}\r\n"));
        // a line of 4-octet characters alone
        let crabs = "🦀".repeat(60);
        let folded = fold(&crabs);
        assert!(folded.split("\r\n").all(|l| l.len() <= 75));
        assert_eq!(unfold(&folded), format!("{crabs}\r\n"));
    }

    #[test]
    fn a_break_leaves_no_white_space_at_the_end_of_a_physical_line() {
        let line = format!("SUMMARY:{} tail of the title", "x".repeat(66));
        let folded = fold(&line);
        assert!(folded.starts_with(&format!("SUMMARY:{}\r\n  tail", "x".repeat(66))));
        assert_eq!(unfold(&folded), format!("{line}\r\n"));
    }

    #[test]
    fn a_talk_becomes_a_vevent_in_utc() {
        let base = Url::parse("https://cfp.example.org/").unwrap();
        let ics = render(
            &schedule(vec![talk(
                "Rust; C, and \\",
                "2026-10-25T02:15:00+01:00",
                30,
            )]),
            &base,
        );
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        for expected in [
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n",
            "\r\nUID:00000000-0000-0000-0000-000000001234@cfp.example.org\r\n",
            "\r\nDTSTAMP:20260502T080000Z\r\n",
            "\r\nDTSTART:20261025T011500Z\r\n",
            "\r\nDTEND:20261025T014500Z\r\n",
            "\r\nSUMMARY:Rust\\; C\\, and \\\\\r\n",
            "\r\nDESCRIPTION:Ada Lovelace (Analytical Engines\\, Ltd)\\n\\nhttps://cfp.example.org/events/rust-mc/accepted#talk-00000000-0000-0000-0000-000000001234\r\n",
            "\r\nLOCATION:Hall A\r\n",
            "\r\nURL:https://cfp.example.org/events/rust-mc/accepted#talk-00000000-0000-0000-0000-000000001234\r\n",
        ] {
            assert!(unfold(&ics).contains(expected), "{expected:?} in {ics}");
        }
    }
}
