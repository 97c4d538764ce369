//! Batch runs: queued in the index, solved one at a time by a runner thread with the same
//! engine as `spreiding run` (`spreiding_results::run::execute`) into `<state>/runs/<id>/`, resumable.
//!
//! A run that was running when the server stopped (SIGTERM, or killed) is continued at the next
//! start with the resume logic: result files are written whole or not at all, and a file is
//! kept only when its fingerprint and scenarios match, so nothing is lost or doubled.

use super::catalog::{Catalog, Ready};
use super::problem::ApiError;
use super::store::{NewRun, RunInfo, Status, Store};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use spreiding_results::run::{self, Plan, Tally, Unit};
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use utoipa::ToSchema;

/// The body of `POST /v1/runs`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"scenarios": ["2024-2026/rest-indicative", "2024-2026/effort"]}))]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// Served scenario or sweep ids, and inline scenarios (objects with the fields of a
    /// scenario file), in the order their results are listed.
    #[schema(value_type = Vec<super::catalog::ScenarioRef>, min_items = 1)]
    pub scenarios: Vec<serde_json::Value>,
    /// Allow more scenarios than 10,000, up to the server's `--max-run-scenarios` (default
    /// 100,000).
    #[schema(minimum = 1)]
    pub max_scenarios: Option<u64>,
}

/// What the server lets runs be.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Runs waiting to start (`--max-queued-runs`).
    pub max_queued: usize,
    /// Scenarios in one run (`--max-run-scenarios`), whatever a request asks.
    pub max_scenarios: u64,
}

/// Reads a run's inputs into a plan; refuses unknown ids, served files that do not validate,
/// inline scenarios with problems, and batches above the limit. Also answers the inputs' names.
pub fn plan(catalog: &Catalog, request: &RunRequest, ceiling: u64) -> Result<(Plan, Vec<String>), ApiError> {
    if request.scenarios.is_empty() {
        return Err(ApiError::field("body", "scenarios", "is empty; give at least one served id or inline scenario"));
    }
    match request.max_scenarios {
        Some(0) => return Err(ApiError::field("body", "max_scenarios", "is 0; give at least 1")),
        Some(m) if m > ceiling => {
            return Err(ApiError::field(
                "body",
                "max_scenarios",
                format!("is {m}; this server runs at most {ceiling} scenarios in one run (its --max-run-scenarios)"),
            ))
        }
        _ => {}
    }
    let mut units: Vec<Unit> = Vec::new();
    let mut inputs = Vec::new();
    for (i, item) in request.scenarios.iter().enumerate() {
        let at = format!("scenarios[{i}]");
        match item {
            serde_json::Value::String(id) => {
                let Some(entry) = catalog.get(id) else {
                    return Err(ApiError::field(
                        "body",
                        &at,
                        format!("`{id}` is not a served scenario or sweep (see GET /v1/scenarios)"),
                    ));
                };
                // The files as the server read them at start, as its solves answer them.
                match &entry.ready {
                    Err(e) => return Err(ApiError::invalid(e)),
                    Ok(Ready::Scenario(p)) => units.push(Unit::prepared(
                        &entry.path,
                        p.scenario.clone(),
                        p.dataset.clone(),
                        p.fingerprint.clone(),
                    )),
                    Ok(Ready::Sweep(sweep)) => {
                        let Some((base, _)) = catalog.base_dataset(&sweep.base.dataset) else {
                            return Err(ApiError::field("body", &at, format!("`{id}`: its data set was not read")));
                        };
                        units.push(Unit::sweep(&entry.path, (**sweep).clone(), &base));
                    }
                }
                inputs.push(id.clone());
            }
            serde_json::Value::Object(_) => {
                let (scenario, base, _) = catalog.inline_scenario(&at, item).map_err(|e| ApiError::invalid(&e))?;
                inputs.push(format!("inline:{}", scenario.name));
                units.push(Unit::scenario(&at, scenario, &base));
            }
            _ => {
                return Err(ApiError::field(
                    "body",
                    &at,
                    "expected a served id (a string) or a scenario (an object with the fields of a scenario file)",
                ))
            }
        }
    }
    let total = run::total(&units);
    let limit = request.max_scenarios.unwrap_or(run::DEFAULT_MAX_SCENARIOS).min(ceiling);
    if total > limit {
        let how = if total <= ceiling {
            format!("set max_scenarios to {total} to run them")
        } else {
            format!("this server runs at most {ceiling} in one run (its --max-run-scenarios): split the run")
        };
        return Err(ApiError::field(
            "body",
            "scenarios",
            format!("this run would have {total} scenarios, more than the limit of {limit}; {how}"),
        ));
    }
    let plan = Plan::new(units, Some(u64::MAX), spreiding_results::run::ResultFormat::Jsonl)
        .map_err(|e| ApiError::field("body", "scenarios", format!("{e:#}")))?;
    if let Some(error) = plan.errors().next() {
        return Err(ApiError::field("body", "scenarios", error.to_owned()));
    }
    Ok((plan, inputs))
}

