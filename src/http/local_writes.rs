//! Read-your-writes for the public pages' caches: after a request that may have written (any
//! method but GET, HEAD, OPTIONS, TRACE), this process re-validates what it cached against the
//! database once, instead of waiting for the change's notification (`db::public_changes`).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::state::AppState;

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let writes = !req.method().is_safe();
    let state = writes
        .then(|| req.app_data::<web::Data<AppState>>().cloned())
        .flatten();
    let response = next.call(req).await;
    // the handler has committed (or failed) by now, and the client has seen nothing yet
    if let Some(state) = state {
        state.public_changes.local_write();
    }
    response
}
