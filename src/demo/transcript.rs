//! `transcript.html`: every chat of the demo as one self-contained page — a chat picker on the
//! left, the chat on the right (plain HTML and CSS, no script: the picker links to `#chat-ID`
//! and `:target` shows that chat). Bot messages on the left in white, the person's on the right
//! in green, button presses in yellow; buttons under the messages that carry them; every text
//! escaped.

use super::channel::{Look, Platform, Shown};
use super::script::{Person, Role};
use crate::bulletin::render::markdown::to_html;
use crate::clock::office_offset;
use chrono::{DateTime, Datelike, Timelike, Utc};
use std::collections::HashMap;
use std::fmt::Write;

/// One thing said in a chat, at a simulated time.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub chat: i64,
    pub at: DateTime<Utc>,
    pub said: Said,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Said {
    /// The bot's message: its index among the bot's messages in this chat.
    Bot(usize),
    /// The person wrote, maybe as a reply to (a quote of) the bot's message of this index.
    Text {
        text: String,
        reply_to: Option<usize>,
    },
    /// The person pressed a button of the bot's message of this index.
    Press { label: String, on: usize },
}

/// What the page needs besides the log.
pub struct Page<'a> {
    pub people: &'a [Person],
    /// A short note per person shown in the picker (e.g. how their unit behaves).
    pub notes: &'a HashMap<i64, String>,
    pub entries: &'a [Entry],
    /// The bot's messages in each person's chat, as they stand at the end (edits applied).
    pub sent: &'a HashMap<i64, Vec<Shown>>,
    /// The platform the demo lived on.
    pub platform: Platform,
    /// How each person's account is named on it (`用户 100001`, `userId user100001`).
    pub accounts: &'a HashMap<i64, String>,
    /// Files written next to the page: a document with one of these names links to it.
    pub files: &'a [String],
    /// The summary, shown until a chat is picked.
    pub overview: &'a str,
}

pub fn render(page: &Page) -> String {
    let mut by_chat: HashMap<i64, Vec<&Entry>> = HashMap::new();
    for entry in page.entries {
        by_chat.entry(entry.chat).or_default().push(entry);
    }
    let no_messages = Vec::new();
    let mut html = String::with_capacity(256 * 1024);
    html.push_str(HEAD);
    html.push_str("<div class=\"layout\"><nav><h1>督办演示 · 对话记录</h1>");
    html.push_str("<a class=\"home\" href=\"#\">总览</a>");
    for (heading, kind) in [("管理员", 0), ("督查", 1), ("联络员", 2)] {
        let people: Vec<&Person> = page
            .people
            .iter()
            .filter(|p| role_kind(&p.role) == kind)
            .collect();
        if people.is_empty() {
            continue;
        }
        write!(html, "<h2>{heading}（{}）</h2>", people.len()).unwrap();
        for person in people {
            let count = by_chat.get(&person.id).map_or(0, Vec::len);
            write!(
                html,
                "<a href=\"#chat-{}\"><span class=\"n\">{count}</span>{}<span class=\"sub\">{}</span>",
                person.id,
                escape(&person.name),
                escape(&person.title())
            )
            .unwrap();
            if let Some(note) = page.notes.get(&person.id) {
                write!(html, "<span class=\"note\">{}</span>", escape(note)).unwrap();
            }
            html.push_str("</a>");
        }
    }
    html.push_str("</nav><main>");
    for person in page.people {
        let entries = by_chat.get(&person.id).map(Vec::as_slice).unwrap_or(&[]);
        write!(
            html,
            "<section class=\"chat\" id=\"chat-{}\"><h2>{} <small>{} · {}</small></h2>",
            person.id,
            escape(&person.name),
            escape(&person.title()),
            escape(page.accounts.get(&person.id).map_or("", String::as_str))
        )
        .unwrap();
        let sent = page.sent.get(&person.id).unwrap_or(&no_messages);
        if entries.is_empty() {
            html.push_str("<p class=\"empty\">这个会话没有消息。</p>");
        }
        let mut day = None;
        for entry in entries {
            let local = entry.at.with_timezone(&office_offset());
            if day != Some(local.date_naive()) {
                day = Some(local.date_naive());
                write!(
                    html,
                    "<div class=\"day\"><span>{}年{}月{}日 {}</span></div>",
                    local.year(),
                    local.month(),
                    local.day(),
                    weekday(local.weekday())
                )
                .unwrap();
            }
            let time = format!("{:02}:{:02}", local.hour(), local.minute());
            match &entry.said {
                Said::Bot(index) => {
                    if let Some(m) = sent.get(*index) {
                        bot_message(&mut html, m, &time, page.files);
                    }
                }
                Said::Text { text, reply_to, .. } => {
                    html.push_str("<div class=\"msg user\"><div class=\"bubble\">");
                    if let Some(to) = reply_to {
                        quote(&mut html, quoted(page.platform), sent.get(*to));
                    }
                    write!(
                        html,
                        "{}<div class=\"meta\">{time}</div></div></div>",
                        escape(text)
                    )
                    .unwrap();
                }
                Said::Press { label, on } => {
                    html.push_str("<div class=\"msg user press\"><div class=\"bubble\">");
                    quote(&mut html, "按钮所在消息", sent.get(*on));
                    write!(
                        html,
                        "点击按钮「{}」<div class=\"meta\">{time}</div></div></div>",
                        escape(label)
                    )
                    .unwrap();
                }
            }
        }
        html.push_str("</section>");
    }
    write!(
        html,
        "<section id=\"overview\"><h2>总览</h2><p>这是 <code>duban demo</code> 的全部对话：{}上，\
         真实的督办机器人与模拟的管理员、督查人员和各单位联络员，在模拟时钟下\
         度过 2022 年 3 月的一个报告期（18日提醒，23日、25日催报，25日截止，截止后督促，28日通报）。\
         从左侧选择一个会话查看；白色气泡是机器人发出的消息，绿色是用户发送的文字，黄色是用户点击的\
         按钮。时间均为模拟的北京时间。</p><pre>{}</pre></section>",
        page.platform.server_name(),
        escape(page.overview)
    )
    .unwrap();
    html.push_str("</main></div></body></html>\n");
    html
}

