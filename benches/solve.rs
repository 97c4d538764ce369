//! Criterion benchmarks of the allocation core on nl-2024: loading and validating the data set,
//! and a whole-country solve (24 province-commodity blocks) by the LP and by the closed form.
//!
//! Run: `cargo bench --bench solve`.

#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    reason = "tests, benchmarks and examples: a panic is the failure, with its message; numbers are small"
)]

use criterion::{criterion_group, criterion_main, Criterion};
use spreiding_solver::io;
use spreiding_solver::model::Method;
use spreiding_solver::solve::solve;
use std::hint::black_box;
use std::path::PathBuf;

fn scenario_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/2024-2026").join(format!("{name}.toml"))
}

fn benches(c: &mut Criterion) {
    let path = scenario_path("rest-indicative");
    c.bench_function("load-and-validate/nl-2024", |b| b.iter(|| io::load(black_box(&path)).unwrap()));
    for name in ["rest-indicative", "level", "corop-balance"] {
        let (mut scenario, dataset) = io::load(&scenario_path(name)).unwrap();
        scenario.allocation.method = Method::Lp;
        c.bench_function(&format!("country/lp/{name}"), |b| b.iter(|| solve(black_box(&dataset), &scenario).unwrap()));
        scenario.allocation.method = Method::Auto;
        c.bench_function(&format!("country/auto/{name}"), |b| {
            b.iter(|| solve(black_box(&dataset), &scenario).unwrap())
        });
    }
}

criterion_group!(group, benches);
criterion_main!(group);
