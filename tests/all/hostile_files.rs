//! The hostile cases of issue 20 on files and folders: `dossier --out`, `verify`, `merge` and
//! `--resume`, and the data set's field lengths.

use crate::common::*;
use crate::hostile::copy_dir;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// A dossier of the level scenario for Groningen and Friesland in `dir/d`.
fn dossier(dir: &Path) -> PathBuf {
    let out = dir.join("d");
    let made = spreiding()
        .arg("dossier")
        .arg(scenario_path("level"))
        .args(["--province", "PV20", "--province", "PV21", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made));
    out
}

fn verify(dir: &Path) -> (Option<i32>, String) {
    let out = spreiding().arg("verify").arg(dir).timeout(Duration::from_secs(300)).output().unwrap();
    (out.status.code(), text(&out))
}

/// A fresh copy of the dossier, changed by `change`.
fn copy(d: &Path, name: &str, change: impl FnOnce(&Path)) -> PathBuf {
    let c = d.parent().unwrap().join(name);
    copy_dir(d, &c);
    change(&c);
    c
}

fn manifest(d: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(d.join("manifest.json")).unwrap()).unwrap()
}

fn set_manifest(d: &Path, m: &serde_json::Value) {
    fs::write(d.join("manifest.json"), serde_json::to_vec_pretty(m).unwrap()).unwrap();
}

// ---------------------------------------------------------------------------------------------
// 2. dossier --out replaces only its own dossier

#[test]
fn dossier_out_never_deletes_a_foreign_folder() {
    let dir = tempfile::tempdir().unwrap();
    let make = |out: &Path| {
        spreiding()
            .arg("dossier")
            .arg(scenario_path("level"))
            .args(["--province", "PV20", "--out"])
            .arg(out)
            .output()
            .unwrap()
    };
    // A web app with a manifest.json of its own.
    let app = dir.path().join("app");
    fs::create_dir_all(&app).unwrap();
    fs::write(app.join("manifest.json"), "{}").unwrap();
    fs::write(app.join("index.html"), "<h1>mine</h1>").unwrap();
    let r = make(&app);
    assert_eq!(r.status.code(), Some(2), "{}", text(&r));
    assert!(text(&r).contains("not a spreiding dossier manifest"), "{}", text(&r));
    assert_eq!(fs::read_to_string(app.join("index.html")).unwrap(), "<h1>mine</h1>");
    // A real dossier with notes put into it.
    let d = dir.path().join("d");
    assert!(make(&d).status.success());
    fs::write(d.join("notes.txt"), "my notes").unwrap();
    let r = make(&d);
    assert_eq!(r.status.code(), Some(2), "{}", text(&r));
    assert!(text(&r).contains("notes.txt"), "{}", text(&r));
    assert_eq!(fs::read_to_string(d.join("notes.txt")).unwrap(), "my notes");
    // Only its own files: replaced.
    fs::remove_file(d.join("notes.txt")).unwrap();
    let r = make(&d);
    assert!(r.status.success(), "{}", text(&r));
    // A folder holding a link is someone else's too.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc/passwd", d.join("link")).unwrap();
        let r = make(&d);
        assert_eq!(r.status.code(), Some(2), "{}", text(&r));
        assert!(d.join("link").symlink_metadata().is_ok());
    }
}

// ---------------------------------------------------------------------------------------------
// 3, 4, 8, 9, 13. verify

