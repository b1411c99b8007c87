//! Files and folders roster creates for itself are its owner's alone: folders 0700,
//! files 0600. They hold what must not leak: the database (token and code hashes,
//! profiles), `server.key`, and the simulated outboxes (codes in plain text).
//!
//! Modes are given at creation (`open(2)` / `mkdir(2)`), never by changing the
//! process umask, which is shared by every thread. What exists already keeps its
//! mode: the operator's choice.

use std::fs::{DirBuilder, OpenOptions};
use std::io;
use std::path::Path;

/// Permission bits a private file or folder gives its owner alone.
pub(crate) const FILE_MODE: u32 = 0o600;
/// Permission bits of a folder roster creates.
pub(crate) const DIR_MODE: u32 = 0o700;
/// The bits that give group or others any access.
const SHARED_BITS: u32 = 0o077;

/// Creates `dir` and any missing parents, each 0700; folders already there are
/// left as they are.
pub(crate) fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)
}

/// Options that create a file 0600 (add `create`, `create_new`, `write`, `append`
/// as needed). An existing file keeps its mode.
pub(crate) fn options() -> OpenOptions {
    let mut opts = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, FILE_MODE);
    opts
}

/// The permission bits of `meta` that let group or others at the file, if any
/// (always none where modes do not exist).
pub(crate) fn shared_bits(meta: &std::fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        (mode & SHARED_BITS != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn new_folders_are_0700_and_existing_ones_keep_their_mode() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).expect("chmod");
        let deep = dir.path().join("a/b");
        create_dir_all(&deep).expect("create");
        assert_eq!(mode(&dir.path().join("a")), DIR_MODE);
        assert_eq!(mode(&deep), DIR_MODE);
        assert_eq!(mode(dir.path()), 0o755, "not roster's to change");
        create_dir_all(&deep).expect("already there is fine");
    }

    #[test]
    fn new_files_are_0600_and_existing_ones_keep_their_mode() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        options()
            .create(true)
            .append(true)
            .open(&path)
            .expect("create");
        assert_eq!(mode(&path), FILE_MODE);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
        options()
            .create(true)
            .append(true)
            .open(&path)
            .expect("reopen");
        assert_eq!(mode(&path), 0o640);
    }

    #[test]
    fn shared_bits_name_any_access_by_group_or_others() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        fs::write(&path, b"").expect("file");
        for (bits, shared) in [
            (0o600, None),
            (0o400, None),
            (0o640, Some(0o640)),
            (0o604, Some(0o604)),
            (0o620, Some(0o620)),
            (0o601, Some(0o601)),
        ] {
            fs::set_permissions(&path, fs::Permissions::from_mode(bits)).expect("chmod");
            let meta = fs::metadata(&path).expect("metadata");
            assert_eq!(shared_bits(&meta), shared, "{bits:o}");
        }
    }
}
