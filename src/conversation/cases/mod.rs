//! The use cases, by concern: each takes what the dispatch tree hands it (the event, the
//! actor, the context) and returns the replies; none of them knows a chat platform. What they
//! share: the answers that need no data, and reading a task number as people write it.

pub mod admin;
pub mod binding;
pub mod bulletins;
pub mod evidence;
pub mod extensions;
pub mod items;
pub mod reading;
pub mod reporting;
pub mod review;
pub mod schedules;

use super::{Event, Replies, Reply};
use crate::store::TaskRef;
use crate::wording::texts;

/// What a use case gives back: its replies, or an error that leaves the event to be tried
/// again (a database error, never something the person did).
pub type Outcome = anyhow::Result<Replies>;

/// One plain message.
pub(crate) fn say(text: String) -> Outcome {
    Ok(vec![Reply::text(text)])
}

/// An alert answering a pressed button.
pub(crate) fn alert(text: String) -> Outcome {
    Ok(vec![Reply::toast(text, true)])
}

/// The bot's own message that a text replies to. A type of its own: dptree keys dependencies
/// by type.
#[derive(Debug, Clone, Copy)]
pub struct RepliedTo(pub i64);

/// A task number as people write it: `8`, `第8项`, `8.`, `8、`.
pub(crate) fn task_number(text: &str) -> Option<u32> {
    text.trim()
        .trim_start_matches('第')
        .trim_end_matches(['项', '.', '、', '：', ':'])
        .parse()
        .ok()
}

/// A task as people name it: a number of the notice (see [`task_number`]), or an item
/// `督-1`, `督1`, `督－1`, `督-1：`.
pub(crate) fn task_ref(text: &str) -> Option<TaskRef> {
    let text = text.trim();
    match text.strip_prefix('督') {
        Some(rest) => rest
            .trim_start_matches(['-', '－', '—'])
            .trim_end_matches(['.', '、', '：', ':'])
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .map(TaskRef::Item),
        None => task_number(text).map(TaskRef::Notice),
    }
}

/// The first word of a command's arguments and the rest, trimmed.
pub(crate) fn first_word(args: &str) -> (&str, &str) {
    let args = args.trim();
    match args.split_once(char::is_whitespace) {
        Some((first, rest)) => (first, rest.trim()),
        None => (args, ""),
    }
}

pub async fn ignore() -> Outcome {
    Ok(Replies::new())
}

pub async fn unknown_command() -> Outcome {
    say(texts::unknown_command())
}

pub async fn media() -> Outcome {
    say(texts::media_not_supported())
}

pub async fn group_not_registered() -> Outcome {
    say(texts::group_not_registered())
}

pub async fn admins_only() -> Outcome {
    say(texts::admins_only())
}

pub async fn admins_only_button() -> Outcome {
    alert(texts::admins_only())
}

/// An edited message changes nothing; in a group only edits of messages meant for the bot are
/// answered, like the messages themselves.
pub async fn edited(event: Event) -> Outcome {
    if event.overheard() {
        return ignore().await;
    }
    say(texts::edits_not_applied())
}

pub async fn group_not_registered_button() -> Outcome {
    alert(texts::group_not_registered())
}

pub async fn stale_button() -> Outcome {
    alert(texts::button_expired())
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
        for text in ["督-1", "督1", "督－1", " 督-1：", "督—1"] {
            assert_eq!(task_ref(text), Some(TaskRef::Item(1)), "{text}");
        }
        assert_eq!(task_ref("第8项"), Some(TaskRef::Notice(8)));
        for text in ["督", "督-", "督-0", "督查", "督-1a"] {
            assert_eq!(task_ref(text), None, "{text}");
        }
        assert_eq!(first_word(" 督查  崔增力 "), ("督查", "崔增力"));
        assert_eq!(first_word("管理员"), ("管理员", ""));
    }
}
