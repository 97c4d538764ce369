//! `spreiding run`: scenario files, folders and sweeps solved in parallel, results streamed to
//! disk with atomic writes, resumable.
//!
//! Every scenario file is one unit of work with one result file; a sweep is cut into chunks of
//! [`CHUNK`] consecutive scenarios, one result file each (a *chunk*; a *shard* is a machine's
//! part of a run, `--shard I/N`: see [`crate::shard`]). A result file is written whole or not
//! at all (temporary file, then rename), so an interrupted run loses at most the chunks in
//! progress. `--resume` keeps a result file already there only if its header's fingerprint
//! (program version, data set content, definition after inheritance) matches and it holds every
//! scenario of its chunk, in order; every other chunk is solved again. Output bytes do not
//! depend on the number of threads: a chunk's content depends only on its scenarios, and the
//! summary is built from the result files in a fixed order.
//!
//! Result files are JSON lines (`results/NAME.jsonl`, the default) or, with `--format parquet`,
//! three Parquet tables per result file (`results/{municipalities,provinces,scenarios}/NAME.parquet`,
//! see [`crate::columnar`]); both read back to the same records ([`read_result`]).

use crate::atomic::write_output;
use crate::columnar;
use crate::layout::{self, relative, result_paths};
use anyhow::{anyhow, bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use spreiding_solver::io::{self, InputError};
use spreiding_solver::model::{Dataset, Scenario};
use spreiding_solver::report::compare::{metrics, Metrics, MetricsContext};
use spreiding_solver::report::results::{fingerprint, read_lines, write_lines, Header, Record, ScenarioOutcome};
use spreiding_solver::solve::solve;
use spreiding_solver::sweep::{solve_job, solve_job_solution, Perturber, Sweep};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Environment variables that carry a part's index (`--shard env/N`), in the order they are
/// read.
pub const INDEX_VARIABLES: [&str; 2] = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"];

/// One part of a run: index `index` (from 0) of `of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    pub index: u64,
    pub of: u64,
}

impl Part {
    /// True when result file `k` (in plan order) belongs to this part.
    pub fn owns(&self, k: u64) -> bool {
        k % self.of == self.index
    }

    /// Parses `I/N` (I from 0 to N-1, or `env`), reading the environment through `var`.
    pub fn parse(spec: &str, var: impl Fn(&str) -> Option<String>) -> Result<Part, String> {
        let usage = "expected I/N with 0 <= I < N (e.g. 0/4), or env/N";
        let (i, n) = spec.split_once('/').ok_or_else(|| format!("`{spec}`: {usage}"))?;
        let of: u64 = n.trim().parse().map_err(|_| format!("`{spec}`: N `{n}` is not a whole number; {usage}"))?;
        if of == 0 {
            return Err(format!("`{spec}`: N must be at least 1"));
        }
        let (text, from) = if i.trim() == "env" {
            INDEX_VARIABLES
                .iter()
                .find_map(|v| var(v).map(|value| (value.clone(), format!("{v}={value}"))))
                .ok_or_else(|| format!("`{spec}`: neither {} is set", INDEX_VARIABLES.join(" nor ")))?
        } else {
            (i.to_owned(), format!("`{spec}`"))
        };
        let index: u64 =
            text.trim().parse().map_err(|_| format!("{from}: the index `{text}` is not a whole number; {usage}"))?;
        if index >= of {
            return Err(format!("{from}: the index {index} is not below N = {of} (indices run from 0 to {})", of - 1));
        }
        Ok(Part { index, of })
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.of)
    }
}

/// Scenarios per result file of a sweep.
pub const CHUNK: u64 = 100;

/// Default limit on the number of scenarios a run may generate.
pub const DEFAULT_MAX_SCENARIOS: u64 = 10_000;

/// The format of a run's result files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ResultFormat {
    /// JSON lines: `results/NAME.jsonl`, a header line, then one line per scenario.
    #[default]
    Jsonl,
    /// Parquet: `results/municipalities/NAME.parquet`, `results/provinces/...` and
    /// `results/scenarios/...`, zstd-compressed, one row group per result file.
    Parquet,
}

