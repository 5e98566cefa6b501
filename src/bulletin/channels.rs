//! Delivery of the bulletin to group robots, since Telegram cannot be reached everywhere (it is
//! blocked in mainland China): 企业微信 (WeCom) group robots, 钉钉 (DingTalk) and 飞书 (Feishu)
//! custom robots, and any URL that takes the bulletin as JSON.
//!
//! A bulletin's delivery to a robot is an outbox row like any chat message ([`robot_rows`]),
//! enqueued with the bulletin's chat rows: the outbox sender posts it through [`Robots`] (its
//! transport for robots, `followup::robots`), with the same retries, backoff, attempts and dedupe as a chat
//! message, and a crash or a restart loses nothing. A row names its channel by a number of its
//! own ([`robot_chat`]), so that the sender keeps a channel's rows in order and the limiter
//! spaces them as a group's (20 a minute: WeCom's and DingTalk's limit per robot). The row holds
//! the bulletin's title and Markdown (and, for the JSON webhook, its data), never a webhook URL
//! or a secret: those come from the settings and the environment when the row is sent, and the
//! request is signed then (DingTalk and Feishu refuse old timestamps).
//!
//! Each platform gets its documented message format and its answer is checked (an HTTP 200 may
//! still carry an error code). Signing secrets come only from the environment and are never
//! logged; neither are the webhook URLs, whose key or access token lets anyone post to the
//! group.

use super::Bulletin;
use crate::config::Settings;
use crate::store::OutMessage;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::fmt;
use std::time::Duration;

/// The environment variable holding the DingTalk robot's signing secret (加签, `SEC…`).
pub const DINGTALK_SECRET_VAR: &str = "DUBAN_DINGTALK_SECRET";
/// The environment variable holding the Feishu bot's signing secret (签名校验).
pub const FEISHU_SECRET_VAR: &str = "DUBAN_FEISHU_SECRET";

/// WeCom's limit on a markdown message's content, in bytes of UTF-8.
pub const WECOM_LIMIT: usize = 4096;
/// DingTalk's limit on a message, in bytes (the text is kept within it).
pub const DINGTALK_LIMIT: usize = 20_000;
/// Feishu's limit on a request body is 20 KB; the post's text is kept within this many bytes,
/// leaving room for the JSON around it.
pub const FEISHU_LIMIT: usize = 16_000;

/// The line that ends a message cut to a platform's limit.
pub const CUT_NOTE: &str = "……（全文较长，此处为节选，完整内容见附件文件或 Telegram 中的通报）";

/// The limit on one request to a robot, answer included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// How long a channel waits after its platform said it is sent to too fast (an HTTP 429 or a
/// rate-limit error code); the attempt does not count.
pub const SLOW_DOWN: Duration = Duration::from_secs(60);

/// A signing secret: kept out of `Debug` output and logs.
#[derive(Clone)]
struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The channels the bulletin goes to besides Telegram. `Debug` shows which are on, never their
/// URLs or secrets.
#[derive(Clone)]
pub struct Channels {
    wecom: Option<String>,
    dingtalk: Option<String>,
    dingtalk_secret: Option<Secret>,
    feishu: Option<String>,
    feishu_secret: Option<Secret>,
    json: Option<String>,
    timeout: Duration,
}

impl Default for Channels {
    fn default() -> Self {
        Channels {
            wecom: None,
            dingtalk: None,
            dingtalk_secret: None,
            feishu: None,
            feishu_secret: None,
            json: None,
            timeout: TIMEOUT,
        }
    }
}

impl fmt::Debug for Channels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channels")
            .field("wecom", &self.wecom.is_some())
            .field("dingtalk", &self.dingtalk.is_some())
            .field("dingtalk_signed", &self.dingtalk_secret.is_some())
            .field("feishu", &self.feishu.is_some())
            .field("feishu_signed", &self.feishu_secret.is_some())
            .field("json", &self.json.is_some())
            .field("timeout", &self.timeout)
            .finish()
    }
}