fn role_kind(role: &Role) -> u8 {
    match role {
        Role::Admin => 0,
        Role::Supervisor { .. } => 1,
        Role::Contact { .. } => 2,
    }
}

fn weekday(day: chrono::Weekday) -> &'static str {
    use chrono::Weekday::*;
    match day {
        Mon => "星期一",
        Tue => "星期二",
        Wed => "星期三",
        Thu => "星期四",
        Fri => "星期五",
        Sat => "星期六",
        Sun => "星期日",
    }
}

/// How a person's answer to a bot message is shown: a Telegram reply, a DingTalk quote.
fn quoted(platform: Platform) -> &'static str {
    match platform {
        Platform::Telegram => "回复",
        Platform::DingTalk => "引用",
    }
}

fn quote(html: &mut String, what: &str, message: Option<&Shown>) {
    let Some(m) = message else {
        return;
    };
    let text = match m.look {
        Look::TelegramHtml => strip_tags(&m.text),
        _ => m.text.clone(),
    };
    write!(
        html,
        "<div class=\"quote\">{what}：{}</div>",
        escape(&super::driver::short(&text, 40))
    )
    .unwrap();
}

fn bot_message(html: &mut String, m: &Shown, time: &str, files: &[String]) {
    let card = if m.look == Look::Card { " card" } else { "" };
    write!(
        html,
        "<div class=\"msg bot\"><div class=\"bubble{card}\"><div class=\"who\">督办机器人</div>"
    )
    .unwrap();
    if let Some(file) = &m.attachment {
        let size = file
            .bytes
            .map(|b| format!("（{:.1} KB）", b as f64 / 1024.0))
            .unwrap_or_default();
        match &file.name {
            Some(name) if files.contains(name) => write!(
                html,
                "<div class=\"doc\">📎 <a href=\"{0}\">{0}</a>{size}</div>",
                escape(name)
            ),
            Some(name) => write!(html, "<div class=\"doc\">📎 {}{size}</div>", escape(name)),
            None => write!(html, "<div class=\"doc\">🖼 图片{size}</div>"),
        }
        .unwrap();
    }
    if !m.text.is_empty() {
        match &m.look {
            Look::Plain | Look::Card => html.push_str(&escape(&m.text)),
            Look::TelegramHtml => html.push_str(&telegram_html(&m.text)),
            Look::Markdown { .. } => {
                write!(html, "<div class=\"md\">{}</div>", to_html(&m.text)).unwrap();
            }
        }
    }
    if !m.buttons.is_empty() {
        html.push_str("<div class=\"kb\">");
        for row in &m.buttons {
            html.push_str("<div class=\"row\">");
            for (label, _) in row {
                write!(html, "<span>{}</span>", escape(label)).unwrap();
            }
            html.push_str("</div>");
        }
        html.push_str("</div>");
    }
    if m.prompt {
        html.push_str("<div class=\"hint\">↩ 机器人请求回复这条消息</div>");
    }
    let kind = match &m.look {
        Look::Card => "互动卡片 · ",
        Look::Markdown { .. } => "Markdown · ",
        _ => "",
    };
    let edited = if m.edited { "已编辑 · " } else { "" };
    write!(
        html,
        "<div class=\"meta\">{kind}{edited}{time}</div></div></div>"
    )
    .unwrap();
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Tags of Telegram's HTML parse mode kept as they are (without attributes).
const KEPT_TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "s",
    "code",
    "pre",
    "blockquote",
];

