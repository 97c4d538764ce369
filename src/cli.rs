//! Commands and their straight-line runs: parse, validate, execute, export.

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use spreiding_results::atomic::write_output;
use spreiding_results::output::{self, Format};
use spreiding_solver::explain::{dutch, explain};
use spreiding_solver::io::{self, InputError};
use spreiding_solver::model::Commodity;
use spreiding_solver::solve::solve;
use spreiding_solver::{objection, whatif};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit status: solved.
const SOLVED: u8 = 0;
/// Exit status: solved, but at least one province is infeasible (results are still written).
const INFEASIBLE: u8 = 1;
/// Exit status: bad input, bad usage, or the run failed.
const FAILED: u8 = 2;
/// Exit status of `verify`: inputs and reports match, the documents only checked by hash.
const NOT_FULLY_VERIFIED: u8 = 3;

/// The exit status of a run.
fn run_status(outcome: spreiding_results::run::RunOutcome) -> u8 {
    use spreiding_results::run::RunOutcome;
    match outcome {
        RunOutcome::AllSolved => SOLVED,
        RunOutcome::SomeInfeasible => INFEASIBLE,
        RunOutcome::SomeFailed => FAILED,
    }
}

/// The exit status of `verify`.
fn verify_status(verdict: spreiding_dossier::Verdict) -> u8 {
    use spreiding_dossier::Verdict;
    match verdict {
        Verdict::Verified => SOLVED,
        Verdict::NotVerified => INFEASIBLE,
        Verdict::NotFullyVerified => NOT_FULLY_VERIFIED,
    }
}

