//! The Bot API methods the bot uses, answered from the in-memory state. Validation follows
//! Telegram's wording, because teloxide maps the exact descriptions onto `ApiError` variants.

use serde_json::{Value, json};

use super::html;
use super::json::{self as j, file_meta};
use super::routes::Params;
use super::state::{ApiError, CallbackAnswer, Inner, SentDocument, SentMessage, StoredFile};

const MAX_TEXT: usize = 4096;
const MAX_CAPTION: usize = 1024;

/// Runs one method (name already lower-cased) other than getUpdates.
pub(crate) fn call(inner: &mut Inner, method: &str, p: &Params) -> Result<Value, ApiError> {
    let known = KNOWN.contains(&method);
    if !known {
        return Err(ApiError::new(404, "Not Found: method not found"));
    }
    *inner.calls.entry(method.to_owned()).or_default() += 1;
    inner.faults.check(method, p.i64("chat_id"))?;
    match method {
        "getme" => Ok(j::me_json(
            inner.bot_id,
            &inner.bot_first_name,
            &inner.bot_username,
        )),
        "getwebhookinfo" => Ok(json!({
            "url": inner.webhook_url, "has_custom_certificate": false,
            "pending_update_count": inner.pending.len(),
        })),
        "setwebhook" => {
            inner.webhook_url = p.str("url").unwrap_or_default();
            inner.webhook_secret = p.str("secret_token").unwrap_or_default();
            Ok(json!(true))
        }
        "deletewebhook" => {
            inner.webhook_url.clear();
            inner.webhook_secret.clear();
            if p.bool("drop_pending_updates") {
                inner.pending.clear();
            }
            Ok(json!(true))
        }
        "setmycommands" => {
            inner.commands = p.json("commands").unwrap_or_else(|| json!([]));
            Ok(json!(true))
        }
        "getmycommands" => Ok(inner.commands.clone()),
        "deletemycommands" => {
            inner.commands = json!([]);
            Ok(json!(true))
        }
        "sendchataction" => known_chat(inner, p).map(|_| json!(true)),
        "sendmessage" => send_message(inner, p),
        "senddocument" => send_document(inner, p),
        "editmessagetext" => edit(inner, p, true),
        "editmessagereplymarkup" => edit(inner, p, false),
        "answercallbackquery" => {
            let id = p.str("callback_query_id").unwrap_or_default();
            let text = p.str("text");
            inner.callback_answers.push(CallbackAnswer {
                callback_query_id: id,
                text,
                show_alert: p.bool("show_alert"),
            });
            Ok(json!(true))
        }
        "getfile" => {
            let id = p.str("file_id").unwrap_or_default();
            let f = inner
                .files
                .get(&id)
                .ok_or_else(|| ApiError::bad_request("invalid file_id"))?;
            // Bots may download files of at most 20 MB (Bot API, getFile).
            if f.bytes.len() > 20 * 1024 * 1024 {
                return Err(ApiError::bad_request("file is too big"));
            }
            let mut v = file_meta(&id, f.bytes.len());
            v["file_path"] = json!(f.path);
            Ok(v)
        }
        _ => unreachable!("every known method has an arm"),
    }
}

const KNOWN: &[&str] = &[
    "getme",
    "getwebhookinfo",
    "setwebhook",
    "deletewebhook",
    "setmycommands",
    "getmycommands",
    "deletemycommands",
    "sendchataction",
    "sendmessage",
    "senddocument",
    "editmessagetext",
    "editmessagereplymarkup",
    "answercallbackquery",
    "getfile",
];

fn known_chat(inner: &Inner, p: &Params) -> Result<i64, ApiError> {
    let chat_id = p.required_i64("chat_id")?;
    inner
        .chat_json(chat_id)
        .map(|_| chat_id)
        .ok_or_else(|| ApiError::bad_request("chat not found"))
}

/// Checks a text or caption against Telegram's limits, after HTML is reduced to what is shown.
fn checked_text(text: &str, parse_mode: Option<&str>, max: usize) -> Result<(), ApiError> {
    let visible = match parse_mode {
        Some(m) if m.eq_ignore_ascii_case("html") => html::visible_text(text)?,
        _ => text.to_owned(),
    };
    if max == MAX_TEXT && visible.trim().is_empty() {
        return Err(ApiError::bad_request("message text is empty"));
    }
    if j::telegram_len(&visible) > max {
        let what = if max == MAX_TEXT {
            "message is too long"
        } else {
            "message caption is too long"
        };
        return Err(ApiError::bad_request(what));
    }
    Ok(())
}

/// `reply_parameters.message_id` (current API) or `reply_to_message_id` (legacy).
fn reply_target(inner: &Inner, chat_id: i64, p: &Params) -> Result<Option<Value>, ApiError> {
    let params = p.json("reply_parameters");
    let id = params
        .as_ref()
        .and_then(|r| r["message_id"].as_i64())
        .or_else(|| p.i64("reply_to_message_id"));
    let Some(id) = id else { return Ok(None) };
    let lenient = params
        .as_ref()
        .and_then(|r| r["allow_sending_without_reply"].as_bool());
    match inner.messages.get(&(chat_id, id as i32)) {
        Some(m) => {
            let mut m = m.clone();
            if let Some(o) = m.as_object_mut() {
                o.remove("reply_to_message");
            }
            Ok(Some(m))
        }
        None if lenient.unwrap_or(p.bool("allow_sending_without_reply")) => Ok(None),
        None => Err(ApiError::bad_request("message to be replied not found")),
    }
}

