//! A validated sweep: a base scenario, a grid over parameters and seeded random draws, and the
//! scenarios it generates (lazily, by index, each with a stable id and its parameters). The
//! engine that perturbs and solves them is [`crate::sweep`].

use super::{AboveTask, AllocationMode, Date, Eligibility, Method, Scenario};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// A parameter a sweep can vary: one setting of a scenario (or, for `effort_share`, two).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Parameter {
    /// `counting.count_intentions`.
    CountIntentions,
    /// `counting.require_bridging`.
    RequireBridging,
    /// `counting.counting_date`.
    CountingDate,
    /// `counting.min_location_places`.
    MinLocationPlaces,
    /// `counting.min_years`.
    MinYears,
    /// `allocation.mode`.
    Mode,
    /// `allocation.eligibility`.
    Eligibility,
    /// `allocation.caps`.
    Caps,
    /// `allocation.method`.
    Method,
    /// `allocation.elastic`.
    Elastic,
    /// `allocation.above_task`.
    AboveTask,
    /// `allocation.weights.indicative`.
    WeightIndicative,
    /// `allocation.weights.effort`.
    WeightEffort,
    /// `allocation.weights.feasibility`.
    WeightFeasibility,
    /// `allocation.weights.effort_share`: the effort weight v and the indicative weight 1 - v
    /// (the feasibility weight is kept): a sweep over the effort share "from 0 to 1".
    EffortShare,
    /// `constraints.corop_max_share`.
    CoropMaxShare,
    /// `constraints.max_per_1000_regular`.
    MaxPer1000Regular,
    /// `constraints.max_per_1000_amv`.
    MaxPer1000Amv,
}

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
    /// held | ignored | effort.
    AboveTask,
    /// A weight: a number from 0 to [`super::MAX_WEIGHT`].
    Weight,
    /// A number from 0 to 1.
    Fraction,
    /// A number above 0 and at most 1.
    Share,
    /// Places per 1,000 inhabitants: above 0, at most [`super::MAX_PER_1000`].
    PerThousand,
    /// A date.
    Date,
    /// A whole number of places: 0 to [`super::limits::MAX_PLACES`].
    Places,
    /// A whole number of years: 0 to [`super::limits::MAX_MIN_YEARS`].
    Years,
}

impl Kind {
    /// What a valid value looks like, for messages.
    pub fn expected(self) -> String {
        match self {
            Kind::Bool => "true or false".to_owned(),
            Kind::Mode => "\"rest\" or \"level\"".to_owned(),
            Kind::Eligibility => "\"all\" or \"below-indicative\"".to_owned(),
            Kind::Method => "\"lp\" or \"auto\"".to_owned(),
            Kind::AboveTask => "\"held\", \"ignored\" or \"effort\"".to_owned(),
            Kind::Weight => format!("a number from 0 to {}", super::MAX_WEIGHT),
            Kind::Fraction => "a number from 0 to 1".to_owned(),
            Kind::Share => "a number above 0 and at most 1".to_owned(),
            Kind::PerThousand => format!("a number above 0 and at most {}", super::MAX_PER_1000),
            Kind::Date => "a date YYYY-MM-DD".to_owned(),
            Kind::Places => format!("a whole number of places from 0 to {}", super::limits::MAX_PLACES),
            Kind::Years => format!("a whole number of years from 0 to {}", super::limits::MAX_MIN_YEARS),
        }
    }

    /// True for kinds whose values are numbers (a grid may give them as from/to/step).
    pub fn is_number(self) -> bool {
        matches!(self, Kind::Weight | Kind::Fraction | Kind::Share | Kind::PerThousand | Kind::Places | Kind::Years)
    }
}

/// The scenario settings a parameter writes, so that two axes writing one setting are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Writes {
    One(&'static str),
    Two(&'static str, &'static str),
}

impl Parameter {
    /// Every parameter, in the order the documentation lists them.
    pub const ALL: [Parameter; 18] = [
        Parameter::CountIntentions,
        Parameter::RequireBridging,
        Parameter::CountingDate,
        Parameter::MinLocationPlaces,
        Parameter::MinYears,
        Parameter::Mode,
        Parameter::Eligibility,
        Parameter::Caps,
        Parameter::Method,
        Parameter::Elastic,
        Parameter::AboveTask,
        Parameter::WeightIndicative,
        Parameter::WeightEffort,
        Parameter::WeightFeasibility,
        Parameter::EffortShare,
        Parameter::CoropMaxShare,
        Parameter::MaxPer1000Regular,
        Parameter::MaxPer1000Amv,
    ];

