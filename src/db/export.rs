//! An event's rows as JSON, table by table, and back: the queries of `mcfp export` / `import`
//! (the document itself is `events::export`). Each exported table is described once in
//! [`TABLES`]: the columns that go into the document (never a secret), how its rows of one event
//! are found, their order, and which columns name rows of the event or people. The event's
//! emails are exported as history (`outbox_history`): the outbox's metadata, never a body or a
//! sealed secret, restored into a table no worker reads.

use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::sql_types::{Array, Jsonb, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// One exported table.
pub struct Table {
    /// The table, and the document's key for its rows.
    pub name: &'static str,
    /// The exported columns (quoted where SQL needs it); the document's keys are these names.
    pub columns: &'static [&'static str],
    /// Selects one event's rows; `$1` is the event's id.
    pub of_event: &'static str,
    /// A deterministic order of the rows (by columns of the row; the primary key last).
    pub order: &'static str,
    /// Columns that hold the id of one of the event's own rows (the row's `id`, `event_id`,
    /// `proposal_id`…): kept, or remapped together when the event is imported as a copy.
    pub own_ids: &'static [&'static str],
    /// Columns that hold a person's id (users): mapped to the account with the same email.
    pub people: &'static [&'static str],
    /// Columns not exported but required, filled on import: `(column, SQL expression)`.
    pub generated: &'static [(&'static str, &'static str)],
    /// Where the rows are exported from when it is not the table itself: a subquery, with `$2`
    /// the host of Message-IDs (the outbox history, which includes the live outbox).
    pub source: Option<&'static str>,
    /// Those of `own_ids` that may be null (a link the row may lack).
    pub optional_ids: &'static [&'static str],
}

/// The event's emails as history: the live outbox's rows (their Message-ID as
/// `mail::message_id` builds it, with `$2` the host; a link to a proposal only while it is the
/// event's), and the rows an import restored, except those the outbox still holds itself (an
/// event deleted and imported again into the same database).
const OUTBOX_HISTORY: &str = "(\
    SELECT o.id, o.event_id, p.id AS proposal_id, \
           '<' || o.id::text || '@' || $2 || '>' AS message_id, o.kind, o.recipient, \
           o.subject, o.state, o.attempts, o.last_error, o.last_error_at, o.created_at, \
           o.sent_at \
    FROM outbox o LEFT JOIN proposals p ON p.id = o.proposal_id AND p.event_id = o.event_id \
    UNION ALL \
    SELECT h.id, h.event_id, h.proposal_id, h.message_id, h.kind, h.recipient, h.subject, \
           h.state, h.attempts, h.last_error, h.last_error_at, h.created_at, h.sent_at \
    FROM outbox_history h WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = h.id)\
    ) AS outbox_history";

const OF_PROPOSALS: &str = "proposal_id IN (SELECT id FROM proposals WHERE event_id = $1)";
/// A fresh hash that no token hashes to: the exported row's link stays unusable after import.
const DEAD_TOKEN_HASH: &str = "sha256(convert_to(gen_random_uuid()::text, 'UTF8'))";

