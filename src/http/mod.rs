//! What both adapters (the JSON API and the HTML pages) need of a request: the client's address,
//! conditional GET, the body limit, the metrics middleware and the chair's-event extractor.
//! Below `api` and `pages`, above the services.

pub mod access_log;
mod chaired_event;
mod conditional;
pub mod control_characters;
pub mod metrics;

pub use chaired_event::ChairedEvent;
pub use conditional::conditional;

use actix_web::{HttpRequest, HttpResponse};

/// The largest request body the service reads (JSON and forms alike).
pub const BODY_LIMIT_BYTES: usize = 256 * 1024;

/// The peer's address (no proxy headers are trusted).
pub fn client_ip(req: &HttpRequest) -> std::net::IpAddr {
    req.peer_addr()
        .map(|a| a.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

/// A CSV body as a download named `filename`.
pub fn csv_download(filename: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}
