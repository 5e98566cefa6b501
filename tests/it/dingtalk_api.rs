//! The DingTalk OpenAPI client (`duban::dingtalk::api`) over real HTTP against the local
//! DingTalk server: the token and its renewal, messages to people and groups, uploads, cards,
//! and how DingTalk's refusals and faults come back (docs/dingtalk-protocol.md §4–§7).

use std::collections::BTreeMap;
use std::time::Duration;

use duban::dingapi::{
    Api, DingApiOptions, DingApiServer, DingGroup, DingUser, FaultKind, FaultPlan, SentBody,
};
use duban::dingtalk::api::{ApiConfig, ApiError, Card, DingTalkApi, MediaKind, Message, Space};

async fn server() -> DingApiServer {
    let server = DingApiServer::start(DingApiOptions::default())
        .await
        .expect("the local DingTalk server starts");
    server.add_user(&DingUser::new("zhang3", "张三"));
    server.add_user(&DingUser::new("li4", "李四"));
    server.add_group(&DingGroup {
        open_conversation_id: "cidGroup==".into(),
        title: "督办工作群".into(),
        members: vec!["zhang3".into(), "li4".into()],
    });
    server
}

fn config(server: &DingApiServer) -> ApiConfig {
    let options = DingApiOptions::default();
    ApiConfig {
        api_url: server.url().to_owned(),
        oapi_url: server.url().to_owned(),
        client_id: options.client_id,
        client_secret: options.client_secret,
        robot_code: options.robot_code,
    }
}

fn client(server: &DingApiServer) -> DingTalkApi {
    DingTalkApi::new(config(server))
}

fn ids(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| (*id).to_owned()).collect()
}

fn text(content: &str) -> Message {
    Message::Text(content.to_owned())
}

#[tokio::test]
async fn one_token_serves_many_calls() {
    let server = server().await;
    let api = client(&server);

    for n in 0..5 {
        api.send_to_users(&ids(&["zhang3"]), &text(&format!("第{n}条")))
            .await
            .unwrap();
    }
    api.send_to_group("cidGroup==", &text("群消息"))
        .await
        .unwrap();

    assert_eq!(server.calls(Api::AccessToken), 1);
    assert_eq!(server.calls(Api::BatchSend), 5);
    assert_eq!(server.sent_to_user("zhang3").len(), 5);
}

#[tokio::test]
async fn callers_arriving_together_wait_for_one_token_fetch() {
    let server = server().await;
    let api = client(&server);

    let mut sends = tokio::task::JoinSet::new();
    for n in 0..10 {
        let api = api.clone();
        sends.spawn(async move {
            api.send_to_users(&ids(&["zhang3"]), &text(&format!("并发{n}")))
                .await
        });
    }
    let results = sends.join_all().await;

    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(server.calls(Api::AccessToken), 1);
    assert_eq!(server.sent_to_user("zhang3").len(), 10);
}

#[tokio::test]
async fn an_expired_token_is_fetched_again_once_and_the_call_goes_through() {
    let server = server().await;
    let api = client(&server);
    api.send_to_users(&ids(&["zhang3"]), &text("第一条"))
        .await
        .unwrap();

    server.expire_tokens();
    let sent = api.send_to_users(&ids(&["zhang3"]), &text("第二条")).await;
    server.expire_tokens();
    let uploaded = api.upload("a.txt", b"abc".to_vec(), MediaKind::File).await;

    assert!(sent.is_ok(), "{sent:?}");
    assert!(uploaded.is_ok(), "{uploaded:?}");
    assert_eq!(server.calls(Api::AccessToken), 3);
    // The refused call and its retry.
    assert_eq!(server.calls(Api::BatchSend), 3);
    assert_eq!(server.calls(Api::MediaUpload), 2);
    assert_eq!(server.sent_to_user("zhang3").len(), 2);
}

