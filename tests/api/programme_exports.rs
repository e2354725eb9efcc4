//! The programme's exports read back by independent readers: the iCalendar file by the `ical`
//! crate, the frab schedule.xml by `xmllint` against the voc/schedule XSD, the Indico CSV by
//! the `csv` crate under the rules of Indico's importer; who may read each, and their 304s.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Committee, Proposal, api, between, decide, patch_event, publish, release, send, submit,
};

const ICS: &str = "/events/rust-mc/programme.ics";
const XML: &str = "/events/rust-mc/schedule.xml";
const CSV: &str = "/events/rust-mc/programme-indico.csv";
const PUBLISH: &str = "/api/v1/events/rust-mc/programme/publish";

/// `,`, `;`, `\` and a line break: what iCalendar's TEXT escapes (set in the database: a title
/// sent through the API cannot hold a line break).
const ESCAPED_TITLE: &str = "Rust, C; and \\ the\nkernel";
/// Long and of 2-, 3- and 4-octet characters: folded lines must not split one.
const LONG_TITLE: &str = "Übersetzte Treiber für Ärztinnen und Öffentliche Dienste — ça marche, \
    éh? 🦀 Ünïcödé überall: Größenänderungen, Maßstäbe, Straßenbahnen und Frühstück";
const MARKUP_TITLE: &str = "<Tags> & \"quotes\" in 'titles'";
const FORMULA_TITLE: &str = "=HYPERLINK(\"https://example.org\")";
/// The speaker's display name once the profile names them.
const ADA: &str = "Ada King, Countess of Lovelace";

struct Setup {
    c: Committee,
    /// 09:00–09:25 CEST on 2026-06-10 in "Hall A, ground floor", by the speaker (a profile
    /// with given and family names, one with a comma, and a non-ASCII affiliation)
    escaped: String,
    /// 09:40–10:10 CEST, after a break, by the other speaker (no profile names)
    long: String,
    /// 2026-10-25 in "Hall B", 02:00–02:45 CEST, the day the clocks go back at 03:00
    markup: String,
    /// 02:15–02:45 CET the same night, after a break
    formula: String,
}

async fn setup() -> Setup {
    let c = Committee::spawn().await;
    patch_event(
        &c.app,
        &c.admin,
        json!({"time_zone": "Europe/Berlin", "formats": [
            {"key": "talk", "name": "Talk", "minutes": 30},
            {"key": "lightning", "name": "Lightning talk", "minutes": 10}
        ]}),
    )
    .await;
    let (app, chair) = (&c.app, &c.chair.token);
    let escaped = submit(app, &c.speaker.token, Proposal::titled("Placeholder")).await;
    let long = submit(app, &c.other.token, Proposal::titled(LONG_TITLE)).await;
    let markup = submit(app, &c.other.token, Proposal::titled(MARKUP_TITLE)).await;
    let formula = submit(
        app,
        &c.other.token,
        Proposal::titled(FORMULA_TITLE).format("lightning"),
    )
    .await;
    for id in [&escaped, &long, &markup, &formula] {
        decide(app, chair, id, "accept").await;
    }
    release(app, chair).await;
    retitle(&c, &escaped, ESCAPED_TITLE).await;
    let profile = json!({"given_name": "Ada", "family_name": "King, Countess of Lovelace",
        "affiliation": "Université de Genève", "bio": "", "pronouns": ""});
    api(
        app,
        Method::PUT,
        "/api/v1/me/profile",
        &c.speaker.token,
        Some(&profile),
        200,
    )
    .await;
    let blocks = json!([
        {"title": "Morning", "room": "Hall A, ground floor",
         "starts_at": "2026-06-10T09:00:00+02:00", "ends_at": "2026-06-10T12:00:00+02:00",
         "items": [{"proposal_id": escaped, "minutes": 25}, {"break": "Coffee", "minutes": 15},
                   {"proposal_id": long}]},
        {"title": "Night owls", "room": "Hall B",
         "starts_at": "2026-10-25T02:00:00+02:00", "ends_at": "2026-10-25T03:30:00+01:00",
         "items": [{"proposal_id": markup, "minutes": 45}, {"break": "Nap", "minutes": 30},
                   {"proposal_id": formula, "minutes": 30}]}
    ]);
    let path = "/api/v1/events/rust-mc/programme";
    api(
        app,
        Method::PUT,
        path,
        chair,
        Some(&json!({ "blocks": blocks })),
        200,
    )
    .await;
    Setup {
        c,
        escaped,
        long,
        markup,
        formula,
    }
}