/// Only inline keyboards belong in a `Message`; teloxide fails to parse anything else there.
fn inline_markup(markup: &Option<Value>) -> Option<Value> {
    markup
        .clone()
        .filter(|m| m.get("inline_keyboard").is_some())
}

struct Outgoing {
    chat_id: i64,
    body: Value,
    text: Option<String>,
    reply_markup: Option<Value>,
    reply_to: Option<Value>,
    document: Option<SentDocument>,
    parse_mode: Option<String>,
}

fn store_outgoing(inner: &mut Inner, o: Outgoing) -> Value {
    let message_id = inner.next_message_id(o.chat_id);
    let mut msg = json!({
        "message_id": message_id, "from": inner.bot_json(), "date": j::now(),
        "chat": inner.chat_json(o.chat_id),
    });
    for (k, v) in o.body.as_object().into_iter().flatten() {
        msg[k] = v.clone();
    }
    if let Some(m) = inline_markup(&o.reply_markup) {
        msg["reply_markup"] = m;
    }
    let reply_to = o
        .reply_to
        .as_ref()
        .and_then(|r| r["message_id"].as_i64())
        .map(|i| i as i32);
    if let Some(r) = o.reply_to {
        msg["reply_to_message"] = r;
    }
    inner.messages.insert((o.chat_id, message_id), msg.clone());
    inner.sent.push(SentMessage {
        chat_id: o.chat_id,
        message_id,
        text: o.text,
        parse_mode: o.parse_mode,
        reply_markup: o.reply_markup,
        reply_to,
        document: o.document,
        edits: 0,
    });
    msg
}

fn send_message(inner: &mut Inner, p: &Params) -> Result<Value, ApiError> {
    let chat_id = known_chat(inner, p)?;
    let text = p.str("text").unwrap_or_default();
    let parse_mode = p.str("parse_mode");
    checked_text(&text, parse_mode.as_deref(), MAX_TEXT)?;
    let reply_to = reply_target(inner, chat_id, p)?;
    let outgoing = Outgoing {
        chat_id,
        body: json!({ "text": text }),
        text: Some(text),
        reply_markup: p.json("reply_markup"),
        reply_to,
        document: None,
        parse_mode,
    };
    Ok(store_outgoing(inner, outgoing))
}

fn send_document(inner: &mut Inner, p: &Params) -> Result<Value, ApiError> {
    let chat_id = known_chat(inner, p)?;
    let reference = p.str("document").unwrap_or_default();
    let upload = match reference.strip_prefix("attach://") {
        Some(name) => p.files.get(name),
        None => p.files.get("document"),
    };
    let upload =
        upload.ok_or_else(|| ApiError::bad_request("there is no document in the request"))?;
    let caption = p.str("caption");
    let parse_mode = p.str("parse_mode");
    if let Some(c) = &caption {
        checked_text(c, parse_mode.as_deref(), MAX_CAPTION)?;
    }
    let file_id = format!("doc{}", inner.files.len() + 1);
    let path = format!("documents/{}", upload.file_name);
    inner.files.insert(
        file_id.clone(),
        StoredFile {
            path,
            bytes: upload.bytes.clone(),
        },
    );
    let mut document = file_meta(&file_id, upload.bytes.len());
    document["file_name"] = json!(upload.file_name);
    let mut body = json!({ "document": document });
    if let Some(c) = &caption {
        body["caption"] = json!(c);
    }
    let reply_to = reply_target(inner, chat_id, p)?;
    let doc = SentDocument {
        file_name: upload.file_name.clone(),
        bytes: upload.bytes.clone(),
    };
    let outgoing = Outgoing {
        chat_id,
        body,
        text: caption,
        reply_markup: p.json("reply_markup"),
        reply_to,
        document: Some(doc),
        parse_mode,
    };
    Ok(store_outgoing(inner, outgoing))
}

/// editMessageText (`with_text`) and editMessageReplyMarkup. As in Telegram, a markup left out
/// of the call removes the keyboard, and an edit that changes nothing is refused.
fn edit(inner: &mut Inner, p: &Params, with_text: bool) -> Result<Value, ApiError> {
    let chat_id = p.required_i64("chat_id")?;
    let message_id = p.required_i64("message_id")? as i32;
    let not_found = || ApiError::bad_request("message to edit not found");
    let mut msg = inner
        .messages
        .get(&(chat_id, message_id))
        .cloned()
        .ok_or_else(not_found)?;
    if msg["from"]["id"].as_i64() != Some(inner.bot_id) {
        return Err(ApiError::bad_request("message can't be edited"));
    }
    let markup = p.json("reply_markup");
    let before = msg.clone();
    let parse_mode = p.str("parse_mode");
    let text = p.str("text");
    if with_text {
        let text = text.clone().unwrap_or_default();
        checked_text(&text, parse_mode.as_deref(), MAX_TEXT)?;
        msg["text"] = json!(text);
    }
    match inline_markup(&markup) {
        Some(m) => msg["reply_markup"] = m,
        None => {
            msg.as_object_mut().map(|o| o.remove("reply_markup"));
        }
    }
    if msg == before {
        return Err(ApiError::bad_request(
            "message is not modified: specified new message content and reply markup are \
             exactly the same as a current content and reply markup of the message",
        ));
    }
    msg["edit_date"] = json!(j::now());
    inner.messages.insert((chat_id, message_id), msg.clone());
    if let Some(sent) = inner.sent_mut(chat_id, message_id) {
        if with_text {
            sent.text = text;
            sent.parse_mode = parse_mode;
        }
        sent.reply_markup = markup;
        sent.edits += 1;
    }
    Ok(msg)
}
