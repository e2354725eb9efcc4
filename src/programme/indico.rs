//! The programme as the CSV Indico's "Import contributions from CSV" reads: no header, seven
//! columns a row (start in the event's zone as `YYYY-MM-DD HH:MM`, minutes, title, the
//! speaker's first name, last name, affiliation and email), one row per talk with its first
//! speaker (the submitter). For chairs only: it has emails.
//!
//! Indico splits the file with Python's `str.splitlines()` before parsing it as CSV, so a
//! line break inside a quoted cell would cut a row in two: cells carry none (line breaks of
//! every kind `splitlines` knows become spaces). Cells a spreadsheet would run are defused
//! with a leading `'` like every CSV of this service: Indico then reads a title starting with
//! `'`, still a title. The email is never defused: Indico checks and stores it as it is.
//! Indico gives the start the event's zone, so a start in the hour a DST change repeats is
//! read as the later (standard time) one: the format has no room for an offset.

use super::export::Schedule;
use crate::csv::{Cell, CsvWriter};

pub fn render(schedule: &Schedule) -> String {
    let mut csv = CsvWriter::headerless();
    for talk in &schedule.talks {
        let start = schedule
            .local(talk.starts_at)
            .format("%Y-%m-%d %H:%M")
            .to_string();
        let (first, last, affiliation, email) = match talk.speakers.first() {
            Some(speaker) => {
                let (first, last) = speaker.split_name();
                (
                    first,
                    last,
                    speaker.affiliation.clone(),
                    speaker.email.clone(),
                )
            }
            None => Default::default(),
        };
        let (title, first, last, affiliation, email) = (
            one_line(&talk.title),
            one_line(&first),
            one_line(&last),
            one_line(&affiliation),
            one_line(&email),
        );
        csv.row([
            Cell::Plain(start),
            Cell::Plain(talk.minutes.to_string()),
            Cell::Text(&title),
            Cell::Text(&first),
            Cell::Text(&last),
            Cell::Text(&affiliation),
            Cell::Exact(&email),
        ]);
    }
    csv.finish()
}

/// The text with every line break Python's `str.splitlines()` splits at made a space.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}'
            | '\u{2028}' | '\u{2029}' => ' ',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::export::fixture::{schedule, talk};
    use super::*;

    #[test]
    fn one_row_per_talk_in_the_events_zone_without_a_header() {
        let mut defused = talk("=1+1\nand\u{2028}more", "2026-06-10T09:40:00+02:00", 10);
        defused.speakers[0].given_name = "Ada".into();
        defused.speakers[0].family_name = "King, Countess of Lovelace".into();
        let csv = render(&schedule(vec![
            talk("Async drivers", "2026-10-25T02:15:00+01:00", 30),
            defused,
        ]));
        assert_eq!(
            csv,
            "2026-10-25 02:15,30,Async drivers,Ada,Lovelace,\"Analytical Engines, Ltd\",ada@example.org\n\
             2026-06-10 09:40,10,'=1+1 and more,Ada,\"King, Countess of Lovelace\",\"Analytical Engines, Ltd\",ada@example.org\n"
        );
    }
}
