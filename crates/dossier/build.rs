//! Embeds the git commit the program is built from (`SPREIDING_COMMIT`, shown in dossiers and
//! `--version`), or the value of the environment variable `SPREIDING_COMMIT` when set (builds
//! from a source archive), or `unknown`. Reruns when HEAD moves, not on every edit: a build
//! with uncommitted changes carries the commit it started from.
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned()).filter(|s| !s.is_empty())
}

fn main() {
    println!("cargo:rerun-if-env-changed=SPREIDING_COMMIT");
    let commit = std::env::var("SPREIDING_COMMIT")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| git(&["rev-parse", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_owned());
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        // Only files that exist: cargo takes a missing one as changed on every build.
        let mut watch = vec![format!("{dir}/HEAD"), format!("{dir}/packed-refs")];
        if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
            watch.push(format!("{dir}/{reference}"));
        }
        for file in watch.iter().filter(|f| std::path::Path::new(f).exists()) {
            println!("cargo:rerun-if-changed={file}");
        }
    }
    println!("cargo:rustc-env=SPREIDING_COMMIT={commit}");
}
