//! One local axum server on 127.0.0.1 standing in for the four group-robot platforms (企业微信,
//! 钉钉, 飞书 and a JSON webhook) on different paths: it records every request and answers as a
//! test scripts it, or as the platform does to a good request.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use duban::bulletin::channels::{DINGTALK_SECRET_VAR, FEISHU_SECRET_VAR};
use duban::config::Settings;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

pub const WECOM_PATH: &str = "/cgi-bin/webhook/send";
pub const DINGTALK_PATH: &str = "/robot/send";
pub const FEISHU_PATH: &str = "/open-apis/bot/v2/hook/feishu-hook-id";
pub const JSON_PATH: &str = "/hooks/bulletin";

pub const DINGTALK_SECRET: &str = "SEC0123456789abcdef0123456789abcdef";
pub const FEISHU_SECRET: &str = "feishu-secret-XYZ";

/// What the stand-in answers one request.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    Reply(u16, String),
    /// Never answers (within the test).
    Hang,
}

pub fn reply(status: u16, body: Value) -> Answer {
    Answer::Reply(status, body.to_string())
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub query: Option<String>,
    pub body: Value,
    /// When it arrived.
    pub at: Instant,
    /// The stand-in answered it as the platform answers a good request.
    pub accepted: bool,
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    /// The answer to every request to a path once its script is used up.
    always: Mutex<HashMap<String, Answer>>,
}

/// The platforms' usual answer to a good request.
fn success(path: &str) -> Answer {
    match path {
        WECOM_PATH | DINGTALK_PATH => reply(200, json!({"errcode": 0, "errmsg": "ok"})),
        FEISHU_PATH => reply(200, json!({"code": 0, "msg": "success", "data": {}})),
        _ => Answer::Reply(204, String::new()),
    }
}

async fn handle(State(shared): State<Arc<Shared>>, uri: Uri, body: Bytes) -> Response {
    let path = uri.path().to_owned();
    let at = Instant::now();
    let answer = shared
        .always
        .lock()
        .unwrap()
        .get(&path)
        .cloned()
        .unwrap_or_else(|| success(&path));
    shared.received.lock().unwrap().push(Received {
        path: path.clone(),
        query: uri.query().map(str::to_owned),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        at,
        accepted: answer == success(&path),
    });
    match answer {
        Answer::Reply(status, text) => (
            StatusCode::from_u16(status).unwrap(),
            [(header::CONTENT_TYPE, "application/json")],
            text,
        )
            .into_response(),
        Answer::Hang => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            StatusCode::OK.into_response()
        }
    }
}

/// The four platforms on one local port.
pub struct RobotServer {
    pub base: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl RobotServer {
    pub async fn start() -> RobotServer {
        let shared = Arc::new(Shared::default());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        RobotServer {
            base: format!("http://{addr}"),
            shared,
            task,
        }
    }

    /// Settings with every channel pointing here.
    pub fn settings(&self) -> Settings {
        Settings {
            wecom_webhook: format!("{}{WECOM_PATH}?key=wecom-key-123", self.base),
            dingtalk_webhook: format!("{}{DINGTALK_PATH}?access_token=ding-token-456", self.base),
            feishu_webhook: format!("{}{FEISHU_PATH}", self.base),
            json_webhook: format!("{}{JSON_PATH}", self.base),
            ..Settings::default()
        }
    }

    pub fn always(&self, path: &str, answer: Answer) {
        self.shared
            .always
            .lock()
            .unwrap()
            .insert(path.to_owned(), answer);
    }

    /// Every request to `path` is answered as the platform answers a good one again.
    pub fn recover(&self, path: &str) {
        self.shared.always.lock().unwrap().remove(path);
    }

    /// The requests to `path` the stand-in accepted.
    pub fn accepted_at(&self, path: &str) -> Vec<Received> {
        self.received_at(path)
            .into_iter()
            .filter(|r| r.accepted)
            .collect()
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    pub fn received_at(&self, path: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// The one request a path got.
    pub fn only(&self, path: &str) -> Received {
        let mut got = self.received_at(path);
        assert_eq!(got.len(), 1, "{path}: {got:?}");
        got.remove(0)
    }
}

impl Drop for RobotServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn no_env(_: &str) -> Option<String> {
    None
}

pub fn secrets(name: &str) -> Option<String> {
    match name {
        DINGTALK_SECRET_VAR => Some(DINGTALK_SECRET.into()),
        FEISHU_SECRET_VAR => Some(FEISHU_SECRET.into()),
        _ => None,
    }
}
