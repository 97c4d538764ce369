//! Every generated scenario passes the checks of a scenario file: a sweep with a bad grid
//! point is refused before anything is solved, naming the point and the problem.

use crate::common::*;
use spreiding_solver::io::load_sweep;
use spreiding_solver::model::Scenario;
use spreiding_solver::sweep::{Parameter, Value};
use std::fs;
use std::path::{Path, PathBuf};

fn sweep_file(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    let base = scenario_path("rest-indicative");
    fs::write(&path, format!("[sweep]\nname = \"{name}\"\nbase = \"{}\"\n{body}", base.display())).unwrap();
    path
}

/// Runs `validate` and `run` on a sweep; both must refuse it with exit 2. Their stderr.
fn refused_by_validate_and_run(path: &Path, out: &Path) -> Vec<String> {
    ["validate", "run"]
        .iter()
        .map(|cmd| {
            let mut c = spreiding();
            c.arg(cmd).arg(path);
            if *cmd == "run" {
                c.arg("--out").arg(out);
            }
            let o = c.output().unwrap();
            let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
            assert_eq!(o.status.code(), Some(2), "{cmd}: {stderr}");
            stderr
        })
        .collect()
}

const RAMP: &str = "[[sweep.grid]]\nparameter = \"allocation.weights.indicative\"\nfrom = 0.0\nto = 1.0\nstep = 0.5\n";

/// Regression: the ramp's first point has all weights 0; it used to be solved as "every
/// province infeasible, 0 allocated" and could become compare's baseline.
#[test]
fn a_grid_point_with_all_weights_zero_is_refused_naming_the_point() {
    let dir = tempfile::tempdir().unwrap();
    let path = sweep_file(dir.path(), "ramp", RAMP);
    let e = load_sweep(&path).unwrap_err().to_string();
    assert!(
        e.contains(
            "ramp.toml:4: allocation.weights: grid point ramp/0 (allocation.weights.indicative=0): all weights are 0"
        ),
        "{e}"
    );
    // The other points are fine and not named.
    assert!(!e.contains("ramp/1"), "{e}");

    for stderr in refused_by_validate_and_run(&path, &dir.path().join("out")) {
        assert!(stderr.contains("grid point ramp/0"), "{stderr}");
    }
    // Nothing of the sweep was solved.
    let results = dir.path().join("out/results");
    let solved = fs::read_dir(&results).map_or(0, |d| d.count());
    let summary = fs::read_to_string(dir.path().join("out/summary.csv")).unwrap_or_default();
    assert!(!summary.contains("ramp/1"), "{summary}");
    assert!(solved <= 1, "only the failure record may be written, found {solved} files");
}

/// Regression: a grid counting date outside the cycle used to be solved.
#[test]
fn a_grid_counting_date_outside_the_cycle_is_refused_by_validate_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = sweep_file(
        dir.path(),
        "dates",
        "[[sweep.grid]]\nparameter = \"counting.counting_date\"\nvalues = [2025-07-01, 2030-01-01]\n",
    );
    for stderr in refused_by_validate_and_run(&path, &dir.path().join("out")) {
        assert!(
            stderr.contains(
                "counting.counting_date: grid point dates/1 (counting.counting_date=2030-01-01): 2030-01-01 lies outside cycle 2024-2026"
            ),
            "{stderr}"
        );
        assert!(!stderr.contains("dates/0 "), "{stderr}");
    }
}

#[test]
fn two_axes_that_set_the_same_weight_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = sweep_file(
        dir.path(),
        "both",
        "[[sweep.grid]]\nparameter = \"allocation.weights.effort\"\nvalues = [0.1]\n\
         [[sweep.grid]]\nparameter = \"allocation.weights.effort_share\"\nvalues = [0.5]\n",
    );
    let e = load_sweep(&path).unwrap_err().to_string();
    assert!(
        e.contains("both.toml:8: sweep.grid.parameter: allocation.weights.effort_share and allocation.weights.effort set the same weight"),
        "{e}"
    );
}

#[test]
fn a_grid_of_too_many_points_is_refused_before_expanding() {
    let dir = tempfile::tempdir().unwrap();
    let axis = |p: &str| format!("[[sweep.grid]]\nparameter = \"{p}\"\nfrom = 0.0\nto = 0.999\nstep = 0.001\n");
    let body = axis("allocation.weights.effort") + &axis("allocation.weights.feasibility");
    let path = sweep_file(dir.path(), "big", &body);
    let e = load_sweep(&path).unwrap_err().to_string();
    assert!(e.contains("the grid has 1000000 points, more than the 100000 a sweep may have"), "{e}");
}

