//! `perf-gate`: the performance regression gate run by `.ci/run`.
//!
//! Counts the instructions of a fixed set of workloads of the release binary under valgrind's
//! callgrind (a count, unlike a time, does not move with the machine's load), compares them
//! with the baseline committed in `.ci/perf-baseline.toml`, and fails when a workload needs
//! more than the threshold (10%) above its baseline.
//!
//! The binary measured is the one `cargo test --release` builds (`.ci/run` measures it right
//! after the tests, without a second build). Update the baseline on purpose, after a change
//! that is meant to cost more (or that made things faster), on the CI kind of machine:
//!
//! ```sh
//! cargo test --release --no-run && ./target/release/perf-gate --update
//! git commit .ci/perf-baseline.toml -m "perf baseline: <why>"
//! ```

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// The workloads: a name and the arguments of `spreiding` (`{out}` is a temporary folder).
const WORKLOADS: &[(&str, &[&str])] = &[
    ("solve-closed-form", &["solve", "scenarios/2024-2026/rest-indicative.toml", "--format", "json"]),
    ("solve-level", &["solve", "scenarios/2024-2026/level.toml", "--format", "csv"]),
    ("solve-lp-corop", &["solve", "scenarios/bench/gate-lp.toml", "--format", "json"]),
    ("explain", &["explain", "scenarios/2024-2026/effort.toml", "--municipality", "GM0160"]),
    ("sweep-200", &["run", "scenarios/bench/gate-sweep.toml", "--jobs", "1", "--out", "{out}"]),
    ("sweep-corop-200", &["run", "scenarios/bench/gate-corop-sweep.toml", "--jobs", "1", "--out", "{out}"]),
    (
        "sweep-200-parquet",
        &["run", "scenarios/bench/gate-sweep.toml", "--jobs", "1", "--format", "parquet", "--out", "{out}"],
    ),
    ("solve-xlsx", &["solve", "scenarios/2024-2026/level.toml", "--format", "xlsx", "--output", "{out}.xlsx"]),
];

const DEFAULT_THRESHOLD: f64 = 10.0;

struct Args {
    update: bool,
    threshold: f64,
    baseline: PathBuf,
    binary: PathBuf,
    counts: Option<PathBuf>,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        update: false,
        threshold: DEFAULT_THRESHOLD,
        baseline: PathBuf::from(".ci/perf-baseline.toml"),
        binary: PathBuf::from("target/release/spreiding"),
        counts: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--update" => args.update = true,
            "--threshold" => args.threshold = value()?.parse().context("--threshold takes a percentage")?,
            "--baseline" => args.baseline = PathBuf::from(value()?),
            "--binary" => args.binary = PathBuf::from(value()?),
            "--counts" => args.counts = Some(PathBuf::from(value()?)),
            "-h" | "--help" => {
                println!(
                    "perf-gate [--update] [--threshold PCT] [--baseline FILE] [--binary FILE] [--counts FILE]\n\
                     Counts instructions of the workloads under callgrind and compares them with the baseline.\n\
                     --counts FILE takes the counts from a file (the baseline's format) instead of measuring."
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}; see --help"),
        }
    }
    Ok(args)
}

/// The total instruction count from a callgrind output file (`summary:` or `totals:` line).
fn callgrind_total(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix("summary:").or_else(|| l.strip_prefix("totals:")))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// Reads `name = count` lines (comments and blank lines allowed).
fn read_counts(text: &str) -> Result<BTreeMap<String, u64>> {
    let table: toml::Table = text.parse().context("not a TOML table of workload = instructions")?;
    table
        .into_iter()
        .map(|(k, v)| match v.as_integer() {
            Some(i) if i >= 0 => Ok((k, i as u64)),
            _ => bail!("{k}: expected a whole number of instructions"),
        })
        .collect()
}

