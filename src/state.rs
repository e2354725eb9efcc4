//! What every handler and service shares: the pool, the settings, the public base URL, metrics
//! and rate limits. A leaf: it knows the database and the configuration, no service.

use std::sync::Arc;

use url::Url;

use crate::config::Settings;
use crate::db::DbPool;
use crate::db::public_changes::PublicChanges;
use crate::metrics::Metrics;
use crate::rate_limit::RateLimiter;

pub struct AppState {
    pub pool: DbPool,
    pub settings: Settings,
    /// Where links in emails point: MCFP_BASE_URL, or the bound address.
    pub base_url: Url,
    pub metrics: Metrics,
    pub rate_limiter: RateLimiter,
    pub submit_limiter: RateLimiter,
    /// What the public pages' caches check instead of the database (`db::public_changes`).
    pub public_changes: Arc<PublicChanges>,
}

impl AppState {
    pub fn new(settings: Settings, pool: DbPool, base_url: Url) -> AppState {
        AppState {
            pool,
            rate_limiter: RateLimiter::new(settings.auth_rate_per_minute),
            submit_limiter: RateLimiter::new(settings.submit_rate_per_minute),
            settings,
            base_url,
            metrics: Metrics::default(),
            public_changes: Arc::default(),
        }
    }

    /// MCFP_BASE_URL, or http:// and the listen address.
    pub fn default_base_url(settings: &Settings) -> anyhow::Result<Url> {
        match &settings.base_url {
            Some(url) => Ok(url.clone()),
            None => Ok(Url::parse(&format!("http://{}/", settings.listen))?),
        }
    }
}
