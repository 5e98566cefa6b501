//! HTTP: `/bot<token>/<method>` and `/file/bot<token>/<path>`, bodies in any of the three
//! encodings Telegram accepts, every answer in Telegram's JSON shape (teloxide waits 10 s on a
//! non-JSON or 5xx answer, so nothing here may answer otherwise unless a fault asks for it).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, RawQuery, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{Map, Value, json};

use super::methods;
use super::state::{ApiError, Shared};

/// A file part of a multipart request.
#[derive(Clone, Debug)]
pub(crate) struct Upload {
    pub(crate) file_name: String,
    pub(crate) bytes: Vec<u8>,
}

/// A method's parameters, whatever the encoding. Form and multipart values are strings, so the
/// accessors also parse numbers and JSON (`reply_markup`) out of strings.
#[derive(Debug, Default)]
pub(crate) struct Params {
    pub(crate) fields: Map<String, Value>,
    pub(crate) files: HashMap<String, Upload>,
}

impl Params {
    pub(crate) fn str(&self, key: &str) -> Option<String> {
        match self.fields.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    pub(crate) fn i64(&self, key: &str) -> Option<i64> {
        match self.fields.get(key)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub(crate) fn bool(&self, key: &str) -> bool {
        match self.fields.get(key) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true" || s == "1",
            _ => false,
        }
    }

    pub(crate) fn json(&self, key: &str) -> Option<Value> {
        match self.fields.get(key)? {
            Value::String(s) => serde_json::from_str(s).ok(),
            Value::Null => None,
            other => Some(other.clone()),
        }
    }

    pub(crate) fn required_i64(&self, key: &str) -> Result<i64, ApiError> {
        self.i64(key)
            .ok_or_else(|| ApiError::bad_request(&format!("{key} is empty")))
    }
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/{bot}/{method}", any(call))
        .route("/file/{bot}/{*path}", get(file))
        .fallback(|| async { reply(Err(not_found())) })
        .with_state(shared)
}

fn not_found() -> ApiError {
    ApiError::new(404, "Not Found")
}

fn reply(result: Result<Value, ApiError>) -> Response {
    match result {
        Ok(v) => axum::Json(json!({ "ok": true, "result": v })).into_response(),
        Err(e) => {
            let status = StatusCode::from_u16(e.code).unwrap_or(StatusCode::BAD_REQUEST);
            (status, axum::Json(e.to_json())).into_response()
        }
    }
}

fn authorised(shared: &Shared, segment: &str) -> bool {
    segment
        .strip_prefix("bot")
        .is_some_and(|t| t == shared.lock().token)
}

async fn call(
    State(shared): State<Arc<Shared>>,
    Path((bot, method)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Response {
    if !authorised(&shared, &bot) {
        return reply(Err(ApiError::new(401, "Unauthorized")));
    }
    let params = match read_params(query, request).await {
        Ok(p) => p,
        Err(e) => return reply(Err(e)),
    };
    let lower = method.to_ascii_lowercase();
    let result = if lower == "getupdates" {
        get_updates(&shared, &params).await
    } else {
        let result = methods::call(&mut shared.lock(), &lower, &params);
        shared.notify();
        result
    };
    reply(result)
}

async fn read_params(query: Option<String>, request: Request) -> Result<Params, ApiError> {
    let mut params = Params::default();
    if let Some(q) = query {
        params.fields.extend(urlencoded(q.as_bytes()));
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(|e| ApiError::bad_request(&e.body_text()))?;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| ApiError::bad_request(&e.body_text()))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let bytes = field
                .bytes()
                .await
                .map_err(|e| ApiError::bad_request(&e.body_text()))?;
            match file_name {
                Some(file_name) => {
                    params.files.insert(
                        name,
                        Upload {
                            file_name,
                            bytes: bytes.to_vec(),
                        },
                    );
                }
                None => {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    params.fields.insert(name, Value::String(text));
                }
            }
        }
        return Ok(params);
    }
    let body = Bytes::from_request(request, &())
        .await
        .map_err(|e| ApiError::bad_request(&e.body_text()))?;
    if body.is_empty() {
        return Ok(params);
    }
    if content_type.starts_with("application/json") {
        let value: Value = serde_json::from_slice(&body)
            .map_err(|_| ApiError::bad_request("can't parse JSON object"))?;
        if let Value::Object(map) = value {
            params.fields.extend(map);
        }
    } else {
        params.fields.extend(urlencoded(&body));
    }
    Ok(params)
}

/// Decodes `a=1&b=x` through axum's query extractor, which saves a direct dependency on
/// serde_urlencoded.
fn urlencoded(bytes: &[u8]) -> Map<String, Value> {
    let uri = format!("/?{}", String::from_utf8_lossy(bytes));
    let Ok(uri) = uri.parse::<axum::http::Uri>() else {
        return Map::new();
    };
    let Ok(Query(pairs)) = Query::<Vec<(String, String)>>::try_from_uri(&uri) else {
        return Map::new();
    };
    pairs
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect()
}

/// Long poll: answer at once if updates are pending, else wait until one arrives or `timeout`
/// seconds pass.
async fn get_updates(shared: &Shared, params: &Params) -> Result<Value, ApiError> {
    let offset = params.i64("offset");
    let limit = params.i64("limit").unwrap_or(100).clamp(1, 100) as usize;
    let timeout = Duration::from_secs(params.i64("timeout").unwrap_or(0).max(0) as u64);
    let deadline = tokio::time::Instant::now() + timeout;
    let mut changes = shared.subscribe();
    {
        let mut inner = shared.lock();
        inner.faults.check("getupdates", None)?;
        *inner.calls.entry("getupdates".into()).or_default() += 1;
        if !inner.webhook_url.is_empty() {
            return Err(ApiError::new(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            ));
        }
    }
    loop {
        let updates = shared.lock().take_updates(offset, limit);
        if !updates.is_empty() {
            shared.notify();
            return Ok(Value::Array(updates));
        }
        if tokio::time::timeout_at(deadline, changes.changed())
            .await
            .is_err()
        {
            shared.notify();
            return Ok(json!([]));
        }
    }
}

async fn file(
    State(shared): State<Arc<Shared>>,
    Path((bot, path)): Path<(String, String)>,
) -> Response {
    if !authorised(&shared, &bot) {
        return reply(Err(ApiError::new(401, "Unauthorized")));
    }
    let inner = shared.lock();
    match inner.files.values().find(|f| f.path == path) {
        Some(f) => f.bytes.clone().into_response(),
        None => reply(Err(not_found())),
    }
}
