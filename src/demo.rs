//! The demo microconference: the Rust MC from the seed CfP, with accounts for every role.
//! Seeding is idempotent: a second `mcfp demo` against the same database reuses what is there.

use chrono::{Duration, Utc};

use crate::accounts::{self, Registration};
use crate::db::events::{self, EventRoleKind, NewEvent};
use crate::db::users;
use crate::domain::EventId;
use crate::error::AppError;
use crate::startup::AppState;

pub const DEMO_PASSWORD: &str = "demo-password-2026";
pub const DEMO_EVENT_SLUG: &str = "rust-mc";

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
        email: "speaker@demo.mcfp.test",
        name: "Sam Speaker",
        admin: false,
        role: None,
    },
];

/// Seeds the demo and returns the text to print: where to go and how to sign in.
pub async fn seed(state: &AppState) -> Result<String, AppError> {
    let mut conn = state.pool.get().await?;
    let event = match events::find_by_slug(&mut conn, DEMO_EVENT_SLUG).await? {
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
            events::upsert_member(&mut conn, event.id, user.id, role, None).await?;
        }
    }
    let mut text = format!(
        "\nmcfp demo: the \"{}\" call for proposals is at {}events/{}\nSign in at {}login with any of these (password: {DEMO_PASSWORD}):\n",
        event.title, state.base_url, event.slug, state.base_url
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
