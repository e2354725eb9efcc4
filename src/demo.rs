//! The demo microconference: the Rust MC from the seed CfP, with accounts for every role.
//! Seeding is idempotent: a second `mcfp demo` against the same database reuses what is there;
//! `mcfp demo --reset` first drops the demo's data ([`reset`]) so it is seeded afresh.

use chrono::{Duration, DurationRound, Utc};

use crate::accounts::{self, Registration};
use crate::db::events::{self, EventRoleKind, NewEvent};
use crate::db::users;
use crate::domain::{EventId, ProposalState};
use crate::error::AppError;
use crate::state::AppState;

pub const DEMO_PASSWORD: &str = "demo-password-2026";
pub const DEMO_EVENT_SLUG: &str = "rust-mc";
/// Every demo account's email is at this domain; [`reset`] removes the accounts by it.
pub const DEMO_EMAIL_DOMAIN: &str = "demo.mcfp.test";
/// The second demo event: 300 generated proposals with reviews, to feel a call at scale (the
/// dashboard's search and sorting, the ranking, similar proposals). Its generated accounts are
/// at `rust-mc-300.bench.test` (see `bench_seed`); the demo chair chairs it too.
pub const DEMO_SCALE_SLUG: &str = "rust-mc-300";
const DEMO_SCALE_PROPOSALS: usize = 300;

const DESCRIPTION: &str = "Rust is a systems programming language that is making great strides in becoming the next big one in the domain.

**Rust for Linux** is the project adding support for the Rust language to the Linux kernel. Rust has a key property that makes it very interesting as the second language in the kernel: it guarantees no undefined behavior takes place (as long as unsafe code is sound). This includes no use-after-free mistakes, no double frees, no data races, etc. It also provides other important benefits, such as improved error handling, stricter typing, sum types, pattern matching, privacy, closures, generics, etc.

This microconference intends to cover talks and discussions on both Rust for Linux as well as other non-kernel Rust topics.

Possible Rust for Linux topics:

- Rust in the kernel (e.g. status update, next steps...).
- Use cases for Rust around the kernel (e.g. subsystems, drivers, other modules...).
- Discussions on how to abstract existing subsystems safely, on API design, on coding guidelines...
- Integration with kernel systems and other infrastructure (e.g. build system, documentation, testing and CIs, maintenance, unstable features, architecture support, stable/LTS releases, Rust versioning, third-party crates...).
- Updates on its subprojects (e.g. klint, pinned-init...).

Possible Rust topics:

- Language and standard library (e.g. upcoming features, stabilization of the remaining features the kernel needs, memory model...).
- Compilers and codegen (e.g. rustc improvements, LLVM and Rust, rustc_codegen_gcc, Rust GCC...).
- Other tooling and new ideas (bindgen, Cargo, Miri, Clippy, Compiler Explorer, Coccinelle for Rust...).
- Educational material.
- Any other Rust topic within the Linux ecosystem.";

struct DemoAccount {
    email: &'static str,
    name: &'static str,
    admin: bool,
    role: Option<EventRoleKind>,
}

const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        email: "admin@demo.mcfp.test",
        name: "Ada Admin",
        admin: true,
        role: None,
    },
    DemoAccount {
        email: "chair@demo.mcfp.test",
        name: "Chris Chair",
        admin: false,
        role: Some(EventRoleKind::Chair),
    },
    DemoAccount {
        email: "reviewer1@demo.mcfp.test",
        name: "Rita Reviewer",
        admin: false,
        role: Some(EventRoleKind::Reviewer),
    },
    DemoAccount {
        email: "reviewer2@demo.mcfp.test",
        name: "Rob Reviewer",
        admin: false,
        role: Some(EventRoleKind::Reviewer),
    },
    DemoAccount {
        email: "reviewer3@demo.mcfp.test",
        name: "Kai Kernelreviewer",
        admin: false,
        role: Some(EventRoleKind::Reviewer),
    },
    DemoAccount {
        email: "speaker@demo.mcfp.test",
        name: "Sam Speaker",
        admin: false,
        role: None,
    },
    DemoAccount {
        email: "miguel@demo.mcfp.test",
        name: "Mia Maintainer",
        admin: false,
        role: None,
    },
    DemoAccount {
        email: "alice@demo.mcfp.test",
        name: "Alice Driverwriter",
        admin: false,
        role: None,
    },
    DemoAccount {
        email: "arthur@demo.mcfp.test",
        name: "Arthur Codegen",
        admin: false,
        role: None,
    },
];