/// Every exported table of an event, parents before children (the order of insertion).
pub const TABLES: &[Table] = &[
    Table {
        name: "events",
        columns: &[
            "id",
            "slug",
            "title",
            "description",
            "time_zone",
            "cfp_opens_at",
            "cfp_closes_at",
            "blind_review",
            "score_min",
            "score_max",
            "created_by",
            "created_at",
            "updated_at",
            "formats",
            "max_co_speakers",
            "max_proposals_per_speaker",
            "review_opens_at",
            "review_closes_at",
            "reviewers_see_all",
            "conflict_same_domain",
            "confirm_by",
            "share_review_comments",
            "published_at",
            "slot_minutes",
            "auto_assign",
            "reviewers_per_proposal",
            "review_criteria",
            "questions",
            "retired_questions",
            "contact_email",
        ],
        of_event: "id = $1",
        order: "id",
        own_ids: &["id"],
        people: &["created_by"],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "tracks",
        columns: &["id", "event_id", "key", "name", "description", "position"],
        of_event: "event_id = $1",
        order: "position, key, id",
        own_ids: &["id", "event_id"],
        people: &[],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "subtopics",
        columns: &["id", "track_id", "key", "name", "position"],
        of_event: "track_id IN (SELECT id FROM tracks WHERE event_id = $1)",
        order: "track_id, position, key, id",
        own_ids: &["id", "track_id"],
        people: &[],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "event_members",
        columns: &["event_id", "user_id", "role", "tracks", "created_at"],
        of_event: "event_id = $1",
        order: "created_at, user_id",
        own_ids: &["event_id"],
        people: &["user_id"],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "member_invitations",
        columns: &[
            "id",
            "event_id",
            "email",
            "email_normalized",
            "role",
            "tracks",
            "invited_by",
            "created_at",
            "accepted_at",
            "accepted_by",
        ],
        of_event: "event_id = $1",
        order: "created_at, id",
        own_ids: &["id", "event_id"],
        people: &["invited_by", "accepted_by"],
        generated: &[("token_hash", DEAD_TOKEN_HASH)],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "proposals",
        columns: &[
            "id",
            "event_id",
            "submitter_id",
            "title",
            "\"abstract\"",
            "notes",
            "format",
            "links",
            "state",
            "speaker_track",
            "auto_track",
            "auto_confidence",
            "auto_subtopics",
            "auto_evidence",
            "chair_track",
            "chair_subtopics",
            "chair_set_by",
            "chair_set_at",
            "withdrawn_at",
            "created_at",
            "updated_at",
            "decision",
            "decision_note",
            "decided_by",
            "decided_at",
            "released_decision",
            "released_at",
            "responded_at",
            "answers",
        ],
        of_event: "event_id = $1",
        order: "created_at, id",
        own_ids: &["id", "event_id"],
        people: &["submitter_id", "chair_set_by", "decided_by"],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "co_speakers",
        columns: &[
            "id",
            "proposal_id",
            "email",
            "email_normalized",
            "user_id",
            "invited_at",
            "accepted_at",
            "position",
            "invitations_sent",
        ],
        of_event: OF_PROPOSALS,
        order: "proposal_id, position, email_normalized, id",
        own_ids: &["id", "proposal_id"],
        people: &["user_id"],
        generated: &[("invite_token_hash", DEAD_TOKEN_HASH)],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "proposal_revisions",
        columns: &["id", "proposal_id", "author_id", "changes", "created_at"],
        of_event: OF_PROPOSALS,
        order: "proposal_id, created_at, id",
        own_ids: &["id", "proposal_id"],
        people: &["author_id"],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "tag_corrections",
        columns: &[
            "id",
            "proposal_id",
            "event_id",
            "chair_id",
            "title",
            "\"abstract\"",
            "auto_track",
            "auto_confidence",
            "corrected_track",
            "subtopics",
            "created_at",
        ],
        of_event: "event_id = $1",
        order: "created_at, id",
        own_ids: &["id", "proposal_id", "event_id"],
        people: &["chair_id"],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "review_assignments",
        columns: &[
            "proposal_id",
            "reviewer_id",
            "source",
            "assigned_by",
            "created_at",
        ],
        of_event: OF_PROPOSALS,
        order: "proposal_id, created_at, reviewer_id",
        own_ids: &["proposal_id"],
        people: &["reviewer_id", "assigned_by"],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "review_conflicts",
        columns: &[
            "proposal_id",
            "reviewer_id",
            "conflicted",
            "source",
            "set_by",
            "updated_at",
        ],
        of_event: OF_PROPOSALS,
        order: "proposal_id, updated_at, reviewer_id",
        own_ids: &["proposal_id"],
        people: &["reviewer_id", "set_by"],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "reviews",
        columns: &[
            "id",
            "proposal_id",
            "reviewer_id",
            "score",
            "confidence",
            "comment_for_chairs",
            "comment_for_speakers",
            "created_at",
            "updated_at",
        ],
        of_event: OF_PROPOSALS,
        order: "proposal_id, created_at, id",
        own_ids: &["id", "proposal_id"],
        people: &["reviewer_id"],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "review_history",
        columns: &[
            "id",
            "review_id",
            "score",
            "confidence",
            "comment_for_chairs",
            "comment_for_speakers",
            "recorded_at",
        ],
        of_event: "review_id IN (SELECT r.id FROM reviews r JOIN proposals p ON p.id = r.proposal_id \
                   WHERE p.event_id = $1)",
        order: "review_id, recorded_at, id",
        own_ids: &["id", "review_id"],
        people: &[],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "decision_audit",
        columns: &[
            "id",
            "proposal_id",
            "actor_id",
            "action",
            "before",
            "after",
            "note",
            "created_at",
        ],
        of_event: OF_PROPOSALS,
        order: "proposal_id, created_at, id",
        own_ids: &["id", "proposal_id"],
        people: &["actor_id"],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "email_templates",
        columns: &[
            "event_id",
            "kind",
            "subject",
            "body",
            "updated_by",
            "updated_at",
        ],
        of_event: "event_id = $1",
        order: "kind",
        own_ids: &["event_id"],
        people: &["updated_by"],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "speaker_mailings",
        columns: &[
            "id",
            "event_id",
            "sent_by",
            "selection",
            "subject",
            "body",
            "recipients",
            "created_at",
        ],
        of_event: "event_id = $1",
        order: "created_at, id",
        own_ids: &["id", "event_id"],
        people: &["sent_by"],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "programme_blocks",
        columns: &[
            "id",
            "event_id",
            "position",
            "title",
            "room",
            "starts_at",
            "ends_at",
        ],
        of_event: "event_id = $1",
        order: "position, id",
        own_ids: &["id", "event_id"],
        people: &[],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "programme_items",
        columns: &[
            "id",
            "block_id",
            "position",
            "proposal_id",
            "break_title",
            "minutes",
        ],
        of_event: "block_id IN (SELECT id FROM programme_blocks WHERE event_id = $1)",
        order: "block_id, position, id",
        own_ids: &["id", "block_id", "proposal_id"],
        people: &[],
        generated: &[],
        source: None,
        optional_ids: &["proposal_id"],
    },
    Table {
        name: "programme_publications",
        columns: &["event_id", "published_at"],
        of_event: "event_id = $1",
        order: "event_id",
        own_ids: &["event_id"],
        people: &[],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "event_confirmations",
        columns: &["event_id", "waitlist_promotion", "reminder_days"],
        of_event: "event_id = $1",
        order: "event_id",
        own_ids: &["event_id"],
        people: &[],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "confirmation_reminders",
        columns: &["proposal_id", "sent_at"],
        of_event: OF_PROPOSALS,
        order: "proposal_id",
        own_ids: &["proposal_id"],
        people: &[],
        generated: &[],
        source: None,
        optional_ids: &[],
    },
    Table {
        name: "vacancies",
        columns: &[
            "id",
            "event_id",
            "freed_proposal_id",
            "reason",
            "track",
            "minutes",
            "created_at",
            "promoted_proposal_id",
            "resolved_at",
            "dismissed",
        ],
        of_event: "event_id = $1",
        order: "created_at, id",
        own_ids: &[
            "id",
            "event_id",
            "freed_proposal_id",
            "promoted_proposal_id",
        ],
        people: &[],
        generated: &[],
        source: None,
        optional_ids: &["promoted_proposal_id"],
    },
    Table {
        name: "outbox_history",
        columns: &[
            "id",
            "event_id",
            "proposal_id",
            "message_id",
            "kind",
            "recipient",
            "subject",
            "state",
            "attempts",
            "last_error",
            "last_error_at",
            "created_at",
            "sent_at",
        ],
        of_event: "event_id = $1",
        order: "created_at, id",
        own_ids: &["id", "event_id", "proposal_id"],
        people: &[],
        generated: &[],
        source: Some(OUTBOX_HISTORY),
        optional_ids: &["proposal_id"],
    },
];

