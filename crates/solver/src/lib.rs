//! # spreiding-solver
//!
//! The domain library of spreiding: it computes how the shortfall of asylum reception places in
//! a province is divided over its municipalities under the Dutch *Spreidingswet*, and explains
//! every number. `docs/MODEL.md` is the contract; in short, per province p and commodity k
//! (regular or AMV, never interchangeable):
//!
//! 1. counted places C_m from the reported locations ([`counting`]);
//! 2. shortfall S_p = max(0, R_p - sum C_m); the report closes when S_p = 0;
//! 3. eligibility and the key, a weighted blend of the indicative, effort and feasibility
//!    shares ([`keys`]);
//! 4. the real-valued allocation x_m: the leximin (lexicographic max-min) solution of an LP,
//!    equal to the water-filling closed forms of modes `rest` and `level` when no further
//!    constraint family is on ([`allocate`], where the formulation is written out);
//! 5. largest-remainder rounding to whole places ([`round`]);
//! 6. the explanation of each number as data, and its Dutch text ([`explain`]).
//!
//! Layers: [`model`] is plain validated data; [`io`] reads and validates files into it;
//! [`mod@solve`] runs a scenario. Nothing in this crate prints or reads the environment; only
//! [`allocate`] names the LP solver.
#![deny(missing_docs)]
// Floats are compared with tolerances; exact comparisons are deliberate where they occur
// (zero tests of sums of non-negative values).
#![deny(clippy::float_cmp)]

pub mod allocate;
pub mod counting;
pub mod explain;
pub mod indicative;
pub mod io;
pub mod keys;
pub mod map;
pub mod model;
pub mod monitor;
pub mod nl;
pub mod objection;
pub mod report;
pub mod round;
pub mod solve;
pub mod sweep;
pub mod synthetic;
pub mod whatif;

pub use solve::{solve, Solution};
