//! Minimum obligation sizes and whole-location steps: the whole-place allocation of one block
//! when every municipality must receive either nothing or at least a minimum number of
//! places, in multiples of a step (docs/MODEL.md, "Minimum sizes").
//!
//! # The allocation chosen
//!
//! Given the block's exact (continuous leximin) allocation x, its whole total T, the minimum M
//! and the step q (1: any whole number), the allowed values of a member with cap U are
//!
//! ```text
//!   0,  or  v in [max(M, 1), min(U, T)] with v a multiple of q,
//! ```
//!
//! except that, when T is not a multiple of q, exactly one member (the *carrier*) takes a value
//! v = T (mod q) instead (at least max(M, 1) and at most its cap): at most one municipality
//! per province receives a number that is not a whole number of steps. Among the allocations
//! with these values that add up to T, the one chosen is the one that
//!
//! 1. minimises the total absolute deviation sum_m |y_m - x_m| from the exact allocation;
//! 2. then makes the deviations as even as possible: the largest as small as possible, then
//!    the second largest, and so on (the deviations sorted from the largest down, compared
//!    lexicographically: the lexicographic minimax, the counterpart of the leximin that gives
//!    x);
//! 3. then gives the most to the first member in *priority order* (larger key first, then the
//!    lower code, as the rounding's tie-break), then to the second, and so on.
//!
//! Deviations are compared exactly, in integers of 1e-9 place, with x read as the rounding
//! reads it (a value within 1e-6 of a whole number is that number, then no more than the cap).
//! The third rule makes the answer unique. With M <= 1 and q = 1 the chosen allocation is the
//! largest-remainder rounding ([`crate::round`]): the rounding is the whole allocation with the
//! smallest total deviation, and its tie-break is rule 3.
//!
//! When no allowed allocation adds up to T (T below the minimum, caps below it, or steps that
//! cannot make T), the largest total below T that can be made is allocated the same way, and
//! the caller reports the rest as missing (or falls back to the rounding, as the scenario asks).
//!
//! # The exact combinatorial method
//!
//! *Lemma (receivers are a prefix).* Order the members that can receive places by x
//! descending, ties in priority order. Let y be the chosen allocation, a a member that receives
//! nothing and b a later member that receives y_b <= U_a. Giving a the value y_b and b nothing
//! is allowed (the same value, within a's cap, the carrier role moving along) and does not make
//! the allocation worse: with x_a >= x_b, by the triangle inequality
//! |y_b - x_a| + x_b <= |y_b - x_b| + x_a (rule 1). When x_a > x_b it is strictly better in
//! rule 1 or rule 2: if y_b >= x_a the total falls by 2 (x_a - x_b); otherwise the total is
//! the same or lower and the pair's deviations {x_a, |y_b - x_b|} become
//! {|y_b - x_a|, x_b}, both below x_a, the larger of the old pair (the other members' are
//! unchanged, so the sorted deviations fall). When x_a = x_b the deviations are the same
//! and rule 3 prefers a (it comes first). So in the chosen allocation every receiver after a non-receiver a receives more
//! than U_a. Every y_b - x_b is at most half of (total deviation + T - sum x) (increases and
//! decreases balance), so a bound B_b on y_b follows from any allowed allocation's deviation.
//! When every member's cap is at least the B_b of every later member, no such pair exists and
//! the receivers are a prefix of the order: trying the prefixes of every length (and, with a
//! remainder, every carrier in it) finds the chosen allocation.
//!
//! *Inside a prefix* each receiver's deviation is convex over its allowed values, so the
//! smallest total deviation takes, from everyone's lowest value, the (T - sum of lowest) / q
//! cheapest steps (steps towards x first, then the step across x, then steps away from it).
//! The allocations with that total deviation differ only in how the steps of the last price
//! tier are divided. Rule 2 divides them by water-filling: steps away from x go to the
//! smallest deviations first, steps towards x to the largest first (the level is found by
//! bisection), and the steps across x at one price all leave the same deviations. The steps
//! that can go to several members at the level go in priority order (rule 3).
//!
//! When the caps leave the lemma unproven, the mixed-integer programme ([`mip`]) decides: one
//! binary "receives" variable per member, an integer number of steps bounded by the member's
//! cap (the big-M is the cap itself), one binary carrier variable per member when T is not a
//! multiple of q, and the three rules as three stages (total deviation, largest deviation, then
//! the members' values one by one in priority order). `allocation.method = "lp"` uses the MIP
//! for every block. The tests compare both methods with each other and with an enumeration.

use super::LpError;
use crate::model::limits::WHOLE_TOLERANCE;
use crate::round::Item;
use serde::Serialize;

/// Resolution of the deviations: 1e-9 place (as the rounding's fraction comparisons).
const RES: i128 = 1_000_000_000;

pub use crate::model::MinimumRule;

/// How the allocation was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum MinimumPath {
    /// The exact combinatorial method (receivers a prefix, proven for the block).
    Combinatorial,
    /// The mixed-integer programme with HiGHS.
    Mip,
}