/// A run that is queued or running.
pub struct Live {
    tx: watch::Sender<RunInfo>,
    cancel: AtomicBool,
    cancelled_by: Mutex<Option<String>>,
}

struct Inner {
    queue: VecDeque<String>,
    live: HashMap<String, Arc<Live>>,
    shutdown: bool,
}

/// The runs of the server.
pub struct Runs {
    store: Arc<Store>,
    dir: PathBuf,
    catalog: Arc<Catalog>,
    workers: usize,
    limits: Limits,
    inner: Mutex<Inner>,
    wake: Condvar,
    runner: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// How often a running run's counts are written to the index.
const COUNTS_EVERY: Duration = Duration::from_millis(500);

impl Runs {
    /// The runs under `state`; queues again every run that was queued or running, and starts the
    /// runner thread.
    pub fn start(
        state: &std::path::Path,
        store: Arc<Store>,
        catalog: Arc<Catalog>,
        workers: usize,
        limits: Limits,
    ) -> Result<Arc<Runs>> {
        let dir = state.join("runs");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let runs = Arc::new(Runs {
            store,
            dir,
            catalog,
            workers,
            limits,
            inner: Mutex::new(Inner { queue: VecDeque::new(), live: HashMap::new(), shutdown: false }),
            wake: Condvar::new(),
            runner: Mutex::new(None),
        });
        runs.check_folders()?;
        for id in runs.store.unfinished()? {
            if let Some(info) = runs.store.get(&id)? {
                tracing::info!(run = %id, status = info.status.as_str(), "continuing after a restart");
                let mut inner = runs.lock();
                inner.live.insert(id.clone(), Arc::new(Live::new(info)));
                inner.queue.push_back(id);
            }
        }
        let worker = runs.clone();
        let handle = std::thread::Builder::new().name("runner".into()).spawn(move || worker.runner())?;
        *runs.runner.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
        Ok(runs)
    }

