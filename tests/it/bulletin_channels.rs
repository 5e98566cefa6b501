//! The bulletin delivered to group robots (企业微信, 钉钉, 飞书) and a JSON webhook: one local
//! axum server on 127.0.0.1 stands in for all four platforms on different paths and records
//! every request.

use crate::support::bulletin::bulletin;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use duban::bulletin::Bulletin;
use duban::bulletin::channels::{
    CUT_NOTE, Channels, DINGTALK_SECRET_VAR, Delivery, FEISHU_SECRET_VAR, Retry, WECOM_LIMIT,
    deliver,
};
use duban::config::{ConfigError, Settings};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

const WECOM_PATH: &str = "/cgi-bin/webhook/send";
const DINGTALK_PATH: &str = "/robot/send";
const FEISHU_PATH: &str = "/open-apis/bot/v2/hook/feishu-hook-id";
const JSON_PATH: &str = "/hooks/bulletin";

const DINGTALK_SECRET: &str = "SEC0123456789abcdef0123456789abcdef";
const FEISHU_SECRET: &str = "feishu-secret-XYZ";

/// What the stand-in answers one request.
#[derive(Clone, Debug)]
enum Answer {
    Reply(u16, String),
    /// Never answers (within the test).
    Hang,
}

fn reply(status: u16, body: Value) -> Answer {
    Answer::Reply(status, body.to_string())
}

/// One request as received.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    query: Option<String>,
    body: Value,
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    /// Answers for the next requests to a path, in order.
    scripted: Mutex<HashMap<String, VecDeque<Answer>>>,
    /// The answer to every request to a path once its script is used up.
    always: Mutex<HashMap<String, Answer>>,
}

/// The platforms' usual answer to a good request.
fn success(path: &str) -> Answer {
    match path {
        WECOM_PATH | DINGTALK_PATH => reply(200, json!({"errcode": 0, "errmsg": "ok"})),
        FEISHU_PATH => reply(200, json!({"code": 0, "msg": "success", "data": {}})),
        _ => Answer::Reply(204, String::new()),
    }
}

