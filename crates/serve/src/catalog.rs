//! The served scenarios: the scenario and sweep files under `--scenarios`, read and validated
//! once at start, by id (the path below the folder without `.toml`). Requests name scenarios by
//! id only; an id is looked up in this table and never joined to a path, so nothing from a
//! request reaches the file system. Inline scenarios are read with [`ServiceResolver`]: their
//! `extends` names a served id, their `dataset` a data set the served files use (by its folder
//! name), never a path.

use anyhow::{bail, Result};
use serde::Serialize;
use spreiding_solver::io::{self, FileResolver, InputError, Problem, Resolver, Source};
use spreiding_solver::model::{Dataset, Scenario};
use spreiding_solver::report::results::fingerprint;
use spreiding_solver::sweep::Sweep;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// How a request names a scenario (the `scenario` field of solve, explain, objection and runs;
/// its schema only: the field is read as JSON and resolved by [`Catalog`]).
/// A served scenario's id, or an inline scenario: an object with the fields of a scenario file
/// (dates as `YYYY-MM-DD`), `extends` naming a served id, `dataset` one of the served data sets.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code, reason = "the schema of a request field that is read as JSON and resolved here")]
pub enum ScenarioRef {
    /// A served id.
    Id(String),
    /// An inline scenario.
    Inline(std::collections::HashMap<String, serde_json::Value>),
}

/// The source name of an inline scenario in problems.
pub const INLINE: &str = "scenario";

/// A scenario ready to solve: validated, its data set prepared (overrides applied).
pub struct Prepared {
    pub scenario: Scenario,
    pub dataset: Arc<Dataset>,
    /// The data set's label (folder name), shown instead of its path.
    pub dataset_label: String,
    pub fingerprint: String,
    /// The rendered JSON and CSV reports, made at the first request: the same scenario gives
    /// the same bytes.
    pub rendered: [OnceLock<Arc<Vec<u8>>>; 2],
}

impl Prepared {
    /// Prepares a validated scenario on its (unprepared) data set.
    pub fn new(scenario: Scenario, base: &Dataset, dataset_label: String) -> Result<Prepared, InputError> {
        let dataset = io::prepare(&scenario, base)?;
        Ok(Prepared {
            fingerprint: fingerprint(&dataset, &scenario, None),
            scenario,
            dataset: Arc::new(dataset),
            dataset_label,
            rendered: [OnceLock::new(), OnceLock::new()],
        })
    }
}

/// Scenario file or sweep file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Scenario,
    Sweep,
}

/// What a served file became.
pub enum Ready {
    Scenario(Arc<Prepared>),
    Sweep(Box<Sweep>),
}

/// A served file.
pub struct Entry {
    pub id: String,
    pub path: PathBuf,
    /// [`canonical`] of `path`: the id of this file in `extends` chains.
    pub canonical: String,
    pub kind: Kind,
    pub name: String,
    pub description: String,
    /// The scenarios it generates (1 for a scenario file).
    pub scenarios: u64,
    pub ready: Result<Ready, InputError>,
    /// The file's text as read at start: what the served scenario and inline scenarios that
    /// extend it are made from, even if the file changes later.
    pub source: Source,
}

/// The served files and the data sets they use.
pub struct Catalog {
    /// The served folder.
    root: PathBuf,
    entries: BTreeMap<String, Entry>,
    /// Data sets by canonical path.
    datasets: BTreeMap<String, Arc<Dataset>>,
    /// Canonical paths by label (folder name).
    labels: BTreeMap<String, String>,
    /// Served ids by canonical path.
    ids: BTreeMap<String, String>,
    /// The maps of the data sets by label (JSON of [`super::workbench::DatasetMap`]), or why
    /// a data set has none.
    maps: BTreeMap<String, Result<Arc<Vec<u8>>, String>>,
}

/// The leading comment block of a file, as one paragraph: what its author wrote about it.
fn leading_comment(text: &str) -> String {
    text.lines()
        .map_while(|l| l.trim_start().strip_prefix('#'))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A path as the OS resolves it (links, `..`), as text: the key of served files and data sets.
fn canonical(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    std::fs::canonicalize(path).map_or_else(|_| path.display().to_string(), |p| p.display().to_string())
}

fn label_of(path: &str) -> String {
    Path::new(path).file_name().map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned())
}

