//! argon2id hashing, off the async threads, with a dummy verification for unknown accounts.

use std::sync::{Arc, Mutex, OnceLock, mpsc};

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher};

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
            Ok(parsed) => verify_in_thread_memory(candidate.as_bytes(), &parsed),
            Err(e) => {
                tracing::error!(error = %e, "stored password hash does not parse");
                false
            }
        };
        known && matches
    })
    .await
}

thread_local! {
    /// The hashing thread's argon2 memory (19 MiB with our parameters), allocated once and
    /// reused by every verification: a login then costs no allocation and no page faults, and
    /// the process keeps threads × 19 MiB instead of what the allocator's arenas hold on to.
    static ARGON2_MEMORY: std::cell::RefCell<Vec<argon2::Block>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// `PasswordVerifier::verify_password`, computed in this thread's reused memory; the outputs
/// are compared in constant time (`phc::Output`'s `PartialEq`).
fn verify_in_thread_memory(candidate: &[u8], stored: &PasswordHash) -> bool {
    let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
        return false;
    };
    let Ok(algorithm) = argon2::Algorithm::try_from(stored.algorithm.as_str()) else {
        return false;
    };
    let version = match stored.version.map(argon2::Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = argon2::Params::try_from(stored) else {
        return false;
    };
    let blocks = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    let computed = ARGON2_MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() != blocks {
            memory.resize(blocks, argon2::Block::default());
        }
        argon.hash_password_into_with_memory(candidate, salt.as_ref(), &mut out, &mut memory[..])
    });
    match (computed, argon2::password_hash::phc::Output::new(&out)) {
        (Ok(()), Ok(output)) => output == *expected,
        _ => false,
    }
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

    /// The reused-memory verification agrees with the crate's own verifier, whatever the
    /// stored parameters (the thread's memory is resized between them), algorithm and version.
    #[test]
    fn verification_in_reused_memory_agrees_with_the_crates_verifier() {
        use argon2::password_hash::PasswordVerifier;
        let cases = [
            (
                argon2::Algorithm::Argon2id,
                argon2::Params::new(64, 1, 1, None),
            ),
            (
                argon2::Algorithm::Argon2id,
                argon2::Params::new(19456, 2, 1, None),
            ),
            (
                argon2::Algorithm::Argon2i,
                argon2::Params::new(32, 3, 1, Some(16)),
            ),
            (
                argon2::Algorithm::Argon2id,
                argon2::Params::new(128, 1, 2, Some(64)),
            ),
        ];
        for (algorithm, params) in cases {
            let argon = Argon2::new(algorithm, argon2::Version::V0x13, params.expect("params"));
            let hash = argon
                .hash_password(b"right password")
                .expect("hash")
                .to_string();
            let parsed = PasswordHash::new(&hash).expect("parses");
            for candidate in [&b"right password"[..], b"wrong password", b""] {
                assert_eq!(
                    verify_in_thread_memory(candidate, &parsed),
                    hasher().verify_password(candidate, &parsed).is_ok(),
                    "{hash} with {candidate:?}"
                );
            }
            assert!(
                verify_in_thread_memory(b"right password", &parsed),
                "{hash}"
            );
        }
    }
}
