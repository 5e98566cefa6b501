//! Telegram in and out: an update becomes a neutral [`Event`], and the core's [`Reply`]s become
//! Bot API calls through teloxide — in a group each message replies to the one that asked,
//! buttons become inline keyboards, a prompt a ForceReply, a bulletin HTML parts and documents,
//! and every button press gets exactly one answerCallbackQuery.

use crate::bulletin::render::{files_off_runtime, text};
use crate::conversation::{
    Attachment, Chat, Ctx, Event, EventKind, Fetched, Platform, Replies, Reply, Say, Sender,
};
use crate::store::EvidenceKind;
use crate::wording::Keyboard;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Me, MessageId,
    ParseMode, ReplyMarkup, ReplyParameters, UpdateKind,
};

/// The event an update carries, or None for kinds duban has nothing to do with (channel
/// posts, member changes, inline queries).
pub fn event(update: &Update, me: &Me) -> Option<Event> {
    match &update.kind {
        UpdateKind::Message(msg) => {
            let sender = sender(msg.from.as_ref()?);
            let replied_to = reply_to_bot(msg, me);
            let kind = match msg.text() {
                Some(text) => EventKind::Text {
                    text: text.to_owned(),
                    replied_to,
                },
                None => EventKind::Media {
                    attachment: attachment(msg),
                    replied_to,
                },
            };
            Some(message_event(msg, sender, replied_to.is_some(), kind))
        }
        UpdateKind::EditedMessage(msg) => {
            let sender = sender(msg.from.as_ref()?);
            let to_bot = reply_to_bot(msg, me).is_some();
            Some(message_event(msg, sender, to_bot, EventKind::Edited))
        }
        UpdateKind::CallbackQuery(q) => {
            let sender = sender(&q.from);
            // Without the message (too old for Telegram to include), answers go to the
            // person's single chat with the bot.
            let (chat, message) = match &q.message {
                Some(m) => (chat(m.chat()), Some(i64::from(m.id().0))),
                None => (
                    Chat {
                        id: sender.id,
                        group: None,
                    },
                    None,
                ),
            };
            let action = q.data.clone();
            Some(Event {
                platform: Platform::Telegram,
                sender,
                chat,
                addressed: true,
                kind: EventKind::Pressed { action, message },
            })
        }
        _ => None,
    }
}

/// A photo (its largest size; Telegram makes up no name, so duban does) or a document.
fn attachment(msg: &Message) -> Option<Attachment> {
    if let Some(sizes) = msg.photo() {
        let largest = sizes
            .iter()
            .max_by_key(|p| (u64::from(p.width) * u64::from(p.height), p.file.size))?;
        return Some(Attachment {
            kind: EvidenceKind::Photo,
            name: format!("图片{}.jpg", msg.id.0),
            size: Some(u64::from(largest.file.size)),
            source: largest.file.id.0.clone(),
        });
    }
    let document = msg.document()?;
    Some(Attachment {
        kind: EvidenceKind::File,
        name: document
            .file_name
            .clone()
            .unwrap_or_else(|| format!("文件{}", msg.id.0)),
        size: Some(u64::from(document.file.size)),
        source: document.file.id.0.clone(),
    })
}

fn sender(user: &teloxide::types::User) -> Sender {
    Sender {
        id: i64::try_from(user.id.0).unwrap_or(i64::MAX),
        name: user.full_name(),
    }
}

fn chat(chat: &teloxide::types::Chat) -> Chat {
    Chat {
        id: chat.id.0,
        group: (!chat.is_private()).then(|| chat.title().unwrap_or_default().to_owned()),
    }
}

fn message_event(msg: &Message, sender: Sender, to_bot: bool, kind: EventKind) -> Event {
    Event {
        platform: Platform::Telegram,
        sender,
        chat: chat(&msg.chat),
        addressed: msg.chat.is_private() || to_bot,
        kind,
    }
}

/// The id of the bot's own message that `msg` replies to.
fn reply_to_bot(msg: &Message, me: &Me) -> Option<i64> {
    msg.reply_to_message()
        .filter(|r| r.from.as_ref().is_some_and(|u| u.id == me.id))
        .map(|r| i64::from(r.id.0))
}

/// The bytes of a file a person sent: getFile, then the Bot API server's file URL
/// (`{api_url}/file/bot{token}/{file_path}`), read up to `max` bytes. Bots may download files
/// of at most 20 MB (Bot API, getFile).
pub async fn fetch(bot: &Bot, source: &str, max: u64) -> anyhow::Result<Fetched> {
    use teloxide::net::Download;
    use teloxide::{ApiError, RequestError};
    let file = match bot
        .get_file(teloxide::types::FileId(source.to_owned()))
        .await
    {
        Ok(file) => file,
        // Above 20 MB (when evidence_max_mb allows more): Telegram does not hand it to bots.
        Err(RequestError::Api(ApiError::Unknown(text))) if text.contains("file is too big") => {
            return Ok(Fetched::TooLarge(None));
        }
        Err(e) => return Err(e.into()),
    };
    if u64::from(file.size) > max {
        return Ok(Fetched::TooLarge(Some(u64::from(file.size))));
    }
    let chunks = bot.download_file_stream(&file.path);
    Ok(crate::conversation::fetch::limited(chunks, max).await?)
}

