//! The allocation of one block (a province and a commodity): the linear programme and its
//! closed form.
//!
//! # Formulation
//!
//! A block has a shortfall S >= 0 and members m (the eligible municipalities with a positive key),
//! each with a slope a_m > 0, an offset b_m >= 0 and a cap U_m (infinite when caps are off):
//!
//! * mode `rest`:  a_m = key_m,       b_m = 0    (x_m / key_m is the municipality's level)
//! * mode `level`: a_m = key_m * R_p, b_m = C_m  ((C_m + x_m) / (key_m R_p) is its level)
//!
//! The allocation is the lexicographic max-min (leximin) vector of levels
//! (x_m + b_m) / a_m over
//!
//! ```text
//!   sum_m x_m = T,   0 <= x_m <= U_m,   plus the rows of the constraint families switched on,
//! ```
//!
//! where T = S, or, when the constraints cannot take S, the largest total they can take (the
//! block is then *infeasible* and reports the missing places). Without further rows the leximin
//! vector is the water-filling x_m = clamp(t a_m - b_m, 0, U_m) with one level t (theta in rest
//! mode, lambda in level mode) such that the sum is T: MODEL.md 3.6's closed forms.
//!
//! # Solving it as linear programmes (progressive filling)
//!
//! [`solve_lp`] computes the leximin vector with HiGHS by progressive filling: each round solves
//!
//! ```text
//!   max t  s.t.  sum_m x_m = T
//!                x_m - a_m t >= -b_m        for every member not yet fixed
//!                x_m = v_m                  for every member fixed in earlier rounds
//!                0 <= x_m <= U_m, family rows
//! ```
//!
//! and fixes every member whose level row has a non-zero dual. By complementary slackness such a
//! row is tight in *every* optimal solution, so those members cannot rise above t without another
//! falling below it: they are fixed at x_m = clamp(t a_m - b_m, 0, U_m), computed by the same
//! formula for every member (so equal inputs give bit-identical results). The duals of the level
//! rows (weighted by a_m) sum to 1, so every round fixes at least one member. A member whose cap
//! level (U_m + b_m) / a_m is at most t is fixed at its cap in the same round (it cannot rise
//! either). Rounds end when all are fixed, or when the remaining total forces the rest to 0 or
//! to their caps. The result is unique: the LP never returns an arbitrary vertex among equal
//! optima (P4).
//!
//! Two things keep it fast without changing the result:
//!
//! * *Warm start.* The LP is built once per block with good_lp and then kept in HiGHS; a round
//!   changes only column bounds (fixing x_m, and freeing a slack column s_m in the level row
//!   `x_m - a_m t + s_m >= -b_m` so that the fixed member's row no longer binds), and HiGHS
//!   re-solves from the previous basis.
//! * *Lookahead.* Before a round, the closed form of the free members (ignoring family rows) gives
//!   a level tau; members whose cap level lies below tau are fixed at their caps up front. If the
//!   round's t is at least every such cap level, progressive filling would have fixed them there
//!   in earlier rounds, one round per cap level; any whose cap level lies above t (a family row
//!   holds the level down) is released and the round solved again, and if the caps fixed ahead
//!   make the round infeasible, all are released.
//!
//! The tests compare this against the closed form on random blocks without family rows, and
//! against a textbook leximin (one LP per member per round, no shortcuts) on random blocks with
//! COROP rows.

//! # Constraint families beyond MODEL.md
//!
//! * [`corop`] — *COROP balance*: for every COROP region g of a province with two or more
//!   regions, `sum_{m in g} x_m <= s * S`: no region receives more than share s of the province's
//!   shortfall. This couples municipalities, but the regions partition a province: the rows
//!   are disjoint, and [`region_fill`] (water-filling inside each region, then across the
//!   regions' limits) answers them exactly; the LP stays the general path and the reference.
//! * [`per_capita`] — *maximum per 1,000 inhabitants*: C_m + x_m <= rho * population_m / 1000,
//!   i.e. the cap becomes min(U_m, floor(rho * pop / 1000) - C_m). It enters the LP as a column
//!   bound (and so the closed form can answer it too).
//!
//! Rounding to whole places ([`crate::round`]) happens after this module and keeps caps; family
//! rows hold for the exact values and may be exceeded by less than one place per member after
//! rounding.
//!
//! This module is the only place that names good_lp or HiGHS.

mod closed_form;
pub mod corop;
mod lp;
pub mod minimum;
mod mip;
pub mod per_capita;
mod regions;

pub use closed_form::water_fill;
pub use lp::{solve_lp, LpError};
pub use regions::{region_fill, rows_are_disjoint};

use serde::Serialize;

