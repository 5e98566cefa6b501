//! Delivery of the bulletin to group robots, since Telegram cannot be reached everywhere (it is
//! blocked in mainland China): 企业微信 (WeCom) group robots, 钉钉 (DingTalk) and 飞书 (Feishu)
//! custom robots, and any URL that takes the bulletin as JSON.
//!
//! Each platform gets its documented message format and its answer is checked (an HTTP 200 may
//! still carry an error code). The channels are delivered concurrently; a failing one is tried
//! again with a growing pause ([`Retry`]) and never holds up the others, and every request has a
//! time limit. Signing secrets come only from the environment and are never logged; neither are
//! the webhook URLs, whose key or access token lets anyone post to the group.

use super::Bulletin;
use crate::config::Settings;
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

/// How often and how patiently a channel is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Tries in all, the first included (at least 1).
    pub attempts: u32,
    /// The pause before the second try; it doubles before each further one.
    pub delay: Duration,
    /// The limit on one request, answer included.
    pub timeout: Duration,
}

impl Default for Retry {
    /// 3 tries, pausing 0.5 s then 1 s, 10 s per request.
    fn default() -> Self {
        Self {
            attempts: 3,
            delay: Duration::from_millis(500),
            timeout: Duration::from_secs(10),
        }
    }
}

impl Retry {
    /// The pause before try `attempt` (2, 3, …).
    fn pause(&self, attempt: u32) -> Duration {
        self.delay
            .saturating_mul(1 << attempt.saturating_sub(2).min(16))
    }
}

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
#[derive(Clone, Default)]
pub struct Channels {
    wecom: Option<String>,
    dingtalk: Option<String>,
    dingtalk_secret: Option<Secret>,
    feishu: Option<String>,
    feishu_secret: Option<Secret>,
    json: Option<String>,
    retry: Retry,
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
            .field("retry", &self.retry)
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
    /// counts as unset), with the default [`Retry`].
    pub fn from_settings(settings: &Settings, env: impl Fn(&str) -> Option<String>) -> Channels {
        let secret = |name: &str| env(name).as_deref().and_then(non_empty).map(Secret);
        Channels {
            wecom: non_empty(&settings.wecom_webhook),
            dingtalk: non_empty(&settings.dingtalk_webhook),
            dingtalk_secret: secret(DINGTALK_SECRET_VAR),
            feishu: non_empty(&settings.feishu_webhook),
            feishu_secret: secret(FEISHU_SECRET_VAR),
            json: non_empty(&settings.json_webhook),
            retry: Retry::default(),
        }
    }

    /// The same channels tried as `retry` says.
    pub fn with_retry(mut self, retry: Retry) -> Channels {
        self.retry = retry;
        self
    }

    pub fn retry(&self) -> Retry {
        self.retry
    }

    /// No channel is configured.
    pub fn is_empty(&self) -> bool {
        self.configured().is_empty()
    }

    /// The codes of the configured channels, in delivery order: `wecom`, `dingtalk`, `feishu`,
    /// `json`.
    pub fn configured(&self) -> Vec<&'static str> {
        [
            (WECOM, &self.wecom),
            (DINGTALK, &self.dingtalk),
            (FEISHU, &self.feishu),
            (JSON, &self.json),
        ]
        .into_iter()
        .filter(|(_, url)| url.is_some())
        .map(|(code, _)| code)
        .collect()
    }
}

const WECOM: &str = "wecom";
const DINGTALK: &str = "dingtalk";
const FEISHU: &str = "feishu";
const JSON: &str = "json";

/// A channel's name for people.
pub fn channel_name(code: &str) -> &'static str {
    match code {
        WECOM => "企业微信群机器人",
        DINGTALK => "钉钉群机器人",
        FEISHU => "飞书群机器人",
        _ => "JSON 推送地址",
    }
}

/// How one channel fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// `wecom`, `dingtalk`, `feishu` or `json`.
    pub channel: &'static str,
    /// Delivered, or why not in the end (in Chinese, naming the channel and the tries).
    pub result: Result<(), String>,
    /// Tries made.
    pub attempts: u32,
}

