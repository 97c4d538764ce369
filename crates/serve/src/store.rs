//! The index of runs and the audit log, in SQLite (`<state>/spreiding.sqlite`, bundled
//! library, WAL journal). The run folders beside it hold the results; this index says which
//! runs exist, who started them, with what input (its fingerprint) and how far they got.

use anyhow::{Context, Result};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::path::Path;
use std::sync::Mutex;
use utoipa::ToSchema;

/// Where a run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = RunStatus)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Running => "running",
            Status::Done => "done",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> Status {
        match s {
            "queued" => Status::Queued,
            "running" => Status::Running,
            "done" => Status::Done,
            "cancelled" => Status::Cancelled,
            _ => Status::Failed,
        }
    }

    /// It will not change any more.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Done | Status::Failed | Status::Cancelled)
    }
}

/// A run as listed.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct RunInfo {
    /// The run's id (`run-000001`, ...).
    pub id: String,
    pub status: Status,
    /// When it was asked for (UTC, RFC 3339).
    pub created: String,
    /// When it first started (continuations after a restart are in the audit log).
    pub started: Option<String>,
    /// When it ended.
    pub finished: Option<String>,
    /// Who asked for it: the token's name, or `local` without tokens.
    pub owner: String,
    /// What was asked for: the served ids (and inline scenarios' names), in order.
    pub inputs: Vec<String>,
    /// SHA-256 over the fingerprints of its inputs (program version, data set content,
    /// definitions after inheritance).
    pub fingerprint: String,
    /// Scenarios in the run.
    pub total: u64,
    /// Scenarios solved (every province's shortfall allocated, or infeasible ones reported).
    pub solved: u64,
    /// Of the solved, those with an infeasible province.
    pub infeasible: u64,
    /// Scenarios that failed.
    pub failed: u64,
    /// Why the run failed, if it did.
    pub error: Option<String>,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    /// When (UTC, RFC 3339).
    pub at: String,
    /// The token's name, `local`, or `server` for what the server did by itself.
    pub who: String,
    /// `run.create`, `run.start`, `run.resume`, `run.done`, `run.failed`, `run.cancel`,
    /// `run.cancelled`, `run.interrupted`.
    pub action: String,
    /// The run.
    pub target: String,
    /// The fingerprint of the input.
    pub fingerprint: String,
    pub detail: String,
}

/// The current time for the index.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The index.
pub struct Store {
    db: Mutex<Connection>,
    path: std::path::PathBuf,
}

/// The index's file name in the state folder.
pub const FILE: &str = "spreiding.sqlite";

/// SQLite's `application_id` of the index ("spre"): a database without it that has tables is
/// another program's.
const APPLICATION_ID: i64 = 0x7370_7265;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    created TEXT NOT NULL,
    started TEXT,
    finished TEXT,
    owner TEXT NOT NULL,
    request TEXT NOT NULL,
    inputs TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    total INTEGER NOT NULL,
    ok INTEGER NOT NULL DEFAULT 0,
    infeasible INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    detail TEXT NOT NULL
);
";

const COLUMNS: &str =
    "id, status, created, started, finished, owner, inputs, fingerprint, total, ok, infeasible, failed, error";

fn info(row: &rusqlite::Row<'_>) -> rusqlite::Result<RunInfo> {
    let inputs: String = row.get(6)?;
    let ok: i64 = row.get(9)?;
    let infeasible: i64 = row.get(10)?;
    Ok(RunInfo {
        id: row.get(0)?,
        status: Status::parse(&row.get::<_, String>(1)?),
        created: row.get(2)?,
        started: row.get(3)?,
        finished: row.get(4)?,
        owner: row.get(5)?,
        inputs: serde_json::from_str(&inputs).unwrap_or_default(),
        fingerprint: row.get(7)?,
        total: row.get::<_, i64>(8)?.try_into().unwrap_or(0),
        solved: (ok + infeasible).try_into().unwrap_or(0),
        infeasible: infeasible.try_into().unwrap_or(0),
        failed: row.get::<_, i64>(11)?.try_into().unwrap_or(0),
        error: row.get(12)?,
    })
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// What a new run is.
pub struct NewRun<'a> {
    pub owner: &'a str,
    pub request: &'a str,
    pub inputs: &'a [String],
    pub fingerprint: &'a str,
    pub total: u64,
}

