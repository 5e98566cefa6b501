//! What crosses the gateway and the Stream connection, as DingTalk's SDKs read and write it.
//! Each shape names its section of docs/dingtalk-protocol.md, which names the sources.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::Frame;

/// One subscription of the open request (§1; go-sdk `SubscriptionModel`).
#[derive(Serialize)]
pub(super) struct Subscription<'a> {
    #[serde(rename = "type")]
    pub(super) kind: &'a str,
    pub(super) topic: &'a str,
}

/// `POST /v1.0/gateway/connections/open` (§1; go-sdk `ConnectionEndpointRequest`, py-sdk
/// `open_connection`). `localIp` is optional and left out: DingTalk does not need it to route.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OpenRequest<'a> {
    pub(super) client_id: &'a str,
    pub(super) client_secret: &'a str,
    pub(super) subscriptions: Vec<Subscription<'a>>,
    pub(super) ua: &'a str,
}

/// The gateway's answer (§1; go-sdk `ConnectionEndpointResponse`, which refuses an answer with
/// either field empty, as `gateway::open_ticket` does).
#[derive(Deserialize)]
pub(super) struct OpenAnswer {
    #[serde(default)]
    pub(super) endpoint: String,
    #[serde(default)]
    pub(super) ticket: String,
}

/// An error answer of `api.dingtalk.com`: `{"code": "authFailed", "message": "鉴权失败"}` (§1).
#[derive(Deserialize, Default)]
pub(super) struct ErrorAnswer {
    #[serde(default)]
    pub(super) code: String,
    #[serde(default)]
    pub(super) message: String,
}

/// A frame DingTalk pushes (§2 "Down"; go-sdk `DataFrame`): `headers` is a string map and
/// `data` a JSON string. Header values are read as strings or numbers, to be lenient.
#[derive(Deserialize)]
struct DownFrame {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    headers: Map<String, Value>,
    #[serde(default)]
    data: String,
}

impl DownFrame {
    fn header(&self, key: &str) -> String {
        match self.headers.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    }
}

/// What a text message on the connection asks of the client.
#[derive(Debug, PartialEq)]
pub(super) enum Incoming {
    /// SYSTEM `ping`: answer at once with its own data (§2 "SYSTEM ping").
    Ping { message_id: String, data: String },
    /// SYSTEM `disconnect`: this connection is going away (§2 "SYSTEM disconnect").
    Disconnect { message_id: String, reason: String },
    /// A CALLBACK frame, for the sink.
    Callback(Frame),
    /// An EVENT frame (§2): acknowledged, nothing in duban subscribes to events.
    Event { message_id: String, topic: String },
    /// A type or SYSTEM topic this client does not know.
    Unknown {
        message_id: String,
        kind: String,
        topic: String,
    },
}

/// Reads a text message as a frame.
pub(super) fn read(text: &str) -> serde_json::Result<Incoming> {
    let frame: DownFrame = serde_json::from_str(text)?;
    let message_id = frame.header("messageId");
    let topic = frame.header("topic");
    Ok(match (frame.kind.as_str(), topic.as_str()) {
        ("SYSTEM", "ping") => Incoming::Ping {
            message_id,
            data: frame.data,
        },
        ("SYSTEM", "disconnect") => {
            let reason = serde_json::from_str::<Value>(&frame.data)
                .ok()
                .and_then(|d| d["reason"].as_str().map(str::to_owned))
                .unwrap_or_default();
            Incoming::Disconnect { message_id, reason }
        }
        ("CALLBACK", _) => Incoming::Callback(Frame {
            time_ms: frame.header("time").parse().unwrap_or(0),
            message_id,
            topic,
            data: frame.data,
        }),
        ("EVENT", _) => Incoming::Event { message_id, topic },
        _ => Incoming::Unknown {
            message_id,
            kind: frame.kind,
            topic,
        },
    })
}

/// The client's answer to a frame (§2 "Up: the ACK"; go-sdk `DataFrameResponse`, py-sdk
/// `AckMessage.to_dict`): `data` is again a JSON string.
pub(super) fn ack(code: u16, message_id: &str, data: &str) -> String {
    json!({
        "code": code,
        "headers": { "messageId": message_id, "contentType": "application/json" },
        "message": if code == 200 { "OK" } else { "not handled" },
        "data": data,
    })
    .to_string()
}

/// The ACK of a CALLBACK frame: `{"response": …}` (§2 table; for a card callback the response
/// updates the card).
pub(super) fn callback_ack(message_id: &str, response: Value) -> String {
    ack(
        200,
        message_id,
        &json!({ "response": response }).to_string(),
    )
}

/// The ACK of an EVENT frame: `{"status": "SUCCESS"}` (§2 table; pedia §事件推送).
pub(super) fn event_ack(message_id: &str) -> String {
    let data = json!({ "status": "SUCCESS", "message": "success" }).to_string();
    ack(200, message_id, &data)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::{Incoming, callback_ack, read};

    #[test]
    fn a_callback_frame_is_read_with_its_data_left_as_a_string() {
        let text = r#"{"specVersion":"1.0","type":"CALLBACK","headers":{"appId":"a",
            "connectionId":"c","contentType":"application/json","messageId":"m1",
            "time":"1690362102194","topic":"/v1.0/im/bot/messages/get"},
            "data":"{\"msgId\":\"x\"}"}"#;

        let Incoming::Callback(frame) = read(text).unwrap() else {
            panic!("a callback");
        };

        assert_eq!(frame.message_id, "m1");
        assert_eq!(frame.topic, "/v1.0/im/bot/messages/get");
        assert_eq!(frame.data, r#"{"msgId":"x"}"#);
        assert_eq!(frame.time_ms, 1_690_362_102_194);
    }

    #[test]
    fn system_frames_are_told_apart_by_topic() {
        let ping = r#"{"type":"SYSTEM","headers":{"topic":"ping","messageId":"p"},
            "data":"{\"opaque\":\"o\"}"}"#;
        let bye = r#"{"type":"SYSTEM","headers":{"topic":"disconnect","messageId":"d"},
            "data":"{\"reason\":\"connection is expired\"}"}"#;
        let odd = r#"{"type":"SYSTEM","headers":{"topic":"KEEPALIVE","messageId":"k"},"data":""}"#;

        assert_eq!(
            read(ping).unwrap(),
            Incoming::Ping {
                message_id: "p".into(),
                data: r#"{"opaque":"o"}"#.into()
            }
        );
        assert_eq!(
            read(bye).unwrap(),
            Incoming::Disconnect {
                message_id: "d".into(),
                reason: "connection is expired".into()
            }
        );
        assert!(matches!(read(odd).unwrap(), Incoming::Unknown { .. }));
    }

    #[test]
    fn a_callback_ack_has_the_documented_shape() {
        let ack: Value = serde_json::from_str(&callback_ack("m1", Value::Null)).unwrap();

        assert_eq!(ack["code"], 200);
        assert_eq!(ack["headers"]["messageId"], "m1");
        assert_eq!(ack["headers"]["contentType"], "application/json");
        assert_eq!(ack["message"], "OK");
        assert_eq!(ack["data"], r#"{"response":null}"#);
    }
}
