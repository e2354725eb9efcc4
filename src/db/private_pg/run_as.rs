//! The unprivileged account the server runs as when we are root, and how we switch to it.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use super::PrivatePgError;
use super::binaries::find_tool;

/// The unprivileged account the server runs as when we are root
/// (initdb, pg_ctl and postgres all refuse to run as root).
#[derive(Debug, Clone)]
pub(super) struct RunAs {
    pub(super) user: String,
    pub(super) uid: u32,
    pub(super) gid: u32,
    /// setpriv execs in place (our child *is* the postmaster); runuser is the fallback.
    pub(super) wrapper: Wrapper,
}

#[derive(Debug, Clone)]
pub(super) enum Wrapper {
    Setpriv(PathBuf),
    Runuser(PathBuf),
}

impl RunAs {
    pub(super) fn for_root() -> Result<Option<RunAs>, PrivatePgError> {
        if !running_as_root() {
            return Ok(None);
        }
        let user = "postgres";
        let Some((uid, gid)) = lookup_user(user) else {
            return Err(PrivatePgError::CommandFailed {
                what: "choosing a user to run PostgreSQL as".into(),
                output: format!(
                    "running as root and there is no `{user}` system user; \
                     initdb/postgres refuse to run as root"
                ),
            });
        };
        let wrapper = if let Some(p) = find_tool("setpriv") {
            Wrapper::Setpriv(p)
        } else if let Some(p) = find_tool("runuser") {
            Wrapper::Runuser(p)
        } else {
            return Err(PrivatePgError::CommandFailed {
                what: format!("switching to user `{user}`"),
                output: "neither setpriv nor runuser (util-linux) is installed".into(),
            });
        };
        Ok(Some(RunAs {
            user: user.into(),
            uid,
            gid,
            wrapper,
        }))
    }
}

fn running_as_root() -> bool {
    // std has no geteuid; /proc/self/status lists real, effective, saved, fs uids.
    if let Ok(status) = fs::read_to_string("/proc/self/status")
        && let Some(line) = status.lines().find(|l| l.starts_with("Uid:"))
    {
        return line.split_whitespace().nth(2) == Some("0");
    }
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// (uid, gid) of a user from the passwd database.
fn lookup_user(user: &str) -> Option<(u32, u32)> {
    let parse = |text: &str| {
        text.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() >= 4 && fields[0] == user {
                Some((fields[2].parse().ok()?, fields[3].parse().ok()?))
            } else {
                None
            }
        })
    };
    if let Some(found) = fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|t| parse(&t))
    {
        return Some(found);
    }
    // Accounts from NSS sources other than /etc/passwd.
    let out = Command::new("getent")
        .args(["passwd", user])
        .output()
        .ok()?;
    parse(&String::from_utf8_lossy(&out.stdout))
}