impl ResultFormat {
    fn extension(self) -> &'static str {
        match self {
            ResultFormat::Jsonl => layout::JSONL,
            ResultFormat::Parquet => layout::PARQUET,
        }
    }
}

/// Reads result file `name` under a run's `results` folder, in either format.
pub fn read_result(results: &Path, name: &str) -> Result<(Header, Vec<Record>)> {
    if layout::is_parquet(name) {
        return columnar::read(results, name);
    }
    let source = spreiding_solver::io::Source::read(&results.join(name)).map_err(|p| anyhow!("{p}"))?;
    read_lines(&source.name, &source.text).map_err(|e| anyhow!("{e}"))
}

/// Arguments of `spreiding run`.
pub struct Args {
    pub paths: Vec<PathBuf>,
    pub jobs: Option<usize>,
    pub out: PathBuf,
    pub resume: bool,
    pub max_scenarios: Option<u64>,
    /// Solve only this part of the run (`--shard I/N`; the manifest and `merge` are in `shard`).
    pub part: Option<Part>,
    /// The result files' format.
    pub format: ResultFormat,
}

/// What one input file became.
enum Work {
    Scenario { scenario: Scenario, dataset: Arc<Dataset>, fingerprint: String },
    Sweep { sweep: Sweep, dataset: Arc<Dataset>, perturber: Perturber, fingerprint: String },
    Failed { id: String, error: String },
}

/// One input of a batch (a scenario file, a sweep file, or a scenario given in memory) and what
/// it became.
pub struct Unit {
    file: PathBuf,
    work: Work,
}

impl Unit {
    fn len(&self) -> u64 {
        match &self.work {
            Work::Sweep { sweep, .. } => sweep.len(),
            _ => 1,
        }
    }

    /// The name its result files start with.
    fn stem(&self) -> String {
        match &self.work {
            Work::Scenario { scenario, .. } => safe(&scenario.name),
            Work::Sweep { sweep, .. } => safe(&sweep.name),
            Work::Failed { id, .. } => safe(id),
        }
    }
}

/// A name made safe for a file name.
fn safe(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
}

struct Chunk {
    unit: usize,
    start: u64,
    end: u64,
    file_name: String,
}

/// Claim files of objections (`*.claim.toml`) live beside scenarios but are not scenarios: a
/// folder's walk leaves them out.
pub fn is_claim_file(p: &Path) -> bool {
    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".claim.toml"))
}

/// The `.toml` files of the paths (claim files left out of folders), folders searched
/// recursively, each folder's files sorted. Links to folders inside a folder are not followed
/// (a link loop `a -> ..` would never end; a linked folder is named on the command line or not
/// at all); links to files are, and a file that is not a regular file (a FIFO named `x.toml`)
/// is refused when it is read.
pub fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
        let mut entries: Vec<(PathBuf, std::fs::FileType)> = std::fs::read_dir(dir)
            .with_context(|| format!("reading folder {}", dir.display()))?
            .filter_map(|e| e.ok().and_then(|e| Some((e.path(), e.file_type().ok()?))))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (p, kind) in entries {
            if kind.is_dir() {
                walk(&p, out)?;
            } else if kind.is_symlink() && p.is_dir() {
                continue;
            } else if p.extension().is_some_and(|e| e == "toml") && !is_claim_file(&p) {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, &mut out)?,
            // A file, or something that is not one (a FIFO): refused by name when it is read.
            Ok(_) => out.push(p.clone()),
            Err(_) => bail!("{}: no such file or folder", p.display()),
        }
    }
    Ok(out)
}

fn describe(e: &InputError) -> String {
    e.problems().iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; ")
}

