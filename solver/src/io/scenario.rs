//! Scenario files (TOML): what they look like, and their conversion into [`Scenario`].
//!
//! ```toml
//! name = "rest-indicative"
//! dataset = "../../data/nl-2024"   # relative to this file, or absolute
//! [counting]
//! count_intentions = false       # intentions count as places?
//! require_bridging = true        # late locations count only with bridging reception?
//! counting_date = 2025-07-01     # optional; default from the data set's cycle.toml
//! [allocation]
//! mode = "rest"                  # "rest" or "level"
//! eligibility = "below-indicative"   # or "all"
//! caps = true                    # use the feasibility caps
//! method = "auto"                # "auto" (default: closed form where exact, else LP) or "lp"
//! elastic = false                # true: an infeasible province's missing places go beyond the caps
//! [allocation.weights]           # a weight left out is 1 for indicative, 0 for the others
//! indicative = 1.0
//! effort = 0.0
//! feasibility = 0.0
//! [constraints]                  # optional constraint families, see crate::allocate
//! corop_max_share = 0.5          # no COROP region gets more than half a province's shortfall
//! max_per_1000_regular = 8.0     # obligation at most 8 regular places per 1,000 inhabitants
//! max_per_1000_amv = 0.8
//! ```
//!
//! Unknown keys are refused: a misspelt key must never be silently ignored.
//!
//! A file may build on another with `extends = "base.toml"` (chains allowed, cycles refused):
//! every setting it leaves out except `name` (default: the file stem) comes from the base, and the base's overrides apply before its
//! own. Overrides change the data set without editing it:
//!
//! ```toml
//! [[overrides.municipalities]]
//! code = "GM0014"
//! max_additional_regular = 400   # caps, score, excluded = true/false (+ exclusion_reason)
//! [[overrides.locations]]
//! action = "change"              # add | remove | change (default)
//! location_id = "L0002"
//! municipality = "GM0014"
//! status = "planned"             # places_regular, places_amv, status, opens, closes,
//!                                # open_ended, bridging, location_total
//! [[overrides.provinces]]
//! code = "PV20"
//! target_regular = 2500
//! ```

use super::checks;
use super::dataset::{line_of, toml_date};
use super::source::LineIndex;
use super::{InputError, Problem, Problems, Source};
use crate::model::limits::MAX_PLACES;
use crate::model::{
    AllocationMode, AllocationRules, Constraints, CountingRules, Dataset, Date, Eligibility, LocationAction,
    LocationOverride, LocationStatus, Method, MunicipalityCode, MunicipalityOverride, Origin, Overrides, PerCommodity,
    ProvinceCode, ProvinceOverride, Scenario, Weights,
};
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

/// A scenario file as written. Every setting is optional here, so that files can be merged;
/// [`parse_scenario`] fills in defaults and checks that `name` and `dataset` are present.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// A scenario file this one builds on (relative to this file); its settings apply unless
    /// this file sets them, its overrides come before this file's.
    pub extends: Option<Spanned<String>>,
    /// Scenario name.
    pub name: Option<Spanned<String>>,
    /// Data set folder, relative to the file.
    pub dataset: Option<Spanned<String>>,
    /// `[counting]`.
    #[serde(default)]
    pub counting: CountingFile,
    /// `[allocation]`.
    #[serde(default)]
    pub allocation: AllocationFile,
    /// `[constraints]`.
    #[serde(default)]
    pub constraints: ConstraintsFile,
    /// `[[overrides.*]]`: changes to the data set.
    #[serde(default)]
    pub overrides: OverridesFile,
}

/// `[overrides]` as written: arrays of tables.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverridesFile {
    /// `[[overrides.municipalities]]`.
    #[serde(default)]
    pub municipalities: Vec<Spanned<MunicipalityOverrideFile>>,
    /// `[[overrides.locations]]`.
    #[serde(default)]
    pub locations: Vec<Spanned<LocationOverrideFile>>,
    /// `[[overrides.provinces]]`.
    #[serde(default)]
    pub provinces: Vec<Spanned<ProvinceOverrideFile>>,
}

