//! One event out of mcfp and back in: the versioned export document (`mcfp export`,
//! `GET /api/v1/events/{slug}/export`) and its import (`mcfp import`), all or nothing.
//!
//! The document is `{"format": "mcfp-event-export", "version": 4, "exported_at", "event",
//! "people", and one array per table}` (the tables and their columns: `db::export::TABLES`;
//! its shape for the API description: [`EventExport`]). Arrays are in a fixed order, so
//! exporting an imported event gives the same document again (apart from `exported_at`). People
//! are only an id, an email, a name and their speaker profile (photo in base64): never a password hash, a session, a token, or any other
//! secret; invitation tokens are not exported either. The event's emails are history
//! (`outbox_history`, new in version 2): metadata only, imported where no worker sends them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, SecondsFormat, Utc};
use diesel_async::AsyncPgConnection;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::export::{self as db, TABLES, Table};
use crate::domain::{EmailAddress, EventSlug};

/// The document's `format`.
pub const FORMAT: &str = "mcfp-event-export";
/// The document's `version`: what this mcfp writes.
pub const VERSION: u64 = 4;
/// The oldest `version` this mcfp reads.
pub const OLDEST_VERSION: u64 = 1;
/// Sections that came with version 2: a version-1 document has none, imported as empty.
const NEW_IN_2: &[&str] = &["outbox_history"];
/// Sections that came with version 3: an older document has none, imported as empty.
const NEW_IN_3: &[&str] = &["speaker_mailings"];
/// Sections that came with version 4: an older document has none, imported as empty.
const NEW_IN_4: &[&str] = &[
    "programme_blocks",
    "programme_items",
    "programme_publications",
    "event_confirmations",
    "confirmation_reminders",
    "vacancies",
];
/// The value a column an older document lacks stands for.
type DefaultValue = fn() -> Value;

/// Columns that came with version 3 (`table`, `column`, the value an older document stands
/// for): an older document lacks them, and is read as if it held these.
const COLUMNS_NEW_IN_3: &[(&str, &str, DefaultValue)] = &[
    ("events", "auto_assign", || Value::Bool(true)),
    ("events", "reviewers_per_proposal", || Value::from(3)),
    ("events", "review_criteria", || Value::Array(Vec::new())),
    ("events", "questions", || Value::Array(Vec::new())),
    ("events", "retired_questions", || Value::Array(Vec::new())),
    ("events", "contact_email", || Value::Null),
    ("proposals", "answers", || Value::Object(Map::new())),
    ("co_speakers", "invitations_sent", || Value::from(1)),
];

// The document's shape, for the API description only: the document is written table by table
// from `db::export::TABLES`; the backup tests check that this names the same sections, and the
// same fields of an email.
/// One event's backup (README, Backups): one array per table, each row an object of the
/// table's exported columns, in a fixed order; `mcfp import` restores it.
#[derive(ToSchema)]
pub struct EventExport {
    /// `mcfp-event-export`
    pub format: String,
    /// 4 (`mcfp import` reads 1 to 4; a version-1 document has no `outbox_history`, an older
    /// than 3 no `speaker_mailings` nor the columns that came with 3, read as their defaults,
    /// an older than 4 no programme nor waitlist promotion)
    pub version: u64,
    pub exported_at: DateTime<Utc>,
    /// The event's settings: every column of `events` but `public_version`.
    #[schema(value_type = Object)]
    pub event: Value,
    /// Everyone the rows name: an id, an email, a name and the speaker profile (with the photo),
    /// never anything else of an account.
    pub people: Vec<ExportedPerson>,
    pub tracks: Vec<Value>,
    pub subtopics: Vec<Value>,
    pub event_members: Vec<Value>,
    /// Without their tokens.
    pub member_invitations: Vec<Value>,
    pub proposals: Vec<Value>,
    /// Without their invitation tokens.
    pub co_speakers: Vec<Value>,
    pub proposal_revisions: Vec<Value>,
    pub tag_corrections: Vec<Value>,
    pub review_assignments: Vec<Value>,
    pub review_conflicts: Vec<Value>,
    pub reviews: Vec<Value>,
    pub review_history: Vec<Value>,
    pub decision_audit: Vec<Value>,
    pub email_templates: Vec<Value>,
    /// The chairs' messages to their speakers (what was written, to which selection, by whom);
    /// the emails themselves are in `outbox_history`.
    pub speaker_mailings: Vec<Value>,
    /// The programme's blocks (title, room, start, end) in order.
    pub programme_blocks: Vec<Value>,
    /// The blocks' talks and breaks, by block and position.
    pub programme_items: Vec<Value>,
    /// One row while the programme is published.
    pub programme_publications: Vec<Value>,
    /// The event's waitlist promotion mode and reminder days (no row: off, no reminder).
    pub event_confirmations: Vec<Value>,
    /// The automatic confirmation reminders sent, one per proposal.
    pub confirmation_reminders: Vec<Value>,
    /// Places freed by declined, withdrawn or lapsed talks, and what became of them.
    pub vacancies: Vec<Value>,
    /// The event's emails, oldest first: what was sent, is queued or failed, and the emails of
    /// an earlier import's history. An import keeps them as history and never sends one.
    pub outbox_history: Vec<ExportedEmail>,
}