/// Loads every file into a unit of work; data sets are read once per folder.
pub fn units(files: Vec<PathBuf>) -> Vec<Unit> {
    let mut datasets: BTreeMap<PathBuf, Result<Arc<Dataset>, String>> = BTreeMap::new();
    let mut dataset = |path: &Path| -> Result<Arc<Dataset>, String> {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        datasets.entry(key).or_insert_with(|| io::load_dataset(path).map(Arc::new).map_err(|e| describe(&e))).clone()
    };
    files
        .into_iter()
        .map(|file| {
            let stem = file.file_stem().map_or_else(|| "scenario".to_owned(), |s| s.to_string_lossy().into_owned());
            let failed = |error: String| Work::Failed { id: stem.clone(), error };
            let text = match io::Source::read(&file) {
                Ok(s) => s.text,
                Err(problem) => return Unit { work: failed(problem.to_string()), file },
            };
            let work = if io::is_sweep(&text) {
                match io::load_sweep(&file) {
                    Ok(sweep) => match dataset(Path::new(&sweep.base.dataset))
                        .and_then(|d| io::prepare_sweep(&sweep, &d).map_err(|e| describe(&e)))
                    {
                        Ok(d) => Work::Sweep {
                            perturber: Perturber::new(&d),
                            fingerprint: fingerprint(&d, &sweep.base, Some(&sweep)),
                            dataset: Arc::new(d),
                            sweep,
                        },
                        Err(e) => failed(e),
                    },
                    Err(e) => failed(describe(&e)),
                }
            } else {
                match io::load_scenario(&file) {
                    Ok(scenario) => match dataset(Path::new(&scenario.dataset))
                        .and_then(|d| io::prepare(&scenario, &d).map_err(|e| describe(&e)))
                    {
                        Ok(d) => Work::Scenario {
                            fingerprint: fingerprint(&d, &scenario, None),
                            scenario,
                            dataset: Arc::new(d),
                        },
                        Err(e) => failed(e),
                    },
                    Err(e) => failed(describe(&e)),
                }
            };
            Unit { file, work }
        })
        .collect()
}

impl Unit {
    /// A scenario given in memory (not read from a file), on its data set before overrides;
    /// `label` stands where a file name would.
    pub fn scenario(label: &str, scenario: Scenario, base: &Dataset) -> Unit {
        let work = match io::prepare(&scenario, base) {
            Ok(d) => Work::Scenario { fingerprint: fingerprint(&d, &scenario, None), scenario, dataset: Arc::new(d) },
            Err(e) => Work::Failed { id: scenario.name.clone(), error: format!("{label}: {}", describe(&e)) },
        };
        Unit { file: PathBuf::from(label), work }
    }
}

impl Unit {
    /// A scenario already prepared (its overrides applied to `dataset`) with its fingerprint:
    /// a served scenario as the server read it at start.
    pub fn prepared(file: &Path, scenario: Scenario, dataset: Arc<Dataset>, fingerprint: String) -> Unit {
        Unit { file: file.to_path_buf(), work: Work::Scenario { scenario, dataset, fingerprint } }
    }

    /// A sweep on its data set before overrides: a served sweep as the server read it at start.
    pub fn sweep(file: &Path, sweep: Sweep, base: &Dataset) -> Unit {
        let work = match io::prepare_sweep(&sweep, base) {
            Ok(d) => Work::Sweep {
                perturber: Perturber::new(&d),
                fingerprint: fingerprint(&d, &sweep.base, Some(&sweep)),
                dataset: Arc::new(d),
                sweep,
            },
            Err(e) => Work::Failed { id: sweep.name.clone(), error: describe(&e) },
        };
        Unit { file: file.to_path_buf(), work }
    }
}

fn chunks(units: &[Unit], format: ResultFormat) -> Vec<Chunk> {
    let ext = format.extension();
    let mut out = Vec::new();
    for (u, unit) in units.iter().enumerate() {
        let n = unit.len();
        if let Work::Sweep { .. } = unit.work {
            let width = n.saturating_sub(1).max(1).to_string().len();
            let mut start = 0;
            while start < n {
                let end = (start + CHUNK).min(n);
                out.push(Chunk {
                    unit: u,
                    start,
                    end,
                    file_name: layout::chunk_name(&unit.stem(), Some((start, width)), ext),
                });
                start = end;
            }
        } else {
            out.push(Chunk { unit: u, start: 0, end: 1, file_name: layout::chunk_name(&unit.stem(), None, ext) });
        }
    }
    out
}

