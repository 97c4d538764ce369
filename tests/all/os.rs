//! Output that respects the operating system: devices and FIFOs are written into, links are
//! followed, modes are the usual ones, write errors on stdout are errors, threads are bounded.
#![cfg(unix)]

use crate::common::*;
use std::fs;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;

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

/// Regression: as root, `--output /dev/null` replaced /dev/null by a regular file. The test
/// writes to a null device of its own (made with mknod where it may, as root), so that a
/// regression cannot damage the machine's /dev/null; elsewhere it writes to /dev/null, which an
/// ordinary user cannot replace.
#[test]
fn output_to_a_device_writes_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("null");
    let made = std::process::Command::new("mknod").args(["-m", "666"]).arg(&own).args(["c", "1", "3"]).status();
    let device = if made.is_ok_and(|s| s.success()) { own } else { Path::new("/dev/null").to_path_buf() };
    let out = solve_to(&device, "022");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(fs::metadata(&device).unwrap().file_type().is_char_device(), "{} is no longer a device", device.display());
}

#[test]
fn output_to_a_fifo_writes_into_it() {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // The reader opens without blocking (O_NONBLOCK on Linux), so that a program that never
    // opens the FIFO makes the test fail, not hang.
    const O_NONBLOCK: i32 = 0o4000;
    let mut reader = fs::OpenOptions::new().read(true).custom_flags(O_NONBLOCK).open(&fifo).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("spreiding");
    let mut child = std::process::Command::new(bin)
        .args(["solve", "--format", "csv", "--output"])
        .arg(&fifo)
        .arg(scenario_path("rest-indicative"))
        .spawn()
        .unwrap();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 65536];
    let status = loop {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => {
                if let Some(status) = child.try_wait().unwrap() {
                    // Whatever is still in the pipe after the writer left.
                    while let Ok(n @ 1..) = reader.read(&mut buf) {
                        bytes.extend_from_slice(&buf[..n]);
                    }
                    break status;
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
        }
    };
    assert_eq!(status.code(), Some(0));
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
    // An absolute link target is followed as it is.
    let absolute = dir.path().join("absolute.csv");
    std::os::unix::fs::symlink(dir.path().join("abs-target.csv"), &absolute).unwrap();
    assert_eq!(solve_to(&absolute, "022").status.code(), Some(0));
    assert!(fs::read_to_string(dir.path().join("abs-target.csv")).unwrap().starts_with("code,"));
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
    // A second name for the old file: an atomic replacement renames a new file over `kept`,
    // so the old one (and whoever still reads it) keeps the old bytes, whole.
    let old_name = dir.path().join("old-name.csv");
    fs::hard_link(&kept, &old_name).unwrap();
    assert_eq!(solve_to(&kept, "077").status.code(), Some(0));
    assert_eq!(mode(&kept), 0o604);
    assert!(fs::read_to_string(&kept).unwrap().starts_with("code,"));
    assert_eq!(fs::read_to_string(&old_name).unwrap(), "old", "the file was written in place, not replaced");
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

/// The temporary file lies beside the target (so the rename is atomic), not in the working
/// folder: here the working folder no longer exists, and the write must still succeed.
#[test]
fn the_temporary_file_is_made_beside_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("gone");
    fs::create_dir(&gone).unwrap();
    let target = dir.path().join("out.csv");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("cd \"$1\" && rmdir \"$1\" && exec \"$0\" solve \"$2\" --format csv --output \"$3\"")
        .arg(assert_cmd::cargo::cargo_bin("spreiding"))
        .arg(&gone)
        .arg(scenario_path("rest-indicative"))
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(fs::read_to_string(&target).unwrap().starts_with("code,"));
}

/// A target that cannot be looked at is refused as such (not taken for a new file).
#[test]
fn a_target_below_a_file_is_refused_naming_the_lookup() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain");
    fs::write(&file, "x").unwrap();
    let out = solve_to(&file.join("out.csv"), "022");
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("reading the metadata of") && e.contains("plain/out.csv"), "{e}");
}

/// A reader that stops early (`| head`) is not an error.
#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::Read;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("spreiding"))
        .args(["solve", "--format", "json"])
        .arg(scenario_path("rest-indicative"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The pipe is closed here, before the ~600 KB report is written.
    let out = child.wait_with_output().unwrap();
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{e}");
    assert!(e.is_empty(), "{e}");
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