    /// Refuses a state folder whose `runs/` holds run folders the index does not know: the
    /// index was damaged, truncated or replaced, and new runs would get those ids.
    fn check_folders(&self) -> Result<()> {
        let mut unknown = Vec::new();
        for e in std::fs::read_dir(&self.dir).with_context(|| format!("reading {}", self.dir.display()))? {
            let name = e?.file_name().to_string_lossy().into_owned();
            if name.starts_with("run-") && !self.store.knows(&name)? {
                unknown.push(name);
            }
        }
        if unknown.is_empty() {
            return Ok(());
        }
        unknown.sort();
        let n = unknown.len();
        unknown.truncate(5);
        anyhow::bail!(
            "{}: does not know {n} run folder{} in {} ({}{}): the index was damaged, truncated or replaced. The server does not start on it, so that no run folder is reused; restore the index from a backup, or move the state folder aside and start with a new one",
            self.store.path().display(),
            if n == 1 { "" } else { "s" },
            self.dir.display(),
            unknown.join(", "),
            if n > 5 { ", ..." } else { "" }
        )
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The folder of a run.
    pub fn folder(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// The index.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Queues a run (blocking: reads the inputs). 429 when [`Runs::start`]'s `max_queued` runs
    /// are waiting already.
    pub fn create(&self, owner: &str, request: &RunRequest) -> Result<RunInfo, ApiError> {
        let queued = self.lock().queue.len();
        if queued >= self.limits.max_queued {
            return Err(ApiError::too_many(
                format!("{queued} runs are waiting already (the server's --max-queued-runs); try again when one has started"),
                10,
            ));
        }
        let (plan, inputs) = plan(&self.catalog, request, self.limits.max_scenarios)?;
        let text = serde_json::to_string(request).map_err(ApiError::internal)?;
        let fingerprint = plan.fingerprint();
        let new = NewRun { owner, request: &text, inputs: &inputs, fingerprint: &fingerprint, total: plan.total() };
        // The folder is made (never taken over) before the run's row is committed.
        let id = self
            .store
            .create(&new, |id| {
                let folder = self.folder(id);
                std::fs::create_dir(&folder).with_context(|| {
                    format!("{}: exists already; a new run never takes over a folder", folder.display())
                })?;
                spreiding_results::atomic::write_output(Some(&folder.join("request.json")), text.as_bytes())
            })
            .map_err(ApiError::internal)?;
        let info =
            self.store.get(&id).map_err(ApiError::internal)?.ok_or_else(|| ApiError::internal("run vanished"))?;
        let mut inner = self.lock();
        inner.live.insert(id.clone(), Arc::new(Live::new(info.clone())));
        inner.queue.push_back(id);
        self.wake.notify_all();
        Ok(info)
    }

    /// Runs waiting to start.
    pub fn queued(&self) -> usize {
        self.lock().queue.len()
    }

    /// A run's current state.
    pub fn get(&self, id: &str) -> Result<RunInfo, ApiError> {
        if let Some(live) = self.lock().live.get(id) {
            return Ok(live.tx.borrow().clone());
        }
        self.store.get(id).map_err(ApiError::internal)?.ok_or_else(|| ApiError::not_found(format!("no run `{id}`")))
    }

    /// Every run, oldest first, live counts for the running one.
    pub fn list(&self) -> Result<Vec<RunInfo>, ApiError> {
        let mut runs = self.store.list().map_err(ApiError::internal)?;
        let inner = self.lock();
        for r in &mut runs {
            if let Some(live) = inner.live.get(&r.id) {
                *r = live.tx.borrow().clone();
            }
        }
        Ok(runs)
    }

    /// Updates of a run until it ends; `None` for a run that is not queued or running.
    pub fn watch(&self, id: &str) -> Option<watch::Receiver<RunInfo>> {
        self.lock().live.get(id).map(|l| l.tx.subscribe())
    }

    /// Cancels a run: a queued one at once, a running one after its chunks in progress are
    /// written (waits for that). 409 for a run that is done or failed.
    pub async fn cancel(&self, id: &str, who: &str) -> Result<RunInfo, ApiError> {
        let rx = {
            let mut inner = self.lock();
            let info = match inner.live.get(id) {
                Some(live) => live.tx.borrow().clone(),
                None => self
                    .store
                    .get(id)
                    .map_err(ApiError::internal)?
                    .ok_or_else(|| ApiError::not_found(format!("no run `{id}`")))?,
            };
            match info.status {
                Status::Cancelled => return Ok(info),
                Status::Done | Status::Failed => {
                    return Err(ApiError::conflict(format!(
                        "run `{id}` is {} already; nothing to cancel",
                        info.status.as_str()
                    )))
                }
                Status::Queued => {
                    inner.queue.retain(|q| q != id);
                    let live = inner.live.remove(id);
                    drop(inner);
                    self.store
                        .set_status(id, Status::Cancelled, who, "run.cancel", "cancelled before it started")
                        .map_err(ApiError::internal)?;
                    let info = self.store.get(id).map_err(ApiError::internal)?.unwrap_or(info);
                    if let Some(live) = live {
                        live.tx.send_replace(info.clone());
                    }
                    return Ok(info);
                }
                Status::Running => {
                    let Some(live) = inner.live.get(id) else { return Ok(info) };
                    *live.cancelled_by.lock().unwrap_or_else(|e| e.into_inner()) = Some(who.to_owned());
                    live.cancel.store(true, Ordering::SeqCst);
                    live.tx.subscribe()
                }
            }
        };
        Ok(final_state(rx).await)
    }

    /// Stops the runner: the running run stops after its chunks in progress (it stays
    /// `running` in the index and continues at the next start); queued runs stay queued.
    pub fn shutdown(&self) {
        {
            let mut inner = self.lock();
            inner.shutdown = true;
            for live in inner.live.values() {
                live.cancel.store(true, Ordering::SeqCst);
            }
            self.wake.notify_all();
        }
        if let Some(handle) = self.runner.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = handle.join();
        }
    }

    fn runner(&self) {
        loop {
            let (id, live) = {
                let mut inner = self.lock();
                loop {
                    if inner.shutdown {
                        return;
                    }
                    if let Some(id) = inner.queue.pop_front() {
                        let live = inner.live.get(&id).cloned();
                        break (id, live);
                    }
                    inner = self.wake.wait(inner).unwrap_or_else(|e| e.into_inner());
                }
            };
            let Some(live) = live else { continue };
            if let Err(e) = self.execute(&id, &live) {
                tracing::error!(run = %id, "{e:#}");
                let _ = self.store.set_status(&id, Status::Failed, "server", "run.failed", &format!("{e:#}"));
            }
            let info = self.store.get(&id).ok().flatten();
            let mut inner = self.lock();
            if let Some(info) = info {
                live.tx.send_replace(info);
            }
            inner.live.remove(&id);
        }
    }

    fn execute(&self, id: &str, live: &Live) -> Result<()> {
        let Some(info) = self.store.get(id)? else { return Ok(()) };
        if info.status.is_final() {
            return Ok(());
        }
        let (action, who) =
            if info.status == Status::Running { ("run.resume", "server") } else { ("run.start", "server") };
        self.store.set_status(id, Status::Running, who, action, "")?;
        if let Some(info) = self.store.get(id)? {
            live.tx.send_replace(info);
        }
        let request: RunRequest = serde_json::from_str(&self.store.request(id)?.unwrap_or_default())
            .context("the stored request does not read")?;
        let (plan, _) = match plan(&self.catalog, &request, self.limits.max_scenarios) {
            Ok(p) => p,
            Err(e) => {
                let detail = format!("its inputs no longer validate: {}", e.summary());
                self.store.set_status(id, Status::Failed, "server", "run.failed", &detail)?;
                return Ok(());
            }
        };
        // Continued after a restart on files that changed meanwhile: its results would mix two
        // definitions.
        if plan.fingerprint() != info.fingerprint {
            let detail = format!(
                "its inputs changed since it was asked for ({}): the served files or their data sets were edited before the server restarted; ask for a new run",
                info.inputs.join(", ")
            );
            self.store.set_status(id, Status::Failed, "server", "run.failed", &detail)?;
            return Ok(());
        }
        let last = Mutex::new(Instant::now());
        let progress = |t: Tally| {
            live.tx.send_modify(|i| set_counts(i, t));
            let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
            if last.elapsed() >= COUNTS_EVERY {
                *last = Instant::now();
                let _ = self.store.set_counts(id, t.ok, t.infeasible, t.failed);
            }
        };
        let started = Instant::now();
        let outcome = run::execute(&plan, &self.folder(id), true, None, self.workers, &live.cancel, &progress);
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                self.store.set_status(id, Status::Failed, "server", "run.failed", &format!("{e:#}"))?;
                return Ok(());
            }
        };
        let t = outcome.tally;
        self.store.set_counts(id, t.ok, t.infeasible, t.failed)?;
        let detail = format!(
            "{} solved, {} infeasible, {} failed; {} result files kept, {} written in {:.2} s",
            t.ok + t.infeasible,
            t.infeasible,
            t.failed,
            outcome.kept,
            outcome.solved,
            started.elapsed().as_secs_f64()
        );
        if !outcome.cancelled {
            self.store.set_status(id, Status::Done, "server", "run.done", &detail)?;
        } else if let Some(who) = live.cancelled_by.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            self.store.set_status(id, Status::Cancelled, &who, "run.cancelled", &detail)?;
        } else {
            // The server is stopping: the run stays `running` and continues at the next start.
            self.store.set_status(id, Status::Running, "server", "run.interrupted", &detail)?;
        }
        tracing::info!(run = %id, "{detail}");
        Ok(())
    }
}

