//! The scenario engine: sweep expansion, batch runs (determinism across --jobs, failures,
//! resume after a kill), and the comparison metrics on a hand-checked example.

use crate::common::*;
use spreiding_solver::io::{load_sweep, InputError};
use spreiding_solver::model::{AllocationMode, Commodity};
use spreiding_solver::report::compare::{gini, metrics, MetricsContext};
use spreiding_solver::report::results::{
    read_lines, Header, MunicipalityInfo, ProvinceRecord, Record, ScenarioOutcome, FORMAT,
};
use spreiding_solver::solve::Status;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn sweep_file(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    let base = scenario_path("rest-indicative");
    fs::write(&path, format!("[sweep]\nname = \"{name}\"\nbase = \"{}\"\n{body}", base.display())).unwrap();
    path
}

/// All files below a folder with their bytes, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for sub in ["", "results"] {
        for e in fs::read_dir(dir.join(sub)).unwrap().flatten() {
            if e.path().is_file() {
                out.insert(format!("{sub}/{}", e.file_name().to_string_lossy()), fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

#[test]
fn the_weights_sweep_expands_to_a_stable_grid() {
    let sweep = load_sweep(&scenario_path("sweeps/weights")).unwrap();
    assert_eq!(sweep.len(), 22);
    // The first axis (mode) varies slowest.
    let j = sweep.job(3);
    assert_eq!(j.id, "weights/03");
    assert_eq!(j.params["allocation.mode"], "rest");
    assert_eq!(j.params["allocation.weights.effort_share"], "0.3");
    assert!((j.scenario.allocation.weights.effort - 0.3).abs() < 1e-12);
    assert!((j.scenario.allocation.weights.indicative - 0.7).abs() < 1e-12);
    let j = sweep.job(21);
    assert_eq!(j.id, "weights/21");
    assert_eq!(j.scenario.allocation.mode, AllocationMode::Level);
    assert_eq!(j.params["allocation.weights.effort_share"], "1");
    // Stable: index 7 of a second, independent read of the file (and of a copy of the file
    // elsewhere) is the scenario of the grid point worked out here: mode rest (the first 11
    // points), effort share 0.7, indicative weight 0.3.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("weights.toml");
    fs::write(
        &copy,
        fs::read_to_string(scenario_path("sweeps/weights"))
            .unwrap()
            .replace("../rest-indicative.toml", scenario_path("rest-indicative").to_str().unwrap()),
    )
    .unwrap();
    for again in [load_sweep(&scenario_path("sweeps/weights")).unwrap(), load_sweep(&copy).unwrap()] {
        let j = again.job(7);
        assert_eq!(j.id, "weights/07");
        assert_eq!(j.scenario.allocation.mode, AllocationMode::Rest);
        assert_eq!(j.params["allocation.weights.effort_share"], "0.7");
        assert!((j.scenario.allocation.weights.effort - 0.7).abs() < 1e-12);
        assert!((j.scenario.allocation.weights.indicative - 0.3).abs() < 1e-12);
        assert_eq!(j.scenario.allocation, sweep.job(7).scenario.allocation);
    }
}

#[test]
fn grid_times_draws_gives_ids_with_both_parts() {
    let dir = tempfile::tempdir().unwrap();
    let path = sweep_file(
        dir.path(),
        "mix",
        "[[sweep.grid]]\nparameter = \"counting.count_intentions\"\nvalues = [false, true]\n[sweep.random]\ndraws = 12\nseed = 5\ncaps = 0.1\n",
    );
    let sweep = load_sweep(&path).unwrap();
    assert_eq!(sweep.len(), 24);
    let j = sweep.job(13);
    assert_eq!(j.id, "mix/1-01");
    assert_eq!(j.draw, Some(1));
    assert_eq!(j.params["counting.count_intentions"], "true");
    assert_eq!(j.params["seed"], "5");
}

fn refused(path: &Path) -> String {
    match load_sweep(path) {
        Err(InputError::Invalid(p)) => p.to_string(),
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn bad_sweeps_are_refused_with_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[[sweep.grid]]\nparameter = \"allocation.mdoe\"\nvalues = [\"rest\"]\n",
            "bad.toml:5: sweep.grid.parameter: unknown parameter `allocation.mdoe`",
        ),
        (
            "[[sweep.grid]]\nparameter = \"allocation.mode\"\nvalues = []\n",
            "bad.toml:5: sweep.grid.values: the grid of allocation.mode is empty",
        ),
        (
            "[[sweep.grid]]\nparameter = \"allocation.mode\"\nvalues = [\"fair\"]\n",
            "bad.toml:6: sweep.grid.values: \"fair\" is not a valid value of allocation.mode",
        ),
        (
            "[[sweep.grid]]\nparameter = \"allocation.weights.effort\"\nfrom = 1.0\nto = 0.0\nstep = 0.1\n",
            "bad.toml:5: sweep.grid.step: from 1 to 0 by 0.1 is not a range",
        ),
        ("[sweep.random]\ndraws = -5\n", "bad.toml:5: sweep.random.draws: -5 is not a number of draws"),
        ("[sweep.random]\ndraws = 10\ncaps = 1.5\n", "bad.toml:6: sweep.random.caps: 1.5 is not a relative range"),
        ("[sweep.random]\ndraws = 10\nsede = 3\n", "bad.toml:6: sweep.random.sede: unknown field `sede`"),
    ];
    for (body, needle) in cases {
        let path = sweep_file(dir.path(), "bad", body);
        let e = refused(&path);
        assert!(e.contains(needle), "expected `{needle}` in:\n{e}");
    }
}

#[test]
fn a_sweep_above_the_limit_asks_for_max_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    let path = sweep_file(dir.path(), "huge", "[sweep.random]\ndraws = 20000\ncaps = 0.1\n");
    let out = spreiding().arg("run").arg(&path).arg("--out").arg(dir.path().join("out")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("20000 scenarios, more than the limit of 10000") && e.contains("--max-scenarios 20000"), "{e}");
    assert!(!dir.path().join("out").exists(), "nothing is solved before the check");
}

#[test]
fn output_bytes_do_not_depend_on_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let path = sweep_file(
        dir.path(),
        "det",
        "[[sweep.grid]]\nparameter = \"allocation.mode\"\nvalues = [\"rest\", \"level\"]\n[sweep.random]\ndraws = 150\nseed = 11\nlocation_places = 0.1\ncaps = 0.1\n",
    );
    let mut outs = Vec::new();
    for jobs in ["1", "2", "3"] {
        let out = dir.path().join(format!("out{jobs}"));
        spreiding()
            .arg("run")
            .arg(&path)
            .arg(scenario_path("level"))
            .args(["--jobs", jobs, "--out"])
            .arg(&out)
            .assert()
            .success();
        outs.push(snapshot(&out));
    }
    assert_eq!(outs[0].len(), 3 + 1 + 1, "{:?}", outs[0].keys()); // 3 shards, level, summary
    assert_eq!(outs[0], outs[1]);
    assert_eq!(outs[0], outs[2]);
    // The draws really differ from each other.
    let text = String::from_utf8(outs[0]["/summary.csv"].clone()).unwrap();
    let totals: std::collections::BTreeSet<&str> = text.lines().skip(1).map(|l| l.split(',').nth(2).unwrap()).collect();
    assert!(totals.len() > 10, "{totals:?}");
}

