//! The endpoints of the dispatch tree, by concern, and what they share: answering a message,
//! sending a list in several messages, answering a button.

pub mod admin;
pub mod binding;
pub mod bulletins;
pub mod reading;
pub mod reporting;
pub mod schedules;

use super::texts;
use crate::followup::sender::{Limiter, Slot};
use teloxide::prelude::*;
use teloxide::types::{Me, MessageId, ReplyMarkup, ReplyParameters};

pub type HandlerResult = anyhow::Result<()>;

tokio::task_local! {
    /// The service's send limiter. The processor runs every handler in its scope, so that the
    /// answers below wait their turn under the same caps as the outbox.
    pub(crate) static SEND_LIMITER: Limiter;
}

/// Answers `msg`: in a private chat a plain message, in a group a reply to it.
pub(crate) async fn answer(bot: &Bot, msg: &Message, text: String) -> anyhow::Result<Message> {
    answer_with(bot, msg, text, None).await
}

pub(crate) async fn answer_with(
    bot: &Bot,
    msg: &Message,
    text: String,
    markup: Option<ReplyMarkup>,
) -> anyhow::Result<Message> {
    let _turn = send_turn(msg.chat.id, !msg.chat.is_private()).await;
    let mut request = bot.send_message(msg.chat.id, text);
    if !msg.chat.is_private() {
        request =
            request.reply_parameters(ReplyParameters::new(msg.id).allow_sending_without_reply());
    }
    if let Some(markup) = markup {
        request = request.reply_markup(markup);
    }
    Ok(request.await?)
}

/// Waits until a message to `chat` may go under the service's caps; keep the slot until the
/// message is sent. Outside a handler (no limiter in scope) there is nothing to wait for.
pub(crate) async fn send_turn(chat: ChatId, is_group: bool) -> Option<Slot> {
    let limiter = SEND_LIMITER.try_with(Limiter::clone).ok()?;
    Some(limiter.acquire(chat.0, is_group).await)
}

/// Sends several messages in order; the last one carries `markup`.
pub(crate) async fn answer_lines(
    bot: &Bot,
    msg: &Message,
    messages: Vec<String>,
    markup: Option<ReplyMarkup>,
) -> HandlerResult {
    let last = messages.len().saturating_sub(1);
    let mut markup = markup;
    for (i, text) in messages.into_iter().enumerate() {
        let m = if i == last { markup.take() } else { None };
        answer_with(bot, msg, text, m).await?;
    }
    Ok(())
}

/// Answers a button press with a short notice (shown as an alert when `alert`).
pub(crate) async fn toast(
    bot: &Bot,
    q: &CallbackQuery,
    text: String,
    alert: bool,
) -> HandlerResult {
    bot.answer_callback_query(q.id.clone())
        .text(text)
        .show_alert(alert)
        .await?;
    Ok(())
}

/// The chat and message a button was pressed on.
pub(crate) fn pressed_on(q: &CallbackQuery) -> Option<(ChatId, MessageId)> {
    q.message.as_ref().map(|m| (m.chat().id, m.id()))
}

/// The bot's own message that a message replies to. A type of its own: dptree keys
/// dependencies by type, and a second `Message` would replace the message being handled.
#[derive(Debug, Clone)]
pub struct RepliedTo(pub Message);

/// The bot's own message that `msg` replies to.
pub fn reply_to_bot(msg: &Message, me: &Me) -> Option<RepliedTo> {
    msg.reply_to_message()
        .filter(|r| r.from.as_ref().is_some_and(|u| u.id == me.id))
        .cloned()
        .map(RepliedTo)
}

/// A task number as people write it: `8`, `第8项`, `8.`, `8、`.
pub(crate) fn task_number(text: &str) -> Option<u32> {
    text.trim()
        .trim_start_matches('第')
        .trim_end_matches(['项', '.', '、', '：', ':'])
        .parse()
        .ok()
}

/// The first word of a command's arguments and the rest, trimmed.
pub(crate) fn first_word(args: &str) -> (&str, &str) {
    let args = args.trim();
    match args.split_once(char::is_whitespace) {
        Some((first, rest)) => (first, rest.trim()),
        None => (args, ""),
    }
}

pub async fn ignore() -> HandlerResult {
    Ok(())
}

pub async fn unknown_command(bot: Bot, msg: Message) -> HandlerResult {
    answer(&bot, &msg, texts::unknown_command()).await?;
    Ok(())
}

pub async fn media(bot: Bot, msg: Message) -> HandlerResult {
    answer(&bot, &msg, texts::media_not_supported()).await?;
    Ok(())
}

pub async fn plain_text(bot: Bot, msg: Message) -> HandlerResult {
    answer(&bot, &msg, texts::plain_text_hint()).await?;
    Ok(())
}

pub async fn group_not_registered(bot: Bot, msg: Message) -> HandlerResult {
    answer(&bot, &msg, texts::group_not_registered()).await?;
    Ok(())
}

pub async fn admins_only(bot: Bot, msg: Message) -> HandlerResult {
    answer(&bot, &msg, texts::admins_only()).await?;
    Ok(())
}

pub async fn admins_only_button(bot: Bot, q: CallbackQuery) -> HandlerResult {
    toast(&bot, &q, texts::admins_only(), true).await
}

/// An edited message changes nothing; in a group only edits of replies to the bot are
/// answered, like the messages themselves.
pub async fn edited(bot: Bot, msg: Message, me: Me) -> HandlerResult {
    if msg.chat.is_private() || reply_to_bot(&msg, &me).is_some() {
        answer(&bot, &msg, texts::edits_not_applied()).await?;
    }
    Ok(())
}

pub async fn group_not_registered_button(bot: Bot, q: CallbackQuery) -> HandlerResult {
    toast(&bot, &q, texts::group_not_registered(), true).await
}

pub async fn stale_button(bot: Bot, q: CallbackQuery) -> HandlerResult {
    toast(&bot, &q, texts::button_expired(), true).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_numbers_as_people_write_them() {
        for text in ["8", " 第8项", "8.", "8、", "第8项："] {
            assert_eq!(task_number(text), Some(8), "{text}");
        }
        for text in ["", "八", "8a", "-1"] {
            assert_eq!(task_number(text), None, "{text}");
        }
        assert_eq!(first_word(" 督查  崔增力 "), ("督查", "崔增力"));
        assert_eq!(first_word("管理员"), ("管理员", ""));
    }
}
