//! Profile `get` answers kept in memory between the writes that change them, so a
//! `get` is served on the caller's worker without a trip to a store thread.
//!
//! The cache is the ProfileActor's state: [`ProfileCache`] is the owner's handle
//! (not `Clone`), held by that one actor, and only it fills and forgets. The workers
//! read it through [`CacheReader`]s (`get` only), wrapped by
//! [`CachedGet`](super::CachedGet); the lock inside is for those readers, never held
//! across I/O.
//!
//! The rule that keeps it true: every write that changes what `get` shows (the
//! profile, its accounts, the phone's logged-in sessions) or whom it shows it to (a
//! session's token or phone) has the actor call [`ProfileCache::forget`] with the
//! phones it touched, after its COMMIT and before its reply (Auth's logins and
//! logouts reach it as a `SessionsChanged` message, which Auth awaits before it
//! replies). An entry is filled from a read only if no `forget` happened since that
//! read began ([`ProfileCache::ticket`]), so a read that raced a write never lands. A
//! hit is thus never older than the last acknowledged write.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use subtle::ConstantTimeEq;

use super::ops::Loaded;
use crate::secret::Token;

/// One caller's cached `get`.
struct Entry {
    /// SHA-256 of the token the read checked against the caller's session.
    token_hash: [u8; 32],
    /// The profile with its sessions, presence not yet filled in.
    loaded: Arc<Loaded>,
    /// What it costs, as [`footprint`] counts it.
    bytes: usize,
}

/// Bytes an entry holds, near enough to bound the cache by: the strings and blobs
/// of the profile, its accounts and sessions, plus a fixed share for the maps.
fn footprint(client_id: &str, loaded: &Loaded) -> usize {
    const FIXED: usize = 256;
    let text = |t: &Option<String>| t.as_ref().map_or(0, String::len);
    let v = &loaded.view;
    let accounts: usize = v
        .accounts
        .iter()
        .map(|a| 64 + text(&a.names) + text(&a.surnames) + text(&a.avatar) + a.phone.len())
        .sum();
    let sessions: usize = loaded.sessions.iter().map(|s| 24 + s.len()).sum();
    FIXED
        + 2 * client_id.len()
        + v.phone.len()
        + v.data.len()
        + v.person_id.len()
        + accounts
        + sessions
}

/// The cache's state, behind one lock (held for a map operation, never across I/O).
#[derive(Default)]
struct Inner {
    /// Bumped by every `forget`: a fill whose ticket is older is dropped.
    epoch: u64,
    /// Entries by the caller's ClientId.
    clients: HashMap<String, Entry>,
    /// The ClientIds filled under each phone, for `forget`.
    phones: HashMap<String, Vec<String>>,
    /// Ids listed in `phones`, so the index stays bounded too.
    indexed: usize,
    /// The entries' footprints, summed.
    bytes: usize,
}

/// When a read began, for [`ProfileCache::fill`].
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

/// What the owner and the readers share.
struct Shared {
    /// Most bytes the entries may hold; 0 turns the cache off. A fill that would pass
    /// it empties the cache first; one entry above a 64th of it is not kept.
    capacity: usize,
    /// The maps.
    inner: Mutex<Inner>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The maps stay consistent at every step, so a panic elsewhere leaves them usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, client_id: &str, token: Option<&str>) -> Option<Arc<Loaded>> {
        // Hashed before the lock, which every worker's readers share.
        let hash = Token::hash_text(token?);
        let inner = self.lock();
        let entry = inner.clients.get(client_id)?;
        bool::from(entry.token_hash.ct_eq(&hash)).then(|| entry.loaded.clone())
    }
}

/// A read-only handle on the ProfileActor's cache, for the workers' fast path:
/// it can look an entry up, never fill or forget one. Cheap to clone.
#[derive(Clone)]
pub(super) struct CacheReader {
    /// The owner's maps.
    shared: Arc<Shared>,
}

impl CacheReader {
    /// The cached profile of `client_id`, if its entry was filled with this `token`.
    pub(super) fn get(&self, client_id: &str, token: Option<&str>) -> Option<Arc<Loaded>> {
        self.shared.get(client_id, token)
    }
}