    /// The name written in sweep files and recorded in results.
    pub fn name(self) -> &'static str {
        match self {
            Parameter::CountIntentions => "counting.count_intentions",
            Parameter::RequireBridging => "counting.require_bridging",
            Parameter::CountingDate => "counting.counting_date",
            Parameter::MinLocationPlaces => "counting.min_location_places",
            Parameter::MinYears => "counting.min_years",
            Parameter::Mode => "allocation.mode",
            Parameter::Eligibility => "allocation.eligibility",
            Parameter::Caps => "allocation.caps",
            Parameter::Method => "allocation.method",
            Parameter::Elastic => "allocation.elastic",
            Parameter::AboveTask => "allocation.above_task",
            Parameter::WeightIndicative => "allocation.weights.indicative",
            Parameter::WeightEffort => "allocation.weights.effort",
            Parameter::WeightFeasibility => "allocation.weights.feasibility",
            Parameter::EffortShare => "allocation.weights.effort_share",
            Parameter::CoropMaxShare => "constraints.corop_max_share",
            Parameter::MaxPer1000Regular => "constraints.max_per_1000_regular",
            Parameter::MaxPer1000Amv => "constraints.max_per_1000_amv",
        }
    }

    /// The parameter of a name, `None` if there is none.
    pub fn parse(name: &str) -> Option<Parameter> {
        Parameter::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The kind of value it takes.
    pub fn kind(self) -> Kind {
        match self {
            Parameter::CountIntentions | Parameter::RequireBridging | Parameter::Caps | Parameter::Elastic => {
                Kind::Bool
            }
            Parameter::CountingDate => Kind::Date,
            Parameter::MinLocationPlaces => Kind::Places,
            Parameter::MinYears => Kind::Years,
            Parameter::Mode => Kind::Mode,
            Parameter::Eligibility => Kind::Eligibility,
            Parameter::Method => Kind::Method,
            Parameter::AboveTask => Kind::AboveTask,
            Parameter::WeightIndicative | Parameter::WeightEffort | Parameter::WeightFeasibility => Kind::Weight,
            Parameter::EffortShare => Kind::Fraction,
            Parameter::CoropMaxShare => Kind::Share,
            Parameter::MaxPer1000Regular | Parameter::MaxPer1000Amv => Kind::PerThousand,
        }
    }

    fn writes(self) -> Writes {
        match self {
            Parameter::EffortShare => Writes::Two("allocation.weights.indicative", "allocation.weights.effort"),
            other => Writes::One(other.name()),
        }
    }

    /// True when this parameter and `other` write a common setting (two axes may not).
    pub fn overlaps(self, other: Parameter) -> bool {
        let names = |w: Writes| match w {
            Writes::One(a) => vec![a],
            Writes::Two(a, b) => vec![a, b],
        };
        let mine = names(self.writes());
        names(other.writes()).iter().any(|n| mine.contains(n))
    }

    /// A value for this parameter, `None` if it is not one of its kind.
    pub fn setting(self, value: &Value) -> Option<Setting> {
        let number = |v: &Value| match v {
            Value::Number(x) => Some(*x),
            _ => None,
        };
        let boolean = |v: &Value| match v {
            Value::Bool(b) => Some(*b),
            _ => None,
        };
        let weight = |v: &Value| number(v).filter(|x| x.is_finite() && (0.0..=super::MAX_WEIGHT).contains(x));
        let per_1000 = |v: &Value| number(v).filter(|x| x.is_finite() && *x > 0.0 && *x <= super::MAX_PER_1000);
        // A whole number from 0 to `max` (a grid's from/to/step gives floats).
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "checked whole and in range")]
        let whole = |v: &Value, max: u32| {
            number(v)
                .filter(|x| x.is_finite() && x.fract() == 0.0 && (0.0..=f64::from(max)).contains(x))
                .map(|x| x as u32)
        };
        Some(match self {
            Parameter::CountIntentions => Setting::CountIntentions(boolean(value)?),
            Parameter::RequireBridging => Setting::RequireBridging(boolean(value)?),
            Parameter::CountingDate => match value {
                Value::Date(d) => Setting::CountingDate(*d),
                _ => return None,
            },
            Parameter::MinLocationPlaces => Setting::MinLocationPlaces(whole(value, super::limits::MAX_PLACES)?),
            Parameter::MinYears => Setting::MinYears(whole(value, super::limits::MAX_MIN_YEARS)?),
            Parameter::Mode => match value {
                Value::Word(w) if w == "rest" => Setting::Mode(AllocationMode::Rest),
                Value::Word(w) if w == "level" => Setting::Mode(AllocationMode::Level),
                _ => return None,
            },
            Parameter::Eligibility => match value {
                Value::Word(w) if w == "all" => Setting::Eligibility(Eligibility::All),
                Value::Word(w) if w == "below-indicative" => Setting::Eligibility(Eligibility::BelowIndicative),
                _ => return None,
            },
            Parameter::Method => match value {
                Value::Word(w) if w == "lp" => Setting::Method(Method::Lp),
                Value::Word(w) if w == "auto" => Setting::Method(Method::Auto),
                _ => return None,
            },
            Parameter::AboveTask => match value {
                Value::Word(w) if w == "held" => Setting::AboveTask(AboveTask::Held),
                Value::Word(w) if w == "ignored" => Setting::AboveTask(AboveTask::Ignored),
                Value::Word(w) if w == "effort" => Setting::AboveTask(AboveTask::Effort),
                _ => return None,
            },
            Parameter::Caps => Setting::Caps(boolean(value)?),
            Parameter::Elastic => Setting::Elastic(boolean(value)?),
            Parameter::WeightIndicative => Setting::WeightIndicative(weight(value)?),
            Parameter::WeightEffort => Setting::WeightEffort(weight(value)?),
            Parameter::WeightFeasibility => Setting::WeightFeasibility(weight(value)?),
            Parameter::EffortShare => Setting::EffortShare(number(value).filter(|x| (0.0..=1.0).contains(x))?),
            Parameter::CoropMaxShare => Setting::CoropMaxShare(number(value).filter(|x| *x > 0.0 && *x <= 1.0)?),
            Parameter::MaxPer1000Regular => Setting::MaxPer1000Regular(per_1000(value)?),
            Parameter::MaxPer1000Amv => Setting::MaxPer1000Amv(per_1000(value)?),
        })
    }
}

