//! The Stream connection: `POST /v1.0/gateway/connections/open` hands out a ticket, the
//! WebSocket at the returned endpoint takes it once, and each socket runs a task that writes
//! what `delivery.rs` routes to it and reads the client's ACKs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;

use super::error::ApiError;
use super::faults::Api;
use super::frames::first_half;
use super::openapi::body;
use super::state::{Connection, Outgoing, Shared};

/// A ticket opens one connection within 90 seconds (developerpedia protocol.md §步骤一).
const TICKET_LIFETIME: Duration = Duration::from_secs(90);

/// One subscription. Source: go-sdk `payload/connection.go` `SubscriptionModel`.
#[derive(Deserialize)]
struct Subscription {
    #[serde(rename = "type")]
    kind: String,
    topic: String,
}

/// The open request. Sources: developerpedia protocol.md §步骤一, go-sdk
/// `ConnectionEndpointRequest`, py-sdk `stream.py` `open_connection`, java-sdk
/// `OpenConnectionRequest`; `ua`, `localIp` and `extras` are optional and unused here.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OpenRequest {
    client_id: String,
    client_secret: String,
    #[serde(default)]
    subscriptions: Vec<Subscription>,
}

/// Answers `{endpoint, ticket}` (go-sdk `ConnectionEndpointResponse`); wrong credentials
/// `401 authFailed 鉴权失败` (zfanswer/dify-on-dingtalk#28).
pub(crate) async fn open(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Response {
    let result = shared.with(|inner| {
        *inner.calls.entry(Api::GatewayOpen).or_default() += 1;
        inner
            .faults
            .check(Api::GatewayOpen)
            .map_err(|k| k.api_error())?;
        let req: OpenRequest = body(&bytes)?;
        if req.client_id != inner.client_id || req.client_secret != inner.client_secret {
            return Err(ApiError::new(401, "authFailed", "鉴权失败"));
        }
        let subscriptions = req
            .subscriptions
            .into_iter()
            .map(|s| (s.kind, s.topic))
            .collect();
        let n = inner.next();
        let ticket = format!(
            "7724109a-ea43-4aa2-{:04x}-{:012x}",
            n & 0xffff,
            n * 0x9E37_79B9
        );
        inner
            .tickets
            .insert(ticket.clone(), (subscriptions, Instant::now()));
        Ok(json!({ "endpoint": inner.endpoint, "ticket": ticket }))
    });
    result.map_or_else(IntoResponse::into_response, |v| Json(v).into_response())
}

/// `GET /connect?ticket=…`: upgrades when the ticket is known, unused and fresh; else 401
/// before the handshake (go-sdk treats a handshake status ≥ 400 as failure).
pub(crate) async fn connect(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let ticket = query.get("ticket").map(String::as_str).unwrap_or("");
    let subscriptions = shared.with(|inner| {
        let (subs, issued) = inner.tickets.remove(ticket)?;
        (issued.elapsed() < TICKET_LIFETIME).then_some(subs)
    });
    let Some(subscriptions) = subscriptions else {
        return ApiError::new(401, "invalidTicket", "ticket无效或已使用").into_response();
    };
    upgrade.on_upgrade(move |socket| serve(shared, subscriptions, socket))
}

async fn serve(shared: Arc<Shared>, subscriptions: Vec<(String, String)>, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let id = shared.with(|inner| {
        let id = inner.next();
        let connection_id = format!("eb869fb2-18f9-11f0-8bc5-{id:012x}");
        let conn = Connection {
            connection_id,
            subscriptions,
            tx,
            going_away: false,
        };
        inner.connection_opened(id, conn);
        id
    });
    let mut stopped = shared.stopped.subscribe();
    let mut close_at: Option<tokio::time::Instant> = None;
    loop {
        let deadline = async {
            match close_at {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            out = rx.recv() => match out {
                Some(Outgoing::Text(text)) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(Outgoing::Cut(text)) => {
                    // Half a frame, then the socket is dropped without a close handshake: the
                    // client reads a truncated frame and a reset connection.
                    let _ = socket.send(Message::Text(first_half(&text).to_owned().into())).await;
                    break;
                }
                Some(Outgoing::CloseAfter(grace)) => {
                    close_at = Some(tokio::time::Instant::now() + grace);
                }
                None => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => shared.with(|inner| inner.client_text(text.as_str())),
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            () = deadline => {
                let _ = socket.send(Message::Close(None)).await;
                break;
            }
            () = async { drop(stopped.wait_for(|s| *s).await) } => break,
        }
    }
    shared.with(|inner| inner.connection_closed(id));
}
