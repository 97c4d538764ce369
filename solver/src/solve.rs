//! The whole-country run: counting, eligibility, keys, allocation and rounding for every
//! province and commodity, as plain data.

use crate::allocate::{self, corop, per_capita, Block, Member, MemberOutcome};
use crate::counting::{counted_places, CountingContext};
use crate::keys::{self, Key, KeyInput, KeySums, Standing};
use crate::model::limits::WHOLE_TOLERANCE;
use crate::model::{
    entries, entry, AllocationMode, Commodity, Dataset, Date, Method, MunicipalityCode, PerCommodity, ProvinceCode,
    Scenario,
};
use crate::round::{self, Step};
use serde::Serialize;

/// Whether a province's report closes for a commodity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Counted places reach the target: nothing to allocate.
    Closes,
    /// The shortfall is allocated in full.
    Allocated,
    /// The caps (or constraints) cannot take the whole shortfall: `missing` places remain.
    Infeasible,
}

impl Status {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Closes => "closes",
            Status::Allocated => "allocated",
            Status::Infeasible => "infeasible",
        }
    }
}

/// Where a municipality's cap on additional places comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CapSource {
    /// The feasibility data (`max_additional_*`).
    Feasibility,
    /// The scenario's maximum per 1,000 inhabitants (tighter than the feasibility cap).
    PerThousand,
}

/// The reason for a municipality's result (MODEL.md P9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// Excluded from additional places.
    Excluded,
    /// Not eligible: counted places reach its indicative number.
    Ineligible,
    /// The province's report closes: no additional places for anyone.
    ProvinceCloses,
    /// Eligible, but its key is 0 (only possible with effort/feasibility weights).
    ZeroKey,
    /// At the province's level (theta or lambda), below its cap.
    Interior,
    /// At its cap, below the level.
    Capped,
    /// Its counted places lie above the level (mode level): nothing additional.
    AboveLevel,
    /// Held below the level by the COROP balance constraint.
    Limited,
    /// Infeasible province: its full cap.
    InfeasibleCapped,
}

impl Reason {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Excluded => "excluded",
            Reason::Ineligible => "ineligible",
            Reason::ProvinceCloses => "province-closes",
            Reason::ZeroKey => "zero-key",
            Reason::Interior => "interior",
            Reason::Capped => "capped",
            Reason::AboveLevel => "above-level",
            Reason::Limited => "limited",
            Reason::InfeasibleCapped => "infeasible-capped",
        }
    }
}

/// One province and commodity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BlockResult {
    /// Index in [`Dataset::provinces`].
    #[serde(skip)]
    pub province: usize,
    /// Province code.
    pub code: ProvinceCode,
    /// Commodity.
    pub commodity: Commodity,
    /// Provincial task R_p.
    pub target: u32,
    /// Sum of counted places.
    pub counted: u64,
    /// S_p = max(0, R_p - counted).
    pub shortfall: u32,
    /// Counted places above the target (reported, never moved).
    pub surplus: u64,
    /// Whole places allocated (S_p, or S_p - missing when infeasible).
    pub allocated: u32,
    /// Closes, allocated or infeasible.
    pub status: Status,
    /// Places the caps/constraints could not take (rounded up).
    pub missing: u32,
    /// Of the missing places, those assigned anyway beyond the caps (scenario option
    /// `elastic`); 0 or `missing`.
    pub beyond_cap: u32,
    /// theta (rest) or lambda (level); `None` when nothing was spread at a level.
    pub level: Option<f64>,
    /// Eligible municipalities.
    pub eligible: u32,
    /// Eligible municipalities with a positive key (those that can receive places).
    pub receiving_candidates: u32,
    /// Sums of I, E and F over the eligible municipalities (denominators of the key).
    pub key_sums: KeySums,
    /// Linear programmes solved for this block (0: closed form or nothing to solve).
    pub lp_solves: u32,
}

