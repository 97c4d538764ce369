//! `spreiding serve`: the solver as an HTTP service (axum on tokio).
//!
//! Synchronous solves run on a bounded pool of solver threads outside the async runtime; batch
//! runs on a runner thread with the engine of `spreiding run`, stored under `--state` with an
//! SQLite index and audit log, continued after a restart. Requests name served scenarios by
//! id; nothing from a request becomes a path. Errors are `application/problem+json`.

mod api;
mod auth;
mod catalog;
mod guard;
mod monitoring;
mod problem;
mod runs;
mod shared;
mod store;
mod workbench;

use anyhow::{bail, Context, Result};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use catalog::Catalog;
use problem::ApiError;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi;

/// The settings of `spreiding serve`.
pub struct Config {
    pub bind: String,
    pub scenarios: PathBuf,
    pub state: PathBuf,
    pub tokens: Option<PathBuf>,
    pub workers: Option<usize>,
    pub max_body: usize,
    pub queue: usize,
    pub max_queued_runs: usize,
    pub timeout: Duration,
    /// Most scenarios one run may have, whatever its request asks (`--max-run-scenarios`).
    pub max_run_scenarios: u64,
    /// Time-out of reading a request's headers, and its body (`--read-timeout`).
    pub read_timeout: Duration,
    /// The folder of decision dossiers to monitor (`--dossiers`).
    pub dossiers: Option<PathBuf>,
}

/// Who sent a request: a token's name, or `local` when the server has no tokens.
#[derive(Clone, Debug)]
pub struct Caller(pub String);

/// The server's state, shared by the handlers.
pub struct App {
    catalog: Arc<Catalog>,
    runs: Arc<runs::Runs>,
    pool: Pool,
    tokens: Option<auth::Tokens>,
    max_body: usize,
    shutdown: CancellationToken,
    guard: guard::Guard,
    monitoring: monitoring::Monitoring,
}

/// The solver threads of synchronous requests: at most `capacity` requests are solving or
/// waiting; one more is answered 503 at once, so a burst does not pile up memory.
pub struct Pool {
    pool: rayon::ThreadPool,
    permits: Arc<Semaphore>,
    capacity: usize,
    timeout: Duration,
}

impl Pool {
    fn new(threads: usize, capacity: usize, timeout: Duration) -> Result<Pool> {
        let pool =
            rayon::ThreadPoolBuilder::new().num_threads(threads).thread_name(|i| format!("solve-{i}")).build()?;
        Ok(Pool { pool, permits: Arc::new(Semaphore::new(capacity)), capacity, timeout })
    }

    /// Runs `f` on a solver thread; 503 when the queue is full or the time limit runs out (the
    /// work then still finishes, holding its place in the queue).
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
        let Ok(permit) = self.permits.clone().try_acquire_owned() else {
            return Err(ApiError::busy(
                format!(
                    "the server is busy: {} requests are solving or waiting (its --queue); try again shortly",
                    self.capacity
                ),
                1,
            ));
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.pool.spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            drop(permit);
            let _ = tx.send(result);
        });
        match tokio::time::timeout(self.timeout, rx).await {
            Err(_) => Err(ApiError::busy(
                format!(
                    "the request took longer than the time limit of {} s (the server's --timeout)",
                    self.timeout.as_secs()
                ),
                5,
            )),
            Ok(Ok(Ok(v))) => Ok(v),
            Ok(Ok(Err(_))) => Err(ApiError::internal("the solver failed on this request (a bug: please report it)")),
            Ok(Err(_)) => Err(ApiError::internal("the solver thread stopped")),
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "spreiding",
        description = "Allocation of asylum reception places under the Dutch Spreidingswet: solve served or inline scenarios, explain every number in Dutch, run batches and sweeps, compare runs. Errors are application/problem+json (RFC 9457) with every problem at its field."
    ),
    paths(
        api::health,
        api::scenarios,
        api::scenario,
        api::dataset_indicative,
        api::solve,
        api::explain,
        api::objection,
        api::create_run,
        api::list_runs,
        api::get_run,
        api::cancel_run,
        api::run_events,
        api::run_summary,
        api::run_results,
        api::run_bands_endpoint,
        api::compare,
        api::audit,
        api::decisions,
        api::decision_status,
        api::decision_history,
        api::post_snapshot,
        api::decision_timeline,
        api::decision_map,
        workbench::dataset_map
    ),
    modifiers(&BearerToken),
    security(("token" = [])),
    tags(
        (name = "service", description = "Health"),
        (name = "scenarios", description = "The served scenario and sweep files"),
        (name = "solve", description = "Synchronous solves and explanations"),
        (name = "runs", description = "Batch runs, their results, comparisons and the audit log"),
        (name = "monitoring", description = "Realisation after a decision: snapshots, status, history")
    )
)]
struct ApiDoc;

struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// Checks the token of every request but health, openapi and docs; records the caller.
async fn authenticate(State(app): State<Arc<App>>, mut request: Request, next: Next) -> Response {
    let caller = match &app.tokens {
        None => "local".to_owned(),
        Some(tokens) => {
            let given = request.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(auth::bearer);
            match given.and_then(|g| tokens.check(g)) {
                Some(name) => name.to_owned(),
                None => {
                    let why = if given.is_some() {
                        "the token is not valid"
                    } else {
                        "this endpoint needs `Authorization: Bearer <token>`"
                    };
                    return ApiError::unauthorized(why).into_response();
                }
            }
        }
    };
    request.extensions_mut().insert(Caller(caller.clone()));
    let mut response = next.run(request).await;
    response.extensions_mut().insert(Caller(caller));
    response
}

/// One log line per request: method, path, status, duration, caller.
async fn log(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let caller = response.extensions().get::<Caller>().map_or("-", |c| c.0.as_str());
    tracing::info!(
        target: "spreiding::request",
        "{method} {path} {} {:.1} ms {caller}",
        response.status().as_u16(),
        start.elapsed().as_secs_f64() * 1e3
    );
    response
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::method_not_allowed(format!("{method} is not allowed on {}; see /docs", uri.path()))
}

fn router(app: Arc<App>) -> Router {
    let v1 = Router::new()
        .route("/scenarios", get(api::scenarios))
        .route("/scenarios/{*id}", get(api::scenario))
        .route("/solve", post(api::solve))
        .route("/explain", post(api::explain))
        .route("/objection", post(api::objection))
        .route("/runs", get(api::list_runs).post(api::create_run))
        .route("/runs/{id}", get(api::get_run).delete(api::cancel_run))
        .route("/runs/{id}/events", get(api::run_events))
        .route("/runs/{id}/summary", get(api::run_summary))
        .route("/runs/{id}/results", get(api::run_results))
        .route("/runs/{id}/bands", get(api::run_bands_endpoint))
        .route("/compare", post(api::compare))
        .route("/audit", get(api::audit))
        .route("/decisions", get(api::decisions))
        .route("/decisions/{id}/status", get(api::decision_status))
        .route("/decisions/{id}/history", get(api::decision_history))
        .route("/decisions/{id}/snapshots", post(api::post_snapshot))
        .route("/decisions/{id}/timeline", get(api::decision_timeline))
        .route("/decisions/{id}/map", get(api::decision_map))
        .route("/datasets/{label}/map", get(workbench::dataset_map))
        .route("/datasets/{label}/indicative", get(api::dataset_indicative))
        .route_layer(middleware::from_fn_with_state(app.clone(), authenticate))
        .route("/health", get(api::health));
    let max_body = app.max_body;
    Router::new()
        .nest("/v1", v1)
        .route("/", get(workbench::index))
        .route("/workbench/app.js", get(workbench::script))
        .route("/workbench/app.css", get(workbench::style))
        .merge(utoipa_swagger_ui::SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi()))
        .fallback(api::not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(app.clone(), guard::check))
        .layer(middleware::from_fn_with_state(app.clone(), guard::answer))
        .layer(middleware::from_fn(log))
        .with_state(app)
}

