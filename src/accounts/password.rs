//! argon2id hashing, off the async threads, with a dummy verification for unknown accounts.

use std::sync::OnceLock;

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

/// argon2 takes 19 MiB and a core for a while: a flood of logins must queue, not exhaust memory.
static HASHING_PERMITS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

async fn hashing_permit() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    HASHING_PERMITS
        .acquire()
        .await
        .map_err(|e| AppError::internal(format!("hashing permits: {e}")))
}

pub async fn hash_password(password: NewPassword) -> Result<String, AppError> {
    let _permit = hashing_permit().await?;
    tokio::task::spawn_blocking(move || hash_blocking(password.expose()))
        .await
        .map_err(|e| AppError::internal(format!("hashing task: {e}")))?
}

/// True only when `stored` is present and matches. With no stored hash (unknown email) the
/// candidate is still checked against a dummy hash, so the answer takes as long either way.
pub async fn verify_password(candidate: String, stored: Option<String>) -> Result<bool, AppError> {
    let _permit = hashing_permit().await?;
    tokio::task::spawn_blocking(move || {
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
    .map_err(|e| AppError::internal(format!("verification task: {e}")))
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