/// `[[overrides.municipalities]]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityOverrideFile {
    /// Municipality code.
    pub code: String,
    /// New cap on additional regular places.
    pub max_additional_regular: Option<u32>,
    /// New cap on additional AMV places.
    pub max_additional_amv: Option<u32>,
    /// New feasibility score.
    pub score: Option<f64>,
    /// `true` excludes (give `exclusion_reason`), `false` lifts an exclusion.
    pub excluded: Option<bool>,
    /// Reason of an exclusion.
    pub exclusion_reason: Option<String>,
}

/// `[[overrides.locations]]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationOverrideFile {
    /// add | remove | change (default change).
    pub action: Option<LocationAction>,
    /// Location id.
    pub location_id: String,
    /// Municipality whose share it is.
    pub municipality: String,
    /// Regular places.
    pub places_regular: Option<u32>,
    /// AMV places.
    pub places_amv: Option<u32>,
    /// existing | planned | intention.
    pub status: Option<LocationStatus>,
    /// Opening date.
    pub opens: Option<toml::value::Datetime>,
    /// Closing date.
    pub closes: Option<toml::value::Datetime>,
    /// `true`: no closing date.
    pub open_ended: Option<bool>,
    /// Bridging reception until opening.
    pub bridging: Option<bool>,
    /// Whole location's capacity.
    pub location_total: Option<u32>,
}

/// `[[overrides.provinces]]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvinceOverrideFile {
    /// Province code.
    pub code: String,
    /// New regular target.
    pub target_regular: Option<u32>,
    /// New AMV target.
    pub target_amv: Option<u32>,
}

/// `[counting]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountingFile {
    /// Intentions count.
    pub count_intentions: Option<bool>,
    /// Bridging rule.
    pub require_bridging: Option<bool>,
    /// Counting date.
    pub counting_date: Option<Spanned<toml::value::Datetime>>,
}

/// `[allocation]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllocationFile {
    /// rest | level.
    pub mode: Option<AllocationMode>,
    /// all | below-indicative.
    pub eligibility: Option<Eligibility>,
    /// Caps on.
    pub caps: Option<bool>,
    /// lp | auto.
    pub method: Option<Method>,
    /// Assign the missing places of an infeasible province beyond the caps.
    pub elastic: Option<bool>,
    /// `[allocation.weights]`.
    #[serde(default)]
    pub weights: WeightsFile,
}

/// `[allocation.weights]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightsFile {
    /// Indicative weight.
    pub indicative: Option<Spanned<f64>>,
    /// Effort weight.
    pub effort: Option<Spanned<f64>>,
    /// Feasibility weight.
    pub feasibility: Option<Spanned<f64>>,
}

/// `[constraints]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstraintsFile {
    /// Maximum share of a province's shortfall for one COROP region.
    pub corop_max_share: Option<Spanned<f64>>,
    /// Maximum regular obligation per 1,000 inhabitants.
    pub max_per_1000_regular: Option<Spanned<f64>>,
    /// Maximum AMV obligation per 1,000 inhabitants.
    pub max_per_1000_amv: Option<Spanned<f64>>,
}

/// Longest `extends` chain accepted.
const MAX_CHAIN: usize = 32;

/// A value with where it was written.
type At<T> = Option<(T, Origin)>;

/// One file's validated settings; `None` where the file leaves a setting to its base.
#[derive(Clone, Debug, Default)]
struct Layer {
    name: At<String>,
    dataset: Option<String>,
    count_intentions: Option<bool>,
    require_bridging: Option<bool>,
    counting_date: At<Date>,
    mode: Option<AllocationMode>,
    eligibility: Option<Eligibility>,
    caps: Option<bool>,
    method: Option<Method>,
    elastic: Option<bool>,
    weights: [At<f64>; 3],
    corop_max_share: Option<f64>,
    max_per_1000: PerCommodity<Option<f64>>,
    overrides: Overrides,
}