/// A person an export names, with their speaker profile.
#[derive(ToSchema)]
pub struct ExportedPerson {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub given_name: String,
    pub family_name: String,
    pub affiliation: String,
    pub bio: String,
    pub pronouns: String,
    /// The photo, when there is one.
    pub photo: Option<ExportedPhoto>,
}

/// A speaker's photo in an export.
#[derive(ToSchema)]
pub struct ExportedPhoto {
    /// `image/jpeg` or `image/png`.
    pub content_type: String,
    /// The stored bytes, base64.
    pub data: String,
}

/// One email of the event, as history: its metadata, never its body or a secret.
#[derive(ToSchema)]
pub struct ExportedEmail {
    /// The outbox row's id.
    pub id: Uuid,
    pub event_id: Uuid,
    /// The proposal the email is about (a receipt, a decision, a reminder…), if any.
    #[schema(required = true)]
    pub proposal_id: Option<Uuid>,
    /// The Message-ID it went out with (or will, while queued): `<id@host>`, the host of the
    /// exporting server's base URL; an import keeps it as written.
    pub message_id: String,
    /// What the email is: `proposal_receipt`, `acceptance`, `rejection`, `waitlist`,
    /// `member_invitation`, `review_reminder`…
    pub kind: String,
    /// `Name <address>` or an address.
    pub recipient: String,
    pub subject: String,
    /// At the first export: `queued` (not sent yet), `sent` or `failed`. An imported email
    /// keeps its state and is never sent, a queued one included.
    pub state: String,
    /// Delivery attempts made.
    pub attempts: i32,
    /// The last failed attempt's error.
    #[schema(required = true)]
    pub last_error: Option<String>,
    /// When the last failed attempt happened.
    #[schema(required = true)]
    pub last_error_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    #[schema(required = true)]
    pub sent_at: Option<DateTime<Utc>>,
}