#[test]
fn a_weight_beyond_its_limit_is_refused_in_a_grid() {
    let dir = tempfile::tempdir().unwrap();
    let path =
        sweep_file(dir.path(), "w", "[[sweep.grid]]\nparameter = \"allocation.weights.effort\"\nvalues = [1e308]\n");
    let e = load_sweep(&path).unwrap_err().to_string();
    assert!(
        e.contains("1e308 is not a valid value of allocation.weights.effort; expected a number from 0 to 1000000"),
        "{e}"
    );
}

/// Every parameter, applied to the base scenario with a value other than the base's, changes
/// the scenario, and changes exactly what its name says.
#[test]
fn every_sweep_parameter_changes_the_scenario() {
    let base = spreiding_solver::io::load_scenario(&scenario_path("rest-indicative")).unwrap();
    for p in Parameter::ALL {
        let value = match p {
            Parameter::CountIntentions => Value::Bool(!base.counting.count_intentions.unwrap_or(false)),
            Parameter::RequireBridging => Value::Bool(!base.counting.require_bridging.unwrap_or(true)),
            Parameter::MinLocationPlaces => Value::Number(25.0),
            Parameter::MinYears => Value::Number(3.0),
            Parameter::CountingDate => Value::Date(spreiding_solver::model::Date::from_ymd_opt(2025, 3, 1).unwrap()),
            Parameter::Mode => Value::Word("level".into()),
            Parameter::Eligibility => Value::Word("all".into()),
            Parameter::Caps => Value::Bool(!base.allocation.caps),
            Parameter::Method => Value::Word("lp".into()),
            Parameter::Elastic => Value::Bool(!base.allocation.elastic),
            Parameter::AboveTask => Value::Word("effort".into()),
            Parameter::WeightIndicative => Value::Number(0.25),
            Parameter::WeightEffort | Parameter::WeightFeasibility => Value::Number(0.5),
            Parameter::EffortShare => Value::Number(0.25),
            Parameter::CoropMaxShare => Value::Number(0.4),
            Parameter::MaxPer1000Regular | Parameter::MaxPer1000Amv => Value::Number(7.5),
        };
        let setting = p.setting(&value).unwrap_or_else(|| panic!("{p}: {value} refused"));
        let mut s: Scenario = base.clone();
        setting.apply(&mut s);
        assert_ne!(s, base, "{p} changed nothing");
        let (a, c, k) = (&s.allocation, &s.constraints, &s.counting);
        let expected = match p {
            Parameter::CountIntentions => k.count_intentions == Some(true),
            Parameter::RequireBridging => k.require_bridging == Some(false),
            Parameter::CountingDate => k.counting_date.is_some(),
            Parameter::MinLocationPlaces => k.min_location_places == Some(25),
            Parameter::MinYears => k.min_years == Some(3),
            Parameter::Mode => a.mode == spreiding_solver::model::AllocationMode::Level,
            Parameter::Eligibility => a.eligibility == spreiding_solver::model::Eligibility::All,
            Parameter::Caps => !a.caps,
            Parameter::Method => a.method == spreiding_solver::model::Method::Lp,
            Parameter::Elastic => a.elastic,
            Parameter::AboveTask => a.above_task == spreiding_solver::model::AboveTask::Effort,
            Parameter::WeightIndicative => a.weights.indicative == 0.25,
            Parameter::WeightEffort => a.weights.effort == 0.5,
            Parameter::WeightFeasibility => a.weights.feasibility == 0.5,
            Parameter::EffortShare => a.weights.effort == 0.25 && a.weights.indicative == 0.75,
            Parameter::CoropMaxShare => c.corop_max_share == Some(0.4),
            Parameter::MaxPer1000Regular => c.max_per_1000.regular == Some(7.5),
            Parameter::MaxPer1000Amv => c.max_per_1000.amv == Some(7.5),
        };
        assert!(expected, "{p} did not set what it names");
        // The recorded value reads back as the value given.
        assert_eq!(p.setting(&value).unwrap().value(), value.to_string(), "{p}");
    }
}