impl Layer {
    /// `self` over `base`: what `self` sets wins; overrides of `base` come first.
    fn over(self, base: Layer) -> Layer {
        let mut overrides = base.overrides;
        overrides.municipalities.extend(self.overrides.municipalities);
        overrides.locations.extend(self.overrides.locations);
        overrides.provinces.extend(self.overrides.provinces);
        let [wi, we, wf] = self.weights;
        let [bi, be, bf] = base.weights;
        Layer {
            // A name is not inherited: a scenario is named by its own file (or its file stem).
            name: self.name,
            dataset: self.dataset.or(base.dataset),
            count_intentions: self.count_intentions.or(base.count_intentions),
            require_bridging: self.require_bridging.or(base.require_bridging),
            counting_date: self.counting_date.or(base.counting_date),
            mode: self.mode.or(base.mode),
            eligibility: self.eligibility.or(base.eligibility),
            caps: self.caps.or(base.caps),
            method: self.method.or(base.method),
            elastic: self.elastic.or(base.elastic),
            weights: [wi.or(bi), we.or(be), wf.or(bf)],
            corop_max_share: self.corop_max_share.or(base.corop_max_share),
            max_per_1000: PerCommodity {
                regular: self.max_per_1000.regular.or(base.max_per_1000.regular),
                amv: self.max_per_1000.amv.or(base.max_per_1000.amv),
            },
            overrides,
        }
    }
}

/// Resolves the names a scenario text refers to: the base of `extends` and the `dataset`. The
/// file adapter resolves them as paths relative to the scenario file; a service resolves them
/// against what it serves, never against the file system of a request.
pub trait Resolver {
    /// The base named by `extends = "<name>"` in `from`: an id that is equal for the same base
    /// however it is named (for cycle detection), and its text. `Err` says why not, for the
    /// message at the `extends` line.
    fn extends(&mut self, from: &Source, name: &str) -> Result<(String, Source), String>;

    /// The data set named by `dataset = "<name>"` in `from`, as the reference the caller loads
    /// it by (for files, the folder's path).
    fn dataset(&mut self, from: &Source, name: &str) -> Result<String, String>;

    /// The id of the first text of a chain (what [`Resolver::extends`] would call it).
    fn id(&mut self, source: &Source) -> String {
        source.name.clone()
    }
}

/// Resolves `extends` and `dataset` as paths relative to the folder of the scenario file.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileResolver;

fn folder_of(source: &Source) -> &Path {
    Path::new(&source.name).parent().unwrap_or(Path::new(""))
}

