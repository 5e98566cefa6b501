//! The Stream connection: tickets, frames, ACKs, redelivery, pings, disconnects, cut frames;
//! what people write alone, in groups and when quoting.

use std::time::Duration;

use duban::dingapi::{Chat, Delivery, DingApiOptions, DingGroup};
use serde_json::{Value, json};

use super::{connected, start, text, zhang};
use crate::support::stream_client::{StreamClient, WAIT, open_connection, post_json, token};

#[tokio::test]
async fn a_pushed_message_has_the_documented_shape_and_once_acked_is_not_delivered_again() {
    let options = DingApiOptions::default();
    let server = start(&options).await;
    let mut client = StreamClient::connect(&server, &options).await.unwrap();
    connected(&server, 1).await;

    let pushed = server.user_says(&zhang(), "1号任务已完成");
    let frame = client.next_frame().await.unwrap();
    client
        .ack(&frame, &json!({ "response": null }))
        .await
        .unwrap();
    server.wait_for_acks(1, WAIT).await.unwrap();
    client.close().await.unwrap();
    server.wait_for_no_connection(WAIT).await.unwrap();
    let mut again = StreamClient::connect(&server, &options).await.unwrap();
    connected(&server, 2).await;
    let (ping_id, _) = server.ping().expect("a connection is open");
    let first = again.next_frame().await.unwrap();

    assert_eq!(frame["specVersion"], "1.0");
    assert_eq!(frame["type"], "CALLBACK");
    assert_eq!(frame["headers"]["topic"], "/v1.0/im/bot/messages/get");
    assert_eq!(frame["headers"]["messageId"], pushed.message_id.as_str());
    let data = &frame["data_json"];
    assert_eq!(data["msgId"], pushed.msg_id.as_str());
    assert_eq!(data["conversationType"], "1");
    assert_eq!(data["senderStaffId"], "manager1234");
    assert_eq!(data["senderNick"], "张三");
    assert_eq!(data["text"]["content"], "1号任务已完成");
    assert_eq!(data["msgtype"], "text");
    assert_eq!(
        first["headers"]["messageId"],
        ping_id.as_str(),
        "nothing redelivered before the ping"
    );
    assert!(server.unacked().is_empty());
}

#[tokio::test]
async fn an_unacked_message_is_delivered_again_once_on_the_next_connection() {
    let options = DingApiOptions::default();
    let server = start(&options).await;
    let mut client = StreamClient::connect(&server, &options).await.unwrap();
    connected(&server, 1).await;

    let pushed = server.user_says(&zhang(), "进度50%");
    let lost = client.next_frame().await.unwrap();
    client.close().await.unwrap();
    server.wait_for_no_connection(WAIT).await.unwrap();
    let mut again = StreamClient::connect(&server, &options).await.unwrap();
    let redelivered = again.next_frame().await.unwrap();
    again
        .ack(&redelivered, &json!({ "response": null }))
        .await
        .unwrap();
    let acked = server.wait_for_acks(1, WAIT).await.unwrap();
    let (ping_id, _) = server.ping().expect("a connection is open");
    let next = again.next_frame().await.unwrap();

    assert_eq!(lost["headers"]["messageId"], pushed.message_id.as_str());
    assert_eq!(
        redelivered["headers"]["messageId"],
        pushed.message_id.as_str()
    );
    assert_eq!(redelivered["data_json"]["msgId"], pushed.msg_id.as_str());
    assert_ne!(
        lost["headers"]["connectionId"],
        redelivered["headers"]["connectionId"]
    );
    assert_eq!(acked[0].deliveries, 2);
    assert_eq!(
        next["headers"]["messageId"],
        ping_id.as_str(),
        "no third delivery"
    );
    assert_eq!(server.connections_opened(), 2);
}

#[tokio::test]
async fn fire_and_forget_drops_a_message_sent_while_no_connection_is_open() {
    let options = DingApiOptions {
        delivery: Delivery::FireAndForget,
        ..DingApiOptions::default()
    };
    let server = start(&options).await;

    let pushed = server.user_says(&zhang(), "无人接收");
    let mut client = StreamClient::connect(&server, &options).await.unwrap();
    connected(&server, 1).await;
    let (ping_id, _) = server.ping().expect("a connection is open");
    let first = client.next_frame().await.unwrap();

    assert_eq!(server.missed()[0].message_id, pushed.message_id);
    assert_eq!(first["headers"]["messageId"], ping_id.as_str());
    assert!(server.unacked().is_empty());
}