/// The command menu that setMyCommands registers.
pub fn command_menu() -> Vec<BotCommand> {
    crate::conversation::command::NAMES
        .into_iter()
        .map(|name| BotCommand::new(name, crate::wording::texts::command_description(name)))
        .collect()
}

/// Buttons as an inline keyboard: each carries its action's code as callback data.
pub fn inline_keyboard(keyboard: &Keyboard) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(keyboard.rows.iter().map(|row| {
        row.iter()
            .map(|b| InlineKeyboardButton::callback(b.label.clone(), b.action.clone()))
            .collect::<Vec<_>>()
    }))
}

/// Sends the replies to `event` in order. Messages wait their turn under the service's caps
/// (the same [`Limiter`](crate::followup::sender::Limiter) as the outbox); a message about
/// something (a task card, a prompt, a receipt) is remembered with the id Telegram gave it.
pub async fn deliver(
    bot: &Bot,
    ctx: &Ctx,
    update: &Update,
    event: &Event,
    replies: Replies,
) -> anyhow::Result<()> {
    let chat = ChatId(event.chat.id);
    let group = event.chat.is_group();
    let (query, answering) = match &update.kind {
        UpdateKind::Message(m) | UpdateKind::EditedMessage(m) => (None, Some(m.id)),
        UpdateKind::CallbackQuery(q) => (Some(q), q.message.as_ref().map(|m| m.id())),
        _ => (None, None),
    };
    let mut toasted = false;
    for reply in replies {
        match reply {
            Reply::Say(say) => {
                let reply_to = answering.filter(|_| group && !say.asks_reply);
                send(bot, ctx, chat, group, reply_to, say).await?;
            }
            Reply::Edit(text) => {
                if let Some(message) = answering.filter(|_| query.is_some()) {
                    bot.edit_message_text(chat, message, text).await?;
                }
            }
            Reply::Toast { text, alert } => {
                if let Some(q) = query {
                    bot.answer_callback_query(q.id.clone())
                        .text(text)
                        .show_alert(alert)
                        .await?;
                    toasted = true;
                }
            }
            Reply::Bulletin(b) => {
                let reply_to = answering.filter(|_| group);
                send_bulletin(bot, ctx, chat, group, reply_to, &b).await?;
            }
            Reply::File { name, bytes } => {
                let _turn = ctx.followup.limiter.acquire(chat.0, group).await;
                let mut request = bot.send_document(chat, InputFile::memory(bytes).file_name(name));
                if let Some(message) = answering.filter(|_| group) {
                    request = request.reply_parameters(
                        ReplyParameters::new(message).allow_sending_without_reply(),
                    );
                }
                request.await?;
            }
        }
    }
    if let Some(q) = query
        && !toasted
    {
        bot.answer_callback_query(q.id.clone()).await?;
    }
    Ok(())
}

async fn send(
    bot: &Bot,
    ctx: &Ctx,
    chat: ChatId,
    group: bool,
    reply_to: Option<MessageId>,
    say: Say,
) -> anyhow::Result<()> {
    let _turn = ctx.followup.limiter.acquire(chat.0, group).await;
    let mut request = bot.send_message(chat, say.text);
    if let Some(message) = reply_to {
        request =
            request.reply_parameters(ReplyParameters::new(message).allow_sending_without_reply());
    }
    if let Some(buttons) = &say.buttons {
        request = request.reply_markup(ReplyMarkup::InlineKeyboard(inline_keyboard(buttons)));
    } else if say.asks_reply {
        // In a group only the person addressed sees the prompt.
        request = request.reply_markup(ForceReply::new().selective());
    }
    let sent = request.await?;
    if let Some(anchor) = &say.anchor {
        ctx.store
            .remember_message(chat.0, sent.id.0, anchor, ctx.clock.unix())
            .await?;
    }
    Ok(())
}

/// The bulletin as HTML parts, then its Word and Excel files and the chart.
async fn send_bulletin(
    bot: &Bot,
    ctx: &Ctx,
    chat: ChatId,
    group: bool,
    reply_to: Option<MessageId>,
    b: &crate::bulletin::Bulletin,
) -> anyhow::Result<()> {
    for part in text::telegram(b) {
        let _turn = ctx.followup.limiter.acquire(chat.0, group).await;
        let mut request = bot.send_message(chat, part).parse_mode(ParseMode::Html);
        if let Some(message) = reply_to {
            request = request
                .reply_parameters(ReplyParameters::new(message).allow_sending_without_reply());
        }
        request.await?;
    }
    let name = crate::wording::texts::bulletin_file_name(b.number, &b.period);
    for file in files_off_runtime(b).await? {
        let _turn = ctx.followup.limiter.acquire(chat.0, group).await;
        let file = InputFile::memory(file.bytes).file_name(format!("{name}.{}", file.extension));
        bot.send_document(chat, file).await?;
    }
    Ok(())
}