/// One municipality and commodity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MunicipalityResult {
    /// Index in [`Dataset::municipalities`].
    #[serde(skip)]
    pub municipality: usize,
    /// Code.
    pub code: MunicipalityCode,
    /// Province code.
    pub province: ProvinceCode,
    /// Commodity.
    pub commodity: Commodity,
    /// Indicative number I_m.
    pub indicative: u32,
    /// Counted places C_m.
    pub counted: u32,
    /// Eligibility.
    pub standing: Standing,
    /// Key with components (eligible municipalities only).
    pub key: Option<Key>,
    /// Relative effort r_m.
    pub relative_effort: f64,
    /// Cap on additional places in force (`None`: no cap).
    pub cap: Option<u32>,
    /// Where the cap comes from.
    pub cap_source: Option<CapSource>,
    /// Exact (real-valued) allocation x_m.
    pub exact: f64,
    /// Whole places allocated within the cap.
    pub allocated: u32,
    /// Whole places assigned beyond the cap in an infeasible province (scenario option
    /// `elastic`).
    pub beyond_cap: u32,
    /// Counted places plus allocated places plus places beyond the cap.
    pub obligation: u32,
    /// Why.
    pub reason: Reason,
    /// The rounding step (members of an allocated block only).
    pub rounding: Option<Step>,
}

/// The result of a scenario on a data set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Solution {
    /// Scenario name.
    pub scenario: String,
    /// Counting date used.
    pub counting_date: Date,
    /// Allocation mode.
    pub mode: AllocationMode,
    /// Blocks, by province code then commodity (regular first).
    pub provinces: Vec<BlockResult>,
    /// Municipalities, by code then commodity (regular first).
    pub municipalities: Vec<MunicipalityResult>,
}

impl Solution {
    /// True when some province could not be given its whole shortfall.
    pub fn any_infeasible(&self) -> bool {
        self.provinces.iter().any(|p| p.status == Status::Infeasible)
    }

    /// The result of one municipality and commodity.
    pub fn municipality(&self, code: &MunicipalityCode, commodity: Commodity) -> Option<&MunicipalityResult> {
        self.municipalities.iter().find(|m| &m.code == code && m.commodity == commodity)
    }

    /// The block of a province and commodity.
    pub fn block(&self, province: &ProvinceCode, commodity: Commodity) -> Option<&BlockResult> {
        self.provinces.iter().find(|p| &p.code == province && p.commodity == commodity)
    }
}

/// The allocation LP failed for a block (a bug or numerical breakdown, not an input problem).
#[derive(Debug, thiserror::Error)]
#[error("allocation of {province} {commodity} failed: {source}")]
pub struct SolveError {
    /// Province.
    pub province: ProvinceCode,
    /// Commodity.
    pub commodity: Commodity,
    /// The LP's error.
    #[source]
    pub source: allocate::LpError,
}

/// The per-municipality numbers a solve reads besides the data set's fixed facts: counted
/// places (from the locations and the counting rules) and caps on additional places. A sweep
/// perturbs these without copying the data set.
#[derive(Clone, Debug, PartialEq)]
pub struct SolveInputs {
    /// Counted places C_m per municipality (by index) and commodity.
    pub counted: Vec<PerCommodity<u32>>,
    /// Caps on additional places from the feasibility data, per municipality and commodity.
    pub caps: Vec<PerCommodity<u32>>,
}

impl SolveInputs {
    /// The inputs of a scenario on a data set, unperturbed.
    pub fn new(dataset: &Dataset, scenario: &Scenario) -> Self {
        let ctx = CountingContext::new(dataset, scenario);
        SolveInputs {
            counted: counted_places(dataset, &ctx),
            caps: dataset.municipalities.iter().map(|m| m.cap).collect(),
        }
    }
}

/// Solves a scenario on a data set: every province and commodity.
pub fn solve(dataset: &Dataset, scenario: &Scenario) -> Result<Solution, SolveError> {
    solve_with(dataset, scenario, &SolveInputs::new(dataset, scenario))
}