async fn retitle(c: &Committee, id: &str, title: &str) {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let mut conn = c.app.state.pool.get().await.expect("conn");
    let id: uuid::Uuid = id.parse().expect("uuid");
    diesel::update(mcfp::schema::proposals::table.find(id))
        .set(mcfp::schema::proposals::title.eq(title))
        .execute(&mut conn)
        .await
        .expect("retitle");
}

async fn publish_programme(s: &Setup) {
    api(&s.c.app, Method::POST, PUBLISH, &s.c.chair.token, None, 200).await;
}

/// GET as `token` (anonymous without): status, content type, body.
async fn fetch(s: &Setup, path: &str, token: Option<&str>) -> (u16, String, String) {
    let mut request = s.c.app.new_client().get(s.c.app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let content_type = header(&response, "content-type");
    (status, content_type, response.text().await.expect("body"))
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().expect("ascii").to_owned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------- iCalendar

/// A TEXT value unescaped (RFC 5545 §3.3.11): the `ical` crate hands values over raw.
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn property(event: &ical::parser::ical::component::IcalEvent, name: &str) -> Option<String> {
    event
        .properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.clone())
}

#[tokio::test]
async fn the_ics_parses_back_with_every_talk_as_placed() {
    let s = setup().await;
    publish_programme(&s).await;
    // with the accepted list public, each talk links to its entry there
    publish(&s.c.app, &s.c.chair.token).await;
    let (status, content_type, ics) = fetch(&s, ICS, None).await;
    assert_eq!(status, 200, "{ics}");
    assert_eq!(content_type, "text/calendar; charset=utf-8");

    // the raw form: CRLF after every line, none longer than 75 octets, folds where needed
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    let lines: Vec<&str> = ics
        .strip_suffix("\r\n")
        .expect("CRLF")
        .split("\r\n")
        .collect();
    for line in &lines {
        assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    assert!(
        lines.iter().any(|l| l.starts_with(' ')),
        "something is folded"
    );

    let mut calendars = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()));
    let calendar = calendars.next().expect("a calendar").expect("parses");
    assert!(calendars.next().is_none());
    let calendar_property = |name: &str| {
        calendar
            .properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
    };
    assert_eq!(calendar_property("VERSION").as_deref(), Some("2.0"));
    assert_eq!(calendar_property("CALSCALE").as_deref(), Some("GREGORIAN"));
    assert!(calendar_property("PRODID").is_some());
    assert!(calendar_property("X-WR-CALNAME").is_some());
    assert_eq!(calendar.events.len(), 4, "talks only, no breaks");

    let host = url::Url::parse(&s.c.app.url("/"))
        .expect("url")
        .host_str()
        .expect("host")
        .to_owned();
    for (id, start, end, title, room) in [
        (
            &s.escaped,
            "20260610T070000Z",
            "20260610T072500Z",
            ESCAPED_TITLE,
            "Hall A, ground floor",
        ),
        (
            &s.long,
            "20260610T074000Z",
            "20260610T081000Z",
            LONG_TITLE,
            "Hall A, ground floor",
        ),
        (
            &s.markup,
            "20261025T000000Z",
            "20261025T004500Z",
            MARKUP_TITLE,
            "Hall B",
        ),
        (
            &s.formula,
            "20261025T011500Z",
            "20261025T014500Z",
            FORMULA_TITLE,
            "Hall B",
        ),
    ] {
        let uid = format!("{id}@{host}");
        let event = calendar
            .events
            .iter()
            .find(|e| property(e, "UID").as_deref() == Some(uid.as_str()))
            .unwrap_or_else(|| panic!("{uid} in {ics}"));
        let get = |name: &str| property(event, name).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(get("DTSTART"), start);
        assert_eq!(get("DTEND"), end);
        assert_eq!(unescape(&get("SUMMARY")), title);
        assert_eq!(unescape(&get("LOCATION")), room);
        assert!(get("DTSTAMP").ends_with('Z'), "{}", get("DTSTAMP"));
        let url = s.c.app.url(&format!("/events/rust-mc/accepted#talk-{id}"));
        assert_eq!(get("URL"), url);
        let description = unescape(&get("DESCRIPTION"));
        assert!(
            description.ends_with(&format!("\n\n{url}")),
            "{description}"
        );
        if id == &s.escaped {
            assert!(
                description.starts_with(&format!("{ADA} (Université de Genève)\n")),
                "{description}"
            );
        } else {
            assert!(description.starts_with(&s.c.other.name), "{description}");
        }
    }
}