impl Resolver for FileResolver {
    fn extends(&mut self, from: &Source, name: &str) -> Result<(String, Source), String> {
        let path = folder_of(from).join(name);
        let id = std::fs::canonicalize(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let source =
            Source::read(&path).map_err(|p| p.message.clone()).map_err(|m| format!("{}: {m}", path.display()))?;
        Ok((id.display().to_string(), source))
    }

    fn dataset(&mut self, from: &Source, name: &str) -> Result<String, String> {
        Ok(folder_of(from).join(name).display().to_string())
    }

    fn id(&mut self, source: &Source) -> String {
        std::fs::canonicalize(&source.name).map_or_else(|_| source.name.clone(), |p| p.display().to_string())
    }
}

/// Parses TOML text of a scenario file into its file type, with the line of a syntax error.
pub(crate) fn parse_file(path: &str, text: &str) -> Result<ScenarioFile, InputError> {
    toml::from_str(text).map_err(|e| InputError::single(super::toml_error::problem(path, text, &e)))
}

/// Reads and validates a scenario file and its `extends` chain (not yet the data set it names).
pub fn load_scenario(path: &Path) -> Result<Scenario, InputError> {
    let source = Source::read_file(path)?;
    if super::is_sweep(&source.text) {
        return Err(InputError::single(Problem::at(
            path,
            None,
            Some("sweep"),
            "this is a sweep file, not a scenario: run it with `spreiding run`, or name one scenario",
        )));
    }
    parse_scenario_source(&source, &mut FileResolver)
}

/// Validates the text of a scenario file written at `path` (relative paths, `extends` among
/// them, are resolved against its folder).
pub fn parse_scenario(path: &Path, text: &str) -> Result<Scenario, InputError> {
    parse_scenario_source(&Source::new(path.display().to_string(), text), &mut FileResolver)
}

/// Validates a scenario from its text; `resolver` supplies the bases of `extends` and names the
/// data set. The same checks as for files, with problems at the source's name and line.
pub fn parse_scenario_source(source: &Source, resolver: &mut dyn Resolver) -> Result<Scenario, InputError> {
    let mut chain = vec![resolver.id(source)];
    let layer = load_layer(source, resolver, &mut chain)?;
    finish(source, layer, chain)
}

/// The layer of one text over the layers of its `extends` chain. `chain` holds the ids of the
/// texts read so far (this one included).
fn load_layer(source: &Source, resolver: &mut dyn Resolver, chain: &mut Vec<String>) -> Result<Layer, InputError> {
    let path = source.name.as_str();
    let file = parse_file(path, &source.text)?;
    let layer = convert(source, &file, resolver)?;
    let Some(extends) = &file.extends else {
        return Ok(layer);
    };
    let line = line_of(&source.text, extends.span().start);
    let refuse = |message: String| InputError::single(Problem::at(path, Some(line), Some("extends"), message));
    let (id, base) = resolver.extends(source, extends.get_ref()).map_err(refuse)?;
    if chain.contains(&id) {
        let mut names = chain.clone();
        names.push(id);
        return Err(refuse(format!("extends makes a cycle: {}", names.join(" -> "))));
    }
    if chain.len() >= MAX_CHAIN {
        return Err(refuse(format!("the extends chain is longer than {MAX_CHAIN} files")));
    }
    chain.push(id);
    let base_layer = load_layer(&base, resolver, chain)?;
    Ok(layer.over(base_layer))
}

/// Checks one file's values and turns them into a layer.
fn convert(source: &Source, file: &ScenarioFile, resolver: &mut dyn Resolver) -> Result<Layer, InputError> {
    let (path, text) = (source.name.as_str(), source.text.as_str());
    let mut problems = Problems::default();
    // One pass over the text; every setting's line is then a binary search (linear in all).
    let lines = LineIndex::new(text);
    let origin = |span: std::ops::Range<usize>| Origin { source: path.to_owned(), line: lines.line(span.start) };
    let mut layer = Layer::default();

    if let Some(n) = &file.name {
        if n.get_ref().trim().is_empty() {
            let o = origin(n.span());
            problems.push(Problem::at(path, Some(o.line), Some("name"), "is empty; give the scenario a name"));
        } else {
            layer.name = Some((n.get_ref().trim().to_owned(), origin(n.span())));
        }
    }
    if let Some(d) = &file.dataset {
        match resolver.dataset(source, d.get_ref()) {
            Ok(reference) => layer.dataset = Some(reference),
            Err(message) => {
                problems.push(Problem::at(path, Some(origin(d.span()).line), Some("dataset"), message));
            }
        }
    }
    layer.count_intentions = file.counting.count_intentions;
    layer.require_bridging = file.counting.require_bridging;
    if let Some(d) = &file.counting.counting_date {
        let o = origin(d.span());
        match toml_date(d.get_ref()) {
            Ok(date) => layer.counting_date = Some((date, o)),
            Err(msg) => problems.push(Problem::at(path, Some(o.line), Some("counting.counting_date"), msg)),
        }
    }

    let a = &file.allocation;
    layer.mode = a.mode;
    layer.eligibility = a.eligibility;
    layer.caps = a.caps;
    layer.elastic = a.elastic;
    layer.method = a.method;
    let w = &a.weights;
    for (slot, key, value) in [
        (0, "allocation.weights.indicative", &w.indicative),
        (1, "allocation.weights.effort", &w.effort),
        (2, "allocation.weights.feasibility", &w.feasibility),
    ] {
        if let Some(s) = value {
            let v = *s.get_ref();
            let o = origin(s.span());
            match checks::weight(v) {
                None => layer.weights[slot] = Some((v, o)),
                Some(message) => problems.push(Problem::at(path, Some(o.line), Some(key), message)),
            }
        }
    }

    let c = &file.constraints;
    if let Some(s) = &c.corop_max_share {
        let v = *s.get_ref();
        match checks::share(v) {
            None => layer.corop_max_share = Some(v),
            Some(message) => problems.push(Problem::at(
                path,
                Some(origin(s.span()).line),
                Some("constraints.corop_max_share"),
                message,
            )),
        }
    }
    for (key, value, slot) in [
        ("constraints.max_per_1000_regular", &c.max_per_1000_regular, &mut layer.max_per_1000.regular),
        ("constraints.max_per_1000_amv", &c.max_per_1000_amv, &mut layer.max_per_1000.amv),
    ] {
        if let Some(s) = value {
            let v = *s.get_ref();
            match checks::per_1000(v) {
                None => *slot = Some(v),
                Some(message) => problems.push(Problem::at(path, Some(origin(s.span()).line), Some(key), message)),
            }
        }
    }
    layer.overrides = convert_overrides(path, &lines, &file.overrides, &mut problems);
    problems.into_result(layer)
}

fn municipality_code(text: &str, at: &Origin, field: &str, problems: &mut Problems) -> Option<MunicipalityCode> {
    let code = MunicipalityCode::parse(text);
    if code.is_none() {
        problems.push(Problem::at(
            &at.source,
            Some(at.line),
            Some(field),
            format!("`{text}` is not a municipality code ({})", MunicipalityCode::FORM),
        ));
    }
    code
}

/// Checks numbers of places against [`MAX_PLACES`]; false (with a problem each) if one is above.
fn within_limit(at: &Origin, key: &str, values: &[(&str, Option<u32>)], problems: &mut Problems) -> bool {
    let mut ok = true;
    for (field, value) in values {
        if let Some(v) = value.filter(|v| *v > MAX_PLACES) {
            problems.push(Problem::at(
                &at.source,
                Some(at.line),
                Some(&format!("{key}.{field}")),
                format!("{v} is too large; at most {MAX_PLACES} places"),
            ));
            ok = false;
        }
    }
    ok
}

fn convert_overrides(path: &str, lines: &LineIndex, file: &OverridesFile, problems: &mut Problems) -> Overrides {
    let origin = |span: std::ops::Range<usize>| Origin { source: path.to_owned(), line: lines.line(span.start) };
    let mut out = Overrides::default();
    for m in &file.municipalities {
        let at = origin(m.span());
        let f = m.get_ref();
        let key = "overrides.municipalities";
        let Some(code) = municipality_code(&f.code, &at, &format!("{key}.code"), problems) else {
            continue;
        };
        if !within_limit(
            &at,
            key,
            &[("max_additional_regular", f.max_additional_regular), ("max_additional_amv", f.max_additional_amv)],
            problems,
        ) {
            continue;
        }
        if let Some(score) = f.score {
            if !(0.0..=1.0).contains(&score) {
                problems.push(Problem::at(
                    path,
                    Some(at.line),
                    Some(&format!("{key}.score")),
                    format!("{score} is not a score from 0 to 1"),
                ));
                continue;
            }
        }
        let excluded = match (f.excluded, &f.exclusion_reason) {
            (Some(true), reason) => {
                Some(Some(reason.clone().unwrap_or_else(|| "uitgezonderd in dit scenario".to_owned())))
            }
            (Some(false), None) => Some(None),
            (Some(false), Some(_)) => {
                problems.push(Problem::at(
                    path,
                    Some(at.line),
                    Some(&format!("{key}.exclusion_reason")),
                    "given with excluded = false; leave it out",
                ));
                continue;
            }
            (None, Some(_)) => {
                problems.push(Problem::at(
                    path,
                    Some(at.line),
                    Some(&format!("{key}.exclusion_reason")),
                    "needs excluded = true",
                ));
                continue;
            }
            (None, None) => None,
        };
        if f.max_additional_regular.is_none()
            && f.max_additional_amv.is_none()
            && f.score.is_none()
            && excluded.is_none()
        {
            problems.push(Problem::at(
                path,
                Some(at.line),
                Some(key),
                format!(
                    "changes nothing for {code}; set max_additional_regular, max_additional_amv, score or excluded"
                ),
            ));
            continue;
        }
        out.municipalities.push(MunicipalityOverride {
            origin: at,
            code,
            cap: PerCommodity { regular: f.max_additional_regular, amv: f.max_additional_amv },
            score: f.score,
            excluded,
        });
    }
    for l in &file.locations {
        let at = origin(l.span());
        let f = l.get_ref();
        let key = "overrides.locations";
        let here = |field: &str| format!("{key}.{field}");
        let action = f.action.unwrap_or(LocationAction::Change);
        let Some(municipality) = municipality_code(&f.municipality, &at, &here("municipality"), problems) else {
            continue;
        };
        if f.location_id.trim().is_empty() {
            problems.push(Problem::at(path, Some(at.line), Some(&here("location_id")), "is empty"));
            continue;
        }
        let status = f.status;
        let mut date = |field: &str, d: &Option<toml::value::Datetime>| -> Result<Option<Date>, ()> {
            match d {
                None => Ok(None),
                Some(d) => toml_date(d)
                    .map(Some)
                    .map_err(|msg| problems.push(Problem::at(path, Some(at.line), Some(&here(field)), msg))),
            }
        };
        let (Ok(opens), Ok(closes)) = (date("opens", &f.opens), date("closes", &f.closes)) else {
            continue;
        };
        let closes = match (closes, f.open_ended) {
            (Some(_), Some(true)) => {
                problems.push(Problem::at(
                    path,
                    Some(at.line),
                    Some(&here("open_ended")),
                    "given together with closes; give one of them",
                ));
                continue;
            }
            (Some(d), _) => Some(Some(d)),
            (None, Some(true)) => Some(None),
            (None, _) => None,
        };
        if !within_limit(
            &at,
            key,
            &[("places_regular", f.places_regular), ("places_amv", f.places_amv), ("location_total", f.location_total)],
            problems,
        ) {
            continue;
        }
        let o = LocationOverride {
            origin: at.clone(),
            action,
            location_id: f.location_id.trim().to_owned(),
            municipality,
            places: PerCommodity { regular: f.places_regular, amv: f.places_amv },
            status,
            opens,
            closes,
            bridging: f.bridging,
            location_total: f.location_total,
        };
        let changes_something = o.places.regular.is_some()
            || o.places.amv.is_some()
            || o.status.is_some()
            || o.opens.is_some()
            || o.closes.is_some()
            || o.bridging.is_some()
            || o.location_total.is_some();
        match action {
            LocationAction::Remove if changes_something => {
                problems.push(Problem::at(
                    path,
                    Some(at.line),
                    Some(key),
                    "remove takes only location_id and municipality",
                ));
                continue;
            }
            LocationAction::Change if !changes_something => {
                problems.push(Problem::at(
                    path,
                    Some(at.line),
                    Some(key),
                    "changes nothing; set a field to change, or action = \"remove\"",
                ));
                continue;
            }
            LocationAction::Add => {
                let missing: Vec<&str> = [
                    ("places_regular", o.places.regular.is_none()),
                    ("places_amv", o.places.amv.is_none()),
                    ("status", o.status.is_none()),
                    ("opens", o.opens.is_none()),
                    ("closes or open_ended", o.closes.is_none()),
                    ("bridging", o.bridging.is_none()),
                    ("location_total", o.location_total.is_none()),
                ]
                .into_iter()
                .filter_map(|(n, m)| m.then_some(n))
                .collect();
                if !missing.is_empty() {
                    problems.push(Problem::at(
                        path,
                        Some(at.line),
                        Some(key),
                        format!("add needs every field; missing {}", missing.join(", ")),
                    ));
                    continue;
                }
            }
            _ => {}
        }
        if let (Some(opens), Some(Some(closes))) = (o.opens, o.closes) {
            if closes < opens {
                problems.push(Problem::at(
                    path,
                    Some(at.line),
                    Some(&here("closes")),
                    format!("{closes} is before opens {opens}; a location closes after it opens"),
                ));
                continue;
            }
        }
        out.locations.push(o);
    }
    for p in &file.provinces {
        let at = origin(p.span());
        let f = p.get_ref();
        if !within_limit(
            &at,
            "overrides.provinces",
            &[("target_regular", f.target_regular), ("target_amv", f.target_amv)],
            problems,
        ) {
            continue;
        }
        let Some(code) = ProvinceCode::parse(&f.code) else {
            problems.push(Problem::at(
                path,
                Some(at.line),
                Some("overrides.provinces.code"),
                format!("`{}` is not a province code ({})", f.code, ProvinceCode::FORM),
            ));
            continue;
        };
        if f.target_regular.is_none() && f.target_amv.is_none() {
            problems.push(Problem::at(
                path,
                Some(at.line),
                Some("overrides.provinces"),
                format!("changes nothing for {code}; set target_regular or target_amv"),
            ));
            continue;
        }
        out.provinces.push(ProvinceOverride {
            origin: at,
            code,
            target: PerCommodity { regular: f.target_regular, amv: f.target_amv },
        });
    }
    out
}

/// Fills in defaults and checks what only the whole chain can tell.
fn finish(source: &Source, layer: Layer, files: Vec<String>) -> Result<Scenario, InputError> {
    let path = source.name.as_str();
    let mut problems = Problems::default();
    let name = match layer.name {
        Some((n, _)) => n,
        None => Path::new(path).file_stem().map_or_else(|| "scenario".to_owned(), |s| s.to_string_lossy().into_owned()),
    };
    let dataset = layer.dataset.unwrap_or_else(|| {
        problems.push(Problem::at(
            path,
            None,
            Some("dataset"),
            "is missing (here and in the files it extends); name the data set folder, e.g. dataset = \"../../data/nl-2024\"",
        ));
        String::new()
    });
    let [wi, we, wf] = &layer.weights;
    let weights = Weights {
        indicative: wi.as_ref().map_or(1.0, |w| w.0),
        effort: we.as_ref().map_or(0.0, |w| w.0),
        feasibility: wf.as_ref().map_or(0.0, |w| w.0),
    };
    if let Some(message) = checks::weights(&weights) {
        let at = layer.weights.iter().flatten().map(|(_, o)| o).min_by_key(|o| (o.source != path, o.line));
        problems.push(Problem::at(
            at.map_or(path, |o| o.source.as_str()),
            at.map(|o| o.line),
            Some("allocation.weights"),
            message,
        ));
    }
    let (counting_date, counting_date_origin) = match layer.counting_date {
        Some((d, o)) => (Some(d), Some(o)),
        None => (None, None),
    };
    let scenario = Scenario {
        name,
        dataset,
        counting: CountingRules {
            count_intentions: layer.count_intentions.unwrap_or(false),
            require_bridging: layer.require_bridging.unwrap_or(true),
            counting_date,
        },
        allocation: AllocationRules {
            mode: layer.mode.unwrap_or(AllocationMode::Rest),
            eligibility: layer.eligibility.unwrap_or(Eligibility::BelowIndicative),
            caps: layer.caps.unwrap_or(true),
            weights,
            method: layer.method.unwrap_or(Method::Auto),
            elastic: layer.elastic.unwrap_or(false),
        },
        constraints: Constraints { corop_max_share: layer.corop_max_share, max_per_1000: layer.max_per_1000 },
        overrides: layer.overrides,
        files,
        counting_date_origin,
    };
    problems.into_result(scenario)
}

/// Checks the scenario's settings that depend on the data set (the counting date lies in the cycle).
pub(crate) fn check_against_dataset(scenario: &Scenario, dataset: &Dataset) -> Result<(), InputError> {
    let mut problems = Problems::default();
    if let Some(message) = scenario.counting.counting_date.and_then(|d| checks::counting_date(d, &dataset.cycle)) {
        let (file, line) = match &scenario.counting_date_origin {
            Some(o) => (o.source.as_str(), Some(o.line)),
            None => (scenario.files.first().map_or("scenario", String::as_str), None),
        };
        problems.push(Problem::at(file, line, Some("counting.counting_date"), message));
    }
    problems.into_result(())
}