/// Allocation of asylum reception places under the Spreidingswet: explained, reproducible.
#[derive(Parser, Debug)]
#[command(name = "spreiding", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Solve a scenario for the whole country.
    Solve {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write to this file (atomically) instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Explain one municipality's number in Dutch (or as JSON data); with --what-if also what
    /// would have to be different for it to change. With --province and --what-if: the
    /// province's shortfall.
    Explain {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Municipality code (GM0014) or exact name.
        #[arg(long, required_unless_present = "province", conflicts_with = "province")]
        municipality: Option<String>,
        /// Province code (PV27): the counterfactuals of its report (needs --what-if).
        #[arg(long, requires = "what_if")]
        province: Option<String>,
        /// Add the counterfactuals (`what_if`), each computed by re-solving the province.
        #[arg(long)]
        what_if: bool,
        /// Commodity.
        #[arg(long, value_enum, default_value_t = CommodityArg::Regular)]
        commodity: CommodityArg,
        /// text (Dutch) or json (the explanation as data).
        #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
        format: ExplainFormat,
    },
    /// Replay objections: each claim's corrections applied to the scenario's data, the province
    /// divided again, and who gains or loses; then all claims together.
    Objection {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Claim file (TOML); repeat for several.
        #[arg(long = "claim", value_name = "CLAIM.toml", required = true)]
        claims: Vec<PathBuf>,
        /// text (Dutch, to quote in the decision on the objection) or json (the data).
        #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
        format: ExplainFormat,
        /// Write to this file (atomically) instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// The counterfactuals of every municipality (or one province's) as a table or JSON.
    WhatIf {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Only this province (code, e.g. PV27).
        #[arg(long)]
        province: Option<String>,
        /// csv (one row per municipality and commodity) or json (with the Dutch sentences).
        #[arg(long, value_enum, default_value_t = WhatIfFormat::Csv)]
        format: WhatIfFormat,
        /// Write to this file (atomically) instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Compute the indicative distribution of a data set's cycle: the forecast divided over the
    /// municipalities by inhabitants corrected with the welfare score (cycle.toml, [indicative]).
    Indicative {
        /// Data set folder (e.g. data/nl-2026).
        dataset: PathBuf,
        /// All places, AMV included (default: the cycle's national_total).
        #[arg(long)]
        total: Option<u32>,
        /// Of which AMV places (default: the cycle's national_amv).
        #[arg(long)]
        amv: Option<u32>,
        /// Divide nationally or each province's task (default: the cycle's scope).
        #[arg(long, value_enum)]
        scope: Option<ScopeArg>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write to this file (atomically) instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Also write the data set's municipalities.csv and provinces.csv with these numbers
        /// into this folder (atomically; a new data set's files).
        #[arg(long, value_name = "DIR")]
        write_dataset: Option<PathBuf>,
    },
    /// Check a scenario (or a sweep) and its data set; list every problem found.
    Validate {
        /// Scenario or sweep file (TOML).
        scenario: PathBuf,
    },
    /// Solve scenario files, folders of them and sweeps in parallel; results go to a folder.
    Run {
        /// Scenario files, sweep files, or folders (searched for .toml files).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Threads (default: one per core; at most 4 per core).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        jobs: Option<u32>,
        /// Folder for the results (`results/*.jsonl`) and `summary.csv`.
        #[arg(long, default_value = "spreiding-results")]
        out: PathBuf,
        /// Keep result files already in the folder and solve only the rest.
        #[arg(long)]
        resume: bool,
        /// Allow a run to generate more scenarios than 10,000.
        #[arg(long)]
        max_scenarios: Option<u64>,
        /// Solve only part I of N (from 0; result file k belongs to part k mod N) and write
        /// shard.json for `spreiding merge`; I may be `env` (JOB_COMPLETION_INDEX or
        /// SLURM_ARRAY_TASK_ID).
        #[arg(long, value_name = "I/N", value_parser = spreiding_results::shard::parse_arg)]
        shard: Option<spreiding_results::shard::Part>,
        /// Result files: JSON lines, or Parquet tables (municipalities, provinces, scenarios).
        #[arg(long, value_enum, default_value_t = spreiding_results::run::ResultFormat::Jsonl)]
        format: spreiding_results::run::ResultFormat,
    },
    /// Merge the parts of a sharded run (`run --shard I/N`) into the folder one machine would
    /// have written.
    Merge {
        /// The parts' folders, one per part, in any order.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// A new (or empty) folder for the whole run's results and summary.csv.
        #[arg(long)]
        out: PathBuf,
    },
    /// Serve the solver over HTTP (JSON API, OpenAPI at /openapi.json, docs at /docs).
    Serve {
        /// Address to listen on; without --tokens only a loopback address (port 0: any free port).
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        /// Folder of the served scenario and sweep files (ids are paths below it without .toml).
        #[arg(long, default_value = "scenarios")]
        scenarios: PathBuf,
        /// Folder of the runs (results, SQLite index and audit log).
        #[arg(long, default_value = "spreiding-state")]
        state: PathBuf,
        /// File of `name:token` lines; every request but health and docs then needs a token.
        #[arg(long)]
        tokens: Option<PathBuf>,
        /// Solver threads for requests, and for the running batch (default: one per core).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
        workers: Option<u32>,
        /// Largest request body in bytes.
        #[arg(long, default_value_t = 1024 * 1024, value_parser = clap::value_parser!(u64).range(1..=1 << 30))]
        max_body: u64,
        /// Synchronous requests solving or waiting at once; more are answered 503.
        #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        queue: u32,
        /// Runs waiting to start at once; more are answered 429.
        #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        max_queued_runs: u32,
        /// Time limit of a synchronous request, in seconds.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        timeout: u64,
        /// Most scenarios one run may have, whatever its request's `max_scenarios` asks.
        #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
        max_run_scenarios: u64,
        /// Seconds a client has to send a request's headers, and again its body (slow clients
        /// are cut off).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3_600))]
        read_timeout: u64,
        /// Folder of decision dossiers to monitor (each sub-folder made by `spreiding
        /// dossier`); snapshots posted to /v1/decisions/{id}/snapshots go to <state>/monitor.sqlite.
        #[arg(long)]
        dossiers: Option<PathBuf>,
    },
    /// Write the decision dossier: per province whose report does not close, the verdeelbesluit's
    /// annex as PDF (Dutch, with maps), the maps as SVG, a copy of every input, the reports and
    /// a manifest of SHA-256 hashes.
    Dossier {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Province code (PV27); repeat for several (default: every province whose report does
        /// not close, on either commodity).
        #[arg(long = "province", value_name = "CODE")]
        provinces: Vec<String>,
        /// The dossier folder (new, empty, or a dossier to replace).
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a dossier: every file against its manifest, and the reports and documents
    /// computed again from the dossier's own copy of the inputs. Exit 0 verified; 1 names what
    /// differs; 3 not fully verified (documents made by another program version, checked by
    /// hash only).
    Verify {
        /// The dossier folder.
        dir: PathBuf,
    },
    /// Draw one SVG map of a scenario: a metric per municipality, or the difference against a
    /// baseline scenario.
    Map {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// What the map shows.
        #[arg(long, value_enum, default_value_t = spreiding_dossier::maps::MapMetric::ObligationPer1000)]
        metric: spreiding_dossier::maps::MapMetric,
        /// The scenario to subtract (with --metric diff).
        #[arg(long)]
        baseline: Option<PathBuf>,
        /// Only this province (code, e.g. PV27).
        #[arg(long)]
        province: Option<String>,
        /// Which places the map sums.
        #[arg(long, value_enum, default_value_t = spreiding_dossier::maps::MapCommodity::All)]
        commodity: spreiding_dossier::maps::MapCommodity,
        /// The SVG file to write (atomically).
        #[arg(long)]
        out: PathBuf,
    },
    /// Follow a decision's realisation: record dated location lists (snapshots) against a
    /// dossier and read the status per municipality (README, Monitoring).
    Monitor {
        #[command(subcommand)]
        action: MonitorCommand,
    },
    /// Compare results of runs (folders or result files): per municipality, and per scenario.
    Compare {
        /// Result folders of `spreiding run`, or result files; the first scenario is the baseline.
        #[arg(required = true)]
        results: Vec<PathBuf>,
        /// Output format (default: table; csv with --excel).
        #[arg(long, value_enum)]
        format: Option<spreiding_results::output::compare::Format>,
        /// The baseline scenario's id (default: the first solved scenario).
        #[arg(long)]
        baseline: Option<String>,
        /// CSV: the per-scenario metrics instead of the per-municipality table.
        #[arg(long)]
        metrics: bool,
        /// CSV for a Dutch-locale spreadsheet: semicolons, decimal commas, a byte-order mark.
        #[arg(long)]
        excel: bool,
        /// Write to this file (atomically) instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum MonitorCommand {
    /// Record a snapshot: the location list (locations.csv format, CSV or an Excel sheet with
    /// the same columns) describing what exists or is decided on a date. Validated like the
    /// data set; recorded in <DOSSIER>/state/monitor.sqlite, append-only.
    Add {
        /// The decision's dossier folder (made by `spreiding dossier`).
        dossier: PathBuf,
        /// The location list (CSV or .xlsx).
        #[arg(long)]
        snapshot: PathBuf,
        /// The date it describes (YYYY-MM-DD).
        #[arg(long, value_parser = parse_day)]
        date: spreiding_solver::model::Date,
        /// Record it as the correction of the snapshot already recorded for that date (both
        /// stay in the history; the newer is in force).
        #[arg(long)]
        supersede: bool,
    },
    /// The status on a date: per municipality and commodity the obligation, the places that
    /// count, the gap, the trend, met / on-track / behind / overdue; per province the totals.
    Status {
        /// The decision's dossier folder.
        dossier: PathBuf,
        /// The status date (YYYY-MM-DD; default: today, UTC).
        #[arg(long, value_parser = parse_day)]
        at: Option<spreiding_solver::model::Date>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = spreiding_monitor::output::Format::Table)]
        format: spreiding_monitor::output::Format,
        /// Write to this file (atomically) instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// A province's monitoring report: a folder with the PDF (status table, map of the gap,
    /// timelines of the municipalities behind, the Dutch text of each position), status.csv,
    /// status.json, the snapshots used and a manifest; `monitor verify` checks it.
    Report {
        /// The decision's dossier folder.
        dossier: PathBuf,
        /// Province code (PV26) or name.
        #[arg(long)]
        province: String,
        /// The status date (YYYY-MM-DD; default: today, UTC).
        #[arg(long, value_parser = parse_day)]
        at: Option<spreiding_solver::model::Date>,
        /// The report folder (new, empty, or an earlier report, replaced whole).
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a monitoring report: its files made again from the dossier and its copies of the
    /// snapshots, byte for byte. Exit 0 verified; 1 names what differs; 3 not fully verified
    /// (its PDF or pictures made by another program version, checked by hash only).
    Verify {
        /// The report folder.
        report: PathBuf,
        /// The decision's dossier folder.
        #[arg(long)]
        dossier: PathBuf,
    },
    /// The recorded snapshots, superseded ones included, in recording order (JSON).
    History {
        /// The decision's dossier folder.
        dossier: PathBuf,
    },
}

/// A date as YYYY-MM-DD.
fn parse_day(s: &str) -> Result<spreiding_solver::model::Date, String> {
    spreiding_solver::model::Date::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date as YYYY-MM-DD (e.g. 2025-07-01)"))
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ScopeArg {
    National,
    Province,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CommodityArg {
    Regular,
    Amv,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ExplainFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum WhatIfFormat {
    Csv,
    Json,
}

/// Runs the command line and maps the outcome to an exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if let Some(InputError::Invalid(problems)) = e.downcast_ref::<InputError>() {
                eprint!("error: {problems}");
            } else {
                eprintln!("error: {e:#}");
            }
            ExitCode::from(FAILED)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Solve { scenario, format, output: out } => {
            if format == Format::Xlsx && out.is_none() {
                anyhow::bail!("--format xlsx writes a workbook: give --output FILE.xlsx");
            }
            let (scenario, dataset) = io::load(&scenario)?;
            let solution = solve(&dataset, &scenario)?;
            let bytes = match format {
                Format::Xlsx => output::workbook(&dataset, &scenario, &solution)?,
                _ => output::render(format, &dataset, &solution)?,
            };
            write_output(out.as_deref(), &bytes)?;
            for warning in solution.warnings() {
                eprintln!("warning: {warning}");
            }
            if solution.any_infeasible() {
                Ok(INFEASIBLE)
            } else {
                Ok(SOLVED)
            }
        }
        Command::Explain { scenario, municipality, province, what_if, commodity, format } => {
            let (scenario, dataset) = io::load(&scenario)?;
            let solution = solve(&dataset, &scenario)?;
            if let Some(province) = province {
                let code = dataset.find_province(&province)?;
                let w = whatif::province_what_if(&dataset, &scenario, &solution, &code)?;
                let text = match format {
                    ExplainFormat::Text => spreiding_results::output::whatif::province_text(&w),
                    ExplainFormat::Json => serde_json::to_string_pretty(&w)? + "\n",
                };
                write_output(None, text.as_bytes())?;
                return Ok(SOLVED);
            }
            let code = dataset.find_municipality(municipality.as_deref().unwrap_or_default())?;
            let commodity = match commodity {
                CommodityArg::Regular => Commodity::Regular,
                CommodityArg::Amv => Commodity::Amv,
            };
            let mut e = explain(&dataset, &scenario, &solution, &code, commodity)?;
            if what_if {
                e.what_if = Some(whatif::what_if(&dataset, &scenario, &solution, &code, commodity)?);
            }
            let text = match format {
                ExplainFormat::Text => dutch::render(&e),
                ExplainFormat::Json => serde_json::to_string_pretty(&e)? + "\n",
            };
            write_output(None, text.as_bytes())?;
            Ok(SOLVED)
        }
        Command::Objection { scenario, claims, format, output: out } => {
            let (scenario, dataset) = io::load(&scenario)?;
            let mut problems = io::Problems::default();
            let mut parsed = Vec::new();
            for path in &claims {
                match io::load_claim(path, &dataset) {
                    Ok(c) => parsed.push(c),
                    Err(e) => e.problems().iter().for_each(|p| problems.push(p.clone())),
                }
            }
            let parsed = problems.into_result(parsed)?;
            let solution = solve(&dataset, &scenario)?;
            let replay = objection::replay(&dataset, &scenario, &solution, &parsed)?;
            let text = match format {
                ExplainFormat::Text => objection::dutch::render(&replay),
                ExplainFormat::Json => serde_json::to_string_pretty(&replay)? + "\n",
            };
            write_output(out.as_deref(), text.as_bytes())?;
            Ok(SOLVED)
        }
        Command::WhatIf { scenario, province, format, output: out } => {
            let (scenario, dataset) = io::load(&scenario)?;
            let province = province.map(|p| dataset.find_province(&p)).transpose()?;
            let solution = solve(&dataset, &scenario)?;
            let all = whatif::what_if_all(&dataset, &scenario, &solution, province.as_ref())?;
            let bytes = match format {
                WhatIfFormat::Csv => spreiding_results::output::whatif::csv(&all)?,
                WhatIfFormat::Json => (serde_json::to_string_pretty(&all)? + "\n").into_bytes(),
            };
            write_output(out.as_deref(), &bytes)?;
            Ok(SOLVED)
        }
        Command::Run { paths, jobs, out, resume, max_scenarios, shard, format } => {
            let manifest = |plan: &spreiding_results::run::Plan| match shard {
                Some(part) => spreiding_results::shard::write_manifest(&out, part, plan),
                None => Ok(()),
            };
            let args = spreiding_results::run::Args {
                paths,
                jobs: jobs.map(|j| j as usize),
                out: out.clone(),
                resume,
                max_scenarios,
                part: shard,
                format,
            };
            let recorded = |plan: &spreiding_results::run::Plan| {
                spreiding_results::shard::recorded_hashes(&out, &plan.fingerprint())
            };
            spreiding_results::run::run(args, &recorded, &manifest).map(run_status)
        }
        Command::Merge { dirs, out } => {
            let merged = spreiding_results::shard::merge(&dirs, &out)?;
            eprintln!(
                "merged {} parts: {} scenarios in {} result files; results in {}",
                dirs.len(),
                merged.scenarios,
                merged.files,
                out.display()
            );
            Ok(SOLVED)
        }
        Command::Compare { results, baseline, format, metrics, excel, output: out } => {
            use spreiding_results::output::compare::Format as F;
            let format = match (format, excel) {
                (None, false) => F::Table,
                (None | Some(F::Csv), true) => F::Csv,
                (Some(f), false) => f,
                (Some(f), true) => anyhow::bail!(
                    "--excel is a dialect of CSV (semicolons, decimal commas): give it with --format csv, not --format {}",
                    f.to_possible_value().map_or_else(String::new, |v| v.get_name().to_owned())
                ),
            };
            if format == spreiding_results::output::compare::Format::Xlsx && out.is_none() {
                anyhow::bail!("--format xlsx writes a workbook: give --output FILE.xlsx");
            }
            let bytes =
                spreiding_results::output::compare::compare(&results, baseline.as_deref(), format, metrics, excel)?;
            write_output(out.as_deref(), &bytes)?;
            Ok(SOLVED)
        }
        Command::Dossier { scenario, provinces, out } => spreiding_dossier::write(spreiding_dossier::Args {
            scenario,
            provinces,
            out,
            command: std::iter::once("spreiding".to_owned()).chain(std::env::args().skip(1)).collect(),
        })
        .map(|()| SOLVED),
        Command::Verify { dir } => spreiding_dossier::verify(&dir, &dossier_command).map(verify_status),
        Command::Monitor { action } => monitor(action),
        Command::Map { scenario, metric, baseline, province, commodity, out } => {
            spreiding_dossier::maps::command(spreiding_dossier::maps::MapArgs {
                scenario,
                metric,
                baseline,
                province,
                commodity,
                out,
            })
            .map(|()| SOLVED)
        }
        Command::Serve {
            bind,
            scenarios,
            state,
            tokens,
            workers,
            max_body,
            queue,
            max_queued_runs,
            timeout,
            max_run_scenarios,
            read_timeout,
            dossiers,
        } => spreiding_serve::serve(spreiding_serve::Config {
            bind,
            scenarios,
            state,
            tokens,
            workers: workers.map(|w| w as usize),
            max_body: usize::try_from(max_body).unwrap_or(usize::MAX),
            queue: queue as usize,
            max_queued_runs: max_queued_runs as usize,
            timeout: std::time::Duration::from_secs(timeout),
            max_run_scenarios,
            read_timeout: std::time::Duration::from_secs(read_timeout),
            dossiers,
        })
        .map(|()| SOLVED),
        Command::Indicative { dataset, total, amv, scope, format, output: out, write_dataset } => {
            if format == Format::Xlsx && out.is_none() {
                anyhow::bail!("--format xlsx writes a workbook: give --output FILE.xlsx");
            }
            let dataset = io::load_dataset(&dataset)?;
            let scope = scope.map(|s| match s {
                ScopeArg::National => spreiding_solver::model::Scope::National,
                ScopeArg::Province => spreiding_solver::model::Scope::Province,
            });
            let d = spreiding_solver::indicative::compute(
                &dataset,
                spreiding_solver::indicative::Forecast { total, amv, scope },
            )?;
            write_output(out.as_deref(), &output::indicative::render(format, &d)?)?;
            if let Some(dir) = write_dataset {
                std::fs::create_dir_all(&dir)
                    .map_err(|e| anyhow::anyhow!("{}: cannot create the folder: {e}", dir.display()))?;
                let m = output::indicative::municipalities_file(&dataset, &d)?;
                let p = output::indicative::provinces_file(&dataset, &d)?;
                write_output(Some(&dir.join("municipalities.csv")), &m)?;
                write_output(Some(&dir.join("provinces.csv")), &p)?;
            }
            Ok(SOLVED)
        }
        Command::Validate { scenario: path } => {
            let text = io::Source::read_file(&path)?.text;
            if io::is_sweep(&text) {
                let sweep = io::load_sweep(&path)?;
                let dataset = io::load_dataset(Path::new(&sweep.base.dataset))?;
                io::prepare_sweep(&sweep, &dataset)?;
                let line = format!(
                    "{}: valid. Sweep \"{}\" of {} scenarios ({} grid points{}) on {}.\n",
                    path.display(),
                    sweep.name,
                    sweep.len(),
                    sweep.grid_points(),
                    sweep.random.as_ref().map_or_else(String::new, |r| format!(" x {} draws", r.draws)),
                    dataset.label()
                );
                write_output(None, line.as_bytes())?;
                return Ok(SOLVED);
            }
            let (scenario, dataset) = io::load(&path)?;
            if dataset.locations().is_empty() {
                eprintln!(
                    "warning: the data set lists no locations: every municipality counts 0 places, so no report closes"
                );
            }
            let line = format!(
                "{}: valid. Scenario \"{}\" on {} (cycle {}): {} provinces, {} municipalities, {} location rows.\n",
                path.display(),
                scenario.name,
                dataset.label(),
                dataset.cycle().id,
                dataset.provinces().len(),
                dataset.municipalities().len(),
                dataset.locations().len()
            );
            write_output(None, line.as_bytes())?;
            Ok(SOLVED)
        }
    }
}

/// The scenario file and `--province` values of a recorded `spreiding dossier` command line
/// (a dossier's manifest), read as this program reads its command line.
fn dossier_command(command: &[String]) -> Option<(PathBuf, Vec<String>)> {
    match Cli::try_parse_from(command).ok()?.command {
        Command::Dossier { scenario, provinces, .. } => Some((scenario, provinces)),
        _ => None,
    }
}

/// `spreiding monitor ...`.
fn monitor(action: MonitorCommand) -> Result<u8> {
    use spreiding_monitor::output::{render, Format as MonitorFormat};
    use spreiding_monitor::store::Added;
    match action {
        MonitorCommand::Add { dossier, snapshot, date, supersede } => {
            let line = match spreiding_monitor::add(&dossier, &snapshot, date, supersede)? {
                Added::New(r) => format!(
                    "{}: recorded as snapshot {} of {} ({} location rows, SHA-256 {}){}\n",
                    snapshot.display(),
                    r.seq,
                    r.date,
                    r.rows,
                    r.sha256,
                    r.supersedes.map_or_else(String::new, |s| format!("; supersedes snapshot {s}"))
                ),
                Added::AlreadyRecorded(r) => format!(
                    "{}: already recorded as snapshot {} of {} (same SHA-256); nothing written\n",
                    snapshot.display(),
                    r.seq,
                    r.date
                ),
            };
            write_output(None, line.as_bytes())?;
            Ok(SOLVED)
        }
        MonitorCommand::Status { dossier, at, format, output: out } => {
            if format == MonitorFormat::Xlsx && out.is_none() {
                anyhow::bail!("--format xlsx writes a workbook: give --output FILE.xlsx");
            }
            let at = at.unwrap_or_else(|| chrono::Utc::now().date_naive());
            let (decision, status) = spreiding_monitor::status_of_dossier(&dossier, at)?;
            write_output(out.as_deref(), &render(format, &decision, &status)?)?;
            Ok(SOLVED)
        }
        MonitorCommand::Report { dossier, province, at, out } => {
            let at = at.unwrap_or_else(|| chrono::Utc::now().date_naive());
            let line = spreiding_monitor::report::write(&dossier, &province, at, &out)?;
            write_output(None, format!("{line}\n").as_bytes())?;
            Ok(SOLVED)
        }
        MonitorCommand::Verify { report, dossier } => {
            let (verdict, differ, line) = spreiding_monitor::report::verify(&report, &dossier)?;
            let mut text = format!("{line}\n");
            for d in &differ {
                text.push_str(&format!("  {d}\n"));
            }
            write_output(None, text.as_bytes())?;
            Ok(verify_status(verdict))
        }
        MonitorCommand::History { dossier } => {
            let decision = spreiding_monitor::open_decision(&dossier)?;
            let path = spreiding_monitor::store::dossier_store(&dossier);
            let history = if path.exists() {
                spreiding_monitor::store::Store::open(&path, false)?.history(&decision.id)?
            } else {
                Vec::new()
            };
            let mut bytes = serde_json::to_vec_pretty(&serde_json::json!({
                "decision": decision.id,
                "scenario": decision.scenario,
                "snapshots": history,
            }))?;
            bytes.push(b'\n');
            write_output(None, &bytes)?;
            Ok(SOLVED)
        }
    }
}