/// Solves a scenario on a data set with the given counted places and caps.
pub fn solve_with(dataset: &Dataset, scenario: &Scenario, inputs: &SolveInputs) -> Result<Solution, SolveError> {
    let counting_date = scenario.counting.counting_date.unwrap_or(dataset.cycle.counting_date);
    let members = dataset.members_by_province();
    let relative_effort: Vec<f64> = (0..dataset.municipalities.len()).map(|i| dataset.relative_effort(i)).collect();
    let mut provinces = Vec::with_capacity(2 * dataset.provinces.len());
    // One slot per entry: municipalities in code order, regular before AMV.
    let mut slots: Vec<Option<MunicipalityResult>> = vec![None; entries(dataset.municipalities.len())];
    for (p, ms) in members.iter().enumerate() {
        for c in Commodity::ALL {
            let (block, results) = solve_block(dataset, scenario, p, ms, c, inputs, &relative_effort)
                .map_err(|source| SolveError { province: dataset.provinces[p].code, commodity: c, source })?;
            provinces.push(block);
            for r in results {
                let k = entry(r.municipality, r.commodity);
                slots[k] = Some(r);
            }
        }
    }
    let municipalities = slots.into_iter().flatten().collect();
    Ok(Solution {
        scenario: scenario.name.clone(),
        counting_date,
        mode: scenario.allocation.mode,
        provinces,
        municipalities,
    })
}

/// Dense COROP region numbers of a province's municipalities, in order of first appearance.
fn region_numbers(dataset: &Dataset, ms: &[usize]) -> (Vec<usize>, usize) {
    let mut seen: Vec<&crate::model::CoropCode> = Vec::new();
    let numbers = ms
        .iter()
        .map(|&i| {
            let code = &dataset.municipalities[i].corop;
            match seen.iter().position(|c| *c == code) {
                Some(n) => n,
                None => {
                    seen.push(code);
                    seen.len() - 1
                }
            }
        })
        .collect();
    (numbers, seen.len())
}

/// Everything about one province and commodity that is known before solving: the block (the
/// LP's data) and what the results are built from.
struct Prepared {
    target: u32,
    counted_sum: u64,
    shortfall: u32,
    surplus: u64,
    standings: Vec<Standing>,
    eligible: usize,
    key_sums: KeySums,
    key_of: Vec<Option<Key>>,
    caps: Vec<(Option<u32>, Option<CapSource>)>,
    member_of: Vec<usize>,
    block: Block,
}

