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

/// A scenario file `dir/<name>.toml` that extends `base` with `body` (TOML tables).
pub fn extending(dir: &std::path::Path, base: &std::path::Path, name: &str, body: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, format!("name = \"{name}\"\nextends = {:?}\n\n{body}", base.to_str().unwrap())).unwrap();
    path
}
