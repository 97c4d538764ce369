//! Output that respects the operating system: devices and FIFOs are written into, links are
//! followed, modes are the usual ones, write errors on stdout are errors, threads are bounded.
#![cfg(unix)]

use crate::common::*;
use assert_cmd::Command;
use std::fs;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;

fn spreiding() -> Command {
    Command::cargo_bin("spreiding").unwrap()
}

/// `spreiding solve rest-indicative --format csv --output <target>` under a umask.
fn solve_to(target: &Path, umask: &str) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("spreiding");
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask}; exec \"$0\" solve \"$1\" --format csv --output \"$2\"",))
        .arg(&bin)
        .arg(scenario_path("rest-indicative"))
        .arg(target)
        .output()
        .unwrap()
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Regression: as root, `--output /dev/null` replaced /dev/null by a regular file.
#[test]
fn output_to_a_device_writes_into_it() {
    let out = solve_to(Path::new("/dev/null"), "022");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(fs::metadata("/dev/null").unwrap().file_type().is_char_device(), "/dev/null is no longer a device");
}

#[test]
fn output_to_a_fifo_writes_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read(fifo).unwrap())
    };
    let out = solve_to(&fifo, "022");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = reader.join().unwrap();
    assert!(bytes.starts_with(b"code,"), "{}", String::from_utf8_lossy(&bytes[..bytes.len().min(200)]));
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO was replaced");
}

#[test]
fn a_symlink_is_followed_and_stays_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.csv");
    fs::write(&real, "old").unwrap();
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink("real.csv", &link).unwrap();
    let out = solve_to(&link, "022");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link was replaced by a file");
    assert!(fs::read_to_string(&real).unwrap().starts_with("code,"));
    // A link to a file that does not exist yet creates that file.
    let dangling = dir.path().join("dangling.csv");
    std::os::unix::fs::symlink("new.csv", &dangling).unwrap();
    let out = solve_to(&dangling, "022");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(fs::read_to_string(dir.path().join("new.csv")).unwrap().starts_with("code,"));
}

/// Regression: new files were created with mode 0600 (the temporary file's).
#[test]
fn a_new_file_gets_0666_masked_by_the_umask_and_a_replaced_one_keeps_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("new.csv");
    assert_eq!(solve_to(&new, "022").status.code(), Some(0));
    assert_eq!(mode(&new), 0o644);
    let other = dir.path().join("other.csv");
    assert_eq!(solve_to(&other, "027").status.code(), Some(0));
    assert_eq!(mode(&other), 0o640);

    let kept = dir.path().join("kept.csv");
    fs::write(&kept, "old").unwrap();
    fs::set_permissions(&kept, fs::Permissions::from_mode(0o604)).unwrap();
    assert_eq!(solve_to(&kept, "077").status.code(), Some(0));
    assert_eq!(mode(&kept), 0o604);
    assert!(fs::read_to_string(&kept).unwrap().starts_with("code,"));
}

#[test]
fn output_to_a_folder_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = solve_to(dir.path(), "022");
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("is a folder; give the name of a file to write"), "{e}");
}

/// Regression: `validate > /dev/full` panicked.
#[test]
fn a_write_error_on_stdout_is_an_error_not_a_panic() {
    for args in [vec!["validate"], vec!["solve", "--format", "json"]] {
        let full = fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("spreiding"))
            .args(&args)
            .arg(scenario_path("rest-indicative"))
            .stdout(full)
            .output()
            .unwrap();
        let e = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {e}");
        assert!(e.contains("writing to standard output"), "{args:?}: {e}");
        assert!(!e.contains("panicked"), "{args:?}: {e}");
    }
}

/// Regression: `--jobs 100000` started thousands of threads and made no progress.
#[test]
fn jobs_are_clamped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let out = spreiding()
        .args(["run", "--jobs", "100000", "--out"])
        .arg(dir.path().join("out"))
        .arg(scenario_path("level"))
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{e}");
    assert!(e.contains("note: --jobs 100000 is more than 4 per core; using"), "{e}");
    let out = spreiding().args(["run", "--jobs", "0"]).arg(scenario_path("level")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
