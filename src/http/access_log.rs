//! The request span every log line of a request carries, with secrets kept out of it: emailed
//! tokens travel in paths (`/invitations/mcfpi_…`) and queries (`?token=mcfpr_…`), and a log is
//! no place for a working invitation or reset link.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};

/// Prefixes of the service's bearer-like tokens (sessions, API tokens, invitations, resets).
const TOKEN_PREFIXES: [&str; 5] = ["mcfps_", "mcfpt_", "mcfpi_", "mcfpm_", "mcfpr_"];

/// The path and query with every token replaced by its prefix and `[redacted]`.
pub fn redacted_target(target: &str) -> String {
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    let path: Vec<String> = path.split('/').map(redact_segment).collect();
    let mut out = path.join("/");
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, value)) => format!("{name}={}", redact_segment(value)),
                None => redact_segment(pair),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

fn redact_segment(segment: &str) -> String {
    match TOKEN_PREFIXES.iter().find(|p| segment.contains(*p)) {
        Some(prefix) => format!("{prefix}[redacted]"),
        None => segment.to_owned(),
    }
}

/// `tracing_actix_web`'s default span, with `http.target` redacted.
pub struct RedactedRootSpan;

impl RootSpanBuilder for RedactedRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let target = redacted_target(
            request
                .uri()
                .path_and_query()
                .map_or("", |target| target.as_str()),
        );
        let route = request.match_pattern().unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %target,
            http.client_ip = %request.connection_info().realip_remote_addr().unwrap_or(""),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_paths_and_queries_are_redacted() {
        assert_eq!(
            redacted_target("/invitations/mcfpi_AbC123"),
            "/invitations/mcfpi_[redacted]"
        );
        assert_eq!(
            redacted_target("/password-reset/confirm?token=mcfpr_xyz&x=1"),
            "/password-reset/confirm?token=mcfpr_[redacted]&x=1"
        );
        assert_eq!(
            redacted_target("/login?next=%2Fmember-invitations%2Fmcfpm_abc"),
            "/login?next=mcfpm_[redacted]"
        );
        assert_eq!(
            redacted_target("/events/rust-mc?track=rust"),
            "/events/rust-mc?track=rust"
        );
    }
}
