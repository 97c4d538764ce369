//! `spreiding verify`: a dossier checked against its manifest and against a recomputation
//! from its own copies of the inputs.
//!
//! Nothing outside the dossier is opened: the folder is scanned without following links, and
//! anything that is not a regular file or a folder (a link, a FIFO, a device) is reported and
//! stops the recomputation. Files are hashed while streamed, and a file larger than
//! [`MAX_FILE`] or than its manifest says is not read. The manifest itself is read strictly:
//! unknown keys, a path listed twice, a path outside the folder are refused; every field that
//! can be recomputed (the data set's content hash, the boundary file, the scenario's name, the
//! provinces and the command line that made them) is recomputed and compared.
//!
//! Exit status: 0 verified (every file matches its manifest entry and the recomputation,
//! documents included); 1 not verified (each difference named); 3 not fully verified: the
//! inputs and reports were computed again and match, but the documents were made by another
//! version of the program and this one makes them differently, so only their hashes could be
//! checked. 2 is a dossier that cannot be read at all (no manifest, or not a dossier manifest).

use super::{sha256, Dossier, FileEntry, Manifest, DATASET_DIR, FORMAT, SCENARIO_DIR};
use anyhow::{bail, Context, Result};
use spreiding_results::hash::file_sha256 as hash_file;
use spreiding_solver::model::ProvinceCode;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest file of a dossier that verify reads (its PDFs are a few MB, its inputs at most 64
/// MiB each).
pub const MAX_FILE: u64 = 512 * 1024 * 1024;

/// Largest manifest read (a real one is a few KB).
const MAX_MANIFEST: u64 = 4 * 1024 * 1024;

/// Most files a manifest may list (a dossier of all twelve provinces has about 50).
const MAX_FILES: usize = 10_000;

/// What `verify` found (the binary makes it an exit status: 0, 1, 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every file matches, the documents made again.
    Verified,
    /// Something differs.
    NotVerified,
    /// Inputs and reports match; the documents only checked by hash (another program version).
    NotFullyVerified,
}

/// What an entry of a dossier folder is, seen without following links.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A regular file of this many bytes.
    File(u64),
    /// A symbolic link (to this target, as written in the link).
    Link(String),
    /// A FIFO, socket or device.
    Special(&'static str),
}

impl Kind {
    /// What is wrong with an entry that is not a regular file.
    pub(super) fn describe(&self) -> String {
        match self {
            Kind::File(_) => "is a regular file".to_owned(),
            Kind::Link(target) => format!("is a symbolic link (to {target}); a dossier holds regular files only"),
            Kind::Special(what) => format!("is not a regular file ({what}); a dossier holds regular files only"),
        }
    }
}

fn kind_of(path: &Path, t: std::fs::FileType, meta: &std::fs::Metadata) -> Kind {
    if t.is_file() {
        return Kind::File(meta.len());
    }
    if t.is_symlink() {
        let target = std::fs::read_link(path).map_or_else(|_| "?".to_owned(), |p| p.display().to_string());
        return Kind::Link(target);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Kind::Special("a FIFO");
        }
        if t.is_socket() {
            return Kind::Special("a socket");
        }
        if t.is_char_device() || t.is_block_device() {
            return Kind::Special("a device");
        }
    }
    Kind::Special("of an unknown type")
}

/// Every entry below `dir` but its folders, as paths relative to it with `/`; links are listed,
/// never followed.
pub(super) fn scan(dir: &Path) -> Result<BTreeMap<String, Kind>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let entry = entry.with_context(|| format!("reading {}", d.display()))?;
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).with_context(|| format!("reading {}", path.display()))?;
            let t = meta.file_type();
            if t.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(dir).unwrap_or(&path);
            let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            out.insert(rel, kind_of(&path, t, &meta));
        }
    }
    Ok(out)
}

