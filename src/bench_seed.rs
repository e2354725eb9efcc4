//! Benchmark support (`bench/run.sh`, issue 12); composition, hidden from `mcfp --help`.
//!
//! - [`seed`] (`mcfp bench-seed`): a large event written straight through the database layer
//!   — the event with `db::events::insert_event`, everything else as batched diesel inserts
//!   into `crate::schema` tables, all in one transaction: accounts sharing one argon2 hash,
//!   proposals tagged by the real tagger, assignments, reviews with their first history
//!   version, accepted decisions released (and the list published), and decided but unreleased
//!   proposals for the release scenario. Generated from a fixed seed mixed with the slug, so
//!   two runs write the same data.
//! - [`hello_server`] (`mcfp bench-hello`): the references the HTTP scenarios are compared
//!   with: an actix-web hello world with `mcfp serve`'s worker count, the same plus one
//!   `SELECT` by key through a pool like the server's, and the same plus one `INSERT`.
//! - [`argon2_rate`] (`mcfp bench-argon2`): argon2id hashes per second with mcfp's own
//!   hashing function (its parameters, its blocking pool), the reference for logins.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::DbPool;
use crate::db::events::NewEvent;
use crate::domain::{EventId, NewPassword};
use crate::schema::{
    decision_audit, event_members, events, proposals, review_assignments, review_history, reviews,
    users,
};

/// Every seeded account's password unless told otherwise.
pub const DEFAULT_PASSWORD: &str = "bench-password-2026";
/// The fixed seed; mixed with the slug so two events in one database do not collide.
pub const DEFAULT_SEED: u64 = 0x6d63_6670_2026_0012;
/// Seeded accounts are at `<slug>.<EMAIL_DOMAIN>`.
pub const EMAIL_DOMAIN: &str = "bench.test";

/// What `mcfp bench-seed` writes.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub slug: String,
    pub proposals: usize,
    pub reviewers: usize,
    pub reviews_per_proposal: usize,
    /// The best-scored proposals, accepted and released.
    pub accepted: usize,
    /// The next best ones, decided (some waitlisted, the rest rejected) but not released.
    pub unreleased: usize,
    /// Accounts that submitted the proposals; None: one per two proposals.
    pub speakers: Option<usize>,
    /// Accounts without proposals (speakers-to-be for the submission scenario).
    pub idle_speakers: usize,
    /// Publish the accepted list.
    pub publish: bool,
    pub password: String,
    pub seed: u64,
}

impl SeedOptions {
    pub fn new(slug: &str, proposals: usize) -> SeedOptions {
        SeedOptions {
            slug: slug.to_owned(),
            proposals,
            reviewers: 40,
            reviews_per_proposal: 5,
            accepted: 0,
            unreleased: 0,
            speakers: None,
            idle_speakers: 0,
            publish: false,
            password: DEFAULT_PASSWORD.to_owned(),
            seed: DEFAULT_SEED,
        }
    }

    fn speaker_count(&self) -> usize {
        self.speakers
            .unwrap_or(self.proposals.div_ceil(2))
            .clamp(1, self.proposals.max(1))
    }
}

/// The seeded accounts' addresses, so a benchmark can sign in as them.
pub fn chair_email(slug: &str) -> String {
    format!("chair@{slug}.{EMAIL_DOMAIN}")
}
/// `n` counts from 1.
pub fn reviewer_email(slug: &str, n: usize) -> String {
    format!("reviewer{n:03}@{slug}.{EMAIL_DOMAIN}")
}
/// `n` counts from 1.
pub fn speaker_email(slug: &str, n: usize) -> String {
    format!("speaker{n:06}@{slug}.{EMAIL_DOMAIN}")
}
/// `n` counts from 1.
pub fn idle_speaker_email(slug: &str, n: usize) -> String {
    format!("idle{n:05}@{slug}.{EMAIL_DOMAIN}")
}