impl fmt::Display for Parameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A parameter value as written in a sweep file, before it is checked for its parameter.
#[derive(Clone, Debug, PartialEq)]
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

/// A checked value of one parameter: what one grid point sets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Setting {
    /// Intentions count.
    CountIntentions(bool),
    /// Bridging rule.
    RequireBridging(bool),
    /// Counting date.
    CountingDate(Date),
    /// Smallest location that counts.
    MinLocationPlaces(u32),
    /// Years from the counting date a location must be available.
    MinYears(u32),
    /// Allocation mode.
    Mode(AllocationMode),
    /// Eligibility rule.
    Eligibility(Eligibility),
    /// Caps enforced.
    Caps(bool),
    /// Method.
    Method(Method),
    /// Elastic option.
    Elastic(bool),
    /// What places above a municipality's task do.
    AboveTask(AboveTask),
    /// Indicative weight.
    WeightIndicative(f64),
    /// Effort weight.
    WeightEffort(f64),
    /// Feasibility weight.
    WeightFeasibility(f64),
    /// Effort weight v, indicative weight 1 - v.
    EffortShare(f64),
    /// COROP balance share.
    CoropMaxShare(f64),
    /// Maximum regular places per 1,000 inhabitants.
    MaxPer1000Regular(f64),
    /// Maximum AMV places per 1,000 inhabitants.
    MaxPer1000Amv(f64),
}