#[tokio::test]
async fn a_ping_is_answered_with_its_own_opaque() {
    let options = DingApiOptions::default();
    let server = start(&options).await;
    let mut client = StreamClient::connect(&server, &options).await.unwrap();
    connected(&server, 1).await;

    let (ping_id, opaque) = server.ping().unwrap();
    let ping = client.next_frame().await.unwrap();
    client.pong(&ping).await.unwrap();
    let pongs = server.wait_for_pongs(1, WAIT).await.unwrap();

    assert_eq!(ping["type"], "SYSTEM");
    assert_eq!(ping["headers"]["topic"], "ping");
    assert_eq!(ping["data_json"]["opaque"], opaque.as_str());
    assert_eq!(pongs[0].message_id, ping_id);
    assert_eq!(pongs[0].opaque.as_deref(), Some(opaque.as_str()));
}

#[tokio::test]
async fn after_a_disconnect_frame_new_messages_go_to_the_new_connection_and_the_old_one_closes() {
    let options = DingApiOptions::default();
    let server = start(&options).await;
    let mut old = StreamClient::connect(&server, &options).await.unwrap();
    connected(&server, 1).await;

    assert!(server.send_disconnect(Duration::from_millis(50)));
    let notice = old.next_frame().await.unwrap();
    let mut new = StreamClient::connect(&server, &options).await.unwrap();
    connected(&server, 2).await;
    let pushed = server.user_says(&zhang(), "换了连接");
    let frame = new.next_frame().await.unwrap();

    assert_eq!(notice["headers"]["topic"], "disconnect");
    assert_eq!(notice["data_json"]["reason"], "connection is expired");
    assert_eq!(frame["headers"]["messageId"], pushed.message_id.as_str());
    assert!(old.until_closed().await.unwrap(), "closed with a handshake");
}

#[tokio::test]
async fn a_frame_cut_in_half_is_delivered_whole_on_the_next_connection() {
    let options = DingApiOptions::default();
    let server = start(&options).await;
    let mut client = StreamClient::connect(&server, &options).await.unwrap();
    connected(&server, 1).await;

    server.cut_next_frame();
    let pushed = server.user_says(&zhang(), "半截消息");
    let half = client.next_text().await.unwrap();
    let clean_close = client.until_closed().await.unwrap();
    server.wait_for_no_connection(WAIT).await.unwrap();
    let mut again = StreamClient::connect(&server, &options).await.unwrap();
    let whole = again.next_frame().await.unwrap();

    assert!(serde_json::from_str::<Value>(&half).is_err(), "{half}");
    assert!(!clean_close);
    assert_eq!(whole["headers"]["messageId"], pushed.message_id.as_str());
}