/// One member of a block: an eligible municipality with a positive key.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// Slope a_m of the level: key (rest) or key * target (level).
    pub slope: f64,
    /// Offset b_m of the level: 0 (rest) or the counted places (level).
    pub offset: f64,
    /// Cap on additional places; `f64::INFINITY` when there is none.
    pub cap: f64,
    /// Index of the member's group for the COROP family (0-based, dense within the block).
    pub region: usize,
}

/// A linear row `sum_{m in members} x_m <= upper` of a constraint family.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Members (indices into [`Block::members`]).
    pub members: Vec<usize>,
    /// Right-hand side.
    pub upper: f64,
}

/// The allocation problem of one province and commodity.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// Shortfall S to distribute.
    pub shortfall: f64,
    /// Members in code order.
    pub members: Vec<Member>,
    /// Rows of constraint families that couple members (empty: the closed form is exact).
    pub rows: Vec<Row>,
}

/// Why a member received what it received.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MemberOutcome {
    /// x = t a - b at the block's level, below its cap.
    Interior,
    /// x = U: its cap is below the level the others reached.
    Capped,
    /// x = 0: its counted places already lie above the level (level mode).
    AboveLevel,
    /// Held below the level by a constraint family row (a COROP region at its maximum share).
    Limited,
    /// Block infeasible: every member receives its full cap.
    InfeasibleCapped,
}

/// The exact (real-valued) allocation of a block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BlockSolution {
    /// x_m per member.
    pub x: Vec<f64>,
    /// Why, per member.
    pub outcome: Vec<MemberOutcome>,
    /// The block's level t (theta or lambda); `None` when nothing was distributed at a level
    /// (shortfall 0, or infeasible).
    pub level: Option<f64>,
    /// Total distributed: S, or less when infeasible.
    pub allocatable: f64,
    /// Number of linear programmes solved (0 for the closed form).
    pub lp_solves: u32,
}

impl BlockSolution {
    /// True when the constraints could not take the whole shortfall.
    pub fn is_infeasible(&self, shortfall: f64) -> bool {
        self.allocatable < shortfall - FEAS_TOL * (1.0 + shortfall)
    }
}

/// Relative tolerance for "at the cap", "at the level" decisions.
pub(crate) use crate::model::limits::FEASIBILITY_TOLERANCE as FEAS_TOL;

/// x_m at level t, by the one formula every path uses (bit-identical for equal members).
pub(crate) fn at_level(m: &Member, t: f64) -> f64 {
    (t * m.slope - m.offset).clamp(0.0, m.cap)
}

/// Classifies a member's result given the block's final level.
pub(crate) fn classify(m: &Member, x: f64, level: Option<f64>) -> MemberOutcome {
    let tol = FEAS_TOL * (1.0 + m.offset + x.abs());
    let Some(t) = level else {
        return if x >= m.cap - tol { MemberOutcome::InfeasibleCapped } else { MemberOutcome::AboveLevel };
    };
    let wanted = t * m.slope - m.offset;
    if m.cap.is_finite() && x >= m.cap - tol && wanted > m.cap + tol {
        MemberOutcome::Capped
    } else if x <= tol && wanted <= tol {
        MemberOutcome::AboveLevel
    } else if x < wanted - tol * (1.0 + wanted.abs()) {
        MemberOutcome::Limited
    } else {
        MemberOutcome::Interior
    }
}

/// Outcomes of an infeasible block (the constraints cannot take the shortfall; no common
/// level): a member at its cap is `InfeasibleCapped`, one below it is held there by a full
/// family row (`Limited`). Without family rows every member is at its cap.
pub(crate) fn infeasible_outcomes(block: &Block, x: &[f64]) -> Vec<MemberOutcome> {
    block
        .members
        .iter()
        .zip(x)
        .map(
            |(m, &x)| {
                if x >= m.cap - FEAS_TOL * (1.0 + x) {
                    MemberOutcome::InfeasibleCapped
                } else {
                    MemberOutcome::Limited
                }
            },
        )
        .collect()
}

/// Solves a block: when `closed_form_allowed`, the closed form without coupling rows and the
/// region water-filling with disjoint rows (COROP balance); the LP otherwise.
pub fn solve_block(block: &Block, closed_form_allowed: bool) -> Result<BlockSolution, LpError> {
    if closed_form_allowed && block.rows.is_empty() {
        Ok(water_fill(block))
    } else if closed_form_allowed && rows_are_disjoint(block) {
        Ok(region_fill(block))
    } else {
        solve_lp(block)
    }
}

/// The version of the HiGHS library linked in (e.g. `1.11.0`), for reports of what produced a
/// result.
pub fn highs_version() -> String {
    // SAFETY: the version functions only return constants of the linked library.
    let (major, minor, patch) =
        unsafe { (highs_sys::Highs_versionMajor(), highs_sys::Highs_versionMinor(), highs_sys::Highs_versionPatch()) };
    format!("{major}.{minor}.{patch}")
}
