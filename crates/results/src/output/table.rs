//! `--format table`: for people. Per province and commodity whether the report closes, the
//! shortfall and the allocation; then, per province with a shortfall, who receives what.

use spreiding_solver::explain::dutch::int;
use spreiding_solver::model::Dataset;
use spreiding_solver::solve::Status;
use spreiding_solver::Solution;
use std::fmt::Write;

pub fn render(dataset: &Dataset, solution: &Solution) -> String {
    let mut o = String::new();
    // Writing to a String cannot fail.
    let _ = write_table(&mut o, dataset, solution);
    o
}

fn write_table(o: &mut String, dataset: &Dataset, s: &Solution) -> std::fmt::Result {
    writeln!(
        o,
        "Scenario {} (cycle {}, mode {}, counting date {})",
        s.scenario,
        dataset.cycle().id,
        s.mode.as_str(),
        s.counting_date
    )?;
    writeln!(o)?;
    writeln!(
        o,
        "{:<5} {:<14} {:<8} {:>7} {:>7} {:>9} {:>9} {:>8} {:<11} {:>12}",
        "prov", "name", "kind", "target", "counted", "shortfall", "allocated", "missing", "status", "level"
    )?;
    for b in &s.provinces {
        writeln!(
            o,
            "{:<5} {:<14} {:<8} {:>7} {:>7} {:>9} {:>9} {:>8} {:<11} {:>12}",
            b.code.as_str(),
            truncate(&dataset.provinces()[b.province].name, 14),
            b.commodity.as_str(),
            b.target,
            b.counted,
            b.shortfall,
            b.allocated,
            b.missing,
            b.status.as_str(),
            b.level.map_or_else(|| "-".to_owned(), |l| format!("{l:.6}"))
        )?;
    }
    let total_short: u64 = s.provinces.iter().map(|b| u64::from(b.shortfall)).sum();
    let total_alloc: u64 = s.provinces.iter().map(|b| u64::from(b.allocated)).sum();
    writeln!(o, "Total shortfall {} places, allocated {}.", int(total_short), int(total_alloc))?;
    if !s.above_task.is_held() {
        writeln!(
            o,
            "Places above a municipality's task (its indicative number) do not count (above_task = {}): {} regular, {} AMV; the shortfall is target - (counted - those).",
            s.above_task.as_str(),
            int(s.provinces.iter().filter(|b| b.commodity == spreiding_solver::model::Commodity::Regular).map(|b| b.above_task).sum()),
            int(s.provinces.iter().filter(|b| b.commodity == spreiding_solver::model::Commodity::Amv).map(|b| b.above_task).sum()),
        )?;
    }

    for b in s.provinces.iter().filter(|b| b.status != Status::Closes) {
        writeln!(o)?;
        writeln!(
            o,
            "{} {} {}: shortfall {}, {} eligible",
            b.code.as_str(),
            dataset.provinces()[b.province].name,
            b.commodity.as_str(),
            b.shortfall,
            b.eligible
        )?;
        if let Some(m) = &b.minimum {
            writeln!(
                o,
                "  minimum {} (step {}): {} ({}{}); {} municipalities changed, total deviation {:.2} places (largest {:.2})",
                m.min,
                m.step,
                m.outcome.as_str(),
                m.path.as_str(),
                if m.optimal { "" } else { ", time limit: not proven optimal" },
                m.changed,
                m.deviation,
                m.max_deviation
            )?;
        }
        writeln!(
            o,
            "  {:<7} {:<24} {:>6} {:>7} {:>9} {:>6} {:>10} {:>6} {:>6}  reason",
            "code", "name", "indic.", "counted", "key", "cap", "exact", "alloc", "oblig."
        )?;
        for m in s.municipalities.iter().filter(|m| {
            let dropped = m.minimum.is_some_and(|e| e.without > 0);
            m.province == b.code && m.commodity == b.commodity && (m.allocated > 0 || dropped)
        }) {
            let change = match m.minimum {
                Some(e) if e.without != m.allocated => {
                    format!(" (minimum: {}, without {})", e.change.as_str(), e.without)
                }
                _ => String::new(),
            };
            writeln!(
                o,
                "  {:<7} {:<24} {:>6} {:>7} {:>9.6} {:>6} {:>10} {:>6} {:>6}  {}{change}",
                m.code.as_str(),
                truncate(&dataset.municipalities()[m.municipality].name, 24),
                m.indicative,
                m.counted,
                m.key.map_or(0.0, |k| k.key),
                m.cap.map_or_else(|| "-".to_owned(), |c| c.to_string()),
                format!("{:.3}", m.exact),
                m.allocated,
                m.obligation,
                m.reason.as_str(),
            )?;
        }
    }
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        s.chars().take(n - 1).chain(std::iter::once('…')).collect()
    }
}
