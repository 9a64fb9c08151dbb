//! Writing generated files: only when their content changed, so `cargo` does not rebuild
//! the consumer for nothing.

use std::fs;
use std::path::Path;

use crate::Error;

/// Writes `files` into `dir` (created if missing).
pub(crate) fn write_all(dir: &Path, files: &[(String, String)]) -> Result<(), Error> {
    fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for (name, content) in files {
        let path = dir.join(name);
        if fs::read(&path).is_ok_and(|old| old == content.as_bytes()) {
            continue;
        }
        fs::write(&path, content).map_err(|source| Error::Io { path, source })?;
    }
    Ok(())
}
