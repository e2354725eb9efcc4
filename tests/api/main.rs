//! One integration-test binary: the real app, a fresh database per test, a real SMTP server.

mod accounts;
mod api_reference;
mod bench_seed;
mod browser;
mod chairs;
mod cli;
mod decision_pages;
mod decisions;
mod demo_reset;
mod email;
mod errors;
mod helpers;
mod hostile_input;
mod layers;
mod members;
mod operations;
mod outbox;
mod pages;
mod proposal_pages;
mod proposals;
mod races;
mod review;
mod review_pages;
mod roles;
mod tokens;
mod ui;
