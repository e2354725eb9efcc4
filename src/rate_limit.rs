//! A per-client token bucket for the endpoints worth guessing at (login, registration, reset,
//! classify). In memory: each server process limits on its own, which is enough against one
//! noisy client; a deployment behind a proxy should rate-limit there too.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use crate::error::AppError;

pub struct RateLimiter {
    per_minute: f64,
    buckets: Mutex<HashMap<(String, &'static str), Bucket>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from the client's bucket for `scope`, or answers 429.
    pub fn check(&self, client: IpAddr, scope: &'static str) -> Result<(), AppError> {
        self.check_at(client.to_string(), scope, Instant::now())
    }

    /// The same, keyed by anything (e.g. an account id).
    pub fn check_key(&self, key: &str, scope: &'static str) -> Result<(), AppError> {
        self.check_at(key.to_owned(), scope, Instant::now())
    }

    fn check_at(&self, client: String, scope: &'static str, now: Instant) -> Result<(), AppError> {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() > 50_000 {
            // Forget clients idle for long enough to have a full bucket again.
            buckets.retain(|_, b| now.duration_since(b.updated).as_secs() < 60);
        }
        let bucket = buckets.entry((client, scope)).or_insert(Bucket {
            tokens: self.per_minute,
            updated: now,
        });
        let refill = now.duration_since(bucket.updated).as_secs_f64() * self.per_minute / 60.0;
        bucket.tokens = (bucket.tokens + refill).min(self.per_minute);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(AppError::TooManyRequests)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bucket_empties_and_refills_per_client_and_scope() {
        let limiter = RateLimiter::new(3);
        let a = "10.0.0.1".to_owned();
        let b = "10.0.0.2".to_owned();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at(a.clone(), "login", t0).is_ok());
        }
        assert!(matches!(
            limiter.check_at(a.clone(), "login", t0),
            Err(AppError::TooManyRequests)
        ));
        assert!(limiter.check_at(a.clone(), "register", t0).is_ok());
        assert!(limiter.check_at(b.clone(), "login", t0).is_ok());
        // one token back after 20 s at 3 per minute
        assert!(
            limiter
                .check_at(a.clone(), "login", t0 + Duration::from_secs(21))
                .is_ok()
        );
        assert!(
            limiter
                .check_at(a.clone(), "login", t0 + Duration::from_secs(21))
                .is_err()
        );
    }
}
