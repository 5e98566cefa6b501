//! The production Stream client (`duban::dingtalk::stream`) over a real WebSocket against the
//! local DingTalk server: a frame is ACKed only once the sink has taken it, a refused frame
//! comes again, pings are answered while the sink is busy, `disconnect` and dropped sockets
//! lose nothing, wrong credentials are told in Chinese, and stop ends the client.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use duban::dingapi::{Api, DingApiOptions, DingApiServer, DingUser, FaultKind, FaultPlan};
use duban::dingtalk::stream::{
    self, Frame, Sink, StreamConfig, StreamError, TOPIC_BOT_MESSAGE, TOPIC_CARD_CALLBACK, Timing,
};
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::support::stream_client::{WAIT, post_json, token};

/// A sink that records every frame it is given, can hold them until released, fail the next
/// few, and answers with a fixed response.
struct Recorder {
    taken: Mutex<Vec<Frame>>,
    count: watch::Sender<usize>,
    open: watch::Sender<bool>,
    fail_next: AtomicU32,
    response: Value,
}

impl Recorder {
    fn new() -> Arc<Self> {
        Self::answering(Value::Null)
    }

    fn answering(response: Value) -> Arc<Self> {
        Arc::new(Self {
            taken: Mutex::new(Vec::new()),
            count: watch::Sender::new(0),
            open: watch::Sender::new(true),
            fail_next: AtomicU32::new(0),
            response,
        })
    }

    /// Frames wait in `take` until [`release`](Self::release).
    fn hold(&self) {
        self.open.send_replace(false);
    }

    fn release(&self) {
        self.open.send_replace(true);
    }

    fn fail_next(&self, n: u32) {
        self.fail_next.store(n, Ordering::SeqCst);
    }

    fn taken(&self) -> Vec<Frame> {
        self.taken.lock().unwrap().clone()
    }

    /// Waits until `take` has been entered `n` times in all.
    async fn wait_for_takes(&self, n: usize) -> Vec<Frame> {
        let mut count = self.count.subscribe();
        tokio::time::timeout(WAIT, count.wait_for(|c| *c >= n))
            .await
            .unwrap_or_else(|_| panic!("the sink was not given {n} frames within {WAIT:?}"))
            .unwrap();
        self.taken()
    }
}

impl Sink for Recorder {
    async fn take(&self, frame: Frame) -> anyhow::Result<Value> {
        self.taken.lock().unwrap().push(frame);
        self.count.send_modify(|c| *c += 1);
        let _ = self.open.subscribe().wait_for(|open| *open).await;
        let failing = self
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            anyhow::bail!("the database is down");
        }
        Ok(self.response.clone())
    }
}

/// The server and a running client with its stop switch.
struct Running {
    server: DingApiServer,
    stop: watch::Sender<bool>,
    task: JoinHandle<anyhow::Result<()>>,
}

fn config(server: &DingApiServer, options: &DingApiOptions) -> StreamConfig {
    StreamConfig {
        api_url: server.url().to_owned(),
        client_id: options.client_id.clone(),
        client_secret: options.client_secret.clone(),
        topics: vec![TOPIC_BOT_MESSAGE.to_owned(), TOPIC_CARD_CALLBACK.to_owned()],
        // Quick retries keep the reconnecting tests short; the doubling is unit-tested.
        timing: Timing {
            first_retry: Duration::from_millis(20),
            max_retry: Duration::from_millis(200),
            ..Timing::default()
        },
    }
}

async fn start_with(server: DingApiServer, sink: Arc<Recorder>) -> Running {
    let (stop, stopped) = watch::channel(false);
    let task = stream::spawn(
        config(&server, &DingApiOptions::default()),
        sink.clone(),
        stopped,
    );
    Running { server, stop, task }
}

async fn server() -> DingApiServer {
    DingApiServer::start(DingApiOptions::default())
        .await
        .expect("server starts")
}

/// A client connected to a fresh server.
async fn connected(sink: Arc<Recorder>) -> Running {
    let running = start_with(server().await, sink).await;
    running
        .server
        .wait_for_connections(1, WAIT)
        .await
        .expect("the client connects");
    running
}

