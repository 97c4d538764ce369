//! Sweeps across machines: `run --shard I/N` as separate processes, `merge` into the folder one
//! machine writes, and the parts `merge` refuses.

use crate::common::*;
use std::fs;
use std::path::{Path, PathBuf};

/// A sweep of 450 draws (5 result files) beside a plain scenario: 6 result files in all.
fn inputs(dir: &Path, seed: u64) -> Vec<PathBuf> {
    let sweep = dir.join(format!("sweep-{seed}.toml"));
    fs::write(
        &sweep,
        format!(
            "[sweep]\nname = \"draws\"\nbase = \"{}\"\n[sweep.random]\ndraws = 450\nseed = {seed}\nlocation_places = 0.1\ncaps = 0.1\n",
            scenario_path("rest-indicative").display()
        ),
    )
    .unwrap();
    vec![sweep, scenario_path("level")]
}

fn run_part(inputs: &[PathBuf], out: &Path, part: &str, env: &[(&str, &str)]) {
    let mut cmd = spreiding();
    cmd.arg("run").args(inputs).arg("--out").arg(out).args(["--shard", part, "--jobs", "2"]);
    cmd.env_remove("JOB_COMPLETION_INDEX").env_remove("SLURM_ARRAY_TASK_ID");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.assert().success();
}

fn merge(dirs: &[PathBuf], out: &Path) -> std::process::Output {
    spreiding().arg("merge").args(dirs).arg("--out").arg(out).output().unwrap()
}

