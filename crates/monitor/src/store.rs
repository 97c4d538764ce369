//! The monitoring store: SQLite (bundled), one table of snapshots, append-only.
//!
//! A snapshot row is never changed or deleted (triggers refuse both); a correction is a new
//! row for the same date that names the row it supersedes. Recording is one transaction
//! (rollback journal, `synchronous = FULL`): a process killed while recording leaves the
//! store as it was before, or with the snapshot whole. The store of a dossier is
//! `<dossier>/state/monitor.sqlite`; the service keeps its snapshots in its own database with
//! the same schema.

use crate::snapshot::SnapshotFile;
use anyhow::{bail, Context, Result};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use spreiding_solver::model::Date;
use std::path::{Path, PathBuf};

/// SQLite's `application_id` of a spreiding monitoring store ("SPMO").
const APPLICATION_ID: i64 = 0x5350_4d4f;
/// The schema's version.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS snapshot (
    seq        INTEGER PRIMARY KEY,
    decision   TEXT NOT NULL,
    date       TEXT NOT NULL,
    file       TEXT NOT NULL,
    format     TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    rows       INTEGER NOT NULL,
    bytes      BLOB NOT NULL,
    csv        TEXT NOT NULL,
    supersedes INTEGER REFERENCES snapshot(seq),
    recorded   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshot_decision ON snapshot(decision, date, seq);
CREATE TRIGGER IF NOT EXISTS snapshot_no_update BEFORE UPDATE ON snapshot
BEGIN SELECT RAISE(ABORT, 'monitoring snapshots are append-only: a snapshot is never changed'); END;
CREATE TRIGGER IF NOT EXISTS snapshot_no_delete BEFORE DELETE ON snapshot
BEGIN SELECT RAISE(ABORT, 'monitoring snapshots are append-only: a snapshot is never deleted'); END;
";

/// A recorded snapshot as listed (`monitor history`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recorded {
    /// Recording number in the store.
    pub seq: u64,
    /// The decision (SHA-256 of its manifest).
    pub decision: String,
    /// The date the list describes (YYYY-MM-DD).
    pub date: String,
    /// The file as named when recorded.
    pub file: String,
    /// `csv` or `xlsx`.
    pub format: String,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// Location rows.
    pub rows: u64,
    /// The snapshot this one supersedes (same date), if any.
    pub supersedes: Option<u64>,
    /// Superseded by a later recording of the same date.
    pub superseded_by: Option<u64>,
    /// When it was recorded (UTC, RFC 3339).
    pub recorded: String,
}

/// What `add` did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Added {
    /// Recorded as this snapshot.
    New(Recorded),
    /// The same bytes were already recorded for that date, as this snapshot: nothing written.
    AlreadyRecorded(Recorded),
}

/// A store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// Where a dossier's store lies.
pub fn dossier_store(dossier: &Path) -> PathBuf {
    dossier.join(spreiding_dossier::decision::STATE_DIR).join("monitor.sqlite")
}