fn zhang() -> DingUser {
    DingUser::new("manager1234", "张三")
}

fn msg_id(frame: &Frame) -> String {
    let data: Value = serde_json::from_str(&frame.data).expect("data is whole JSON");
    data["msgId"].as_str().expect("msgId").to_owned()
}

#[tokio::test]
async fn a_pushed_message_is_acked_only_after_the_sink_has_taken_it() {
    let sink = Recorder::new();
    sink.hold();
    let running = connected(sink.clone()).await;
    let server = &running.server;

    let pushed = server.user_says(&zhang(), "1号任务已完成");
    let taken = sink.wait_for_takes(1).await;
    let unacked_while_taking = server.unacked();
    let acked_while_taking = server.acked();
    sink.release();
    let acked = server.wait_for_acks(1, WAIT).await.unwrap();

    assert_eq!(taken[0].message_id, pushed.message_id);
    assert_eq!(taken[0].topic, TOPIC_BOT_MESSAGE);
    assert_eq!(msg_id(&taken[0]), pushed.msg_id);
    assert!(taken[0].time_ms > 0);
    assert_eq!(unacked_while_taking.len(), 1);
    assert!(acked_while_taking.is_empty());
    assert_eq!(acked[0].message_id, pushed.message_id);
    assert_eq!(acked[0].code, 200);
    assert_eq!(acked[0].data, json!({ "response": null }));
    assert!(server.unacked().is_empty());
}

#[tokio::test]
async fn a_ping_is_answered_with_its_own_data_while_a_frame_is_still_being_stored() {
    let sink = Recorder::new();
    sink.hold();
    let running = connected(sink.clone()).await;
    let server = &running.server;

    server.user_says(&zhang(), "慢慢存");
    sink.wait_for_takes(1).await;
    let (ping_id, opaque) = server.ping().expect("a connection is open");
    let pongs = server.wait_for_pongs(1, WAIT).await.unwrap();
    let acked_before_release = server.acked().len();
    sink.release();
    server.wait_for_acks(1, WAIT).await.unwrap();

    assert_eq!(pongs[0].message_id, ping_id);
    assert_eq!(pongs[0].opaque.as_deref(), Some(opaque.as_str()));
    assert_eq!(acked_before_release, 0);
}

#[tokio::test]
async fn a_frame_the_sink_refuses_is_not_acked_and_is_taken_again_when_pushed_again() {
    let sink = Recorder::new();
    sink.fail_next(1);
    let running = connected(sink.clone()).await;
    let server = &running.server;

    let pushed = server.user_says(&zhang(), "进度50%");
    sink.wait_for_takes(1).await;
    // A round trip on the same socket, so that an ACK the client might wrongly send for the
    // refused frame would most likely be in before the frame is pushed again.
    server.ping().expect("a connection is open");
    server.wait_for_pongs(1, WAIT).await.unwrap();
    let redelivered = server.redeliver_unacked();
    assert_eq!(redelivered, 1, "the refused frame is still unACKed");
    let taken = sink.wait_for_takes(2).await;
    let acked = server.wait_for_acks(1, WAIT).await.unwrap();

    assert_eq!(taken[0].message_id, pushed.message_id);
    assert_eq!(taken[1].message_id, pushed.message_id);
    assert_eq!(acked.len(), 1);
    assert_eq!(acked[0].message_id, pushed.message_id);
    assert_eq!(acked[0].deliveries, 2);
}

