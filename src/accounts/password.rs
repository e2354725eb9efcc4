//! argon2id hashing, off the async threads, with a dummy verification for unknown accounts.

use std::sync::{Arc, Mutex, OnceLock, mpsc};

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use crate::domain::NewPassword;
use crate::error::AppError;

/// argon2id, v19, m=19456 KiB, t=2, p=1: the crate's defaults, which are OWASP's recommendation.
fn hasher() -> Argon2<'static> {
    Argon2::default()
}

fn hash_blocking(password: &str) -> Result<String, AppError> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::internal(format!("hashing a password: {e}")))
}

/// A real hash of a random password, so verifying against it costs what a real check costs.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random = crate::crypto::random_token("dummy-");
        hash_blocking(&random).unwrap_or_default()
    })
}

/// argon2 takes 19 MiB and a core for a while. Hashes run on a fixed set of threads, one per
/// core, that live as long as the process: a flood of logins queues instead of exhausting the
/// cores, and the allocator reuses each thread's 19 MiB instead of keeping a fresh arena per
/// blocking thread (RSS stays near threads × 19 MiB under any load).
struct HashingThreads {
    jobs: Mutex<mpsc::Sender<Job>>,
}

type Job = Box<dyn FnOnce() + Send>;

fn hashing_threads() -> &'static HashingThreads {
    static THREADS: OnceLock<HashingThreads> = OnceLock::new();
    THREADS.get_or_init(|| {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let count = std::thread::available_parallelism().map_or(2, |n| n.get());
        for i in 0..count {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = match receiver.lock() {
                            Ok(jobs) => jobs.recv(),
                            Err(poisoned) => poisoned.into_inner().recv(),
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return, // the sender is gone: the process is ending
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        HashingThreads {
            jobs: Mutex::new(sender),
        }
    })
}

/// Runs `work` on a hashing thread and waits for it without blocking the async threads.
async fn on_hashing_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    hashing_threads()
        .jobs
        .lock()
        .map_err(|_| AppError::internal("password hashing threads: lock poisoned"))?
        .send(job)
        .map_err(|_| AppError::internal("password hashing threads are gone"))?;
    result
        .await
        .map_err(|_| AppError::internal("a password hashing job was dropped"))
}

pub async fn hash_password(password: NewPassword) -> Result<String, AppError> {
    on_hashing_thread(move || hash_blocking(password.expose())).await?
}

/// True only when `stored` is present and matches. With no stored hash (unknown email) the
/// candidate is still checked against a dummy hash, so the answer takes as long either way.
pub async fn verify_password(candidate: String, stored: Option<String>) -> Result<bool, AppError> {
    on_hashing_thread(move || {
        let known = stored.is_some();
        let hash_text = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let matches = match PasswordHash::new(&hash_text) {
            Ok(parsed) => hasher()
                .verify_password(candidate.as_bytes(), &parsed)
                .is_ok(),
            Err(e) => {
                tracing::error!(error = %e, "stored password hash does not parse");
                false
            }
        };
        known && matches
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let password = NewPassword::parse("correct horse 42").expect("policy");
        let hash = hash_password(password).await.expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            verify_password("correct horse 42".into(), Some(hash.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !verify_password("wrong horse 42".into(), Some(hash))
                .await
                .expect("verify")
        );
        assert!(
            !verify_password("anything".into(), None)
                .await
                .expect("dummy")
        );
    }
}
