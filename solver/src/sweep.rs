//! Sweeps: one file describing many scenarios, as a grid over parameters times seeded random
//! perturbations of the data. Every generated scenario has a stable id and records its full
//! parameters. Expansion is lazy (by index), so a sweep of any size takes no memory up front.
//!
//! Perturbation (sensitivity): draw d of a sweep with seed s uses a ChaCha8 stream (s, d); each
//! location (all its shares together, and its total) has its places multiplied by a factor drawn
//! uniformly from [1 - p, 1 + p] and rounded to whole places; then each municipality's caps by
//! a factor from [1 - q, 1 + q], rounded. Locations are visited in order of id, municipalities
//! in code order, regular before AMV: the same draw gives the same numbers on every machine.

use crate::counting::{verdict, CountingContext};
use crate::io::results::Record;
use crate::model::{AllocationMode, Commodity, Dataset, Date, Eligibility, Method, Scenario};
use crate::solve::{solve_with, Inputs};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// What kind of value a parameter takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// true | false.
    Bool,
    /// rest | level.
    Mode,
    /// all | below-indicative.
    Eligibility,
    /// lp | auto.
    Method,
    /// A number 0 or more.
    Weight,
    /// A number from 0 to 1.
    Fraction,
    /// A number above 0 and at most 1.
    Share,
    /// A number above 0.
    Positive,
    /// A date.
    Date,
}

impl Kind {
    /// What a valid value looks like, for messages.
    pub fn expected(self) -> &'static str {
        match self {
            Kind::Bool => "true or false",
            Kind::Mode => "\"rest\" or \"level\"",
            Kind::Eligibility => "\"all\" or \"below-indicative\"",
            Kind::Method => "\"lp\" or \"auto\"",
            Kind::Weight => "a number 0 or more",
            Kind::Fraction => "a number from 0 to 1",
            Kind::Share => "a number above 0 and at most 1",
            Kind::Positive => "a number above 0",
            Kind::Date => "a date YYYY-MM-DD",
        }
    }
}

/// The parameters a sweep can vary, with their kinds.
///
/// `allocation.weights.effort_share` sets the effort weight to v and the indicative weight to
/// 1 - v (the feasibility weight is kept): a sweep over the effort share "from 0 to 1".
pub const PARAMETERS: &[(&str, Kind)] = &[
    ("counting.count_intentions", Kind::Bool),
    ("counting.require_bridging", Kind::Bool),
    ("counting.counting_date", Kind::Date),
    ("allocation.mode", Kind::Mode),
    ("allocation.eligibility", Kind::Eligibility),
    ("allocation.caps", Kind::Bool),
    ("allocation.method", Kind::Method),
    ("allocation.elastic", Kind::Bool),
    ("allocation.weights.indicative", Kind::Weight),
    ("allocation.weights.effort", Kind::Weight),
    ("allocation.weights.feasibility", Kind::Weight),
    ("allocation.weights.effort_share", Kind::Fraction),
    ("constraints.corop_max_share", Kind::Share),
    ("constraints.max_per_1000_regular", Kind::Positive),
    ("constraints.max_per_1000_amv", Kind::Positive),
];

/// The kind of a parameter, `None` if there is no such parameter.
pub fn kind_of(name: &str) -> Option<Kind> {
    PARAMETERS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

/// A validated parameter value.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// Boolean.
    Bool(bool),
    /// Number.
    Number(f64),
    /// Word (mode, eligibility, method).
    Word(String),
    /// Date.
    Date(Date),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(x) => write!(f, "{x}"),
            Value::Word(w) => f.write_str(w),
            Value::Date(d) => write!(f, "{d}"),
        }
    }
}

/// One axis of the grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Parameter name (one of [`PARAMETERS`]).
    pub parameter: &'static str,
    /// Its values, in order.
    pub values: Vec<Value>,
}

/// Seeded random perturbation of the data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Perturbation {
    /// Number of draws per grid point.
    pub draws: u32,
    /// Seed.
    pub seed: u64,
    /// Relative range p of the location factors: [1 - p, 1 + p].
    pub location_places: f64,
    /// Relative range q of the cap factors.
    pub caps: f64,
}

