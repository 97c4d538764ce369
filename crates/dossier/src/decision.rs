//! A dossier read back as the decision it records, for monitoring (`spreiding monitor`).
//!
//! The decision is identified by the SHA-256 of its `manifest.json`. Opening it checks what
//! monitoring relies on, cheaply and strictly: the manifest's fields, every input file and
//! `results/report.csv` against their manifest hashes, and the report computed again from the
//! dossier's own copies of the inputs equal to the stored one, byte for byte (so the
//! obligations monitored are exactly the decision's). The documents are not typeset again:
//! `spreiding verify` does that.

use super::verify::{check_fields, check_file, open_manifest};
use super::{Dossier, DATASET_DIR};
use anyhow::{bail, Context, Result};
use spreiding_results::hash::file_sha256;
use spreiding_solver::counting::CountingContext;
use spreiding_solver::map::Boundaries;
use spreiding_solver::model::{Dataset, ProvinceCode};
use spreiding_solver::Solution;
use std::path::{Path, PathBuf};

pub use super::{STATE_DIR, STATE_FILES};

/// A decision, read back from its dossier.
pub struct Decision {
    /// SHA-256 of `manifest.json`: the decision's identity.
    pub id: String,
    /// The dossier folder.
    pub dir: PathBuf,
    /// The scenario's name.
    pub scenario: String,
    /// The data set the decision was computed on (scenario overrides applied).
    pub dataset: Dataset,
    /// The decision's solution (its obligations).
    pub solution: Solution,
    /// Its counting rules.
    pub ctx: CountingContext,
    /// The provinces the dossier was made for.
    pub provinces: Vec<ProvinceCode>,
    /// The decision's own location list: its path in the dossier and SHA-256.
    pub baseline: (String, String),
    /// The municipal boundaries the dossier's maps are drawn from, if it has them.
    pub boundaries: Option<Boundaries>,
}

/// Opens a dossier as a decision (see the module's documentation for what is checked).
pub fn open(dir: &Path) -> Result<Decision> {
    let manifest_path = dir.join("manifest.json");
    let (entries, manifest) = open_manifest(dir)?;
    let mut problems = check_fields(&manifest);
    let needed = manifest
        .files
        .iter()
        .filter(|f| f.path.starts_with("data/") || f.path == "results/report.csv")
        .collect::<Vec<_>>();
    if problems.is_empty() {
        problems.extend(needed.iter().filter_map(|f| check_file(dir, f, entries.get(&f.path))));
    }
    if !problems.is_empty() {
        bail!(
            "{}: the dossier is not the decision its manifest records ({}); run `spreiding verify {}`",
            dir.display(),
            problems.join("; "),
            dir.display()
        );
    }
    let (id, _) = file_sha256(&manifest_path).with_context(|| format!("reading {}", manifest_path.display()))?;
    let d = Dossier::from_copies(dir, &manifest)
        .with_context(|| format!("{}: the dossier's inputs cannot be computed again", dir.display()))?;
    let stored = d.recorded.get("results/report.csv").map(|b| spreiding_results::hash::sha256(b));
    let listed = manifest.files.iter().find(|f| f.path == "results/report.csv").map(|f| f.sha256.clone());
    if stored.is_none() || stored != listed {
        bail!(
            "{}: results/report.csv differs from the report computed again from the dossier's data; run `spreiding verify {}`",
            dir.display(),
            dir.display()
        );
    }
    let locations = format!("{DATASET_DIR}/locations.csv");
    let baseline_hash =
        manifest.files.iter().find(|f| f.path.ends_with("/locations.csv")).map(|f| (f.path.clone(), f.sha256.clone()));
    let baseline = baseline_hash.unwrap_or((locations, String::new()));
    let provinces = manifest.provinces.iter().filter_map(|p| ProvinceCode::parse(p)).collect();
    let ctx = CountingContext::new(&d.dataset, &d.scenario);
    Ok(Decision {
        id,
        dir: dir.to_path_buf(),
        scenario: d.scenario.name.clone(),
        ctx,
        provinces,
        baseline,
        boundaries: d.boundaries.map(|(_, _, b)| b),
        dataset: d.dataset,
        solution: d.solution,
    })
}