/// Reads a manifest (a regular file of `len` bytes) strictly.
pub(super) fn read_manifest(path: &Path, len: u64) -> Result<Manifest> {
    if len > MAX_MANIFEST {
        bail!("{len} bytes, more than a manifest has (at most {MAX_MANIFEST})");
    }
    let mut text = String::new();
    std::fs::File::open(path)?.take(MAX_MANIFEST + 1).read_to_string(&mut text)?;
    let manifest: Manifest = serde_json::from_str(&text)?;
    if manifest.format != FORMAT {
        bail!("format `{}`, this program reads {FORMAT}", manifest.format);
    }
    Ok(manifest)
}

/// The structural checks of a manifest's own fields: every path inside the dossier, none
/// listed twice, the inputs where a dossier keeps them. Each problem is a line.
pub(super) fn check_fields(m: &Manifest) -> Vec<String> {
    let mut problems = Vec::new();
    if m.files.len() > MAX_FILES {
        problems.push(format!("manifest.json: lists {} files; a dossier has at most {MAX_FILES}", m.files.len()));
        return problems;
    }
    let inside = |path: &str| {
        !path.is_empty() && Path::new(path).components().all(|c| matches!(c, std::path::Component::Normal(_)))
    };
    let mut seen = BTreeSet::new();
    for f in &m.files {
        if !inside(&f.path) || f.path == "manifest.json" {
            problems.push(format!("manifest.json: the path `{}` does not lie inside the dossier", f.path));
        } else if !seen.insert(f.path.as_str()) {
            problems.push(format!("manifest.json: `{}` is listed more than once", f.path));
        }
    }
    if m.inputs.dataset != DATASET_DIR {
        problems.push(format!(
            "manifest.json: inputs.dataset is `{}`; a dossier keeps its data set in `{DATASET_DIR}`",
            m.inputs.dataset
        ));
    }
    if m.inputs.scenarios.is_empty() {
        problems.push("manifest.json: inputs.scenarios lists no scenario file".to_owned());
    }
    for s in &m.inputs.scenarios {
        if !s.starts_with(&format!("{SCENARIO_DIR}/")) || !seen.contains(s.as_str()) {
            problems.push(format!(
                "manifest.json: inputs.scenarios names `{s}`, which is not a listed file in `{SCENARIO_DIR}`"
            ));
        }
    }
    if let Some(b) = &m.inputs.boundaries {
        if !b.starts_with(&format!("{DATASET_DIR}/")) || !seen.contains(b.as_str()) {
            problems.push(format!(
                "manifest.json: inputs.boundaries names `{b}`, which is not a listed file in `{DATASET_DIR}`"
            ));
        }
    }
    problems
}

/// Checks one listed file: a regular file of the listed size, with the listed hash.
pub(super) fn check_file(dir: &Path, entry: &FileEntry, kind: Option<&Kind>) -> Option<String> {
    match kind {
        None => Some(format!("{}: missing", entry.path)),
        Some(Kind::File(len)) if *len != entry.bytes => {
            Some(format!("{}: changed: {} bytes in the manifest, {len} on disk", entry.path, entry.bytes))
        }
        Some(Kind::File(len)) if *len > MAX_FILE => {
            Some(format!("{}: {len} bytes, more than a dossier's file may have ({MAX_FILE}); not read", entry.path))
        }
        Some(Kind::File(_)) => match hash_file(&dir.join(&entry.path)) {
            Ok((hash, _)) if hash == entry.sha256 => None,
            Ok((hash, _)) => {
                Some(format!("{}: changed: SHA-256 {} in the manifest, {hash} of the file", entry.path, entry.sha256))
            }
            Err(e) => Some(format!("{}: cannot be read ({e})", entry.path)),
        },
        Some(other) => Some(format!("{}: {}", entry.path, other.describe())),
    }
}

/// A regular file of monitoring's state folder (`state/monitor.sqlite` and SQLite's
/// companions): not part of the decision, passed over. Anything else there is named.
fn is_state_file(path: &str, kind: &Kind) -> bool {
    matches!(kind, Kind::File(_))
        && path
            .strip_prefix(super::STATE_DIR)
            .and_then(|p| p.strip_prefix('/'))
            .is_some_and(|name| super::STATE_FILES.contains(&name))
}