// ---------------------------------------------------------------- frab schedule.xml

/// Runs `xmllint --noout --schema` on the document; fails (never skips) without xmllint.
fn xmllint(xml: &str) -> std::process::Output {
    let xsd = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/schedule.xml.xsd"
    );
    let mut child = Command::new("xmllint")
        .args(["--noout", "--schema", xsd, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("xmllint cannot be run ({e}): install Debian's libxml2-utils (.ci/run does)")
        });
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(xml.as_bytes())
        .expect("to xmllint");
    child.wait_with_output().expect("xmllint")
}

/// The `<event>` element of the proposal.
fn event_of<'a>(xml: &'a str, id: &str) -> &'a str {
    let start = xml
        .find(&format!("guid=\"{id}\""))
        .unwrap_or_else(|| panic!("{id} in {xml}"));
    between(&xml[start..], ">", "</event>")
}

#[tokio::test]
async fn the_schedule_xml_is_valid_against_the_frab_schema() {
    let s = setup().await;
    publish_programme(&s).await;
    let (status, content_type, xml) = fetch(&s, XML, None).await;
    assert_eq!(status, 200, "{xml}");
    assert_eq!(content_type, "application/xml; charset=utf-8");
    let output = xmllint(&xml);
    assert!(
        output.status.success(),
        "xmllint: {}\n{xml}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("validates"));

    assert_eq!(xml.matches("<event ").count(), 4, "talks only: {xml}");
    assert!(!xml.contains("Coffee") && !xml.contains("Nap"), "{xml}");
    assert!(xml.contains("<start>2026-06-10</start>"), "{xml}");
    assert!(xml.contains("<end>2026-10-25</end>"), "{xml}");
    assert!(xml.contains("<days>2</days>"), "{xml}");
    assert!(
        xml.contains("<day index=\"2\" date=\"2026-10-25\" start=\"2026-10-25T02:00:00+02:00\" end=\"2026-10-25T02:45:00+01:00\">"),
        "{xml}"
    );
    assert!(
        xml.contains("<room name=\"Hall A, ground floor\">"),
        "{xml}"
    );
    // across the DST change: each start in its own offset, durations as placed
    let markup = event_of(&xml, &s.markup);
    for expected in [
        "<date>2026-10-25T02:00:00+02:00</date>",
        "<start>02:00</start>",
        "<duration>00:45</duration>",
        "<title>&lt;Tags&gt; &amp; &quot;quotes&quot; in &apos;titles&apos;</title>",
        "<room>Hall B</room>",
        "<type>Talk</type>",
    ] {
        assert!(markup.contains(expected), "{expected} in {markup}");
    }
    let formula = event_of(&xml, &s.formula);
    for expected in [
        "<date>2026-10-25T02:15:00+01:00</date>",
        "<start>02:15</start>",
        "<duration>00:30</duration>",
        "<type>Lightning talk</type>",
    ] {
        assert!(formula.contains(expected), "{expected} in {formula}");
    }
    let escaped = event_of(&xml, &s.escaped);
    assert!(escaped.contains(&format!("\">{ADA}</person>")), "{escaped}");
    assert!(!xml.contains(&s.c.speaker.email), "no emails");
}

// ---------------------------------------------------------------- Indico CSV

/// One row as Indico's `import_contributions_from_csv` reads it, or why it would refuse it.
struct IndicoRow {
    start: chrono::NaiveDateTime,
    minutes: i64,
    title: String,
    first: String,
    last: String,
    affiliation: String,
    email: String,
}

fn indico_rows(text: &str) -> Vec<IndicoRow> {
    // Indico splits the file into lines first, then parses them as CSV, each value stripped
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        !text.contains(['\u{b}', '\u{c}', '\u{85}', '\u{2028}', '\u{2029}']),
        "a line break Indico would split at: {text:?}"
    );
    let joined = lines.join("\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(joined.as_bytes());
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.expect("RFC 4180");
        assert_eq!(record.len(), 7, "row {n}: {record:?}");
        let cell = |i: usize| record[i].trim().to_owned();
        let start = chrono::NaiveDateTime::parse_from_str(&cell(0), "%Y-%m-%d %H:%M")
            .unwrap_or_else(|e| panic!("row {n}: date {:?}: {e}", cell(0)));
        let minutes: i64 = cell(1).parse().expect("a whole number of minutes");
        assert!(!cell(2).is_empty(), "row {n}: a title is required");
        let email = cell(6).to_lowercase();
        assert!(
            email.is_empty() || validator::ValidateEmail::validate_email(&email),
            "row {n}: {email:?}"
        );
        rows.push(IndicoRow {
            start,
            minutes,
            title: cell(2),
            first: cell(3),
            last: cell(4),
            affiliation: cell(5),
            email,
        });
    }
    assert_eq!(rows.len(), lines.len(), "one line per row");
    rows
}

