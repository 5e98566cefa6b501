//! Which connection gets which frame, when a frame goes out again, and what an ACK does.
//!
//! DingTalk pushes each frame to one connection (developerpedia protocol.md FAQ "负载均衡").
//! Whether it pushes again is the open question of docs/dingtalk-protocol.md §8, so it is the
//! server's [`Delivery`] setting: `UntilAcked` keeps a CALLBACK frame until it is ACKed and sends
//! it again when its connection ends (to the next connection), on [`redeliver`] and after
//! `ack_timeout`; `FireAndForget` sends it once and drops it when no connection is open.
//!
//! [`redeliver`]: Inner::redeliver_stale

use std::time::{Duration, Instant};

use serde_json::Value;

use super::Delivery;
use super::cards;
use super::frames::{AckFrame, DownFrame, TOPIC_CARD_CALLBACK};
use super::state::{AckedFrame, Connection, Inner, Outgoing, Pending, Pong};

impl Inner {
    /// Pushes a CALLBACK frame with this topic and data; returns its messageId.
    pub(crate) fn push_callback(&mut self, topic: &str, data: String) -> String {
        let message_id = self.message_id();
        self.pending.push_back(Pending {
            message_id: message_id.clone(),
            topic: topic.to_owned(),
            data,
            deliveries: 0,
            on_connection: None,
            last_sent: None,
        });
        let index = self.pending.len() - 1;
        if !self.route(index, None) && self.delivery == Delivery::FireAndForget {
            // Nobody to take it: DingTalk shows the sender the offline prompt and the
            // message is gone (§8).
            if let Some(frame) = self.pending.pop_back() {
                self.missed.push(frame.view());
            }
        }
        message_id
    }

    /// The connection a frame of this topic goes to: the newest one that subscribed and was
    /// not told to disconnect (DingTalk picks at random; the newest keeps tests repeatable).
    fn target(&self, kind: &str, topic: &str, except: Option<u64>) -> Option<u64> {
        self.connections
            .iter()
            .rev()
            .find(|(id, c)| Some(**id) != except && !c.going_away && c.subscribed(kind, topic))
            .map(|(id, _)| *id)
    }

    /// Sends pending frame `index` to a connection; false when there is none.
    fn route(&mut self, index: usize, except: Option<u64>) -> bool {
        let topic = self.pending[index].topic.clone();
        let Some(id) = self.target("CALLBACK", &topic, except) else {
            return false;
        };
        let frame = &self.pending[index];
        let conn = &self.connections[&id];
        let json = DownFrame::new("CALLBACK", &topic, &frame.message_id, frame.data.clone())
            .on_connection(&self.app_id, &conn.connection_id)
            .to_json();
        let out = if std::mem::take(&mut self.cut_next) {
            Outgoing::Cut(json)
        } else {
            Outgoing::Text(json)
        };
        let sent = conn.tx.send(out).is_ok();
        let frame = &mut self.pending[index];
        frame.deliveries += 1;
        frame.on_connection = Some(id);
        frame.last_sent = Some(Instant::now());
        sent
    }

    /// A connection opened: frames whose connection is gone go to it (`UntilAcked` only).
    pub(crate) fn connection_opened(&mut self, id: u64, conn: Connection) {
        self.connections.insert(id, conn);
        self.connections_opened += 1;
        if self.delivery == Delivery::FireAndForget {
            return;
        }
        for index in 0..self.pending.len() {
            let orphan = self.pending[index]
                .on_connection
                .is_none_or(|c| self.connections.get(&c).is_none_or(|c| c.going_away));
            if orphan {
                self.route(index, None);
            }
        }
    }

    /// A connection ended: under `UntilAcked` its unACKed frames go to another connection if
    /// one is open, else wait for the next.
    pub(crate) fn connection_closed(&mut self, id: u64) {
        self.connections.remove(&id);
        if self.delivery == Delivery::FireAndForget {
            return;
        }
        for index in 0..self.pending.len() {
            if self.pending[index].on_connection == Some(id) {
                self.route(index, Some(id));
            }
        }
    }