fn prepare(
    dataset: &Dataset,
    scenario: &Scenario,
    p: usize,
    ms: &[usize],
    c: Commodity,
    inputs: &SolveInputs,
    relative_effort: &[f64],
) -> Prepared {
    let counted = &inputs.counted;
    let province = &dataset.provinces[p];
    let rules = &scenario.allocation;
    let target = province.target.of(c);
    let counted_sum: u64 = ms.iter().map(|&i| u64::from(counted[i].of(c))).sum();
    let shortfall = u64::from(target).saturating_sub(counted_sum) as u32;
    let surplus = counted_sum.saturating_sub(u64::from(target));

    let standings: Vec<Standing> = ms
        .iter()
        .map(|&i| {
            let m = &dataset.municipalities[i];
            keys::standing(rules.eligibility, m.excluded.as_deref(), counted[i].of(c), m.indicative.of(c))
        })
        .collect();
    let eligible: Vec<usize> = (0..ms.len()).filter(|&j| standings[j].is_eligible()).collect();
    let key_inputs: Vec<KeyInput> = eligible
        .iter()
        .map(|&j| {
            let m = &dataset.municipalities[ms[j]];
            KeyInput {
                indicative: f64::from(m.indicative.of(c)),
                relative_effort: relative_effort[ms[j]],
                cap: f64::from(inputs.caps[ms[j]].of(c)),
                score: m.feasibility_score,
            }
        })
        .collect();
    let key_list = keys::keys(&key_inputs, &rules.weights);
    let key_sums = KeySums::of(&key_inputs);
    let mut key_of: Vec<Option<Key>> = vec![None; ms.len()];
    for (&j, k) in eligible.iter().zip(&key_list) {
        key_of[j] = Some(*k);
    }

    // Caps in force.
    let caps: Vec<(Option<u32>, Option<CapSource>)> = ms
        .iter()
        .map(|&i| {
            let m = &dataset.municipalities[i];
            let data = rules.caps.then(|| inputs.caps[i].of(c));
            let capita =
                scenario.constraints.max_per_1000.of(c).map(|rho| per_capita::cap(rho, m.population, counted[i].of(c)));
            match (data, capita) {
                (Some(d), Some(k)) if k < d => (Some(k), Some(CapSource::PerThousand)),
                (Some(d), _) => (Some(d), Some(CapSource::Feasibility)),
                (None, Some(k)) => (Some(k), Some(CapSource::PerThousand)),
                (None, None) => (None, None),
            }
        })
        .collect();

    // Members: eligible with a positive key.
    let (regions, n_regions) = region_numbers(dataset, ms);
    let member_of: Vec<usize> = eligible.iter().copied().filter(|&j| key_of[j].is_some_and(|k| k.key > 0.0)).collect();
    let members: Vec<Member> = member_of
        .iter()
        .map(|&j| {
            let k = key_of[j].map_or(0.0, |k| k.key);
            let (a, b) = match rules.mode {
                AllocationMode::Rest => (k, 0.0),
                AllocationMode::Level => (k * f64::from(target), f64::from(counted[ms[j]].of(c))),
            };
            Member { slope: a, offset: b, cap: caps[j].0.map_or(f64::INFINITY, f64::from), region: regions[j] }
        })
        .collect();
    let rows = match scenario.constraints.corop_max_share {
        Some(share) if shortfall > 0 => {
            let member_regions: Vec<usize> = members.iter().map(|m| m.region).collect();
            corop::rows(&member_regions, n_regions, share, f64::from(shortfall))
        }
        _ => Vec::new(),
    };
    let block = Block { shortfall: f64::from(shortfall), members, rows };
    Prepared {
        target,
        counted_sum,
        shortfall,
        surplus,
        standings,
        eligible: eligible.len(),
        key_sums,
        key_of,
        caps,
        member_of,
        block,
    }
}

/// The allocation problem of one province and commodity, as plain data, before solving (the
/// benchmarks solve it on its own).
pub fn province_block(
    dataset: &Dataset,
    scenario: &Scenario,
    inputs: &SolveInputs,
    province: usize,
    commodity: Commodity,
) -> Block {
    let ms: Vec<usize> =
        (0..dataset.municipalities.len()).filter(|&i| dataset.municipalities[i].province == province).collect();
    let relative_effort: Vec<f64> = (0..dataset.municipalities.len()).map(|i| dataset.relative_effort(i)).collect();
    prepare(dataset, scenario, province, &ms, commodity, inputs, &relative_effort).block
}