impl Setting {
    /// Sets it on a scenario.
    pub fn apply(self, scenario: &mut Scenario) {
        let a = &mut scenario.allocation;
        let c = &mut scenario.constraints;
        match self {
            Setting::CountIntentions(b) => scenario.counting.count_intentions = Some(b),
            Setting::RequireBridging(b) => scenario.counting.require_bridging = Some(b),
            Setting::CountingDate(d) => scenario.counting.counting_date = Some(d),
            Setting::MinLocationPlaces(n) => scenario.counting.min_location_places = Some(n),
            Setting::MinYears(n) => scenario.counting.min_years = Some(n),
            Setting::Mode(m) => a.mode = m,
            Setting::Eligibility(e) => a.eligibility = e,
            Setting::Caps(b) => a.caps = b,
            Setting::Method(m) => a.method = m,
            Setting::Elastic(b) => a.elastic = b,
            Setting::AboveTask(t) => a.above_task = t,
            Setting::WeightIndicative(w) => a.weights.indicative = w,
            Setting::WeightEffort(w) => a.weights.effort = w,
            Setting::WeightFeasibility(w) => a.weights.feasibility = w,
            Setting::EffortShare(v) => {
                a.weights.effort = v;
                a.weights.indicative = 1.0 - v;
            }
            Setting::CoropMaxShare(s) => c.corop_max_share = Some(s),
            Setting::MaxPer1000Regular(r) => c.max_per_1000.regular = Some(r),
            Setting::MaxPer1000Amv(r) => c.max_per_1000.amv = Some(r),
        }
    }

    /// The value as recorded in results (`rest`, `0.3`, `2025-07-01`).
    pub fn value(&self) -> String {
        match self {
            Setting::CountIntentions(b) | Setting::RequireBridging(b) | Setting::Caps(b) | Setting::Elastic(b) => {
                b.to_string()
            }
            Setting::CountingDate(d) => d.to_string(),
            Setting::MinLocationPlaces(n) | Setting::MinYears(n) => n.to_string(),
            Setting::Mode(m) => m.as_str().to_owned(),
            Setting::Eligibility(e) => e.as_str().to_owned(),
            Setting::Method(m) => m.as_str().to_owned(),
            Setting::AboveTask(t) => t.as_str().to_owned(),
            Setting::WeightIndicative(x)
            | Setting::WeightEffort(x)
            | Setting::WeightFeasibility(x)
            | Setting::EffortShare(x)
            | Setting::CoropMaxShare(x)
            | Setting::MaxPer1000Regular(x)
            | Setting::MaxPer1000Amv(x) => x.to_string(),
        }
    }
}

/// One axis of the grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The parameter.
    pub parameter: Parameter,
    /// Its values, in order.
    pub values: Vec<Setting>,
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

    /// The stable id of scenario `index`: `name/point`, `name/draw` or `name/point-draw`, each
    /// part zero-padded to the width of its largest value.
    pub fn id(&self, index: u64) -> String {
        let draws = self.random.as_ref().map_or(1, |r| u64::from(r.draws));
        let (point, draw) = (index / draws, index % draws);
        let mut id = format!("{}/", self.name);
        if !self.grid.is_empty() {
            id.push_str(&format!("{point:0w$}", w = width(self.grid_points())));
        }
        if let Some(r) = &self.random {
            if !self.grid.is_empty() {
                id.push('-');
            }
            id.push_str(&format!("{draw:0w$}", w = width(u64::from(r.draws))));
        }
        if self.grid.is_empty() && self.random.is_none() {
            id.push('0');
        }
        id
    }

    /// The scenario at `index` (0 <= index < len): grid point `index / draws`, draw
    /// `index % draws`.
    #[expect(
        clippy::cast_possible_truncation,
        reason = "an index into an axis (below its length) and a draw below the u32 number of draws"
    )]
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
            axis.values[i].apply(&mut scenario);
            params.insert(axis.parameter.name().to_owned(), axis.values[i].value());
        }
        let draw = self.random.as_ref().map(|r| {
            params.insert("draw".to_owned(), draw.to_string());
            params.insert("seed".to_owned(), r.seed.to_string());
            draw as u32
        });
        let id = self.id(index);
        scenario.name = id.clone();
        Job { id, scenario, params, draw }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_names_parse_back_and_typos_do_not() {
        for p in Parameter::ALL {
            assert_eq!(Parameter::parse(p.name()), Some(p));
        }
        assert_eq!(Parameter::parse("allocation.mdoe"), None);
    }

    #[test]
    fn effort_share_overlaps_the_two_weights_it_writes_and_nothing_else() {
        use Parameter::*;
        assert!(EffortShare.overlaps(WeightEffort));
        assert!(WeightIndicative.overlaps(EffortShare));
        assert!(!EffortShare.overlaps(WeightFeasibility));
        assert!(Mode.overlaps(Mode));
        assert!(!Mode.overlaps(Method));
    }
}