#[tokio::test]
async fn the_indico_csv_reads_back_under_indicos_rules() {
    let s = setup().await;
    // chairs have it whether or not the programme is published
    let response =
        s.c.app
            .new_client()
            .get(s.c.app.url(CSV))
            .bearer_auth(&s.c.chair.token)
            .send()
            .await
            .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"rust-mc-programme-indico.csv\""
    );
    let text = response.text().await.expect("body");
    let rows = indico_rows(&text);
    assert_eq!(rows.len(), 4, "talks only, no header: {text}");
    let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("at");

    let ada = &rows[0];
    assert_eq!(ada.start, at("2026-06-10 09:00"));
    assert_eq!(ada.minutes, 25);
    assert_eq!(ada.title, "Rust, C; and \\ the kernel", "one line");
    assert_eq!(
        (ada.first.as_str(), ada.last.as_str()),
        ("Ada", "King, Countess of Lovelace")
    );
    assert_eq!(ada.affiliation, "Université de Genève");
    assert_eq!(ada.email, s.c.speaker.email);

    let other = &rows[1];
    assert_eq!(other.start, at("2026-06-10 09:40"));
    assert_eq!(other.minutes, 30);
    assert_eq!(other.title, LONG_TITLE);
    // no names in the profile: the display name split at its last space
    let (first, last) = s.c.other.name.rsplit_once(' ').expect("two words");
    assert_eq!((other.first.as_str(), other.last.as_str()), (first, last));
    assert_eq!(other.affiliation, "");
    assert_eq!(other.email, s.c.other.email);

    assert_eq!(rows[2].start, at("2026-10-25 02:00"));
    assert_eq!(rows[2].title, MARKUP_TITLE);
    // the second 02:15 of the night, local time as Indico takes it
    assert_eq!(rows[3].start, at("2026-10-25 02:15"));
    assert_eq!(rows[3].minutes, 30);
    // defused for spreadsheets, still a title
    assert_eq!(rows[3].title, format!("'{FORMULA_TITLE}"));
}

