//! Operations endpoints: liveness, readiness and Prometheus metrics.

use actix_web::{HttpResponse, web};

use crate::db;
use crate::state::AppState;

/// The operational endpoints, at the root (outside `/api/v1`): liveness, readiness, metrics.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz));
    cfg.route("/readyz", web::get().to(readyz));
    cfg.route("/metrics", web::get().to(metrics));
}

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

/// 200 when the database answers within two seconds, 503 otherwise.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match tokio::time::timeout(std::time::Duration::from_secs(2), db::ping(&state.pool)).await {
        Ok(Ok(())) => HttpResponse::Ok()
            .content_type("text/plain")
            .body("ready\n"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("database unreachable\n")
        }
        Err(_) => HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("database timed out\n"),
    }
}

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let outbox = match state.pool.get().await {
        Ok(mut conn) => db::outbox::count_by_state(&mut conn)
            .await
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&outbox))
}
