//! The endpoints, one module per resource, each with its request and answer types (with their
//! OpenAPI schemas) and handlers; what they share (reading a JSON body, the error answers,
//! tables as CSV/xlsx) is here.

mod compare;
mod monitor;
mod runs;
mod service;
mod solve;

pub use compare::*;
pub use monitor::*;
pub use runs::*;
pub use service::*;
pub use solve::*;

use super::catalog::{Kind, Prepared, Ready, ScenarioRef, INLINE};
use super::problem::{ApiError, ProblemDetails, Unauthorized};
use super::runs::RunRequest;
use super::shared::SharedBytes;
use super::store::{AuditEntry, RunInfo};
use super::{App, Caller};
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use spreiding_solver::explain::{dutch, explain as explain_one};
use spreiding_solver::io::Source;
use spreiding_solver::model::{Commodity, MunicipalityCode, Scenario};
use spreiding_solver::report::compare::ComparisonBuilder;
use spreiding_solver::solve::solve as solve_scenario;
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::Arc;
use utoipa::ToSchema;

/// Reads a JSON body: 413 above the size limit, 400 when it is not JSON, 422 naming the field
/// when it is JSON of another shape.
fn body<T: DeserializeOwned>(app: &App, body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(app.max_body)
        } else {
            ApiError::malformed(format!("the body could not be read: {e}"))
        }
    })?;
    let value = serde_json::from_slice::<super::problem::StrictJson>(&bytes)
        .map_err(|e| ApiError::malformed(format!("the body is not JSON: {e}; send a JSON object")))?
        .0;
    if !value.is_object() {
        return Err(ApiError::malformed(
            "the body is not a JSON object; send an object with the fields documented at /docs",
        ));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        ApiError::field("body", &field, e.into_inner().to_string())
    })
}

/// The error answers of every endpoint that reads a JSON body.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum BodyErrors {
    /// The body is not a JSON object
    #[response(status = 400, content_type = "application/problem+json")]
    Malformed(ProblemDetails),
    /// No valid token (with `--tokens`)
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(ProblemDetails),
    /// The body did not arrive within `--read-timeout`
    #[response(status = 408, content_type = "application/problem+json")]
    Timeout(ProblemDetails),
    /// The body is larger than `--max-body`
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(ProblemDetails),
    /// The body is not sent as `application/json`
    #[response(status = 415, content_type = "application/problem+json")]
    NotJson(ProblemDetails),
}

/// The solve queue is full or the time limit ran out (with `Retry-After`).
#[derive(utoipa::IntoResponses)]
#[response(status = 503, content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct Busy(ProblemDetails);

/// Unknown paths.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no endpoint at {}; see /docs", uri.path()))
}