#[tokio::test]
async fn a_ticket_opens_one_connection_and_wrong_credentials_get_none() {
    let options = DingApiOptions::default();
    let server = start(&options).await;
    let wrong = DingApiOptions {
        client_secret: "wrong".into(),
        ..options.clone()
    };

    let answer = open_connection(&server, &options).await.unwrap();
    let (endpoint, ticket) = (
        answer["endpoint"].as_str().unwrap(),
        answer["ticket"].as_str().unwrap(),
    );
    let first = StreamClient::connect_with_ticket(endpoint, ticket).await;
    let reused = StreamClient::connect_with_ticket(endpoint, ticket).await;
    let forged = StreamClient::connect_with_ticket(endpoint, "forged").await;
    let refused = open_connection(&server, &wrong)
        .await
        .unwrap_err()
        .to_string();

    assert!(endpoint.starts_with("ws://127.0.0.1:") && endpoint.ends_with("/connect"));
    assert!(first.is_ok());
    assert!(reused.is_err());
    assert!(forged.is_err());
    assert!(
        refused.contains("401") && refused.contains("authFailed"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_group_message_reaches_the_robot_only_when_it_mentions_the_robot() {
    let options = DingApiOptions::default();
    let server = start(&options).await;
    let group = DingGroup {
        open_conversation_id: "cidGroup1==".into(),
        title: "督办工作群".into(),
        members: vec!["manager1234".into()],
    };
    server.add_group(&group);
    let mut client = StreamClient::connect(&server, &options).await.unwrap();
    connected(&server, 1).await;

    let unheard = server
        .group_says(&zhang(), "cidGroup1==", "大家好", false)
        .unwrap();
    let heard = server
        .group_says(&zhang(), "cidGroup1==", "1号任务完成", true)
        .unwrap()
        .unwrap();
    let frame = client.next_frame().await.unwrap();

    assert!(unheard.is_none());
    assert_eq!(frame["headers"]["messageId"], heard.message_id.as_str());
    let data = &frame["data_json"];
    assert_eq!(data["conversationType"], "2");
    assert_eq!(data["conversationId"], "cidGroup1==");
    assert_eq!(data["conversationTitle"], "督办工作群");
    assert_eq!(data["isInAtList"], true);
    assert_eq!(data["atUsers"][0]["dingtalkId"], data["chatbotUserId"]);
    assert_eq!(data["text"]["content"], " 1号任务完成");
}

#[tokio::test]
async fn a_quoted_reply_names_the_robot_message_it_quotes() {
    let options = DingApiOptions::default();
    let server = start(&options).await;
    server.add_user(&zhang());
    let token = token(&server, &options).await.unwrap();
    let (_, body) = text(&["manager1234"], "请报送1号任务进度");
    let (_, sent) = post_json(
        &server,
        "v1.0/robot/oToMessages/batchSend",
        Some(&token),
        &body,
    )
    .await
    .unwrap();
    let key = sent["processQueryKey"].as_str().unwrap();
    let mut client = StreamClient::connect(&server, &options).await.unwrap();
    connected(&server, 1).await;

    server
        .user_quotes(&zhang(), &Chat::Single("manager1234".into()), key, "已完成")
        .unwrap();
    let data = client.next_frame().await.unwrap()["data_json"].clone();

    assert_eq!(data["text"]["content"], "已完成");
    assert_eq!(data["text"]["isReplyMsg"], true);
    assert_eq!(
        data["text"]["repliedMsg"]["content"]["text"],
        "请报送1号任务进度"
    );
    assert_eq!(
        data["text"]["repliedMsg"]["senderId"],
        data["chatbotUserId"]
    );
    assert_eq!(data["originalProcessQueryKey"], key);
}

#[tokio::test]
async fn the_server_pings_on_its_own_when_given_an_interval() {
    let options = DingApiOptions {
        ping_interval: Some(Duration::from_millis(20)),
        ..DingApiOptions::default()
    };
    let server = start(&options).await;
    let mut client = StreamClient::connect(&server, &options).await.unwrap();

    let ping = client.next_frame().await.unwrap();
    client.pong(&ping).await.unwrap();
    let pongs = server.wait_for_pongs(1, WAIT).await.unwrap();

    assert_eq!(ping["headers"]["topic"], "ping");
    assert_eq!(
        pongs[0].opaque.as_deref(),
        ping["data_json"]["opaque"].as_str()
    );
}

#[tokio::test]
async fn an_unacked_frame_is_pushed_again_on_the_same_connection_after_the_ack_timeout() {
    let options = DingApiOptions {
        ack_timeout: Some(Duration::from_millis(40)),
        ..DingApiOptions::default()
    };
    let server = start(&options).await;
    let mut client = StreamClient::connect(&server, &options).await.unwrap();
    connected(&server, 1).await;

    let pushed = server.user_says(&zhang(), "没人回应");
    let first = client.next_frame().await.unwrap();
    let second = client.next_frame().await.unwrap();
    client
        .ack(&second, &json!({ "response": null }))
        .await
        .unwrap();
    let acked = server.wait_for_acks(1, WAIT).await.unwrap();

    assert_eq!(first["headers"]["messageId"], pushed.message_id.as_str());
    assert_eq!(second["headers"]["messageId"], pushed.message_id.as_str());
    assert!(acked[0].deliveries >= 2);
    assert!(server.unacked().is_empty());
}
