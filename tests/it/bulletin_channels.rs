//! The bulletin's requests to the group robots (企业微信, 钉钉, 飞书) and a JSON webhook, one post
//! each as the outbox sender makes it ([`Robots::send`]): the documented payloads, the
//! signatures, and how the answers are read. The retries, the give-up and the durable rows are
//! tested with the whole outbox in `robot_deliveries`.

use crate::support::bulletin::bulletin;
use crate::support::robots::{
    Answer, DINGTALK_PATH, DINGTALK_SECRET, FEISHU_PATH, FEISHU_SECRET, JSON_PATH, RobotServer,
    WECOM_PATH, no_env, reply, secrets,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use duban::bulletin::Bulletin;
use duban::bulletin::channels::{CUT_NOTE, Channels, Posted, Robots, WECOM_LIMIT, payload};
use duban::config::{ConfigError, Settings};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::{Duration, Instant};

/// Posts the bulletin once to every configured channel, as its outbox rows would go: each
/// channel's answer.
async fn post_all(channels: Channels, b: &Bulletin, md: &str) -> Vec<(&'static str, Posted)> {
    let robots = Robots::new(channels.clone());
    let mut answers = Vec::new();
    for channel in channels.configured() {
        let payload = payload(channel, b, md).unwrap();
        answers.push((channel, robots.send(channel, &payload).await));
    }
    answers
}

fn answer_of(answers: &[(&'static str, Posted)], channel: &str) -> Posted {
    answers
        .iter()
        .find(|(c, _)| *c == channel)
        .map(|(_, a)| a.clone())
        .unwrap_or_else(|| panic!("no answer for {channel}: {answers:?}"))
}

/// A short Markdown bulletin, as the renderer might write it.
fn markdown(b: &Bulletin) -> String {
    format!(
        "# {}\n**第{}期** {} {}\n\n## 一、总体情况\n共{}项任务，已报送{}项，未报送{}项。\n> 序时进度 {:.1}%\n",
        b.title,
        b.number,
        b.issuer,
        b.date.format("%Y年%-m月%-d日"),
        b.totals.tasks,
        b.totals.reported,
        b.totals.unreported,
        b.expected_percent,
    )
}

const TITLE: &str = "兖州区政府工作报告重点任务督查通报（第3期）";

fn feishu_post(title: &str, lines: &[&str]) -> Value {
    let content: Vec<Value> = lines
        .iter()
        .map(|line| json!([{"tag": "text", "text": line}]))
        .collect();
    json!({
        "msg_type": "post",
        "content": {"post": {"zh_cn": {"title": title, "content": content}}},
    })
}

fn hmac_base64(key: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    BASE64.encode(mac.finalize().into_bytes())
}

/// The query's pairs, percent-decoded.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn each_platform_receives_its_documented_payload() {
    let robots = RobotServer::start().await;
    let channels = Channels::from_settings(&robots.settings(), no_env);
    let b = bulletin();
    let md = markdown(&b);

    let answers = post_all(channels, &b, &md).await;

    assert_eq!(
        answers,
        ["wecom", "dingtalk", "feishu", "json"].map(|channel| (channel, Posted::Accepted))
    );
    let wecom = robots.only(WECOM_PATH);
    assert_eq!(wecom.query.as_deref(), Some("key=wecom-key-123"));
    assert_eq!(
        wecom.body,
        json!({"msgtype": "markdown", "markdown": {"content": md}})
    );
    let dingtalk = robots.only(DINGTALK_PATH);
    // No secret: the URL as configured, unsigned.
    assert_eq!(
        dingtalk.query.as_deref(),
        Some("access_token=ding-token-456")
    );
    assert_eq!(
        dingtalk.body,
        json!({"msgtype": "markdown", "markdown": {"title": TITLE, "text": md}})
    );
    let feishu = robots.only(FEISHU_PATH);
    assert_eq!(feishu.query, None);
    assert_eq!(
        feishu.body,
        feishu_post(
            TITLE,
            &[
                "兖州区政府工作报告重点任务督查通报",
                "第3期 兖州区人民政府督查室 2022年3月31日",
                "一、总体情况",
                "共6项任务，已报送5项，未报送1项。",
                "序时进度 24.7%",
            ]
        )
    );
    let generic = robots.only(JSON_PATH);
    let mut expected = serde_json::to_value(&b).unwrap();
    expected["markdown"] = json!(md);
    assert_eq!(generic.body, expected);
    assert_eq!(generic.body["number"], 3);
    assert_eq!(generic.body["period"], "2022-03");
    assert_eq!(generic.body["totals"]["tasks"], 6);
    assert_eq!(robots.received().len(), 4);
}

#[tokio::test]
async fn dingtalk_timestamp_and_sign_verify() {
    let robots = RobotServer::start().await;
    let channels = Channels::from_settings(&robots.settings(), secrets);
    let b = bulletin();
    let before = chrono::Utc::now().timestamp_millis();

    let answers = post_all(channels, &b, &markdown(&b)).await;

    let after = chrono::Utc::now().timestamp_millis();
    assert_eq!(answer_of(&answers, "dingtalk"), Posted::Accepted);
    let raw = robots.only(DINGTALK_PATH).query.unwrap();
    let pairs = query_pairs(&raw);
    let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["access_token", "timestamp", "sign"], "{raw}");
    assert_eq!(pairs[0].1, "ding-token-456");
    let timestamp: i64 = pairs[1].1.parse().unwrap();
    assert!(
        (before..=after).contains(&timestamp),
        "{timestamp} in milliseconds"
    );
    let expected = hmac_base64(
        DINGTALK_SECRET.as_bytes(),
        format!("{timestamp}\n{DINGTALK_SECRET}").as_bytes(),
    );
    assert_eq!(pairs[2].1, expected);
    // The sign is percent-encoded in the URL: base64's '+', '/' and '=' never appear raw.
    let raw_sign = raw.rsplit_once("sign=").unwrap().1;
    assert!(!raw_sign.contains(['+', '/', '=']), "{raw_sign}");
    assert!(raw_sign.ends_with("%3D"), "{raw_sign}");
}

#[tokio::test]
async fn feishu_body_sign_verifies() {
    let robots = RobotServer::start().await;
    let channels = Channels::from_settings(&robots.settings(), secrets);
    let b = bulletin();
    let before = chrono::Utc::now().timestamp();

    let answers = post_all(channels, &b, &markdown(&b)).await;

    let after = chrono::Utc::now().timestamp();
    assert_eq!(answer_of(&answers, "feishu"), Posted::Accepted);
    let mut body = robots.only(FEISHU_PATH).body;
    let object = body.as_object_mut().unwrap();
    let timestamp = object.remove("timestamp").unwrap();
    let sign = object.remove("sign").unwrap();
    // A string of seconds.
    let secs: i64 = timestamp.as_str().unwrap().parse().unwrap();
    assert!((before..=after).contains(&secs), "{secs}");
    let expected = hmac_base64(format!("{secs}\n{FEISHU_SECRET}").as_bytes(), b"");
    assert_eq!(sign, json!(expected));
    // The rest is the unsigned post.
    assert_eq!(body["msg_type"], "post");
    assert_eq!(body["content"]["post"]["zh_cn"]["title"], TITLE);
}

#[tokio::test]
async fn answers_are_read_as_retry_wait_or_give_up() {
    let robots = RobotServer::start().await;
    // DingTalk refuses a signature (the clock, a secret changed): another try may pass.
    robots.always(
        DINGTALK_PATH,
        reply(200, json!({"errcode": 310000, "errmsg": "sign not match"})),
    );
    // WeCom is sent to too fast: wait, without counting an attempt.
    robots.always(
        WECOM_PATH,
        reply(
            200,
            json!({"errcode": 45009, "errmsg": "api freq out of limit"}),
        ),
    );
    robots.always(FEISHU_PATH, reply(500, json!({"error": "internal"})));
    robots.always(JSON_PATH, reply(404, json!({"error": "no such hook"})));
    let channels = Channels::from_settings(&robots.settings(), secrets);
    let b = bulletin();

    let answers = post_all(channels, &b, &markdown(&b)).await;

    assert_eq!(
        answer_of(&answers, "dingtalk"),
        Posted::Failed("平台返回错误 310000：sign not match".into())
    );
    assert_eq!(answer_of(&answers, "wecom"), Posted::TooFast);
    let Posted::Failed(feishu) = answer_of(&answers, "feishu") else {
        panic!("{answers:?}")
    };
    assert!(feishu.starts_with("HTTP 500"), "{feishu}");
    // A webhook that is not there is not tried again.
    let Posted::Refused(json_hook) = answer_of(&answers, "json") else {
        panic!("{answers:?}")
    };
    assert!(json_hook.starts_with("HTTP 404"), "{json_hook}");
    for (_, answer) in &answers {
        assert!(
            !format!("{answer:?}").contains(&robots.base),
            "no URL: {answer:?}"
        );
    }
    // Every DingTalk request is signed and verifies.
    for request in robots.received_at(DINGTALK_PATH) {
        let pairs = query_pairs(request.query.as_deref().unwrap());
        let expected = hmac_base64(
            DINGTALK_SECRET.as_bytes(),
            format!("{}\n{DINGTALK_SECRET}", pairs[1].1).as_bytes(),
        );
        assert_eq!(pairs[2].1, expected);
    }
}

#[tokio::test]
async fn a_platform_error_code_fails_with_its_message() {
    let robots = RobotServer::start().await;
    robots.always(
        WECOM_PATH,
        reply(
            200,
            json!({"errcode": 93000, "errmsg": "invalid webhook url"}),
        ),
    );
    robots.always(
        FEISHU_PATH,
        reply(
            200,
            json!({"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}),
        ),
    );
    let channels = Channels::from_settings(&robots.settings(), no_env);
    let b = bulletin();

    let answers = post_all(channels, &b, &markdown(&b)).await;

    assert_eq!(
        answer_of(&answers, "wecom"),
        Posted::Failed("平台返回错误 93000：invalid webhook url".into())
    );
    let Posted::Failed(feishu) = answer_of(&answers, "feishu") else {
        panic!("{answers:?}")
    };
    assert!(feishu.starts_with("平台返回错误 19021："), "{feishu}");
    assert_eq!(answer_of(&answers, "dingtalk"), Posted::Accepted);
    assert_eq!(answer_of(&answers, "json"), Posted::Accepted);
    assert_eq!(robots.received_at(DINGTALK_PATH).len(), 1);
    assert_eq!(robots.received_at(JSON_PATH).len(), 1);
}

#[tokio::test]
async fn a_hanging_channel_times_out_without_holding_up_the_others() {
    let robots = RobotServer::start().await;
    robots.always(DINGTALK_PATH, Answer::Hang);
    let channels = Channels::from_settings(&robots.settings(), no_env)
        .with_timeout(Duration::from_millis(300));
    let b = bulletin();
    let started = Instant::now();

    let answers = post_all(channels, &b, &markdown(&b)).await;

    // The stand-in hangs for a minute: the request gave up long before.
    let took = started.elapsed();
    assert!(took < Duration::from_secs(30), "{took:?}");
    assert_eq!(
        answer_of(&answers, "dingtalk"),
        Posted::Failed("等待应答超时".into())
    );
    for (channel, path) in [
        ("wecom", WECOM_PATH),
        ("feishu", FEISHU_PATH),
        ("json", JSON_PATH),
    ] {
        assert_eq!(answer_of(&answers, channel), Posted::Accepted, "{channel}");
        assert_eq!(robots.received_at(path).len(), 1, "{channel}");
    }
}

#[tokio::test]
async fn an_unreachable_channel_fails_with_a_connection_error() {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let settings = Settings {
        json_webhook: format!("http://{addr}/hook?token=hidden-token"),
        ..Settings::default()
    };
    let channels = Channels::from_settings(&settings, no_env);
    let b = bulletin();

    let answers = post_all(channels, &b, "# 通报").await;

    assert_eq!(answers.len(), 1);
    let Posted::Failed(error) = answers[0].1.clone() else {
        panic!("{answers:?}")
    };
    assert!(error.starts_with("无法连接（"), "{error}");
    assert!(!error.contains("hidden-token"), "{error}");
}

#[tokio::test]
async fn a_long_markdown_is_cut_for_wecom_on_a_line_boundary() {
    let robots = RobotServer::start().await;
    let channels = Channels::from_settings(&robots.settings(), no_env);
    let b = bulletin();
    let mut md = markdown(&b);
    for round in 0..40 {
        for task in &b.tasks {
            md.push_str(&format!(
                "- 第{round}轮 任务{}：{}（牵头：{}）\n",
                task.number,
                task.text,
                task.lead_leaders.join("、")
            ));
        }
    }
    assert!(md.len() > 2 * WECOM_LIMIT, "{}", md.len());

    let answers = post_all(channels, &b, &md).await;

    assert!(
        answers.iter().all(|(_, a)| *a == Posted::Accepted),
        "{answers:?}"
    );
    let content = robots.only(WECOM_PATH).body["markdown"]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(content.len() <= WECOM_LIMIT, "{}", content.len());
    let (kept, note) = content.rsplit_once('\n').unwrap();
    assert_eq!(note, CUT_NOTE);
    let kept = kept.trim_end();
    // Whole lines of the original, cut where a line ends.
    assert!(md.starts_with(&format!("{kept}\n")), "cut inside a line");
    let next = md[kept.len() + 1..].lines().next().unwrap();
    assert!(
        kept.len() + 1 + next.len() + 2 + CUT_NOTE.len() > WECOM_LIMIT,
        "another line would have fitted"
    );
    assert!(kept.starts_with("# 兖州区政府工作报告重点任务督查通报"));
    // DingTalk takes up to 20 000 bytes: the whole text.
    assert_eq!(
        robots.only(DINGTALK_PATH).body["markdown"]["text"],
        json!(md)
    );
}

#[tokio::test]
async fn channels_not_configured_get_no_request() {
    let robots = RobotServer::start().await;
    let all = robots.settings();
    let settings = Settings {
        feishu_webhook: all.feishu_webhook.clone(),
        ..Settings::default()
    };
    // A secret without its webhook turns nothing on.
    let channels = Channels::from_settings(&settings, secrets);
    let b = bulletin();
    assert!(!channels.is_empty());
    assert_eq!(channels.configured(), ["feishu"]);
    let rows = channels.robot_rows(&b, &markdown(&b)).unwrap();
    let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["robot:feishu:2022-03"]);

    let answers = post_all(channels.clone(), &b, &markdown(&b)).await;

    assert_eq!(answers, [("feishu", Posted::Accepted)]);
    let paths: Vec<String> = robots.received().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, [FEISHU_PATH]);

    // A row for a channel no longer configured fails for good, saying so, and posts nothing.
    let wecom = payload("wecom", &b, "# 通报").unwrap();
    let Posted::Refused(error) = Robots::new(channels).send("wecom", &wecom).await else {
        panic!("a channel not configured")
    };
    assert!(
        error.contains("企业微信群机器人（wecom）未配置推送地址"),
        "{error}"
    );
    let none = Channels::from_settings(&Settings::default(), secrets);
    assert!(none.is_empty());
    assert!(none.robot_rows(&b, "# 通报").unwrap().is_empty());
    assert_eq!(robots.received().len(), 1);
}

fn settings_file(text: &str) -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    std::fs::write(file.path(), text).unwrap();
    file
}