/// The records of a chunk.
fn solve_chunk(unit: &Unit, chunk: &Chunk) -> (Header, Vec<Record>) {
    let failed = |id: String, e: String| Record::failed(id, BTreeMap::new(), e);
    match &unit.work {
        Work::Failed { id, error } => (empty_header(), vec![failed(id.clone(), error.clone())]),
        Work::Scenario { scenario, dataset, fingerprint } => {
            let record = match solve(dataset, scenario) {
                Ok(s) => Record::solved(scenario.name.clone(), BTreeMap::new(), &s),
                Err(e) => failed(scenario.name.clone(), e.to_string()),
            };
            (Header::new(dataset, fingerprint.clone()), vec![record])
        }
        Work::Sweep { sweep, dataset, perturber, fingerprint } => {
            let records = (chunk.start..chunk.end).map(|i| solve_job(sweep, dataset, perturber, i)).collect();
            (Header::new(dataset, fingerprint.clone()), records)
        }
    }
}

/// The records of a chunk and its Parquet tables (which keep more of each solution than a
/// record: places beyond the cap, obligations, reasons).
fn solve_shard_parquet(unit: &Unit, chunk: &Chunk) -> Result<(Header, Vec<Record>, [Vec<u8>; 3])> {
    let mut records = Vec::new();
    let no_params = BTreeMap::new();
    let header = match &unit.work {
        Work::Failed { id, error } => {
            let mut w = columnar::ChunkWriter::new("", "");
            w.push_failed(id, &no_params, error)?;
            records.push(Record::failed(id.clone(), BTreeMap::new(), error.clone()));
            return Ok((empty_header(), records, w.finish()?));
        }
        Work::Scenario { dataset, fingerprint, .. } | Work::Sweep { dataset, fingerprint, .. } => {
            Header::new(dataset, fingerprint.clone())
        }
    };
    let mut w = columnar::ChunkWriter::new(&header.fingerprint, &header.cycle);
    let mut add = |dataset: &Dataset, id: String, params: BTreeMap<String, String>, solution: Result<_, String>| {
        match &solution {
            Ok(s) => w.push_solved(dataset, &id, &params, s)?,
            Err(e) => w.push_failed(&id, &params, e)?,
        }
        records.push(match solution {
            Ok(s) => Record::solved(id, params, &s),
            Err(e) => Record::failed(id, params, e),
        });
        anyhow::Ok(())
    };
    match &unit.work {
        Work::Scenario { scenario, dataset, .. } => {
            add(dataset, scenario.name.clone(), BTreeMap::new(), solve(dataset, scenario).map_err(|e| e.to_string()))?;
        }
        Work::Sweep { sweep, dataset, perturber, .. } => {
            for i in chunk.start..chunk.end {
                let (job, solution) = solve_job_solution(sweep, dataset, perturber, i);
                add(dataset, job.id, job.params, solution.map_err(|e| e.to_string()))?;
            }
        }
        Work::Failed { .. } => {}
    }
    Ok((header, records, w.finish()?))
}

/// Files to write: (path, bytes) in the order they are written.
type Files = Vec<(PathBuf, Vec<u8>)>;

/// A chunk solved: its header and records, and its files.
fn encode_chunk(unit: &Unit, chunk: &Chunk, dir: &Path, format: ResultFormat) -> Result<(Header, Vec<Record>, Files)> {
    match format {
        ResultFormat::Jsonl => {
            let (header, records) = solve_chunk(unit, chunk);
            let bytes = write_lines(&header, &records);
            Ok((header, records, vec![(dir.join(&chunk.file_name), bytes)]))
        }
        ResultFormat::Parquet => {
            let (header, records, tables) = solve_shard_parquet(unit, chunk)?;
            let files = layout::parquet_paths(dir, &chunk.file_name).into_iter().zip(tables).collect();
            Ok((header, records, files))
        }
    }
}