/// (speaker email, title, abstract, format, co-speakers): written for the demo, in both tracks.
type DemoProposal = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const PROPOSALS: &[DemoProposal] = &[
    (
        "speaker@demo.mcfp.test",
        "Rust for Linux: where we are and what comes next",
        "A status update on Rust in the Linux kernel: which abstractions were merged this cycle, which drivers \
      are on their way upstream, the minimum Rust version policy, and the unstable language features the \
      kernel still depends on. We close with the open questions for maintainers who are asked to accept Rust code.",
        "talk",
        &["miguel@demo.mcfp.test"],
    ),
    (
        "alice@demo.mcfp.test",
        "Writing a PCI network driver in Rust",
        "Lessons from writing a Rust driver for a small PCI Ethernet controller: mapping BARs safely, DMA \
      allocation, interrupt handling with the kernel's IRQ abstractions, and where unsafe code was unavoidable. \
      Includes performance numbers against the C driver and the review feedback we got on the netdev list.",
        "talk",
        &[],
    ),
    (
        "miguel@demo.mcfp.test",
        "klint in practice: catching atomic-context bugs before they ship",
        "klint checks at compile time that kernel Rust code never sleeps in atomic context. We show the bugs it \
      found in drivers under review, how its annotations look, and what is needed to run it in the kernel's CI.",
        "lightning",
        &[],
    ),
    (
        "alice@demo.mcfp.test",
        "Pinned initialization for every subsystem",
        "pin-init started as the kernel's answer to initializing pinned structs such as mutexes in place. \
      This discussion asks what it takes to make the kernel's locking abstractions and pin-init work for every \
      subsystem, and which API changes maintainers would accept.",
        "discussion",
        &["speaker@demo.mcfp.test"],
    ),
    (
        "arthur@demo.mcfp.test",
        "rustc_codegen_gcc: one year closer to every GCC target",
        "rustc_codegen_gcc lets rustc emit code through libgccjit. We report on passing the compiler's UI test \
      suite, bootstrapping rustc with it, and the targets that LLVM does not support but GCC does, and what \
      remains before distributions can ship it.",
        "talk",
        &[],
    ),
    (
        "arthur@demo.mcfp.test",
        "gccrs: compiling real-world crates with GCC's Rust front-end",
        "An update on gccrs, the Rust front-end for GCC: trait resolution, macro expansion and the borrow-checker \
      work, and our progress on compiling core and the crates needed by larger projects, including the Rust \
      code that the Linux kernel builds.",
        "talk",
        &[],
    ),
    (
        "speaker@demo.mcfp.test",
        "Writing a sched_ext scheduler in Rust",
        "sched_ext lets user space load BPF schedulers. We built one in Rust with the scx crates, and walk \
      through the user-space side, the BPF maps it shares with the kernel, how we measured latency for gaming \
      workloads, and the tooling that made it pleasant.",
        "talk",
        &[],
    ),
    (
        "miguel@demo.mcfp.test",
        "Teaching Rust to C programmers in one afternoon",
        "A workshop format that gets experienced C programmers productive in Rust quickly: ownership explained \
      through the bugs they already know, a tour of Clippy and Miri, and exercises that build a small \
      command-line tool. Materials are freely licensed for reuse.",
        "lightning",
        &[],
    ),
];

/// (email, given name, family name, affiliation, bio, pronouns, a generated photo's hue).
type DemoProfile = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<u8>,
);

/// The demo speakers' profiles: what the programme, Indico and the accepted list show.
const PROFILES: &[DemoProfile] = &[
    (
        "speaker@demo.mcfp.test",
        "Sam",
        "Speaker",
        "Example Systems GmbH",
        "Sam works on **async Rust** in embedded Linux and has been to every Plumbers since 2019.",
        "they/them",
        Some(30),
    ),
    (
        "miguel@demo.mcfp.test",
        "Mia",
        "Maintainer",
        "Kernel Maintainers Guild",
        "Mia maintains a networking subsystem and reviews the Rust abstractions it grows.",
        "she/her",
        Some(200),
    ),
    (
        "alice@demo.mcfp.test",
        "Alice",
        "Driverwriter",
        "University of Example",
        "Alice writes PCI and NVMe drivers in Rust, and teaches a course on them.",
        "",
        None,
    ),
    (
        "arthur@demo.mcfp.test",
        "Arthur",
        "Codegen",
        "Compiler Collective",
        "Arthur hacks on `rustc_codegen_gcc` and LLVM's backends.",
        "he/him",
        None,
    ),
];

