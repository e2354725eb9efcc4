//! Configuration, read once from the environment into a typed struct and passed down.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use lettre::message::Mailbox;
use url::Url;

use crate::crypto::SecretKey;

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/mcfp";

/// A value that must never reach a log line.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Debug, Clone)]
pub enum MailTransport {
    /// `smtp://` (plain, or STARTTLS with `?tls=required`), `smtps://` (implicit TLS).
    Smtp(Secret),
    /// Write each message as an .eml file into this folder.
    Spool(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: Secret,
    /// False when DATABASE_URL was not set: then a private PostgreSQL may be started.
    pub database_url_is_explicit: bool,
    pub listen: SocketAddr,
    /// Links in emails. None: derived from the bound address at start.
    pub base_url: Option<Url>,
    pub secret_key: SecretKey,
    /// True when MCFP_SECRET_KEY was unset (a development key is used).
    pub secret_key_generated: bool,
    /// Where that development key is kept, if in a file.
    pub secret_key_file: Option<PathBuf>,
    pub mail: MailTransport,
    pub mail_from: Mailbox,
    pub session_ttl_hours: i64,
    /// Requests per minute per client IP on login, registration, password reset and classify.
    pub auth_rate_per_minute: u32,
    /// Proposal submissions per minute per account.
    pub submit_rate_per_minute: u32,
    /// A reviewer gets at most one digest of new assignments per this many minutes
    /// (MCFP_REVIEW_DIGEST_MINUTES, default 60).
    pub review_digest_minutes: i64,
}

#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

fn bad(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        message: message.into(),
    }
}

impl Settings {
    /// Reads the environment. Without MCFP_SECRET_KEY (development), the key is kept in a file
    /// (`MCFP_SECRET_KEY_FILE`, default `./.mcfp-secret-key`, created on first run) so that
    /// restarts and separate `mcfp worker` processes share it.
    pub fn from_env() -> Result<Settings, ConfigError> {
        let lookup = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mut settings = Settings::from_lookup(lookup)?;
        if settings.secret_key_generated {
            let path = PathBuf::from(
                lookup("MCFP_SECRET_KEY_FILE").unwrap_or_else(|| ".mcfp-secret-key".to_owned()),
            );
            settings.secret_key =
                load_or_create_key_file(&path).map_err(|m| bad("MCFP_SECRET_KEY_FILE", m))?;
            settings.secret_key_file = Some(path);
        }
        Ok(settings)
    }

    /// Reads every variable through `lookup`, so tests can configure without touching the process env.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let (database_url, database_url_is_explicit) = match lookup("DATABASE_URL") {
            Some(url) => (url, true),
            None => (DEFAULT_DATABASE_URL.to_owned(), false),
        };
        let parsed_db = Url::parse(&database_url)
            .map_err(|e| bad("DATABASE_URL", format!("not a URL ({e})")))?;
        if !matches!(parsed_db.scheme(), "postgres" | "postgresql") {
            return Err(bad(
                "DATABASE_URL",
                "must start with postgres:// or postgresql://",
            ));
        }
        if database_name(&database_url).is_none() {
            return Err(bad(
                "DATABASE_URL",
                "must name a database made of letters, digits, '_' or '-' (e.g. /mcfp)",
            ));
        }

        let listen_text = lookup("MCFP_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let listen: SocketAddr = listen_text.parse().map_err(|_| {
            bad(
                "MCFP_LISTEN",
                format!("`{listen_text}` is not an address like 127.0.0.1:8080"),
            )
        })?;

        let base_url = match lookup("MCFP_BASE_URL") {
            None => None,
            Some(text) => {
                let url = Url::parse(&text)
                    .map_err(|e| bad("MCFP_BASE_URL", format!("`{text}` is not a URL ({e})")))?;
                if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                    return Err(bad(
                        "MCFP_BASE_URL",
                        "must be an http:// or https:// URL with a host",
                    ));
                }
                Some(url)
            }
        };
        let https = base_url.as_ref().is_some_and(|u| u.scheme() == "https");

        let (secret_key, secret_key_generated) = match lookup("MCFP_SECRET_KEY") {
            Some(text) => (
                SecretKey::from_text(&text).map_err(|m| bad("MCFP_SECRET_KEY", m))?,
                false,
            ),
            None if https => {
                return Err(bad(
                    "MCFP_SECRET_KEY",
                    "required when MCFP_BASE_URL is https (at least 32 characters, e.g. `openssl rand -hex 32`)",
                ));
            }
            None => (SecretKey::generate(), true),
        };

        let mail = match lookup("MCFP_SMTP_URL") {
            Some(text) => {
                let url = Url::parse(&text)
                    .map_err(|e| bad("MCFP_SMTP_URL", format!("not a URL ({e})")))?;
                if !matches!(url.scheme(), "smtp" | "smtps") || url.host_str().is_none() {
                    return Err(bad(
                        "MCFP_SMTP_URL",
                        "must look like smtp://host:port (plain or ?tls=required for STARTTLS) or smtps://host:port",
                    ));
                }
                // lettre reads the same URL; check here so a bad value fails at start, not at first send.
                lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&text)
                    .map_err(|e| bad("MCFP_SMTP_URL", e.to_string()))?;
                MailTransport::Smtp(Secret::new(text))
            }
            None => MailTransport::Spool(PathBuf::from(
                lookup("MCFP_MAIL_SPOOL").unwrap_or_else(|| "./mail-spool".to_owned()),
            )),
        };

        let from_text =
            lookup("MCFP_MAIL_FROM").unwrap_or_else(|| "mcfp <cfp@mcfp.localhost>".to_owned());
        let mail_from: Mailbox = from_text.parse().map_err(|e| {
            bad(
                "MCFP_MAIL_FROM",
                format!("`{from_text}` is not a mailbox like `CfP <cfp@example.org>` ({e})"),
            )
        })?;

        let session_ttl_hours =
            parse_number(&lookup, "MCFP_SESSION_TTL_HOURS", 24 * 14, 1, 24 * 365)?;
        let auth_rate_per_minute =
            parse_number(&lookup, "MCFP_AUTH_RATE_PER_MINUTE", 30, 1, 1_000_000)? as u32;

        let submit_rate_per_minute =
            parse_number(&lookup, "MCFP_SUBMIT_RATE_PER_MINUTE", 10, 1, 1_000_000)? as u32;
        let review_digest_minutes =
            parse_number(&lookup, "MCFP_REVIEW_DIGEST_MINUTES", 60, 1, 24 * 60)?;

        Ok(Settings {
            database_url: Secret::new(database_url),
            database_url_is_explicit,
            listen,
            base_url,
            secret_key,
            secret_key_generated,
            secret_key_file: None,
            mail,
            mail_from,
            session_ttl_hours,
            auth_rate_per_minute,
            submit_rate_per_minute,
            review_digest_minutes,
        })
    }

    pub fn https(&self) -> bool {
        self.base_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }
}