fn non_empty(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

impl Channels {
    /// The webhooks of the settings (empty ones are off) and the signing secrets of
    /// [`DINGTALK_SECRET_VAR`] and [`FEISHU_SECRET_VAR`] read through `env` (an empty variable
    /// counts as unset), with requests limited to [`TIMEOUT`].
    pub fn from_settings(settings: &Settings, env: impl Fn(&str) -> Option<String>) -> Channels {
        let secret = |name: &str| env(name).as_deref().and_then(non_empty).map(Secret);
        Channels {
            wecom: non_empty(&settings.wecom_webhook),
            dingtalk: non_empty(&settings.dingtalk_webhook),
            dingtalk_secret: secret(DINGTALK_SECRET_VAR),
            feishu: non_empty(&settings.feishu_webhook),
            feishu_secret: secret(FEISHU_SECRET_VAR),
            json: non_empty(&settings.json_webhook),
            timeout: TIMEOUT,
        }
    }

    /// The same channels with `timeout` on each request.
    pub fn with_timeout(mut self, timeout: Duration) -> Channels {
        self.timeout = timeout;
        self
    }

    /// No channel is configured.
    pub fn is_empty(&self) -> bool {
        self.configured().is_empty()
    }

    /// The codes of the configured channels, in delivery order: `wecom`, `dingtalk`, `feishu`,
    /// `json`.
    pub fn configured(&self) -> Vec<&'static str> {
        CHANNELS
            .into_iter()
            .filter(|channel| self.url(channel).is_some())
            .collect()
    }

    /// The webhook of `channel`, if configured.
    fn url(&self, channel: &str) -> Option<&str> {
        match channel {
            WECOM => self.wecom.as_deref(),
            DINGTALK => self.dingtalk.as_deref(),
            FEISHU => self.feishu.as_deref(),
            JSON => self.json.as_deref(),
            _ => None,
        }
    }

    /// The outbox rows of `bulletin` for every configured channel, keyed
    /// `robot:<channel>:<period>`: a period's bulletin goes to each robot once, however often
    /// it is issued; the next period's is another row.
    pub fn robot_rows(
        &self,
        bulletin: &Bulletin,
        markdown: &str,
    ) -> Result<Vec<OutMessage>, String> {
        self.configured()
            .into_iter()
            .map(|channel| {
                Ok(OutMessage {
                    key: format!("robot:{channel}:{}", bulletin.period),
                    chat_id: robot_chat(channel).expect("a configured channel has a number"),
                    is_group: true,
                    payload: payload(channel, bulletin, markdown)?,
                    anchor_task: None,
                    file: None,
                })
            })
            .collect()
    }

    /// The URL and body of one post of `payload` to `channel`, signed at `now_ms` (Unix time in
    /// milliseconds) when the channel has a secret.
    fn request(
        &self,
        channel: &str,
        payload: &Value,
        now_ms: i64,
    ) -> Result<(String, Value), Posted> {
        let Some(url) = self.url(channel) else {
            return Err(Posted::Refused(format!(
                "{}（{channel}）未配置推送地址（配置项 {channel}_webhook 为空），这期通报不再推送到该群",
                channel_name(channel)
            )));
        };
        let text = |field: &str| payload.get(field).and_then(Value::as_str);
        let (Some(title), Some(markdown)) = (text("title"), text("markdown")) else {
            return Err(Posted::Refused(
                "待推送的内容不完整（缺少 title 或 markdown）".into(),
            ));
        };
        match channel {
            WECOM => Ok((url.to_owned(), wecom_body(markdown))),
            DINGTALK => {
                let url = match &self.dingtalk_secret {
                    Some(secret) => {
                        dingtalk_signed_url(url, &secret.0, now_ms).map_err(Posted::Refused)?
                    }
                    None => url.to_owned(),
                };
                Ok((url, dingtalk_body(title, markdown)))
            }
            FEISHU => {
                let mut body = feishu_body(title, markdown);
                if let Some(secret) = &self.feishu_secret {
                    let secs = now_ms.div_euclid(1000);
                    body["timestamp"] = json!(secs.to_string());
                    body["sign"] = json!(feishu_sign(&secret.0, secs));
                }
                Ok((url.to_owned(), body))
            }
            _ => {
                let bulletin = payload.get("bulletin").cloned().unwrap_or(Value::Null);
                let body = json_body(bulletin, markdown).map_err(Posted::Refused)?;
                Ok((url.to_owned(), body))
            }
        }
    }
}

