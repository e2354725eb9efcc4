//! Finding the locally installed PostgreSQL server binaries (and other system tools).

use std::fs;
use std::path::{Path, PathBuf};

/// Where Debian installs the versioned server binaries.
pub(super) const DEBIAN_PG_ROOT: &str = "/usr/lib/postgresql";

/// The bin directory holding initdb and pg_ctl: PATH first, then /usr/lib/postgresql/*/bin (highest version).
pub fn find_server_binaries() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .iter()
        .find_map(|dir| server_bin_dir(dir))
        .or_else(|| {
            debian_bin_dirs(Path::new(DEBIAN_PG_ROOT))
                .iter()
                .find_map(|dir| server_bin_dir(dir))
        })
}

/// The real directory behind `dir/initdb` if it holds a complete server install.
///
/// PATH entries are often symlinks (e.g. /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb),
/// so we resolve them: the real directory also has `postgres` and `psql` next to each other.
/// Wrapper scripts (Debian's pg_wrapper) resolve to another name and are skipped.
fn server_bin_dir(dir: &Path) -> Option<PathBuf> {
    let initdb = fs::canonicalize(dir.join("initdb")).ok()?;
    if initdb.file_name()? != "initdb" {
        return None;
    }
    let real_dir = initdb.parent()?;
    ["pg_ctl", "postgres"]
        .iter()
        .all(|b| is_executable_file(&real_dir.join(b)))
        .then(|| real_dir.to_path_buf())
}

pub(super) fn is_executable_file(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `root/<version>/bin` for every numeric version folder, highest version first.
pub(super) fn debian_bin_dirs(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(root) else {
        return Vec::new();
    };
    let mut versions: Vec<(Vec<u32>, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let version = name
                .split('.')
                .map(|part| part.parse::<u32>().ok())
                .collect::<Option<Vec<_>>>()?;
            Some((version, e.path().join("bin")))
        })
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

/// A tool on PATH or in the usual system dirs (root's PATH may lack the sbin dirs).
pub(super) fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| is_executable_file(p))
}
