//! Profile `get` answered from the [`ProfileCache`] synchronously, on the caller's own
//! thread: the router's fast path (no actor hop, no future), and the actor's first try.

use std::sync::Arc;

use super::{
    answer::{Presence, ProfileError, ProfileOk, ProfileView},
    cache::ProfileCache,
    ops::{self, Loaded},
    request::Get,
};
use crate::hub::Hub;

/// The cache and the presence table, as the fast path needs them; cheap to clone.
#[derive(Clone)]
pub struct CachedGet {
    /// Shared with every worker's Profile and Auth actors.
    cache: Arc<ProfileCache>,
    /// Presence.
    hub: Arc<dyn Hub>,
}

impl CachedGet {
    /// The fast path over `cache`, with presence from `hub`.
    pub fn new(cache: Arc<ProfileCache>, hub: Arc<dyn Hub>) -> CachedGet {
        CachedGet { cache, hub }
    }

    /// The cache itself, for the writes that fill it and forget from it.
    pub fn cache(&self) -> &ProfileCache {
        &self.cache
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
        Some(
            ops::own_phone(&req.phone, &hit.view.phone)
                .map(|()| ProfileOk::Shown(present(&*self.hub, Loaded::clone(&hit)).0)),
        )
    }
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