/// A small generated portrait: a diagonal gradient in the given hue (no binary file).
fn demo_photo(hue: u8) -> Result<Vec<u8>, AppError> {
    let picture = image::RgbImage::from_fn(160, 160, |x, y| {
        let shade = u8::try_from((x + y) * 255 / 318).unwrap_or(u8::MAX);
        image::Rgb([hue, shade, 255 - shade / 2])
    });
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .map_err(AppError::internal)?;
    Ok(bytes)
}

/// Gives the demo speakers their profiles (and two of them a photo), unless they wrote one.
async fn seed_profiles(state: &AppState) -> Result<(), AppError> {
    let mut conn = state.pool.get().await?;
    for (email, given, family, affiliation, bio, pronouns, hue) in PROFILES {
        let Some(user) = users::find_by_email(&mut conn, email).await? else {
            continue;
        };
        let Some(stored) = crate::db::profiles::profile_of(&mut conn, user.id).await? else {
            continue;
        };
        if stored.profile == crate::domain::Profile::default() {
            let profile = crate::domain::Profile {
                given_name: (*given).to_owned(),
                family_name: (*family).to_owned(),
                affiliation: (*affiliation).to_owned(),
                bio: (*bio).to_owned(),
                pronouns: (*pronouns).to_owned(),
            };
            crate::db::profiles::set_profile(&mut conn, user.id, &profile, &stored.name).await?;
        }
        if let (Some(hue), None) = (hue, &stored.photo) {
            accounts::profile::set_photo(state, user.id, demo_photo(*hue)?).await?;
        }
    }
    Ok(())
}

