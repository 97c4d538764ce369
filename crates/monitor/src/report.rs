//! `spreiding monitor report` and `spreiding monitor verify`: a province's monitoring report
//! as a folder that can be handed on, and its check.
//!
//! The folder holds `toezicht-<PROVINCE>.pdf` with its map (`map-gap-<PROVINCE>.svg`) and
//! timelines (`timeline-<CODE>-<commodity>.svg`), `status.csv` and `status.json` (the
//! province's rows), `snapshots/<seq>-<date>.<csv|xlsx>` (every snapshot in force on a date up
//! to the status date, byte for byte as recorded) and `manifest.json` (the decision, the
//! province, the status date, the snapshots and the SHA-256 of every file). Every file but the
//! manifest is made from the dossier and the snapshot copies alone, so `verify` makes them
//! again and compares bytes.

use crate::output::{render, Format};
use crate::snapshot;
use crate::store::{dossier_store, Store};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use spreiding_dossier::decision::Decision;
use spreiding_dossier::toezicht::{self, ListedSnapshot};
pub use spreiding_dossier::Verdict;
use spreiding_results::hash::{file_sha256, sha256};
use spreiding_solver::io::parse_locations_source;
use spreiding_solver::model::{Date, ProvinceCode};
use spreiding_solver::monitor::{effective, Snapshot, Status};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// The manifest's format name.
const FORMAT: &str = "spreiding-toezicht/1";
/// Largest manifest read.
const MAX_MANIFEST: u64 = 1024 * 1024;

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct SnapshotEntry {
    seq: u64,
    date: String,
    file: String,
    format: String,
    path: String,
    sha256: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    path: String,
    bytes: u64,
    sha256: String,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
struct Manifest {
    format: String,
    program: String,
    decision: String,
    scenario: String,
    province: String,
    at: String,
    snapshots: Vec<SnapshotEntry>,
    files: Vec<FileEntry>,
}

/// A snapshot with its recorded bytes.
struct Copy {
    entry: SnapshotEntry,
    bytes: Vec<u8>,
}

/// The status restricted to one province.
fn of_province(status: &Status, province: &ProvinceCode) -> Status {
    let mut s = status.clone();
    s.municipalities.retain(|r| &r.province == province);
    s.provinces.retain(|p| &p.code == province);
    s
}

/// Every file of the report but the manifest.
fn build(decision: &Decision, copies: &[Copy], province: &ProvinceCode, at: Date) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut snaps = Vec::new();
    for c in copies {
        let file = snapshot::from_bytes(&c.entry.path, c.bytes.clone())?;
        let locations = parse_locations_source(&file.source, &decision.dataset)?;
        let date = Date::parse_from_str(&c.entry.date, "%Y-%m-%d")
            .with_context(|| format!("snapshot date {}", c.entry.date))?;
        snaps.push(Snapshot {
            seq: c.entry.seq,
            date,
            file: c.entry.file.clone(),
            sha256: c.entry.sha256.clone(),
            locations,
        });
    }
    let status = of_province(&crate::status(decision, &snaps, at), province);
    let listed: Vec<ListedSnapshot> = copies
        .iter()
        .map(|c| ListedSnapshot {
            seq: c.entry.seq,
            date: c.entry.date.clone(),
            path: c.entry.path.clone(),
            sha256: c.entry.sha256.clone(),
        })
        .collect();
    let mut files = toezicht::files(decision, &status, province, &listed)?;
    files.insert("status.csv".into(), render(Format::Csv, decision, &status)?);
    files.insert("status.json".into(), render(Format::Json, decision, &status)?);
    for c in copies {
        files.insert(c.entry.path.clone(), c.bytes.clone());
    }
    Ok(files)
}

