//! SHA-256 as the project writes it everywhere (manifests, fingerprints, result-file hashes):
//! lower-case hex, of bytes in memory or of a file streamed from disk.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

pub use spreiding_solver::model::digest::{hex, sha256};

/// Hex SHA-256 of a file, read in 64 KiB pieces (never whole into memory), and its length.
pub fn file_sha256(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        h.update(&buf[..n]);
    }
    Ok((hex(h.finalize().as_slice()), total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(sha256(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(sha256(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        // More than one read buffer.
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&p, &bytes).unwrap();
        assert_eq!(file_sha256(&p).unwrap(), (sha256(&bytes), 200_000));
    }
}
