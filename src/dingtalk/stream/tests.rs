//! The connection loop against a WebSocket peer in memory, for what the local DingTalk server
//! cannot do: stay silent to a WebSocket ping.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::DuplexStream;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use super::{Frame, Sink, Timing, connection};

struct Refuse;

impl Sink for Refuse {
    async fn take(&self, _frame: Frame) -> anyhow::Result<serde_json::Value> {
        anyhow::bail!("not in these tests")
    }
}

/// A client and a server WebSocket joined in memory.
async fn pair() -> (WebSocketStream<DuplexStream>, WebSocketStream<DuplexStream>) {
    let (client, server) = tokio::io::duplex(64 * 1024);
    let (client, server) = tokio::join!(
        tokio_tungstenite::client_async("ws://127.0.0.1/connect", client),
        tokio_tungstenite::accept_async(server),
    );
    (
        client.expect("client handshake").0,
        server.expect("server handshake"),
    )
}

fn quick(pong_timeout: Duration) -> Timing {
    Timing {
        idle_ping: Duration::from_millis(20),
        pong_timeout,
        ..Timing::default()
    }
}

#[test]
fn the_pause_doubles_from_one_second_up_to_a_minute() {
    let timing = Timing::default();

    let pauses: Vec<u64> = (1..=8).map(|n| timing.backoff(n).as_secs()).collect();

    assert_eq!(pauses, [1, 2, 4, 8, 16, 32, 60, 60]);
    assert_eq!(timing.backoff(u32::MAX).as_secs(), 60);
}

#[tokio::test]
async fn a_socket_that_does_not_answer_a_ping_counts_as_dead() {
    let (client, _silent_server) = pair().await;
    let (going_away, _) = mpsc::unbounded_channel();
    let (_stop, stopped) = watch::channel(false);

    let ended = connection::run(
        1,
        client,
        Arc::new(Refuse),
        quick(Duration::from_millis(50)),
        going_away,
        stopped,
    )
    .await;

    assert!(
        ended.reason.contains("no answer to a WebSocket ping"),
        "{}",
        ended.reason
    );
}

#[tokio::test]
async fn a_socket_that_answers_pings_stays_open_until_stopped() {
    let (client, mut server) = pair().await;
    let (going_away, _) = mpsc::unbounded_channel();
    let (stop, stopped) = watch::channel(false);

    let run = tokio::spawn(connection::run(
        1,
        client,
        Arc::new(Refuse),
        quick(Duration::from_secs(30)),
        going_away,
        stopped,
    ));
    // Reading answers the pings (tungstenite queues and sends the pong).
    let mut pings = 0;
    while pings < 3 {
        if let Some(Ok(Message::Ping(_))) = server.next().await {
            pings += 1;
        }
    }
    stop.send_replace(true);
    let closed = server.next().await;
    let ended = run.await.unwrap();

    assert_eq!(ended.reason, "stopped");
    assert!(matches!(closed, Some(Ok(Message::Close(_)))), "{closed:?}");
}

#[tokio::test]
async fn an_event_is_acknowledged_as_a_success_and_an_unknown_frame_as_not_handled() {
    let (client, mut server) = pair().await;
    let (going_away, _) = mpsc::unbounded_channel();
    let (stop, stopped) = watch::channel(false);
    let run = tokio::spawn(connection::run(
        1,
        client,
        Arc::new(Refuse),
        Timing::default(),
        going_away,
        stopped,
    ));

    let event = r#"{"specVersion":"1.0","type":"EVENT","headers":{"messageId":"e1",
        "topic":"chat_update_title","eventType":"chat_update_title"},"data":"{}"}"#;
    let odd = r#"{"specVersion":"1.0","type":"NEWTYPE","headers":{"messageId":"n1","topic":"x"},"data":"{}"}"#;
    server.send(Message::Text(event.into())).await.unwrap();
    server.send(Message::Text(odd.into())).await.unwrap();
    let mut answers = Vec::new();
    while answers.len() < 2 {
        if let Some(Ok(Message::Text(text))) = server.next().await {
            answers.push(serde_json::from_str::<serde_json::Value>(text.as_str()).unwrap());
        }
    }
    stop.send_replace(true);
    run.await.unwrap();

    assert_eq!(answers[0]["headers"]["messageId"], "e1");
    assert_eq!(answers[0]["code"], 200);
    let data: serde_json::Value =
        serde_json::from_str(answers[0]["data"].as_str().unwrap()).unwrap();
    assert_eq!(data["status"], "SUCCESS");
    assert_eq!(answers[1]["headers"]["messageId"], "n1");
    assert_eq!(answers[1]["code"], 404);
}

/// The production endpoint is `wss://`: the client must speak TLS to it (rustls with the webpki
/// roots), and building its TLS configuration must not panic over the choice of crypto
/// provider. A listener that reads the first bytes sees a TLS handshake record.
#[tokio::test]
async fn a_wss_endpoint_is_spoken_to_in_tls() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("wss://{}/connect", listener.local_addr().unwrap());
    let first_byte = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut byte = [0u8; 1];
        tokio::io::AsyncReadExt::read_exact(&mut socket, &mut byte)
            .await
            .unwrap();
        byte[0]
    });

    let connected = tokio_tungstenite::connect_async(url.as_str()).await;

    assert!(connected.is_err(), "no TLS server answered");
    assert_eq!(first_byte.await.unwrap(), 0x16, "a TLS handshake record");
}