/// What was written, printed by `mcfp bench-seed` as one JSON line.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SeedReport {
    pub slug: String,
    pub event_id: Uuid,
    pub accounts: usize,
    pub proposals: usize,
    pub assignments: usize,
    pub reviews: usize,
    pub accepted: usize,
    pub unreleased: usize,
    pub published: bool,
    pub chair: String,
    pub first_reviewer: String,
    pub first_speaker: String,
    pub first_idle_speaker: Option<String>,
    pub seconds: f64,
}

/// SplitMix64: small, fast, and the same numbers on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, slug: &str) -> Rng {
        // FNV-1a of the slug, so each event gets its own stream (and its own ids)
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        for byte in slug.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        Rng(seed ^ hash)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn uuid(&mut self) -> Uuid {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

const FIRST_NAMES: &[&str] = &[
    "Ada", "Alan", "Alice", "Amir", "Ana", "Arthur", "Bea", "Boris", "Chen", "Chris", "Dana",
    "Dmitri", "Elena", "Emil", "Fatima", "Felix", "Greg", "Hana", "Igor", "Ines", "Jonas", "Kai",
    "Lars", "Lea", "Maya", "Miguel", "Nadia", "Noah", "Olga", "Omar", "Paula", "Priya", "Rafael",
    "Rita", "Sam", "Sofia", "Tariq", "Ursula", "Vera", "Wei", "Yuki", "Zoe",
];
const LAST_NAMES: &[&str] = &[
    "Almeida",
    "Becker",
    "Castro",
    "Dubois",
    "Eriksson",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Ojeda",
    "Petrov",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zimmermann",
];
const KERNEL_SUBJECTS: &[&str] = &[
    "the NVMe driver",
    "a GPIO controller driver",
    "the block layer",
    "the DRM abstractions",
    "the network device API",
    "pinned initialization",
    "kernel locking primitives",
    "the VFS bindings",
    "the Android binder driver",
    "the PCI subsystem",
    "kernel workqueues",
    "DMA mapping",
    "the USB gadget stack",
    "kernel module parameters",
    "the kernel build system",
];
const USER_SUBJECTS: &[&str] = &[
    "async runtimes",
    "the borrow checker",
    "rustc_codegen_gcc",
    "gccrs",
    "Cargo build scripts",
    "Miri",
    "Clippy lints",
    "const generics",
    "embedded HALs",
    "bindgen",
    "the allocator API",
    "cross-compilation",
    "formal verification",
    "the Rust standard library",
    "sched_ext schedulers",
];
const VERBS: &[&str] = &[
    "Rewriting",
    "Abstracting",
    "Testing",
    "Fuzzing",
    "Profiling",
    "Shipping",
    "Maintaining",
    "Porting",
    "Verifying",
    "Debugging",
];
const TAILS: &[&str] = &[
    "lessons from a year in production",
    "a status update",
    "what comes next",
    "the hard parts",
    "an experience report",
    "open questions for maintainers",
];
const LESSONS: &[&str] = &[
    "unsafe code",
    "error handling",
    "API design",
    "review culture",
    "performance",
];
const COMMENTS: &[&str] = &[
    "Clear scope and a realistic plan.",
    "Overlaps with another proposal; pick one.",
    "Strong speaker, timely topic.",
    "The abstract promises more than 30 minutes can hold.",
    "Would work better as a discussion.",
    "Good fit for the room.",
];

fn title(rng: &mut Rng, subject: &str) -> String {
    match rng.below(4) {
        0 => format!("{} {subject} in Rust", rng.pick(VERBS)),
        1 => format!("Rust and {subject}: {}", rng.pick(TAILS)),
        2 => format!("What {subject} taught us about {}", rng.pick(LESSONS)),
        _ => format!("{} {subject}: {}", rng.pick(VERBS), rng.pick(TAILS)),
    }
}

fn abstract_text(rng: &mut Rng, subject: &str, pool: &[&str]) -> String {
    let months = 2 + rng.below(22);
    let (a, b) = (rng.pick(pool), rng.pick(pool));
    format!(
        "We present {months} months of work on {subject}. The talk covers how we approached \
         {a}, where {} made the difference, and what we would do differently with {b}. We close \
         with {} and the numbers we measured along the way.",
        rng.pick(LESSONS),
        rng.pick(TAILS)
    )
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct UserRow {
    id: Uuid,
    email: String,
    email_normalized: String,
    name: String,
    password_hash: String,
    is_admin: bool,
}

#[derive(Insertable)]
#[diesel(table_name = event_members)]
struct MemberRow {
    event_id: Uuid,
    user_id: Uuid,
    role: &'static str,
}

#[derive(Insertable)]
#[diesel(table_name = proposals)]
struct ProposalRow {
    id: Uuid,
    event_id: Uuid,
    submitter_id: Uuid,
    title: String,
    abstract_text: String,
    notes: String,
    format: &'static str,
    links: Vec<String>,
    state: &'static str,
    speaker_track: Option<&'static str>,
    auto_track: Option<&'static str>,
    auto_confidence: Option<f32>,
    auto_subtopics: Vec<String>,
    auto_evidence: Vec<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    decision: Option<&'static str>,
    decision_note: String,
    decided_by: Option<Uuid>,
    decided_at: Option<DateTime<Utc>>,
    released_decision: Option<&'static str>,
    released_at: Option<DateTime<Utc>>,
}

#[derive(Insertable)]
#[diesel(table_name = review_assignments)]
struct AssignmentRow {
    proposal_id: Uuid,
    reviewer_id: Uuid,
    source: &'static str,
    assigned_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = reviews)]
struct ReviewRow {
    id: Uuid,
    proposal_id: Uuid,
    reviewer_id: Uuid,
    score: i16,
    confidence: i16,
    comment_for_chairs: &'static str,
    comment_for_speakers: &'static str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = review_history)]
struct HistoryRow {
    id: Uuid,
    review_id: Uuid,
    score: i16,
    confidence: i16,
    comment_for_chairs: &'static str,
    comment_for_speakers: &'static str,
    recorded_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = decision_audit)]
struct AuditRow {
    id: Uuid,
    proposal_id: Uuid,
    actor_id: Option<Uuid>,
    action: &'static str,
    before: Option<&'static str>,
    after: &'static str,
    note: &'static str,
    created_at: DateTime<Utc>,
}

/// Inserts `rows` in statements of `chunk` rows (PostgreSQL takes at most 65,535 parameters).
macro_rules! insert_in_chunks {
    ($conn:expr, $table:expr, $rows:expr, $chunk:expr) => {
        let started = Instant::now();
        for chunk in $rows.chunks($chunk) {
            diesel::insert_into($table)
                .values(chunk)
                .execute($conn)
                .await?;
        }
        tracing::info!(
            table = stringify!($table),
            rows = $rows.len(),
            seconds = started.elapsed().as_secs_f64(),
            "bench-seed: inserted"
        );
    };
}

/// Writes the event and everything in it; refuses a slug that exists.
pub async fn seed(pool: &DbPool, options: &SeedOptions) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    anyhow::ensure!(options.proposals >= 1, "--proposals must be at least 1");
    anyhow::ensure!(options.reviewers >= 1, "--reviewers must be at least 1");
    anyhow::ensure!(
        options.reviews_per_proposal <= options.reviewers,
        "--reviews-per-proposal ({}) cannot exceed --reviewers ({})",
        options.reviews_per_proposal,
        options.reviewers
    );
    anyhow::ensure!(
        options.accepted + options.unreleased <= options.proposals,
        "--accepted plus --unreleased cannot exceed --proposals"
    );
    crate::domain::EventSlug::parse(&options.slug).map_err(|e| anyhow::anyhow!("--slug: {e}"))?;
    let password =
        NewPassword::parse(&options.password).map_err(|e| anyhow::anyhow!("--password: {e}"))?;
    // argon2 is slow on purpose: one hash, shared by every seeded account
    let password_hash = crate::accounts::password::hash_password(password)
        .await
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;

    let mut rng = Rng::new(options.seed, &options.slug);
    let now = Utc::now();
    let slug = options.slug.as_str();
    let hours = |h: i64| chrono::Duration::hours(h);

    // ---- accounts
    let mut accounts = Vec::new();
    let mut account = |rng: &mut Rng, email: String| {
        let id = rng.uuid();
        let name = format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES));
        accounts.push(UserRow {
            id,
            email_normalized: email.to_lowercase(),
            email,
            name,
            password_hash: password_hash.clone(),
            is_admin: false,
        });
        id
    };
    let chair = account(&mut rng, chair_email(slug));
    let reviewer_ids: Vec<Uuid> = (1..=options.reviewers)
        .map(|n| account(&mut rng, reviewer_email(slug, n)))
        .collect();
    let speaker_ids: Vec<Uuid> = (1..=options.speaker_count())
        .map(|n| account(&mut rng, speaker_email(slug, n)))
        .collect();
    for n in 1..=options.idle_speakers {
        account(&mut rng, idle_speaker_email(slug, n));
    }
    // a lenient or a harsh hand per reviewer, so the ranking's calibration has work to do
    let leniency: Vec<f64> = reviewer_ids
        .iter()
        .map(|_| rng.unit() * 2.0 - 1.0)
        .collect();

    // ---- proposals, submitted over three weeks before reviewing opened a week ago
    let cfp_opens = now - hours(30 * 24);
    let review_opens = now - hours(7 * 24);
    let window_seconds = (review_opens - hours(24) - cfp_opens).num_seconds().max(1);
    let step = window_seconds as f64 / options.proposals as f64;
    let mut rows = Vec::with_capacity(options.proposals);
    let mut quality = Vec::with_capacity(options.proposals);
    for i in 0..options.proposals {
        let kernel = rng.below(2) == 0;
        let pool_of_subjects = if kernel {
            KERNEL_SUBJECTS
        } else {
            USER_SUBJECTS
        };
        let subject = rng.pick(pool_of_subjects);
        let title = title(&mut rng, subject);
        let text = abstract_text(&mut rng, subject, pool_of_subjects);
        let tag = crate::tagging::classify(&title, &text, "");
        let speaker_track = match rng.below(10) {
            0..=1 => Some("rust-for-linux"),
            2..=3 => Some("rust"),
            _ => None,
        };
        let format = match rng.below(20) {
            0..=11 => "talk",
            12..=16 => "lightning",
            _ => "discussion",
        };
        let offset = (i as f64 * step + rng.unit() * step) as i64;
        let created_at = cfp_opens + chrono::Duration::seconds(offset);
        rows.push(ProposalRow {
            id: rng.uuid(),
            event_id: Uuid::nil(), // set once the event exists
            submitter_id: speaker_ids[i % speaker_ids.len()],
            title,
            abstract_text: text,
            notes: String::new(),
            format,
            links: Vec::new(),
            state: "submitted",
            speaker_track,
            auto_track: Some(tag.track.key()),
            auto_confidence: Some(tag.confidence as f32),
            auto_subtopics: tag.subtopics.iter().map(|s| (*s).to_owned()).collect(),
            auto_evidence: tag.evidence,
            created_at,
            updated_at: created_at,
            decision: None,
            decision_note: String::new(),
            decided_by: None,
            decided_at: None,
            released_decision: None,
            released_at: None,
        });
        quality.push(1.5 + rng.unit() * 3.0);
    }

    // ---- assignments and reviews: k distinct reviewers per proposal, loads balanced
    let k = options.reviews_per_proposal;
    let mut assignments = Vec::with_capacity(options.proposals * k);
    let mut review_rows = Vec::with_capacity(options.proposals * k);
    let mut history = Vec::with_capacity(options.proposals * k);
    let mut score_sums = vec![0f64; options.proposals];
    let review_window = (now - hours(1) - review_opens).num_seconds().max(1);
    for (i, proposal) in rows.iter().enumerate() {
        let start = rng.below(options.reviewers);
        for j in 0..k {
            let r = (start + j) % options.reviewers;
            let reviewer = reviewer_ids[r];
            let noise = rng.unit() * 1.5 - 0.75;
            let score = (quality[i] + leniency[r] + noise).round().clamp(1.0, 5.0) as i16;
            let confidence = 1 + rng.below(3) as i16;
            let comment = rng.pick(COMMENTS);
            let for_speakers = if rng.below(3) == 0 { comment } else { "" };
            let at =
                review_opens + chrono::Duration::seconds(rng.below(review_window as usize) as i64);
            let review_id = rng.uuid();
            assignments.push(AssignmentRow {
                proposal_id: proposal.id,
                reviewer_id: reviewer,
                source: "auto",
                assigned_by: Some(chair),
                created_at: review_opens,
            });
            review_rows.push(ReviewRow {
                id: review_id,
                proposal_id: proposal.id,
                reviewer_id: reviewer,
                score,
                confidence,
                comment_for_chairs: comment,
                comment_for_speakers: for_speakers,
                created_at: at,
                updated_at: at,
            });
            history.push(HistoryRow {
                id: rng.uuid(),
                review_id,
                score,
                confidence,
                comment_for_chairs: comment,
                comment_for_speakers: for_speakers,
                recorded_at: at,
            });
            score_sums[i] += f64::from(score);
        }
    }

    // ---- decisions: the best accepted and released, the next ones decided but not released
    let mut order: Vec<usize> = (0..options.proposals).collect();
    order.sort_by(|&a, &b| score_sums[b].total_cmp(&score_sums[a]).then(a.cmp(&b)));
    let decided_at = now - chrono::Duration::minutes(30);
    let released_at = now - chrono::Duration::minutes(20);
    let mut audit = Vec::new();
    for (rank, &i) in order
        .iter()
        .enumerate()
        .take(options.accepted + options.unreleased)
    {
        let row = &mut rows[i];
        let accepted = rank < options.accepted;
        let decision = if accepted {
            "accept"
        } else if rank < options.accepted + options.unreleased.div_ceil(10) {
            "waitlist"
        } else {
            "reject"
        };
        row.decision = Some(decision);
        row.decided_by = Some(chair);
        row.decided_at = Some(decided_at);
        audit.push(AuditRow {
            id: rng.uuid(),
            proposal_id: row.id,
            actor_id: Some(chair),
            action: "decide",
            before: None,
            after: decision,
            note: "",
            created_at: decided_at,
        });
        if accepted {
            row.released_decision = Some(decision);
            row.released_at = Some(released_at);
            row.state = "accepted";
            row.updated_at = released_at;
            audit.push(AuditRow {
                id: rng.uuid(),
                proposal_id: row.id,
                actor_id: Some(chair),
                action: "release",
                before: Some("submitted"),
                after: "accepted",
                note: "",
                created_at: released_at,
            });
        }
    }

    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "bench-seed: generated the rows"
    );
    // ---- one transaction for all of it
    let mut conn = pool
        .get()
        .await
        .map_err(|e| anyhow::anyhow!("a database connection: {e}"))?;
    let event_id = EventId(rng.uuid());
    let title = format!(
        "Benchmark microconference ({} proposals)",
        options.proposals
    );
    let description = format!(
        "A generated call for proposals for `bench/run.sh`: {} proposals by {} speakers, {} \
         reviewers with {} reviews per proposal.\n\n- **Rust for Linux**: the kernel, drivers \
         and abstractions.\n- **Rust**: the language, compilers and tooling.",
        options.proposals,
        speaker_ids.len(),
        options.reviewers,
        k
    );
    for row in &mut rows {
        row.event_id = event_id.0;
    }
    let members: Vec<MemberRow> = std::iter::once(MemberRow {
        event_id: event_id.0,
        user_id: chair,
        role: "chair",
    })
    .chain(reviewer_ids.iter().map(|&user_id| MemberRow {
        event_id: event_id.0,
        user_id,
        role: "reviewer",
    }))
    .collect();
    let publish = options.publish;
    let exists = crate::db::events::find_by_slug(&mut conn, slug).await?;
    anyhow::ensure!(
        exists.is_none(),
        "an event `{slug}` exists already: seed into a fresh database or choose another --slug"
    );
    conn.transaction::<_, anyhow::Error, _>(async move |conn| {
        insert_in_chunks!(conn, users::table, accounts, 8_000);
        crate::db::events::insert_event(
            conn,
            NewEvent {
                id: event_id,
                slug,
                title: &title,
                description: &description,
                time_zone: "Europe/Vienna",
                cfp_opens_at: cfp_opens,
                cfp_closes_at: now + hours(30 * 24),
                blind_review: false,
                score_min: 1,
                score_max: 5,
                created_by: None,
            },
        )
        .await?;
        diesel::update(events::table.find(event_id))
            .set((
                events::review_opens_at.eq(Some(review_opens)),
                // the submission scenario has each speaker submit many times
                events::max_proposals_per_speaker.eq(100i16),
                events::slot_minutes.eq(Some(210)),
                events::published_at.eq(publish.then_some(now - chrono::Duration::minutes(10))),
            ))
            .execute(conn)
            .await?;
        insert_in_chunks!(conn, event_members::table, members, 8_000);
        insert_in_chunks!(conn, proposals::table, rows, 2_000);
        insert_in_chunks!(conn, review_assignments::table, assignments, 8_000);
        insert_in_chunks!(conn, reviews::table, review_rows, 5_000);
        insert_in_chunks!(conn, review_history::table, history, 5_000);
        insert_in_chunks!(conn, decision_audit::table, audit, 5_000);
        Ok(())
    })
    .await?;
    // fresh statistics for the planner, as autovacuum would give them a minute later
    let analyzing = Instant::now();
    diesel::sql_query("ANALYZE").execute(&mut conn).await?;
    tracing::info!(
        seconds = analyzing.elapsed().as_secs_f64(),
        "bench-seed: analyzed"
    );

    Ok(SeedReport {
        slug: slug.to_owned(),
        event_id: event_id.0,
        accounts: 1 + options.reviewers + speaker_ids.len() + options.idle_speakers,
        proposals: options.proposals,
        assignments: options.proposals * k,
        reviews: options.proposals * k,
        accepted: options.accepted,
        unreleased: options.unreleased,
        published: publish,
        chair: chair_email(slug),
        first_reviewer: reviewer_email(slug, 1),
        first_speaker: speaker_email(slug, 1),
        first_idle_speaker: (options.idle_speakers > 0).then(|| idle_speaker_email(slug, 1)),
        seconds: started.elapsed().as_secs_f64(),
    })
}

