//! What can go wrong starting a private server, each said on one line.

use std::{fmt, io};

use super::READY_TIMEOUT;
use super::binaries::DEBIAN_PG_ROOT;

#[derive(Debug)]
pub enum PrivatePgError {
    NoBinaries,
    Io(String /*what*/, io::Error),
    CommandFailed { what: String, output: String },
    NotReady { log_tail: String },
}

impl fmt::Display for PrivatePgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoBinaries => write!(
                f,
                "no PostgreSQL reachable at 127.0.0.1:5432 and no server binaries found \
                 (initdb/pg_ctl/postgres on PATH or under {DEBIAN_PG_ROOT}/*/bin): \
                 install Debian's `postgresql` package or set DATABASE_URL"
            ),
            Self::Io(what, e) => write!(f, "private PostgreSQL: {what}: {e}"),
            Self::CommandFailed { what, output } => {
                write!(f, "private PostgreSQL: {what} failed: {}", one_line(output))
            }
            Self::NotReady { log_tail } => write!(
                f,
                "private PostgreSQL did not accept connections within {}s; server log tail: {}",
                READY_TIMEOUT.as_secs(),
                one_line(log_tail)
            ),
        }
    }
}

impl std::error::Error for PrivatePgError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(_, e) => Some(e),
            _ => None,
        }
    }
}

/// Keeps multi-line tool output on the single line the Display contract promises.
fn one_line(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        "(no output)".to_string()
    } else {
        lines.join(" | ")
    }
}