#[test]
fn a_failing_scenario_is_reported_and_the_others_are_solved() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    fs::write(&good, format!("extends = \"{}\"\n", scenario_path("rest-indicative").display())).unwrap();
    let bad = dir.path().join("bad.toml");
    fs::write(
        &bad,
        format!("extends = \"{}\"\n[allocation]\nmdoe = \"rest\"\n", scenario_path("rest-indicative").display()),
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let out = spreiding().arg("run").arg(dir.path()).arg("--out").arg(&out_dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("bad.toml:3: allocation.mdoe: unknown field `mdoe`"), "{e}");
    assert!(e.contains("2 scenarios: 1 solved, 0 with an infeasible province, 1 failed"), "{e}");
    // No progress bar when standard error is not a terminal.
    assert!(!e.contains("scenarios ("), "{e}");
    let summary = fs::read_to_string(out_dir.join("summary.csv")).unwrap();
    assert!(summary.contains("\nbad,failed,"), "{summary}");
    assert!(summary.contains("\ngood,ok,19786,"), "{summary}");
}

#[test]
fn an_interrupted_run_resumes_without_losing_or_redoing_work() {
    let dir = tempfile::tempdir().unwrap();
    let path =
        sweep_file(dir.path(), "long", "[sweep.random]\ndraws = 60000\nseed = 3\nlocation_places = 0.1\ncaps = 0.1\n");
    let out = dir.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("spreiding");
    let mut child = std::process::Command::new(&bin)
        .arg("run")
        .arg(&path)
        .args(["--max-scenarios", "60000", "--jobs", "2", "--out"])
        .arg(&out)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some shards are written, then kill it.
    let results = out.join("results");
    let start = Instant::now();
    let count = || {
        fs::read_dir(&results)
            .map_or(0, |d| d.flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".jsonl")).count())
    };
    while count() < 20 && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done: BTreeMap<String, (Vec<u8>, std::time::SystemTime)> = fs::read_dir(&results)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".jsonl"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                (fs::read(e.path()).unwrap(), e.metadata().unwrap().modified().unwrap()),
            )
        })
        .collect();
    assert!(!done.is_empty() && done.len() < 600, "killed after {} of 600 shards", done.len());
    // Every result file present is whole: it parses, with all its records.
    for (name, (bytes, _)) in &done {
        let (_, records) = read_lines(name, std::str::from_utf8(bytes).unwrap()).unwrap();
        assert_eq!(records.len(), 100, "{name}");
    }
    assert!(!out.join("summary.csv").exists());

    spreiding()
        .arg("run")
        .arg(&path)
        .args(["--max-scenarios", "60000", "--resume", "--out"])
        .arg(&out)
        .assert()
        .success();
    for (name, (bytes, modified)) in &done {
        let p = results.join(name);
        assert_eq!(&fs::read(&p).unwrap(), bytes, "{name} changed");
        assert_eq!(&fs::metadata(&p).unwrap().modified().unwrap(), modified, "{name} was written again");
    }
    let resumed = snapshot(&out);
    assert_eq!(resumed.keys().filter(|k| k.ends_with(".jsonl")).count(), 600);
    assert!(
        !resumed.keys().any(|k| k.contains(".tmp")),
        "temporary files left: {:?}",
        resumed.keys().filter(|k| k.contains(".tmp")).collect::<Vec<_>>()
    );

    // The same as a run that was never interrupted.
    let clean = dir.path().join("clean");
    spreiding().arg("run").arg(&path).args(["--max-scenarios", "60000", "--out"]).arg(&clean).assert().success();
    assert_eq!(snapshot(&clean), resumed);
}