fn manifest_bytes(
    decision: &Decision,
    province: &ProvinceCode,
    at: Date,
    snapshots: Vec<SnapshotEntry>,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<Vec<u8>> {
    let m = Manifest {
        format: FORMAT.to_owned(),
        program: this_program(),
        decision: decision.id.clone(),
        scenario: decision.scenario.clone(),
        province: province.to_string(),
        at: at.to_string(),
        snapshots,
        files: files
            .iter()
            .map(|(path, b)| FileEntry { path: path.clone(), bytes: b.len() as u64, sha256: sha256(b) })
            .collect(),
    };
    let mut v = serde_json::to_vec_pretty(&m)?;
    v.push(b'\n');
    Ok(v)
}

/// Writes the monitoring report of `province` on `at` for the decision in `dossier` into the
/// folder `out` (new, empty, or an earlier report, which is replaced whole). Returns a line
/// for the user.
pub fn write(dossier: &Path, province: &str, at: Date, out: &Path) -> Result<String> {
    let decision = crate::open_decision(dossier)?;
    let code = decision.dataset.find_province(province).map_err(|e| anyhow::anyhow!("--province: {e}"))?;
    let path = dossier_store(dossier);
    let mut copies = Vec::new();
    if path.exists() {
        let store = Store::open(&path, false)?;
        crate::check_store(&store, &decision)?;
        let recorded = crate::snapshots(&store, &decision)?;
        for s in effective(&recorded).into_iter().filter(|s| s.date <= at) {
            let r = store
                .history(&decision.id)?
                .into_iter()
                .find(|r| r.seq == s.seq)
                .context("the store lost a snapshot")?;
            let bytes = store.bytes(&decision.id, s.seq)?.context("the store lost a snapshot's bytes")?;
            copies.push(Copy {
                entry: SnapshotEntry {
                    seq: s.seq,
                    date: r.date.clone(),
                    file: r.file.clone(),
                    format: r.format.clone(),
                    path: format!("snapshots/{}-{}.{}", s.seq, r.date, r.format),
                    sha256: r.sha256.clone(),
                },
                bytes,
            });
        }
    }
    let files = build(&decision, &copies, &code, at)?;
    let entries = copies.iter().map(|c| c.entry.clone()).collect();
    let manifest = manifest_bytes(&decision, &code, at, entries, &files)?;
    replaceable(out)?;
    let staged = spreiding_results::atomic::StagedDir::beside(out, ".toezicht-")?;
    for (path, bytes) in
        files.iter().map(|(p, b)| (p.as_str(), b.as_slice())).chain([("manifest.json", manifest.as_slice())])
    {
        staged.write(path, bytes)?;
    }
    staged.commit()?;
    Ok(format!(
        "{}: monitoring report of {code} on {at} ({} snapshots, {} files); manifest SHA-256 {}",
        out.display(),
        copies.len(),
        files.len() + 1,
        sha256(&manifest)
    ))
}

/// A report folder may be replaced only when it is one (its manifest lists every file in it).
fn replaceable(out: &Path) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(out) else { return Ok(()) };
    if !meta.is_dir() {
        bail!("{}: exists and is not a folder; give a new folder for the report", out.display());
    }
    let entries: Vec<_> = std::fs::read_dir(out)?.collect::<std::io::Result<_>>()?;
    if entries.is_empty() {
        return Ok(());
    }
    let m = read_manifest(out).map_err(|e| {
        anyhow::anyhow!(
            "{}: exists and is not a monitoring report ({e:#}); nothing was changed: give a new or empty folder",
            out.display()
        )
    })?;
    let listed: std::collections::BTreeSet<String> =
        m.files.iter().map(|f| f.path.clone()).chain(["manifest.json".to_owned()]).collect();
    for f in files_in(out)? {
        if !listed.contains(&f) {
            bail!(
                "{}: holds {f}, which its manifest does not list; nothing was changed: give a new or empty folder",
                out.display()
            );
        }
    }
    Ok(())
}

/// Every file under `dir` (relative, with `/`); a link or other non-file is an error.
fn files_in(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let p = e?.path();
            let t = std::fs::symlink_metadata(&p)?.file_type();
            let rel = p
                .strip_prefix(dir)
                .unwrap_or(&p)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if t.is_dir() {
                stack.push(p);
            } else if t.is_file() {
                out.push(rel);
            } else {
                bail!("{rel}: not a regular file (a link or a device); a report holds only files");
            }
        }
    }
    out.sort();
    Ok(out)
}

fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join("manifest.json");
    let meta = std::fs::symlink_metadata(&path).context("no manifest.json")?;
    if !meta.is_file() {
        bail!("manifest.json is not a regular file");
    }
    if meta.len() > MAX_MANIFEST {
        bail!("manifest.json has {} bytes, more than a report's manifest has (at most {MAX_MANIFEST})", meta.len());
    }
    let mut text = String::new();
    std::fs::File::open(&path)?.take(MAX_MANIFEST + 1).read_to_string(&mut text)?;
    let m: Manifest = serde_json::from_str(&text).context("manifest.json")?;
    if m.format != FORMAT {
        bail!("manifest.json has format `{}`; this program reads {FORMAT}", m.format);
    }
    Ok(m)
}

/// "its 2 snapshots", "its one snapshot", "no snapshot" (the report of the decision's own list).
fn snapshots_word(n: usize) -> String {
    match n {
        0 => "no snapshot".to_owned(),
        1 => "its one snapshot".to_owned(),
        n => format!("its {n} snapshots"),
    }
}

/// The program line a report's manifest records.
fn this_program() -> String {
    format!("spreiding {} (commit {})", env!("CARGO_PKG_VERSION"), spreiding_dossier::COMMIT)
}

/// A file typeset or drawn (the PDF and the SVG pictures), as opposed to the data files (the
/// status, the snapshots): another version of the program may make it differently.
fn is_document(path: &str) -> bool {
    path.ends_with(".pdf") || path.ends_with(".svg")
}

