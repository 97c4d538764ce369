//! `extends`: a scenario's layers over its bases, resolved by a caller's [`Resolver`] (files
//! relative to the scenario's folder for [`FileResolver`]), with cycles and overlong chains
//! refused.

use super::{convert, parse_file};
use crate::io::source::LineIndex;
use crate::io::{InputError, Problem, Source};
use crate::model::{
    AboveTask, AllocationMode, Date, Eligibility, Method, MinimumFallback, Origin, Overrides, PerCommodity,
};
use std::path::Path;

/// Longest `extends` chain accepted.
const MAX_CHAIN: usize = 32;

/// A value with where it was written.
pub(super) type At<T> = Option<(T, Origin)>;

/// One file's validated settings; `None` where the file leaves a setting to its base.
#[derive(Clone, Debug, Default)]
pub(super) struct Layer {
    pub(super) name: At<String>,
    pub(super) dataset: Option<String>,
    pub(super) count_intentions: Option<bool>,
    pub(super) require_bridging: Option<bool>,
    pub(super) counting_date: At<Date>,
    pub(super) available_until: At<Date>,
    pub(super) min_location_places: Option<u32>,
    pub(super) min_years: Option<u32>,
    pub(super) mode: Option<AllocationMode>,
    pub(super) eligibility: Option<Eligibility>,
    pub(super) caps: Option<bool>,
    pub(super) method: Option<Method>,
    pub(super) elastic: Option<bool>,
    pub(super) above_task: Option<AboveTask>,
    pub(super) weights: [At<f64>; 3],
    pub(super) corop_max_share: Option<f64>,
    pub(super) max_per_1000: PerCommodity<Option<f64>>,
    pub(super) min_allocation: PerCommodity<Option<u32>>,
    pub(super) allocation_step: Option<u32>,
    pub(super) minimum_fallback: Option<MinimumFallback>,
    pub(super) mip_time_limit: Option<f64>,
    pub(super) overrides: Overrides,
}

impl Layer {
    /// `self` over `base`: what `self` sets wins; overrides of `base` come first.
    fn over(self, base: Layer) -> Layer {
        let mut overrides = base.overrides;
        overrides.municipalities.extend(self.overrides.municipalities);
        overrides.locations.extend(self.overrides.locations);
        overrides.provinces.extend(self.overrides.provinces);
        overrides.effort.extend(self.overrides.effort);
        let [wi, we, wf] = self.weights;
        let [bi, be, bf] = base.weights;
        Layer {
            // A name is not inherited: a scenario is named by its own file (or its file stem).
            name: self.name,
            dataset: self.dataset.or(base.dataset),
            count_intentions: self.count_intentions.or(base.count_intentions),
            require_bridging: self.require_bridging.or(base.require_bridging),
            counting_date: self.counting_date.or(base.counting_date),
            available_until: self.available_until.or(base.available_until),
            min_location_places: self.min_location_places.or(base.min_location_places),
            min_years: self.min_years.or(base.min_years),
            mode: self.mode.or(base.mode),
            eligibility: self.eligibility.or(base.eligibility),
            caps: self.caps.or(base.caps),
            method: self.method.or(base.method),
            elastic: self.elastic.or(base.elastic),
            above_task: self.above_task.or(base.above_task),
            weights: [wi.or(bi), we.or(be), wf.or(bf)],
            corop_max_share: self.corop_max_share.or(base.corop_max_share),
            max_per_1000: PerCommodity {
                regular: self.max_per_1000.regular.or(base.max_per_1000.regular),
                amv: self.max_per_1000.amv.or(base.max_per_1000.amv),
            },
            min_allocation: PerCommodity {
                regular: self.min_allocation.regular.or(base.min_allocation.regular),
                amv: self.min_allocation.amv.or(base.min_allocation.amv),
            },
            allocation_step: self.allocation_step.or(base.allocation_step),
            minimum_fallback: self.minimum_fallback.or(base.minimum_fallback),
            mip_time_limit: self.mip_time_limit.or(base.mip_time_limit),
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

    /// The data set of a scenario that names none (itself or the files it extends), as the
    /// reference the caller loads it by. `None` (the default) makes a missing `dataset` a
    /// problem; a caller that is handed the data set beside the scenario (the Python package's
    /// `solve(..., dataset=...)`) gives it here.
    fn fallback_dataset(&mut self) -> Option<String> {
        None
    }

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

/// The layer of one text over the layers of its `extends` chain. `chain` holds the ids of the
/// texts read so far (this one included).
pub(super) fn load_layer(
    source: &Source,
    resolver: &mut dyn Resolver,
    chain: &mut Vec<String>,
) -> Result<Layer, InputError> {
    let path = source.name.as_str();
    let file = parse_file(path, &source.text)?;
    let layer = convert(source, &file, resolver)?;
    let Some(extends) = &file.extends else {
        return Ok(layer);
    };
    let line = LineIndex::new(&source.text).line(extends.span().start);
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
