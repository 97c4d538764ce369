//! A run folder's layout: the one place that knows where a run's files are.
//!
//! ```text
//! RUN/                                  `spreiding run --out RUN`, a merged run, a service run
//!   summary.csv                         one row per scenario (SUMMARY)
//!   shard.json                          a machine's part of a run: its manifest, written last (MANIFEST)
//!   results/                            (RESULTS)
//!     NAME.jsonl                        JSON-lines result files (the default), or
//!     municipalities/NAME.parquet       Parquet result files: three tables of the same NAME
//!     provinces/NAME.parquet
//!     scenarios/NAME.parquet
//! ```
//!
//! A result file's NAME is its unit's stem (a scenario file's name), and for a sweep its
//! chunk's first scenario, zero-padded ([`chunk_name`]). A folder holds one format.
//! The engine (`run`), `merge` (`shard`), the Parquet tables (`columnar`), `compare` and the
//! service all go through here.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// The folder of result files in a run folder.
pub const RESULTS: &str = "results";
/// The summary (one row per scenario) in a run folder.
pub const SUMMARY: &str = "summary.csv";
/// A sharded part's manifest in its run folder.
pub const MANIFEST: &str = "shard.json";
/// The extension of JSON-lines result files.
pub const JSONL: &str = "jsonl";
/// The extension of Parquet result files.
pub const PARQUET: &str = "parquet";
/// The three tables of a Parquet result file, each a folder under `results/`, in the order
/// they are written (`scenarios` last: a result file with its scenarios table is whole).
pub const TABLES: [&str; 3] = ["municipalities", "provinces", "scenarios"];

/// `RUN/results`.
pub fn results(run: &Path) -> PathBuf {
    run.join(RESULTS)
}

/// `RUN/summary.csv`.
pub fn summary(run: &Path) -> PathBuf {
    run.join(SUMMARY)
}

/// `RUN/shard.json`.
pub fn manifest(run: &Path) -> PathBuf {
    run.join(MANIFEST)
}

/// The name of a result file: `STEM.EXT` for a scenario file, `STEM.START.EXT` for a chunk of
/// a sweep, START zero-padded to `width` digits so that names sort in scenario order.
pub fn chunk_name(stem: &str, start: Option<(u64, usize)>, ext: &str) -> String {
    match start {
        Some((start, width)) => format!("{stem}.{start:0width$}.{ext}"),
        None => format!("{stem}.{ext}"),
    }
}

/// True when a result file name is of a Parquet result file.
pub fn is_parquet(name: &str) -> bool {
    Path::new(name).extension().is_some_and(|e| e == PARQUET)
}

/// The three files of Parquet result file `name` under a run's `results` folder.
pub fn parquet_paths(results: &Path, name: &str) -> [PathBuf; 3] {
    TABLES.map(|t| results.join(t).join(name))
}

/// The folders that hold the result files of a format under a run's `results` folder.
pub fn folders(results: &Path, parquet: bool) -> Vec<PathBuf> {
    if parquet {
        TABLES.iter().map(|t| results.join(t)).collect()
    } else {
        vec![results.to_path_buf()]
    }
}

/// The files of result file `name` (as in a plan or a shard manifest) under a run's `results`
/// folder: the file itself, or a Parquet result file's three tables.
pub fn result_paths(results: &Path, name: &str) -> Vec<PathBuf> {
    if is_parquet(name) {
        parquet_paths(results, name).to_vec()
    } else {
        vec![results.join(name)]
    }
}

/// A result file's path below a run's `results` folder, with `/` (the key of its hash in a
/// part's manifest).
pub fn relative(results: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(results).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// The result files a path given on a command line or to the service names, as (results
/// folder, name) for [`crate::run::read_result`]: the file itself (a `.jsonl` file, or any of a
/// Parquet result file's three tables), or a run folder's result files (or a `results`
/// folder's), sorted by name. A folder holds one format.
pub fn result_files(path: &Path) -> Result<Vec<(PathBuf, String)>> {
    let name_of = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if path.is_file() {
        let name = name_of(path);
        let parent = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        if is_parquet(&name) {
            let table = name_of(&parent);
            if !TABLES.contains(&table.as_str()) {
                bail!(
                    "{}: a Parquet result file lives in a folder named after its table ({}); this one is in `{table}`",
                    path.display(),
                    TABLES.join(", ")
                );
            }
            let results = parent.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            return Ok(vec![(results, name)]);
        }
        return Ok(vec![(parent, name)]);
    }
    let dir = if results(path).is_dir() { results(path) } else { path.to_path_buf() };
    let list = |dir: &Path, ext: &str| -> Result<Vec<String>> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .with_context(|| format!("{}: not a result file or folder", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == ext))
            .map(|p| name_of(&p))
            .collect();
        names.sort();
        Ok(names)
    };
    let lines = list(&dir, JSONL)?;
    let scenarios = dir.join(TABLES[2]);
    let parquet = if scenarios.is_dir() { list(&scenarios, PARQUET)? } else { Vec::new() };
    match (lines.is_empty(), parquet.is_empty()) {
        (true, true) => bail!(
            "{}: no result files in it (*.jsonl, or scenarios/*.parquet with its municipalities/ and provinces/)",
            path.display()
        ),
        (false, false) => bail!(
            "{}: holds result files in both formats ({} .jsonl, {} Parquet); compare one run's folder at a time",
            path.display(),
            lines.len(),
            parquet.len()
        ),
        (false, true) => Ok(lines.into_iter().map(|n| (dir.clone(), n)).collect()),
        (true, false) => Ok(parquet.into_iter().map(|n| (dir.clone(), n)).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_names_sort_in_scenario_order() {
        assert_eq!(chunk_name("sweep", Some((0, 3)), JSONL), "sweep.000.jsonl");
        assert_eq!(chunk_name("sweep", Some((100, 3)), PARQUET), "sweep.100.parquet");
        assert_eq!(chunk_name("basis", None, JSONL), "basis.jsonl");
    }

    #[test]
    fn paths_of_each_format() {
        let r = Path::new("/run/results");
        assert_eq!(result_paths(r, "a.jsonl"), vec![PathBuf::from("/run/results/a.jsonl")]);
        assert_eq!(
            result_paths(r, "a.parquet"),
            vec![
                PathBuf::from("/run/results/municipalities/a.parquet"),
                PathBuf::from("/run/results/provinces/a.parquet"),
                PathBuf::from("/run/results/scenarios/a.parquet"),
            ]
        );
        assert_eq!(relative(r, Path::new("/run/results/provinces/a.parquet")), "provinces/a.parquet");
        assert_eq!(results(Path::new("/run")), PathBuf::from("/run/results"));
        assert_eq!(summary(Path::new("/run")), PathBuf::from("/run/summary.csv"));
        assert_eq!(manifest(Path::new("/run")), PathBuf::from("/run/shard.json"));
        assert_eq!(folders(r, false), vec![r.to_path_buf()]);
        assert_eq!(folders(r, true).len(), 3);
        assert!(is_parquet("x.parquet") && !is_parquet("x.jsonl") && !is_parquet("parquet"));
    }
}