#[cfg(unix)]
#[test]
fn verify_opens_nothing_outside_the_dossier_and_reads_nothing_unbounded() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let d = dossier(dir.path());
    assert_eq!(verify(&d).0, Some(0), "{}", verify(&d).1);
    // A data file linked to /etc/passwd: reported, its content never printed.
    let c = copy(&d, "passwd", |c| {
        fs::remove_file(c.join("data/dataset/cycle.toml")).unwrap();
        symlink("/etc/passwd", c.join("data/dataset/cycle.toml")).unwrap();
    });
    let (code, out) = verify(&c);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("data/dataset/cycle.toml: is a symbolic link"), "{out}");
    assert!(!out.contains("root:"), "{out}");
    // A link to an outside copy with the right bytes.
    let outside = dir.path().join("outside.toml");
    fs::copy(d.join("data/dataset/cycle.toml"), &outside).unwrap();
    let c = copy(&d, "right-bytes", |c| {
        fs::remove_file(c.join("data/dataset/cycle.toml")).unwrap();
        symlink(&outside, c.join("data/dataset/cycle.toml")).unwrap();
    });
    assert_eq!(verify(&c).0, Some(1));
    // The data set folder replaced by a link to an outside copy.
    let outside_dir = dir.path().join("outside-data");
    copy_dir(&d.join("data/dataset"), &outside_dir);
    let c = copy(&d, "linked-folder", |c| {
        fs::remove_dir_all(c.join("data/dataset")).unwrap();
        symlink(&outside_dir, c.join("data/dataset")).unwrap();
    });
    let (code, out) = verify(&c);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("data/dataset: is a symbolic link"), "{out}");
    // Endless and huge files: a link to /dev/zero, a 30 GB sparse PDF; a FIFO.
    let c = copy(&d, "zero", |c| {
        fs::remove_file(c.join("results/report.csv")).unwrap();
        symlink("/dev/zero", c.join("results/report.csv")).unwrap();
    });
    assert_eq!(verify(&c).0, Some(1));
    let c = copy(&d, "sparse", |c| {
        let f = fs::OpenOptions::new().write(true).open(c.join("verdeelbesluit-PV20.pdf")).unwrap();
        f.set_len(30 << 30).unwrap();
    });
    let (code, out) = verify(&c);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("verdeelbesluit-PV20.pdf: changed"), "{out}");
    let c = copy(&d, "fifo-data", |c| {
        fs::remove_file(c.join("data/dataset/provinces.csv")).unwrap();
        assert!(std::process::Command::new("mkfifo")
            .arg(c.join("data/dataset/provinces.csv"))
            .status()
            .unwrap()
            .success());
    });
    let (code, out) = verify(&c);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("provinces.csv: is not a regular file (a FIFO)"), "{out}");
    let c = copy(&d, "fifo-manifest", |c| {
        fs::remove_file(c.join("manifest.json")).unwrap();
        assert!(std::process::Command::new("mkfifo").arg(c.join("manifest.json")).status().unwrap().success());
    });
    let (code, out) = verify(&c);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("manifest.json: is not a regular file (a FIFO)"), "{out}");
}

