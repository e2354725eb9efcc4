//! mcfp: the microconference call-for-proposals service.
//!
//! Layers, lowest first; a module imports only from its own layer or below:
//!
//! - **leaves**: `domain`, `error`, `config`, `time`, `crypto`, `schema`, `metrics`,
//!   `rate_limit`, `telemetry` import only leaves; `db` (queries by aggregate, keyset paging)
//!   and `state` (the `AppState`) sit just above them.
//! - **services**: `accounts`, `events`, `proposals`, `tagging`, `review`, `decisions`, `mail`,
//!   one transaction per action; they import neither adapter nor `http`, and `db` imports none
//!   of them.
//! - **request helpers**: `http` (client IP, conditional GET, body limit, metrics middleware).
//! - **adapters**: `api` (JSON) and `pages` (HTML), which never import each other.
//! - **composition**: `lib`, `main`, `cli`, `demo`, `startup` may import anything.
//!
//! `tests/api/layers.rs` checks this rule, and the absence of cycles, on the source.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod accounts;
pub mod api;
pub mod bench_seed;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod csv;
pub mod db;
pub mod decisions;
pub mod demo;
pub mod domain;
pub mod error;
pub mod events;
pub mod http;
pub mod mail;
pub mod metrics;
pub mod pages;
pub mod programme;
pub mod proposals;
pub mod rate_limit;
pub mod review;
pub mod schema;
pub mod startup;
pub mod state;
pub mod tagging;
pub mod telemetry;
pub mod time;

/// Every route of the service: the API's, then the pages' (which end in the 404 page).
pub fn routes(cfg: &mut actix_web::web::ServiceConfig) {
    api::routes(cfg);
    pages::routes(cfg);
}