/// Submits the demo proposals through the same path as speakers do (tagging, receipts, invitations).
async fn seed_proposals(
    state: &AppState,
    event: &crate::db::events::Event,
) -> Result<(), AppError> {
    let mut conn = state.pool.get().await?;
    let existing = crate::db::proposals::list(
        &mut conn,
        event.id,
        crate::db::proposals::ListScope::All,
        crate::db::proposals::ListFilter {
            track: None,
            state: None,
            needs_check: false,
            after: None,
            limit: 1,
        },
    )
    .await?;
    if !existing.is_empty() {
        return Ok(());
    }
    for (email, title, abstract_text, format, co_speakers) in PROPOSALS {
        let user = users::find_by_email(&mut conn, email)
            .await?
            .ok_or(AppError::NotFound)?;
        let fields = crate::proposals::ProposalFields {
            title: Some((*title).to_owned()),
            abstract_text: Some(
                abstract_text
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            notes: Some(String::new()),
            format: Some((*format).to_owned()),
            track: None,
            co_speakers: Some(co_speakers.iter().map(|c| (*c).to_owned()).collect()),
            links: Some(Vec::new()),
            answers: None,
            draft: None,
            profile: None,
        };
        crate::proposals::create(
            state,
            &crate::accounts::CurrentUser::internal(user),
            event,
            fields,
            None,
        )
        .await?;
    }
    // one unfinished draft, which only the demo speaker sees
    let speaker = users::find_by_email(&mut conn, "speaker@demo.mcfp.test")
        .await?
        .ok_or(AppError::NotFound)?;
    let draft = crate::proposals::ProposalFields {
        title: Some("Async drop, at last?".to_owned()),
        abstract_text: Some("Notes so far: what the async drop experiment covers, and".to_owned()),
        draft: Some(true),
        ..Default::default()
    };
    crate::proposals::create(
        state,
        &crate::accounts::CurrentUser::internal(speaker),
        event,
        draft,
        None,
    )
    .await?;
    Ok(())
}

/// Kai reviews only the kernel track, to show track-restricted reviewers.
const KERNEL_ONLY_REVIEWER: &str = "reviewer3@demo.mcfp.test";

/// Scores the demo reviewers give, by proposal title: (reviewer email, score, confidence, comment).
/// Rob is lenient and Rita harsher, so the ranking's calibration has something to correct; a few
/// assignments stay unreviewed, so queues and reminders have something to show.
const REVIEWS: &[(&str, &str, i16, i16, &str)] = &[
    (
        "reviewer1@demo.mcfp.test",
        "Rust for Linux: where we are and what comes next",
        4,
        3,
        "The yearly status update; the room expects it.",
    ),
    (
        "reviewer2@demo.mcfp.test",
        "Rust for Linux: where we are and what comes next",
        5,
        2,
        "Must have.",
    ),
    (
        "reviewer1@demo.mcfp.test",
        "Writing a PCI network driver in Rust",
        3,
        2,
        "Solid, but close to last year's driver talk.",
    ),
    (
        "reviewer2@demo.mcfp.test",
        "Writing a PCI network driver in Rust",
        5,
        3,
        "Real numbers against the C driver: great.",
    ),
    (
        "reviewer1@demo.mcfp.test",
        "rustc_codegen_gcc: one year closer to every GCC target",
        2,
        2,
        "Overlaps with the gccrs talk.",
    ),
    (
        "reviewer2@demo.mcfp.test",
        "rustc_codegen_gcc: one year closer to every GCC target",
        4,
        2,
        "Good progress report.",
    ),
    (
        "reviewer1@demo.mcfp.test",
        "gccrs: compiling real-world crates with GCC's Rust front-end",
        4,
        3,
        "Important for the kernel's toolchain story.",
    ),
    (
        "reviewer2@demo.mcfp.test",
        "Teaching Rust to C programmers in one afternoon",
        4,
        1,
        "Nice, though not very plumbing.",
    ),
    (
        "reviewer1@demo.mcfp.test",
        "Teaching Rust to C programmers in one afternoon",
        1,
        2,
        "Out of scope for this microconference.",
    ),
];

/// The chair's decisions: all but the last released (a programme is built of the accepted
/// talks), the last taken but not released, so a newcomer can preview and release it.
const DECISIONS: &[(&str, &str, &str)] = &[
    (
        "Rust for Linux: where we are and what comes next",
        "accept",
        "The yearly status update.",
    ),
    (
        "Writing a PCI network driver in Rust",
        "accept",
        "Strong reviews.",
    ),
    (
        "rustc_codegen_gcc: one year closer to every GCC target",
        "waitlist",
        "If a slot frees up.",
    ),
    (
        "Teaching Rust to C programmers in one afternoon",
        "reject",
        "Out of scope.",
    ),
];

async fn seed_decisions(
    state: &AppState,
    event: &crate::db::events::Event,
) -> Result<(), AppError> {
    if event.slot_minutes.is_none() {
        // a three-and-a-half-hour microconference, for the track balance
        let patch = crate::events::EventPatch {
            slot_minutes: Some(Some(210)),
            ..Default::default()
        };
        crate::events::apply_patch(state, event.clone(), patch).await?;
    }
    let mut conn = state.pool.get().await?;
    let summary = crate::decisions::release_summary(&mut conn, event).await?;
    let chair = users::find_by_email(&mut conn, "chair@demo.mcfp.test")
        .await?
        .ok_or(AppError::NotFound)?;
    let proposals = crate::review::ranking(&mut conn, event, None).await?;
    drop(conn);
    if summary.unreleased > 0
        || proposals
            .iter()
            .any(|p| p.state != ProposalState::Submitted)
    {
        return Ok(());
    }
    let chair = crate::accounts::CurrentUser::internal(chair);
    let id_of = |title: &str| {
        proposals
            .iter()
            .find(|p| p.title == title)
            .map(|p| crate::domain::ProposalId(p.proposal_id))
    };
    // all but the last released (the talks are accepted, the speakers told), so that there is
    // a programme to build; the last one taken but not released, so that a newcomer can
    // preview and release it
    let (last, released) = DECISIONS.split_last().ok_or(AppError::NotFound)?;
    for (title, decision, note) in released {
        if let Some(id) = id_of(title) {
            crate::decisions::decide(state, &chair, id, decision, note).await?;
        }
    }
    crate::decisions::release(state, &chair, event).await?;
    let mut conn = state.pool.get().await?;
    let speaker = users::find_by_email(&mut conn, "speaker@demo.mcfp.test").await?;
    drop(conn);
    if let (Some(speaker), Some(id)) = (speaker, id_of(DECISIONS[0].0)) {
        let speaker = crate::accounts::CurrentUser::internal(speaker);
        crate::decisions::respond(state, &speaker, id, true).await?;
    }
    if let Some(id) = id_of(last.0) {
        crate::decisions::decide(state, &chair, id, last.1, last.2).await?;
    }
    // a declined talk's place is suggested to the best waitlisted one on the dashboard
    let patch = crate::events::EventPatch {
        waitlist_promotion: Some("suggest".to_owned()),
        confirm_reminder_days: Some(Some(7)),
        ..Default::default()
    };
    let event = crate::events::apply_patch(state, event.clone(), patch).await?;
    let accepted: Vec<_> = released
        .iter()
        .filter(|(_, decision, _)| *decision == "accept")
        .filter_map(|(title, _, _)| id_of(title))
        .collect();
    seed_programme(state, &event, &accepted).await
}

/// A published programme of the accepted talks in one block around the moment the demo was
/// seeded, so that the live page has something on now and next.
async fn seed_programme(
    state: &AppState,
    event: &crate::db::events::Event,
    talks: &[crate::domain::ProposalId],
) -> Result<(), AppError> {
    use crate::programme::{BlockInput, BreakInput, ItemInput, ProgrammeInput, TalkInput};
    let start = Utc::now()
        .duration_trunc(Duration::minutes(5))
        .map_err(AppError::internal)?
        - Duration::minutes(20);
    let mut items: Vec<ItemInput> = Vec::new();
    for (i, id) in talks.iter().enumerate() {
        if i > 0 {
            items.push(ItemInput::Break(BreakInput {
                title: "Coffee".to_owned(),
                minutes: 15,
            }));
        }
        items.push(ItemInput::Talk(TalkInput {
            proposal_id: id.0,
            minutes: Some(40),
        }));
    }
    let input = ProgrammeInput {
        blocks: vec![BlockInput {
            title: "Rust MC".to_owned(),
            room: "Hall B".to_owned(),
            starts_at: start.fixed_offset(),
            ends_at: (start + Duration::minutes(210)).fixed_offset(),
            items,
        }],
    };
    crate::programme::replace(state, event, input).await?;
    crate::programme::set_published(state, event, true).await?;
    Ok(())
}

/// The event's contact address, and one past email to the speakers of every submitted
/// proposal in the history of "Write to speakers" (once, when the event is created).
async fn seed_contact_and_mailing(
    state: &AppState,
    event: &crate::db::events::Event,
) -> Result<(), AppError> {
    let patch = crate::events::EventPatch {
        contact_email: Some(Some("rust-mc@lpc.example".to_owned())),
        ..Default::default()
    };
    let event = crate::events::apply_patch(state, event.clone(), patch).await?;
    let mut conn = state.pool.get().await?;
    let chair = users::find_by_email(&mut conn, "chair@demo.mcfp.test")
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let chair = crate::accounts::CurrentUser::internal(chair);
    let request = crate::decisions::mailing::MailingRequest {
        to: crate::decisions::mailing::Selection {
            states: vec![crate::decisions::mailing::MailState::Submitted],
            ..Default::default()
        },
        subject: "{{event_title}}: thank you for your proposals".to_owned(),
        body: "Dear {{speaker_name}},\n\nthank you for submitting:\n{{proposals}}\n\n\
               The committee is reviewing them; decisions follow by email.\n"
            .to_owned(),
    };
    crate::decisions::mailing::send(state, &chair, &event, request, None).await?;
    Ok(())
}

/// Opens reviewing, assigns two reviewers per proposal and writes the demo reviews, once.
async fn seed_reviews(state: &AppState, event: &crate::db::events::Event) -> Result<(), AppError> {
    let mut conn = state.pool.get().await?;
    if crate::db::reviews::count_reviews_of_event(&mut conn, event.id).await? > 0 {
        return Ok(());
    }
    let chair = users::find_by_email(&mut conn, "chair@demo.mcfp.test")
        .await?
        .ok_or(AppError::NotFound)?;
    let chair = crate::accounts::CurrentUser::internal(chair);
    drop(conn);
    let event = if event.review_open_at(Utc::now()) {
        event.clone()
    } else {
        let patch: crate::events::EventPatch =
            serde_json::from_value(serde_json::json!({ "review_open": true }))
                .map_err(AppError::internal)?;
        crate::events::apply_patch(state, event.clone(), patch).await?
    };
    crate::review::auto_assign(state, &chair, &event, 2).await?;
    let mut conn = state.pool.get().await?;
    let proposals = crate::review::ranking(&mut conn, &event, None).await?;
    for (email, title, score, confidence, comment) in REVIEWS {
        let Some(proposal) = proposals.iter().find(|p| p.title == *title) else {
            continue;
        };
        let reviewer = users::find_by_email(&mut conn, email)
            .await?
            .ok_or(AppError::NotFound)?;
        let reviewer = crate::accounts::CurrentUser::internal(reviewer);
        let proposal_id = crate::domain::ProposalId(proposal.proposal_id);
        // a demo review of a proposal the balancer gave someone else is assigned by hand first
        let mut assigned: Vec<crate::domain::UserId> =
            crate::review::assignments_view(&mut conn, proposal_id)
                .await?
                .reviewers
                .iter()
                .map(|r| crate::domain::UserId(r.id))
                .collect();
        if !assigned.contains(&reviewer.id) {
            assigned.push(reviewer.id);
            crate::review::set_assignments(state, &chair, proposal_id, assigned).await?;
        }
        let request = crate::review::ReviewRequest {
            score: Some(*score),
            criteria: None,
            confidence: *confidence,
            comment_for_chairs: (*comment).to_owned(),
            comment_for_speakers: String::new(),
        };
        crate::review::save_review(state, &reviewer, proposal_id, request).await?;
    }
    Ok(())
}

/// What [`reset`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    pub events: usize,
    pub accounts: usize,
    pub emails: usize,
}