async fn handle(State(shared): State<Arc<Shared>>, uri: Uri, body: Bytes) -> Response {
    let path = uri.path().to_owned();
    shared.received.lock().unwrap().push(Received {
        path: path.clone(),
        query: uri.query().map(str::to_owned),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    let scripted = shared
        .scripted
        .lock()
        .unwrap()
        .get_mut(&path)
        .and_then(VecDeque::pop_front);
    let answer = scripted
        .or_else(|| shared.always.lock().unwrap().get(&path).cloned())
        .unwrap_or_else(|| success(&path));
    match answer {
        Answer::Reply(status, text) => (
            StatusCode::from_u16(status).unwrap(),
            [(header::CONTENT_TYPE, "application/json")],
            text,
        )
            .into_response(),
        Answer::Hang => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            StatusCode::OK.into_response()
        }
    }
}

/// The four platforms on one local port.
struct Robots {
    base: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Robots {
    async fn start() -> Robots {
        let shared = Arc::new(Shared::default());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Robots {
            base: format!("http://{addr}"),
            shared,
            task,
        }
    }

    /// Settings with every channel pointing here.
    fn settings(&self) -> Settings {
        Settings {
            wecom_webhook: format!("{}{WECOM_PATH}?key=wecom-key-123", self.base),
            dingtalk_webhook: format!("{}{DINGTALK_PATH}?access_token=ding-token-456", self.base),
            feishu_webhook: format!("{}{FEISHU_PATH}", self.base),
            json_webhook: format!("{}{JSON_PATH}", self.base),
            ..Settings::default()
        }
    }

    fn script(&self, path: &str, answers: Vec<Answer>) {
        self.shared
            .scripted
            .lock()
            .unwrap()
            .insert(path.to_owned(), answers.into());
    }

    fn always(&self, path: &str, answer: Answer) {
        self.shared
            .always
            .lock()
            .unwrap()
            .insert(path.to_owned(), answer);
    }

    fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    fn received_at(&self, path: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// The one request a path got.
    fn only(&self, path: &str) -> Received {
        let mut got = self.received_at(path);
        assert_eq!(got.len(), 1, "{path}: {got:?}");
        got.remove(0)
    }
}

impl Drop for Robots {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn secrets(name: &str) -> Option<String> {
    match name {
        DINGTALK_SECRET_VAR => Some(DINGTALK_SECRET.into()),
        FEISHU_SECRET_VAR => Some(FEISHU_SECRET.into()),
        _ => None,
    }
}

fn fast() -> Retry {
    Retry {
        attempts: 3,
        delay: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
    }
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

fn by_channel<'a>(deliveries: &'a [Delivery], channel: &str) -> &'a Delivery {
    deliveries
        .iter()
        .find(|d| d.channel == channel)
        .unwrap_or_else(|| panic!("no delivery for {channel}: {deliveries:?}"))
}

#[tokio::test]
async fn each_platform_receives_its_documented_payload() {
    let robots = Robots::start().await;
    let channels = Channels::from_settings(&robots.settings(), no_env).with_retry(fast());
    let b = bulletin();
    let md = markdown(&b);

    let deliveries = deliver(&channels, &b, &md).await;

    assert_eq!(
        deliveries,
        ["wecom", "dingtalk", "feishu", "json"]
            .map(|channel| Delivery {
                channel,
                result: Ok(()),
                attempts: 1,
            })
            .to_vec()
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
    let robots = Robots::start().await;
    let channels = Channels::from_settings(&robots.settings(), secrets).with_retry(fast());
    let b = bulletin();
    let before = chrono::Utc::now().timestamp_millis();

    let deliveries = deliver(&channels, &b, &markdown(&b)).await;

    let after = chrono::Utc::now().timestamp_millis();
    assert_eq!(by_channel(&deliveries, "dingtalk").result, Ok(()));
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
    let robots = Robots::start().await;
    let channels = Channels::from_settings(&robots.settings(), secrets).with_retry(fast());
    let b = bulletin();
    let before = chrono::Utc::now().timestamp();

    let deliveries = deliver(&channels, &b, &markdown(&b)).await;

    let after = chrono::Utc::now().timestamp();
    assert_eq!(by_channel(&deliveries, "feishu").result, Ok(()));
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
async fn failing_channels_are_retried_and_never_hold_up_the_others() {
    let robots = Robots::start().await;
    let sign_not_match = reply(200, json!({"errcode": 310000, "errmsg": "sign not match"}));
    robots.script(DINGTALK_PATH, vec![sign_not_match.clone(), sign_not_match]);
    let server_error = reply(500, json!({"error": "internal"}));
    robots.script(
        FEISHU_PATH,
        vec![server_error.clone(), server_error.clone()],
    );
    robots.always(JSON_PATH, server_error);
    let channels = Channels::from_settings(&robots.settings(), secrets).with_retry(fast());
    let b = bulletin();

    let deliveries = deliver(&channels, &b, &markdown(&b)).await;

    let dingtalk = by_channel(&deliveries, "dingtalk");
    assert_eq!((&dingtalk.result, dingtalk.attempts), (&Ok(()), 3));
    let feishu = by_channel(&deliveries, "feishu");
    assert_eq!((&feishu.result, feishu.attempts), (&Ok(()), 3));
    let json_hook = by_channel(&deliveries, "json");
    assert_eq!(json_hook.attempts, 3);
    let error = json_hook.result.clone().unwrap_err();
    assert!(
        error.starts_with("JSON 推送地址（json）推送失败，共尝试 3 次：HTTP 500"),
        "{error}"
    );
    assert!(
        !error.contains(&robots.base),
        "no URL in the message: {error}"
    );
    let wecom = by_channel(&deliveries, "wecom");
    assert_eq!((&wecom.result, wecom.attempts), (&Ok(()), 1));
    assert_eq!(robots.received_at(WECOM_PATH).len(), 1);
    assert_eq!(robots.received_at(DINGTALK_PATH).len(), 3);
    assert_eq!(robots.received_at(FEISHU_PATH).len(), 3);
    assert_eq!(robots.received_at(JSON_PATH).len(), 3);
    // Every DingTalk try is signed on its own and verifies.
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
    let robots = Robots::start().await;
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
    let retry = Retry {
        attempts: 2,
        ..fast()
    };
    let channels = Channels::from_settings(&robots.settings(), no_env).with_retry(retry);
    let b = bulletin();

    let deliveries = deliver(&channels, &b, &markdown(&b)).await;

    let wecom = by_channel(&deliveries, "wecom");
    assert_eq!(wecom.attempts, 2);
    assert_eq!(
        wecom.result,
        Err("企业微信群机器人（wecom）推送失败，共尝试 2 次：平台返回错误 93000：invalid webhook url".into())
    );
    let feishu = by_channel(&deliveries, "feishu")
        .result
        .clone()
        .unwrap_err();
    assert!(
        feishu.starts_with("飞书群机器人（feishu）推送失败，共尝试 2 次：平台返回错误 19021："),
        "{feishu}"
    );
    assert_eq!(by_channel(&deliveries, "dingtalk").result, Ok(()));
    assert_eq!(by_channel(&deliveries, "json").result, Ok(()));
    assert_eq!(robots.received_at(DINGTALK_PATH).len(), 1);
    assert_eq!(robots.received_at(JSON_PATH).len(), 1);
}

#[tokio::test]
async fn a_hanging_channel_times_out_without_holding_up_the_others() {
    let robots = Robots::start().await;
    robots.always(DINGTALK_PATH, Answer::Hang);
    let retry = Retry {
        attempts: 2,
        delay: Duration::from_millis(10),
        timeout: Duration::from_millis(300),
    };
    let channels = Channels::from_settings(&robots.settings(), no_env).with_retry(retry);
    let b = bulletin();
    let started = Instant::now();

    let deliveries = deliver(&channels, &b, &markdown(&b)).await;

    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "{took:?}");
    let dingtalk = by_channel(&deliveries, "dingtalk");
    assert_eq!(dingtalk.attempts, 2);
    assert_eq!(
        dingtalk.result,
        Err("钉钉群机器人（dingtalk）推送失败，共尝试 2 次：等待应答超时".into())
    );
    for (channel, path) in [
        ("wecom", WECOM_PATH),
        ("feishu", FEISHU_PATH),
        ("json", JSON_PATH),
    ] {
        assert_eq!(by_channel(&deliveries, channel).result, Ok(()), "{channel}");
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
    let retry = Retry {
        attempts: 1,
        ..fast()
    };
    let channels = Channels::from_settings(&settings, no_env).with_retry(retry);
    let b = bulletin();

    let deliveries = deliver(&channels, &b, "# 通报").await;

    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].attempts, 1);
    let error = deliveries[0].result.clone().unwrap_err();
    assert!(
        error.starts_with("JSON 推送地址（json）推送失败，共尝试 1 次：无法连接（"),
        "{error}"
    );
    assert!(!error.contains("hidden-token"), "{error}");
}

#[tokio::test]
async fn a_long_markdown_is_cut_for_wecom_on_a_line_boundary() {
    let robots = Robots::start().await;
    let channels = Channels::from_settings(&robots.settings(), no_env).with_retry(fast());
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

    let deliveries = deliver(&channels, &b, &md).await;

    assert!(
        deliveries.iter().all(|d| d.result.is_ok()),
        "{deliveries:?}"
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
    let robots = Robots::start().await;
    let all = robots.settings();
    let settings = Settings {
        feishu_webhook: all.feishu_webhook.clone(),
        ..Settings::default()
    };
    // A secret without its webhook turns nothing on.
    let channels = Channels::from_settings(&settings, secrets).with_retry(fast());
    let b = bulletin();
    assert!(!channels.is_empty());
    assert_eq!(channels.configured(), ["feishu"]);

    let deliveries = deliver(&channels, &b, &markdown(&b)).await;

    assert_eq!(
        deliveries,
        [Delivery {
            channel: "feishu",
            result: Ok(()),
            attempts: 1
        }]
    );
    let paths: Vec<String> = robots.received().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, [FEISHU_PATH]);

    let none = Channels::from_settings(&Settings::default(), secrets);
    assert!(none.is_empty());
    assert!(deliver(&none, &b, "# 通报").await.is_empty());
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