/// A validated sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// Name; the prefix of every generated id.
    pub name: String,
    /// What the sweep is for.
    pub description: Option<String>,
    /// The sweep's source (its file path, or a caller's label).
    pub file: String,
    /// The scenario every generated one starts from.
    pub base: Scenario,
    /// Grid axes (the first varies slowest).
    pub grid: Vec<Axis>,
    /// Random draws, if any.
    pub random: Option<Perturbation>,
}

/// One generated scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// Stable id, e.g. `weights/03` or `sensitivity/0042`.
    pub id: String,
    /// The scenario with the grid point's parameters applied; named by the id.
    pub scenario: Scenario,
    /// Parameters in grid order, then `draw` and `seed` for a random draw.
    pub params: BTreeMap<String, String>,
    /// The draw, if the sweep perturbs.
    pub draw: Option<u32>,
}

fn width(n: u64) -> usize {
    n.saturating_sub(1).max(1).to_string().len()
}

impl Sweep {
    /// Number of grid points.
    pub fn grid_points(&self) -> u64 {
        self.grid.iter().map(|a| a.values.len() as u64).product()
    }

    /// Number of scenarios the sweep generates.
    pub fn len(&self) -> u64 {
        self.grid_points() * self.random.as_ref().map_or(1, |r| u64::from(r.draws))
    }

    /// True when the sweep generates nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The scenario at `index` (0 <= index < len): grid point `index / draws`, draw
    /// `index % draws`.
    pub fn job(&self, index: u64) -> Job {
        let draws = self.random.as_ref().map_or(1, |r| u64::from(r.draws));
        let (point, draw) = (index / draws, index % draws);
        let mut scenario = self.base.clone();
        let mut params = BTreeMap::new();
        let mut rest = point;
        let mut chosen = Vec::with_capacity(self.grid.len());
        for axis in self.grid.iter().rev() {
            let n = axis.values.len() as u64;
            chosen.push((axis, (rest % n) as usize));
            rest /= n;
        }
        for (axis, i) in chosen.into_iter().rev() {
            apply(&mut scenario, axis.parameter, &axis.values[i]);
            params.insert(axis.parameter.to_owned(), axis.values[i].to_string());
        }
        let mut id = format!("{}/", self.name);
        if !self.grid.is_empty() {
            id.push_str(&format!("{point:0w$}", w = width(self.grid_points())));
        }
        let draw = self.random.as_ref().map(|r| {
            if !self.grid.is_empty() {
                id.push('-');
            }
            id.push_str(&format!("{draw:0w$}", w = width(u64::from(r.draws))));
            params.insert("draw".to_owned(), draw.to_string());
            params.insert("seed".to_owned(), r.seed.to_string());
            draw as u32
        });
        if self.grid.is_empty() && self.random.is_none() {
            id.push('0');
        }
        scenario.name = id.clone();
        Job { id, scenario, params, draw }
    }
}

/// Sets a parameter on a scenario. The value has been validated for the parameter's kind.
pub fn apply(scenario: &mut Scenario, parameter: &str, value: &Value) {
    let a = &mut scenario.allocation;
    let number = match value {
        Value::Number(x) => *x,
        _ => 0.0,
    };
    match (parameter, value) {
        ("counting.count_intentions", Value::Bool(b)) => scenario.counting.count_intentions = *b,
        ("counting.require_bridging", Value::Bool(b)) => scenario.counting.require_bridging = *b,
        ("counting.counting_date", Value::Date(d)) => scenario.counting.counting_date = Some(*d),
        ("allocation.mode", Value::Word(w)) => {
            a.mode = if w == "level" { AllocationMode::Level } else { AllocationMode::Rest };
        }
        ("allocation.eligibility", Value::Word(w)) => {
            a.eligibility = if w == "all" { Eligibility::All } else { Eligibility::BelowIndicative };
        }
        ("allocation.caps", Value::Bool(b)) => a.caps = *b,
        ("allocation.elastic", Value::Bool(b)) => a.elastic = *b,
        ("allocation.method", Value::Word(w)) => a.method = if w == "lp" { Method::Lp } else { Method::Auto },
        ("allocation.weights.indicative", _) => a.weights.indicative = number,
        ("allocation.weights.effort", _) => a.weights.effort = number,
        ("allocation.weights.feasibility", _) => a.weights.feasibility = number,
        ("allocation.weights.effort_share", _) => {
            a.weights.effort = number;
            a.weights.indicative = 1.0 - number;
        }
        ("constraints.corop_max_share", _) => scenario.constraints.corop_max_share = Some(number),
        ("constraints.max_per_1000_regular", _) => scenario.constraints.max_per_1000.regular = Some(number),
        ("constraints.max_per_1000_amv", _) => scenario.constraints.max_per_1000.amv = Some(number),
        _ => {}
    }
}