const WECOM: &str = "wecom";
const DINGTALK: &str = "dingtalk";
const FEISHU: &str = "feishu";
const JSON: &str = "json";

/// Every channel's code, in delivery order.
pub const CHANNELS: [&str; 4] = [WECOM, DINGTALK, FEISHU, JSON];

/// The numbers of the robots' "chats" are below this: far from Telegram's ids (a group's is at
/// least -(10^12 + 2^52)) and DingTalk's (2^53 and up), so no person or chat ever has one.
const ROBOT_BASE: i64 = -(1 << 62);

/// The number an outbox row for `channel` is addressed to (its `chat_id`), as if the robot's
/// group were a chat: the sender keeps a channel's rows in order and spaces them as a group's.
pub fn robot_chat(channel: &str) -> Option<i64> {
    CHANNELS
        .iter()
        .position(|c| *c == channel)
        .map(|i| ROBOT_BASE - 1 - i as i64)
}

/// The channel an outbox row's `chat_id` is, if it is a robot's ([`robot_chat`]).
pub fn robot_channel(chat_id: i64) -> Option<&'static str> {
    let index = ROBOT_BASE.checked_sub(chat_id)?.checked_sub(1)?;
    usize::try_from(index)
        .ok()
        .and_then(|i| CHANNELS.get(i).copied())
}

/// A channel's name for people.
pub fn channel_name(code: &str) -> &'static str {
    match code {
        WECOM => "企业微信群机器人",
        DINGTALK => "钉钉群机器人",
        FEISHU => "飞书群机器人",
        _ => "JSON 推送地址",
    }
}

/// What an outbox row for `channel` holds: the bulletin's title (`兖州区…督查通报（第3期）`)
/// and Markdown, and for the JSON webhook the bulletin's data. The request is built from it
/// when the row is sent.
pub fn payload(channel: &str, bulletin: &Bulletin, markdown: &str) -> Result<Value, String> {
    let mut payload = json!({"title": title(bulletin), "markdown": markdown});
    if channel == JSON {
        payload["bulletin"] =
            serde_json::to_value(bulletin).map_err(|e| format!("无法生成 JSON：{e}"))?;
    }
    Ok(payload)
}

/// How one post to a robot went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// A 2xx with the platform's success code.
    Accepted,
    /// HTTP 429 or the platform's "too fast" code: wait [`SLOW_DOWN`] and post again.
    TooFast,
    /// May pass another time: no answer, no connection, a 5xx, another error code (a signature
    /// refused for the clock, a robot switched off for a while …).
    Failed(String),
    /// Would fail the same way again: another 4xx, a channel not configured, a URL that is no
    /// URL, a payload that cannot be read.
    Refused(String),
}

/// Posts rows' payloads to the channel they name, as the channels configured now say (the
/// outbox sender's transport to the robots wraps it).
pub struct Robots {
    channels: Channels,
    client: Result<reqwest::Client, String>,
}

impl fmt::Debug for Robots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Robots")
            .field("channels", &self.channels)
            .finish()
    }
}

impl Robots {
    pub fn new(channels: Channels) -> Robots {
        let client = reqwest::Client::builder()
            .timeout(channels.timeout)
            .build()
            .map_err(|e| format!("无法创建 HTTP 客户端：{}", e.without_url()));
        Robots { channels, client }
    }

    /// Posts `payload` (as [`payload`] made it) to `channel` once, signed now. The reasons are
    /// in Chinese and name neither the URL nor a secret.
    pub async fn send(&self, channel: &str, payload: &Value) -> Posted {
        let client = match &self.client {
            Ok(client) => client,
            Err(reason) => return Posted::Failed(reason.clone()),
        };
        let (url, body) =
            match self
                .channels
                .request(channel, payload, chrono::Utc::now().timestamp_millis())
            {
                Ok(request) => request,
                Err(answer) => return answer,
            };
        let response = match client.post(&url).json(&body).send().await {
            Ok(response) => response,
            Err(e) if e.is_builder() => return Posted::Refused(describe(e)),
            Err(e) => return Posted::Failed(describe(e)),
        };
        let status = response.status();
        let text = match response.text().await {
            Ok(text) => text,
            Err(e) => return Posted::Failed(describe(e)),
        };
        if status.as_u16() == 429 {
            return Posted::TooFast;
        }
        if !status.is_success() {
            let reason = format!("HTTP {status}{}", excerpt(&text));
            return if status.is_client_error() {
                Posted::Refused(reason)
            } else {
                Posted::Failed(reason)
            };
        }
        let checked = match channel {
            WECOM | DINGTALK => check_errcode(&text),
            FEISHU => check_feishu(&text),
            _ => Ok(()),
        };
        match checked {
            Ok(()) => Posted::Accepted,
            Err(Refused::TooFast) => Posted::TooFast,
            Err(Refused::Error(reason)) => Posted::Failed(reason),
        }
    }

