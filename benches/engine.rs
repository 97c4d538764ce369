//! Criterion benchmarks of the scenario engine: the 1,000-draw sensitivity sweep on nl-2024,
//! solved in process with rayon on 1 and 2 threads (each draw a whole-country solve, its
//! record serialised as `spreiding run` does).
//!
//! Run: `cargo bench --bench engine`.

#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    reason = "tests, benchmarks and examples: a panic is the failure, with its message; numbers are small"
)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rayon::prelude::*;
use spreiding_solver::io;
use spreiding_solver::sweep::{solve_job, Perturber};
use std::hint::black_box;
use std::path::PathBuf;

fn benches(c: &mut Criterion) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/2024-2026/sweeps/sensitivity.toml");
    let sweep = io::load_sweep(&path).unwrap();
    let dataset = io::load_dataset(std::path::Path::new(&sweep.base.dataset)).unwrap();
    let dataset = io::prepare(&sweep.base, &dataset).unwrap();
    let perturber = Perturber::new(&dataset);
    let n = sweep.len();
    let mut group = c.benchmark_group("sensitivity-1000");
    group.sample_size(20);
    group.throughput(Throughput::Elements(n));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        group.bench_function(format!("threads-{threads}"), |b| {
            b.iter(|| {
                pool.install(|| {
                    (0..n)
                        .into_par_iter()
                        .map(|i| serde_json::to_vec(&solve_job(&sweep, &dataset, &perturber, i)).map_or(0, |v| v.len()))
                        .sum::<usize>()
                })
            })
        });
    }
    group.finish();
    c.bench_function("one-draw", |b| b.iter(|| solve_job(&sweep, black_box(&dataset), &perturber, 7)));
}

criterion_group!(group, benches);
criterion_main!(group);
