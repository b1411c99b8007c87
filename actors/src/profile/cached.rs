//! [`CachedGet`]: the documented read-only view of the ProfileActor's state that the
//! workers' routers answer Profile `get` from: synchronously, on the caller's own
//! thread, with no mailbox, no hop to the actor's arbiter and no future. It can look
//! the actor's cache up and read presence, never fill or forget: a miss goes to the
//! actor, which reads, fills and forgets in its own context.

use std::sync::Arc;

use super::{
    answer::{Presence, ProfileError, ProfileOk, ProfileView},
    cache::CacheReader,
    ops::{self, Loaded},
    request::Get,
};
use crate::hub::Hub;

/// The ProfileActor's cache (read-only) and the presence table, as the fast path
/// needs them; made by [`ProfileActor::cached_get`](super::ProfileActor::cached_get),
/// cheap to clone (every worker's router holds one).
#[derive(Clone)]
pub struct CachedGet {
    /// The actor's cache, for lookups only.
    cache: CacheReader,
    /// Presence.
    hub: Arc<dyn Hub>,
}

impl CachedGet {
    /// The fast path over the actor's `cache`, with presence from `hub`.
    pub(super) fn new(cache: CacheReader, hub: Arc<dyn Hub>) -> CachedGet {
        CachedGet { cache, hub }
    }

    /// The answer to `req` from the logged-in connection `client_id` (connected with
    /// `token`), when the cache holds it; `None`: ask the actor.
    pub fn answer(
        &self,
        client_id: &str,
        token: Option<&str>,
        req: &Get,
    ) -> Option<Result<ProfileOk, ProfileError>> {
        let hit = self.cache.get(client_id, token)?;
        Some(shown(&*self.hub, &hit, req))
    }
}

/// The answer to `req` from a cache hit: the profile with its presence, if the
/// request's phone slot fits the caller's own.
pub(super) fn shown(hub: &dyn Hub, hit: &Loaded, req: &Get) -> Result<ProfileOk, ProfileError> {
    ops::own_phone(&req.phone, &hit.view.phone)
        .map(|()| ProfileOk::Shown(present(hub, hit.clone()).0))
}

/// Fills in the presence; the view and the phone's sessions.
pub(super) fn present(hub: &dyn Hub, loaded: Loaded) -> (ProfileView, Vec<String>) {
    let Loaded { mut view, sessions } = loaded;
    view.presence = if hub.any_online(&sessions) {
        Presence::Online
    } else {
        Presence::Offline
    };
    (view, sessions)
}