diesel::table! {
    /// The scratch table of the one-INSERT reference (created by `mcfp bench-hello`).
    bench_scratch (id) {
        id -> Int8,
        payload -> Text,
    }
}

struct Reference {
    pool: Option<DbPool>,
    slug: String,
    /// `static_body`'s bodies by size.
    bodies: std::sync::Mutex<std::collections::HashMap<usize, web::Bytes>>,
}

async fn hello() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// A body of `n` bytes made once and then served from memory: the limit for a cached response
/// of that size (the copy to the socket grows with the size; a hello world does not show it).
async fn static_body(reference: web::Data<Reference>, n: web::Path<usize>) -> HttpResponse {
    let n = n.into_inner().min(16 << 20);
    let body = reference
        .bodies
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(n)
        .or_insert_with(|| web::Bytes::from(vec![b'x'; n]))
        .clone();
    HttpResponse::Ok().content_type("text/plain").body(body)
}

/// One `SELECT` by key (the events table's unique slug) through the pool.
async fn one_select(reference: web::Data<Reference>) -> HttpResponse {
    let Some(pool) = &reference.pool else {
        return HttpResponse::ServiceUnavailable().body("no database");
    };
    let found = async {
        let mut conn = pool.get().await.map_err(|e| e.to_string())?;
        events::table
            .filter(events::slug.eq(&reference.slug))
            .select(events::id)
            .first::<Uuid>(&mut conn)
            .await
            .optional()
            .map_err(|e| e.to_string())
    }
    .await;
    match found {
        Ok(Some(_)) => HttpResponse::Ok().content_type("text/plain").body("ok"),
        Ok(None) => HttpResponse::NotFound().body("no such event"),
        Err(e) => HttpResponse::InternalServerError().body(e),
    }
}