impl Table {
    /// A column's key in the document (its name without SQL quotes).
    pub fn key(column: &str) -> &str {
        column.trim_matches('"')
    }
}

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = Text)]
    row: String,
}

/// The event's rows of `table`, each one JSON object of the exported columns, in order.
/// Timestamps are written in UTC whatever the session's time zone; Message-IDs name
/// `message_id_host`.
pub async fn rows_of(
    conn: &mut AsyncPgConnection,
    table: &Table,
    event_id: Uuid,
    message_id_host: &str,
) -> anyhow::Result<Vec<serde_json::Value>> {
    let sql = format!(
        "SELECT to_jsonb(s)::text AS row FROM (SELECT {} FROM {} WHERE {}) s ORDER BY {}",
        table.columns.join(", "),
        table.source.unwrap_or(table.name),
        table.of_event,
        table.order
    );
    let mut query = diesel::sql_query(sql)
        .into_boxed::<Pg>()
        .bind::<SqlUuid, _>(event_id);
    if table.source.is_some() {
        query = query.bind::<Text, _>(message_id_host);
    }
    let rows: Vec<JsonRow> = query.load(conn).await?;
    rows.iter()
        .map(|r| Ok(serde_json::from_str(&r.row)?))
        .collect()
}

/// Sets the transaction's time zone to UTC, so timestamps come out the same from any server.
pub async fn utc(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    diesel::sql_query("SET LOCAL TIME ZONE 'UTC'")
        .execute(conn)
        .await
        .map(|_| ())
}

