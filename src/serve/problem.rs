//! Errors as `application/problem+json` (RFC 9457): a status, a title, a detail sentence and
//! the list of problems (source, line, field path, what is wrong and what would be valid).
//! Every failure a client can cause maps to a 4xx here; 5xx only for the server's own trouble
//! (a disk that cannot be written) and for a full queue (503, with `Retry-After`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use spreiding_solver::io::{InputError, Problem};
use utoipa::ToSchema;

/// The media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    problems: Vec<Problem>,
    retry_after: Option<u64>,
}

/// The body of an error answer (RFC 9457), as documented.
#[derive(Serialize, ToSchema)]
pub struct ProblemDetails {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[schema(example = "about:blank")]
    pub r#type: String,
    /// The status's reason phrase.
    #[schema(example = "Unprocessable Entity")]
    pub title: String,
    /// The HTTP status.
    #[schema(example = 422)]
    pub status: u16,
    /// What went wrong, in one sentence.
    pub detail: String,
    /// Every problem found, each at its place.
    pub problems: Vec<ProblemItem>,
}

/// One problem in the input.
#[derive(Serialize, ToSchema)]
pub struct ProblemItem {
    /// Where: `body`, `scenario` (an inline scenario), a served file, or a query parameter.
    pub source: String,
    /// The line in a served file, when there is one.
    pub line: Option<u64>,
    /// The field's dotted path (e.g. `weights.effort`), when there is one.
    pub field: Option<String>,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl ApiError {
    fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError { status, detail: detail.into(), problems: Vec::new(), retry_after: None }
    }

    /// 400: the body is not JSON (or not the JSON of this endpoint's shape).
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 422 with one problem at a field of the request.
    pub fn field(source: &str, field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError {
            problems: vec![Problem::at(source, None, Some(field), message.clone())],
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, format!("{field}: {message}"))
        }
    }

    /// 422: the input does not validate; every problem listed.
    pub fn invalid(e: &InputError) -> Self {
        let n = e.problems().len();
        ApiError {
            problems: e.problems().to_vec(),
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("the input is not valid: {n} problem{}", if n == 1 { "" } else { "s" }),
            )
        }
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// 405: the path has no such method.
    pub fn method_not_allowed(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, detail)
    }

    /// 409: the resource is not in a state for this.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail)
    }

    /// 401, with `WWW-Authenticate`.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }

    /// 413.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than the limit of {limit} bytes (the server's --max-body)"),
        )
    }

    /// 503 with `Retry-After`: the server is busy (a full queue) or the time limit ran out.
    pub fn busy(detail: impl Into<String>, retry_after: u64) -> Self {
        ApiError { retry_after: Some(retry_after), ..Self::new(StatusCode::SERVICE_UNAVAILABLE, detail) }
    }

    /// 429 with `Retry-After`: too many runs waiting.
    pub fn too_many(detail: impl Into<String>, retry_after: u64) -> Self {
        ApiError { retry_after: Some(retry_after), ..Self::new(StatusCode::TOO_MANY_REQUESTS, detail) }
    }

    /// 500: the server's own failure (a file it cannot write); logged.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!("{e}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, format!("the server failed: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ProblemDetails {
            r#type: "about:blank".to_owned(),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail,
            problems: self
                .problems
                .into_iter()
                .map(|p| ProblemItem { source: p.source, line: p.line, field: p.field, message: p.message })
                .collect(),
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let mut response = (self.status, bytes).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(s) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"spreiding\""));
        }
        response
    }
}
