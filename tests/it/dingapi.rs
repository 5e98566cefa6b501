//! The local DingTalk server, over real HTTP and WebSocket: the gateway and its tickets,
//! pushed frames, ACKs and redelivery, pings and disconnects, tokens, sending, cards, media and
//! 限流. The shapes asserted are those of docs/dingtalk-protocol.md.

use std::time::Duration;

use duban::dingapi::{
    Chat, Delivery, DingApiOptions, DingApiServer, DingGroup, DingUser, FaultKind, FaultPlan,
    SentBody,
};
use serde_json::{Value, json};

use crate::support::stream_client::{
    StreamClient, WAIT, open_connection, post_json, put_json, token,
};

async fn start(options: &DingApiOptions) -> DingApiServer {
    DingApiServer::start(options.clone())
        .await
        .expect("server starts")
}

fn zhang() -> DingUser {
    DingUser::new("manager1234", "张三")
}

/// A batchSend body with a sampleText, for the default options.
fn text(user_ids: &[&str], content: &str) -> (DingApiOptions, Value) {
    let options = DingApiOptions::default();
    let body = json!({
        "robotCode": options.robot_code, "userIds": user_ids, "msgKey": "sampleText",
        "msgParam": json!({ "content": content }).to_string(),
    });
    (options, body)
}

/// The client has opened `n` connections and the server has registered the last.
async fn connected(server: &DingApiServer, n: u64) {
    server
        .wait_for_connections(n, WAIT)
        .await
        .expect("connected");
}

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
async fn an_expired_token_is_answered_invalid_authentication_until_a_new_one_is_fetched() {
    let server = start(&DingApiOptions::default()).await;
    server.add_user(&zhang());
    let (options, body) = text(&["manager1234"], "提醒");
    let old = token(&server, &options).await.unwrap();

    server.expire_tokens();
    let (status, error) = post_json(
        &server,
        "v1.0/robot/oToMessages/batchSend",
        Some(&old),
        &body,
    )
    .await
    .unwrap();
    let new = token(&server, &options).await.unwrap();
    let (retried, _) = post_json(
        &server,
        "v1.0/robot/oToMessages/batchSend",
        Some(&new),
        &body,
    )
    .await
    .unwrap();

    assert_eq!(status, 400);
    assert_eq!(error["code"], "InvalidAuthentication");
    assert_eq!(error["message"], "不合法的access_token");
    assert_eq!(retried, 200);
    assert_eq!(server.sent_to_user("manager1234").len(), 1);
}

#[tokio::test]
async fn a_token_is_refused_once_its_lifetime_is_over() {
    let options = DingApiOptions {
        token_lifetime_secs: 0,
        ..DingApiOptions::default()
    };
    let server = start(&options).await;
    let (_, body) = text(&["manager1234"], "提醒");

    let token = token(&server, &options).await.unwrap();
    let (status, error) = post_json(
        &server,
        "v1.0/robot/oToMessages/batchSend",
        Some(&token),
        &body,
    )
    .await
    .unwrap();

    assert_eq!(
        (status, error["code"].as_str()),
        (400, Some("InvalidAuthentication"))
    );
}

