//! One province and commodity before solving: eligibility, keys, caps in force, and the
//! allocation problem (members and family rows) as plain data.

use super::{CapSource, SolveInputs};
use crate::allocate::{corop, per_capita, Block, Member};
use crate::keys::{self, Key, KeyInput, KeySums, Standing};
use crate::model::{AllocationMode, Commodity, Dataset, Scenario};

/// What one province and commodity is solved from.
#[derive(Clone, Copy)]
pub(super) struct BlockContext<'a> {
    pub dataset: &'a Dataset,
    pub scenario: &'a Scenario,
    /// Index of the province.
    pub province: usize,
    /// Indices of its municipalities, in code order.
    pub members: &'a [usize],
    pub commodity: Commodity,
    pub inputs: &'a SolveInputs,
    /// r_m of every municipality of the data set.
    pub relative_effort: &'a [f64],
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
pub(super) struct Prepared {
    pub(super) target: u32,
    pub(super) counted_sum: u64,
    /// Counted places of each member (by position) that count towards its task (MODEL.md
    /// 3.2a: all of them unless the scenario leaves places above the task out).
    pub(super) towards_task: Vec<u32>,
    /// Of `counted_sum`, the places that do not count towards the task.
    pub(super) above_task: u64,
    pub(super) shortfall: u32,
    pub(super) surplus: u64,
    pub(super) standings: Vec<Standing>,
    pub(super) eligible: usize,
    pub(super) key_sums: KeySums,
    pub(super) key_of: Vec<Option<Key>>,
    pub(super) caps: Vec<(Option<u32>, Option<CapSource>)>,
    pub(super) member_of: Vec<usize>,
    pub(super) block: Block,
}

pub(super) fn prepare(ctx: &BlockContext<'_>) -> Prepared {
    let BlockContext { dataset, scenario, province: p, members: ms, commodity: c, inputs, relative_effort } = *ctx;
    let counted = &inputs.counted;
    let province = &dataset.provinces[p];
    let rules = &scenario.allocation;
    let target = province.target.of(c);
    let counted_sum: u64 = ms.iter().map(|&i| u64::from(counted[i].of(c))).sum();
    let towards_task: Vec<u32> = ms
        .iter()
        .map(|&i| rules.above_task.towards_task(counted[i].of(c), dataset.municipalities[i].indicative.of(c)))
        .collect();
    let task_sum: u64 = towards_task.iter().map(|&t| u64::from(t)).sum();
    let above_task = counted_sum - task_sum;
    let shortfall = target.saturating_sub(u32::try_from(task_sum).unwrap_or(u32::MAX));
    let surplus = task_sum.saturating_sub(u64::from(target));

    let standings: Vec<Standing> = ms
        .iter()
        .enumerate()
        .map(|(j, &i)| {
            let m = &dataset.municipalities[i];
            keys::standing(rules.eligibility, m.excluded.as_deref(), towards_task[j], m.indicative.of(c))
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
        .enumerate()
        .map(|(j, &i)| {
            let m = &dataset.municipalities[i];
            let data = rules.caps.then(|| inputs.caps[i].of(c));
            let capita =
                scenario.constraints.max_per_1000.of(c).map(|rho| per_capita::cap(rho, m.population, towards_task[j]));
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
                AllocationMode::Level => (k * f64::from(target), f64::from(towards_task[j])),
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
        towards_task,
        above_task,
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
    let ctx = BlockContext {
        dataset,
        scenario,
        province,
        members: &ms,
        commodity,
        inputs,
        relative_effort: &relative_effort,
    };
    prepare(&ctx).block
}