#[tokio::test]
async fn a_wrong_secret_is_rejected_with_dingtalks_code_and_never_printed() {
    let server = server().await;
    let config = ApiConfig {
        client_secret: "a-wrong-secret-0042".into(),
        ..config(&server)
    };
    let api = DingTalkApi::new(config.clone());

    let error = api
        .send_to_users(&ids(&["zhang3"]), &text("提醒"))
        .await
        .unwrap_err();

    assert!(
        matches!(&error, ApiError::Rejected { status: 400, code, .. } if code == "invalidClientIdOrSecret"),
        "{error:?}"
    );
    assert!(!error.retryable());
    assert_eq!(server.calls(Api::BatchSend), 0);
    for printed in [format!("{config:?}"), format!("{api:?}"), error.to_string()] {
        assert!(!printed.contains("a-wrong-secret-0042"), "{printed}");
    }
}

#[tokio::test]
async fn text_and_markdown_to_a_person_arrive_in_order() {
    let server = server().await;
    let api = client(&server);
    let markdown = Message::Markdown {
        title: "督办提醒".into(),
        text: "**1号任务** 请于本月25日前报送进展".into(),
    };

    let first = api
        .send_to_users(&ids(&["zhang3"]), &text("您好"))
        .await
        .unwrap();
    let second = api
        .send_to_users(&ids(&["zhang3"]), &markdown)
        .await
        .unwrap();
    let sent = server.sent_to_user("zhang3");

    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].body,
        SentBody::Text {
            content: "您好".into()
        }
    );
    assert_eq!(sent[0].process_query_key, first.process_query_key);
    assert_eq!(
        sent[1].body,
        SentBody::Markdown {
            title: "督办提醒".into(),
            text: "**1号任务** 请于本月25日前报送进展".into()
        }
    );
    assert_eq!(sent[1].process_query_key, second.process_query_key);
    assert!(first.invalid.is_empty() && first.throttled.is_empty());
}

#[tokio::test]
async fn strangers_and_flow_controlled_people_are_listed_and_get_nothing() {
    let server = server().await;
    server.flow_control("li4");
    let api = client(&server);

    let sent = api
        .send_to_users(&ids(&["zhang3", "stranger", "li4"]), &text("提醒"))
        .await
        .unwrap();

    assert_eq!(sent.invalid, ids(&["stranger"]));
    assert_eq!(sent.throttled, ids(&["li4"]));
    assert_eq!(server.sent_to_user("zhang3").len(), 1);
    assert!(server.sent_to_user("li4").is_empty());
}

#[tokio::test]
async fn a_send_to_strangers_only_is_rejected() {
    let server = server().await;
    let api = client(&server);

    let error = api
        .send_to_users(&ids(&["stranger1", "stranger2"]), &text("提醒"))
        .await
        .unwrap_err();

    assert!(
        matches!(&error, ApiError::Rejected { status: 400, code, .. } if code == "staffId.notExisted"),
        "{error:?}"
    );
    assert!(!error.retryable());
}

#[tokio::test]
async fn more_than_twenty_receivers_or_none_are_refused_without_a_call() {
    let server = server().await;
    let api = client(&server);
    let many: Vec<String> = (0..21).map(|n| format!("staff{n}")).collect();

    let too_many = api.send_to_users(&many, &text("提醒")).await.unwrap_err();
    let none = api.send_to_users(&[], &text("提醒")).await.unwrap_err();

    assert!(matches!(too_many, ApiError::Invalid(_)), "{too_many:?}");
    assert!(matches!(none, ApiError::Invalid(_)), "{none:?}");
    assert!(!too_many.retryable());
    assert_eq!(server.calls(Api::BatchSend), 0);
}