impl MinimumPath {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            MinimumPath::Combinatorial => "combinatorial",
            MinimumPath::Mip => "mip",
        }
    }
}

/// The whole-place allocation of a block under a minimum and step.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MinimumAllocation {
    /// Places per member, in the order of the items.
    pub values: Vec<u32>,
    /// Their sum: the target, or the largest total below it that the rule allows.
    pub total: u32,
    /// Total absolute deviation from the exact allocation, in places.
    pub deviation: f64,
    /// Largest absolute deviation, in places.
    pub max_deviation: f64,
    /// The member whose value is not a multiple of the step (when the total is not).
    pub carrier: Option<usize>,
    /// How it was found.
    pub path: MinimumPath,
    /// False when the MIP stopped at its time limit: the best allocation it found, not proven
    /// to be the closest.
    pub optimal: bool,
}

/// The exact allocation read as the rounding reads it, in 1e-9 place.
fn quantised(it: &Item<'_>) -> i128 {
    let mut v = it.exact.max(0.0);
    if (v - v.round()).abs() < WHOLE_TOLERANCE {
        v = v.round();
    }
    let v = v.min(f64::from(it.cap));
    let floor = v.floor();
    #[expect(clippy::cast_possible_truncation, reason = "a value at most a u32 cap, and a fraction times 1e9")]
    let q = floor as i128 * RES + ((v - floor) * 1e9).round() as i128;
    q
}

/// The members' data as the method reads it.
struct Problem {
    x: Vec<i128>,
    cap: Vec<u64>,
    /// Member indices in priority order.
    by_priority: Vec<usize>,
    rule: MinimumRule,
    x_sum: i128,
}

impl Problem {
    fn new(rule: MinimumRule, items: &[Item<'_>]) -> Self {
        let x: Vec<i128> = items.iter().map(quantised).collect();
        // Priority as the rounding's tie-break: the larger key (at 1e-12), then the lower code.
        let keys: Vec<i64> = items.iter().map(|it| crate::round::key_order(it.key)).collect();
        let mut by_priority: Vec<usize> = (0..items.len()).collect();
        by_priority.sort_by(|&i, &j| keys[j].cmp(&keys[i]).then_with(|| items[i].code.cmp(items[j].code)));
        let x_sum = x.iter().sum();
        Problem { cap: items.iter().map(|it| u64::from(it.cap)).collect(), x, by_priority, rule, x_sum }
    }

    fn n(&self) -> usize {
        self.x.len()
    }
}

/// A member's allowed values in one role: base, base + q, ..., base + steps q.
#[derive(Clone, Copy, Debug)]
struct Lattice {
    base: u64,
    steps: u64,
}

fn lattice(base: u64, cap: u64, total: u64, q: u64) -> Option<Lattice> {
    let top = cap.min(total);
    (base <= top).then(|| Lattice { base, steps: (top - base) / q })
}

fn dev(v: u64, x: i128) -> i128 {
    (i128::from(v) * RES - x).abs()
}

/// A receiver's steps by price: `toward` steps at -q (towards x), at most one step across x
/// at `across` (between -q and q), then steps at +q (away from x).
#[derive(Clone, Copy, Debug)]
struct Profile {
    toward: u64,
    across: Option<i128>,
    base_dev: i128,
}

fn profile(x: i128, l: Lattice, q: u64) -> Profile {
    let b = i128::from(l.base) * RES;
    let qr = i128::from(q) * RES;
    let toward = if x >= b + qr { u64::try_from((x - b) / qr).unwrap_or(u64::MAX).min(l.steps) } else { 0 };
    let v = b + i128::from(toward) * qr;
    let across = (toward < l.steps && v < x).then(|| 2 * v + qr - 2 * x);
    Profile { toward, across, base_dev: (b - x).abs() }
}

/// One receiving set with its roles: (member, lattice) pairs.
type Receivers = Vec<(usize, Lattice)>;

/// The total deviation of the best allocation of a receiving set (rule 1 only), or `None`
/// when its values cannot make the total.
fn cheapest(p: &Problem, receivers: &Receivers, total: u64) -> Option<i128> {
    let q = p.rule.q();
    let qr = i128::from(q) * RES;
    let base_sum: u64 = receivers.iter().map(|(_, l)| l.base).sum();
    let step_sum: u64 = receivers.iter().map(|(_, l)| l.steps).sum();
    if base_sum > total || !(total - base_sum).is_multiple_of(q) || (total - base_sum) / q > step_sum {
        return None;
    }
    let steps = (total - base_sum) / q;
    let mut cost: i128 = p.x_sum;
    let mut toward = 0u64;
    let mut across: Vec<i128> = Vec::new();
    for &(m, l) in receivers {
        let pr = profile(p.x[m], l, q);
        cost += pr.base_dev - p.x[m];
        toward += pr.toward;
        across.extend(pr.across);
    }
    if steps <= toward {
        return Some(cost - i128::from(steps) * qr);
    }
    cost -= i128::from(toward) * qr;
    let rest = steps - toward;
    across.sort_unstable();
    let taken = usize::try_from(rest).unwrap_or(usize::MAX).min(across.len());
    cost += across[..taken].iter().sum::<i128>();
    cost += i128::from(rest - taken as u64) * qr;
    Some(cost)
}

/// A complete allocation with its rule 1 and rule 2 values.
#[derive(Clone, Debug)]
struct Allocation {
    total_dev: i128,
    /// The deviations from the largest down (rule 2 compares them lexicographically).
    sorted_devs: Vec<i128>,
    y: Vec<u64>,
}

impl Allocation {
    fn new(p: &Problem, y: Vec<u64>) -> Self {
        let mut devs: Vec<i128> = y.iter().zip(&p.x).map(|(&v, &x)| dev(v, x)).collect();
        let total_dev = devs.iter().sum();
        devs.sort_unstable_by(|a, b| b.cmp(a));
        Allocation { total_dev, sorted_devs: devs, y }
    }
}

/// True when `a` is preferred to `b` (rules 1, 2, 3).
fn better(p: &Problem, a: &Allocation, b: &Allocation) -> bool {
    a.total_dev
        .cmp(&b.total_dev)
        .then_with(|| a.sorted_devs.cmp(&b.sorted_devs))
        // Rule 3: more to the earlier member in priority order is better.
        .then_with(|| p.by_priority.iter().map(|&m| b.y[m]).cmp(p.by_priority.iter().map(|&m| a.y[m])))
        == std::cmp::Ordering::Less
}

fn div_floor(a: i128, b: i128) -> i128 {
    a.div_euclid(b)
}

fn div_ceil(a: i128, b: i128) -> i128 {
    -(-a).div_euclid(b)
}

/// Which price tier the last steps of a receiving set are taken from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tier {
    /// Steps towards x: deviations shrink.
    Toward,
    /// Steps across x at one price: every member of the tier has the same deviation before
    /// and after its step.
    Across,
    /// Steps away from x: deviations grow.
    Away,
}

