//! Sweeps across machines: `spreiding run ... --shard I/N` solves one part of a run, and
//! `spreiding merge DIR... --out DIR` puts the parts together into the folder one machine would
//! have written.
//!
//! A run is cut into result files (one per scenario file, one per 100 scenarios of a sweep; see
//! [`crate::run`]), numbered in plan order. Part I of N owns the files k with k mod N = I: every
//! part knows its files from the command line alone, without a scheduler, and the parts are of
//! even size. `I` may be `env`: the index is then read from `JOB_COMPLETION_INDEX` (a Kubernetes
//! Indexed Job) or else `SLURM_ARRAY_TASK_ID` (a Slurm job array, `--array=0-<N-1>`).
//!
//! A part writes its result files and a `summary.csv` of its scenarios as a whole run does, and
//! last `shard.json`: the run's fingerprint (program version, data sets' content, definitions
//! after inheritance: [`crate::run::Plan::fingerprint`]), its index, N, and every result file of
//! the whole run with its number of scenarios. `merge` refuses parts of different runs, a part
//! given twice, a missing part, and a result file that is missing, unreadable or incomplete,
//! naming each; then it copies the result files byte for byte and builds `summary.csv` from
//! them in plan order, in a staging folder beside `--out` that is renamed into place.

use crate::hash::file_sha256;
use crate::layout::{self, relative, result_paths};
pub use crate::run::Part;
use crate::run::{read_result, summarise, Plan, Row};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use spreiding_solver::report::compare::MetricsContext;
use spreiding_solver::report::results::ScenarioOutcome;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use crate::layout::MANIFEST;

/// Format tag of [`MANIFEST`].
const FORMAT: &str = "spreiding-shard/2";

/// clap's parser for `--shard`.
pub fn parse_arg(spec: &str) -> Result<Part, String> {
    Part::parse(spec, |v| std::env::var(v).ok())
}

/// One result file of the whole run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    name: String,
    scenarios: u64,
    /// The fingerprint its header must carry (empty for a scenario that failed to read).
    fingerprint: String,
}

/// `shard.json`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    format: String,
    program: String,
    /// [`Plan::fingerprint`] of the whole run.
    run: String,
    shard: u64,
    of: u64,
    /// Every result file of the whole run, in plan order.
    files: Vec<FileEntry>,
    /// SHA-256 of every file this part wrote, by its path below `results/`: `merge` and
    /// `--resume` take only files with these bytes.
    sha256: BTreeMap<String, String>,
}

/// The content hashes a finished part recorded in `out` (its `shard.json`), when it is a part
/// of the run with fingerprint `run`: what `--resume` keeps.
pub fn recorded_hashes(out: &Path, run: &str) -> Option<BTreeMap<String, String>> {
    let m = read_manifest(out).ok()?;
    (m.run == run).then_some(m.sha256)
}

/// Writes a part's `shard.json` (last, after its results and summary).
pub fn write_manifest(out: &Path, part: Part, plan: &Plan) -> Result<()> {
    let results = layout::results(out);
    let mut sha256 = BTreeMap::new();
    for name in plan.own_files() {
        for path in result_paths(&results, name) {
            let (hash, _) = file_sha256(&path).with_context(|| format!("hashing {}", path.display()))?;
            sha256.insert(relative(&results, &path), hash);
        }
    }
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        program: format!("spreiding {}", env!("CARGO_PKG_VERSION")),
        run: plan.fingerprint(),
        shard: part.index,
        of: part.of,
        files: plan
            .files()
            .iter()
            .map(|(name, n, f)| FileEntry { name: name.clone(), scenarios: *n, fingerprint: f.clone() })
            .collect(),
        sha256,
    };
    let mut bytes = serde_json::to_vec_pretty(&manifest)?;
    bytes.push(b'\n');
    crate::atomic::write_output(Some(&layout::manifest(out)), &bytes)
}

fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = layout::manifest(dir);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{}: not a part of a sharded run (no {MANIFEST}; was it run with --shard, and did it finish?)",
            dir.display()
        )
    })?;
    let m: Manifest =
        serde_json::from_str(&text).with_context(|| format!("{}: not a {FORMAT} manifest", path.display()))?;
    if m.format != FORMAT {
        bail!("{}: format `{}`, expected `{FORMAT}`", path.display(), m.format);
    }
    if m.of == 0 || m.shard >= m.of {
        bail!("{}: shard {} of {} is not a valid part", path.display(), m.shard, m.of);
    }
    Ok(m)
}

/// Scenarios merged.
pub struct Merged {
    pub scenarios: u64,
    pub files: usize,
}

/// `spreiding merge`: checks the parts and writes the whole run's folder to `out`.
#[expect(
    clippy::cast_possible_truncation,
    reason = "part numbers are below the number of parts, which fits a usize (checked where owner is made)"
)]
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Merged> {
    let manifests: Vec<Manifest> = dirs.iter().map(|d| read_manifest(d)).collect::<Result<_>>()?;
    let (first, reference) = (&dirs[0], &manifests[0]);
    for (dir, m) in dirs.iter().zip(&manifests).skip(1) {
        if m.run != reference.run || m.of != reference.of || m.files != reference.files {
            bail!(
                "{} is a shard of another run than {}: fingerprint {} ({}, {} parts), not {} ({}, {} parts); shards of one run share program version, data sets and definitions",
                dir.display(),
                first.display(),
                short(&m.run),
                m.program,
                m.of,
                short(&reference.run),
                reference.program,
                reference.of
            );
        }
    }
    let of = reference.of;
    let mut owner: Vec<Option<usize>> = vec![None; usize::try_from(of).context("too many parts")?];
    for (d, m) in manifests.iter().enumerate() {
        let slot = &mut owner[m.shard as usize];
        if let Some(other) = slot {
            bail!("shard {}/{of} is given twice: {} and {}", m.shard, dirs[*other].display(), dirs[d].display());
        }
        *slot = Some(d);
    }
    let missing: Vec<String> =
        owner.iter().enumerate().filter(|(_, o)| o.is_none()).map(|(i, _)| format!("{i}/{of}")).collect();
    if !missing.is_empty() {
        bail!(
            "shard{} {} of this run {} missing (given: {})",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" },
            dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }

    refuse_non_empty(out)?;
    let staged = crate::atomic::StagedDir::beside(out, ".merging-")?;
    let staging = staged.path();
    let result = (|| -> Result<Merged> {
        let results = layout::results(staging);
        std::fs::create_dir_all(&results).with_context(|| format!("creating {}", results.display()))?;
        let mut rows: Vec<Row> = Vec::new();
        for (k, entry) in reference.files.iter().enumerate() {
            let part = (k as u64) % of;
            let dir = &dirs[owner[part as usize].unwrap_or(0)];
            let from = layout::results(dir);
            let paths = result_paths(&from, &entry.name);
            if let Some(gone) = paths.iter().find(|p| !p.is_file()) {
                bail!("{}: result file of shard {part}/{of} missing", gone.display());
            }
            let recorded = &manifests[owner[part as usize].unwrap_or(0)].sha256;
            for p in &paths {
                let key = relative(&from, p);
                let Some(expected) = recorded.get(&key) else {
                    bail!(
                        "{}: not recorded in its part's {MANIFEST}; the part is not the one that wrote it",
                        p.display()
                    );
                };
                let (found, _) = file_sha256(p).with_context(|| format!("reading {}", p.display()))?;
                if &found != expected {
                    bail!(
                        "{}: its bytes are not those its part wrote (SHA-256 {} in {MANIFEST}, {} of the file): it was changed after the run; run the part again",
                        p.display(),
                        short(expected),
                        short(&found)
                    );
                }
            }
            let (header, records) = read_result(&from, &entry.name)?;
            if header.fingerprint != entry.fingerprint && !records.iter().all(|r| r.outcome == ScenarioOutcome::Failed)
            {
                bail!(
                    "{}: made from another definition, data set or program (fingerprint {}), not this run's ({})",
                    paths.last().map_or_else(String::new, |p| p.display().to_string()),
                    short(&header.fingerprint),
                    short(&entry.fingerprint)
                );
            }
            if records.len() as u64 != entry.scenarios {
                bail!(
                    "{}: holds {} scenarios, the run has {} in it (an interrupted part: run it again with --resume)",
                    paths.last().map_or_else(String::new, |p| p.display().to_string()),
                    records.len(),
                    entry.scenarios
                );
            }
            let ctx = MetricsContext::new(&header);
            rows.extend(records.iter().map(|r| Row::new(&ctx, r)));
            for (source, target) in paths.iter().zip(result_paths(&results, &entry.name)) {
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
                }
                std::fs::copy(source, &target)
                    .with_context(|| format!("copying {} to {}", source.display(), target.display()))?;
            }
        }
        let scenarios = rows.len() as u64;
        summarise(staging, rows.into_iter())?;
        crate::atomic::sync_dir(&results)?;
        for table in layout::folders(&results, true).iter().filter(|d| d.is_dir()) {
            crate::atomic::sync_dir(table)?;
        }
        Ok(Merged { scenarios, files: reference.files.len() })
    })();
    // On an error the staged folder is removed (dropped); `out` is untouched.
    let merged = result?;
    // Still empty (nothing another process put there in the meantime is ever removed).
    refuse_non_empty(out)?;
    staged.commit()?;
    Ok(merged)
}

