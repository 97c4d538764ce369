//! Bytes shared with a cache (answers of solve and explain, the workbench's maps), handed to a
//! response body without copying.

use std::sync::Arc;

/// Bytes shared with the cache.
pub(crate) struct SharedBytes(pub(crate) Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}