fn info(code: &str, province: &str, population: u32, indicative: [u32; 2]) -> MunicipalityInfo {
    MunicipalityInfo { code: code.into(), name: code.into(), province: province.into(), population, indicative }
}

/// Two provinces; P1 has A and B, P2 has C. Numbers chosen to check by hand.
#[test]
fn metrics_on_a_hand_checked_example() {
    let header = Header {
        format: FORMAT.into(),
        fingerprint: String::new(),
        cycle: "test".into(),
        municipalities: vec![
            info("GM0001", "PV20", 10_000, [10, 2]),
            info("GM0002", "PV20", 20_000, [30, 2]),
            info("GM0003", "PV21", 5_000, [5, 0]),
        ],
    };
    let province = |code: &str, commodity, missing| ProvinceRecord {
        code: code.into(),
        commodity,
        target: 0,
        counted: 0,
        shortfall: missing,
        allocated: 0,
        missing,
        beyond_cap: 0,
        status: if missing > 0 { Status::Infeasible } else { Status::Allocated },
    };
    let record = Record {
        id: "x".into(),
        params: BTreeMap::new(),
        outcome: ScenarioOutcome::Infeasible,
        error: None,
        provinces: vec![province("PV20", Commodity::Regular, 0), province("PV21", Commodity::Regular, 3)],
        // Flat: A reg, A amv, B reg, B amv, C reg, C amv.
        counted: vec![10, 0, 10, 2, 0, 0],
        allocated: vec![10, 4, 10, 0, 2, 0],
        beyond_cap: Vec::new(),
        capped: vec![1, 4],
        above_task: Vec::new(),
    };
    let m = metrics(&MetricsContext::new(&header), &record);
    assert_eq!(m.total_allocated, 26);
    assert_eq!(m.missing, 3);
    assert_eq!(m.infeasible_provinces, 1);
    assert_eq!(m.receiving, 3); // A, B and C all receive something
    assert_eq!(m.at_cap, 2); // A (amv) and C (regular)
                             // Obligations: A 20 reg / 4 amv, B 20 / 2, C 2 / 0.
                             // PV20 regular: total 40 over indicative 40: expected A 10, B 30: deviations 10 and 10.
                             // PV20 amv: total 6 over indicative 4: expected 3 and 3: deviations 1 and 1.
                             // PV21 regular: total 2, indicative 5: expected 2: deviation 0. PV21 amv: 0.
    assert!((m.max_deviation - 10.0).abs() < 1e-12);
    assert!((m.mean_deviation - 22.0 / 6.0).abs() < 1e-12);
    // Per 1,000 inhabitants: A 24/10 = 2.4, B 22/20 = 1.1; Gini of (2.4, 1.1) = 1.3 / (2 * 2 * 1.75) = 0.185714...
    assert!((m.gini["PV20"] - 1.3 / 7.0).abs() < 1e-12, "{:?}", m.gini);
    assert!(m.gini["PV21"].abs() < 1e-12);
    assert!((m.mean_gini - 1.3 / 14.0).abs() < 1e-12);
    assert!((gini(&[2.4, 1.1]) - 1.3 / 7.0).abs() < 1e-12);
}

