//! Links the `spreiding` binary with packed relative relocations (`-z pack-relative-relocs`,
//! GNU ld 2.38 and newer): the dynamic loader applies the binary's ~180,000 relative
//! relocations (mostly typst's tables) from a compact bitmap instead of one 24-byte entry each,
//! so every command starts faster, typesetting or not (README, Performance: startup).
fn main() {
    println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
}