#[test]
fn verify_is_not_fooled_by_a_forged_program_or_manifest_fields() {
    let dir = tempfile::tempdir().unwrap();
    let d = dossier(dir.path());
    // Another province's PDF, its hash updated and one hex digit of the commit changed.
    let c = copy(&d, "forged-commit", |c| {
        let other = fs::read(c.join("verdeelbesluit-PV21.pdf")).unwrap();
        fs::write(c.join("verdeelbesluit-PV20.pdf"), &other).unwrap();
        let mut m = manifest(c);
        for f in m["files"].as_array_mut().unwrap() {
            if f["path"] == "verdeelbesluit-PV20.pdf" {
                f["sha256"] = sha(&other).into();
                f["bytes"] = other.len().into();
            }
        }
        let commit = m["program"]["commit"].as_str().unwrap().to_owned();
        let first = if commit.starts_with('a') { "b" } else { "a" };
        m["program"]["commit"] = format!("{first}{}", &commit[1..]).into();
        set_manifest(c, &m);
    });
    let (code, out) = verify(&c);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("NOT FULLY verified") && out.contains("verdeelbesluit-PV20.pdf"), "{out}");
    assert!(!out.contains(": verified"), "{out}");
    // Each forged field of the manifest.
    type Change = fn(&mut serde_json::Value);
    let cases: [(&str, Change, &str); 6] = [
        ("zero-hash", |m| m["inputs"]["dataset_content_hash"] = "0".repeat(64).into(), "dataset_content_hash"),
        ("boundaries", |m| m["inputs"]["boundaries"] = "/etc/passwd".into(), "inputs.boundaries"),
        ("name", |m| m["scenario"]["name"] = "iets anders".into(), "scenario.name"),
        (
            "command",
            |m| {
                let cmd = m["command"].as_array_mut().unwrap();
                let i = cmd.iter().position(|a| a == "PV21").unwrap();
                cmd[i] = "PV22".into();
            },
            "the command line makes",
        ),
        (
            "twice",
            |m| {
                let first = m["files"][0].clone();
                m["files"].as_array_mut().unwrap().push(first);
            },
            "is listed more than once",
        ),
        (
            "repeated",
            |m| {
                let files = m["files"].as_array().unwrap().clone();
                let many: Vec<serde_json::Value> = (0..600).flat_map(|_| files.clone()).collect();
                m["files"] = many.into();
            },
            "a dossier has at most",
        ),
    ];
    for (name, change, expected) in cases {
        let c = copy(&d, name, |c| {
            let mut m = manifest(c);
            change(&mut m);
            set_manifest(c, &m);
        });
        let (code, out) = verify(&c);
        assert_eq!(code, Some(1), "{name}: {out}");
        assert!(out.contains(expected), "{name}: {out}");
    }
    // An unknown key (here small; a 50 MB one is refused by size before it is parsed).
    let c = copy(&d, "unknown-key", |c| {
        let mut m = manifest(c);
        m["padding"] = "x".repeat(1000).into();
        set_manifest(c, &m);
    });
    let (code, out) = verify(&c);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("unknown field `padding`"), "{out}");
    let c = copy(&d, "huge-manifest", |c| {
        let mut m = manifest(c);
        m["padding"] = "x".repeat(50 << 20).into();
        set_manifest(c, &m);
    });
    let (code, out) = verify(&c);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("more than a manifest has"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// 14. merge and --resume check what they take

fn sweep_file(dir: &Path, seed: u64) -> PathBuf {
    let p = dir.join(format!("sweep-{seed}.toml"));
    fs::write(
        &p,
        format!(
            "[sweep]\nname = \"draws\"\nbase = \"{}\"\n[sweep.random]\ndraws = 300\nseed = {seed}\nlocation_places = 0.1\n",
            scenario_path("rest-indicative").display()
        ),
    )
    .unwrap();
    p
}

fn part(sweep: &Path, out: &Path, i: u32, resume: bool) -> std::process::Output {
    let mut cmd = spreiding();
    cmd.args(["run", "--shard", &format!("{i}/2"), "--out"]).arg(out).arg(sweep);
    if resume {
        cmd.arg("--resume");
    }
    cmd.output().unwrap()
}

#[test]
fn merge_and_resume_refuse_edited_and_foreign_result_files() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = sweep_file(dir.path(), 2024);
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert!(part(&sweep, &a, 0, false).status.success());
    assert!(part(&sweep, &b, 1, false).status.success());
    let merged =
        |name: &str| spreiding().arg("merge").arg(&a).arg(&b).arg("--out").arg(dir.path().join(name)).output().unwrap();
    assert!(merged("ok").status.success());
    // One number edited in a result file of part a.
    let file = a.join("results/draws.000.jsonl");
    let original = fs::read_to_string(&file).unwrap();
    let line = original.lines().nth(1).unwrap();
    let edited_line = line.replacen("\"allocated\":[", "\"allocated\":[1", 1);
    assert_ne!(line, edited_line);
    fs::write(&file, original.replacen(line, &edited_line, 1)).unwrap();
    let m = merged("edited");
    assert_eq!(m.status.code(), Some(2), "{}", text(&m));
    assert!(text(&m).contains("draws.000.jsonl: its bytes are not those its part wrote"), "{}", text(&m));
    // --resume of that part does not keep the edited file: it solves it again.
    let r = part(&sweep, &a, 0, true);
    assert!(r.status.success(), "{}", text(&r));
    assert_eq!(fs::read_to_string(&file).unwrap(), original);
    assert!(text(&r).contains("solved again"), "{}", text(&r));
    assert!(merged("after-resume").status.success());
    // A result file from a run with another seed, copied in with its manifest entry forged.
    let other = sweep_file(dir.path(), 9);
    let c = dir.path().join("c");
    assert!(part(&other, &c, 0, false).status.success());
    fs::copy(c.join("results/draws.000.jsonl"), &file).unwrap();
    let manifest_path = a.join("shard.json");
    let mut m: serde_json::Value = serde_json::from_slice(&fs::read(&manifest_path).unwrap()).unwrap();
    m["sha256"]["draws.000.jsonl"] = sha(&fs::read(&file).unwrap()).into();
    fs::write(&manifest_path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    let m = merged("other-seed");
    assert_eq!(m.status.code(), Some(2), "{}", text(&m));
    assert!(text(&m).contains("made from another definition"), "{}", text(&m));
}

// ---------------------------------------------------------------------------------------------
// 12. Field lengths in the data set

#[test]
fn a_name_longer_than_a_field_may_be_is_refused_with_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let (scen, at) = crate::hostile::renamed_groningen(dir.path(), &"G".repeat(40_000));
    let out = spreiding().arg("validate").arg(&scen).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains(&format!("municipalities.csv:{at}: name: has 40000 characters; a field has at most 1000")),
        "{}",
        text(&out)
    );
}
