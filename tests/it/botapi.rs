//! The local Bot API server, driven through the real teloxide client.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use duban::botapi::{BotApiOptions, BotApiServer, FaultKind, FaultPlan, RateLimit, TestUser};
use teloxide::prelude::*;
use teloxide::types::{
    ChatId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, MessageId, ReplyParameters,
    UpdateKind,
};
use teloxide::update_listeners::Polling;
use teloxide::{ApiError, RequestError};

const WAIT: Duration = Duration::from_secs(10);

async fn server() -> BotApiServer {
    BotApiServer::start(BotApiOptions::default())
        .await
        .expect("server starts")
}

fn alice() -> TestUser {
    TestUser::new(1001, "张三").with_username("zhangsan")
}

/// Sends a raw HTTP/1.1 request, for what teloxide cannot send (unknown methods, forms).
async fn raw_post(url: &str, path: &str, content_type: &str, body: &str) -> String {
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn get_me_through_teloxide_returns_the_configured_bot() {
    let server = server().await;

    let me = server.bot().get_me().await.expect("getMe succeeds");

    assert!(me.is_bot);
    assert_eq!(me.username(), "duban_test_bot");
    assert_eq!(server.calls("getMe"), 1);
}

#[tokio::test]
async fn a_wrong_token_gets_teloxides_invalid_token_error() {
    let server = server().await;
    let bot = Bot::new("999:WRONG").set_api_url(server.url().parse().unwrap());

    let result = bot.get_me().await;

    assert!(
        matches!(result, Err(RequestError::Api(ApiError::InvalidToken))),
        "{result:?}"
    );
}

#[tokio::test]
async fn unknown_methods_get_a_telegram_shaped_404_and_forms_are_accepted_in_any_case() {
    let server = server().await;
    server.add_user(&alice());
    let base = format!("/bot{}/", server.token());

    let unknown = raw_post(
        server.url(),
        &format!("{base}noSuchMethod"),
        "application/json",
        "{}",
    )
    .await;
    let form = raw_post(
        server.url(),
        &format!("{base}sendmessage"),
        "application/x-www-form-urlencoded",
        "chat_id=1001&text=%E4%BD%A0%E5%A5%BD+world",
    )
    .await;

    assert!(unknown.starts_with("HTTP/1.1 404"), "{unknown}");
    assert!(
        unknown.contains(r#""description":"Not Found: method not found""#),
        "{unknown}"
    );
    assert!(form.contains(r#""ok":true"#), "{form}");
    assert_eq!(server.sent(1001)[0].text.as_deref(), Some("你好 world"));
}

#[tokio::test]
async fn send_message_with_keyboard_and_reply_is_stored_and_parsed_by_teloxide() {
    let server = server().await;
    let bot = server.bot();
    let user = alice();
    let asked = server.send_text(&user, user.id, "/report 3 已完成");
    let keyboard = InlineKeyboardMarkup::new([[
        InlineKeyboardButton::callback("蓝", "s:blue"),
        InlineKeyboardButton::callback("红", "s:red"),
    ]]);

    let message = bot
        .send_message(ChatId(user.id), "<b>收到</b> 任务 3")
        .parse_mode(teloxide::types::ParseMode::Html)
        .reply_markup(keyboard)
        .reply_parameters(ReplyParameters::new(MessageId(asked)))
        .await
        .expect("sendMessage succeeds");

    let replied = message
        .reply_to_message()
        .expect("reply_to_message is returned");
    assert_eq!(replied.text(), Some("/report 3 已完成"));
    assert_eq!(
        message.reply_markup().map(|m| m.inline_keyboard[0].len()),
        Some(2)
    );
    let sent = server.sent(user.id);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].message_id, message.id.0);
    assert_eq!(sent[0].parse_mode.as_deref(), Some("HTML"));
    assert_eq!(sent[0].reply_to, Some(asked));
    let markup = sent[0].reply_markup.as_ref().expect("markup stored");
    assert_eq!(markup["inline_keyboard"][0][1]["callback_data"], "s:red");
}

#[tokio::test]
async fn message_ids_increase_per_chat() {
    let server = server().await;
    let bot = server.bot();
    server.add_user(&alice());
    server.add_group(-100, "督办群");

    let a1 = bot.send_message(ChatId(1001), "a1").await.unwrap();
    let g1 = bot.send_message(ChatId(-100), "g1").await.unwrap();
    let a2 = bot.send_message(ChatId(1001), "a2").await.unwrap();

    assert_eq!((a1.id.0, a2.id.0, g1.id.0), (1, 2, 1));
    assert_eq!(server.all_sent().len(), 3);
}

#[tokio::test]
async fn a_4097_character_message_is_refused_and_not_stored() {
    let server = server().await;
    server.add_user(&alice());

    let result = server
        .bot()
        .send_message(ChatId(1001), "办".repeat(4097))
        .await;
    let fits = server
        .bot()
        .send_message(ChatId(1001), "办".repeat(4096))
        .await;

    assert!(
        matches!(result, Err(RequestError::Api(ApiError::MessageIsTooLong))),
        "{result:?}"
    );
    assert!(fits.is_ok());
    assert_eq!(server.sent(1001).len(), 1);
}

#[tokio::test]
async fn unescaped_html_is_refused_like_telegram_does() {
    let server = server().await;
    server.add_user(&alice());

    let result = server
        .bot()
        .send_message(ChatId(1001), "产值 < 3 & 增长")
        .parse_mode(teloxide::types::ParseMode::Html)
        .await;

    assert!(matches!(result, Err(RequestError::Api(_))), "{result:?}");
    assert!(server.sent(1001).is_empty());
}

#[tokio::test]
async fn an_injected_429_gives_retry_after_and_the_next_call_succeeds() {
    let server = server().await;
    server.add_user(&alice());
    server.inject_faults(FaultPlan::next(1, FaultKind::RetryAfter(3)).for_methods(["sendMessage"]));

    let first = server.bot().send_message(ChatId(1001), "x").await;
    let second = server.bot().send_message(ChatId(1001), "x").await;

    assert!(
        matches!(first, Err(RequestError::RetryAfter(s)) if s.seconds() == 3),
        "{first:?}"
    );
    assert!(second.is_ok());
    assert_eq!(server.fault_stats().injected_retry_after, 1);
    assert_eq!(server.sent(1001).len(), 1);
}

#[tokio::test]
async fn the_per_chat_rate_limit_answers_429_when_exceeded() {
    let server = server().await;
    server.add_user(&alice());
    server.set_rate_limit(Some(RateLimit::telegram()));

    let first = server.bot().send_message(ChatId(1001), "1").await;
    let second = server.bot().send_message(ChatId(1001), "2").await;

    assert!(first.is_ok());
    assert!(
        matches!(second, Err(RequestError::RetryAfter(_))),
        "{second:?}"
    );
    assert_eq!(server.fault_stats().rate_limited, 1);
}

#[tokio::test]
async fn a_document_arrives_with_name_bytes_and_caption() {
    let server = server().await;
    server.add_user(&alice());
    let file = InputFile::memory("# 通报\n".as_bytes().to_vec()).file_name("通报.md");

    let message = server
        .bot()
        .send_document(ChatId(1001), file)
        .caption("五月通报")
        .await
        .unwrap();

    assert_eq!(
        message.document().and_then(|d| d.file_name.as_deref()),
        Some("通报.md")
    );
    let sent = &server.sent(1001)[0];
    let document = sent.document.as_ref().expect("document stored");
    assert_eq!(document.file_name, "通报.md");
    assert_eq!(document.bytes, "# 通报\n".as_bytes());
    assert_eq!(sent.text.as_deref(), Some("五月通报"));
}

#[tokio::test]
async fn unconfirmed_updates_come_again_confirmed_ones_do_not_and_redeliver_brings_one_back() {
    let server = server().await;
    let bot = server.bot();
    let user = alice();
    server.send_text(&user, user.id, "one");
    server.send_text(&user, user.id, "two");

    let first = bot.get_updates().await.unwrap();
    let again = bot.get_updates().await.unwrap();
    let last = first.last().unwrap().id.0 as i32;
    let after_confirm = bot.get_updates().offset(last + 1).await.unwrap();
    let pending_after_confirm = server.pending_updates();
    assert!(server.redeliver(i64::from(first[0].id.0)));
    let redelivered = bot.get_updates().offset(last + 1).await.unwrap();

    assert_eq!(first.len(), 2);
    assert_eq!(again.len(), 2);
    assert!(after_confirm.is_empty());
    assert_eq!(pending_after_confirm, 0);
    assert_eq!(redelivered.len(), 1);
    assert_eq!(redelivered[0].id, first[0].id);
}

#[tokio::test]
async fn a_long_poll_returns_as_soon_as_a_user_sends_a_text() {
    let server = server().await;
    let bot = server.bot();
    let poll = tokio::spawn(async move { bot.get_updates().timeout(8).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();

    server.send_text(&alice(), 1001, "/start");
    let updates = poll.await.unwrap().unwrap();

    let UpdateKind::Message(message) = &updates[0].kind else {
        panic!("{updates:?}")
    };
    assert_eq!(message.text(), Some("/start"));
    assert_eq!(message.entities().map(|e| e.len()), Some(1));
    eprintln!("long poll woke after {:?}", started.elapsed());
}

#[tokio::test]
async fn user_media_replies_and_edits_parse_as_teloxide_updates() {
    let server = server().await;
    let bot = server.bot();
    let user = alice();
    server.add_user(&user);
    let bot_message = bot
        .send_message(ChatId(user.id), "请回复进度")
        .await
        .unwrap();

    server.reply_to(&user, user.id, bot_message.id.0, "已完成2.1万亩");
    let photo = server.send_photo(&user, user.id, Some("现场"));
    server.send_sticker(&user, user.id, "👍");
    server.send_voice(&user, user.id, 3);
    server.edit_text(&user, user.id, photo - 1, "已完成2.2万亩");
    let updates = bot.get_updates().await.unwrap();

    assert_eq!(updates.len(), 5, "{updates:?}");
    let UpdateKind::Message(reply) = &updates[0].kind else {
        panic!()
    };
    assert_eq!(
        reply.reply_to_message().and_then(|m| m.text()),
        Some("请回复进度")
    );
    let UpdateKind::Message(photo) = &updates[1].kind else {
        panic!()
    };
    assert_eq!(
        (photo.photo().is_some(), photo.caption()),
        (true, Some("现场"))
    );
    assert!(matches!(&updates[2].kind, UpdateKind::Message(m) if m.sticker().is_some()));
    assert!(matches!(&updates[3].kind, UpdateKind::Message(m) if m.voice().is_some()));
    assert!(
        matches!(&updates[4].kind, UpdateKind::EditedMessage(m) if m.text() == Some("已完成2.2万亩"))
    );
}

#[tokio::test]
async fn set_my_commands_and_edits_are_recorded() {
    let server = server().await;
    let bot = server.bot();
    server.add_user(&alice());
    let commands = [teloxide::types::BotCommand::new("report", "报告进度")];
    let message = bot.send_message(ChatId(1001), "旧").await.unwrap();

    bot.set_my_commands(commands).await.unwrap();
    bot.edit_message_text(ChatId(1001), message.id, "新")
        .await
        .unwrap();
    let unchanged = bot.edit_message_text(ChatId(1001), message.id, "新").await;

    assert_eq!(server.commands()[0]["command"], "report");
    let sent = &server.sent(1001)[0];
    assert_eq!((sent.text.as_deref(), sent.edits), (Some("新"), 1));
    assert!(matches!(
        unchanged,
        Err(RequestError::Api(ApiError::MessageNotModified))
    ));
}

async fn echo_message(bot: Bot, msg: Message) -> ResponseResult<()> {
    bot.send_message(msg.chat.id, format!("echo: {}", msg.text().unwrap_or("")))
        .await?;
    Ok(())
}

async fn answer_button(bot: Bot, q: CallbackQuery) -> ResponseResult<()> {
    bot.answer_callback_query(q.id.clone()).text("收到").await?;
    if let Some(m) = q.regular_message() {
        bot.send_message(
            m.chat.id,
            format!("pressed: {}", q.data.unwrap_or_default()),
        )
        .await?;
    }
    Ok(())
}

#[tokio::test]
async fn a_real_dispatcher_answers_texts_and_button_presses() {
    let server = server().await;
    let bot = server.bot();
    let user = alice();
    server.add_user(&user);
    let keyboard = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("完成", "done")]]);
    let prompt = bot
        .send_message(ChatId(user.id), "状态?")
        .reply_markup(keyboard)
        .await
        .unwrap();
    let handler = dptree::entry()
        .branch(Update::filter_message().endpoint(echo_message))
        .branch(Update::filter_callback_query().endpoint(answer_button));
    let mut dispatcher = Dispatcher::builder(bot.clone(), handler).build();
    let shutdown = dispatcher.shutdown_token();
    let listener = Polling::builder(bot)
        .timeout(Duration::from_secs(1))
        .build();
    let running = tokio::spawn(async move {
        dispatcher
            .dispatch_with_listener(listener, LoggingErrorHandler::new())
            .await;
    });

    let started = Instant::now();
    server.send_text(&user, user.id, "你好");
    let after_text = server.wait_for_sent(user.id, 2, WAIT).await.unwrap();
    eprintln!("echo round trip {:?}", started.elapsed());
    let query_id = server.press_button(&user, user.id, prompt.id.0, "done");
    let after_press = server.wait_for_sent(user.id, 3, WAIT).await.unwrap();
    // Not `.await` on what `shutdown` returns: it misses the dispatcher's "done" notice if
    // the dispatcher finishes before that future is first polled, and then waits forever.
    let _stopping = shutdown.shutdown().expect("dispatcher is running");
    running.await.unwrap();

    assert_eq!(after_text[1].text.as_deref(), Some("echo: 你好"));
    assert_eq!(after_press[2].text.as_deref(), Some("pressed: done"));
    let answers = server.callback_answers();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].callback_query_id, query_id);
    assert_eq!(answers[0].text.as_deref(), Some("收到"));
    assert_eq!(server.pending_updates(), 0);
}