/// A run's counts from the engine's tally (solved = without and with an infeasible province).
fn set_counts(info: &mut RunInfo, t: Tally) {
    info.solved = t.ok + t.infeasible;
    info.infeasible = t.infeasible;
    info.failed = t.failed;
}

impl Live {
    fn new(info: RunInfo) -> Live {
        Live { tx: watch::channel(info).0, cancel: AtomicBool::new(false), cancelled_by: Mutex::new(None) }
    }
}

/// The state a watched run ends in (or its last state when the watch ends without one: the
/// server is stopping).
pub async fn final_state(mut rx: watch::Receiver<RunInfo>) -> RunInfo {
    loop {
        let info = rx.borrow_and_update().clone();
        if info.status.is_final() || rx.changed().await.is_err() {
            return rx.borrow().clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_tally() {
        let mut info = RunInfo {
            id: "run-000001".into(),
            status: Status::Running,
            created: String::new(),
            started: None,
            finished: None,
            owner: "local".into(),
            inputs: Vec::new(),
            fingerprint: String::new(),
            total: 10,
            solved: 0,
            infeasible: 0,
            failed: 0,
            error: None,
        };
        set_counts(&mut info, Tally { ok: 5, infeasible: 3, failed: 2 });
        assert_eq!((info.solved, info.infeasible, info.failed), (8, 3, 2));
    }
}