#[tokio::test]
async fn a_group_gets_its_message_and_an_unknown_group_is_rejected() {
    let server = server().await;
    let api = client(&server);

    let sent = api
        .send_to_group("cidGroup==", &text("本期通报已发布"))
        .await
        .unwrap();
    let error = api
        .send_to_group("cidUnknown==", &text("x"))
        .await
        .unwrap_err();

    let in_group = server.sent_to_group("cidGroup==");
    assert_eq!(in_group.len(), 1);
    assert_eq!(in_group[0].process_query_key, sent.process_query_key);
    assert_eq!(
        in_group[0].body,
        SentBody::Text {
            content: "本期通报已发布".into()
        }
    );
    assert!(
        matches!(&error, ApiError::Rejected { code, .. } if code == "invalid.openConversationId"),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_uploaded_file_and_picture_are_sent_with_their_bytes() {
    let server = server().await;
    let api = client(&server);
    let docx = b"PK\x03\x04 a bulletin".to_vec();

    let file_id = api
        .upload("通报.docx", docx.clone(), MediaKind::File)
        .await
        .unwrap();
    let image_id = api
        .upload("chart.png", b"\x89PNG".to_vec(), MediaKind::Image)
        .await
        .unwrap();
    let file = Message::File {
        media_id: file_id.clone(),
        file_name: "通报.docx".into(),
        file_type: "docx".into(),
    };
    api.send_to_users(&ids(&["zhang3"]), &file).await.unwrap();
    api.send_to_group(
        "cidGroup==",
        &Message::Image {
            media_id: image_id.clone(),
        },
    )
    .await
    .unwrap();

    let SentBody::File {
        media_id,
        file_name,
        file_type,
        uploaded_name,
        bytes,
    } = &server.sent_to_user("zhang3")[0].body
    else {
        panic!("a file message")
    };
    assert_eq!(media_id, &file_id);
    assert_eq!(
        (file_name.as_str(), file_type.as_str()),
        ("通报.docx", "docx")
    );
    assert_eq!(uploaded_name, "通报.docx");
    assert_eq!(bytes, &docx);
    assert_eq!(
        server.sent_to_group("cidGroup==")[0].body,
        SentBody::Image {
            photo_url: image_id
        }
    );
}

#[tokio::test]
async fn a_card_is_delivered_for_stream_callbacks_and_updated_by_key() {
    let server = server().await;
    let api = client(&server);
    let card = Card {
        template_id: "dac1dbec-55af-40c3-be91-6d6882ef3b66.schema".into(),
        out_track_id: "remind-7".into(),
        params: BTreeMap::from([
            ("title".into(), "7号任务".into()),
            ("status".into(), "待报送".into()),
        ]),
    };

    let sent = api
        .send_card(&Space::User("zhang3".into()), &card)
        .await
        .unwrap();
    api.update_card(
        "remind-7",
        &BTreeMap::from([("status".into(), "已报送".into())]),
    )
    .await
    .unwrap();

    let now = server.card("remind-7").expect("the card exists");
    assert!(now.stream_callbacks);
    assert_eq!(now.template_id, card.template_id);
    assert_eq!(now.params["status"], "已报送");
    assert_eq!(now.params["title"], "7号任务");
    assert_eq!(now.updates, 1);
    let in_chat = server.sent_to_user("zhang3");
    assert_eq!(
        sent.carrier_id.as_deref(),
        Some(in_chat[0].process_query_key.as_str())
    );
}

#[tokio::test]
async fn a_card_reaches_a_group_and_cards_to_unknown_places_are_rejected() {
    let server = server().await;
    let api = client(&server);
    let card = |id: &str| Card {
        template_id: "t.schema".into(),
        out_track_id: id.into(),
        params: BTreeMap::from([("title".into(), "本期通报".into())]),
    };

    let group = api
        .send_card(&Space::Group("cidGroup==".into()), &card("bulletin-1"))
        .await;
    let stranger = api
        .send_card(&Space::User("stranger".into()), &card("remind-x"))
        .await
        .unwrap_err();
    let missing = api
        .update_card("no-such-card", &BTreeMap::new())
        .await
        .unwrap_err();

    assert!(group.is_ok(), "{group:?}");
    assert!(matches!(
        &server.sent_to_group("cidGroup==")[0].body,
        SentBody::Card(c) if c.out_track_id == "bulletin-1"
    ));
    assert!(
        matches!(&stranger, ApiError::Rejected { code, .. } if code == "deliverFailed"),
        "{stranger:?}"
    );
    assert!(
        matches!(&missing, ApiError::Rejected { code, .. } if code == "invalidParameter.outTrackId.notExist"),
        "{missing:?}"
    );
}

#[tokio::test]
async fn throttling_and_server_faults_come_back_retryable() {
    let server = server().await;
    let api = client(&server);
    server.add_fault(FaultPlan::next(1, FaultKind::Throttled));
    server.add_fault(FaultPlan::next(1, FaultKind::ServerError));

    let throttled = api
        .send_to_users(&ids(&["zhang3"]), &text("1"))
        .await
        .unwrap_err();
    let failed = api
        .send_to_group("cidGroup==", &text("2"))
        .await
        .unwrap_err();
    server.add_fault(FaultPlan::next(1, FaultKind::Throttled).for_apis([Api::MediaUpload]));
    server.add_fault(FaultPlan::next(1, FaultKind::ServerError).for_apis([Api::MediaUpload]));
    let upload_throttled = api
        .upload("a.txt", b"a".to_vec(), MediaKind::File)
        .await
        .unwrap_err();
    let upload_failed = api
        .upload("a.txt", b"a".to_vec(), MediaKind::File)
        .await
        .unwrap_err();
    let then = api.send_to_users(&ids(&["zhang3"]), &text("3")).await;

    assert_eq!(
        throttled,
        ApiError::Throttled {
            code: "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi".into()
        }
    );
    assert_eq!(throttled.retry_after(), Some(Duration::from_secs(1)));
    assert!(matches!(failed, ApiError::Transient(_)), "{failed:?}");
    assert_eq!(
        upload_throttled,
        ApiError::Throttled {
            code: "90018".into()
        }
    );
    assert!(
        matches!(upload_failed, ApiError::Transient(_)),
        "{upload_failed:?}"
    );
    assert!(
        [&throttled, &failed, &upload_throttled, &upload_failed]
            .iter()
            .all(|e| e.retryable())
    );
    assert!(then.is_ok());
    assert_eq!(server.sent_to_user("zhang3").len(), 1);
}

#[tokio::test]
async fn over_many_sends_each_fault_is_classified_as_what_it_was() {
    let server = server().await;
    let api = client(&server);
    server.add_fault(FaultPlan::share(0.15, 11, FaultKind::Throttled));
    server.add_fault(FaultPlan::share(0.15, 12, FaultKind::ServerError));
    let (mut ok, mut throttled, mut transient) = (0, 0, 0);

    for n in 0..200 {
        match api
            .send_to_users(&ids(&["zhang3"]), &text(&format!("第{n}条")))
            .await
        {
            Ok(_) => ok += 1,
            Err(ApiError::Throttled { .. }) => throttled += 1,
            Err(ApiError::Transient(_)) => transient += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    let stats = server.fault_stats();
    assert_eq!(throttled, stats.injected_throttled);
    assert_eq!(transient, stats.injected_server_errors);
    assert!(throttled > 0 && transient > 0);
    assert_eq!(ok, server.sent_to_user("zhang3").len());
    assert_eq!(ok + throttled as usize + transient as usize, 200);
}

#[tokio::test]
async fn a_call_nobody_answers_ends_as_transient() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let api = DingTalkApi::with_timeout(
        ApiConfig {
            api_url: url.clone(),
            oapi_url: url,
            client_id: "k".into(),
            client_secret: "s".into(),
            robot_code: "k".into(),
        },
        Duration::from_millis(200),
    );

    let error = api
        .send_to_users(&ids(&["zhang3"]), &text("提醒"))
        .await
        .unwrap_err();

    assert!(matches!(error, ApiError::Transient(_)), "{error:?}");
    assert!(error.retryable());
    silent.abort();
}

#[tokio::test]
async fn a_server_that_is_gone_is_transient() {
    let server = server().await;
    let api = client(&server);
    server.shutdown().await;

    let error = api
        .send_to_users(&ids(&["zhang3"]), &text("提醒"))
        .await
        .unwrap_err();

    assert!(matches!(error, ApiError::Transient(_)), "{error:?}");
}