#[tokio::test]
async fn after_a_disconnect_frame_a_new_connection_opens_and_no_frame_is_lost() {
    let sink = Recorder::new();
    sink.hold();
    let running = connected(sink.clone()).await;
    let server = &running.server;

    let before = server.user_says(&zhang(), "断开前");
    sink.wait_for_takes(1).await;
    // DingTalk waits 10 s; long enough here that the old connection is still open when the
    // frame it holds is ACKed.
    assert!(server.send_disconnect(Duration::from_secs(60)));
    server.wait_for_connections(2, WAIT).await.unwrap();
    let during = [
        server.user_says(&zhang(), "断开中一"),
        server.user_says(&zhang(), "断开中二"),
    ];
    sink.wait_for_takes(3).await;
    sink.release();
    let acked = server.wait_for_acks(3, WAIT).await.unwrap();

    // The local server also pushes a frame still unACKed on a connection told to go away to
    // the new one, as DingTalk may: the sink sees it twice and drops the copy by msgId.
    let mut taken: Vec<String> = sink.taken().iter().map(|f| f.message_id.clone()).collect();
    let mut pushed: Vec<String> = [&before, &during[0], &during[1]]
        .iter()
        .map(|p| p.message_id.clone())
        .collect();
    taken.sort();
    taken.dedup();
    pushed.sort();
    let mut acked: Vec<String> = acked.iter().map(|a| a.message_id.clone()).collect();
    acked.sort();
    assert_eq!(taken, pushed);
    assert_eq!(acked, pushed);
    assert!(server.unacked().is_empty());
    assert_eq!(
        server.live_connections(),
        2,
        "the old connection is left for DingTalk to close"
    );
    assert_eq!(server.connections_opened(), 2);
}

#[tokio::test]
async fn a_frame_cut_in_half_is_taken_whole_after_the_client_reconnects() {
    let sink = Recorder::new();
    let running = connected(sink.clone()).await;
    let server = &running.server;

    server.cut_next_frame();
    let pushed = server.user_says(&zhang(), "半截消息");
    let acked = server.wait_for_acks(1, WAIT).await.unwrap();

    let taken = sink.taken();
    assert_eq!(taken.len(), 1, "the half frame never reached the sink");
    assert_eq!(msg_id(&taken[0]), pushed.msg_id);
    assert_eq!(acked[0].message_id, pushed.message_id);
    assert_eq!(acked[0].deliveries, 2);
    assert_eq!(server.connections_opened(), 2);
}

#[tokio::test]
async fn a_failing_gateway_is_tried_again_and_a_frame_pushed_meanwhile_arrives() {
    let sink = Recorder::new();
    let running = connected(sink.clone()).await;
    let server = &running.server;
    server.add_fault(FaultPlan::next(2, FaultKind::ServerError).for_apis([Api::GatewayOpen]));

    server.cut_next_frame();
    let pushed = server.user_says(&zhang(), "网关故障期间");
    let acked = server.wait_for_acks(1, WAIT).await.unwrap();

    assert_eq!(acked[0].message_id, pushed.message_id);
    assert_eq!(sink.taken().len(), 1);
    assert_eq!(server.fault_stats().injected_server_errors, 2);
    assert_eq!(server.calls(Api::GatewayOpen), 4, "1 + 2 refused + 1");
    assert_eq!(server.connections_opened(), 2);
}

#[tokio::test]
async fn a_card_press_is_acked_with_the_sinks_response_which_updates_the_card() {
    let response = json!({
        "cardData": { "cardParamMap": { "status": "已完成" } },
        "cardUpdateOptions": { "updateCardDataByKey": true },
    });
    let sink = Recorder::answering(response.clone());
    let running = connected(sink.clone()).await;
    let server = &running.server;
    let options = DingApiOptions::default();
    server.add_user(&zhang());
    let token = token(server, &options).await.unwrap();
    let card = json!({
        "cardTemplateId": "t.schema", "outTrackId": "remind-1", "callbackType": "STREAM",
        "cardData": { "cardParamMap": { "title": "1号任务", "status": "待处理" } },
        "openSpaceId": "dtv1.card//IM_ROBOT.manager1234",
        "imRobotOpenDeliverModel": { "spaceType": "IM_ROBOT", "robotCode": options.robot_code },
        "userIdType": 1,
    });
    let (status, _) = post_json(
        server,
        "v1.0/card/instances/createAndDeliver",
        Some(&token),
        &card,
    )
    .await
    .unwrap();

    server
        .press_button(&zhang(), "remind-1", "done", json!({ "action": "done" }))
        .unwrap();
    let acked = server.wait_for_acks(1, WAIT).await.unwrap();

    assert_eq!(status, 200);
    assert_eq!(sink.taken()[0].topic, TOPIC_CARD_CALLBACK);
    assert_eq!(acked[0].data, json!({ "response": response }));
    assert_eq!(server.card("remind-1").unwrap().params["status"], "已完成");
}