/// The scenario file and `--province` values of a recorded command line, as the command-line
/// parser reads them (`None` when it is not a `spreiding dossier` command line).
pub type CommandParser<'a> = &'a dyn Fn(&[String]) -> Option<(PathBuf, Vec<String>)>;

/// A dossier folder's entries (scanned, no link followed) and its manifest, read strictly; an
/// error names what is not a dossier.
pub(super) fn open_manifest(dir: &Path) -> Result<(BTreeMap<String, Kind>, Manifest)> {
    let manifest_path = dir.join("manifest.json");
    if !dir.is_dir() {
        bail!("{}: no such folder; give a dossier folder (made by `spreiding dossier`)", dir.display());
    }
    let entries = scan(dir)?;
    let manifest = match entries.get("manifest.json") {
        Some(Kind::File(len)) => read_manifest(&manifest_path, *len)
            .with_context(|| format!("{}: not a spreiding dossier manifest", manifest_path.display()))?,
        Some(other) => bail!("{}: {}", manifest_path.display(), other.describe()),
        None => bail!("{}: no manifest.json; is {} a dossier?", manifest_path.display(), dir.display()),
    };
    Ok((entries, manifest))
}

/// `spreiding verify`: see the module's documentation for the exit statuses.
pub fn verify(dir: &Path, parse_command: CommandParser<'_>) -> Result<Verdict> {
    let manifest_path = dir.join("manifest.json");
    let (entries, manifest) = open_manifest(dir)?;
    let manifest_hash = hash_file(&manifest_path).map(|(h, _)| h).unwrap_or_default();
    let mut differ = check_fields(&manifest);
    if !differ.is_empty() {
        return Ok(report(dir, &differ));
    }
    let listed: BTreeMap<&str, &FileEntry> = manifest.files.iter().map(|f| (f.path.as_str(), f)).collect();
    for entry in &manifest.files {
        differ.extend(check_file(dir, entry, entries.get(&entry.path)));
    }
    let mut foreign = false;
    for (path, kind) in &entries {
        if path == "manifest.json" || is_state_file(path, kind) {
            continue;
        }
        if !matches!(kind, Kind::File(_)) {
            foreign = true;
            if !listed.contains_key(path.as_str()) {
                differ.push(format!("{path}: {}", kind.describe()));
            }
        } else if !listed.contains_key(path.as_str()) {
            differ.push(format!("{path}: not in the manifest"));
        }
    }
    if foreign {
        differ.push(
            "not computed again: the dossier holds entries that are not regular files, and nothing outside it is opened"
                .to_owned(),
        );
        return Ok(report(dir, &differ));
    }
    let same_program =
        manifest.program.version == env!("CARGO_PKG_VERSION") && manifest.program.commit == super::COMMIT;
    let mut documents_other_program = Vec::new();
    match Dossier::from_copies(dir, &manifest) {
        Err(e) => differ.push(format!("the dossier's inputs cannot be computed again: {e:#}")),
        Ok(d) => {
            differ.extend(check_recorded(&manifest, &d, parse_command));
            let provinces: Vec<ProvinceCode> =
                manifest.provinces.iter().filter_map(|p| ProvinceCode::parse(p)).collect();
            let rebuilt = d.build(&provinces)?;
            for (path, bytes) in &rebuilt {
                let is_document = !path.starts_with("data/") && !path.starts_with("results/");
                let Some(entry) = listed.get(path.as_str()) else {
                    differ.push(format!("{path}: missing (the recomputation makes it)"));
                    continue;
                };
                if sha256(bytes) == entry.sha256 {
                    continue;
                }
                if is_document && !same_program {
                    documents_other_program.push(path.clone());
                } else {
                    differ.push(format!("{path}: differs from the recomputation from the dossier's data"));
                }
            }
            for path in listed.keys() {
                if !rebuilt.contains_key(*path) {
                    differ.push(format!("{path}: the recomputation does not make this file"));
                }
            }
        }
    }
    if !differ.is_empty() {
        return Ok(report(dir, &differ));
    }
    if !documents_other_program.is_empty() {
        println!(
            "{}: NOT FULLY verified: {} files match manifest.json and the reports computed again from data/ equal the stored ones, but the documents were not made again: the manifest says they were made by {} {} (commit {}), and this program, {} (commit {}), makes {} differently ({}). Verify them with the program that made them. Manifest SHA-256 {manifest_hash}",
            dir.display(),
            manifest.files.len(),
            manifest.program.name,
            manifest.program.version,
            manifest.program.commit,
            env!("CARGO_PKG_VERSION"),
            super::COMMIT,
            if documents_other_program.len() == 1 { "it" } else { "them" },
            documents_other_program.join(", "),
        );
        return Ok(Verdict::NotFullyVerified);
    }
    println!(
        "{}: verified: {} files match manifest.json; the reports and documents computed again from data/ equal the stored ones. Manifest SHA-256 {manifest_hash}",
        dir.display(),
        manifest.files.len(),
    );
    Ok(Verdict::Verified)
}