/// Posts the bulletin to every configured channel at once: `markdown` (the rendered bulletin)
/// to the robots, the bulletin's data with `markdown` to the JSON webhook. Returns one
/// [`Delivery`] per configured channel, in the order of [`Channels::configured`]; failures are
/// logged as warnings (without URLs or secrets).
pub async fn deliver(channels: &Channels, bulletin: &Bulletin, markdown: &str) -> Vec<Delivery> {
    let client = match reqwest::Client::builder()
        .timeout(channels.retry.timeout)
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            let reason = format!("无法创建 HTTP 客户端：{}", e.without_url());
            return channels
                .configured()
                .into_iter()
                .map(|channel| failed(channel, 0, &reason))
                .collect();
        }
    };
    let retry = channels.retry;
    let client = &client;
    let title = title(bulletin);
    let title = title.as_str();
    let (wecom, dingtalk, feishu, json) = tokio::join!(
        async {
            match &channels.wecom {
                Some(url) => Some(
                    attempt(WECOM, retry, || {
                        post(client, url, wecom_body(markdown), check_errcode)
                    })
                    .await,
                ),
                None => None,
            }
        },
        async {
            match &channels.dingtalk {
                Some(url) => Some(
                    attempt(DINGTALK, retry, || {
                        // Signed afresh for every try: DingTalk refuses old timestamps.
                        let url = match &channels.dingtalk_secret {
                            Some(secret) => dingtalk_signed_url(
                                url,
                                &secret.0,
                                chrono::Utc::now().timestamp_millis(),
                            ),
                            None => Ok(url.clone()),
                        };
                        let body = dingtalk_body(title, markdown);
                        async move { post(client, &url?, body, check_errcode).await }
                    })
                    .await,
                ),
                None => None,
            }
        },
        async {
            match &channels.feishu {
                Some(url) => Some(
                    attempt(FEISHU, retry, || {
                        let mut body = feishu_body(title, markdown);
                        if let Some(secret) = &channels.feishu_secret {
                            let secs = chrono::Utc::now().timestamp();
                            body["timestamp"] = json!(secs.to_string());
                            body["sign"] = json!(feishu_sign(&secret.0, secs));
                        }
                        post(client, url, body, check_feishu)
                    })
                    .await,
                ),
                None => None,
            }
        },
        async {
            match &channels.json {
                Some(url) => Some(
                    attempt(JSON, retry, || {
                        let body = json_body(bulletin, markdown);
                        async move { post(client, url, body?, |_| Ok(())).await }
                    })
                    .await,
                ),
                None => None,
            }
        },
    );
    [wecom, dingtalk, feishu, json]
        .into_iter()
        .flatten()
        .collect()
}

fn failed(channel: &'static str, attempts: u32, reason: &str) -> Delivery {
    Delivery {
        channel,
        result: Err(format!(
            "{}（{channel}）推送失败，共尝试 {attempts} 次：{reason}",
            channel_name(channel)
        )),
        attempts,
    }
}

/// Tries `send` up to `retry.attempts` times, pausing between tries.
async fn attempt<F, Fut>(channel: &'static str, retry: Retry, mut send: F) -> Delivery
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let attempts = retry.attempts.max(1);
    let mut tried = 0;
    loop {
        tried += 1;
        match send().await {
            Ok(()) => {
                tracing::info!(channel, attempts = tried, "bulletin delivered");
                return Delivery {
                    channel,
                    result: Ok(()),
                    attempts: tried,
                };
            }
            Err(reason) if tried >= attempts => {
                tracing::warn!(channel, attempts = tried, error = %reason, "bulletin not delivered");
                return failed(channel, tried, &reason);
            }
            Err(reason) => {
                tracing::warn!(channel, attempt = tried, error = %reason, "bulletin delivery failed, will retry");
                tokio::time::sleep(retry.pause(tried + 1)).await;
            }
        }
    }
}

/// Posts `body` as JSON and checks the answer: a 2xx status, then `check` on its text.
async fn post(
    client: &reqwest::Client,
    url: &str,
    body: Value,
    check: impl Fn(&str) -> Result<(), String>,
) -> Result<(), String> {
    let response = client
        .post(url)
        .json(&body)
        .send()
        .await
        .map_err(describe)?;
    let status = response.status();
    let text = response.text().await.map_err(describe)?;
    if !status.is_success() {
        return Err(format!("HTTP {status}{}", excerpt(&text)));
    }
    check(&text)
}

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

fn answer(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|_| format!("应答不是预期的 JSON{}", excerpt(text)))
}

/// WeCom and DingTalk: `{"errcode":0,…}`.
fn check_errcode(text: &str) -> Result<(), String> {
    let value = answer(text)?;
    match value.get("errcode").and_then(Value::as_i64) {
        Some(0) => Ok(()),
        Some(code) => Err(format!(
            "平台返回错误 {code}：{}",
            value.get("errmsg").and_then(Value::as_str).unwrap_or("")
        )),
        None => Err(format!("应答缺少 errcode{}", excerpt(text))),
    }
}

/// Feishu: `{"code":0,…}`, or `{"StatusCode":0,…}` from older bots.
fn check_feishu(text: &str) -> Result<(), String> {
    let value = answer(text)?;
    let code = value
        .get("code")
        .or_else(|| value.get("StatusCode"))
        .and_then(Value::as_i64);
    match code {
        Some(0) => Ok(()),
        Some(code) => Err(format!(
            "平台返回错误 {code}：{}",
            value
                .get("msg")
                .or_else(|| value.get("StatusMessage"))
                .and_then(Value::as_str)
                .unwrap_or("")
        )),
        None => Err(format!("应答缺少 code{}", excerpt(text))),
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

/// The generic webhook's body: the bulletin's fields plus `markdown`.
pub fn json_body(bulletin: &Bulletin, markdown: &str) -> Result<Value, String> {
    let mut value = serde_json::to_value(bulletin).map_err(|e| format!("无法生成 JSON：{e}"))?;
    match value.as_object_mut() {
        Some(object) => {
            object.insert("markdown".into(), Value::String(markdown.to_owned()));
            Ok(value)
        }
        None => Err("无法生成 JSON：通报不是对象".into()),
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
    fn retry_pauses_double() {
        let retry = Retry::default();
        assert_eq!(retry.pause(2), Duration::from_millis(500));
        assert_eq!(retry.pause(3), Duration::from_secs(1));
        assert_eq!(retry.pause(4), Duration::from_secs(2));
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