/// Drops the demo's data, in one transaction, so that [`seed`] builds it afresh: the demo
/// event (`rust-mc`) and any event a demo account created, the accounts at
/// [`DEMO_EMAIL_DOMAIN`], and the outbox rows of those events or addressed to those accounts.
///
/// Deleting an event cascades (migrations: tracks, members, invitations, proposals with their
/// co-speakers, revisions, tag corrections, assignments, conflicts, reviews and their history,
/// decision audit, email templates); deleting an account cascades to its sessions, API tokens,
/// password resets, memberships, assignments, conflicts and idempotency keys. What a demo
/// account left in other events has no cascade and goes explicitly first: its proposals,
/// reviews, revisions, tag corrections and co-speaker rows; a chair's track choice it made keeps
/// its value and loses its author. Everything else in the database stays as it is.
pub async fn reset(state: &AppState) -> Result<Removed, AppError> {
    use diesel::prelude::*;
    use diesel_async::{AsyncConnection, RunQueryDsl};

    use crate::schema::{
        co_speakers, events, outbox, proposal_revisions, proposals, reviews, tag_corrections, users,
    };

    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let scale_domain = format!("%@{DEMO_SCALE_SLUG}.{}", crate::bench_seed::EMAIL_DOMAIN);
        let demo_users: Vec<uuid::Uuid> = users::table
            .filter(
                users::email_normalized
                    .like(format!("%@{DEMO_EMAIL_DOMAIN}"))
                    .or(users::email_normalized.like(&scale_domain)),
            )
            .select(users::id)
            .for_update()
            .load(conn)
            .await?;
        let demo_events: Vec<uuid::Uuid> = events::table
            .filter(
                events::slug
                    .eq_any([DEMO_EVENT_SLUG, DEMO_SCALE_SLUG])
                    .or(events::created_by.eq_any(&demo_users)),
            )
            .select(events::id)
            .for_update()
            .load(conn)
            .await?;

        let emails = diesel::delete(
            outbox::table.filter(
                outbox::event_id
                    .eq_any(&demo_events)
                    .or(outbox::recipient.ilike(format!("%@{DEMO_EMAIL_DOMAIN}")))
                    .or(outbox::recipient.ilike(format!("%@{DEMO_EMAIL_DOMAIN}>")))
                    .or(outbox::recipient.ilike(&scale_domain)),
            ),
        )
        .execute(conn)
        .await?;
        let events = diesel::delete(events::table.filter(events::id.eq_any(&demo_events)))
            .execute(conn)
            .await?;

        // the demo accounts' traces in other events, which do not cascade
        diesel::delete(proposals::table.filter(proposals::submitter_id.eq_any(&demo_users)))
            .execute(conn)
            .await?;
        diesel::delete(reviews::table.filter(reviews::reviewer_id.eq_any(&demo_users)))
            .execute(conn)
            .await?;
        diesel::delete(
            proposal_revisions::table.filter(proposal_revisions::author_id.eq_any(&demo_users)),
        )
        .execute(conn)
        .await?;
        diesel::delete(
            tag_corrections::table.filter(tag_corrections::chair_id.eq_any(&demo_users)),
        )
        .execute(conn)
        .await?;
        diesel::delete(co_speakers::table.filter(co_speakers::user_id.eq_any(&demo_users)))
            .execute(conn)
            .await?;
        diesel::update(proposals::table.filter(proposals::chair_set_by.eq_any(&demo_users)))
            .set(proposals::chair_set_by.eq(None::<uuid::Uuid>))
            .execute(conn)
            .await?;

        let accounts = diesel::delete(users::table.filter(users::id.eq_any(&demo_users)))
            .execute(conn)
            .await?;
        Ok(Removed {
            events,
            accounts,
            emails,
        })
    })
    .await
}