/// The manifest's recorded fields against the recomputation: the data set's content hash,
/// the boundary file, the scenario's name, the provinces and the command line.
fn check_recorded(m: &Manifest, d: &Dossier, parse_command: CommandParser<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    let hash = d.sources.content_hash();
    if m.inputs.dataset_content_hash != hash {
        problems.push(format!(
            "manifest.json: inputs.dataset_content_hash is {}; the dossier's data set has {hash}",
            m.inputs.dataset_content_hash
        ));
    }
    let boundaries = d.boundaries.as_ref().map(|(n, _, _)| format!("{DATASET_DIR}/{n}"));
    if m.inputs.boundaries != boundaries {
        problems.push(format!(
            "manifest.json: inputs.boundaries is {}; the maps are drawn from {}",
            m.inputs.boundaries.as_deref().map_or_else(|| "null".to_owned(), |b| format!("`{b}`")),
            boundaries.as_deref().map_or_else(|| "no boundary file".to_owned(), |b| format!("`{b}`"))
        ));
    }
    if m.scenario.name != d.scenario.name {
        problems.push(format!(
            "manifest.json: scenario.name is \"{}\"; the dossier's scenario file names \"{}\"",
            m.scenario.name, d.scenario.name
        ));
    }
    let mut provinces: Vec<String> = m.provinces.clone();
    provinces.sort();
    provinces.dedup();
    if provinces != m.provinces || m.provinces.iter().any(|p| ProvinceCode::parse(p).is_none()) {
        problems.push(format!("manifest.json: provinces {:?} are not distinct province codes in order", m.provinces));
    }
    match parse_command(&m.command) {
        None => problems.push(format!(
            "manifest.json: command {:?} is not a `spreiding dossier` command line",
            m.command.join(" ")
        )),
        Some((scenario, given)) => {
            if scenario.display().to_string() != m.scenario.file {
                problems.push(format!(
                    "manifest.json: the command line names the scenario file `{}`, scenario.file is `{}`",
                    scenario.display(),
                    m.scenario.file
                ));
            }
            let expected: Result<Vec<String>> = if given.is_empty() {
                Ok(d.open_provinces().iter().map(ToString::to_string).collect())
            } else {
                given
                    .iter()
                    .map(|g| d.dataset.find_province(g).map(|c| c.to_string()).map_err(anyhow::Error::from))
                    .collect::<Result<Vec<_>>>()
                    .map(|mut v| {
                        v.sort();
                        v.dedup();
                        v
                    })
            };
            match expected {
                Ok(expected) if expected == m.provinces => {}
                Ok(expected) => problems.push(format!(
                    "manifest.json: provinces {:?}; the command line makes the documents of {:?}",
                    m.provinces, expected
                )),
                Err(e) => problems.push(format!("manifest.json: the command line's provinces: {e:#}")),
            }
        }
    }
    problems
}

/// Prints the differences and the verdict; the exit status.
fn report(dir: &Path, differ: &[String]) -> Verdict {
    let mut lines = differ.to_vec();
    lines.sort();
    lines.dedup();
    for line in &lines {
        println!("{line}");
    }
    eprintln!("{}: NOT verified: {} problems", dir.display(), lines.len());
    Verdict::NotVerified
}