/// The event's document, read in one consistent snapshot; the Message-IDs of emails still in the
/// outbox name `message_id_host`, as the worker's do (`mail::message_id_host`).
pub async fn export_event(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    exported_at: DateTime<Utc>,
    message_id_host: &str,
) -> anyhow::Result<Value> {
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run::<_, anyhow::Error, _>(async move |conn| {
            db::utc(conn).await?;
            let mut document = Map::new();
            document.insert("format".into(), FORMAT.into());
            document.insert("version".into(), VERSION.into());
            document.insert(
                "exported_at".into(),
                exported_at
                    .to_rfc3339_opts(SecondsFormat::Micros, true)
                    .into(),
            );
            let mut people = BTreeSet::new();
            let mut sections = Vec::new();
            for table in TABLES {
                let rows = db::rows_of(conn, table, event_id, message_id_host).await?;
                for row in &rows {
                    for column in table.people {
                        if let Some(id) = row[*column].as_str().and_then(|s| s.parse().ok()) {
                            people.insert(id);
                        }
                    }
                }
                sections.push((table.name, rows));
            }
            let ids: Vec<Uuid> = people.into_iter().collect();
            let people: Vec<Value> = exported_people(conn, &ids).await?;
            for (name, mut rows) in sections {
                if name == "events" {
                    let event = rows.pop().ok_or_else(|| anyhow::anyhow!("no such event"))?;
                    document.insert("event".into(), event);
                    document.insert("people".into(), Value::Array(people.clone()));
                } else {
                    document.insert(name.into(), Value::Array(rows));
                }
            }
            Ok(Value::Object(document))
        })
        .await
}

/// What an import did.
#[derive(Debug, serde::Serialize)]
pub struct ImportReport {
    pub event_id: Uuid,
    pub slug: String,
    /// Whether the rows kept the ids of the document (false: every id of the event's own rows
    /// was replaced, consistently, because some were taken).
    pub ids_kept: bool,
    pub people_reused: usize,
    pub people_created: usize,
    /// Rows inserted per table.
    pub rows: BTreeMap<&'static str, usize>,
}

/// A document that cannot be imported: what is wrong, and where.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ImportError(String);

fn bad(message: impl Into<String>) -> anyhow::Error {
    ImportError(message.into()).into()
}

/// Recreates the event of `text` (a document of `export_event`) in one transaction, under
/// `new_slug` if given. Accounts are matched by normalized email; missing ones are created
/// with no usable password. Refuses when the slug is taken.
pub async fn import_event(
    conn: &mut AsyncPgConnection,
    text: &str,
    new_slug: Option<&str>,
) -> anyhow::Result<ImportReport> {
    let document: Value = serde_json::from_str(text)
        .map_err(|e| bad(format!("the file is not a complete JSON document: {e}")))?;
    let mut parsed = Parsed::check(document)?;
    if let Some(slug) = new_slug {
        parsed.event["slug"] = Value::String(slug.to_owned());
    }
    let slug = parsed.event["slug"].as_str().unwrap_or_default().to_owned();
    let slug = EventSlug::parse(&slug)
        .map_err(|e| bad(format!("event.slug `{slug}`: {e}")))?
        .as_str()
        .to_owned();
    parsed.event["slug"] = Value::String(slug.clone());

    conn.build_transaction()
        .read_write()
        .run::<_, anyhow::Error, _>(async move |conn| {
            if db::event_with_slug(conn, &slug).await?.is_some() {
                return Err(bad(format!(
                    "an event with the slug `{slug}` exists already: delete it first, or import \
                     a copy under another slug with --slug NEW_SLUG"
                )));
            }
            let (people, reused, created) = parsed.match_people(conn).await?;
            let own: Vec<Uuid> = parsed.own_ids.iter().copied().collect();
            let ids_kept = !db::any_id_taken(conn, &own).await?;
            let renamed: HashMap<Uuid, Uuid> = own
                .iter()
                .map(|&id| (id, if ids_kept { id } else { Uuid::now_v7() }))
                .collect();
            let mut rows = BTreeMap::new();
            for table in TABLES {
                let mut section = if table.name == "events" {
                    vec![parsed.event.clone()]
                } else {
                    parsed.tables.remove(table.name).unwrap_or_default()
                };
                for row in &mut section {
                    remap(row, table.own_ids, &renamed);
                    remap(row, table.people, &people);
                }
                let count = db::insert_rows(conn, table, &Value::Array(section))
                    .await
                    .map_err(|e| {
                        bad(format!(
                            "{}: the database refused the rows: {e}",
                            table.name
                        ))
                    })?;
                rows.insert(table.name, count);
            }
            let event_id = *renamed
                .get(&parsed.event_id)
                .ok_or_else(|| bad("event.id: missing"))?;
            db::renew_public_version(conn, event_id).await?;
            Ok(ImportReport {
                event_id,
                slug,
                ids_kept,
                people_reused: reused,
                people_created: created,
                rows,
            })
        })
        .await
}