/// Precomputed lookups for perturbing one data set: each location row's location number (in
/// order of location id).
#[derive(Clone, Debug)]
pub struct Perturber {
    row_location: Vec<usize>,
    locations: usize,
}

impl Perturber {
    /// Lookups for a data set.
    pub fn new(dataset: &Dataset) -> Self {
        let mut ids: Vec<&str> = dataset.locations.iter().map(|l| l.location_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let row_location =
            dataset.locations.iter().map(|l| ids.binary_search(&l.location_id.as_str()).unwrap_or(0)).collect();
        Perturber { row_location, locations: ids.len() }
    }

    /// The inputs of draw `draw`: counted places from perturbed locations, perturbed caps.
    pub fn inputs(&self, dataset: &Dataset, scenario: &Scenario, p: &Perturbation, draw: u32) -> Inputs {
        let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
        rng.set_stream(u64::from(draw));
        let mut factor = |range: f64| {
            if range > 0.0 {
                1.0 + range * (2.0 * rng.random::<f64>() - 1.0)
            } else {
                1.0
            }
        };
        let location_factor: Vec<f64> = (0..self.locations).map(|_| factor(p.location_places)).collect();
        let caps = dataset
            .municipalities
            .iter()
            .map(|m| {
                let mut cap = m.cap;
                for c in Commodity::ALL {
                    *cap.get_mut(c) = scale(m.cap.of(c), factor(p.caps));
                }
                cap
            })
            .collect();
        let ctx = CountingContext::new(dataset, scenario);
        let mut counted = vec![crate::model::PerCommodity::default(); dataset.municipalities.len()];
        for (row, l) in dataset.locations.iter().enumerate() {
            if verdict(l, &ctx).counts() {
                let f = location_factor[self.row_location[row]];
                for c in Commodity::ALL {
                    *counted[l.municipality].get_mut(c) += scale(l.places.of(c), f);
                }
            }
        }
        Inputs { counted, caps }
    }
}

/// Solves scenario `index` of a sweep on its (prepared) data set: the record of a batch run.
pub fn solve_job(sweep: &Sweep, dataset: &Dataset, perturber: &Perturber, index: u64) -> Record {
    let job = sweep.job(index);
    let inputs = match (&sweep.random, job.draw) {
        (Some(p), Some(d)) => perturber.inputs(dataset, &job.scenario, p, d),
        _ => Inputs::new(dataset, &job.scenario),
    };
    match solve_with(dataset, &job.scenario, &inputs) {
        Ok(s) => Record::solved(job.id, job.params, &s),
        Err(e) => Record::failed(job.id, job.params, e.to_string()),
    }
}

fn scale(n: u32, f: f64) -> u32 {
    (f64::from(n) * f).round().max(0.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_rounds_to_whole_places() {
        assert_eq!(scale(100, 1.049), 105);
        assert_eq!(scale(100, 0.9), 90);
        assert_eq!(scale(0, 1.1), 0);
    }

    #[test]
    fn every_parameter_has_a_kind_and_an_effect_or_a_known_name() {
        for (name, kind) in PARAMETERS {
            assert_eq!(kind_of(name), Some(*kind));
        }
        assert_eq!(kind_of("allocation.mdoe"), None);
    }
}
