//! `GET /v1/health` and the served files (`GET /v1/scenarios`, `/v1/scenarios/{id}`).

use super::*;

// ---------------------------------------------------------------------------------------------
// Health and the served scenarios

/// `GET /v1/health`.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// The program version.
    pub version: String,
    /// The linked HiGHS version.
    pub highs: String,
    /// Runs waiting to start.
    pub queued_runs: usize,
}

/// The server is up.
#[utoipa::path(get, path = "/v1/health", tag = "service", security(()),
    responses((status = 200, description = "The server is up", body = Health)))]
pub async fn health(State(app): State<Arc<App>>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        highs: spreiding_solver::allocate::highs_version(),
        queued_runs: app.runs.queued(),
    })
}

/// A served scenario or sweep file.
#[derive(Serialize, ToSchema)]
pub struct ScenarioSummary {
    /// The path below the served folder without `.toml`, e.g. `2024-2026/rest-indicative`.
    pub id: String,
    pub kind: Kind,
    /// The scenario's (or sweep's) name.
    pub name: String,
    /// The file's leading comment (a sweep's `description`).
    pub description: String,
    /// The scenarios it stands for (a sweep's grid points times draws).
    pub scenarios: u64,
    /// It reads and validates; when not, `problems` says why.
    pub valid: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// `GET /v1/scenarios`.
#[derive(Serialize, ToSchema)]
pub struct ScenarioList {
    pub scenarios: Vec<ScenarioSummary>,
    /// The data sets inline scenarios may name in `dataset`.
    pub datasets: Vec<String>,
}

fn summary(e: &crate::catalog::Entry) -> ScenarioSummary {
    ScenarioSummary {
        id: e.id.clone(),
        kind: e.kind,
        name: e.name.clone(),
        description: e.description.clone(),
        scenarios: e.scenarios,
        valid: e.ready.is_ok(),
        problems: e
            .ready
            .as_ref()
            .err()
            .map(|e| e.problems().iter().map(|p| p.to_string()).collect())
            .unwrap_or_default(),
    }
}

/// The served scenario and sweep files.
#[utoipa::path(get, path = "/v1/scenarios", tag = "scenarios",
    responses((status = 200, description = "The served files, by id", body = ScenarioList),
              Unauthorized))]
pub async fn scenarios(State(app): State<Arc<App>>) -> Json<ScenarioList> {
    Json(ScenarioList {
        scenarios: app.catalog.entries().map(summary).collect(),
        datasets: app.catalog.dataset_labels().map(str::to_owned).collect(),
    })
}

/// `GET /v1/scenarios/{id}`.
#[derive(Serialize, ToSchema)]
pub struct ScenarioDetail {
    #[serde(flatten)]
    pub summary: ScenarioSummary,
    /// The settings after inheritance (a sweep: its base scenario, grid and random draws).
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
}

/// A scenario's settings for people and tools: the data set by its label, the `extends`
/// chain by served ids, not server paths, and the counting rules in force (the scenario's,
/// else its cycle's; `counting_date` stays the scenario's own, `null` for the cycle's).
fn settings(
    app: &App,
    scenario: &Scenario,
    dataset_label: &str,
    dataset: Option<&spreiding_solver::model::Dataset>,
) -> serde_json::Value {
    let mut v = serde_json::to_value(scenario).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        if let Some(d) = dataset {
            let c = spreiding_solver::counting::CountingContext::new(d, scenario);
            m.insert(
                "counting".into(),
                serde_json::json!({
                    "count_intentions": c.count_intentions,
                    "require_bridging": c.require_bridging,
                    "counting_date": scenario.counting.counting_date,
                    "available_until": c.available_until,
                    "min_location_places": c.min_location_places,
                    "min_years": c.min_years,
                }),
            );
        }
        m.insert("dataset".into(), dataset_label.into());
        let chain: Vec<String> = scenario.files.iter().map(|f| app.catalog.served_id(f)).collect();
        m.insert("files".into(), chain.into());
    }
    v
}

/// A served file's settings after inheritance.
#[utoipa::path(get, path = "/v1/scenarios/{id}", tag = "scenarios",
    params(("id" = String, Path, description = "The served id, e.g. `2024-2026/rest-indicative` (slashes as they are, or as %2F)", example = "2024-2026/rest-indicative")),
    responses((status = 200, description = "The file and its settings", body = ScenarioDetail),
              (status = 404, description = "No served file has this id", body = ProblemDetails, content_type = "application/problem+json"),
              Unauthorized))]
pub async fn scenario(State(app): State<Arc<App>>, Path(id): Path<String>) -> Result<Json<ScenarioDetail>, ApiError> {
    let entry = app.catalog.get(&id).ok_or_else(|| unknown_id(&id))?;
    let settings = match &entry.ready {
        Ok(Ready::Scenario(p)) => settings(&app, &p.scenario, &p.dataset_label, Some(&p.dataset)),
        Ok(Ready::Sweep(s)) => {
            let base = app.catalog.base_dataset(&s.base.dataset);
            let label = base.as_ref().map(|(_, l)| l.clone()).unwrap_or_default();
            serde_json::json!({
                "name": s.name,
                "base": settings(&app, &s.base, &label, base.as_ref().map(|(d, _)| d.as_ref())),
                "grid": s.grid.iter().map(|a| serde_json::json!({
                    "parameter": a.parameter.name(),
                    "values": a.values.iter().map(|v| v.value()).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "random": s.random,
            })
        }
        Err(_) => serde_json::Value::Null,
    };
    Ok(Json(ScenarioDetail { summary: summary(entry), settings }))
}

fn unknown_id(id: &str) -> ApiError {
    ApiError::not_found(format!("no served scenario or sweep has the id `{id}` (see GET /v1/scenarios)"))
}

/// A served data set's indicative distribution, computed by its cycle's rules (`cycle.toml`,
/// `[indicative]`): every municipality's number with its derivation, and the provinces' tasks.
#[utoipa::path(get, path = "/v1/datasets/{label}/indicative", tag = "scenarios",
    params(("label" = String, Path, description = "A served data set's label (see `datasets` in GET /v1/scenarios)", example = "nl-2026")),
    responses((status = 200, description = "The distribution (as `spreiding indicative DATASET --format json`)", body = spreiding_solver::indicative::Indicative),
              (status = 404, description = "No served data set has this label", body = ProblemDetails, content_type = "application/problem+json"),
              (status = 422, description = "The cycle states no rules for it, or they cannot be applied", body = ProblemDetails, content_type = "application/problem+json"),
              Unauthorized))]
pub async fn dataset_indicative(
    State(app): State<Arc<App>>,
    Path(label): Path<String>,
) -> Result<Json<spreiding_solver::indicative::Indicative>, ApiError> {
    let d = app.catalog.dataset_by_label(&label).ok_or_else(|| {
        ApiError::not_found(format!("no served data set has the label `{label}` (see `datasets` in GET /v1/scenarios)"))
    })?;
    spreiding_solver::indicative::compute(&d, spreiding_solver::indicative::Forecast::default())
        .map(Json)
        .map_err(|e| ApiError::with_status(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
}
