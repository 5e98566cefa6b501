//! The OpenAPI side: tokens, batchSend, group sends, cards, media, faults.

use duban::dingapi::{DingApiOptions, DingGroup, DingUser, FaultKind, FaultPlan, SentBody};
use serde_json::{Value, json};

use super::{connected, start, text, zhang};
use crate::support::stream_client::{StreamClient, WAIT, post_json, put_json, token};

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

#[tokio::test]
async fn a_flow_controlled_receiver_is_listed_and_gets_nothing() {
    let options = DingApiOptions::default();
    let server = start(&options).await;
    server.add_user(&zhang());
    server.add_user(&DingUser::new("li4", "李四"));
    server.flow_control("li4");
    let token = token(&server, &options).await.unwrap();
    let (_, body) = text(&["manager1234", "li4"], "提醒");

    let (status, answer) = post_json(
        &server,
        "v1.0/robot/oToMessages/batchSend",
        Some(&token),
        &body,
    )
    .await
    .unwrap();

    assert_eq!(status, 200);
    assert_eq!(answer["flowControlledStaffIdList"], json!(["li4"]));
    assert_eq!(server.sent_to_user("manager1234").len(), 1);
    assert!(server.sent_to_user("li4").is_empty());
}

#[tokio::test]
async fn a_card_sent_for_http_callbacks_cannot_be_pressed_over_the_stream() {
    let options = DingApiOptions::default();
    let server = start(&options).await;
    server.add_user(&zhang());
    let token = token(&server, &options).await.unwrap();
    let card = json!({
        "cardTemplateId": "t.schema", "outTrackId": "http-card", "callbackType": "HTTP",
        "cardData": { "cardParamMap": {} }, "openSpaceId": "dtv1.card//IM_ROBOT.manager1234",
    });

    let (status, _) = post_json(
        &server,
        "v1.0/card/instances/createAndDeliver",
        Some(&token),
        &card,
    )
    .await
    .unwrap();
    let pressed = server.press_button(&zhang(), "http-card", "ok", json!({}));

    assert_eq!(status, 200);
    assert!(pressed.is_err());
    assert!(server.unacked().is_empty());
}

#[tokio::test]
async fn an_upload_with_an_expired_token_is_answered_in_the_old_style() {
    let options = DingApiOptions::default();
    let server = start(&options).await;
    let token = token(&server, &options).await.unwrap();
    server.expire_tokens();

    let part = reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("a.txt");
    let response = reqwest::Client::new()
        .post(format!(
            "{}media/upload?access_token={token}&type=file",
            server.url()
        ))
        .multipart(reqwest::multipart::Form::new().part("media", part))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let answer: Value = response.json().await.unwrap();

    assert_eq!(status, 200);
    assert_eq!(answer["errcode"], 40014);
    assert_eq!(answer["errmsg"], "不合法的access_token");
}
