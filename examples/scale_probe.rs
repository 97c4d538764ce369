use spreiding_solver::model::{Method, Scenario};
use spreiding_solver::solve::solve;
use spreiding_solver::synthetic::country;
use std::time::Instant;
fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/2024-2026/rest-indicative.toml");
    let base: Scenario = spreiding_solver::io::load_scenario(&path).unwrap();
    for scale in [1u32, 10, 100] {
        let t = Instant::now();
        let d = country(scale, 1);
        let gen = t.elapsed();
        for method in [Method::Auto, Method::Lp] {
            let mut s = base.clone();
            s.allocation.method = method;
            let t = Instant::now();
            let sol = solve(&d, &s).unwrap();
            let lp: u32 = sol.provinces.iter().map(|b| b.lp_solves).sum();
            println!("{scale}x gen {:?} {method:?} {:?} lp_solves {lp}", gen, t.elapsed());
        }
    }
}