#[tokio::test]
async fn batch_send_records_each_message_in_order_and_lists_strangers_as_invalid() {
    let server = start(&DingApiOptions::default()).await;
    server.add_user(&zhang());
    server.add_user(&DingUser::new("li4", "李四"));
    let options = DingApiOptions::default();
    let token = token(&server, &options).await.unwrap();
    let (_, first) = text(&["manager1234", "li4", "stranger"], "第一条");
    let second = json!({
        "robotCode": options.robot_code, "userIds": ["manager1234"], "msgKey": "sampleMarkdown",
        "msgParam": json!({ "title": "督办提醒", "text": "**第二条**" }).to_string(),
    });

    let (s1, a1) = post_json(
        &server,
        "v1.0/robot/oToMessages/batchSend",
        Some(&token),
        &first,
    )
    .await
    .unwrap();
    let (s2, a2) = post_json(
        &server,
        "v1.0/robot/oToMessages/batchSend",
        Some(&token),
        &second,
    )
    .await
    .unwrap();
    let sent = server.sent_to_user("manager1234");

    assert_eq!((s1, s2), (200, 200));
    assert_eq!(a1["invalidStaffIdList"], json!(["stranger"]));
    assert_eq!(a1["flowControlledStaffIdList"], json!([]));
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].body,
        SentBody::Text {
            content: "第一条".into()
        }
    );
    assert_eq!(
        sent[0].process_query_key,
        a1["processQueryKey"].as_str().unwrap()
    );
    assert_eq!(
        sent[1].body,
        SentBody::Markdown {
            title: "督办提醒".into(),
            text: "**第二条**".into()
        }
    );
    assert_eq!(
        sent[1].process_query_key,
        a2["processQueryKey"].as_str().unwrap()
    );
    assert_eq!(server.sent_to_user("li4").len(), 1);
}