fn write_counts(path: &Path, counts: &BTreeMap<String, u64>) -> Result<()> {
    let mut text = String::from(
        "# Instructions per workload of the performance gate (valgrind --tool=callgrind), measured\n\
         # on the CI kind of machine. Update on purpose: see xtask/src/main.rs.\n",
    );
    for (k, v) in counts {
        text.push_str(&format!("{k} = {v}\n"));
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

fn measure(binary: &Path) -> Result<BTreeMap<String, u64>> {
    let tmp = tempfile::tempdir()?;
    let mut out = BTreeMap::new();
    for (name, args) in WORKLOADS {
        let cg = tmp.path().join(format!("{name}.callgrind"));
        let run_out = tmp.path().join(format!("{name}.out"));
        let args: Vec<String> = args.iter().map(|a| a.replace("{out}", &run_out.display().to_string())).collect();
        let status = Command::new("valgrind")
            .arg("--tool=callgrind")
            .arg(format!("--callgrind-out-file={}", cg.display()))
            .arg(binary)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .context("running valgrind (install it: apt-get install -y valgrind)")?;
        if !status.success() {
            bail!("{name}: `spreiding {}` failed under callgrind ({status})", args.join(" "));
        }
        let text = std::fs::read_to_string(&cg).with_context(|| format!("reading {}", cg.display()))?;
        let total = callgrind_total(&text).with_context(|| format!("{name}: no total in the callgrind output"))?;
        out.insert((*name).to_owned(), total);
    }
    Ok(out)
}

/// One workload's verdict.
#[derive(Debug, PartialEq)]
enum Verdict {
    Ok,
    Slower,
    Faster,
    NoBaseline,
}

fn judge(baseline: Option<u64>, now: u64, threshold: f64) -> (Verdict, f64) {
    match baseline {
        None | Some(0) => (Verdict::NoBaseline, 0.0),
        Some(b) => {
            let change = 100.0 * (now as f64 - b as f64) / b as f64;
            let verdict = if change > threshold {
                Verdict::Slower
            } else if change < -threshold {
                Verdict::Faster
            } else {
                Verdict::Ok
            };
            (verdict, change)
        }
    }
}

fn run() -> Result<bool> {
    let args = parse_args()?;
    let now = match &args.counts {
        Some(p) => read_counts(&std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?)?,
        None => measure(&args.binary)?,
    };
    if args.update {
        write_counts(&args.baseline, &now)?;
        println!("perf-gate: baseline written to {}", args.baseline.display());
        return Ok(true);
    }
    let text = std::fs::read_to_string(&args.baseline)
        .with_context(|| format!("reading the baseline {} (create it with --update)", args.baseline.display()))?;
    let baseline = read_counts(&text)?;
    println!("{:<20} {:>16} {:>16} {:>8}  verdict", "workload", "baseline", "now", "change");
    let mut pass = true;
    for (name, &count) in &now {
        let (verdict, change) = judge(baseline.get(name).copied(), count, args.threshold);
        let word = match verdict {
            Verdict::Ok => "ok",
            Verdict::Slower => {
                pass = false;
                "SLOWER: fails the gate"
            }
            Verdict::Faster => "faster: update the baseline to keep the gain",
            Verdict::NoBaseline => {
                pass = false;
                "no baseline: run with --update"
            }
        };
        let base = baseline.get(name).map_or_else(|| "-".to_owned(), |b| b.to_string());
        println!("{name:<20} {base:>16} {count:>16} {change:>+7.1}%  {word}");
    }
    println!("perf-gate: threshold +{}% instructions; {}", args.threshold, if pass { "passed" } else { "FAILED" });
    Ok(pass)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("perf-gate: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_callgrind_total() {
        let text = "events: Ir\nsummary: 123456\nfl=x\n";
        assert_eq!(callgrind_total(text), Some(123_456));
        assert_eq!(callgrind_total("totals: 77\n"), Some(77));
        assert_eq!(callgrind_total("nothing"), None);
    }

    #[test]
    fn judges_against_the_threshold() {
        assert_eq!(judge(Some(1000), 1099, 10.0).0, Verdict::Ok);
        assert_eq!(judge(Some(1000), 1101, 10.0).0, Verdict::Slower);
        assert_eq!(judge(Some(1000), 899, 10.0).0, Verdict::Faster);
        assert_eq!(judge(None, 5, 10.0).0, Verdict::NoBaseline);
    }
}