/// Review criteria for a new demo event, after its seeded reviews (which keep their single
/// score, their criteria blank): the next review saved scores each criterion.
async fn seed_review_criteria(
    state: &AppState,
    event: &crate::db::events::Event,
) -> Result<(), AppError> {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;

    let criteria = serde_json::json!([
        {"key": "relevance", "label": "Relevance to the microconference", "weight": 2.0, "position": 0},
        {"key": "depth", "label": "Technical depth", "weight": 1.0, "position": 1},
        {"key": "clarity", "label": "Clarity of the proposal", "weight": 1.0, "position": 2},
    ]);
    let mut conn = state.pool.get().await?;
    diesel::update(crate::schema::events::table.find(event.id))
        .set(crate::schema::events::review_criteria.eq(criteria))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// The demo event's questions on the submission form, and answers on its seeded proposals
/// (written after them, as answers given when the questions were added).
async fn seed_questions(
    state: &AppState,
    event: &crate::db::events::Event,
) -> Result<(), AppError> {
    use crate::schema::{events as e, proposals as p};
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;

    let questions = serde_json::json!([
        {"key": "kind_of", "label": "Is this a talk or a discussion?", "help": "",
         "kind": "choice", "options": ["Talk", "Discussion"], "required": true,
         "visible_to_reviewers": true, "formats": null, "position": 0},
        {"key": "presented_before", "label": "Have you presented this before?",
         "help": "Elsewhere, or at an earlier Plumbers.", "kind": "boolean", "options": [],
         "required": false, "visible_to_reviewers": false, "formats": null, "position": 1},
        {"key": "subsystem", "label": "Which kernel subsystem?",
         "help": "For example: block, networking, DRM.", "kind": "text", "options": [],
         "required": false, "visible_to_reviewers": true, "formats": ["talk"], "position": 2},
        {"key": "remote", "label": "Needs remote participation?", "help": "",
         "kind": "boolean", "options": [], "required": false, "visible_to_reviewers": true,
         "formats": null, "position": 3},
    ]);
    let mut conn = state.pool.get().await?;
    diesel::update(e::table.find(event.id))
        .set(e::questions.eq(questions))
        .execute(&mut conn)
        .await?;
    let seeded: Vec<(crate::domain::ProposalId, String)> = p::table
        .filter(p::event_id.eq(event.id))
        .order((p::created_at, p::id))
        .select((p::id, p::format))
        .load(&mut conn)
        .await?;
    let subsystems = ["block", "networking", "DRM", "filesystems"];
    for (i, (id, format)) in seeded.into_iter().enumerate() {
        let mut answers = serde_json::json!({
            "kind_of": if format == "discussion" { "Discussion" } else { "Talk" },
            "presented_before": i % 2 == 1,
            "remote": i % 3 == 2,
        });
        if format == "talk" {
            answers["subsystem"] = subsystems[i % subsystems.len()].into();
        }
        diesel::update(p::table.find(id))
            .set(p::answers.eq(answers))
            .execute(&mut conn)
            .await?;
    }
    Ok(())
}

/// The second demo event, once: generated proposals, reviewers and reviews (`bench_seed`, one
/// transaction), renamed for the demo and chaired by the demo chair.
async fn seed_scale_event(state: &AppState) -> Result<(), AppError> {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;

    let mut conn = state.pool.get().await?;
    if events::find_by_slug(&mut conn, DEMO_SCALE_SLUG)
        .await?
        .is_some()
    {
        return Ok(());
    }
    drop(conn);
    let mut options = crate::bench_seed::SeedOptions::new(DEMO_SCALE_SLUG, DEMO_SCALE_PROPOSALS);
    options.reviewers = 12;
    options.reviews_per_proposal = 3;
    options.password = DEMO_PASSWORD.to_owned();
    let report = crate::bench_seed::seed(&state.pool, &options)
        .await
        .map_err(|e| AppError::internal(format!("seeding {DEMO_SCALE_SLUG}: {e:#}")))?;
    let mut conn = state.pool.get().await?;
    diesel::update(crate::schema::events::table.find(report.event_id))
        .set((
            crate::schema::events::title.eq("Rust MC at scale (300 generated proposals)"),
            crate::schema::events::description.eq(
                "A generated call for proposals to feel mcfp at the scale of a large call: 300 \
                 proposals by 150 speakers, 12 reviewers with 3 reviews per proposal. Sign in as \
                 the demo chair and try the dashboard's search, sorting and keyboard, the \
                 ranking, and the similar-proposals flags.",
            ),
            crate::schema::events::max_proposals_per_speaker.eq(3i16),
        ))
        .execute(&mut conn)
        .await?;
    if let Some(chair) = users::find_by_email(&mut conn, "chair@demo.mcfp.test").await? {
        events::upsert_member(
            &mut conn,
            crate::domain::EventId(report.event_id),
            chair.id,
            EventRoleKind::Chair,
            None,
        )
        .await?;
    }
    Ok(())
}

/// Seeds the demo and returns the text to print: where to go and how to sign in.
pub async fn seed(state: &AppState) -> Result<String, AppError> {
    let mut conn = state.pool.get().await?;
    let existing = events::find_by_slug(&mut conn, DEMO_EVENT_SLUG).await?;
    let created = existing.is_none();
    let event = match existing {
        Some(event) => event,
        None => {
            let now = Utc::now();
            events::insert_event(
                &mut conn,
                NewEvent {
                    id: EventId::new(),
                    slug: DEMO_EVENT_SLUG,
                    title: "Rust Microconference — Linux Plumbers Conference",
                    description: DESCRIPTION,
                    time_zone: "America/New_York",
                    cfp_opens_at: now - Duration::days(14),
                    cfp_closes_at: now + Duration::days(30),
                    blind_review: false,
                    score_min: 1,
                    score_max: 5,
                    created_by: None,
                },
            )
            .await?
        }
    };
    drop(conn);
    for account in ACCOUNTS {
        let mut conn = state.pool.get().await?;
        let user = match users::find_by_email(&mut conn, account.email).await? {
            Some(user) => user,
            None => {
                drop(conn);
                let registration = Registration::parse(account.email, account.name, DEMO_PASSWORD)?;
                let user = accounts::register(state, registration, account.admin).await?;
                conn = state.pool.get().await?;
                user
            }
        };
        if let Some(role) = account.role {
            let tracks = (account.email == KERNEL_ONLY_REVIEWER)
                .then(|| vec![crate::tagging::Track::RustForLinux.key().to_owned()]);
            events::upsert_member(&mut conn, event.id, user.id, role, tracks).await?;
        }
    }
    seed_profiles(state).await?;
    seed_proposals(state, &event).await?;
    seed_reviews(state, &event).await?;
    seed_decisions(state, &event).await?;
    if created {
        seed_review_criteria(state, &event).await?;
        seed_contact_and_mailing(state, &event).await?;
        seed_questions(state, &event).await?;
    }
    seed_scale_event(state).await?;
    let mut text = format!(
        "\nmcfp demo: the \"{}\" call for proposals is at {}events/{}\n\
         A second call, {}events/{DEMO_SCALE_SLUG}, holds {DEMO_SCALE_PROPOSALS} generated proposals \
         with reviews (chaired by chair@{DEMO_EMAIL_DOMAIN} too).\n\
         Sign in at {}login with any of these (password: {DEMO_PASSWORD}):\n",
        event.title, state.base_url, event.slug, state.base_url, state.base_url
    );
    for account in ACCOUNTS {
        let role = match (account.admin, account.role) {
            (true, _) => "site admin",
            (_, Some(EventRoleKind::Chair)) => "chair",
            (_, Some(EventRoleKind::Reviewer)) => "reviewer",
            _ => "speaker",
        };
        text.push_str(&format!("  {:<28} {role}\n", account.email));
    }
    Ok(text)
}