/// `spreiding monitor verify`: the report in `dir` against the decision in `dossier`. Returns
/// the verdict, the differences (empty unless not verified) and the line to print.
///
/// As `spreiding verify` of a dossier: a report made by another version of the program whose
/// documents this version makes differently (the PDF names the program that made it) is *not
/// fully verified* when everything else equals the recomputation and those documents equal
/// their manifest entries: they could be checked by hash only.
pub fn verify(dir: &Path, dossier: &Path) -> Result<(Verdict, Vec<String>, String)> {
    let m = read_manifest(dir).with_context(|| format!("{}: not a monitoring report", dir.display()))?;
    let decision = crate::open_decision(dossier)?;
    let mut differ = Vec::new();
    if m.decision != decision.id {
        differ.push(format!(
            "the report is of decision {}, the dossier {} records decision {}",
            m.decision,
            dossier.display(),
            decision.id
        ));
        return Ok((Verdict::NotVerified, differ, format!("{}: NOT verified", dir.display())));
    }
    let listed: BTreeMap<&str, &FileEntry> = m.files.iter().map(|f| (f.path.as_str(), f)).collect();
    for f in files_in(dir)? {
        if f != "manifest.json" && !listed.contains_key(f.as_str()) {
            differ.push(format!("{f}: not in the manifest"));
        }
    }
    let mut copies = Vec::new();
    for e in &m.snapshots {
        if e.path.contains("..") || e.path.starts_with('/') || !e.path.starts_with("snapshots/") {
            differ.push(format!("manifest.json: snapshot path {} is not inside snapshots/", e.path));
            continue;
        }
        match std::fs::read(dir.join(&e.path)) {
            Ok(bytes) if sha256(&bytes) == e.sha256 => copies.push(Copy { entry: e.clone(), bytes }),
            Ok(_) => {
                differ.push(format!("{}: changed: its SHA-256 is not the recorded snapshot's {}", e.path, e.sha256))
            }
            Err(err) => differ.push(format!("{}: cannot be read ({err})", e.path)),
        }
    }
    if !differ.is_empty() {
        return Ok((Verdict::NotVerified, differ, format!("{}: NOT verified", dir.display())));
    }
    let province =
        ProvinceCode::parse(&m.province).with_context(|| format!("manifest.json: province {}", m.province))?;
    let at = Date::parse_from_str(&m.at, "%Y-%m-%d").with_context(|| format!("manifest.json: at {}", m.at))?;
    let files = build(&decision, &copies, &province, at)?;
    let other_program = m.program != this_program();
    let mut by_hash_only = Vec::new();
    for (path, bytes) in &files {
        let Some(entry) = listed.get(path.as_str()) else {
            differ.push(format!("{path}: missing from the manifest (the recomputation makes it)"));
            continue;
        };
        let same = entry.sha256 == sha256(bytes);
        // Only a document of another version may differ from the recomputation.
        let may_differ = other_program && is_document(path);
        if !same && !may_differ {
            differ.push(format!("{path}: differs from the recomputation from the dossier and the snapshots"));
            continue;
        }
        // The file itself against its entry, hashed as it is streamed (a file far larger than
        // any report's is not read into memory).
        match file_sha256(&dir.join(path)) {
            Ok((on_disk, _)) if on_disk == entry.sha256 => {
                if !same {
                    by_hash_only.push(path.clone());
                }
            }
            Ok(_) => differ.push(format!("{path}: changed: differs from its manifest entry")),
            Err(e) => differ.push(format!("{path}: cannot be read ({e})")),
        }
    }
    for path in listed.keys() {
        if !files.contains_key(*path) {
            differ.push(format!("{path}: the recomputation does not make this file"));
        }
    }
    if !differ.is_empty() {
        return Ok((Verdict::NotVerified, differ, format!("{}: NOT verified", dir.display())));
    }
    if !by_hash_only.is_empty() {
        let (it, matches) = if by_hash_only.len() == 1 { ("it", "it matches") } else { ("them", "they match") };
        let line = format!(
            "{}: NOT FULLY verified: the status files and the snapshots equal the report made again from the dossier ({}) and {}, but the documents were made by {} and this program, {}, makes {it} differently ({}): {matches} manifest.json by hash only. Verify {it} with the program that made {it}.",
            dir.display(),
            decision.id,
            snapshots_word(copies.len()),
            m.program,
            this_program(),
            by_hash_only.join(", "),
        );
        return Ok((Verdict::NotFullyVerified, differ, line));
    }
    let line = format!(
        "{}: verified: {} files equal the report made again from the dossier ({}) and {}",
        dir.display(),
        files.len(),
        decision.id,
        snapshots_word(copies.len())
    );
    Ok((Verdict::Verified, differ, line))
}