fn solve_block(
    dataset: &Dataset,
    scenario: &Scenario,
    p: usize,
    ms: &[usize],
    c: Commodity,
    inputs: &SolveInputs,
    relative_effort: &[f64],
) -> Result<(BlockResult, Vec<MunicipalityResult>), allocate::LpError> {
    let counted = &inputs.counted;
    let province = &dataset.provinces[p];
    let rules = &scenario.allocation;
    let Prepared {
        target,
        counted_sum,
        shortfall,
        surplus,
        standings,
        eligible,
        key_sums,
        key_of,
        caps,
        member_of,
        block,
    } = prepare(dataset, scenario, p, ms, c, inputs, relative_effort);
    let sol = allocate::solve_block(&block, rules.method == Method::Auto)?;

    let infeasible = sol.is_infeasible(block.shortfall);
    let rounded_target =
        if infeasible { (sol.allocatable + WHOLE_TOLERANCE).floor().max(0.0) as u32 } else { shortfall };
    let items: Vec<round::Item<'_>> = member_of
        .iter()
        .zip(&sol.x)
        .map(|(&j, &x)| round::Item {
            exact: x,
            cap: caps[j].0.unwrap_or(u32::MAX),
            key: key_of[j].map_or(0.0, |k| k.key),
            code: dataset.municipalities[ms[j]].code.as_str(),
        })
        .collect();
    let steps = round::largest_remainder(rounded_target, &items);
    let allocated: u32 = steps.iter().map(|s| s.value).sum();
    // Elastic: the places the caps cannot take go to the members anyway, pro rata to the key,
    // beyond their caps (whole places by largest remainder, no caps).
    // Rounding hands out exactly `rounded_target` <= `shortfall` places; saturating keeps a
    // broken invariant from wrapping into a huge number.
    debug_assert!(allocated <= shortfall);
    let missing = shortfall.saturating_sub(allocated);
    let beyond: Vec<u32> = if rules.elastic && missing > 0 && !items.is_empty() {
        let key_sum: f64 = items.iter().map(|it| it.key).sum();
        let extra: Vec<round::Item<'_>> = items
            .iter()
            .map(|it| round::Item { exact: f64::from(missing) * it.key / key_sum, cap: u32::MAX, ..*it })
            .collect();
        round::largest_remainder(missing, &extra).iter().map(|s| s.value).collect()
    } else {
        vec![0; items.len()]
    };
    let beyond_cap: u32 = beyond.iter().sum();
    let status = if shortfall == 0 {
        Status::Closes
    } else if infeasible || allocated < shortfall {
        Status::Infeasible
    } else {
        Status::Allocated
    };

    let mut member_pos = vec![None; ms.len()];
    for (pos, &j) in member_of.iter().enumerate() {
        member_pos[j] = Some(pos);
    }
    let results = ms
        .iter()
        .enumerate()
        .map(|(j, &i)| {
            let m = &dataset.municipalities[i];
            let (exact, step, outcome) = match member_pos[j] {
                Some(pos) => (sol.x[pos], Some(steps[pos]), Some(sol.outcome[pos])),
                None => (0.0, None, None),
            };
            let reason = match (&standings[j], outcome) {
                (Standing::Excluded { .. }, _) => Reason::Excluded,
                (Standing::MetIndicative, _) => Reason::Ineligible,
                _ if shortfall == 0 => Reason::ProvinceCloses,
                (_, None) => Reason::ZeroKey,
                (_, Some(MemberOutcome::Interior)) => Reason::Interior,
                (_, Some(MemberOutcome::Capped)) => Reason::Capped,
                (_, Some(MemberOutcome::AboveLevel)) => Reason::AboveLevel,
                (_, Some(MemberOutcome::Limited)) => Reason::Limited,
                (_, Some(MemberOutcome::InfeasibleCapped)) => Reason::InfeasibleCapped,
            };
            let allocated = step.map_or(0, |s| s.value);
            let beyond_cap = member_pos[j].map_or(0, |pos| beyond[pos]);
            MunicipalityResult {
                municipality: i,
                code: m.code,
                province: province.code,
                commodity: c,
                indicative: m.indicative.of(c),
                counted: counted[i].of(c),
                standing: standings[j].clone(),
                key: key_of[j],
                relative_effort: relative_effort[i],
                cap: caps[j].0,
                cap_source: caps[j].1,
                exact: if shortfall == 0 { 0.0 } else { exact },
                allocated,
                beyond_cap,
                obligation: counted[i].of(c) + allocated + beyond_cap,
                reason,
                rounding: if shortfall == 0 { None } else { step },
            }
        })
        .collect();
    let block_result = BlockResult {
        province: p,
        code: province.code,
        commodity: c,
        target,
        counted: counted_sum,
        shortfall,
        surplus,
        allocated,
        status,
        missing,
        beyond_cap,
        level: if shortfall == 0 { None } else { sol.level },
        eligible: eligible as u32,
        receiving_candidates: member_of.len() as u32,
        key_sums,
        lp_solves: sol.lp_solves,
    };
    Ok((block_result, results))
}
