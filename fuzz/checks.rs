//! What the fuzz targets assert, shared with `cargo test` (tests/all/fuzz_regressions.rs
//! replays every saved crash through these same functions, so CI needs no nightly).
//!
//! Each check feeds arbitrary bytes to one reader and asserts: no panic, and whatever is
//! accepted is valid (it can be used as the program uses it, and its invariants hold).

#![allow(dead_code)]

use spreiding_solver::io::{self, DatasetSources, Resolver, Source};
use spreiding_solver::model::Dataset;
use spreiding_solver::report::results::{read_lines, write_lines};
use std::path::Path;
use std::sync::OnceLock;

/// The shipped data set, read once.
pub fn shipped_sources() -> &'static DatasetSources {
    static S: OnceLock<DatasetSources> = OnceLock::new();
    S.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/nl-2024");
        let root = if root.is_dir() { root } else { Path::new(env!("CARGO_MANIFEST_DIR")).join("data/nl-2024") };
        DatasetSources::read(&root).expect("the shipped data set reads")
    })
}

fn shipped() -> &'static Dataset {
    static D: OnceLock<Dataset> = OnceLock::new();
    D.get_or_init(|| io::parse_dataset(shipped_sources()).expect("the shipped data set is valid"))
}

/// Text of bytes (readers take UTF-8; other bytes are refused before parsing).
fn text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

/// A solution's invariants: every province's whole places add up to its allocation, none is
/// above its cap, obligations are counted + allocated + beyond the cap.
fn check_solution(dataset: &Dataset, s: &spreiding_solver::Solution) {
    for b in &s.provinces {
        let sum: u64 = s
            .municipalities
            .iter()
            .filter(|m| m.province == b.code && m.commodity == b.commodity)
            .map(|m| u64::from(m.allocated))
            .sum();
        assert_eq!(sum, u64::from(b.allocated), "{} {}: allocations do not add up", b.code, b.commodity);
        assert!(b.allocated <= b.shortfall, "{} {}: more allocated than the shortfall", b.code, b.commodity);
    }
    for m in &s.municipalities {
        if let Some(cap) = m.cap {
            assert!(m.allocated <= cap, "{} above its cap", m.code);
        }
        assert_eq!(m.obligation, m.counted + m.allocated + m.beyond_cap);
    }
    assert_eq!(s.municipalities.len(), 2 * dataset.municipalities().len());
}

/// The data set reader: the first byte picks the file the rest replaces.
pub fn dataset(bytes: &[u8]) {
    let Some((&pick, rest)) = bytes.split_first() else { return };
    let Some(rest) = text(rest) else { return };
    let mut sources = shipped_sources().clone();
    let slot = match pick % 7 {
        0 => &mut sources.cycle,
        1 => &mut sources.provinces,
        2 => &mut sources.municipalities,
        3 => &mut sources.locations,
        4 => &mut sources.effort,
        5 => &mut sources.feasibility,
        _ => &mut sources.exclusions,
    };
    slot.text = rest.to_owned();
    if let Ok(d) = io::parse_dataset(&sources) {
        let scenario = io::parse_scenario_source(&Source::new("fuzz.toml", "dataset = \"fuzz\"\n"), &mut Fixed)
            .expect("the default scenario is valid");
        let solution = spreiding_solver::solve(&d, &scenario).expect("an accepted data set solves");
        check_solution(&d, &solution);
    }
}

/// Resolves `extends` to the shipped scenarios by stem and every data set to `fuzz`.
struct Fixed;

impl Resolver for Fixed {
    fn extends(&mut self, _from: &Source, name: &str) -> Result<(String, Source), String> {
        let stem = name.trim_end_matches(".toml").rsplit('/').next().unwrap_or(name);
        let text = match stem {
            "rest-indicative" => "dataset = \"fuzz\"\n[allocation]\nmode = \"rest\"\n",
            "level" => "dataset = \"fuzz\"\n[allocation]\nmode = \"level\"\n",
            "corop-balance" => "dataset = \"fuzz\"\n[constraints]\ncorop_max_share = 0.6\n",
            _ => return Err(format!("no scenario `{name}`")),
        };
        Ok((stem.to_owned(), Source::new(stem, text)))
    }

    fn dataset(&mut self, _from: &Source, _name: &str) -> Result<String, String> {
        Ok("fuzz".to_owned())
    }
}

/// The scenario reader with overrides: accepted scenarios prepare against the shipped data or
/// are refused there with problems, and a prepared one solves.
pub fn scenario(bytes: &[u8]) {
    let Some(t) = text(bytes) else { return };
    let Ok(s) = io::parse_scenario_source(&Source::new("fuzz.toml", t), &mut Fixed) else { return };
    let w = s.allocation.weights;
    assert!(w.indicative.is_finite() && w.effort.is_finite() && w.feasibility.is_finite());
    assert!(w.indicative + w.effort + w.feasibility > 0.0, "accepted weights that are all 0");
    if let Ok(d) = io::prepare(&s, shipped()) {
        // The LP is slow for a fuzzer; the closed form answers every block without COROP rows.
        if s.constraints.corop_max_share.is_none() {
            let solution = spreiding_solver::solve(&d, &s).expect("a prepared scenario solves");
            check_solution(&d, &solution);
        }
    }
}

/// The sweep reader: every accepted sweep has a bounded number of points whose scenarios pass
/// the scenario checks, and its ids are distinct.
pub fn sweep(bytes: &[u8]) {
    let Some(t) = text(bytes) else { return };
    let Ok(sweep) = io::parse_sweep_source(&Source::new("fuzz-sweep.toml", t), &mut Fixed) else { return };
    assert!(sweep.grid_points() <= spreiding_solver::model::limits::MAX_GRID_POINTS);
    let n = sweep.len().min(50);
    let mut ids = std::collections::BTreeSet::new();
    for i in 0..n {
        let job = sweep.job(i);
        let w = job.scenario.allocation.weights;
        assert!(w.indicative + w.effort + w.feasibility > 0.0, "{}: all weights 0", job.id);
        assert!(ids.insert(job.id.clone()), "duplicate id {}", job.id);
    }
    let _ = io::check_sweep_against_dataset(&sweep, shipped());
}

/// The result-file reader: what it accepts writes back to a file it reads the same.
pub fn results(bytes: &[u8]) {
    let Some(t) = text(bytes) else { return };
    let Ok((header, records)) = read_lines("fuzz.jsonl", t) else { return };
    let written = write_lines(&header, &records);
    let again = read_lines("again.jsonl", std::str::from_utf8(&written).expect("written as UTF-8"))
        .expect("a written result file reads back");
    assert_eq!(again, (header, records));
}