    /// Posts an outbox row's payload (its text as stored) to `channel`.
    pub async fn send_row(&self, channel: &str, payload: &str) -> Posted {
        match serde_json::from_str::<Value>(payload) {
            Ok(payload) => self.send(channel, &payload).await,
            Err(e) => Posted::Refused(format!("待推送的内容无法读取：{e}")),
        }
    }
}

/// Why a platform refused a post that reached it.
enum Refused {
    /// It is sent to too fast: WeCom's 45009, DingTalk's 130101, Feishu's 11232.
    TooFast,
    Error(String),
}

impl From<String> for Refused {
    fn from(reason: String) -> Self {
        Refused::Error(reason)
    }
}

/// The platforms' codes for "sent too fast".
const TOO_FAST: [i64; 3] = [45009, 130101, 11232];

/// A transport error without its URL (which carries the robot's key), with its causes.
fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        return "等待应答超时".into();
    }
    if error.is_builder() {
        return "推送地址无效".into();
    }
    let what = if error.is_connect() {
        "无法连接"
    } else {
        "请求失败"
    };
    let error = error.without_url();
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    match causes.last() {
        Some(cause) => format!("{what}（{cause}）"),
        None => format!("{what}（{error}）"),
    }
}

/// `：<the answer's beginning>` when there is one.
fn excerpt(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let cut: String = text.chars().take(200).collect();
    let more = if cut.len() < text.len() { "…" } else { "" };
    format!("，应答：{cut}{more}")
}

fn answer(text: &str) -> Result<Value, Refused> {
    serde_json::from_str(text)
        .map_err(|_| Refused::Error(format!("应答不是预期的 JSON{}", excerpt(text))))
}

/// WeCom and DingTalk: `{"errcode":0,…}`.
fn check_errcode(text: &str) -> Result<(), Refused> {
    let value = answer(text)?;
    match value.get("errcode").and_then(Value::as_i64) {
        Some(0) => Ok(()),
        Some(code) if TOO_FAST.contains(&code) => Err(Refused::TooFast),
        Some(code) => Err(Refused::Error(format!(
            "平台返回错误 {code}：{}",
            value.get("errmsg").and_then(Value::as_str).unwrap_or("")
        ))),
        None => Err(format!("应答缺少 errcode{}", excerpt(text)).into()),
    }
}

/// Feishu: `{"code":0,…}`, or `{"StatusCode":0,…}` from older bots.
fn check_feishu(text: &str) -> Result<(), Refused> {
    let value = answer(text)?;
    let code = value
        .get("code")
        .or_else(|| value.get("StatusCode"))
        .and_then(Value::as_i64);
    match code {
        Some(0) => Ok(()),
        Some(code) if TOO_FAST.contains(&code) => Err(Refused::TooFast),
        Some(code) => Err(Refused::Error(format!(
            "平台返回错误 {code}：{}",
            value
                .get("msg")
                .or_else(|| value.get("StatusMessage"))
                .and_then(Value::as_str)
                .unwrap_or("")
        ))),
        None => Err(format!("应答缺少 code{}", excerpt(text)).into()),
    }
}

/// The bulletin's name as a message title: `兖州区…督查通报（第3期）`.
pub fn title(bulletin: &Bulletin) -> String {
    format!("{}（第{}期）", bulletin.title, bulletin.number)
}

/// WeCom's markdown message, its content cut to [`WECOM_LIMIT`].
pub fn wecom_body(markdown: &str) -> Value {
    json!({
        "msgtype": "markdown",
        "markdown": {"content": fit(markdown, WECOM_LIMIT)},
    })
}