/// The address to bind; without tokens only a loopback address.
fn address(bind: &str, tokens: bool) -> Result<SocketAddr> {
    let addrs: Vec<SocketAddr> = bind
        .to_socket_addrs()
        .with_context(|| format!("--bind {bind}: not an address; give host:port, e.g. 127.0.0.1:8080"))?
        .collect();
    let Some(first) = addrs.first() else { bail!("--bind {bind}: the name has no address") };
    if !tokens && !addrs.iter().all(|a| a.ip().is_loopback()) {
        bail!(
            "--bind {bind}: without --tokens the server binds only to a loopback address (127.0.0.1, ::1); give --tokens FILE to serve others"
        );
    }
    Ok(*first)
}

/// Waits for SIGINT or SIGTERM.
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Largest request head (request line and headers) a connection buffers; the guard answers
/// heads above [`guard::MAX_HEAD`] with a problem, hyper those above this with a bare 431.
const HEAD_BUFFER: usize = 1024 * 1024;

/// Serves connections until `stop` completes, then waits (at most 30 s) for the requests in
/// progress. Each connection must send a request's head within `read_timeout` (slow clients
/// are cut off: hyper's header read time-out); bodies are timed by [`guard::check`].
async fn listen(
    listener: tokio::net::TcpListener,
    router: Router,
    read_timeout: Duration,
    stop: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(read_timeout).max_buf_size(HEAD_BUFFER);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: wait a little, then go on.
                        tracing::warn!("accepting a connection: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let service = hyper_util::service::TowerToHyperService::new(router.clone());
                let (watcher, http) = (graceful.watcher(), http.clone());
                tokio::spawn(async move {
                    if let Some(stream) = guard::request_line(stream, read_timeout).await {
                        let _ = watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await;
                    }
                });
            }
            () = &mut stop => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(30)) => {
            tracing::warn!("stopping: connections still open after 30 s are closed");
        }
    }
}

