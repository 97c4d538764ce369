//! The decision dossier (`spreiding dossier`) and its check (`spreiding verify`).
//!
//! A dossier is a folder that can be handed to a municipality:
//!
//! - `verdeelbesluit-<PROVINCE>.pdf`: the annex of the verdeelbesluit (typst, [`pdf`]);
//! - `map-<PROVINCE>.svg`, `map-<PROVINCE>-allocated.svg`, `map-NL.svg`: the maps;
//! - `data/dataset/...`: the data set files that were read, byte for byte (and the boundary
//!   file the maps are drawn from); `data/scenarios/<k>-<name>.toml`: the scenario file
//!   (k = 0) and every file of its `extends` chain (k = 1, 2, ...), byte for byte;
//! - `results/report.json`, `results/report.csv`: the report, as `spreiding solve` writes it;
//! - `manifest.json`: SHA-256 and size of every other file, the program (version, git commit,
//!   HiGHS), the command line, the scenario and the provinces.
//!
//! Every file but the manifest is made by [`build`] from the inputs alone: `verify` reads the
//! dossier's own copies, builds every file again and compares bytes, so a changed input, a
//! changed report or a changed document is named. The manifest's command line is the only
//! thing that depends on how the dossier was asked for.

pub mod decision;
mod document;
pub mod maps;
mod pdf;
pub mod toezicht;
mod verify;

pub use verify::{verify, Verdict};

