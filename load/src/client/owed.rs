//! The PUBACKs a device owes and holds back, to send with its next write.

/// Most PUBACKs a device holds back, well inside the servers' inflight windows.
pub const MAX_OWED: usize = 8;

/// The packet ids of the PUBACKs a device owes, oldest first.
#[derive(Default)]
pub(super) struct Owed {
    /// The ids; the first `len` count.
    pub(super) ids: [u16; MAX_OWED],
    /// How many.
    pub(super) len: u8,
}

impl Owed {
    /// Adds `id`; false when full.
    pub(super) fn push(&mut self, id: u16) -> bool {
        let Some(slot) = self.ids.get_mut(usize::from(self.len)) else {
            return false;
        };
        *slot = id;
        self.len += 1;
        true
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The ids, oldest first; none is owed after.
    pub(super) fn take(&mut self) -> impl Iterator<Item = u16> {
        let ids = self.ids;
        let len = usize::from(std::mem::take(&mut self.len));
        ids.into_iter().take(len)
    }
}