    /// Sends every unACKed frame sent longer than `older_than` ago again (all of them for
    /// zero); the node-sdk documents such a retry after about 60 s (§8).
    pub(crate) fn redeliver_stale(&mut self, older_than: Duration) -> usize {
        let now = Instant::now();
        let mut count = 0;
        for index in 0..self.pending.len() {
            let stale = self.pending[index]
                .last_sent
                .is_none_or(|t| now.duration_since(t) >= older_than);
            if stale && self.route(index, None) {
                count += 1;
            }
        }
        count
    }

    /// Sends a SYSTEM ping (`data: {"opaque": …}`) on the newest connection; returns its
    /// messageId and opaque. Source: developerpedia protocol.md §ping 请求处理.
    pub(crate) fn ping(&mut self) -> Option<(String, String)> {
        let id = *self.connections.keys().next_back()?;
        let message_id = self.message_id();
        let opaque = format!("opaque-{}", self.next());
        let data = serde_json::json!({ "opaque": opaque }).to_string();
        let json = DownFrame::new("SYSTEM", "ping", &message_id, data).to_json();
        self.connections[&id].tx.send(Outgoing::Text(json)).ok()?;
        self.pings.insert(message_id.clone(), opaque.clone());
        self.last_ping = Some(Instant::now());
        Some((message_id, opaque))
    }

    /// Sends a SYSTEM `disconnect` (`data: {"reason": …}`) on the newest live connection and
    /// closes it after `grace` (DingTalk: 10 s of silence). Source: developerpedia protocol.md
    /// §disconnect 请求处理.
    pub(crate) fn disconnect(&mut self, grace: Duration) -> bool {
        let Some(id) = self.target_any() else {
            return false;
        };
        let message_id = self.message_id();
        let data = serde_json::json!({ "reason": "connection is expired" }).to_string();
        let json = DownFrame::new("SYSTEM", "disconnect", &message_id, data).to_json();
        let conn = self.connections.get_mut(&id).expect("the target is open");
        conn.going_away = true;
        conn.tx.send(Outgoing::Text(json)).is_ok()
            && conn.tx.send(Outgoing::CloseAfter(grace)).is_ok()
    }

    fn target_any(&self) -> Option<u64> {
        self.connections
            .iter()
            .rev()
            .find(|(_, c)| !c.going_away)
            .map(|(id, _)| *id)
    }

    /// A text message from a client: an ACK for a pushed frame or a ping, or noise.
    pub(crate) fn client_text(&mut self, text: &str) {
        let Ok(ack) = serde_json::from_str::<AckFrame>(text) else {
            tracing::warn!(
                text,
                "local DingTalk server: a client frame that is not an ACK"
            );
            return;
        };
        let Some(message_id) = ack.headers.get("messageId").cloned() else {
            return;
        };
        let data: Value = ack
            .data
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok())
            .unwrap_or(Value::Null);
        if self.pings.contains_key(&message_id) {
            let opaque = data["opaque"].as_str().map(str::to_owned);
            self.pongs.push(Pong { message_id, opaque });
            return;
        }
        if ack.code != 200 {
            // 404/500: the client did not take it; it stays pending (go-sdk leaves a frame it
            // cannot take "unacknowledged for retry").
            tracing::debug!(
                message_id,
                code = ack.code,
                message = ack.message,
                "frame refused"
            );
            return;
        }
        let Some(pos) = self.pending.iter().position(|f| f.message_id == message_id) else {
            // A second ACK of the same frame, or an ACK of a frame never sent: DingTalk
            // ignores it, so does the server.
            return;
        };
        let frame = self.pending.remove(pos).expect("the position is valid");
        if frame.topic == TOPIC_CARD_CALLBACK {
            cards::apply_callback_answer(self, &frame.data, &data);
        }
        self.acked.push(AckedFrame {
            message_id,
            topic: frame.topic,
            code: ack.code,
            data,
            deliveries: frame.deliveries,
        });
    }

    /// Periodic work: redelivery after `ack_timeout`, pings every `ping_interval`.
    pub(crate) fn tick(&mut self, ack_timeout: Option<Duration>, ping_interval: Option<Duration>) {
        if let Some(timeout) = ack_timeout
            && self.delivery == Delivery::UntilAcked
        {
            self.redeliver_stale(timeout);
        }
        if let Some(interval) = ping_interval
            && self.last_ping.is_none_or(|t| t.elapsed() >= interval)
        {
            self.ping();
        }
    }
}