/// One single-row `INSERT` into the scratch table through the pool.
async fn one_insert(reference: web::Data<Reference>) -> HttpResponse {
    let Some(pool) = &reference.pool else {
        return HttpResponse::ServiceUnavailable().body("no database");
    };
    let inserted = async {
        let mut conn = pool.get().await.map_err(|e| e.to_string())?;
        diesel::insert_into(bench_scratch::table)
            .values(bench_scratch::payload.eq("a row like a small proposal"))
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    match inserted {
        Ok(_) => HttpResponse::Created()
            .content_type("text/plain")
            .body("ok"),
        Err(e) => HttpResponse::InternalServerError().body(e),
    }
}

/// Serves `GET /` ("ok"), `GET /select` (one SELECT by key) and `POST /insert` (one INSERT)
/// with actix-web's default worker count, as `mcfp serve` has. Without a database only `/`.
pub async fn hello_server(
    listen: SocketAddr,
    database_url: Option<&str>,
    slug: &str,
) -> anyhow::Result<()> {
    let pool = match database_url {
        Some(url) => {
            let pool = crate::db::build_pool(url, 16)?;
            let mut conn = pool
                .get()
                .await
                .map_err(|e| anyhow::anyhow!("a database connection: {e}"))?;
            diesel::sql_query(
                "CREATE TABLE IF NOT EXISTS bench_scratch (id bigserial PRIMARY KEY, \
                 payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())",
            )
            .execute(&mut conn)
            .await?;
            Some(pool)
        }
        None => None,
    };
    let reference = web::Data::new(Reference {
        pool,
        slug: slug.to_owned(),
        bodies: std::sync::Mutex::default(),
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(reference.clone())
            .route("/", web::get().to(hello))
            .route("/bytes/{n}", web::get().to(static_body))
            .route("/select", web::get().to(one_select))
            .route("/insert", web::post().to(one_insert))
    })
    .bind(listen)
    .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?
    .shutdown_timeout(1);
    eprintln!("mcfp bench-hello: listening on {listen}");
    server.run().await?;
    Ok(())
}

/// argon2id hashes per second over `seconds`, `threads` at a time, with mcfp's own function.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Argon2Rate {
    pub threads: usize,
    pub seconds: f64,
    pub hashes: u64,
    pub per_second: f64,
}