#[tokio::test]
async fn throttling_and_server_faults_are_answered_as_dingtalk_answers_them() {
    let options = DingApiOptions::default();
    let server = start(&options).await;
    server.add_user(&zhang());
    let token = token(&server, &options).await.unwrap();
    let (_, body) = text(&["manager1234"], "提醒");
    server.add_fault(FaultPlan::next(1, FaultKind::Throttled));
    server.add_fault(FaultPlan::next(1, FaultKind::ServerError));

    let path = "v1.0/robot/oToMessages/batchSend";
    let (s1, throttled) = post_json(&server, path, Some(&token), &body).await.unwrap();
    let (s2, failed) = post_json(&server, path, Some(&token), &body).await.unwrap();
    let (s3, _) = post_json(&server, path, Some(&token), &body).await.unwrap();

    assert_eq!(s1, 403);
    assert_eq!(
        throttled["code"],
        "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"
    );
    assert_eq!(s2, 500);
    assert_eq!(failed["code"], "unknownError");
    assert_eq!(s3, 200);
    assert_eq!(server.sent_to_user("manager1234").len(), 1);
    assert_eq!(server.fault_stats().injected_throttled, 1);
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
async fn a_card_button_press_comes_back_and_its_ack_and_a_put_update_the_card() {
    let options = DingApiOptions::default();
    let server = start(&options).await;
    server.add_user(&zhang());
    let token = token(&server, &options).await.unwrap();
    let card = json!({
        "cardTemplateId": "dac1dbec-55af-40c3-be91-6d6882ef3b66.schema", "outTrackId": "remind-1",
        "callbackType": "STREAM", "cardData": { "cardParamMap": { "title": "1号任务", "status": "待处理" } },
        "openSpaceId": "dtv1.card//IM_ROBOT.manager1234",
        "imRobotOpenDeliverModel": { "spaceType": "IM_ROBOT", "robotCode": options.robot_code },
        "userIdType": 1,
    });
    let (status, created) = post_json(
        &server,
        "v1.0/card/instances/createAndDeliver",
        Some(&token),
        &card,
    )
    .await
    .unwrap();
    let mut client = StreamClient::connect(&server, &options).await.unwrap();
    connected(&server, 1).await;

    server
        .press_button(&zhang(), "remind-1", "done", json!({ "action": "done" }))
        .unwrap();
    let frame = client.next_frame().await.unwrap();
    let answer = json!({ "response": {
        "cardData": { "cardParamMap": { "status": "已完成" } },
        "cardUpdateOptions": { "updateCardDataByKey": true },
    }});
    client.ack(&frame, &answer).await.unwrap();
    server.wait_for_acks(1, WAIT).await.unwrap();
    let after_press = server.card("remind-1").unwrap();
    let update = json!({ "outTrackId": "remind-1", "cardData": { "cardParamMap": { "status": "已确认" } },
                         "cardUpdateOptions": { "updateCardDataByKey": true } });
    let (put_status, _) = put_json(&server, "v1.0/card/instances", &token, &update)
        .await
        .unwrap();

    assert_eq!(status, 200);
    assert_eq!(created["result"]["deliverResults"][0]["success"], true);
    assert_eq!(frame["headers"]["topic"], "/v1.0/card/instances/callback");
    let data = &frame["data_json"];
    assert_eq!(data["outTrackId"], "remind-1");
    assert_eq!(data["userId"], "manager1234");
    let content: Value = serde_json::from_str(data["content"].as_str().unwrap()).unwrap();
    assert_eq!(content["cardPrivateData"]["actionIds"], json!(["done"]));
    assert_eq!(content["cardPrivateData"]["params"]["action"], "done");
    assert_eq!(after_press.params["status"], "已完成");
    assert_eq!(after_press.params["title"], "1号任务");
    assert_eq!(put_status, 200);
    let SentBody::Card(now) = &server.sent_to_user("manager1234")[0].body else {
        panic!("a card")
    };
    assert_eq!(now.params["status"], "已确认");
    assert_eq!(now.updates, 2);
}

#[tokio::test]
async fn an_uploaded_file_is_sent_with_its_bytes_and_a_group_message_is_recorded() {
    let options = DingApiOptions::default();
    let server = start(&options).await;
    server.add_user(&zhang());
    server.add_group(&DingGroup {
        open_conversation_id: "cidG==".into(),
        title: "群".into(),
        members: vec![],
    });
    let token = token(&server, &options).await.unwrap();
    let part = reqwest::multipart::Part::bytes(b"PK fake docx".to_vec()).file_name("通报.docx");
    let upload: Value = reqwest::Client::new()
        .post(format!(
            "{}media/upload?access_token={token}&type=file",
            server.url()
        ))
        .multipart(reqwest::multipart::Form::new().part("media", part))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let media_id = upload["media_id"].as_str().unwrap();
    let file = json!({ "robotCode": options.robot_code, "userIds": ["manager1234"], "msgKey": "sampleFile",
        "msgParam": json!({ "mediaId": media_id, "fileName": "通报.docx", "fileType": "docx" }).to_string() });
    let group = json!({ "robotCode": options.robot_code, "openConversationId": "cidG==", "msgKey": "sampleText",
        "msgParam": json!({ "content": "本期通报" }).to_string() });
    let unknown = json!({ "robotCode": options.robot_code, "openConversationId": "cidNone==", "msgKey": "sampleText",
        "msgParam": json!({ "content": "x" }).to_string() });

    let (s1, _) = post_json(
        &server,
        "v1.0/robot/oToMessages/batchSend",
        Some(&token),
        &file,
    )
    .await
    .unwrap();
    let (s2, _) = post_json(
        &server,
        "v1.0/robot/groupMessages/send",
        Some(&token),
        &group,
    )
    .await
    .unwrap();
    let (s3, refused) = post_json(
        &server,
        "v1.0/robot/groupMessages/send",
        Some(&token),
        &unknown,
    )
    .await
    .unwrap();

    assert_eq!(upload["errcode"], 0);
    assert_eq!((s1, s2, s3), (200, 200, 400));
    assert_eq!(refused["code"], "invalid.openConversationId");
    let SentBody::File {
        file_name,
        uploaded_name,
        bytes,
        ..
    } = &server.sent_to_user("manager1234")[0].body
    else {
        panic!("a file")
    };
    assert_eq!(
        (file_name.as_str(), uploaded_name.as_str()),
        ("通报.docx", "通报.docx")
    );
    assert_eq!(bytes, b"PK fake docx");
    assert_eq!(
        server.sent_to_group("cidG==")[0].body,
        SentBody::Text {
            content: "本期通报".into()
        }
    );
}