/// Reads the key file, or writes a new random key to it (readable by the owner only).
fn load_or_create_key_file(path: &std::path::Path) -> Result<SecretKey, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => SecretKey::from_text(text.trim())
            .map_err(|m| format!("{}: the key {m}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let text = crate::crypto::random_token("dev-key-");
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let written = options
                .open(path)
                .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
            match written {
                Ok(()) => SecretKey::from_text(&text),
                // another process created it first: use theirs
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    load_or_create_key_file(path)
                }
                Err(e) => Err(format!("cannot write {}: {e}", path.display())),
            }
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

fn parse_number(
    lookup: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, ConfigError> {
    match lookup(variable) {
        None => Ok(default),
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(bad(
                variable,
                format!("`{text}` is not a whole number from {min} to {max}"),
            )),
        },
    }
}

/// The database named by the URL's path, if it is a plain identifier we can safely quote.
pub fn database_name(database_url: &str) -> Option<String> {
    let url = url::Url::parse(database_url).ok()?;
    let name = url.path().trim_start_matches('/');
    let plain = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    plain.then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_usable_for_development() {
        let s = settings(&[]).expect("defaults");
        assert_eq!(s.database_url.expose(), DEFAULT_DATABASE_URL);
        assert!(!s.database_url_is_explicit);
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert!(s.secret_key_generated);
        assert!(
            matches!(s.mail, MailTransport::Spool(ref p) if p == &PathBuf::from("./mail-spool"))
        );
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases: &[(&str, &str)] = &[
            ("DATABASE_URL", "mysql://x/y"),
            ("DATABASE_URL", "postgres://127.0.0.1:5432/"),
            ("MCFP_LISTEN", "localhost"),
            ("MCFP_BASE_URL", "ftp://example.org"),
            ("MCFP_SECRET_KEY", "short"),
            ("MCFP_SMTP_URL", "http://mail"),
            ("MCFP_MAIL_FROM", "not a mailbox"),
            ("MCFP_SESSION_TTL_HOURS", "-3"),
        ];
        for (variable, value) in cases {
            let err = settings(&[(variable, value)]).expect_err(variable);
            assert_eq!(err.variable, *variable);
            assert!(err.to_string().starts_with(variable), "{err}");
            assert!(!err.to_string().contains('\n'));
        }
    }

    #[test]
    fn https_requires_a_secret_key() {
        let err = settings(&[("MCFP_BASE_URL", "https://cfp.example.org")]).expect_err("https");
        assert_eq!(err.variable, "MCFP_SECRET_KEY");
        let ok = settings(&[
            ("MCFP_BASE_URL", "https://cfp.example.org"),
            ("MCFP_SECRET_KEY", "0123456789abcdef0123456789abcdef"),
        ])
        .expect("https with key");
        assert!(ok.https());
        assert!(!ok.secret_key_generated);
    }

    #[test]
    fn smtp_urls_of_every_kind_are_accepted() {
        for url in [
            "smtp://127.0.0.1:1025",
            "smtp://user:pw@mail.example.org:587?tls=required",
            "smtps://mail.example.org:465",
        ] {
            let s = settings(&[("MCFP_SMTP_URL", url)]).expect(url);
            assert!(matches!(s.mail, MailTransport::Smtp(_)));
        }
    }

    #[test]
    fn the_development_key_file_is_created_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("mcfp-key-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("key");
        let first = load_or_create_key_file(&path).expect("created");
        let second = load_or_create_key_file(&path).expect("reused");
        assert_eq!(first.sign("x", "y"), second.sign("x", "y"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "short").expect("write");
        assert!(load_or_create_key_file(&path).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn secrets_do_not_print() {
        let s = settings(&[("DATABASE_URL", "postgres://u:hunter2@h/db")]).expect("ok");
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
