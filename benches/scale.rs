//! How the cost grows with the size of the country: criterion groups over synthetic countries of
//! 1x, 10x and 100x the 342 municipalities of nl-2024 (`spreiding_solver::synthetic`, seed 1):
//!
//! - `load`: reading and validating the data set files (nl-2024 and the synthetic ones, written
//!   to a temporary folder first);
//! - `block`: one province block (the largest shortfall the caps can take) by the closed form
//!   and by the LP;
//! - `country`: a whole-country solve, `method = "auto"` (closed form) and `"lp"`, on
//!   rest-indicative and on corop-balance (`corop-auto`: the region water-filling);
//! - `batch`: 1, 64 and 1,024 sensitivity draws (perturb, solve, record) in parallel with rayon.
//!
//! Run: `cargo bench --bench scale` (about 10 minutes; the 100x batch of 1,024 dominates), or a
//! part: `cargo bench --bench scale -- country/`.

#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    reason = "tests, benchmarks and examples: a panic is the failure, with its message; numbers are small"
)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rayon::prelude::*;
use spreiding_solver::allocate::{solve_lp, water_fill};
use spreiding_solver::io;
use spreiding_solver::model::{Commodity, Dataset, Method, Scenario};
use spreiding_solver::solve::{province_block, solve, SolveInputs};
use spreiding_solver::sweep::{solve_job, Perturber};
use spreiding_solver::synthetic::country;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

const SCALES: [u32; 3] = [1, 10, 100];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn base_scenario() -> Scenario {
    io::load_scenario(&root().join("scenarios/2024-2026/rest-indicative.toml")).unwrap()
}

/// corop-balance: COROP balance 60% (40 regions in the synthetic countries) and at most 10
/// regular places per 1,000 inhabitants.
fn corop_scenario() -> Scenario {
    io::load_scenario(&root().join("scenarios/2024-2026/corop-balance.toml")).unwrap()
}

fn countries() -> Vec<(u32, Dataset)> {
    SCALES.iter().map(|&s| (s, country(s, 1))).collect()
}

fn load(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    let nl = std::path::PathBuf::from(base_scenario().dataset);
    g.bench_function("nl-2024", |b| b.iter(|| io::load_dataset(black_box(&nl)).unwrap()));
    for (scale, d) in countries() {
        let dir = tempfile::tempdir().unwrap();
        io::write_dataset(&d, dir.path()).unwrap();
        g.throughput(Throughput::Elements(d.municipalities().len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(format!("{scale}x")), dir.path(), |b, p| {
            b.iter(|| io::load_dataset(p).unwrap())
        });
    }
    g.finish();
}

fn block(c: &mut Criterion) {
    let mut g = c.benchmark_group("block");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    let scenario = base_scenario();
    for (scale, d) in countries() {
        let inputs = SolveInputs::new(&d, &scenario);
        let blocks: Vec<_> = (0..d.provinces().len())
            .flat_map(|p| Commodity::ALL.map(|c| province_block(&d, &scenario, &inputs, p, c)))
            .collect();
        // The feasible block with the largest shortfall: the caps can take it, so the LP runs.
        let block = blocks
            .into_iter()
            .filter(|b| b.members.iter().map(|m| m.cap).sum::<f64>() > b.shortfall)
            .max_by(|a, b| a.shortfall.total_cmp(&b.shortfall))
            .expect("a feasible block");
        g.throughput(Throughput::Elements(block.members.len() as u64));
        g.bench_with_input(BenchmarkId::new("closed-form", format!("{scale}x")), &block, |b, k| {
            b.iter(|| water_fill(k))
        });
        g.bench_with_input(BenchmarkId::new("lp", format!("{scale}x")), &block, |b, k| b.iter(|| solve_lp(k).unwrap()));
    }
    g.finish();
}

fn whole_country(c: &mut Criterion) {
    let mut g = c.benchmark_group("country");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    for (scale, d) in countries() {
        g.throughput(Throughput::Elements(d.municipalities().len() as u64));
        for (name, method, corop) in [
            ("auto", Method::Auto, false),
            ("lp", Method::Lp, false),
            ("corop-auto", Method::Auto, true),
            ("corop-lp", Method::Lp, true),
        ] {
            let mut s = if corop { corop_scenario() } else { base_scenario() };
            s.allocation.method = method;
            g.bench_with_input(BenchmarkId::new(name, format!("{scale}x")), &d, |b, d| {
                b.iter(|| solve(d, &s).unwrap())
            });
        }
    }
    g.finish();
}

fn batch(c: &mut Criterion) {
    let mut g = c.benchmark_group("batch");
    g.sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    let mut sweep = io::load_sweep(&root().join("scenarios/2024-2026/sweeps/sensitivity.toml")).unwrap();
    if let Some(r) = &mut sweep.random {
        r.draws = 1024;
    }
    for (scale, d) in countries() {
        let perturber = Perturber::new(&d);
        for n in [1u64, 64, 1024] {
            g.throughput(Throughput::Elements(n));
            g.bench_function(BenchmarkId::new(format!("{n}"), format!("{scale}x")), |b| {
                b.iter(|| {
                    (0..n)
                        .into_par_iter()
                        .map(|i| serde_json::to_vec(&solve_job(&sweep, &d, &perturber, i)).map_or(0, |v| v.len()))
                        .sum::<usize>()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(group, load, block, whole_country, batch);
criterion_main!(group);