impl Catalog {
    /// Reads every `.toml` file under `root`. A file that does not validate is still listed,
    /// with its problems; the folder itself must exist.
    pub fn load(root: &Path) -> Result<Catalog> {
        if !root.is_dir() {
            bail!("--scenarios {}: no such folder", root.display());
        }
        let files = spreiding_results::run::files(&[root.to_path_buf()])?;
        let mut catalog = Catalog {
            root: root.to_path_buf(),
            entries: BTreeMap::new(),
            datasets: BTreeMap::new(),
            labels: BTreeMap::new(),
            ids: BTreeMap::new(),
            maps: BTreeMap::new(),
        };
        for path in files {
            let Some(id) = path
                .strip_prefix(root)
                .ok()
                .and_then(|p| p.to_str())
                .and_then(|p| p.strip_suffix(".toml"))
                .map(|p| p.replace(std::path::MAIN_SEPARATOR, "/"))
            else {
                continue;
            };
            let entry = catalog.entry(id.clone(), path);
            catalog.ids.insert(entry.canonical.clone(), id.clone());
            catalog.entries.insert(id, entry);
        }
        for (label, canonical) in &catalog.labels {
            let map = catalog.datasets.get(canonical).map_or_else(
                || Err("not read".to_owned()),
                |d| match spreiding_solver::map::boundaries_in(Path::new(canonical), d) {
                    Ok(Some((_, _, b))) => serde_json::to_vec(&super::workbench::build(label, d, &b))
                        .map(Arc::new)
                        .map_err(|e| e.to_string()),
                    Ok(None) => Err(format!(
                        "its folder has no boundary file (gemeenten_{}.geojson)",
                        chrono::Datelike::year(&d.cycle().start)
                    )),
                    Err(e) => Err(format!("{e:#}")),
                },
            );
            if let Err(why) = &map {
                tracing::warn!("data set {label}: no map: {why}");
            }
            catalog.maps.insert(label.clone(), map);
        }
        Ok(catalog)
    }

    /// The server's own paths that messages may contain, each with what to show instead: the
    /// served folder (ids are paths below it) and the data sets' folders (by label).
    pub fn server_paths(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for root in [self.root.display().to_string(), canonical(&self.root)] {
            out.push((format!("{root}/"), String::new()));
            out.push((root, "scenarios".to_owned()));
        }
        for (label, path) in &self.labels {
            out.push((path.clone(), label.clone()));
        }
        out
    }

    /// A data set's map (JSON), or why it has none; `None` for an unknown label.
    pub fn map(&self, label: &str) -> Option<&Result<Arc<Vec<u8>>, String>> {
        self.maps.get(label)
    }

    /// A served data set by its label (folder name).
    pub fn dataset_by_label(&self, label: &str) -> Option<Arc<Dataset>> {
        self.labels.get(label).and_then(|c| self.datasets.get(c)).cloned()
    }

    /// The data set at `reference` (a canonical path), read once.
    fn dataset(&mut self, reference: &str) -> Result<Arc<Dataset>, InputError> {
        let canonical = canonical(reference);
        if let Some(d) = self.datasets.get(&canonical) {
            return Ok(d.clone());
        }
        let d = Arc::new(io::load_dataset(Path::new(&canonical))?);
        self.labels.entry(label_of(&canonical)).or_insert_with(|| canonical.clone());
        self.datasets.insert(canonical, d.clone());
        Ok(d)
    }

    fn entry(&mut self, id: String, path: PathBuf) -> Entry {
        let read = Source::read(&path);
        let source = read.as_ref().map_or_else(|_| Source::new(path.display().to_string(), ""), Clone::clone);
        let text = source.text.clone();
        let comment = leading_comment(&text);
        let mut entry = Entry {
            id,
            kind: Kind::Scenario,
            name: String::new(),
            description: comment.clone(),
            scenarios: 1,
            ready: Err(InputError::single(Problem::at(&path, None, None, "not read"))),
            canonical: canonical(&path),
            path: path.clone(),
            source,
        };
        if let Err(problem) = read {
            entry.ready = Err(InputError::single(problem));
            entry.name = entry.id.rsplit('/').next().unwrap_or_default().to_owned();
            return entry;
        }
        if io::is_sweep(&text) {
            entry.kind = Kind::Sweep;
            entry.ready = io::parse_sweep_source(&entry.source, &mut FileResolver).and_then(|sweep| {
                let d = self.dataset(&sweep.base.dataset)?;
                io::prepare_sweep(&sweep, &d)?;
                Ok(Ready::Sweep(Box::new(sweep)))
            });
            if let Ok(Ready::Sweep(s)) = &entry.ready {
                entry.name = s.name.clone();
                entry.scenarios = s.len();
                if let Some(d) = &s.description {
                    entry.description = d.clone();
                }
            }
        } else {
            entry.ready = io::parse_scenario_source(&entry.source, &mut FileResolver).and_then(|scenario| {
                let d = self.dataset(&scenario.dataset)?;
                let label = label_of(&scenario.dataset);
                Ok(Ready::Scenario(Arc::new(Prepared::new(scenario, &d, label)?)))
            });
            if let Ok(Ready::Scenario(p)) = &entry.ready {
                entry.name = p.scenario.name.clone();
            }
        }
        if entry.name.is_empty() {
            entry.name = entry.id.rsplit('/').next().unwrap_or_default().to_owned();
        }
        entry
    }