/// DingTalk's markdown message; the title is what the notification shows.
pub fn dingtalk_body(title: &str, markdown: &str) -> Value {
    json!({
        "msgtype": "markdown",
        "markdown": {"title": title, "text": fit(markdown, DINGTALK_LIMIT)},
    })
}

/// Feishu's rich-text post: one paragraph per non-empty line of `markdown`, as plain text
/// (Feishu shows Markdown marks literally, so heading `#`s, quote `>`s and `**` are dropped).
/// Without the signature fields.
pub fn feishu_body(title: &str, markdown: &str) -> Value {
    let text = fit(markdown, FEISHU_LIMIT);
    let paragraphs: Vec<Value> = text
        .lines()
        .map(plain)
        .filter(|line| !line.is_empty())
        .map(|line| json!([{"tag": "text", "text": line}]))
        .collect();
    json!({
        "msg_type": "post",
        "content": {"post": {"zh_cn": {"title": title, "content": paragraphs}}},
    })
}

/// The generic webhook's body: the bulletin's fields (as [`payload`] stored them) plus
/// `markdown`.
pub fn json_body(mut bulletin: Value, markdown: &str) -> Result<Value, String> {
    match bulletin.as_object_mut() {
        Some(object) => {
            object.insert("markdown".into(), Value::String(markdown.to_owned()));
            Ok(bulletin)
        }
        None => Err("待推送的内容不完整（缺少通报数据）".into()),
    }
}

/// A Markdown line as plain text: no heading or quote marks, no bold marks.
fn plain(line: &str) -> String {
    let line = line.trim_end();
    let trimmed = line.trim_start();
    let line = match trimmed.trim_start_matches('#') {
        rest if rest.len() < trimmed.len() && (rest.is_empty() || rest.starts_with(' ')) => rest,
        _ => line,
    };
    let line = line.trim_start();
    let line = line
        .strip_prefix("> ")
        .or_else(|| line.strip_prefix('>'))
        .unwrap_or(line);
    unescape_markdown(&line.replace("**", "")).trim().to_owned()
}

/// The text behind Markdown's backslash escapes (`\\*` → `*`): Feishu shows them literally.
fn unescape_markdown(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&next) if c == '\\' && next.is_ascii_punctuation() => {
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

/// `markdown` within `limit` bytes: whole when it fits, else its first lines (cut on a line
/// boundary, trailing blank lines dropped) followed by [`CUT_NOTE`] on a line of its own. A
/// first line longer than the room is cut on a character boundary.
pub fn fit(markdown: &str, limit: usize) -> String {
    if markdown.len() <= limit {
        return markdown.to_owned();
    }
    let note = format!("\n\n{CUT_NOTE}");
    let room = limit.saturating_sub(note.len());
    let mut end = 0;
    for (start, line) in line_spans(markdown) {
        let line_end = start + line.len();
        if line_end > room {
            break;
        }
        end = line_end;
    }
    let mut kept = markdown[..end].trim_end().to_owned();
    if kept.is_empty() {
        let mut cut = room;
        while !markdown.is_char_boundary(cut) {
            cut -= 1;
        }
        kept = markdown[..cut].to_owned();
    }
    kept.push_str(&note);
    kept
}

/// Each line of `text` (without its `\n`) with its byte offset.
fn line_spans(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n').scan(0, |offset, line| {
        let start = *offset;
        *offset += line.len() + 1;
        Some((start, line.strip_suffix('\r').unwrap_or(line)))
    })
}

fn hmac_sha256_base64(key: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    BASE64.encode(mac.finalize().into_bytes())
}

/// DingTalk's signature of a timestamp in milliseconds: base64 of HMAC-SHA256 with the secret as
/// key over `"{ms}\n{secret}"` (not yet URL-encoded).
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    hmac_sha256_base64(
        secret.as_bytes(),
        format!("{timestamp_ms}\n{secret}").as_bytes(),
    )
}

/// The webhook URL with `timestamp` and the percent-encoded `sign` appended to its query.
pub fn dingtalk_signed_url(url: &str, secret: &str, timestamp_ms: i64) -> Result<String, String> {
    let mut url = reqwest::Url::parse(url).map_err(|_| "推送地址无效".to_owned())?;
    url.query_pairs_mut()
        .append_pair("timestamp", &timestamp_ms.to_string())
        .append_pair("sign", &dingtalk_sign(secret, timestamp_ms));
    Ok(url.into())
}

