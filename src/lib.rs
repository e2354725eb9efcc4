//! mcfp: the microconference call-for-proposals service.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod accounts;
pub mod api;
pub mod cli;
pub mod config;
pub mod crypto;
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