/// A person an export names: the account's id, email and name (nothing else of the account).
#[derive(QueryableByName, Debug, Clone)]
pub struct Person {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub email_normalized: String,
    #[diesel(sql_type = Text)]
    pub name: String,
}

/// These accounts, ordered by normalized email.
pub async fn people(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> diesel::QueryResult<Vec<Person>> {
    diesel::sql_query(
        "SELECT id, email, email_normalized, name FROM users WHERE id = ANY($1) \
         ORDER BY email_normalized, id",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .load(conn)
    .await
}

/// The accounts with these normalized emails.
pub async fn people_by_email(
    conn: &mut AsyncPgConnection,
    emails: &[String],
) -> diesel::QueryResult<Vec<Person>> {
    diesel::sql_query(
        "SELECT id, email, email_normalized, name FROM users WHERE email_normalized = ANY($1)",
    )
    .bind::<Array<Text>, _>(emails)
    .load(conn)
    .await
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Which of these ids an account already has.
pub async fn taken_user_ids(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> diesel::QueryResult<Vec<Uuid>> {
    let rows: Vec<IdRow> = diesel::sql_query("SELECT id FROM users WHERE id = ANY($1)")
        .bind::<Array<SqlUuid>, _>(ids)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Whether any row of any exported table with an `id` already has one of these ids.
pub async fn any_id_taken(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> diesel::QueryResult<bool> {
    for table in TABLES.iter().filter(|t| t.columns.contains(&"id")) {
        let sql = format!("SELECT id FROM {} WHERE id = ANY($1) LIMIT 1", table.name);
        let rows: Vec<IdRow> = diesel::sql_query(sql)
            .bind::<Array<SqlUuid>, _>(ids)
            .load(conn)
            .await?;
        if !rows.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Creates an account with no usable password (a `!`, which no argon2 hash is): its owner
/// sets one through password reset.
pub async fn insert_person_without_password(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    email: &str,
    email_normalized: &str,
    name: &str,
) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO users (id, email, email_normalized, name, password_hash) \
         VALUES ($1, $2, $3, $4, '!')",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(email)
    .bind::<Text, _>(email_normalized)
    .bind::<Text, _>(name)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Inserts rows (JSON objects with the table's exported columns) into `table`.
pub async fn insert_rows(
    conn: &mut AsyncPgConnection,
    table: &Table,
    rows: &serde_json::Value,
) -> diesel::QueryResult<usize> {
    let mut columns: Vec<&str> = table.columns.to_vec();
    let mut values: Vec<&str> = table.columns.to_vec();
    for (column, expression) in table.generated {
        columns.push(column);
        values.push(expression);
    }
    let sql = format!(
        "INSERT INTO {name} ({}) SELECT {} FROM jsonb_populate_recordset(NULL::{name}, $1)",
        columns.join(", "),
        values.join(", "),
        name = table.name,
    );
    diesel::sql_query(sql)
        .bind::<Jsonb, _>(rows)
        .execute(conn)
        .await
}

/// After an import: the event's `public_version` jumps past any value a server may have cached
/// for an earlier event with the same id (a microsecond clock, beyond the triggers' small counts).
pub async fn renew_public_version(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "UPDATE events SET public_version = greatest(public_version + 1, \
         (extract(epoch FROM clock_timestamp()) * 1000000)::bigint) WHERE id = $1",
    )
    .bind::<SqlUuid, _>(event_id)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Whether an event has this slug; its id if so.
pub async fn event_with_slug(
    conn: &mut AsyncPgConnection,
    slug: &str,
) -> diesel::QueryResult<Option<Uuid>> {
    let rows: Vec<IdRow> = diesel::sql_query("SELECT id FROM events WHERE slug = $1")
        .bind::<Text, _>(slug)
        .load(conn)
        .await?;
    Ok(rows.into_iter().next().map(|r| r.id))
}