/// Feishu's signature of a timestamp in seconds: base64 of HMAC-SHA256 with `"{secs}\n{secret}"`
/// as key over an empty message.
pub fn feishu_sign(secret: &str, timestamp_secs: i64) -> String {
    hmac_sha256_base64(format!("{timestamp_secs}\n{secret}").as_bytes(), b"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_markdown_is_kept_whole() {
        assert_eq!(fit("# 标题\n正文", 4096), "# 标题\n正文");
    }

    #[test]
    fn long_markdown_is_cut_on_a_line_boundary_with_a_note() {
        let markdown: String = (0..100).map(|i| format!("第{i}行：进展顺利\n")).collect();

        let cut = fit(&markdown, 300);

        assert!(cut.len() <= 300, "{}", cut.len());
        let (kept, note) = cut.rsplit_once("\n\n").unwrap();
        assert_eq!(note, CUT_NOTE);
        assert!(markdown.starts_with(&format!("{kept}\n")));
        let next = markdown[kept.len() + 1..].lines().next().unwrap();
        assert!(kept.len() + 1 + next.len() + 2 + CUT_NOTE.len() > 300);
    }

    #[test]
    fn a_single_overlong_line_is_cut_on_a_character_boundary() {
        let markdown = "督".repeat(2000);

        let cut = fit(&markdown, 4096);

        assert!(cut.len() <= 4096);
        assert!(cut.ends_with(CUT_NOTE));
        assert!(cut.starts_with("督督"));
    }

    #[test]
    fn markdown_marks_are_dropped_for_feishu() {
        assert_eq!(plain("## 一、总体情况"), "一、总体情况");
        assert_eq!(plain("> **注意**：逾期"), "注意：逾期");
        // What the Markdown escaped is shown as written.
        assert_eq!(plain(r"区\<x\>局 \*\*粗\*\* a\\b"), r"区<x>局 **粗** a\b");
        assert_eq!(plain("#3 任务"), "#3 任务");
        assert_eq!(plain("- 任务1 ✅"), "- 任务1 ✅");
    }

    #[test]
    fn signatures_match_independently_computed_values() {
        // Computed with Python's hmac, hashlib and base64 modules.
        assert_eq!(
            dingtalk_sign("SEC0123456789abcdef", 1_700_000_000_000),
            "TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk="
        );
        assert_eq!(
            dingtalk_signed_url(
                "https://oapi.dingtalk.com/robot/send?access_token=abc",
                "SEC0123456789abcdef",
                1_700_000_000_000
            )
            .unwrap(),
            "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000000\
             &sign=TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D"
        );
        assert_eq!(
            feishu_sign("feishu-secret", 1_700_000_000),
            "OrBzY1Y01Gq+HgJsl+7OfWcMVwc7YocohQm5iiZwjhU="
        );
    }

    #[test]
    fn each_channel_has_a_number_no_person_or_chat_has() {
        for channel in CHANNELS {
            let chat = robot_chat(channel).unwrap();
            assert_eq!(robot_channel(chat), Some(channel));
            assert!(chat < -(1 << 61), "{chat}");
        }
        assert_eq!(robot_chat("telegram"), None);
        for chat in [
            0,
            9001,
            -1_001_234_567_890,
            1 << 53,
            i64::MIN,
            i64::MAX,
            ROBOT_BASE,
        ] {
            assert_eq!(robot_channel(chat), None, "{chat}");
        }
    }

    #[test]
    fn debug_output_hides_urls_and_secrets() {
        let settings = Settings {
            dingtalk_webhook: "https://oapi.dingtalk.com/robot/send?access_token=tok123".into(),
            ..Settings::default()
        };
        let channels = Channels::from_settings(&settings, |name| {
            (name == DINGTALK_SECRET_VAR).then(|| "SECabc".to_owned())
        });

        let shown = format!("{channels:?}");

        assert!(
            !shown.contains("tok123") && !shown.contains("SECabc"),
            "{shown}"
        );
        assert!(shown.contains("dingtalk_signed: true"), "{shown}");
    }
}