/// Replaces the ids in these columns by their mapped ones.
fn remap(row: &mut Value, columns: &[&str], map: &HashMap<Uuid, Uuid>) {
    for column in columns {
        let key = Table::key(column);
        let mapped = row[key]
            .as_str()
            .and_then(|s| s.parse::<Uuid>().ok())
            .and_then(|id| map.get(&id));
        if let Some(id) = mapped {
            row[key] = Value::String(id.to_string());
        }
    }
}

/// A person of the document.
struct Person {
    id: Uuid,
    email: EmailAddress,
    name: String,
    /// The speaker profile, when the document has one.
    profile: Option<crate::domain::Profile>,
    photo: Option<ImportedPhoto>,
}

/// The document's profile and photo of a person, onto the account they map to, where the
/// account has none of its own (an existing account's profile is kept).
async fn restore_profile(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    person: &Person,
) -> anyhow::Result<()> {
    use crate::db::profiles;
    let user_id = crate::domain::UserId(id);
    let Some(stored) = profiles::profile_of(conn, user_id).await? else {
        return Ok(());
    };
    if let Some(profile) = &person.profile
        && stored.profile == crate::domain::Profile::default()
    {
        profiles::set_profile(conn, user_id, profile, &stored.name).await?;
    }
    if let (Some(photo), None) = (&person.photo, &stored.photo) {
        profiles::put_photo(
            conn,
            &profiles::Photo {
                user_id,
                content_type: photo.content_type.clone(),
                digest: crate::accounts::photo::digest_of(&photo.bytes),
                bytes: photo.bytes.clone(),
                width: i32::try_from(photo.width).unwrap_or(i32::MAX),
                height: i32::try_from(photo.height).unwrap_or(i32::MAX),
                updated_at: Utc::now(),
            },
        )
        .await?;
    }
    Ok(())
}

/// A photo of the document, checked (`accounts::photo::check_stored`).
struct ImportedPhoto {
    content_type: String,
    bytes: Vec<u8>,
    width: u32,
    height: u32,
}

const PROFILE_FIELDS: [&str; 5] = [
    "given_name",
    "family_name",
    "affiliation",
    "bio",
    "pronouns",
];

