//! Input texts with the names they are reported under, and the one place that reads them from
//! disk (with a size limit, so that a file linked to `/dev/zero` cannot take all memory).

use super::{InputError, Problem};
pub use crate::model::Source;
use std::io::Read;
use std::path::Path;

/// Largest input file read, in bytes (64 MiB). The real data set's largest file is about
/// 600 KB and a synthetic country 100 times the Netherlands about 10 MB; a file beyond this is
/// refused before it is read whole.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

impl Source {
    /// Reads a file (at most [`MAX_FILE_BYTES`], UTF-8); a file that cannot be used becomes a
    /// problem naming it.
    pub fn read(path: &Path) -> Result<Source, Problem> {
        let name = path.display().to_string();
        let fail = |message: String| Problem::at(&name, None, None, message);
        // The type is asked before the file is opened: opening a FIFO for reading blocks until
        // someone writes into it, and a device has no end.
        let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        if let Some(kind) = not_regular(&meta) {
            return Err(fail(kind));
        }
        let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        let meta = file.metadata().map_err(|e| fail(format!("cannot read: {e}")))?;
        if let Some(kind) = not_regular(&meta) {
            return Err(fail(kind));
        }
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| fail(format!("cannot read: {e}")))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(fail(format!(
                "is larger than {} MiB, the most an input file may have; is it the right file?",
                MAX_FILE_BYTES / (1024 * 1024)
            )));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            fail(format!("is not UTF-8 text (byte {} is not valid); save it as UTF-8", e.utf8_error().valid_up_to()))
        })?;
        Ok(Source { name, text })
    }

    /// [`Source::read`] as an [`InputError`].
    pub fn read_file(path: &Path) -> Result<Source, InputError> {
        Source::read(path).map_err(InputError::single)
    }
}

/// Why a file of this type is not read as an input (a folder, a FIFO, a socket, a device), or
/// `None` for a regular file. Links are followed before this is asked.
pub fn not_regular(meta: &std::fs::Metadata) -> Option<String> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("is a folder; expected a file".to_owned());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = if t.is_fifo() {
            "a FIFO (named pipe)"
        } else if t.is_socket() {
            "a socket"
        } else if t.is_char_device() || t.is_block_device() {
            "a device"
        } else {
            "not a file"
        };
        return Some(format!("is not a regular file ({kind}); give a file"));
    }
    #[allow(unreachable_code)]
    Some("is not a regular file; give a file".to_owned())
}

/// Start offsets of the lines of a text, for line numbers of byte offsets in O(log n).
#[derive(Clone, Debug)]
pub(crate) struct LineIndex(Vec<usize>);

impl LineIndex {
    /// The index of a text (one pass).
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        LineIndex(starts)
    }

    /// The line (1-based) of a byte offset.
    pub fn line(&self, offset: usize) -> u64 {
        self.0.partition_point(|&start| start <= offset) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_counts_lines_from_one() {
        let idx = LineIndex::new("a\nbc\n\nd");
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(1), 1); // the newline ends line 1
        assert_eq!(idx.line(2), 2);
        assert_eq!(idx.line(5), 3);
        assert_eq!(idx.line(6), 4);
        assert_eq!(idx.line(100), 4);
    }
}