fn empty_header() -> Header {
    Header {
        format: spreiding_solver::report::results::FORMAT.to_owned(),
        fingerprint: String::new(),
        cycle: String::new(),
        municipalities: Vec::new(),
    }
}

/// Most threads per core `--jobs` may ask for: more only adds switching (the work is CPU-bound)
/// and, far beyond, thousands of threads that make no progress.
pub const MAX_JOBS_PER_CORE: usize = 4;

/// The number of worker threads: `--jobs` (at most [`MAX_JOBS_PER_CORE`] per core, with a note
/// when clamped), or one per core.
pub fn threads(jobs: Option<usize>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let max = MAX_JOBS_PER_CORE * cores;
    match jobs {
        None => cores,
        Some(n) if n > max => {
            eprintln!("note: --jobs {n} is more than {MAX_JOBS_PER_CORE} per core; using {max} ({cores} cores)");
            max
        }
        Some(n) => n,
    }
}

/// The summary rows of a result file from an earlier run if it can be kept: it is of the
/// current format, it reads, its fingerprint is the unit's, it holds exactly the scenarios of
/// its chunk, in order (a file cut at a line boundary holds fewer), and, when the folder holds
/// a finished part's manifest (`recorded`), its content hash is the one recorded there (an
/// edited number is not kept). `None`: solve the chunk again.
fn keepable(unit: &Unit, chunk: &Chunk, dir: &Path, recorded: Option<&BTreeMap<String, String>>) -> Option<Vec<Row>> {
    let (fingerprint, expected): (&str, Vec<String>) = match &unit.work {
        Work::Scenario { scenario, fingerprint, .. } => (fingerprint, vec![scenario.name.clone()]),
        Work::Sweep { sweep, fingerprint, .. } => {
            (fingerprint, (chunk.start..chunk.end).map(|i| sweep.id(i)).collect())
        }
        Work::Failed { .. } => return None,
    };
    if let Some(recorded) = recorded {
        let paths = result_paths(dir, &chunk.file_name);
        let same = paths.iter().all(|p| {
            let key = relative(dir, p);
            recorded.get(&key).is_some_and(|h| crate::hash::file_sha256(p).is_ok_and(|(x, _)| &x == h))
        });
        if !same {
            return None;
        }
    }
    let (header, records) = read_result(dir, &chunk.file_name).ok()?;
    let complete = records.len() == expected.len() && records.iter().zip(&expected).all(|(r, id)| &r.id == id);
    let current = header.format == spreiding_solver::report::results::FORMAT;
    if header.fingerprint != fingerprint || !complete || !current {
        return None;
    }
    let ctx = MetricsContext::new(&header);
    Some(records.iter().map(|r| Row::new(&ctx, r)).collect())
}

/// The number of scenarios of units.
pub fn total(units: &[Unit]) -> u64 {
    units.iter().map(Unit::len).sum()
}

/// The work of a batch: its units and their chunks, checked (size limit, distinct names).
pub struct Plan {
    units: Vec<Unit>,
    format: ResultFormat,
    chunks: Vec<Chunk>,
    /// Every result file of the whole run in order, with its number of scenarios and the
    /// fingerprint its header carries (also when [`Plan::restrict`] keeps only a part of them).
    files: Vec<(String, u64, String)>,
}

