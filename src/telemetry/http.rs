//! The operations endpoints of `duban run --http ADDR`, on a server of their own (not the
//! webhook's, which faces Telegram):
//!
//! - `GET /healthz`: 200 with `{"status":"ok","checks":{…}}` when every check passes, 503 with
//!   `"status":"unhealthy"` and each failed check's reason otherwise (see [`super::health`]);
//! - `GET /metrics`: the metrics in the Prometheus text format (see [`super::metrics`]).

use super::health::Probe;
use super::metrics::CONTENT_TYPE;
use anyhow::Context as _;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::net::SocketAddr;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The running server: stop it to shut it down.
#[derive(Debug)]
pub struct HttpServer {
    /// The address it listens on (the port chosen when port 0 was asked for).
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<anyhow::Result<()>>,
}

/// Listens on `addr` and serves `/healthz` and `/metrics` for `probe`'s service.
pub async fn start(addr: SocketAddr, probe: Probe) -> anyhow::Result<HttpServer> {
    let socket = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("无法监听 {addr}（--http）"))?;
    let addr = socket.local_addr().context("the address listened on")?;
    let app = axum::Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(probe);
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        axum::serve(socket, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|stopped| *stopped).await;
            })
            .await
            .context("serve /healthz and /metrics")
    });
    Ok(HttpServer { addr, stop, task })
}

impl HttpServer {
    /// Stops taking requests, lets those under way finish, and returns.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        self.task
            .await
            .context("the /healthz server panicked")
            .and_then(|r| r)
    }
}

async fn healthz(State(probe): State<Probe>) -> Response {
    let health = probe.health().await;
    let status = if health.healthy() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(health)).into_response()
}

async fn metrics(State(probe): State<Probe>) -> Response {
    let text = probe.metrics_text().await;
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response()
}
