//! Helpers of the binary's tests: the library tests' helpers (`crates/solver/tests/core/common.rs`)
//! and the binary itself.

#![allow(dead_code, unused_imports)]

#[path = "../../crates/solver/tests/core/common.rs"]
mod library;
pub use library::*;

/// The `spreiding` binary of this build.
pub fn spreiding() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("spreiding").unwrap()
}

/// The SHA-256 of `bytes` in lower-case hex, as manifests write it.
pub fn sha(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