impl Plan {
    /// Cuts units into chunks with result files in `format`; refuses a batch above
    /// `max_scenarios` and two units whose result files would have the same name.
    pub fn new(units: Vec<Unit>, max_scenarios: Option<u64>, format: ResultFormat) -> Result<Plan> {
        let total: u64 = units.iter().map(Unit::len).sum();
        let limit = max_scenarios.unwrap_or(DEFAULT_MAX_SCENARIOS);
        if total > limit {
            let big: Vec<String> = units
                .iter()
                .filter(|u| u.len() > 1)
                .map(|u| format!("{} ({} scenarios)", u.file.display(), u.len()))
                .collect();
            let which = if big.is_empty() { String::new() } else { format!(" ({})", big.join(", ")) };
            bail!(
                "this run would generate {total} scenarios, more than the limit of {limit}{which}; pass --max-scenarios {total} to run them"
            );
        }
        let chunks = chunks(&units, format);
        let mut seen = BTreeMap::new();
        for s in &chunks {
            if let Some(other) = seen.insert(s.file_name.clone(), s.unit) {
                if other != s.unit {
                    bail!(
                        "{} and {} give results the same name `{}`; give the scenarios different names",
                        units[other].file.display(),
                        units[s.unit].file.display(),
                        s.file_name
                    );
                }
            }
        }
        let files = chunks
            .iter()
            .map(|s| {
                let fingerprint = match &units[s.unit].work {
                    Work::Scenario { fingerprint, .. } | Work::Sweep { fingerprint, .. } => fingerprint.clone(),
                    Work::Failed { .. } => String::new(),
                };
                (s.file_name.clone(), s.end - s.start, fingerprint)
            })
            .collect();
        Ok(Plan { units, format, chunks, files })
    }

    /// Keeps only the result files of one part of the run: file k (in plan order) belongs to
    /// part k mod N, so every part is known in advance and the parts are of even size.
    pub fn restrict(mut self, part: Part) -> Plan {
        let mut k = 0u64;
        self.chunks.retain(|_| {
            k += 1;
            part.owns(k - 1)
        });
        self
    }

    /// Every result file of the whole run in order, with its number of scenarios and the
    /// fingerprint of its header (empty for a scenario that failed before it was solved).
    pub fn files(&self) -> &[(String, u64, String)] {
        &self.files
    }

    /// The result files this plan solves (all, or one part's after [`Plan::restrict`]).
    pub fn own_files(&self) -> impl Iterator<Item = &str> {
        self.chunks.iter().map(|s| s.file_name.as_str())
    }

    /// The number of scenarios.
    pub fn total(&self) -> u64 {
        self.units.iter().map(Unit::len).sum()
    }

    /// SHA-256 over the units' fingerprints in order: what the run computes (program version,
    /// data sets' content, definitions after inheritance), not where its files are.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for u in &self.units {
            match &u.work {
                Work::Scenario { fingerprint, .. } | Work::Sweep { fingerprint, .. } => {
                    h.update(fingerprint.as_bytes())
                }
                Work::Failed { error, .. } => h.update(error.as_bytes()),
            }
            h.update(b"\n");
        }
        crate::hash::hex(h.finalize().as_slice())
    }

    /// The errors of units that could not be read or validated (each still gets a record).
    pub fn errors(&self) -> impl Iterator<Item = &str> {
        self.units.iter().filter_map(|u| match &u.work {
            Work::Failed { error, .. } => Some(error.as_str()),
            _ => None,
        })
    }
}

/// Scenarios finished so far, by outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub ok: u64,
    pub infeasible: u64,
    pub failed: u64,
}

impl Tally {
    fn add(&mut self, outcome: ScenarioOutcome) {
        match outcome {
            ScenarioOutcome::Ok => self.ok += 1,
            ScenarioOutcome::Infeasible => self.infeasible += 1,
            ScenarioOutcome::Failed => self.failed += 1,
        }
    }

    /// Every scenario counted.
    pub fn done(&self) -> u64 {
        self.ok + self.infeasible + self.failed
    }
}

/// How an execution ended.
pub struct Outcome {
    /// Every finished scenario by outcome (kept ones included).
    pub tally: Tally,
    /// Result files kept from an earlier run.
    pub kept: u64,
    /// Result files solved (again).
    pub solved: u64,
    /// Of the files there, those that could not be kept (another definition, data set or
    /// program version, or incomplete).
    pub redone: u64,
    /// Stopped by the cancel flag before every chunk was solved; `summary.csv` then holds the
    /// finished chunks only.
    pub cancelled: bool,
}