/// The people with their speaker profiles (and photos, base64), ordered by normalized email.
async fn exported_people(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> anyhow::Result<Vec<Value>> {
    use base64::Engine;
    let user_ids: Vec<crate::domain::UserId> =
        ids.iter().map(|&id| crate::domain::UserId(id)).collect();
    let profiles = crate::db::profiles::profiles_of(conn, &user_ids).await?;
    let mut out = Vec::new();
    for p in db::people(conn, ids).await? {
        let mut person = serde_json::json!({"id": p.id, "email": p.email, "name": p.name});
        if let Some(stored) = profiles.iter().find(|s| s.user_id.0 == p.id) {
            let profile = &stored.profile;
            for (key, value) in PROFILE_FIELDS.iter().zip([
                &profile.given_name,
                &profile.family_name,
                &profile.affiliation,
                &profile.bio,
                &profile.pronouns,
            ]) {
                person[*key] = Value::String(value.clone());
            }
            if stored.photo.is_some()
                && let Some(photo) =
                    crate::db::profiles::photo(conn, crate::domain::UserId(p.id)).await?
            {
                person["photo"] = serde_json::json!({
                    "content_type": photo.content_type,
                    "data": base64::engine::general_purpose::STANDARD.encode(&photo.bytes),
                });
            }
        }
        out.push(person);
    }
    Ok(out)
}

/// The profile and photo of a person of the document (both optional).
fn person_profile(
    person: &Value,
    place: &str,
) -> anyhow::Result<(Option<crate::domain::Profile>, Option<ImportedPhoto>)> {
    use base64::Engine;
    let profile = if PROFILE_FIELDS.iter().any(|k| person.get(*k).is_some()) {
        let field = |key: &str| -> anyhow::Result<String> {
            match person.get(key) {
                None => Ok(String::new()),
                Some(Value::String(text)) => Ok(text.clone()),
                Some(_) => Err(bad(format!("{place}.{key}: not a string"))),
            }
        };
        let profile = crate::domain::Profile::parse(
            &field("given_name")?,
            &field("family_name")?,
            &field("affiliation")?,
            &field("bio")?,
            &field("pronouns")?,
        )
        .map_err(|errors| {
            let (key, error) = &errors[0];
            bad(format!("{place}.{key}: {error}"))
        })?;
        Some(profile)
    } else {
        None
    };
    let photo = match person.get("photo") {
        None | Some(Value::Null) => None,
        Some(photo) => {
            let content_type = photo["content_type"]
                .as_str()
                .ok_or_else(|| bad(format!("{place}.photo.content_type: missing")))?
                .to_owned();
            let bytes = photo["data"]
                .as_str()
                .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
                .ok_or_else(|| bad(format!("{place}.photo.data: not base64")))?;
            let (width, height) = crate::accounts::photo::check_stored(&bytes, &content_type)
                .map_err(|e| bad(format!("{place}.photo: {e}")))?;
            Some(ImportedPhoto {
                content_type,
                bytes,
                width,
                height,
            })
        }
    };
    Ok((profile, photo))
}

/// A document that passed every check that needs no database.
struct Parsed {
    event: Value,
    event_id: Uuid,
    people: Vec<Person>,
    tables: HashMap<&'static str, Vec<Value>>,
    /// The ids of the event's own rows.
    own_ids: BTreeSet<Uuid>,
}

/// The table whose rows a reference column points at.
fn referenced_table(column: &str) -> Option<&'static str> {
    match column {
        "event_id" => Some("events"),
        "track_id" => Some("tracks"),
        "proposal_id" => Some("proposals"),
        "review_id" => Some("reviews"),
        "block_id" => Some("programme_blocks"),
        "freed_proposal_id" | "promoted_proposal_id" => Some("proposals"),
        _ => None,
    }
}

fn uuid_at(row: &Value, key: &str, place: &str) -> anyhow::Result<Option<Uuid>> {
    match &row[key] {
        Value::Null => Ok(None),
        Value::String(s) => s
            .parse()
            .map(Some)
            .map_err(|_| bad(format!("{place}.{key}: `{s}` is not a UUID"))),
        other => Err(bad(format!("{place}.{key}: {other} is not a UUID"))),
    }
}