/// Smallest `l` in `lo..=hi` for which `ok(l)` holds, `ok` monotone and true at `hi`.
fn least(mut lo: i128, mut hi: i128, ok: impl Fn(i128) -> bool) -> i128 {
    if ok(lo) {
        return lo;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if ok(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// The chosen allocation of a receiving set (rules 1 to 3), given that its values can make the
/// total.
fn best_of(p: &Problem, receivers: &Receivers, total: u64) -> Allocation {
    let q = p.rule.q();
    let qr = i128::from(q) * RES;
    let base_sum: u64 = receivers.iter().map(|(_, l)| l.base).sum();
    let mut steps = (total - base_sum) / q;
    let mut y = vec![0u64; p.n()];
    let profiles: Vec<(usize, Lattice, Profile)> =
        receivers.iter().map(|&(m, l)| (m, l, profile(p.x[m], l, q))).collect();
    for &(m, l, _) in &profiles {
        y[m] = l.base;
    }
    // Rule 1: every step cheaper than the last tier's price, then `steps` of the tier's.
    let toward: u64 = profiles.iter().map(|(_, _, pr)| pr.toward).sum();
    let (kind, tier): (Tier, Vec<(usize, u64)>) = if steps <= toward {
        (Tier::Toward, profiles.iter().filter(|(_, _, pr)| pr.toward > 0).map(|&(m, _, pr)| (m, pr.toward)).collect())
    } else {
        for &(m, _, pr) in &profiles {
            y[m] += pr.toward * q;
        }
        steps -= toward;
        let mut prices: Vec<i128> = profiles.iter().filter_map(|(_, _, pr)| pr.across).collect();
        prices.sort_unstable();
        if steps <= prices.len() as u64 {
            let price = prices[usize::try_from(steps).unwrap_or(usize::MAX) - 1];
            let mut tier = Vec::new();
            for &(m, _, pr) in &profiles {
                match pr.across {
                    Some(d) if d < price => {
                        y[m] += q;
                        steps -= 1;
                    }
                    Some(d) if d == price => tier.push((m, 1)),
                    _ => {}
                }
            }
            (Tier::Across, tier)
        } else {
            for &(m, _, pr) in &profiles {
                if pr.across.is_some() {
                    y[m] += q;
                }
            }
            steps -= prices.len() as u64;
            let tier =
                profiles.iter().map(|&(m, l, _)| (m, l.steps - (y[m] - l.base) / q)).filter(|&(_, c)| c > 0).collect();
            (Tier::Away, tier)
        }
    };
    if steps > 0 {
        // Rule 2 (the deviations as even as the tier allows), then rule 3 (priority order).
        let devs: Vec<i128> = tier.iter().map(|&(m, _)| dev(y[m], p.x[m])).collect();
        let c = |i: usize| i128::from(tier[i].1);
        let wanted = i128::from(steps);
        // Each member's share under bound `l`, and whether one more step lands exactly on it.
        let (mut take, on_bound): (Vec<i128>, Vec<bool>) = match kind {
            Tier::Across => (vec![0; tier.len()], vec![true; tier.len()]),
            Tier::Away => {
                // Deviations grow by q per step: fill from the smallest up to the least bound
                // that takes all the steps.
                let fits = |l: i128, i: usize| div_floor(l - devs[i], qr).clamp(0, c(i));
                let top = (0..tier.len()).map(|i| devs[i] + c(i) * qr).max().unwrap_or(0);
                let l = least(0, top, |l| (0..tier.len()).map(|i| fits(l, i)).sum::<i128>() >= wanted);
                let take: Vec<i128> = (0..tier.len()).map(|i| fits(l - 1, i)).collect();
                let on: Vec<bool> =
                    (0..tier.len()).map(|i| take[i] < c(i) && devs[i] + (take[i] + 1) * qr == l).collect();
                (take, on)
            }
            Tier::Toward => {
                // Deviations shrink by q per step: lower the largest down to the least bound the
                // steps can reach.
                let needs = |l: i128, i: usize| div_ceil(devs[i] - l, qr).clamp(0, c(i));
                let top = devs.iter().copied().max().unwrap_or(0);
                let l = least(0, top, |l| (0..tier.len()).map(|i| needs(l, i)).sum::<i128>() <= wanted);
                let take: Vec<i128> = (0..tier.len()).map(|i| needs(l, i)).collect();
                let on: Vec<bool> = (0..tier.len()).map(|i| take[i] < c(i) && devs[i] - take[i] * qr == l).collect();
                (take, on)
            }
        };
        let mut extra = wanted - take.iter().sum::<i128>();
        let mut pos = vec![usize::MAX; p.n()];
        tier.iter().enumerate().for_each(|(i, &(m, _))| pos[m] = i);
        for &m in &p.by_priority {
            let i = pos[m];
            if extra > 0 && i != usize::MAX && on_bound[i] {
                take[i] += 1;
                extra -= 1;
            }
        }
        debug_assert_eq!(extra, 0);
        for (i, &(m, _)) in tier.iter().enumerate() {
            y[m] += u64::try_from(take[i]).unwrap_or(0) * q;
        }
    }
    Allocation::new(p, y)
}

/// The receiving set made of the members at `positions` of the order, with their roles: every
/// member plain, or (with a remainder) each in turn the carrier; `None` entries dropped.
fn with_roles(p: &Problem, order: &[usize], positions: &[usize], total: u64, out: &mut Vec<Receivers>) {
    let q = p.rule.q();
    let r = total % q;
    let base = p.rule.base();
    if r == 0 {
        let set: Option<Receivers> =
            positions.iter().map(|&i| lattice(base, p.cap[order[i]], total, q).map(|l| (order[i], l))).collect();
        out.extend(set);
        return;
    }
    let carrier_base = p.rule.carrier_base(r);
    for ci in 0..positions.len() {
        let set: Option<Receivers> = positions
            .iter()
            .enumerate()
            .map(|(j, &i)| {
                let b = if j == ci { carrier_base } else { base };
                lattice(b, p.cap[order[i]], total, q).map(|l| (order[i], l))
            })
            .collect();
        out.extend(set);
    }
}

/// The members that can receive places, by x descending, ties in priority order.
fn receiving_order(p: &Problem, total: u64) -> Vec<usize> {
    let q = p.rule.q();
    let r = total % q;
    let least = if r == 0 { p.rule.base() } else { p.rule.base().min(p.rule.carrier_base(r)) };
    let mut rank = vec![0; p.n()];
    p.by_priority.iter().enumerate().for_each(|(i, &m)| rank[m] = i);
    let mut order: Vec<usize> = (0..p.n()).filter(|&m| p.cap[m].min(total) >= least).collect();
    order.sort_by(|&a, &b| p.x[b].cmp(&p.x[a]).then(rank[a].cmp(&rank[b])));
    order
}

/// The best of the candidate receiving sets (`None` when none can make the total).
fn best_among(p: &Problem, candidates: &[Receivers], total: u64) -> Option<Allocation> {
    let costs: Vec<Option<i128>> = candidates.iter().map(|c| cheapest(p, c, total)).collect();
    let least = costs.iter().flatten().min().copied()?;
    let mut best: Option<Allocation> = None;
    for (c, cost) in candidates.iter().zip(&costs) {
        if *cost == Some(least) {
            let a = best_of(p, c, total);
            debug_assert_eq!(a.total_dev, least, "{c:?}");
            if best.as_ref().is_none_or(|b| better(p, &a, b)) {
                best = Some(a);
            }
        }
    }
    best
}

/// A bound on how far any receiver of the chosen allocation lies above its exact value
/// (1e-9 place), from `best` (any allowed allocation).
///
/// Increases and decreases balance, so the total excess D = sum_m (y_m - x_m)^+ is at most
/// `slack` = (deviation of `best` + T - sum x) / 2. Let b have the largest excess e >= q. In the
/// chosen allocation every other receiver c with room for one more step (y_c + q <= U_c) lies
/// at least e - q above its x_c: were c below x_c, moving a step from b to c would lower the
/// total deviation; were it less than e - q above, the move would keep the total and lower the
/// largest deviation of the pair (rule 2). A receiver without room has y_c > U_c - q. So
/// every receiver c other than b adds at least min(e - q, U_c - q - x_c)^+ to D. The members
/// `sure` receive in every chosen allocation (see `surely_receiving`); summing over them less
/// the largest term (b may be one)
/// gives D >= e + sum - max, and the largest e that keeps this at most `slack` bounds the
/// excess. A member at its smallest value (which cannot give a step) is bounded by that value
/// in the caller.
fn excess_bound(p: &Problem, sure: &[usize], best: &Allocation, total: u64) -> i128 {
    let slack = ((best.total_dev + i128::from(total) * RES - p.x_sum) / 2).max(0);
    let qr = i128::from(p.rule.q()) * RES;
    let rooms: Vec<i128> = sure.iter().map(|&m| (i128::from(p.cap[m].min(total)) * RES - qr - p.x[m]).max(0)).collect();
    let least_d = |e: i128| -> i128 {
        let terms = rooms.iter().map(|&r| (e - qr).max(0).min(r));
        let (sum, max) = terms.fold((0i128, 0i128), |(s, m), t| (s + t, m.max(t)));
        e + sum - max
    };
    // The largest e in [0, slack] with least_d(e) <= slack (least_d(e) >= e, increasing).
    if least_d(slack) <= slack {
        return slack.max(qr);
    }
    let (mut lo, mut hi) = (0i128, slack);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if least_d(mid) <= slack {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo.max(qr)
}

/// The members that receive places in every chosen allocation.
///
/// Every allocation deviates at least `forced` in total: a member that cannot receive deviates
/// x_m, one whose x_m lies below the smallest value it can take deviates at least the distance
/// to 0 or to that value. Leaving member m out raises its own part from its forced deviation
/// to x_m; when that lower bound exceeds the deviation of `best`, no chosen allocation leaves
/// it out.
fn surely_receiving(p: &Problem, order: &[usize], best: &Allocation, total: u64) -> Vec<usize> {
    let q = p.rule.q();
    let lowest =
        if total.is_multiple_of(q) { p.rule.base() } else { p.rule.base().min(p.rule.carrier_base(total % q)) };
    let lo = i128::from(lowest) * RES;
    let forced: Vec<i128> = (0..p.n())
        .map(|m| {
            if p.cap[m].min(total) < lowest {
                p.x[m]
            } else if p.x[m] < lo {
                p.x[m].min(lo - p.x[m])
            } else {
                0
            }
        })
        .collect();
    let least: i128 = forced.iter().sum();
    order.iter().copied().filter(|&m| least - forced[m] + p.x[m] > best.total_dev).collect()
}

/// Most members the combinatorial method lets the receivers skip (it tries every subset of
/// them); beyond, the MIP decides.
const MAX_SKIPPABLE: usize = 10;

/// The combinatorial method: the best allocation over the receiving sets the lemma leaves,
/// and whether the lemma proves it the chosen one.
fn combinatorial(p: &Problem, total: u64) -> Option<(Allocation, bool)> {
    let order = receiving_order(p, total);
    let n = order.len();
    // Pass 1: the prefixes.
    let mut candidates = Vec::new();
    for k in 0..=n {
        with_roles(p, &order, &(0..k).collect::<Vec<_>>(), total, &mut candidates);
    }
    let best = best_among(p, &candidates, total)?;
    // The lemma: a member a that receives nothing while a later member b receives has
    // U_a < y_b <= B_b, the bound on b's value (see `excess_bound`).
    let sure = surely_receiving(p, &order, &best, total);
    let excess = excess_bound(p, &sure, &best, total);
    let skippable = skippable(p, &order, &sure, excess, total);
    let count = skippable.iter().filter(|&&s| s).count();
    if count == 0 {
        return Some((best, true));
    }
    if count > MAX_SKIPPABLE {
        return Some((best, false));
    }
    // Pass 2: every prefix less a subset of its skippable members (its last member receives).
    let mut candidates = Vec::new();
    for k in 1..=n {
        let free: Vec<usize> = (0..k - 1).filter(|&i| skippable[i]).collect();
        for mask in 1u32..(1 << free.len()) {
            let positions: Vec<usize> =
                (0..k).filter(|i| free.iter().position(|f| f == i).is_none_or(|j| mask & (1 << j) == 0)).collect();
            with_roles(p, &order, &positions, total, &mut candidates);
        }
    }
    match best_among(p, &candidates, total) {
        Some(a) if better(p, &a, &best) => Some((a, true)),
        _ => Some((best, true)),
    }
}

/// Which members of `order` (by position) a chosen allocation may skip: a member a that
/// receives nothing while a later member b receives has U_a < y_b <= B_b, the bound on b's
/// value from `excess` (see `excess_bound`), unless the second exchange below rules it out.
fn skippable(p: &Problem, order: &[usize], sure: &[usize], excess: i128, total: u64) -> Vec<bool> {
    let n = order.len();
    let q = p.rule.q();
    let least = p.rule.base().max(if total.is_multiple_of(q) { 0 } else { p.rule.carrier_base(total % q) });
    let bounds: Vec<u64> = order
        .iter()
        .map(|&b| {
            let above = u64::try_from(div_floor(p.x[b] + excess, RES)).unwrap_or(u64::MAX);
            p.cap[b].min(total).min(above.max(least))
        })
        .collect();
    // A second exchange rules most of those skips out: a takes t_a (its largest plain value),
    // b gives up everything and the y_b - t_a places (fewer than the largest smallest value,
    // or b could keep them) go to a receiver c with room for them. The total deviation changes
    // by at most 2 (x_b - min(x_a, t_a)) < 0 when x_b < min(x_a, t_a). Such a c surely exists
    // when two members receive in every chosen allocation and keep that room whatever their
    // excess (one of them may be b).
    let largest_base = least;
    let sure_room = sure
        .iter()
        .filter(|&&c| i128::from(p.cap[c].min(total)) * RES - p.x[c] - excess >= i128::from(largest_base) * RES)
        .count();
    let mut skippable = vec![false; n];
    for i in 0..n {
        let a = order[i];
        let plain_top = (p.cap[a].min(total) >= p.rule.base()).then(|| p.cap[a].min(total) / q * q);
        let exchange = |b: usize| match plain_top {
            Some(t) if sure_room >= 2 => p.x[b] < p.x[a].min(i128::from(t) * RES),
            _ => false,
        };
        skippable[i] = (i + 1..n).any(|j| bounds[j] > p.cap[a] && !exchange(order[j]));
    }
    skippable
}

/// The totals at most `total` that allowed values can make (index: total).
fn reachable(p: &Problem, total: u64) -> Vec<bool> {
    let t = usize::try_from(total).unwrap_or(usize::MAX);
    let q = p.rule.q();
    // Adds the values lo, lo + step, ..., hi to every reachable total of `old`.
    let shifted = |old: &[bool], lo: u64, hi: u64, step: u64| -> Vec<bool> {
        let size = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        let (lo, hi, step) = (size(lo), size(hi), size(step));
        let mut pre = vec![0u32; t + 1];
        for s in 0..=t {
            pre[s] = u32::from(old[s]) + if s >= step { pre[s - step] } else { 0 };
        }
        let span = (hi - lo) / step;
        (0..=t)
            .map(|s| {
                if s < lo {
                    return false;
                }
                let top = s - lo;
                let j = span.min(top / step);
                let below = (j + 1) * step;
                pre[top] > if top >= below { pre[top - below] } else { 0 }
            })
            .collect()
    };
    let mut plain = vec![false; t + 1];
    plain[0] = true;
    let mut carried = vec![false; t + 1];
    let base = p.rule.base();
    let floor = p.rule.floor_value();
    for m in 0..p.n() {
        let top = p.cap[m].min(total);
        let with_plain = (top >= base).then(|| shifted(&plain, base, base + (top - base) / q * q, q));
        let with_carried = (q > 1 && top >= base).then(|| shifted(&carried, base, base + (top - base) / q * q, q));
        let into_carried = (q > 1 && top >= floor).then(|| shifted(&plain, floor, top, 1));
        for s in 0..=t {
            carried[s] = carried[s]
                || with_carried.as_ref().is_some_and(|v| v[s])
                || into_carried.as_ref().is_some_and(|v| v[s]);
        }
        if let Some(v) = with_plain {
            for s in 0..=t {
                plain[s] = plain[s] || v[s];
            }
        }
    }
    (0..=t).map(|s| plain[s] || carried[s]).collect()
}

/// Allocates `target` whole places over `items` under `rule` (see the module docs).
/// `mip_only` skips the combinatorial method; `time_limit` bounds each MIP solve (seconds).
pub fn allocate(
    target: u32,
    rule: MinimumRule,
    items: &[Item<'_>],
    mip_only: bool,
    time_limit: f64,
) -> Result<MinimumAllocation, LpError> {
    let p = Problem::new(rule, items);
    let mut total = u64::from(target);
    let mut tried_reachable = false;
    loop {
        if !mip_only {
            if let Some((a, proven)) = combinatorial(&p, total) {
                if proven {
                    return Ok(finish(&p, &a.y, total, MinimumPath::Combinatorial, true));
                }
                let (y, optimal) = mip(&p, total, time_limit)?.ok_or(LpError::NoProgress(0))?;
                return Ok(finish(&p, &y, total, MinimumPath::Mip, optimal));
            }
        }
        if tried_reachable {
            // `total` was found reachable: the MIP finds it (or the lemma's prefixes did not).
            let (y, optimal) = mip(&p, total, time_limit)?.ok_or(LpError::NoProgress(0))?;
            return Ok(finish(&p, &y, total, MinimumPath::Mip, optimal));
        }
        let can = reachable(&p, total);
        let largest = (0..=total).rev().find(|&s| can[usize::try_from(s).unwrap_or(0)]).unwrap_or(0);
        total = largest;
        tried_reachable = true;
        if total == 0 {
            return Ok(finish(
                &p,
                &vec![0; p.n()],
                0,
                if mip_only { MinimumPath::Mip } else { MinimumPath::Combinatorial },
                true,
            ));
        }
    }
}

fn finish(p: &Problem, y: &[u64], total: u64, path: MinimumPath, optimal: bool) -> MinimumAllocation {
    let q = p.rule.q();
    let devs: Vec<i128> = y.iter().zip(&p.x).map(|(&v, &x)| dev(v, x)).collect();
    #[expect(clippy::cast_precision_loss, reason = "deviations in 1e-9 place, reported as places")]
    let places = |d: i128| d as f64 / 1e9;
    MinimumAllocation {
        values: y.iter().map(|&v| u32::try_from(v).unwrap_or(u32::MAX)).collect(),
        total: u32::try_from(total).unwrap_or(u32::MAX),
        deviation: places(devs.iter().sum()),
        max_deviation: places(devs.iter().copied().max().unwrap_or(0)),
        carrier: (!total.is_multiple_of(q)).then(|| y.iter().position(|&v| !v.is_multiple_of(q))).flatten(),
        path,
        optimal,
    }
}

/// The mixed-integer programme (see the module docs): the values and whether every stage
/// was solved to optimality; `None` when the total cannot be made.
fn mip(p: &Problem, total: u64, time_limit: f64) -> Result<Option<(Vec<u64>, bool)>, LpError> {
    super::mip::lexicographic(
        &super::mip::Spec {
            x: p.x.iter().map(|&x| x as f64 / 1e9).collect(),
            cap: p.cap.iter().map(|&c| c.min(total)).collect(),
            by_priority: p.by_priority.clone(),
            base: p.rule.base(),
            carrier_base: (!total.is_multiple_of(p.rule.q())).then(|| p.rule.carrier_base(total % p.rule.q())),
            step: p.rule.q(),
            total,
        },
        time_limit,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(rule: MinimumRule, members: &[(f64, u32)]) -> Problem {
        let codes: Vec<String> = (0..members.len()).map(|i| format!("GM{i:04}")).collect();
        let items: Vec<Item<'_>> =
            members.iter().zip(&codes).map(|(&(exact, cap), code)| Item { exact, cap, key: 0.1, code }).collect();
        Problem::new(rule, &items)
    }

    /// `surely_receiving` worked by hand. Step 2, minimum 3, 21 places: 21 is odd, so the
    /// carrier's smallest value 3 is the lowest value any member can take (plain ones take 4).
    /// Forced deviations (x, cap): (10, 100) 0; (2, 100) min(2, 3 - 2) = 1; (2, 3) 1 (its cap
    /// reaches 3); (0.5, 100) min(0.5, 2.5) = 0.5; (2.5, 100) 0.5; (2, 2) 2 (it cannot receive).
    /// Together 5. Leaving a member out costs at least 5 - forced + x: 15, 6, 6, 5 and 7 for the
    /// five that can receive. With a best allocation deviating 6 only the first and the fifth
    /// surely receive; deviating 5, also the second and third (strictly more than 5).
    #[test]
    fn surely_receiving_are_those_whose_absence_costs_more_than_the_best() {
        let p = problem(
            MinimumRule { min: 3, step: 2 },
            &[(10.0, 100), (2.0, 100), (2.0, 3), (0.5, 100), (2.5, 100), (2.0, 2)],
        );
        let order = [0, 4, 1, 2, 3];
        let six = Allocation::new(&p, vec![15, 2, 2, 1, 3, 2]);
        assert_eq!(six.total_dev, 6 * RES);
        assert_eq!(surely_receiving(&p, &order, &six, 21), vec![0, 4]);
        let five = Allocation::new(&p, vec![14, 2, 2, 1, 3, 2]);
        assert_eq!(five.total_dev, 5 * RES);
        assert_eq!(surely_receiving(&p, &order, &five, 21), vec![0, 4, 1, 2]);
    }

    /// `skippable` worked by hand. Step 2, minimum 3 (plain values from 4), 20 places; members
    /// (x, cap) in receiving order: (9, 100), (8, 100), (3, 4), (3, 100), (2.5, 6); the first
    /// two surely receive, excess bound 3. Bounds on what each can receive: 12, 11, 4 (its
    /// cap), 6 and 5. Both sure members keep room 20 - x - 3 >= 4, so the second exchange
    /// applies: the third (cap 4) may be skipped only for a later member not below
    /// min(x, 4) = 3, the fourth (x 3, bound 6 > 4). Nobody else has a later member that can
    /// exceed its cap.
    #[test]
    fn a_member_is_skippable_for_a_later_one_that_may_exceed_its_cap_and_no_exchange_rules_out() {
        let rule = MinimumRule { min: 3, step: 2 };
        let order = [0, 1, 2, 3, 4];
        let (t, f) = (true, false);
        let tie = problem(rule, &[(9.0, 100), (8.0, 100), (3.0, 4), (3.0, 100), (2.5, 6)]);
        assert_eq!(skippable(&tie, &order, &[0, 1], 3 * RES, 20), vec![f, f, t, f, f]);
        // The fourth at 2.75 (bound 5): below 3, the exchange rules the skip out.
        let below = problem(rule, &[(9.0, 100), (8.0, 100), (3.0, 4), (2.75, 100), (2.5, 6)]);
        assert_eq!(skippable(&below, &order, &[0, 1], 3 * RES, 20), vec![f; 5]);
        // With one sure member the exchange has no receiver to rely on.
        assert_eq!(skippable(&below, &order, &[0], 3 * RES, 20), vec![f, f, t, f, f]);
        // Nor when the second has no room: cap 14, 14 - 8 - 3 = 3 < 4.
        let tight = problem(rule, &[(9.0, 100), (8.0, 14), (3.0, 4), (2.75, 100), (2.5, 6)]);
        assert_eq!(skippable(&tight, &order, &[0, 1], 3 * RES, 20), vec![f, f, t, f, f]);
        // 21 places and no excess: the bounds are the smallest value 4 (plain; the carrier's
        // is 3), not above the third's cap.
        assert_eq!(skippable(&below, &order, &[0], 0, 21), vec![f; 5]);
        // The exchange compares with min(x_a, t_a), t_a the largest plain value under a's cap:
        // cap 7 in steps of 2 gives 6. Members (12, 100), (11, 100), (6.5, 7) and a later one,
        // 40 places, excess 3 (bound 8 or 9 > 7): at 5.5 (below 6) the exchange rules the skip
        // out, at 6.25 (not below 6, though below a's 6.5) it does not.
        let order = [0, 1, 2, 3];
        let under = problem(rule, &[(12.0, 100), (11.0, 100), (6.5, 7), (5.5, 100)]);
        assert_eq!(skippable(&under, &order, &[0, 1], 3 * RES, 40), vec![f; 4]);
        let between = problem(rule, &[(12.0, 100), (11.0, 100), (6.5, 7), (6.25, 100)]);
        assert_eq!(skippable(&between, &order, &[0, 1], 3 * RES, 40), vec![f, f, t, f]);
    }

    /// `excess_bound` against its definition, worked by hand (places; the function works in
    /// 1e-9 place). Step q = 2; exact values 10.5, 7.25 and 3 with caps 20, 9 and 100 (24, the
    /// total, for the last); `best` gives 12, 8 and 4 (deviations 1.5 + 0.75 + 1 = 3.25).
    ///
    /// - slack = (3.25 + 24 - 20.75) / 2 = 3.25;
    /// - rooms U - q - x: 20 - 2 - 10.5 = 7.5, 9 - 2 - 7.25 < 0 so 0, 24 - 2 - 3 = 19;
    /// - least_d(e) = e + sum - max of min((e - 2)^+, room) over the three: for 2 <= e <= 9.5
    ///   the terms are e - 2, 0, e - 2, so least_d(e) = 2e - 2; at the slack 4.5 > 3.25;
    /// - the largest e with 2e - 2 <= 3.25 is 2.625, above q: the bound is 2.625 places.
    ///
    /// Every term of the formula changes this number (the mutation run's survivors in
    /// `excess_bound`: the slack's halving, q in 1e-9, the rooms, the terms and their sum).
    #[test]
    fn the_excess_bound_is_the_largest_excess_its_slack_allows() {
        let p = problem(MinimumRule { min: 0, step: 2 }, &[(10.5, 20), (7.25, 9), (3.0, 100)]);
        let best = Allocation::new(&p, vec![12, 8, 4]);
        assert_eq!(best.total_dev, 3_250_000_000);
        assert_eq!(excess_bound(&p, &[0, 1, 2], &best, 24), 2_625_000_000);
        // No member sure to receive: the whole slack.
        assert_eq!(excess_bound(&p, &[], &best, 24), 3_250_000_000);
        // 21 places as 12, 7 and 2 (deviations 1.5 + 0.25 + 1): the slack (2.75 + 0.25) / 2 =
        // 1.5 lies below one step, and a receiver may always lie a step above: the bound is 2.
        let close = Allocation::new(&p, vec![12, 7, 2]);
        assert_eq!(close.total_dev, 2_750_000_000);
        assert_eq!(excess_bound(&p, &[0, 1, 2], &close, 21), 2_000_000_000);
    }
}
