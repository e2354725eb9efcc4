//! What both adapters (the JSON API and the HTML pages) need of a request: the client's address,
//! conditional GET, the body limit, the metrics middleware and the chair's-event extractor.
//! Below `api` and `pages`, above the services.

pub mod access_log;
mod chaired_event;
mod conditional;
pub mod control_characters;
pub mod local_writes;
pub mod metrics;

pub use chaired_event::ChairedEvent;
pub use conditional::{conditional, if_none_match_names, respond_versioned};

use actix_web::{HttpRequest, HttpResponse};

/// The largest request body the service reads (JSON and forms alike).
pub const BODY_LIMIT_BYTES: usize = 256 * 1024;

/// How long a request body may take to arrive once its head is in: a client trickling a body
/// byte by byte gets a 408 instead of holding a connection (and a worker's attention) for ever.
pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Waits for a body extractor at most `BODY_READ_TIMEOUT`.
pub async fn within_body_timeout<T>(
    body: impl std::future::Future<Output = T>,
) -> Result<T, crate::error::AppError> {
    tokio::time::timeout(BODY_READ_TIMEOUT, body)
        .await
        .map_err(|_| crate::error::AppError::RequestTimeout)
}

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