#[test]
fn four_parts_merged_equal_the_one_machine_run_and_bad_sets_of_parts_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let files = inputs(t, 7);
    spreiding().arg("run").args(&files).arg("--out").arg(t.join("one")).assert().success();

    // Four processes; the index given as an argument, by Kubernetes and by Slurm.
    let parts: Vec<PathBuf> = (0..4).map(|i| t.join(format!("part-{i}"))).collect();
    run_part(&files, &parts[0], "0/4", &[]);
    run_part(&files, &parts[1], "env/4", &[("JOB_COMPLETION_INDEX", "1")]);
    run_part(&files, &parts[2], "env/4", &[("SLURM_ARRAY_TASK_ID", "2")]);
    run_part(&files, &parts[3], "3/4", &[]);
    // Part k holds result files k, k+4, ...: 6 files, so parts 0 and 1 hold two.
    let names = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(d.join("results"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&parts[0]), ["draws.000.jsonl", "draws.400.jsonl"]);
    assert_eq!(names(&parts[1]), ["draws.100.jsonl", "level.jsonl"]);
    assert_eq!(names(&parts[3]), ["draws.300.jsonl"]);

    // Merged in any order: byte-identical to the one-machine folder.
    let merged = t.join("merged");
    let shuffled = vec![parts[2].clone(), parts[0].clone(), parts[3].clone(), parts[1].clone()];
    let out = merge(&shuffled, &merged);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("451 scenarios in 6 result files"));
    let (a, b) = (tree(&t.join("one")), tree(&merged));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(v == &b[k], "{k} differs");
    }

    // A missing part.
    let out = merge(&parts[..3], &t.join("m1"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("shard 3/4 of this run is missing"), "{err}");
    assert!(!t.join("m1").exists(), "nothing is written when a part is missing");

    // A part given twice.
    let out = merge(&[parts[0].clone(), parts[1].clone(), parts[1].clone(), parts[2].clone()], &t.join("m2"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shard 1/4 is given twice"), "{out:?}");

    // A part of another sweep (another seed: another fingerprint) in place of part 3.
    let other = t.join("other");
    fs::create_dir(&other).unwrap();
    let foreign = t.join("foreign-3");
    run_part(&inputs(&other, 8), &foreign, "3/4", &[]);
    let out = merge(&[parts[0].clone(), parts[1].clone(), parts[2].clone(), foreign.clone()], &t.join("m3"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{} is a shard of another run than {}", foreign.display(), parts[0].display())),
        "{err}"
    );

    // A part of the same run cut into 3 instead of 4.
    let three = t.join("three-1");
    run_part(&files, &three, "1/3", &[]);
    let out = merge(&[parts[0].clone(), three.clone(), parts[2].clone(), parts[3].clone()], &t.join("m6"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is a shard of another run") && err.contains("3 parts"), "{err}");

    // A manifest edited by hand: an index outside its N, another format.
    let manifest = fs::read_to_string(three.join("shard.json")).unwrap();
    fs::write(three.join("shard.json"), manifest.replace("\"shard\": 1,", "\"shard\": 3,")).unwrap();
    let out = merge(std::slice::from_ref(&three), &t.join("m7"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shard 3 of 3 is not a valid part"), "{out:?}");
    fs::write(three.join("shard.json"), manifest.replace("spreiding-shard/2", "spreiding-shard/9")).unwrap();
    let out = merge(std::slice::from_ref(&three), &t.join("m7"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected `spreiding-shard/2`"), "{out:?}");
    assert!(!t.join("m7").exists());

    // A folder that is not a part.
    let out = merge(&[parts[0].clone(), t.join("one")], &t.join("m4"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a part of a sharded run"), "{out:?}");

    // A result file cut short (an interrupted copy) is named: its bytes are not those recorded.
    let cut = parts[3].join("results/draws.300.jsonl");
    let text = fs::read_to_string(&cut).unwrap();
    let keep: Vec<&str> = text.lines().take(40).collect();
    fs::write(&cut, keep.join("\n") + "\n").unwrap();
    let out = merge(&parts, &t.join("m5"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("draws.300.jsonl: its bytes are not those its part wrote") && err.contains("run the part again"),
        "{err}"
    );
    assert!(!t.join("m5").exists());

    // A folder that is not empty is not merged into, and is left alone.
    let busy = t.join("busy");
    fs::create_dir(&busy).unwrap();
    fs::write(busy.join("keep.txt"), "keep").unwrap();
    let out = merge(&shuffled, &busy);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"), "{out:?}");
    assert_eq!(fs::read_to_string(busy.join("keep.txt")).unwrap(), "keep");
}

#[test]
fn a_bad_shard_argument_is_a_usage_error_naming_what_is_valid() {
    let out = spreiding()
        .args(["run", "--shard", "env/4", "--out", "/tmp/never"])
        .arg(scenario_path("level"))
        .env_remove("JOB_COMPLETION_INDEX")
        .env("SLURM_ARRAY_TASK_ID", "4")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SLURM_ARRAY_TASK_ID=4") && err.contains("indices run from 0 to 3"), "{err}");
    let out = spreiding().args(["run", "--shard", "1-4"]).arg(scenario_path("level")).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected I/N"), "{out:?}");
}

/// The shipped Slurm scripts work as Slurm runs them: four array tasks, then the merge step,
/// give the one-machine folder. The Kubernetes Job keeps its completions and its N equal.
#[test]
fn the_deploy_scripts_run_a_sweep_in_parts() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let files = inputs(t, 11);
    let bin = assert_cmd::cargo::cargo_bin("spreiding");
    spreiding().arg("run").arg(&files[0]).arg("--out").arg(t.join("one")).assert().success();
    let results = t.join("res");
    for task in 0..4 {
        let out = std::process::Command::new("bash")
            .arg(root().join("deploy/slurm/sweep.sbatch"))
            .current_dir(t)
            .env("SLURM_SUBMIT_DIR", root())
            .env("SLURM_ARRAY_TASK_ID", task.to_string())
            .env("SLURM_CPUS_PER_TASK", "1")
            .env("SWEEP", &files[0])
            .env("RESULTS", &results)
            .env("SPREIDING", &bin)
            .env_remove("JOB_COMPLETION_INDEX")
            .output()
            .unwrap();
        assert!(out.status.success(), "task {task}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let out = std::process::Command::new("bash")
        .arg(root().join("deploy/slurm/merge.sbatch"))
        .env("SLURM_SUBMIT_DIR", root())
        .env("RESULTS", &results)
        .env("SPREIDING", &bin)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (a, b) = (tree(&t.join("one")), tree(&results.join("merged")));
    assert_eq!(a, b);

    let job = fs::read_to_string(root().join("deploy/kubernetes/sweep-job.yaml")).unwrap();
    let n = |key: &str| -> String {
        job.lines().find_map(|l| l.trim().strip_prefix(key)).map(|v| v.trim().to_owned()).unwrap()
    };
    assert_eq!(n("completions:"), "4");
    assert!(job.contains("--shard env/4") && job.contains("completionMode: Indexed"));
    assert!(job.contains("/results/part-${JOB_COMPLETION_INDEX}"), "the shell, not Kubernetes, expands the index");
}