// ---------------------------------------------------------------- who reads what

#[tokio::test]
async fn the_indico_csv_is_for_the_events_chairs_only() {
    let s = setup().await;
    publish_programme(&s).await;
    let (status, _, _) = fetch(&s, CSV, None).await;
    assert_eq!(status, 401);
    for token in [&s.c.rita.token, &s.c.speaker.token] {
        let (status, _, body) = fetch(&s, CSV, Some(token)).await;
        assert_eq!(status, 403, "{body}");
        assert!(!body.contains(&s.c.speaker.email));
    }
    let (status, _, _) = fetch(&s, CSV, Some(&s.c.admin)).await;
    assert_eq!(status, 200, "site admins chair every event");
    let (status, _, body) = fetch(&s, CSV, Some(&s.c.chair.token)).await;
    assert_eq!(status, 200);
    assert!(body.contains(&s.c.speaker.email), "{body}");
    let (status, _, _) = fetch(
        &s,
        "/events/no-such-event/programme-indico.csv",
        Some(&s.c.chair.token),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn unpublished_exports_are_404_to_the_public_and_200_to_chairs() {
    let s = setup().await;
    for path in [ICS, XML] {
        for token in [
            None,
            Some(s.c.speaker.token.as_str()),
            Some(&s.c.rita.token),
        ] {
            let (status, content_type, _) = fetch(&s, path, token).await;
            assert_eq!(status, 404, "{path} as {token:?}");
            assert!(content_type.starts_with("application/problem+json"));
        }
        let (status, _, body) = fetch(&s, path, Some(&s.c.chair.token)).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(body.contains("Hall B"), "{body}");
    }
    publish_programme(&s).await;
    for path in [ICS, XML] {
        let (status, _, _) = fetch(&s, path, None).await;
        assert_eq!(status, 200, "{path} once published");
    }
    // another method is a 405 naming the one it takes
    let (status, _) = send(&s.c.app, Method::POST, ICS, None, Some(&Value::Null)).await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn a_second_get_naming_the_etag_is_a_304() {
    let s = setup().await;
    publish_programme(&s).await;
    for (path, token) in [
        (ICS, None),
        (XML, None),
        (CSV, Some(s.c.chair.token.as_str())),
    ] {
        let get = |etag: Option<String>| {
            let mut request = s.c.app.new_client().get(s.c.app.url(path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if let Some(etag) = etag {
                request = request.header("If-None-Match", etag);
            }
            request.send()
        };
        let first = get(None).await.expect("request");
        assert_eq!(first.status(), 200);
        let etag = header(&first, "etag");
        assert!(etag.starts_with('"'), "{path}: {etag:?}");
        let cache_control = header(&first, "cache-control");
        let expected = if token.is_some() { "private" } else { "public" };
        assert!(
            cache_control.starts_with(expected),
            "{path}: {cache_control}"
        );
        let second = get(Some(etag.clone())).await.expect("request");
        assert_eq!(second.status(), 304, "{path}");
        assert_eq!(header(&second, "etag"), etag);
        assert!(second.text().await.expect("body").is_empty());
        let weak = get(Some(format!("W/{etag}"))).await.expect("request");
        assert_eq!(weak.status(), 304, "{path}: a weak comparison");
    }
    // a change to the programme is a new version
    let (_, _, before) = fetch(&s, ICS, None).await;
    retitle(&s.c, &s.long, "A new title").await;
    let (_, _, after) = fetch(&s, ICS, None).await;
    assert_ne!(before, after);
}