/// A `parse_mode=HTML` text made safe: everything escaped, then the plain formatting tags and
/// the four entities Telegram allows let through again. Anything else stays visible as text.
pub fn telegram_html(text: &str) -> String {
    let mut out = escape(text);
    for tag in KEPT_TAGS {
        out = out
            .replace(&format!("&lt;{tag}&gt;"), &format!("<{tag}>"))
            .replace(&format!("&lt;/{tag}&gt;"), &format!("</{tag}>"));
    }
    for entity in ["lt", "gt", "quot", "amp"] {
        out = out.replace(&format!("&amp;{entity};"), &format!("&{entity};"));
    }
    out
}

/// The visible text of a `parse_mode=HTML` text: tags dropped, entities decoded.
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

const HEAD: &str = r#"<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>督办演示 · 对话记录</title>
<style>
*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",sans-serif;background:#dfe6ed;color:#1d2733;font-size:14px}
.layout{display:flex;height:100vh}
nav{width:300px;flex:none;overflow-y:auto;background:#fff;border-right:1px solid #c9d3dd}
nav h1{font-size:16px;margin:0;padding:14px 12px;background:#517da2;color:#fff;position:sticky;top:0}
nav h2{font-size:12px;color:#6b7b8c;margin:14px 12px 4px;font-weight:normal}
nav a{display:block;padding:7px 12px;color:#1d2733;text-decoration:none;border-bottom:1px solid #eef1f4}
nav a:hover{background:#eef3f8}
nav a.home{font-weight:bold}
nav .sub{display:block;font-size:12px;color:#6b7b8c}
nav .note{display:inline-block;font-size:11px;color:#8a5a00;background:#fff2cc;border-radius:3px;padding:0 4px;margin-top:2px}
nav .n{float:right;font-size:11px;color:#fff;background:#8fa9c3;border-radius:9px;padding:1px 7px}
main{flex:1;overflow-y:auto;padding:0 20px 40px}
section{max-width:780px;margin:0 auto}
.chat{display:none}
.chat:target{display:block}
.chat:target ~ #overview{display:none}
section h2{position:sticky;top:0;background:#dfe6ed;margin:0;padding:14px 0 10px;font-size:17px;z-index:1}
section h2 small{font-weight:normal;color:#6b7b8c;font-size:13px}
#overview pre{background:#fff;border-radius:8px;padding:14px;white-space:pre-wrap;line-height:1.6}
#overview p{line-height:1.7}
.day{text-align:center;margin:18px 0 8px}
.day span{background:rgba(60,80,100,.35);color:#fff;border-radius:10px;padding:2px 10px;font-size:12px}
.msg{display:flex;margin:6px 0}
.bubble{max-width:78%;padding:7px 10px 5px;border-radius:10px;box-shadow:0 1px 1px rgba(0,0,0,.12);white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.55}
.bot .bubble{background:#fff;border-top-left-radius:3px}
.user{justify-content:flex-end}
.user .bubble{background:#d9f7c2;border-top-right-radius:3px}
.press .bubble{background:#fff4c7;font-size:13px}
.who{font-size:12px;font-weight:bold;color:#517da2}
.meta{font-size:11px;color:#8795a1;text-align:right;margin-top:2px}
.quote{border-left:3px solid #517da2;padding-left:6px;margin-bottom:4px;font-size:12px;color:#4a5a6a;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.kb{display:flex;flex-direction:column;gap:4px;margin-top:6px;white-space:normal}
.kb .row{display:flex;flex-wrap:wrap;gap:4px}
.card{border:1px solid #c7d7f0;background:#fff}
.card .kb span{background:#fff;border:1px solid #3370ff;color:#3370ff;min-width:4.5em}
.md{white-space:normal}
.md p{margin:.2em 0}
.md h1,.md h2{font-size:15px;margin:.4em 0}
.md table{border-collapse:collapse;font-size:12px;margin:.3em 0}
.md td,.md th{border:1px solid #c9d3dd;padding:2px 5px}
.kb span{flex:1;text-align:center;background:#e8eff6;border-radius:6px;padding:5px 4px;font-size:13px;color:#2b5278}
.hint{font-size:12px;color:#2b5278;margin-top:4px}
.doc{font-size:14px;margin:2px 0 4px}
.empty{color:#6b7b8c}
pre,code{font-family:ui-monospace,Menlo,Consolas,monospace}
</style></head><body>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_of_telegram_keeps_formatting_and_escapes_the_rest() {
        assert_eq!(
            telegram_html("<b>第1期</b> 1 &lt; 2 <script>x</script>"),
            "<b>第1期</b> 1 &lt; 2 &lt;script&gt;x&lt;/script&gt;"
        );
        assert_eq!(
            escape("<a href=\"x\">&"),
            "&lt;a href=&quot;x&quot;&gt;&amp;"
        );
        assert_eq!(strip_tags("<b>A &amp; B</b>"), "A & B");
    }
}