#[test]
fn webhooks_are_settings_and_their_secrets_are_not() {
    let file = settings_file(
        "wecom_webhook = \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k\"\n",
    );
    let env =
        |name: &str| (name == "DUBAN_JSON_WEBHOOK").then(|| "http://127.0.0.1:9/hook".to_owned());
    let settings = Settings::load_from(Some(file.path()), env).unwrap();
    assert_eq!(
        settings.wecom_webhook,
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
    );
    assert_eq!(settings.json_webhook, "http://127.0.0.1:9/hook");
    assert_eq!(
        Channels::from_settings(&settings, no_env).configured(),
        ["wecom", "json"]
    );

    for secret in ["dingtalk_secret", "feishu_secret"] {
        let file = settings_file(&format!("{secret} = \"SECabc\"\n"));
        let err = Settings::load_from(Some(file.path()), no_env).unwrap_err();
        assert!(
            matches!(err, ConfigError::UnknownKey { ref key, .. } if key == secret),
            "{err}"
        );
    }
}

#[test]
fn a_webhook_that_is_no_url_names_its_key_without_echoing_the_key() {
    for (var, key) in [
        ("DUBAN_WECOM_WEBHOOK", "wecom_webhook"),
        ("DUBAN_DINGTALK_WEBHOOK", "dingtalk_webhook"),
        ("DUBAN_FEISHU_WEBHOOK", "feishu_webhook"),
        ("DUBAN_JSON_WEBHOOK", "json_webhook"),
    ] {
        let env =
            |name: &str| (name == var).then(|| "qyapi.weixin.qq.com/send?key=topsecret".to_owned());

        let err = Settings::load_from(Some(settings_file("").path()), env).unwrap_err();

        let message = err.to_string();
        assert!(
            message.starts_with(&format!("配置项 {key}（环境变量 {var}）无效：")),
            "{message}"
        );
        assert!(
            message.contains("应以 http:// 或 https:// 开头"),
            "{message}"
        );
        assert!(!message.contains("topsecret"), "{message}");
    }
}