#[tokio::test]
async fn wrong_credentials_make_check_fail_with_a_message_that_names_them() {
    let server = server().await;
    let right = config(&server, &DingApiOptions::default());
    let wrong = StreamConfig {
        client_secret: "wrong".into(),
        ..right.clone()
    };

    let ok = stream::check(&right).await;
    let refused = stream::check(&wrong).await.unwrap_err();

    assert!(ok.is_ok(), "{ok:?}");
    assert!(
        matches!(refused, StreamError::Credentials { status: 401, ref code, .. } if code == "authFailed"),
        "{refused:?}"
    );
    let message = refused.to_string();
    assert!(
        message.contains("ClientSecret") && message.contains("鉴权失败"),
        "{message}"
    );
    assert!(
        !format!("{wrong:?}").contains("wrong"),
        "Debug hides the secret"
    );
}

#[tokio::test]
async fn check_tells_an_unreachable_gateway_apart_from_wrong_credentials() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let config = StreamConfig {
        api_url: url,
        client_id: "id".into(),
        client_secret: "secret".into(),
        topics: vec![TOPIC_BOT_MESSAGE.to_owned()],
        timing: Timing::default(),
    };

    let error = stream::check(&config).await.unwrap_err();

    assert!(
        matches!(error, StreamError::Unreachable { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("无法连接钉钉"), "{error}");
}

#[tokio::test]
async fn stop_ends_the_client_and_closes_its_connection() {
    let running = connected(Recorder::new()).await;

    running.stop.send_replace(true);
    let ended = tokio::time::timeout(WAIT, running.task)
        .await
        .expect("the client stops");
    running.server.wait_for_no_connection(WAIT).await.unwrap();

    assert!(matches!(ended, Ok(Ok(()))), "{ended:?}");
}

#[tokio::test]
async fn a_client_started_with_wrong_credentials_keeps_trying_and_stops_when_told() {
    let server = server().await;
    let mut config = config(&server, &DingApiOptions::default());
    config.client_secret = "wrong".into();
    let (stop, stopped) = watch::channel(false);

    let task = stream::spawn(config, Recorder::new(), stopped);
    let tries = async {
        while server.calls(Api::GatewayOpen) < 3 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(WAIT, tries)
        .await
        .expect("the client tries again");
    stop.send_replace(true);
    let ended = tokio::time::timeout(WAIT, task)
        .await
        .expect("the client stops");

    assert!(matches!(ended, Ok(Ok(()))), "{ended:?}");
    assert_eq!(server.connections_opened(), 0);
}

#[tokio::test]
async fn on_stop_a_frame_still_being_stored_is_acked_before_the_client_ends() {
    let sink = Recorder::new();
    sink.hold();
    let running = connected(sink.clone()).await;
    let pushed = running.server.user_says(&zhang(), "停机前");
    sink.wait_for_takes(1).await;

    running.stop.send_replace(true);
    sink.release();
    let ended = tokio::time::timeout(WAIT, running.task)
        .await
        .expect("the client stops");
    let acked = running.server.wait_for_acks(1, WAIT).await.unwrap();

    assert!(matches!(ended, Ok(Ok(()))), "{ended:?}");
    assert_eq!(acked.len(), 1);
    assert_eq!(acked[0].message_id, pushed.message_id);
}

#[tokio::test]
async fn past_256_frames_being_stored_the_client_stops_reading_and_loses_none() {
    let sink = Recorder::new();
    sink.hold();
    let running = connected(sink.clone()).await;
    let server = &running.server;
    for n in 0..300 {
        server.user_says(&zhang(), &format!("第{n}条"));
    }
    // 256 are with the sink; the rest wait unread in the socket, not dropped.
    sink.wait_for_takes(256).await;
    assert!(server.acked().is_empty());
    sink.release();
    server.wait_for_acks(300, WAIT).await.unwrap();
    let mut ids: Vec<String> = sink.taken().iter().map(msg_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 300, "every frame taken");
    assert_eq!(server.connections_opened(), 1, "without a reconnect");
}
