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
use crate::model::{Commodity, Dataset, Scenario};
use crate::report::results::Record;
use crate::solve::{solve_with, Solution, SolveError, SolveInputs};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use crate::model::sweep::{Axis, Job, Kind, Parameter, Perturbation, Setting, Sweep, Value};

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
    pub fn inputs(&self, dataset: &Dataset, scenario: &Scenario, p: &Perturbation, draw: u32) -> SolveInputs {
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
        SolveInputs { counted, caps }
    }
}

/// Solves scenario `index` of a sweep on its (prepared) data set: the record of a batch run.
pub fn solve_job(sweep: &Sweep, dataset: &Dataset, perturber: &Perturber, index: u64) -> Record {
    let (job, solution) = solve_job_solution(sweep, dataset, perturber, index);
    match solution {
        Ok(s) => Record::solved(job.id, job.params, &s),
        Err(e) => Record::failed(job.id, job.params, e.to_string()),
    }
}

/// Solves scenario `index` of a sweep on its (prepared) data set: the job and its whole
/// solution (for result formats that keep more than a [`Record`], such as Parquet's reasons).
pub fn solve_job_solution(
    sweep: &Sweep,
    dataset: &Dataset,
    perturber: &Perturber,
    index: u64,
) -> (Job, Result<Solution, SolveError>) {
    let job = sweep.job(index);
    let inputs = match (&sweep.random, job.draw) {
        (Some(p), Some(d)) => perturber.inputs(dataset, &job.scenario, p, d),
        _ => SolveInputs::new(dataset, &job.scenario),
    };
    let solution = solve_with(dataset, &job.scenario, &inputs);
    (job, solution)
}

#[expect(clippy::cast_possible_truncation, reason = "a u32 times a factor from 0 to 2, rounded; the cast saturates")]
fn scale(n: u32, f: f64) -> u32 {
    (f64::from(n) * f).round().max(0.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stream of draw d with seed s, pinned: the numbers every machine must draw (recorded
    /// once, rand 0.9 and rand_chacha 0.9; a change of either that changed them would change
    /// every sweep's results).
    #[test]
    fn the_streams_of_the_draws_are_pinned() {
        let first = |seed: u64, draw: u64| -> Vec<f64> {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(draw);
            (0..3).map(|_| rng.random::<f64>()).collect()
        };
        assert_eq!(first(2024, 0), PINNED_2024_0);
        assert_eq!(first(2024, 999), PINNED_2024_999);
        assert_ne!(first(2024, 0), first(2025, 0));
    }

    const PINNED_2024_0: [f64; 3] = [0.16701915481868312, 0.9824740763209953, 0.6857166294171289];
    const PINNED_2024_999: [f64; 3] = [0.5928590529052413, 0.941948801464009, 0.17983531463161562];

    #[test]
    fn scaling_rounds_to_whole_places() {
        assert_eq!(scale(100, 1.049), 105);
        assert_eq!(scale(100, 0.9), 90);
        assert_eq!(scale(0, 1.1), 0);
    }
}