pub async fn argon2_rate(seconds: f64, threads: usize) -> anyhow::Result<Argon2Rate> {
    let threads = threads.max(1);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds.max(0.1));
    let mut tasks = Vec::new();
    for _ in 0..threads {
        tasks.push(tokio::spawn(async move {
            let mut hashes = 0u64;
            while Instant::now() < deadline {
                let password = NewPassword::parse(DEFAULT_PASSWORD)
                    .map_err(|e| anyhow::anyhow!("the password: {e}"))?;
                crate::accounts::password::hash_password(password)
                    .await
                    .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
                hashes += 1;
            }
            anyhow::Ok(hashes)
        }));
    }
    let mut hashes = 0;
    for task in tasks {
        hashes += task.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    Ok(Argon2Rate {
        threads,
        seconds: elapsed,
        hashes,
        per_second: hashes as f64 / elapsed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic_and_per_slug() {
        let draw = |slug: &str| {
            let mut rng = Rng::new(DEFAULT_SEED, slug);
            (0..5).map(|_| rng.next()).collect::<Vec<_>>()
        };
        assert_eq!(draw("bench-5k"), draw("bench-5k"));
        assert_ne!(draw("bench-5k"), draw("bench-100k"));
        let mut rng = Rng::new(1, "x");
        for _ in 0..1000 {
            assert!(rng.below(7) < 7);
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
        }
    }

    #[test]
    fn generated_texts_pass_the_proposal_rules() {
        let mut rng = Rng::new(DEFAULT_SEED, "bench");
        for _ in 0..500 {
            let subject = rng.pick(KERNEL_SUBJECTS);
            let t = title(&mut rng, subject);
            let a = abstract_text(&mut rng, subject, KERNEL_SUBJECTS);
            assert!((5..=150).contains(&t.chars().count()), "{t}");
            assert!((50..=5000).contains(&a.chars().count()), "{a}");
        }
    }
}