impl Store {
    /// Opens (or creates) the index in `dir`.
    ///
    /// A file that is not a database, is damaged (SQLite's `quick_check`) or is another
    /// program's database is refused, naming it: the server must not start on an index that
    /// has lost runs, or it would give their ids (and folders) to new runs.
    pub fn open(dir: &Path) -> Result<Store> {
        let path = dir.join(FILE);
        let damaged = |e: &dyn std::fmt::Display| {
            anyhow::anyhow!(
                "{}: the index of runs cannot be used ({e}); the server does not start on it, so that no run is lost or its folder reused. Restore the file from a backup, or move the state folder aside and start with a new one",
                path.display()
            )
        };
        let db = Connection::open(&path).map_err(|e| damaged(&e))?;
        let check: String = db.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(|e| damaged(&e))?;
        if check != "ok" {
            return Err(damaged(&format_args!("damaged: {check}")));
        }
        let tables: i64 = db
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| damaged(&e))?;
        let id: i64 = db.query_row("PRAGMA application_id", [], |r| r.get(0)).map_err(|e| damaged(&e))?;
        // Indexes written before the id was set have exactly the two tables.
        let ours: i64 = db
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('runs', 'audit')",
                [],
                |r| r.get(0),
            )
            .map_err(|e| damaged(&e))?;
        if tables > 0 && id != APPLICATION_ID && !(id == 0 && ours == 2 && tables == 2) {
            return Err(damaged(&"it is not a spreiding index: another program's database"));
        }
        db.pragma_update(None, "journal_mode", "WAL").map_err(|e| damaged(&e))?;
        db.pragma_update(None, "synchronous", "FULL")?;
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        db.execute_batch(SCHEMA).with_context(|| format!("creating the tables in {}", path.display()))?;
        db.pragma_update(None, "application_id", APPLICATION_ID)?;
        Ok(Store { db: Mutex::new(db), path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the index knows a run id.
    pub fn knows(&self, id: &str) -> Result<bool> {
        Ok(self.db().query_row("SELECT 1 FROM runs WHERE id = ?1", [id], |_| Ok(())).optional()?.is_some())
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a queued run and its `run.create` audit line, in one transaction; returns its id.
    /// `claim` is called with the new id before the transaction commits (it makes the run's
    /// folder, failing when one exists): an id that names something on disk is never given.
    pub fn create(&self, run: &NewRun<'_>, claim: impl FnOnce(&str) -> Result<()>) -> Result<String> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let at = now();
        let inputs = serde_json::to_string(run.inputs)?;
        tx.execute(
            "INSERT INTO runs (id, status, created, owner, request, inputs, fingerprint, total) VALUES ('', 'queued', ?1, ?2, ?3, ?4, ?5, ?6)",
            params![at, run.owner, run.request, inputs, run.fingerprint, count(run.total)],
        )?;
        let seq = tx.last_insert_rowid();
        let id = format!("run-{seq:06}");
        tx.execute("UPDATE runs SET id = ?1 WHERE seq = ?2", params![id, seq])?;
        tx.execute(
            "INSERT INTO audit (at, who, action, target, fingerprint, detail) VALUES (?1, ?2, 'run.create', ?3, ?4, ?5)",
            params![at, run.owner, id, run.fingerprint, format!("{} scenarios: {}", run.total, run.inputs.join(", "))],
        )?;
        claim(&id)?;
        tx.commit()?;
        Ok(id)
    }

    /// A run by id.
    pub fn get(&self, id: &str) -> Result<Option<RunInfo>> {
        Ok(self.db().query_row(&format!("SELECT {COLUMNS} FROM runs WHERE id = ?1"), [id], info).optional()?)
    }

    /// The request a run was made from.
    pub fn request(&self, id: &str) -> Result<Option<String>> {
        Ok(self.db().query_row("SELECT request FROM runs WHERE id = ?1", [id], |r| r.get(0)).optional()?)
    }

    /// Every run, oldest first.
    pub fn list(&self) -> Result<Vec<RunInfo>> {
        let db = self.db();
        let mut st = db.prepare(&format!("SELECT {COLUMNS} FROM runs ORDER BY seq"))?;
        let rows = st.query_map([], info)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The ids of runs that were queued or running, running ones first, each oldest first.
    pub fn unfinished(&self) -> Result<Vec<String>> {
        let db = self.db();
        let mut st =
            db.prepare("SELECT id FROM runs WHERE status IN ('running', 'queued') ORDER BY status = 'queued', seq")?;
        let rows = st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Sets a run's status (and its start or end time), with an audit line.
    pub fn set_status(&self, id: &str, status: Status, who: &str, action: &str, detail: &str) -> Result<()> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let at = now();
        let time_column = match status {
            // The first start stays: a continuation after a restart is in the audit log.
            Status::Running => "started = COALESCE(started, ?2), finished = NULL",
            s if s.is_final() => "finished = ?2",
            _ => "finished = finished",
        };
        let error = if status == Status::Failed { Some(detail) } else { None };
        tx.execute(
            &format!("UPDATE runs SET status = ?1, {time_column}, error = ?4 WHERE id = ?3"),
            params![status.as_str(), at, id, error],
        )?;
        tx.execute(
            "INSERT INTO audit (at, who, action, target, fingerprint, detail)
             SELECT ?1, ?2, ?3, id, fingerprint, ?4 FROM runs WHERE id = ?5",
            params![at, who, action, detail, id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records the counts of a run.
    pub fn set_counts(&self, id: &str, ok: u64, infeasible: u64, failed: u64) -> Result<()> {
        self.db().execute(
            "UPDATE runs SET ok = ?1, infeasible = ?2, failed = ?3 WHERE id = ?4",
            params![count(ok), count(infeasible), count(failed), id],
        )?;
        Ok(())
    }

    /// Adds an audit line of something other than a run (a monitoring snapshot).
    pub fn audit_line(&self, who: &str, action: &str, target: &str, fingerprint: &str, detail: &str) -> Result<()> {
        self.db().execute(
            "INSERT INTO audit (at, who, action, target, fingerprint, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![now(), who, action, target, fingerprint, detail],
        )?;
        Ok(())
    }

    /// The audit log, newest last; at most `limit` lines, the newest ones.
    pub fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        let db = self.db();
        let mut st = db.prepare(
            "SELECT seq, at, who, action, target, fingerprint, detail FROM
             (SELECT * FROM audit ORDER BY seq DESC LIMIT ?1) ORDER BY seq",
        )?;
        let rows = st
            .query_map([limit], |r| {
                Ok(AuditEntry {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    who: r.get(2)?,
                    action: r.get(3)?,
                    target: r.get(4)?,
                    fingerprint: r.get(5)?,
                    detail: r.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_as_itself() {
        for s in [Status::Queued, Status::Running, Status::Done, Status::Failed, Status::Cancelled] {
            assert_eq!(Status::parse(s.as_str()), s);
        }
        assert_eq!(Status::parse("unheard of"), Status::Failed);
        let finals: Vec<bool> = [Status::Queued, Status::Running, Status::Done, Status::Failed, Status::Cancelled]
            .map(Status::is_final)
            .to_vec();
        assert_eq!(finals, [false, false, true, true, true]);
    }

    #[test]
    fn runs_and_audit_survive_reopening() {
        let dir = tempfile::tempdir().expect("temp dir");
        let inputs = vec!["a".to_owned()];
        let id = {
            let store = Store::open(dir.path()).expect("open");
            let id = store
                .create(&NewRun { owner: "alice", request: "{}", inputs: &inputs, fingerprint: "f", total: 3 }, |_| {
                    Ok(())
                })
                .expect("create");
            store.set_status(&id, Status::Running, "server", "run.start", "").expect("status");
            store.set_counts(&id, 1, 1, 0).expect("counts");
            id
        };
        assert_eq!(id, "run-000001");
        let store = Store::open(dir.path()).expect("reopen");
        let run = store.get(&id).expect("get").expect("there");
        assert_eq!((run.status, run.solved, run.infeasible, run.failed, run.total), (Status::Running, 2, 1, 0, 3));
        assert_eq!(run.owner, "alice");
        assert_eq!(store.unfinished().expect("unfinished"), vec![id.clone()]);
        store.set_status(&id, Status::Failed, "server", "run.failed", "disk full").expect("status");
        let run = store.get(&id).expect("get").expect("there");
        assert_eq!(run.error.as_deref(), Some("disk full"));
        assert!(run.finished.is_some());
        assert!(store.unfinished().expect("unfinished").is_empty());
        let audit = store.audit(10).expect("audit");
        let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(actions, ["run.create", "run.start", "run.failed"]);
        assert!(audit.iter().all(|a| a.fingerprint == "f" && a.target == id));
        assert_eq!(store.audit(1).expect("audit").len(), 1);
        assert_eq!(store.audit(1).expect("audit")[0].action, "run.failed");
    }
}