fn short(fingerprint: &str) -> &str {
    fingerprint.get(..12).unwrap_or(fingerprint)
}

/// Refuses an `out` that holds anything (nothing is overwritten; an empty folder is replaced).
fn refuse_non_empty(out: &Path) -> Result<()> {
    if let Ok(mut entries) = std::fs::read_dir(out) {
        if entries.next().is_some() {
            bail!("{} is not empty; merge into a new or empty folder", out.display());
        }
    } else if out.exists() {
        bail!("{} exists and is not a folder", out.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |v| pairs.iter().find(|(k, _)| *k == v).map(|(_, x)| (*x).to_owned())
    }

    #[test]
    fn parts_parse_from_the_argument_and_the_environment() {
        assert_eq!(Part::parse("2/4", env(&[])), Ok(Part { index: 2, of: 4 }));
        assert_eq!(Part::parse("env/4", env(&[("JOB_COMPLETION_INDEX", "3")])), Ok(Part { index: 3, of: 4 }));
        assert_eq!(Part::parse("env/4", env(&[("SLURM_ARRAY_TASK_ID", "1")])), Ok(Part { index: 1, of: 4 }));
        // Kubernetes first when both are set.
        assert_eq!(
            Part::parse("env/4", env(&[("SLURM_ARRAY_TASK_ID", "1"), ("JOB_COMPLETION_INDEX", "0")])),
            Ok(Part { index: 0, of: 4 })
        );
        let e = Part::parse("env/4", env(&[])).unwrap_err();
        assert!(e.contains("JOB_COMPLETION_INDEX") && e.contains("SLURM_ARRAY_TASK_ID"), "{e}");
        let e = Part::parse("env/4", env(&[("SLURM_ARRAY_TASK_ID", "4")])).unwrap_err();
        assert!(e.contains("SLURM_ARRAY_TASK_ID=4") && e.contains("from 0 to 3"), "{e}");
        assert!(Part::parse("4/4", env(&[])).unwrap_err().contains("not below N = 4"));
        assert!(Part::parse("1/0", env(&[])).unwrap_err().contains("at least 1"));
        assert!(Part::parse("1", env(&[])).unwrap_err().contains("expected I/N"));
        assert!(Part::parse("a/4", env(&[])).unwrap_err().contains("`a` is not a whole number"));
    }

    #[test]
    fn files_go_round_robin() {
        let p = Part { index: 1, of: 3 };
        assert_eq!((0..9).filter(|&k| p.owns(k)).collect::<Vec<_>>(), vec![1, 4, 7]);
    }
}