/// Solves a plan into `out` (`results/*.jsonl` and `summary.csv`) on `threads` threads. With
/// `resume`, result files already there are kept when they match. `cancel` stops the run
/// between chunks (finished chunks are kept); `progress` hears the running tally after each
/// chunk (and once at the start, with the kept chunks).
#[allow(clippy::too_many_arguments)]
pub fn execute(
    plan: &Plan,
    out: &Path,
    resume: bool,
    recorded: Option<&BTreeMap<String, String>>,
    threads: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Tally) + Sync),
) -> Result<Outcome> {
    let Plan { units, chunks, format, .. } = plan;
    let dir = layout::results(out);
    let folders = layout::folders(&dir, *format == ResultFormat::Parquet);
    for folder in &folders {
        std::fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
        // Temporary files of an interrupted run.
        for e in std::fs::read_dir(folder)?.flatten() {
            if e.file_name().to_string_lossy().starts_with(".tmp") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    // Result files kept from an earlier run (with --resume), read back for the summary.
    let mut kept: Vec<Option<Vec<Row>>> = Vec::with_capacity(chunks.len());
    let mut redone = 0u64;

    for chunk in chunks {
        let there = result_paths(&dir, &chunk.file_name).iter().any(|p| p.exists());
        if !(resume && there) {
            kept.push(None);
            continue;
        }
        let rows = keepable(&units[chunk.unit], chunk, &dir, recorded);
        redone += u64::from(rows.is_none());
        kept.push(rows);
    }
    let kept_count = kept.iter().filter(|k| k.is_some()).count() as u64;
    let tally = std::sync::Mutex::new(Tally::default());
    {
        let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
        for row in kept.iter().flatten().flatten() {
            t.add(row.outcome);
        }
        progress(*t);
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).build()?;
    // One writer thread writes the result files (each atomically, with fsync) while the
    // workers go on solving; the bounded channel keeps memory bounded.
    let (to_writer, finished) = std::sync::mpsc::sync_channel::<Result<Files, String>>(2 * pool.current_num_threads());
    let writer = std::thread::spawn(move || {
        let mut errors = Vec::new();
        for files in finished {
            match files {
                Ok(files) => {
                    for (path, bytes) in files {
                        if let Err(e) = write_output(Some(&path), &bytes) {
                            errors.push(format!("{e:#}"));
                            break;
                        }
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        errors
    });
    // Summary rows per chunk, in chunk order (rayon's collect keeps the order).
    let mut rows: Vec<Option<Vec<Row>>> = pool.install(|| {
        chunks
            .par_iter()
            .zip(&kept)
            .map(|(chunk, kept)| {
                if kept.is_some() || cancel.load(Ordering::Relaxed) {
                    return None;
                }
                let (header, records) = match encode_chunk(&units[chunk.unit], chunk, &dir, *format) {
                    Ok((header, records, files)) => {
                        // The writer only stops when this side is dropped, after all sends.
                        let _ = to_writer.send(Ok(files));
                        (header, records)
                    }
                    Err(e) => {
                        let _ = to_writer.send(Err(format!("{}: {e:#}", chunk.file_name)));
                        return None;
                    }
                };
                let ctx = MetricsContext::new(&header);
                let rows: Vec<Row> = records.iter().map(|r| Row::new(&ctx, r)).collect();
                // Told under the lock, so that listeners hear the tallies in increasing order.
                let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
                rows.iter().for_each(|r| t.add(r.outcome));
                progress(*t);
                drop(t);
                Some(rows)
            })
            .collect()
    });
    drop(to_writer);
    let write_errors = writer.join().unwrap_or_else(|_| vec!["the writer thread panicked".to_owned()]);
    if !write_errors.is_empty() {
        for e in &write_errors {
            eprintln!("error: {e}");
        }
        bail!("{} result files could not be written to {}", write_errors.len(), dir.display());
    }
    let solved = rows.iter().filter(|r| r.is_some()).count() as u64;
    for (slot, kept) in rows.iter_mut().zip(kept) {
        if slot.is_none() {
            *slot = kept;
        }
    }
    let cancelled = rows.iter().any(Option::is_none);
    summarise(out, rows.into_iter().flatten().flatten())?;
    let tally = tally.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(Outcome { tally, kept: kept_count, solved, redone, cancelled })
}

/// Runs the batch; returns how it ended.
/// `finished` is called with the plan after every result file and the summary are written
/// (a sharded run writes its manifest there); with `--resume`, `recorded` answers the content
/// hashes an earlier, finished run recorded for its files (a sharded part's manifest), which
/// the files kept must have.
pub fn run(
    args: Args,
    recorded: &dyn Fn(&Plan) -> Option<BTreeMap<String, String>>,
    finished: &dyn Fn(&Plan) -> Result<()>,
) -> Result<RunOutcome> {
    let files = files(&args.paths)?;
    if files.is_empty() {
        bail!(
            "no .toml files in {}",
            args.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    let mut plan = Plan::new(units(files), args.max_scenarios, args.format)?;
    if let Some(part) = args.part {
        plan = plan.restrict(part);
    }
    for error in plan.errors() {
        eprintln!("error: {error}");
    }
    let bar = if std::io::stderr().is_terminal() {
        let pb = ProgressBar::new(plan.total());
        pb.set_style(
            ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} scenarios ({per_sec}, eta {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        pb
    } else {
        ProgressBar::hidden()
    };
    let never = AtomicBool::new(false);
    let hashes = if args.resume { recorded(&plan) } else { None };
    let outcome = execute(&plan, &args.out, args.resume, hashes.as_ref(), threads(args.jobs), &never, &|t: Tally| {
        bar.set_position(t.done())
    });
    bar.finish_and_clear();
    let Outcome { tally, kept, solved, redone, .. } = outcome?;
    finished(&plan)?;
    let total = tally.done();
    eprintln!(
        "{}{} scenario{}: {} solved, {} with an infeasible province, {} failed{}; results in {}",
        args.part.map_or_else(String::new, |p| format!("shard {p}: ")),
        total,
        if total == 1 { "" } else { "s" },
        tally.ok,
        tally.infeasible,
        tally.failed,
        if args.resume {
            format!(
                " (--resume: {kept} result file{} kept, {solved} solved again{})",
                if kept == 1 { "" } else { "s" },
                if redone > 0 {
                    format!(", of which {redone} from another definition, data set or program version, or incomplete")
                } else {
                    String::new()
                }
            )
        } else {
            String::new()
        },
        args.out.display()
    );
    Ok(if tally.failed > 0 {
        RunOutcome::SomeFailed
    } else if tally.infeasible > 0 {
        RunOutcome::SomeInfeasible
    } else {
        RunOutcome::AllSolved
    })
}

/// How a run ended (the binary makes it an exit status: 0, 1, 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// Every scenario solved, every province allocated in full.
    AllSolved,
    /// Every scenario solved; some with a province the caps cannot take.
    SomeInfeasible,
    /// Some scenarios failed (their errors are in the summary).
    SomeFailed,
}

/// One line of `summary.csv`.
pub(crate) struct Row {
    id: String,
    outcome: ScenarioOutcome,
    cells: Vec<String>,
}

impl Row {
    pub(crate) fn new(ctx: &MetricsContext, r: &Record) -> Self {
        let params: Vec<String> = r.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut cells = metrics(ctx, r).cells(false).to_vec();
        cells.push(params.join(";"));
        cells.push(r.error.clone().unwrap_or_default());
        Row { id: r.id.clone(), outcome: r.outcome, cells }
    }
}

/// Writes `summary.csv`, one row per scenario in chunk order.
pub(crate) fn summarise(out: &Path, rows: impl Iterator<Item = Row>) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["id"];
    head.extend(Metrics::COLUMNS);
    head.extend(["params", "error"]);
    w.write_record(&head)?;
    let mut ids = BTreeSet::new();
    for row in rows {
        if !ids.insert(row.id.clone()) {
            bail!("two scenarios have the id {}; give them different names", row.id);
        }
        w.write_field(&row.id)?;
        w.write_record(&row.cells)?;
    }
    write_output(Some(&layout::summary(out)), &w.into_inner()?)?;
    Ok(())
}