impl Parsed {
    fn check(document: Value) -> anyhow::Result<Parsed> {
        let Value::Object(mut document) = document else {
            return Err(bad("the file is not a JSON object"));
        };
        match document.get("format").and_then(Value::as_str) {
            Some(FORMAT) => {}
            other => {
                return Err(bad(format!(
                    "format: expected \"{FORMAT}\", found {}",
                    other.map_or("nothing".to_owned(), |f| format!("\"{f}\""))
                )));
            }
        }
        let version = match document.get("version").and_then(Value::as_u64) {
            Some(v) if (OLDEST_VERSION..=VERSION).contains(&v) => v,
            other => {
                return Err(bad(format!(
                    "version: this mcfp reads versions {OLDEST_VERSION} to {VERSION}, the file \
                     has {}",
                    other.map_or("none".to_owned(), |v| v.to_string())
                )));
            }
        };
        let in_version = |name: &str| {
            (version >= 2 || !NEW_IN_2.contains(&name))
                && (version >= 3 || !NEW_IN_3.contains(&name))
                && (version >= 4 || !NEW_IN_4.contains(&name))
        };
        let mut known: BTreeSet<&str> = ["format", "version", "exported_at", "event", "people"]
            .into_iter()
            .collect();
        known.extend(
            TABLES
                .iter()
                .map(|t| t.name)
                .filter(|n| *n != "events" && in_version(n)),
        );
        if let Some(unknown) = document.keys().find(|k| !known.contains(k.as_str())) {
            return Err(bad(format!(
                "unknown section `{unknown}` (in a version {version} document)"
            )));
        }

        let event = document
            .remove("event")
            .ok_or_else(|| bad("missing section `event`"))?;
        let mut tables = HashMap::new();
        for table in TABLES.iter().filter(|t| t.name != "events") {
            let rows = match document.remove(table.name) {
                Some(Value::Array(rows)) => rows,
                Some(_) => return Err(bad(format!("`{}` is not an array", table.name))),
                None if !in_version(table.name) => Vec::new(),
                None => return Err(bad(format!("missing section `{}`", table.name))),
            };
            tables.insert(table.name, rows);
        }
        tables.insert("events", vec![event]);
        if version < 3 {
            for (table, column, default) in COLUMNS_NEW_IN_3 {
                for row in tables.get_mut(table).into_iter().flatten() {
                    if let Some(row) = row.as_object_mut() {
                        row.entry(*column).or_insert_with(default);
                    }
                }
            }
        }
        for table in TABLES {
            for (index, row) in tables[table.name].iter().enumerate() {
                check_columns(table, row, &place(table, index))?;
            }
        }

        // the event's own rows: unique ids, and every reference to one of them resolves
        let mut own_ids = BTreeSet::new();
        let mut ids_of: HashMap<&str, BTreeSet<Uuid>> = HashMap::new();
        for table in TABLES.iter().filter(|t| t.columns.contains(&"id")) {
            for (index, row) in tables[table.name].iter().enumerate() {
                let place = place(table, index);
                let id = uuid_at(row, "id", &place)?
                    .ok_or_else(|| bad(format!("{place}.id: missing")))?;
                if !own_ids.insert(id) {
                    return Err(bad(format!("{place}.id: {id} appears twice in the file")));
                }
                ids_of.entry(table.name).or_default().insert(id);
            }
        }
        let event_id = ids_of
            .get("events")
            .and_then(|ids| ids.first().copied())
            .ok_or_else(|| bad("event.id: missing"))?;
        for table in TABLES {
            for (index, row) in tables[table.name].iter().enumerate() {
                let place = place(table, index);
                for column in table.own_ids.iter().filter(|c| **c != "id") {
                    let target = referenced_table(column).unwrap_or("events");
                    let id = uuid_at(row, column, &place)?;
                    if id.is_none() && table.optional_ids.contains(column) {
                        continue;
                    }
                    if !id.is_some_and(|id| ids_of.get(target).is_some_and(|s| s.contains(&id))) {
                        return Err(bad(format!(
                            "{place}.{column}: names no row of `{}` in the file",
                            if target == "events" { "event" } else { target }
                        )));
                    }
                }
            }
        }

        // people: unique ids and emails, and every reference to a person resolves
        let people = match document.remove("people") {
            Some(Value::Array(people)) => people,
            Some(_) => return Err(bad("`people` is not an array")),
            None => return Err(bad("missing section `people`")),
        };
        let mut checked: Vec<Person> = Vec::new();
        let mut emails = BTreeSet::new();
        for (index, person) in people.iter().enumerate() {
            let place = format!("people[{index}]");
            let object = person
                .as_object()
                .ok_or_else(|| bad(format!("{place}: not an object")))?;
            if let Some(key) = object.keys().find(|k| {
                !["id", "email", "name", "photo"].contains(&k.as_str())
                    && !PROFILE_FIELDS.contains(&k.as_str())
            }) {
                return Err(bad(format!("{place}: unknown field `{key}`")));
            }
            let id = uuid_at(person, "id", &place)?
                .ok_or_else(|| bad(format!("{place}.id: missing")))?;
            let email = person["email"]
                .as_str()
                .ok_or_else(|| bad(format!("{place}.email: missing")))?;
            let email = EmailAddress::parse(email)
                .map_err(|e| bad(format!("{place}.email `{email}`: {e}")))?;
            let name = person["name"]
                .as_str()
                .ok_or_else(|| bad(format!("{place}.name: missing")))?
                .to_owned();
            if checked.iter().any(|p| p.id == id) {
                return Err(bad(format!("{place}.id: {id} appears twice in `people`")));
            }
            if !emails.insert(email.normalized().to_owned()) {
                return Err(bad(format!(
                    "{place}.email: {} appears twice in `people`",
                    email.as_str()
                )));
            }
            let (profile, photo) = person_profile(person, &place)?;
            checked.push(Person {
                id,
                email,
                name,
                profile,
                photo,
            });
        }
        for table in TABLES {
            for (index, row) in tables[table.name].iter().enumerate() {
                let place = place(table, index);
                for column in table.people {
                    if let Some(id) = uuid_at(row, column, &place)?
                        && !checked.iter().any(|p| p.id == id)
                    {
                        return Err(bad(format!("{place}.{column}: {id} is not in `people`")));
                    }
                }
            }
        }

        let event = tables
            .remove("events")
            .and_then(|mut e| e.pop())
            .ok_or_else(|| bad("missing section `event`"))?;
        Ok(Parsed {
            event,
            event_id,
            people: checked,
            tables,
            own_ids,
        })
    }