/// The `get` cache, as its one owner (the ProfileActor) holds it.
pub struct ProfileCache {
    /// The maps, shared with the readers.
    shared: Arc<Shared>,
}

impl ProfileCache {
    /// A cache of at most `capacity` bytes (0: off).
    pub(super) fn new(capacity: usize) -> ProfileCache {
        ProfileCache {
            shared: Arc::new(Shared {
                capacity,
                inner: Mutex::default(),
            }),
        }
    }

    /// A read-only handle for the fast path.
    pub(super) fn reader(&self) -> CacheReader {
        CacheReader {
            shared: self.shared.clone(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.shared.lock()
    }

    /// The cached profile of `client_id`, if its entry was filled with this `token`.
    pub(super) fn get(&self, client_id: &str, token: Option<&str>) -> Option<Arc<Loaded>> {
        self.shared.get(client_id, token)
    }

    /// Taken before the read whose result may fill the cache.
    pub(super) fn ticket(&self) -> Ticket {
        Ticket(self.lock().epoch)
    }

    /// Keeps `loaded`, read for `client_id` connected with `token` (which the read
    /// checked), unless something was forgotten since `ticket`.
    pub(super) fn fill(
        &self,
        ticket: Ticket,
        client_id: &str,
        token: Option<&str>,
        loaded: &Loaded,
    ) {
        let Some(token) = token else { return };
        let capacity = self.shared.capacity;
        if capacity == 0 {
            return;
        }
        let bytes = footprint(client_id, loaded);
        if bytes > capacity / 64 {
            return;
        }
        let token_hash = Token::hash_text(token);
        let mut inner = self.lock();
        if inner.epoch != ticket.0 {
            return;
        }
        let full = inner.bytes + bytes > capacity;
        // Every entry counts at least 256 bytes: the index never needs more ids than
        // twice the entries that fit.
        if full || inner.indexed >= capacity / 128 {
            let epoch = inner.epoch;
            *inner = Inner {
                epoch,
                ..Inner::default()
            };
        }
        let phone = loaded.view.phone.clone();
        let known = inner
            .clients
            .get(client_id)
            .is_some_and(|e| e.loaded.view.phone == phone);
        let old = inner.clients.insert(
            client_id.to_owned(),
            Entry {
                token_hash,
                loaded: Arc::new(loaded.clone()),
                bytes,
            },
        );
        inner.bytes = inner.bytes + bytes - old.map_or(0, |e| e.bytes);
        if !known {
            inner
                .phones
                .entry(phone)
                .or_default()
                .push(client_id.to_owned());
            inner.indexed += 1;
        }
    }

    /// Drops every entry filled under any of `phones`, and every fill still in flight.
    pub(super) fn forget<S: AsRef<str>>(&self, phones: &[S]) {
        let mut inner = self.lock();
        inner.epoch += 1;
        for phone in phones {
            let phone = phone.as_ref();
            let Some(ids) = inner.phones.remove(phone) else {
                continue;
            };
            inner.indexed -= ids.len();
            for id in ids {
                if inner
                    .clients
                    .get(&id)
                    .is_some_and(|e| e.loaded.view.phone == phone)
                {
                    if let Some(e) = inner.clients.remove(&id) {
                        inner.bytes -= e.bytes;
                    }
                }
            }
        }
    }

    /// How many callers have an entry.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().clients.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Presence, ProfileView};

    fn loaded(phone: &str, data: &[u8]) -> Loaded {
        Loaded {
            view: ProfileView {
                phone: phone.into(),
                data: data.to_vec(),
                person_id: "p".into(),
                accounts: Vec::new(),
                update: 1,
                presence: Presence::Offline,
            },
            sessions: vec!["emqttd_a".into()],
        }
    }

    #[test]
    fn a_fill_is_served_to_the_same_token_only() {
        let cache = ProfileCache::new(1 << 20);
        let t = cache.ticket();
        cache.fill(t, "emqttd_a", Some("tok"), &loaded("380", b"x"));
        let hit = cache.get("emqttd_a", Some("tok")).expect("hit");
        assert_eq!(hit.view.data, b"x");
        assert!(cache.get("emqttd_a", Some("other")).is_none());
        assert!(cache.get("emqttd_a", None).is_none());
        assert!(cache.get("emqttd_b", Some("tok")).is_none());
    }

    #[test]
    fn a_reader_sees_what_the_owner_fills_and_forgets() {
        let cache = ProfileCache::new(1 << 20);
        let reader = cache.reader();
        assert!(reader.get("emqttd_a", Some("tok")).is_none());
        cache.fill(
            cache.ticket(),
            "emqttd_a",
            Some("tok"),
            &loaded("380", b"x"),
        );
        let hit = reader
            .get("emqttd_a", Some("tok"))
            .expect("the owner's fill");
        assert_eq!(hit.view.data, b"x");
        assert!(reader.get("emqttd_a", Some("other")).is_none());
        cache.forget(&["380"]);
        assert!(reader.get("emqttd_a", Some("tok")).is_none());
    }

    #[test]
    fn forget_drops_the_phone_and_any_fill_that_raced_it() {
        let cache = ProfileCache::new(1 << 20);
        let t = cache.ticket();
        cache.fill(t, "emqttd_a", Some("tok"), &loaded("380", b"x"));
        cache.fill(t, "emqttd_b", Some("tok"), &loaded("381", b"y"));
        let raced = cache.ticket();
        cache.forget(&["380"]);
        assert!(cache.get("emqttd_a", Some("tok")).is_none());
        assert!(
            cache.get("emqttd_b", Some("tok")).is_some(),
            "other phones stay"
        );
        // A read that began before the forget may hold the old profile: not kept.
        cache.fill(raced, "emqttd_a", Some("tok"), &loaded("380", b"old"));
        assert!(cache.get("emqttd_a", Some("tok")).is_none());
        let fresh = cache.ticket();
        cache.fill(fresh, "emqttd_a", Some("tok"), &loaded("380", b"new"));
        assert_eq!(
            cache.get("emqttd_a", Some("tok")).expect("hit").view.data,
            b"new"
        );
    }

    #[test]
    fn a_client_that_moved_phone_is_forgotten_under_its_new_phone_only() {
        let cache = ProfileCache::new(1 << 20);
        cache.fill(
            cache.ticket(),
            "emqttd_a",
            Some("tok"),
            &loaded("380", b"x"),
        );
        cache.fill(
            cache.ticket(),
            "emqttd_a",
            Some("tok"),
            &loaded("399", b"y"),
        );
        cache.forget(&["380"]);
        assert!(cache.get("emqttd_a", Some("tok")).is_some());
        cache.forget(&["399"]);
        assert!(cache.get("emqttd_a", Some("tok")).is_none());
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn it_stays_within_its_bytes_and_zero_turns_it_off() {
        let one = footprint("emqttd_000", &loaded("380", &[0; 100]));
        let cache = ProfileCache::new(one * 64);
        for i in 0..1000 {
            let id = format!("emqttd_{i:03}");
            cache.fill(cache.ticket(), &id, Some("tok"), &loaded("380", &[0; 100]));
            assert!(cache.lock().bytes <= one * 64 + 64);
            assert!(cache.len() <= 64);
            assert!(cache.get(&id, Some("tok")).is_some(), "the newest is kept");
        }
        // A profile above a 64th of the cache is never kept (its data may be large).
        cache.fill(
            cache.ticket(),
            "emqttd_big",
            Some("tok"),
            &loaded("380", &[0; 10_000]),
        );
        assert!(cache.get("emqttd_big", Some("tok")).is_none());
        // Forgetting gives the bytes back.
        cache.forget(&["380"]);
        assert_eq!((cache.len(), cache.lock().bytes), (0, 0));
        let off = ProfileCache::new(0);
        off.fill(off.ticket(), "emqttd_a", Some("tok"), &loaded("380", b""));
        assert!(off.get("emqttd_a", Some("tok")).is_none());
    }
}