use anyhow::{bail, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use spreiding_results::output::{self, Format};
use spreiding_solver::io::{
    self, parse_dataset, parse_scenario_source, DatasetSources, FileResolver, Resolver, Source,
};
use spreiding_solver::map::Boundaries;
use spreiding_solver::model::{Dataset, ProvinceCode, Scenario};
use spreiding_solver::report::Report;
use spreiding_solver::solve::{solve, Status};
use spreiding_solver::Solution;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The git commit the program was built from (build.rs), or `unknown`.
pub const COMMIT: &str = env!("SPREIDING_COMMIT");

/// The manifest's format name.
const FORMAT: &str = "spreiding-dossier/1";

/// The typst template of the annex.
const TEMPLATE: &str = include_str!("verdeelbesluit.typ");

pub use spreiding_results::hash::sha256;

/// The folder inside a dossier where monitoring keeps its state: not part of the decision,
/// not in the manifest, and passed over by `verify` as long as it holds only the files
/// [`STATE_FILES`] names.
pub const STATE_DIR: &str = "state";

/// The files the state folder may hold: the monitoring store and SQLite's companions.
pub const STATE_FILES: &[&str] =
    &["monitor.sqlite", "monitor.sqlite-wal", "monitor.sqlite-shm", "monitor.sqlite-journal"];

/// Where the inputs lie in a dossier.
const DATASET_DIR: &str = "data/dataset";
const SCENARIO_DIR: &str = "data/scenarios";

/// Everything a dossier is computed from, read once.
pub(crate) struct Dossier {
    /// The scenario (after inheritance).
    scenario: Scenario,
    /// The data set's files as read.
    sources: DatasetSources,
    /// The data set with the scenario's overrides applied.
    dataset: Dataset,
    /// The solution.
    solution: Solution,
    /// The boundary file's name in the data set folder, its text and its shapes.
    boundaries: Option<(String, Source, Boundaries)>,
    /// The scenario chain: its file names in the dossier and texts, itself first.
    chain: Vec<(String, Source)>,
    /// The dossier's input and result files (path in the dossier, bytes), by path.
    recorded: BTreeMap<String, Vec<u8>>,
    /// The linked HiGHS version.
    highs: String,
}

/// Records the texts of an `extends` chain as the file resolver reads them.
struct Recorder {
    seen: Vec<Source>,
}

impl Resolver for Recorder {
    fn extends(&mut self, from: &Source, name: &str) -> Result<(String, Source), String> {
        let (id, source) = FileResolver.extends(from, name)?;
        self.seen.push(source.clone());
        Ok((id, source))
    }

    fn dataset(&mut self, from: &Source, name: &str) -> Result<String, String> {
        FileResolver.dataset(from, name)
    }

    fn id(&mut self, source: &Source) -> String {
        FileResolver.id(source)
    }
}

/// Resolves a dossier's scenario copies: each copy extends the next one of the chain, and
/// every `dataset` is the dossier's copy of the data set.
struct Copies {
    chain: Vec<Source>,
    dataset: String,
}

impl Resolver for Copies {
    fn extends(&mut self, from: &Source, _name: &str) -> Result<(String, Source), String> {
        let next = self.chain.iter().position(|s| s.name == from.name).and_then(|i| self.chain.get(i + 1));
        next.map(|s| (s.name.clone(), s.clone()))
            .ok_or_else(|| format!("the dossier has no copy of the scenario that {} extends", from.name))
    }

    fn dataset(&mut self, _from: &Source, _name: &str) -> Result<String, String> {
        Ok(self.dataset.clone())
    }
}

/// The scenario copy's file name for the k-th file of the chain.
fn copy_name(k: usize, source: &Source) -> String {
    let base = Path::new(&source.name).file_name().map_or_else(|| "scenario.toml".into(), |n| n.to_string_lossy());
    format!("{SCENARIO_DIR}/{k}-{base}")
}

impl Dossier {
    /// Reads a scenario file, its chain and its data set, and solves it.
    pub fn load(path: &Path) -> Result<Dossier> {
        let source = Source::read_file(path)?;
        if io::is_sweep(&source.text) {
            bail!("{}: is a sweep; a dossier is made for one scenario: name one scenario file", path.display());
        }
        let mut recorder = Recorder { seen: Vec::new() };
        let scenario = parse_scenario_source(&source, &mut recorder)?;
        let sources = DatasetSources::read(Path::new(&scenario.dataset))?;
        let chain: Vec<(String, Source)> =
            std::iter::once(source).chain(recorder.seen).enumerate().map(|(k, s)| (copy_name(k, &s), s)).collect();
        let folder = PathBuf::from(&scenario.dataset);
        Self::compute(scenario, sources, chain)?.with_boundaries_from(folder)
    }

    /// Reads a dossier's own copies (as listed in its manifest) and solves again.
    fn from_copies(dir: &Path, manifest: &Manifest) -> Result<Dossier> {
        let chain: Vec<Source> = manifest
            .inputs
            .scenarios
            .iter()
            .map(|name| {
                Source::read_file(&dir.join(name)).map(|s| Source::new(name.clone(), s.text)).map_err(Into::into)
            })
            .collect::<Result<_>>()?;
        let Some(first) = chain.first().cloned() else { bail!("manifest.json lists no scenario file") };
        let folder = dir.join(&manifest.inputs.dataset);
        let mut copies = Copies { chain: chain.clone(), dataset: folder.display().to_string() };
        let scenario = parse_scenario_source(&first, &mut copies)?;
        let mut sources = DatasetSources::read(&folder)?;
        // Report names inside the dossier, wherever it lies.
        sources.label = manifest.inputs.dataset.clone();
        let chain = chain.into_iter().map(|s| (s.name.clone(), s)).collect();
        Self::compute(scenario, sources, chain)?.with_boundaries_from(folder)
    }

    fn compute(scenario: Scenario, sources: DatasetSources, chain: Vec<(String, Source)>) -> Result<Dossier> {
        let base = parse_dataset(&sources)?;
        let dataset = io::prepare(&scenario, &base)?;
        let solution = solve(&dataset, &scenario)?;
        let mut recorded = BTreeMap::new();
        for (file, source) in DatasetSources::FILES.iter().zip(sources.all()) {
            recorded.insert(format!("{DATASET_DIR}/{file}"), source.text.as_bytes().to_vec());
        }
        for (name, source) in &chain {
            recorded.insert(name.clone(), source.text.as_bytes().to_vec());
        }
        recorded.insert("results/report.json".into(), output::render(Format::Json, &dataset, &solution)?);
        recorded.insert("results/report.csv".into(), output::render(Format::Csv, &dataset, &solution)?);
        Ok(Dossier {
            scenario,
            sources,
            dataset,
            solution,
            boundaries: None,
            chain,
            recorded,
            highs: spreiding_solver::allocate::highs_version(),
        })
    }

    fn with_boundaries_from(mut self, folder: PathBuf) -> Result<Dossier> {
        self.boundaries = spreiding_solver::map::boundaries_in(&folder, &self.dataset)?;
        if let Some((name, source, _)) = &self.boundaries {
            self.recorded.insert(format!("{DATASET_DIR}/{name}"), source.text.as_bytes().to_vec());
        }
        Ok(self)
    }

    /// The provinces whose report does not close on either commodity.
    pub fn open_provinces(&self) -> Vec<ProvinceCode> {
        let mut out: Vec<ProvinceCode> =
            self.solution.provinces.iter().filter(|b| b.status != Status::Closes).map(|b| b.code).collect();
        out.dedup();
        out
    }

    /// Every file of the dossier but the manifest, by path.
    fn build(&self, provinces: &[ProvinceCode]) -> Result<BTreeMap<String, Vec<u8>>> {
        let report = Report::new(&self.dataset, &self.solution);
        let mut files = self.recorded.clone();
        let made: Vec<Vec<(String, Vec<u8>)>> = provinces
            .par_iter()
            .map(|code| -> Result<Vec<(String, Vec<u8>)>> {
                let mut out = Vec::new();
                let mut images: Vec<(&str, Vec<u8>)> = Vec::new();
                let mut refs = Vec::new();
                if let Some((_, _, b)) = &self.boundaries {
                    let [per_1000, allocated] = maps::province(b, &self.dataset, &self.solution, code);
                    images.push(("map-per-1000.svg", per_1000.clone().into_bytes()));
                    images.push(("map-allocated.svg", allocated.clone().into_bytes()));
                    refs.push(document::MapRef {
                        file: "map-per-1000.svg".into(),
                        title: "Opgave per 1.000 inwoners".into(),
                        caption: "Opgave per 1.000 inwoners (getelde en toegewezen plaatsen, regulier en amv samen)"
                            .into(),
                    });
                    refs.push(document::MapRef {
                        file: "map-allocated.svg".into(),
                        title: "Toegewezen plaatsen".into(),
                        caption: "Toegewezen plaatsen per gemeente (regulier en amv samen)".into(),
                    });
                    out.push((format!("map-{code}.svg"), per_1000.into_bytes()));
                    out.push((format!("map-{code}-allocated.svg"), allocated.into_bytes()));
                }
                let doc = document::Document::new(self, &report, code, refs)?;
                images.push(("dossier.json", serde_json::to_vec(&doc)?));
                out.push((
                    format!("verdeelbesluit-{code}.pdf"),
                    pdf::typeset(
                        TEMPLATE,
                        &images,
                        &format!("spreiding-verdeelbesluit-{code}-{}", self.scenario.name),
                    )?,
                ));
                Ok(out)
            })
            .collect::<Result<_>>()?;
        files.extend(made.into_iter().flatten());
        if let Some((_, _, b)) = &self.boundaries {
            files.insert("map-NL.svg".into(), maps::national(b, &self.dataset, &self.solution, &report).into_bytes());
        }
        Ok(files)
    }
}

/// One file of the manifest.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    path: String,
    bytes: u64,
    sha256: String,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
struct Program {
    name: String,
    version: String,
    commit: String,
    highs: String,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
struct ScenarioEntry {
    name: String,
    file: String,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
struct Inputs {
    dataset: String,
    dataset_content_hash: String,
    scenarios: Vec<String>,
    boundaries: Option<String>,
}

/// `manifest.json`.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
struct Manifest {
    format: String,
    program: Program,
    command: Vec<String>,
    scenario: ScenarioEntry,
    inputs: Inputs,
    provinces: Vec<String>,
    files: Vec<FileEntry>,
}

/// `spreiding dossier`'s arguments.
pub struct Args {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Provinces asked for (empty: every province whose report does not close).
    pub provinces: Vec<String>,
    /// The dossier folder.
    pub out: PathBuf,
    /// The command line, for the manifest.
    pub command: Vec<String>,
}

/// Writes a dossier. The folder is built beside `out` and then put in its place, so a reader
/// never sees half a dossier; an `out` that exists must be empty, or a dossier that holds
/// nothing but the files its manifest lists (it is replaced).
pub fn write(args: Args) -> Result<()> {
    let d = Dossier::load(&args.scenario)?;
    let mut provinces = if args.provinces.is_empty() {
        d.open_provinces()
    } else {
        args.provinces
            .iter()
            .map(|given| d.dataset.find_province(given).map_err(anyhow::Error::from))
            .collect::<Result<Vec<_>>>()?
    };
    provinces.sort();
    provinces.dedup();
    if provinces.is_empty() {
        eprintln!(
            "note: every province's report closes: no verdeelbesluit is needed, so the dossier has no documents (name provinces with --province to make them anyway)"
        );
    }
    let files = d.build(&provinces)?;
    let manifest = Manifest {
        format: FORMAT.into(),
        program: Program {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
            commit: COMMIT.into(),
            highs: d.highs.clone(),
        },
        command: args.command,
        scenario: ScenarioEntry { name: d.scenario.name.clone(), file: args.scenario.display().to_string() },
        inputs: Inputs {
            dataset: DATASET_DIR.into(),
            dataset_content_hash: d.sources.content_hash(),
            scenarios: d.chain.iter().map(|(n, _)| n.clone()).collect(),
            boundaries: d.boundaries.as_ref().map(|(n, _, _)| format!("{DATASET_DIR}/{n}")),
        },
        provinces: provinces.iter().map(ToString::to_string).collect(),
        files: files
            .iter()
            .map(|(path, bytes)| FileEntry { path: path.clone(), bytes: bytes.len() as u64, sha256: sha256(bytes) })
            .collect(),
    };
    let mut manifest_bytes = serde_json::to_vec_pretty(&manifest)?;
    manifest_bytes.push(b'\n');
    put_in_place(&args.out, &files, &manifest_bytes)?;
    let pdfs = files.keys().filter(|p| p.ends_with(".pdf")).count();
    println!(
        "{}: dossier of scenario \"{}\": {} documents, {} files; manifest SHA-256 {}",
        args.out.display(),
        d.scenario.name,
        pdfs,
        files.len() + 1,
        sha256(&manifest_bytes)
    );
    Ok(())
}

/// Refuses an `out` that exists and is not an empty folder or a dossier holding nothing but
/// its manifest's files: a folder of someone else's (a thesis, a web app, notes put into a
/// dossier) is never deleted.
fn replaceable(out: &Path) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(out) else { return Ok(()) };
    if !meta.is_dir() {
        bail!("{}: exists and is not a folder; give a new or empty folder, or a dossier to replace", out.display());
    }
    let entries = verify::scan(out)?;
    if entries.is_empty() {
        return Ok(());
    }
    let refuse = |why: String| -> Result<()> {
        bail!(
            "{}: {why}; it is not replaced. Give a new or empty folder, or a dossier made by spreiding that holds only its own files",
            out.display()
        )
    };
    let manifest = match entries.get("manifest.json") {
        Some(verify::Kind::File(len)) => match verify::read_manifest(&out.join("manifest.json"), *len) {
            Ok(m) => m,
            Err(e) => return refuse(format!("holds a manifest.json that is not a spreiding dossier manifest ({e:#})")),
        },
        Some(other) => return refuse(format!("its manifest.json {}", other.describe())),
        None => return refuse("exists and is not a dossier (no manifest.json)".to_owned()),
    };
    let listed: std::collections::BTreeSet<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    let foreign: Vec<&str> = entries
        .iter()
        .filter(|(path, kind)| {
            path.as_str() != "manifest.json"
                && !(matches!(kind, verify::Kind::File(_)) && listed.contains(path.as_str()))
        })
        .map(|(path, _)| path.as_str())
        .collect();
    if !foreign.is_empty() {
        let n = foreign.len();
        let shown: Vec<&str> = foreign.iter().take(10).copied().collect();
        return refuse(format!(
            "holds {n} file{} its manifest does not list ({}{})",
            if n == 1 { "" } else { "s" },
            shown.join(", "),
            if n > 10 { ", ..." } else { "" }
        ));
    }
    Ok(())
}

/// Writes the files into a new folder beside `out`, then swaps it in.
fn put_in_place(out: &Path, files: &BTreeMap<String, Vec<u8>>, manifest: &[u8]) -> Result<()> {
    replaceable(out)?;
    let staged = spreiding_results::atomic::StagedDir::beside(out, ".dossier-")?;
    for (path, bytes) in files.iter().map(|(p, b)| (p.as_str(), b.as_slice())).chain([("manifest.json", manifest)]) {
        staged.write(path, bytes)?;
    }
    staged.commit()
}
