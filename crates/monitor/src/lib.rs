//! Monitoring a decision's realisation (`spreiding monitor`; README "Monitoring").
//!
//! A decision is a dossier (read back by [`spreiding_dossier::decision::open`], identified by
//! its manifest's SHA-256). Dated location lists (snapshots) are validated against the
//! decision's data set like its own `locations.csv` and recorded in an append-only store
//! ([`store`]); the status on a date is the core's [`spreiding_solver::monitor::status`] over
//! them, written by [`output`].

pub mod output;
pub mod report;
pub mod snapshot;
pub mod store;

use anyhow::{bail, Context, Result};
use spreiding_solver::io::parse_locations_source;
use spreiding_solver::model::{Date, Source};
use spreiding_solver::monitor::{self, Snapshot, Status};
use std::path::Path;
use store::{Added, Store};

pub use spreiding_dossier::decision::{open as open_decision, Decision};

/// Records the snapshot file at `path` for `date` against the decision in `dossier`, in the
/// dossier's store.
pub fn add(dossier: &Path, path: &Path, date: Date, supersede: bool) -> Result<Added> {
    let decision = open_decision(dossier)?;
    let file = snapshot::read(path)?;
    let mut store = Store::open(&store::dossier_store(dossier), true)?;
    check_store(&store, &decision)?;
    record(&mut store, &decision, &file, date, supersede)
}

/// Validates `file` against `decision` and records it in `store`.
pub fn record(
    store: &mut Store,
    decision: &Decision,
    file: &snapshot::SnapshotFile,
    date: Date,
    supersede: bool,
) -> Result<Added> {
    let start = decision.dataset.cycle().start;
    if date < start {
        bail!(
            "{}: the date {date} is before the decision's cycle {} starts ({start}); give the date the list describes",
            file.name,
            decision.dataset.cycle().id
        );
    }
    let rows = parse_locations_source(&file.source, &decision.dataset)?;
    store.add(&decision.id, date, file, rows.len() as u64, supersede)
}

/// Refuses a dossier store that holds snapshots of another decision (the dossier was made
/// again, or the store was copied from elsewhere).
fn check_store(store: &Store, decision: &Decision) -> Result<()> {
    let others: Vec<String> = store.decisions()?.into_iter().filter(|d| *d != decision.id).collect();
    if !others.is_empty() {
        bail!(
            "{}: holds snapshots of another decision (manifest SHA-256 {}); this dossier's manifest is {}: the dossier was changed after monitoring began, or the store belongs to another dossier",
            store.path().display(),
            others.join(", "),
            decision.id
        );
    }
    Ok(())
}

/// The recorded snapshots of `decision`, validated again against its data set.
pub fn snapshots(store: &Store, decision: &Decision) -> Result<Vec<Snapshot>> {
    store
        .texts(&decision.id)?
        .into_iter()
        .map(|(r, text)| {
            let date = Date::parse_from_str(&r.date, "%Y-%m-%d")
                .with_context(|| format!("{}: snapshot {} has the date `{}`", store.path().display(), r.seq, r.date))?;
            let source = Source::new(format!("{} (snapshot {} of {})", r.file, r.seq, store.path().display()), text);
            let locations = parse_locations_source(&source, &decision.dataset)?;
            Ok(Snapshot { seq: r.seq, date, file: r.file, sha256: r.sha256, locations })
        })
        .collect()
}

/// The status of the decision in `dossier` on `at`, from the dossier's store (none recorded:
/// the decision's own location list).
pub fn status_of_dossier(dossier: &Path, at: Date) -> Result<(Decision, Status)> {
    let decision = open_decision(dossier)?;
    let path = store::dossier_store(dossier);
    let snaps = if path.exists() {
        let store = Store::open(&path, false)?;
        check_store(&store, &decision)?;
        snapshots(&store, &decision)?
    } else {
        Vec::new()
    };
    let status = status(&decision, &snaps, at);
    Ok((decision, status))
}

/// The core's status of `decision` on `at`.
pub fn status(decision: &Decision, snapshots: &[Snapshot], at: Date) -> Status {
    let view = monitor::Decision {
        dataset: &decision.dataset,
        solution: &decision.solution,
        ctx: decision.ctx,
        baseline: decision.baseline.clone(),
        provinces: &decision.provinces,
    };
    monitor::status(&view, snapshots, at)
}
