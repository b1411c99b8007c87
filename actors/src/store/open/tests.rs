//! The files a store creates are its owner's alone: the folder 0700; the database,
//! its WAL and shared-memory files and the lock file 0600.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::store::{Store, StoreConfig};

fn mode(path: &Path) -> u32 {
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn beside(db: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", db.display()))
}

#[tokio::test]
async fn the_folder_is_0700_and_the_database_wal_shm_and_lock_are_0600() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data/nested");
    let path = data.join("roster.db");
    let store = Store::open(&StoreConfig {
        path: path.clone(),
        ..StoreConfig::default()
    })
    .expect("open");
    // A commit and a read, so the WAL and the shared-memory index exist.
    store.meta_set("k", vec![1]).await.expect("write");
    assert_eq!(store.meta_get("k").await.expect("read"), Some(vec![1]));

    assert_eq!(mode(&dir.path().join("data")), 0o700);
    assert_eq!(mode(&data), 0o700);
    for file in [
        path.clone(),
        beside(&path, "-wal"),
        beside(&path, "-shm"),
        beside(&path, ".lock"),
    ] {
        assert_eq!(mode(&file), 0o600, "{}: {:o}", file.display(), mode(&file));
    }
    store.close();
}

#[test]
fn a_database_already_there_keeps_its_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = StoreConfig {
        path: dir.path().join("roster.db"),
        ..StoreConfig::default()
    };
    Store::open(&config).expect("create").close();
    fs::set_permissions(&config.path, fs::Permissions::from_mode(0o640)).expect("chmod");
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o750)).expect("chmod");

    Store::open(&config).expect("reopen").close();
    assert_eq!(mode(&config.path), 0o640, "the operator's choice");
    assert_eq!(mode(dir.path()), 0o750, "a folder roster did not create");
}