/// Runs the server until SIGINT or SIGTERM.
pub fn serve(config: Config) -> Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let tokens = config.tokens.as_deref().map(auth::Tokens::read).transpose()?;
    let addr = address(&config.bind, tokens.is_some())?;
    std::fs::create_dir_all(&config.state).with_context(|| format!("creating --state {}", config.state.display()))?;
    let lock_path = config.state.join("lock");
    let lock = std::fs::File::create(&lock_path).with_context(|| format!("creating {}", lock_path.display()))?;
    if lock.try_lock().is_err() {
        bail!("--state {}: another spreiding serve uses this folder", config.state.display());
    }
    let catalog = Arc::new(Catalog::load(&config.scenarios)?);
    let monitoring = monitoring::Monitoring::load(config.dossiers.as_deref(), &config.state)?;
    let mut paths = catalog.server_paths();
    if let Some(d) = &config.dossiers {
        for dir in [d.clone(), std::fs::canonicalize(d).unwrap_or_default()] {
            paths.push((format!("{}/", dir.display()), String::new()));
            paths.push((dir.display().to_string(), "dossiers".to_owned()));
        }
    }
    for state in [config.state.clone(), std::fs::canonicalize(&config.state).unwrap_or_default()] {
        paths.push((format!("{}/", state.display()), String::new()));
        paths.push((state.display().to_string(), "state".to_owned()));
    }
    for e in catalog.entries() {
        if let Err(problems) = &e.ready {
            tracing::warn!("{}: does not validate; served as invalid:\n{problems}", e.id);
        }
    }
    let workers = config.workers.unwrap_or_else(|| spreiding_results::run::threads(None)).max(1);
    let store = Arc::new(store::Store::open(&config.state)?);
    let limits = runs::Limits { max_queued: config.max_queued_runs, max_scenarios: config.max_run_scenarios };
    let runs = runs::Runs::start(&config.state, store, catalog.clone(), workers, limits)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(addr))
        .with_context(|| format!("--bind {}: cannot bind", config.bind))?;
    let local = listener.local_addr()?;
    let app = Arc::new(App {
        catalog,
        runs: runs.clone(),
        pool: Pool::new(workers, config.queue.max(1), config.timeout)?,
        guard: guard::Guard::new(local, tokens.is_some(), config.read_timeout, paths),
        tokens,
        max_body: config.max_body,
        shutdown: CancellationToken::new(),
        monitoring,
    });
    let result = runtime.block_on(async {
        {
            use std::io::Write;
            let mut out = std::io::stdout();
            let _ = writeln!(out, "spreiding serve: listening on http://{local}");
            let _ = out.flush();
        }
        tracing::info!(
            "serving {} scenario files from {} with {workers} solver threads; state in {}{}",
            app.catalog.entries().count(),
            config.scenarios.display(),
            config.state.display(),
            match &app.tokens {
                Some(t) => format!("; {} tokens, every request but health and docs needs one", t.len()),
                None => "; loopback only, no tokens".to_owned(),
            }
        );
        let shutdown = app.shutdown.clone();
        let stopping = runs.clone();
        let signal = async move {
            stop_signal().await;
            tracing::info!("stopping: no new connections; finishing requests and checkpointing runs");
            shutdown.cancel();
            let _ = tokio::task::spawn_blocking(move || stopping.shutdown()).await;
        };
        listen(listener, router(app.clone()), config.read_timeout, signal).await;
        anyhow::Ok(())
    });
    runs.shutdown();
    tracing::info!("stopped");
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    fn status(e: ApiError) -> (StatusCode, Option<String>) {
        let r = e.into_response();
        (r.status(), r.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned))
    }

    #[test]
    fn a_full_pool_answers_503_at_once_and_takes_work_again_when_free() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let pool = Arc::new(Pool::new(1, 2, Duration::from_secs(30)).expect("pool"));
            let (release, wait) = std::sync::mpsc::channel::<()>();
            let wait = Arc::new(std::sync::Mutex::new(wait));
            let mut busy = Vec::new();
            for _ in 0..2 {
                let (p, w) = (pool.clone(), wait.clone());
                busy.push(tokio::spawn(async move {
                    p.run(move || {
                        let _ = w.lock().map(|w| w.recv());
                        1
                    })
                    .await
                    .is_ok()
                }));
            }
            // Both places taken (one solving, one waiting): the third is refused at once.
            while pool.permits.available_permits() > 0 {
                tokio::task::yield_now().await;
            }
            let refused = pool.run(|| 3).await.err().map(status);
            assert_eq!(refused, Some((StatusCode::SERVICE_UNAVAILABLE, Some("1".to_owned()))));
            release.send(()).expect("send");
            release.send(()).expect("send");
            for b in busy {
                assert!(b.await.expect("join"));
            }
            assert_eq!(pool.run(|| 4).await.ok(), Some(4));
        });
    }

    #[test]
    fn a_request_over_the_time_limit_answers_503_and_its_work_keeps_its_place() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let pool = Pool::new(1, 1, Duration::from_millis(50)).expect("pool");
            let (release, wait) = std::sync::mpsc::channel::<()>();
            let slow = pool.run(move || wait.recv().is_ok()).await;
            assert_eq!(slow.err().map(status), Some((StatusCode::SERVICE_UNAVAILABLE, Some("5".to_owned()))));
            // The timed-out work still holds the only place.
            assert_eq!(pool.permits.available_permits(), 0);
            release.send(()).expect("send");
            while pool.permits.available_permits() == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            assert_eq!(pool.run(|| 5).await.ok(), Some(5));
        });
    }

    #[test]
    fn a_panic_in_the_solver_is_a_500_not_a_dead_server() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let pool = Pool::new(1, 1, Duration::from_secs(5)).expect("pool");
            let r = pool.run(|| -> u8 { panic!("boom") }).await;
            assert_eq!(r.err().map(status).map(|s| s.0), Some(StatusCode::INTERNAL_SERVER_ERROR));
            assert_eq!(pool.run(|| 6).await.ok(), Some(6));
        });
    }

    #[test]
    fn only_loopback_without_tokens() {
        assert!(address("127.0.0.1:0", false).is_ok());
        assert!(address("[::1]:0", false).is_ok());
        assert!(address("localhost:0", false).is_ok());
        let e = address("0.0.0.0:0", false).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("loopback"), "{e}");
        assert!(address("0.0.0.0:0", true).is_ok());
        assert!(address("not an address", false).is_err());
    }
}
