//! The integration-test harness and the helpers the tests share: one place per capability.
//!
//! - `app`: the application under test (`TestApp`), on its own database and SMTP server;
//! - `database`: the PostgreSQL server and the migrated template database;
//! - `mail`: the SMTP server the tests read (`MailSink`, `ReceivedEmail`);
//! - `api`: requests (`send`, `api`) and the scenarios' steps (`person`, `submit`, `decide`, …);
//! - `pages`: forms and what pages show (`post`, `at`, `between`, `unescape`, …);
//! - `committee`: the cast most page tests share.

mod api;
mod app;
mod committee;
mod database;
mod mail;
mod pages;

pub use api::*;
pub use app::*;
pub use committee::*;
pub use mail::*;
pub use pages::*;
