//! Items beyond the notice (督办件) in chat: `/item` (admins) previews an item and stores it
//! when its confirm button is pressed; the fields as people write them, shared with
//! `duban item add`.

use super::extensions::parse_date;
use super::{Outcome, alert, first_word, say};
use crate::conversation::{Actor, Reply, SharedCtx};
use crate::refusal::ItemRefusal;
use crate::store::{AssignRequest, ITEM_SOURCE, NewItem};
use crate::wording::{actions, texts};
use chrono::{Datelike, NaiveDate};

/// A reminder cadence in days: `7d`, `7`, `每7天`, `每周`, `2w`.
pub fn parse_every(word: &str) -> Option<u32> {
    let word = word.trim().trim_start_matches('每');
    match word {
        "周" | "星期" | "w" => return Some(7),
        "天" | "日" | "d" => return Some(1),
        _ => {}
    }
    let (number, factor) = match word.strip_suffix(['w', 'W', '周']) {
        Some(weeks) => (weeks, 7),
        None => (word.trim_end_matches(['d', 'D', '天', '日']), 1),
    };
    number
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .and_then(|n| n.checked_mul(factor))
}

/// `协办：A、B` → `A、B` (the label, a colon, then something; `领导批示：…` is no label).
fn labelled<'a>(word: &'a str, label: &str) -> Option<&'a str> {
    let rest = word.strip_prefix(label)?;
    let rest = rest.strip_prefix('：').or_else(|| rest.strip_prefix(':'))?;
    (!rest.is_empty()).then_some(rest)
}

/// The content, with its source when it starts with one (`领导批示：…`, a short word before a
/// colon).
fn source_and_text(content: &str) -> (String, String) {
    if let Some(at) = content.find(['：', ':']) {
        let (head, body) = (
            &content[..at],
            content[at..].trim_start_matches(['：', ':']),
        );
        let head = head.trim();
        if !head.is_empty() && head.chars().count() <= 10 && !body.trim().is_empty() {
            return (head.to_owned(), body.trim().to_owned());
        }
    }
    (ITEM_SOURCE.to_owned(), content.trim().to_owned())
}

/// `/item 区科技局 2022-04-15 每7天 协办：区财政局 领导：张锐 领导批示：尽快完成…`.
pub fn parse_item(args: &str, today: NaiveDate) -> Result<NewItem, ItemRefusal> {
    let (hosts, rest) = first_word(args);
    let (due, mut rest) = first_word(rest);
    if hosts.is_empty() || due.is_empty() {
        return Err(ItemRefusal::Usage);
    }
    let due = parse_date(due, today.year()).ok_or_else(|| ItemRefusal::BadDue(due.to_owned()))?;
    let (mut every, mut co, mut leader) = (None, Vec::new(), None);
    loop {
        let (word, next) = first_word(rest);
        if word.starts_with('每') {
            every = Some(parse_every(word).ok_or_else(|| ItemRefusal::BadEvery(word.to_owned()))?);
        } else if let Some(names) = labelled(word, "协办") {
            co = AssignRequest::names(names);
        } else if let Some(name) = labelled(word, "领导") {
            leader = Some(name.to_owned());
        } else {
            break;
        }
        rest = next;
    }
    if rest.trim().is_empty() {
        return Err(ItemRefusal::Usage);
    }
    let (source, text) = source_and_text(rest);
    Ok(NewItem {
        text,
        hosts: AssignRequest::names(hosts),
        co,
        leader,
        due,
        every_days: every,
        source,
    })
}

/// `/item …` (admins): a preview with confirm and cancel buttons; nothing stored yet but the
/// draft.
pub async fn item(ctx: SharedCtx, actor: Actor, args: String) -> Outcome {
    let item = match parse_item(&args, ctx.clock.office_date()) {
        Ok(item) => item,
        Err(refusal) => return say(texts::item_refused(&refusal)),
    };
    if let Some(refusal) = ctx.store.check_item_units(&item).await? {
        return say(texts::item_refused(&ItemRefusal::Units(refusal)));
    }
    let draft = ctx
        .store
        .draft_item(&item, actor.user_id, ctx.clock.unix())
        .await?;
    Ok(vec![Reply::with_buttons(
        texts::item_preview(&item),
        actions::confirm_item(draft),
        None,
    )])
}

/// The confirm button of a preview: the item is stored (audited), or refused (an unknown
/// unit), and the draft is gone either way.
pub async fn confirm(ctx: SharedCtx, actor: Actor, draft_id: i64) -> Outcome {
    let actor_id = actor.user_id.to_string();
    let Some(added) = ctx
        .store
        .confirm_item_draft(draft_id, &actor_id, ctx.clock.unix())
        .await?
    else {
        return alert(texts::item_draft_gone());
    };
    match added {
        Ok(task) => Ok(vec![
            Reply::Edit(texts::item_added(&task)),
            Reply::toast(texts::item_saved_toast(), false),
        ]),
        Err(refusal) => Ok(vec![Reply::Edit(texts::item_refused(&ItemRefusal::Units(
            refusal,
        )))]),
    }
}

/// The cancel button of a preview.
pub async fn cancel(ctx: SharedCtx, draft_id: i64) -> Outcome {
    if !ctx.store.drop_item_draft(draft_id).await? {
        return alert(texts::item_draft_gone());
    }
    Ok(vec![
        Reply::Edit(texts::item_cancelled()),
        Reply::toast(texts::item_cancelled(), false),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2022, m, d).unwrap()
    }

    #[test]
    fn an_item_is_written_as_hosts_date_cadence_then_source_and_content() {
        let item = parse_item(
            "区科技局、区财政局 4月15日 每7天 协办：区商务局 领导：张锐 领导批示：尽快完成方案",
            day(3, 1),
        )
        .unwrap();
        assert_eq!(item.hosts, ["区科技局", "区财政局"]);
        assert_eq!(item.co, ["区商务局"]);
        assert_eq!(item.leader.as_deref(), Some("张锐"));
        assert_eq!((item.due, item.every_days), (day(4, 15), Some(7)));
        assert_eq!(
            (item.source.as_str(), item.text.as_str()),
            ("领导批示", "尽快完成方案")
        );

        let plain = parse_item("区科技局 2022-04-15 推进孵化器建设", day(3, 1)).unwrap();
        assert_eq!(
            (plain.source.as_str(), plain.every_days),
            (ITEM_SOURCE, None)
        );

        assert_eq!(parse_item("区科技局", day(3, 1)), Err(ItemRefusal::Usage));
        assert_eq!(
            parse_item("区科技局 2022-04-15", day(3, 1)),
            Err(ItemRefusal::Usage)
        );
        assert_eq!(
            parse_item("区科技局 下月 内容", day(3, 1)),
            Err(ItemRefusal::BadDue("下月".into()))
        );
        assert_eq!(
            parse_item("区科技局 4月15日 每几天 内容", day(3, 1)),
            Err(ItemRefusal::BadEvery("每几天".into()))
        );
    }

    #[test]
    fn cadences_as_people_write_them() {
        for (word, days) in [
            ("7d", 7),
            ("7", 7),
            ("每7天", 7),
            ("每周", 7),
            ("2w", 14),
            ("每天", 1),
        ] {
            assert_eq!(parse_every(word), Some(days), "{word}");
        }
        for word in ["", "0d", "每", "x"] {
            assert_eq!(parse_every(word), None, "{word}");
        }
    }
}