    /// The document's people mapped onto accounts: the account with the same normalized email,
    /// or a new one without a usable password (the document's id when it is free). Returns the
    /// mapping and how many were reused and created.
    async fn match_people(
        &self,
        conn: &mut AsyncPgConnection,
    ) -> anyhow::Result<(HashMap<Uuid, Uuid>, usize, usize)> {
        let emails: Vec<String> = self
            .people
            .iter()
            .map(|p| p.email.normalized().to_owned())
            .collect();
        let existing: HashMap<String, Uuid> = db::people_by_email(conn, &emails)
            .await?
            .into_iter()
            .map(|p| (p.email_normalized, p.id))
            .collect();
        let ids: Vec<Uuid> = self.people.iter().map(|p| p.id).collect();
        let taken: BTreeSet<Uuid> = db::taken_user_ids(conn, &ids).await?.into_iter().collect();
        let mut map = HashMap::new();
        let (mut reused, mut created) = (0, 0);
        for person in &self.people {
            let id = match existing.get(person.email.normalized()) {
                Some(&id) => {
                    reused += 1;
                    id
                }
                None => {
                    let id = if taken.contains(&person.id) {
                        Uuid::now_v7()
                    } else {
                        person.id
                    };
                    db::insert_person_without_password(
                        conn,
                        id,
                        person.email.as_str(),
                        person.email.normalized(),
                        &person.name,
                    )
                    .await
                    .map_err(|e| bad(format!("people: creating {}: {e}", person.email.as_str())))?;
                    created += 1;
                    id
                }
            };
            restore_profile(conn, id, person).await?;
            map.insert(person.id, id);
        }
        Ok((map, reused, created))
    }
}

/// Where a row is, for messages: `event` or `proposals[3]`.
fn place(table: &Table, index: usize) -> String {
    if table.name == "events" {
        "event".to_owned()
    } else {
        format!("{}[{index}]", table.name)
    }
}

/// A row is an object with exactly the table's exported columns.
fn check_columns(table: &Table, row: &Value, place: &str) -> anyhow::Result<()> {
    let object = row
        .as_object()
        .ok_or_else(|| bad(format!("{place}: not an object")))?;
    for column in table.columns {
        let key = Table::key(column);
        if !object.contains_key(key) {
            return Err(bad(format!("{place}: missing field `{key}`")));
        }
    }
    if let Some(key) = object
        .keys()
        .find(|k| !table.columns.iter().any(|c| Table::key(c) == k.as_str()))
    {
        return Err(bad(format!("{place}: unknown field `{key}`")));
    }
    Ok(())
}