impl Store {
    /// Opens (creating it, and its folder, if `create`) the store at `path`. A file that is not
    /// a spreiding monitoring store is refused, never changed.
    pub fn open(path: &Path, create: bool) -> Result<Store> {
        let exists = path.exists();
        if !exists && !create {
            bail!("{}: no monitoring store; record a snapshot first (`spreiding monitor add`)", path.display());
        }
        if exists {
            let meta = std::fs::metadata(path).with_context(|| format!("{}: cannot be read", path.display()))?;
            if !meta.is_file() {
                bail!("{}: not a regular file; the monitoring store is a SQLite file", path.display());
            }
        } else if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot be made", dir.display()))?;
        }
        let conn = Connection::open(path).with_context(|| format!("{}: cannot be opened", path.display()))?;
        let store = Store { conn, path: path.to_path_buf() };
        store.init(exists).with_context(|| format!("{}: not a spreiding monitoring store", path.display()))?;
        Ok(store)
    }

    /// A store in memory (tests, the service's own database is opened with [`Store::open`]).
    pub fn in_memory() -> Result<Store> {
        let store = Store { conn: Connection::open_in_memory()?, path: PathBuf::from(":memory:") };
        store.init(false)?;
        Ok(store)
    }

    fn init(&self, existed: bool) -> Result<()> {
        self.conn.busy_timeout(std::time::Duration::from_secs(10))?;
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        let app: i64 = self.conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
        let version: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let tables: i64 = self.conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if app == 0 && tables == 0 {
            self.conn.execute_batch(SCHEMA)?;
            self.conn.pragma_update(None, "application_id", APPLICATION_ID)?;
            self.conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            return Ok(());
        }
        if app != APPLICATION_ID {
            bail!(
                "its SQLite application id is {app:#x}, not spreiding's ({APPLICATION_ID:#x}){}",
                if existed { "; it was left as it is" } else { "" }
            );
        }
        if version != SCHEMA_VERSION {
            bail!("schema version {version}; this program reads version {SCHEMA_VERSION}");
        }
        Ok(())
    }

    /// The store's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every snapshot of `decision`, in recording order.
    pub fn history(&self, decision: &str) -> Result<Vec<Recorded>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.seq, s.decision, s.date, s.file, s.format, s.sha256, s.rows, s.supersedes, s.recorded,
                    (SELECT min(t.seq) FROM snapshot t WHERE t.supersedes = s.seq)
             FROM snapshot s WHERE s.decision = ?1 ORDER BY s.seq",
        )?;
        let rows = stmt.query_map(params![decision], recorded)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The decisions the store holds snapshots of.
    pub fn decisions(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("SELECT DISTINCT decision FROM snapshot ORDER BY decision")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The validated CSV text of every snapshot of `decision`, with its listing, in recording
    /// order.
    pub fn texts(&self, decision: &str) -> Result<Vec<(Recorded, String)>> {
        let history = self.history(decision)?;
        let mut stmt = self.conn.prepare("SELECT csv FROM snapshot WHERE seq = ?1")?;
        history
            .into_iter()
            .map(|r| {
                let text: String = stmt.query_row(params![r.seq as i64], |row| row.get(0))?;
                Ok((r, text))
            })
            .collect()
    }

    /// The recorded bytes of snapshot `seq` of `decision`.
    pub fn bytes(&self, decision: &str, seq: u64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT bytes FROM snapshot WHERE decision = ?1 AND seq = ?2",
                params![decision, seq as i64],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Records `file` (already validated, `rows` location rows) as the list of `date` for
    /// `decision`. History only grows forward: a date before the latest recorded one is
    /// refused; a second, different list for a recorded date is refused unless `supersede`
    /// (then it supersedes the one in force, which stays in the history); the same bytes for
    /// the same date again record nothing.
    pub fn add(
        &mut self,
        decision: &str,
        date: Date,
        file: &SnapshotFile,
        rows: u64,
        supersede: bool,
    ) -> Result<Added> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let day = date.format("%Y-%m-%d").to_string();
        let in_force: Option<(i64, String)> = tx
            .query_row(
                "SELECT seq, sha256 FROM snapshot WHERE decision = ?1 AND date = ?2 ORDER BY seq DESC LIMIT 1",
                params![decision, day],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let latest: Option<String> =
            tx.query_row("SELECT max(date) FROM snapshot WHERE decision = ?1", params![decision], |r| r.get(0))?;
        let supersedes = match in_force {
            Some((seq, sha)) if sha == file.sha256 => {
                drop(tx);
                let r = self.history(decision)?.into_iter().find(|r| r.seq == seq as u64);
                return r.map(Added::AlreadyRecorded).context("the store lost a snapshot it just listed");
            }
            Some((seq, _)) if supersede => Some(seq),
            Some((seq, _)) => bail!(
                "{}: snapshot {seq} is already recorded for {day} with other contents; a snapshot is never changed: record this one as its correction with --supersede (the service: supersede=true); both stay in the history",
                file.name
            ),
            None => {
                if let Some(latest) = latest.filter(|l| *l > day) {
                    bail!(
                        "{}: {day} is before {latest}, the latest recorded snapshot's date; recording it would change the history already reported for the dates after it (record lists in date order; correct a recorded date with --supersede, the service's supersede=true, on that date)",
                        file.name
                    );
                }
                if supersede {
                    bail!("{}: --supersede (supersede=true) given, but no snapshot is recorded for {day}", file.name);
                }
                None
            }
        };
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        tx.execute(
            "INSERT INTO snapshot (decision, date, file, format, sha256, rows, bytes, csv, supersedes, recorded)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                decision,
                day,
                file.name,
                file.format,
                file.sha256,
                rows as i64,
                file.bytes,
                file.source.text,
                supersedes,
                now
            ],
        )?;
        let seq = tx.last_insert_rowid();
        pause_for_tests();
        tx.commit()?;
        let r = self.history(decision)?.into_iter().find(|r| r.seq == seq as u64);
        r.map(Added::New).context("the store lost the snapshot it just recorded")
    }
}

/// A test hook for the kill test (tests/all/monitor.rs): with `SPREIDING_TEST_PAUSE_RECORDING`
/// set to a path, the process writes that file and waits inside the recording transaction, so
/// that the test can kill it there. Not set, it does nothing.
fn pause_for_tests() {
    if let Some(path) = std::env::var_os("SPREIDING_TEST_PAUSE_RECORDING") {
        let _ = std::fs::write(path, b"recording");
        std::thread::sleep(std::time::Duration::from_secs(60));
    }
}

fn recorded(r: &rusqlite::Row<'_>) -> rusqlite::Result<Recorded> {
    Ok(Recorded {
        seq: r.get::<_, i64>(0)? as u64,
        decision: r.get(1)?,
        date: r.get(2)?,
        file: r.get(3)?,
        format: r.get(4)?,
        sha256: r.get(5)?,
        rows: r.get::<_, i64>(6)? as u64,
        supersedes: r.get::<_, Option<i64>>(7)?.map(|s| s as u64),
        recorded: r.get(8)?,
        superseded_by: r.get::<_, Option<i64>>(9)?.map(|s| s as u64),
    })
}