    /// Every served file, by id.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// A served file by id.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.get(id)
    }

    /// The served id of a scenario file path (or its file name when it is not served).
    pub fn served_id(&self, file: &str) -> String {
        self.ids.get(&canonical(file)).cloned().unwrap_or_else(|| {
            Path::new(file).file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        })
    }

    /// The labels of the data sets inline scenarios may name.
    pub fn dataset_labels(&self) -> impl Iterator<Item = &str> {
        self.labels.keys().map(String::as_str)
    }

    /// The (unprepared) data set a scenario names, and its label.
    pub fn base_dataset(&self, reference: &str) -> Option<(Arc<Dataset>, String)> {
        let canonical = canonical(reference);
        self.datasets.get(&canonical).map(|d| (d.clone(), label_of(&canonical)))
    }

    /// Reads an inline scenario (a JSON object with the fields of a scenario file) named
    /// `source` in problems; answers it with its (unprepared) data set and that set's label.
    pub fn inline_scenario(
        &self,
        source: &str,
        value: &serde_json::Value,
    ) -> Result<(Scenario, Arc<Dataset>, String), InputError> {
        let scenario = io::parse_scenario_value(source, value, &mut ServiceResolver { catalog: self, inline: source })?;
        let Some((base, label)) = self.base_dataset(&scenario.dataset) else {
            return Err(InputError::single(Problem::at(
                source,
                None,
                Some("dataset"),
                format!("is not a data set of this server; use one of: {}", self.labels_list()),
            )));
        };
        Ok((scenario, base, label))
    }

    /// [`Catalog::inline_scenario`], prepared to solve.
    pub fn inline(&self, value: &serde_json::Value) -> Result<Prepared, InputError> {
        let (scenario, base, label) = self.inline_scenario(INLINE, value)?;
        Prepared::new(scenario, &base, label)
    }

    fn labels_list(&self) -> String {
        self.labels.keys().map(|l| format!("\"{l}\"")).collect::<Vec<_>>().join(", ")
    }

    /// The served scenario ids, quoted, for messages.
    pub fn ids_list(&self, kind: Kind) -> String {
        let ids: Vec<String> =
            self.entries.values().filter(|e| e.kind == kind).map(|e| format!("\"{}\"", e.id)).collect();
        ids.join(", ")
    }
}

/// Resolves `extends` and `dataset` of an inline scenario against the served files: never a
/// path from the request. Served files themselves resolve relative to their folder, as on the
/// command line.
pub struct ServiceResolver<'a> {
    pub catalog: &'a Catalog,
    /// The source name of the inline text.
    pub inline: &'a str,
}

impl Resolver for ServiceResolver<'_> {
    fn extends(&mut self, from: &Source, name: &str) -> Result<(String, Source), String> {
        if from.name != self.inline {
            return FileResolver.extends(from, name);
        }
        let id = name.strip_suffix(".toml").unwrap_or(name);
        match self.catalog.get(id) {
            Some(e) if e.kind == Kind::Scenario => Ok((e.canonical.clone(), e.source.clone())),
            Some(_) => Err(format!("`{name}` is a sweep; `extends` names a served scenario")),
            None => {
                Err(format!("`{name}` is not a served scenario; use one of: {}", self.catalog.ids_list(Kind::Scenario)))
            }
        }
    }

    fn dataset(&mut self, from: &Source, name: &str) -> Result<String, String> {
        if from.name != self.inline {
            return FileResolver.dataset(from, name);
        }
        self.catalog.labels.get(name).cloned().ok_or_else(|| {
            format!("`{name}` is not a data set of this server; use one of: {}", self.catalog.labels_list())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::leading_comment;

    #[test]
    fn the_description_is_the_leading_comment() {
        assert_eq!(leading_comment("# One\n#  two\n#\nname = \"x\"\n# later\n"), "One two");
        assert_eq!(leading_comment("name = \"x\"\n"), "");
    }
}