#[test]
fn compare_writes_dutch_spreadsheet_csv_and_bands() {
    let dir = tempfile::tempdir().unwrap();
    let path =
        sweep_file(dir.path(), "band", "[sweep.random]\ndraws = 30\nseed = 1\nlocation_places = 0.1\ncaps = 0.1\n");
    let out = dir.path().join("out");
    spreiding()
        .arg("run")
        .arg(scenario_path("rest-indicative"))
        .arg(scenario_path("level"))
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let csv = spreiding()
        .arg("compare")
        .arg(&out)
        .args(["--baseline", "rest-indicative", "--format", "csv", "--excel"])
        .output()
        .unwrap();
    assert!(csv.status.success());
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(text.starts_with('\u{feff}'), "a byte-order mark for Excel");
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let head: Vec<&str> = lines.next().unwrap().split(';').collect();
    assert_eq!(
        head,
        [
            "code",
            "name",
            "province",
            "commodity",
            "indicative",
            "baseline",
            "band min",
            "band median",
            "band max",
            "level",
            "level diff",
            "rest-indicative"
        ]
    );
    let groningen_amv: Vec<&str> = lines.nth(1).unwrap().split(';').collect();
    assert_eq!(&groningen_amv[..6], ["GM0014", "Groningen", "PV20", "amv", "82", "50"]);
    assert!(groningen_amv[7].contains(','), "decimal comma in the median: {groningen_amv:?}");
    let level: i64 = groningen_amv[9].parse().unwrap();
    assert_eq!(groningen_amv[10].parse::<i64>().unwrap(), level - 50);
    let (lo, hi): (u32, u32) = (groningen_amv[6].parse().unwrap(), groningen_amv[8].parse().unwrap());
    assert!(lo <= 50 && 50 <= hi && lo < hi, "{groningen_amv:?}");

    let metrics_csv = spreiding().arg("compare").arg(&out).args(["--format", "csv", "--metrics"]).output().unwrap();
    let text = String::from_utf8(metrics_csv.stdout).unwrap();
    assert_eq!(text.lines().count(), 1 + 30 + 2);
    let json = spreiding().arg("compare").arg(&out).args(["--format", "json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["municipalities"].as_array().unwrap().len(), 684);
    assert_eq!(v["scenarios"].as_array().unwrap().len(), 32);
}

/// The LP path (COROP balance) inside rayon workers: HiGHS runs single-threaded in every
/// worker, and the bytes do not depend on the number of threads.
#[test]
fn lp_sweeps_are_deterministic_across_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corop.toml");
    fs::write(
        &path,
        format!(
            "[sweep]\nname = \"corop\"\nbase = \"{}\"\n[[sweep.grid]]\nparameter = \"constraints.corop_max_share\"\nvalues = [0.5, 0.7]\n[sweep.random]\ndraws = 20\nseed = 9\ncaps = 0.1\nlocation_places = 0.1\n",
            scenario_path("corop-balance").display()
        ),
    )
    .unwrap();
    let mut outs = Vec::new();
    for jobs in ["1", "2"] {
        let out = dir.path().join(format!("out{jobs}"));
        let status =
            spreiding().arg("run").arg(&path).args(["--jobs", jobs, "--out"]).arg(&out).output().unwrap().status;
        assert!(matches!(status.code(), Some(0 | 1)), "{status:?}");
        outs.push(snapshot(&out));
    }
    assert_eq!(outs[0], outs[1]);
    let summary = String::from_utf8(outs[0]["/summary.csv"].clone()).unwrap();
    assert_eq!(summary.lines().count(), 1 + 40);
}

/// Regression: a sweep whose seed changed between the killed run and `--resume` ended up half
/// old, half new, with exit status 0.
#[test]
fn resume_solves_again_what_another_definition_produced() {
    let dir = tempfile::tempdir().unwrap();
    let body = |seed: u32| format!("[sweep.random]\ndraws = 250\nseed = {seed}\nlocation_places = 0.1\ncaps = 0.1\n");
    let path = sweep_file(dir.path(), "seeded", &body(3));
    let out = dir.path().join("out");
    spreiding().arg("run").arg(&path).arg("--out").arg(&out).assert().success();
    // The definition changes; the result files of the old one are there.
    let path = sweep_file(dir.path(), "seeded", &body(4));
    let o = spreiding().arg("run").arg(&path).args(["--resume", "--out"]).arg(&out).output().unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(e.contains("--resume: 0 result files kept, 3 solved again, of which 3 from another definition"), "{e}");
    let clean = dir.path().join("clean");
    spreiding().arg("run").arg(&path).arg("--out").arg(&clean).assert().success();
    assert_eq!(snapshot(&clean), snapshot(&out));
}

/// Regression: a result file cut at a line boundary was counted as complete.
#[test]
fn resume_solves_again_a_shard_cut_short() {
    let dir = tempfile::tempdir().unwrap();
    let path = sweep_file(dir.path(), "cut", "[sweep.random]\ndraws = 250\nseed = 9\ncaps = 0.1\n");
    let out = dir.path().join("out");
    spreiding().arg("run").arg(&path).arg("--out").arg(&out).assert().success();
    let clean = snapshot(&out);
    let shard = out.join("results/cut.100.jsonl");
    let text = fs::read_to_string(&shard).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    fs::write(&shard, lines[..lines.len() - 7].join("\n") + "\n").unwrap();
    let o = spreiding().arg("run").arg(&path).args(["--resume", "--out"]).arg(&out).output().unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(e.contains("--resume: 2 result files kept, 1 solved again, of which 1 from another"), "{e}");
    assert_eq!(snapshot(&out), clean);
}

#[test]
fn the_fingerprint_depends_on_what_produces_results_and_not_on_where_files_lie() {
    use spreiding_solver::report::results::fingerprint;
    let (scenario, dataset) = spreiding_solver::io::load(&scenario_path("rest-indicative")).unwrap();
    let a = fingerprint(&dataset, &scenario, None);
    assert_eq!(a.len(), 64);
    let mut moved = scenario.clone();
    moved.files = vec!["/elsewhere/rest-indicative.toml".into()];
    moved.dataset = "/elsewhere/data".into();
    assert_eq!(fingerprint(&dataset, &moved, None), a);
    let mut changed = scenario.clone();
    changed.allocation.weights.effort = 0.1;
    assert_ne!(fingerprint(&dataset, &changed, None), a);
    let mut sources = dataset.sources().clone();
    sources.exclusions.text.push(' ');
    let other_data = spreiding_solver::io::parse_dataset(&sources).unwrap();
    assert_ne!(fingerprint(&other_data, &scenario, None), a);
}
