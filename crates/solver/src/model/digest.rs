//! SHA-256 as the workspace writes it everywhere (data set content hashes, fingerprints,
//! manifests, result-file hashes): lower-case hex. The one home of that spelling; the file
//! streaming variant (`spreiding_results::hash::file_sha256`) uses it.

use sha2::{Digest, Sha256};

/// Lower-case hex of bytes (of a digest).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(2 * bytes.len());
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Hex SHA-256 of bytes.
pub fn sha256(bytes: &[u8]) -> String {
    hex(Sha256::digest(bytes).as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests_in_lower_case_hex() {
        // FIPS 180-2's example "abc" and the empty input.
        assert_eq!(sha256(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(sha256(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(hex(&[0, 15, 16, 255]), "000f10ff");
    }
}
