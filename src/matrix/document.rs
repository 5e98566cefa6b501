//! The document around the tasks: title, issuer, document number, date, and the paragraphs
//! that carry the notice's own targets.

use super::model::NoticeInfo;
use super::notice::Block;
use super::numerals::{arabic_number, standalone_date};
use regex::Regex;
use std::sync::LazyLock;

static DOC_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[\p{Han}A-Za-z]{1,12}[〔\[［(（【]\s*([0-9０-９]{4})\s*[〕\]］)）】]\s*[0-9０-９]+\s*号",
    )
    .expect("doc number")
});
static YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"([0-9０-９]{4})\s*年").expect("year"));

const TITLE_ENDINGS: &[&str] = &[
    "通知", "意见", "方案", "决定", "办法", "通报", "函", "安排", "清单", "计划", "分工", "表",
];
const ISSUER_ENDINGS: &[&str] = &[
    "人民政府",
    "政府",
    "办公室",
    "办公厅",
    "委员会",
    "管委会",
    "指挥部",
    "领导小组",
];

/// The lines of `blocks` (numbered ones without their first line, which is numbered).
fn lines(blocks: &[Block], numbered: bool) -> Vec<&str> {
    blocks
        .iter()
        .filter(|b| numbered || b.numbering.is_none())
        .flat_map(|b| {
            b.lines
                .iter()
                .skip(usize::from(b.numbering.is_some()))
                .map(String::as_str)
        })
        .collect()
}

pub(super) fn notice_info(blocks: &[Block], first_task: usize, last_task: usize) -> NoticeInfo {
    // Title and number stand alone above the text; a date or signature may also close a
    // numbered section (a cover letter's last point, 工作要求 after the tasks).
    let head = lines(&blocks[..first_task], false);
    let head_all = lines(&blocks[..first_task], true);
    let tail = lines(&blocks[(last_task + 1).min(blocks.len())..], true);
    let plain = |s: &str| s.replace("**", "");

    let doc_number = head
        .iter()
        .find_map(|l| DOC_NUMBER.find(l).map(|m| plain(m.as_str())));
    let title_at = head.iter().position(|l| l.contains("关于")).or_else(|| {
        head.iter()
            .position(|l| TITLE_ENDINGS.iter().any(|e| l.ends_with(e)))
    });
    let mut title = String::new();
    let mut issuer = None;
    if let Some(at) = title_at {
        for line in head[at..].iter().take(4) {
            title.push_str(line);
            if TITLE_ENDINGS.iter().any(|e| line.ends_with(e)) {
                break;
            }
        }
        let prefix = title.split("关于").next().unwrap_or_default();
        issuer = Some(prefix)
            .filter(|p| ISSUER_ENDINGS.iter().any(|e| p.ends_with(e)))
            .map(str::to_string)
            .or_else(|| {
                head[at.saturating_sub(2)..at]
                    .iter()
                    .rev()
                    .copied()
                    .find(|l| {
                        ISSUER_ENDINGS.iter().any(|e| l.ends_with(e)) && !DOC_NUMBER.is_match(l)
                    })
                    .map(str::to_string)
            });
    }
    if title.is_empty() {
        title = head
            .iter()
            .copied()
            .find(|l| !DOC_NUMBER.is_match(l))
            .unwrap_or("未命名通知")
            .to_string();
    }
    let dated = tail.iter().position(|l| standalone_date(l).is_some());
    let date = dated
        .map(|i| tail[i])
        .or_else(|| {
            head_all
                .iter()
                .copied()
                .find(|l| standalone_date(l).is_some())
        })
        .and_then(standalone_date);
    if issuer.is_none() {
        // The signature (落款): the line above the date, or the last line when there is no date.
        let signature = match dated {
            Some(i) => i.checked_sub(1).map(|i| tail[i]),
            None => tail.last().copied(),
        };
        issuer = signature
            .filter(|l| ISSUER_ENDINGS.iter().any(|e| l.ends_with(e)))
            .map(str::to_string);
    }
    let year_in = |s: &str| {
        YEAR.captures(s)
            .and_then(|c| arabic_number(&c[1]))
            .map(|y| y as i32)
    };
    let year = date
        .map(|d| chrono::Datelike::year(&d))
        .or_else(|| {
            doc_number
                .as_deref()
                .and_then(|d| DOC_NUMBER.captures(d))
                .and_then(|c| arabic_number(&c[1]))
                .map(|y| y as i32)
        })
        .or_else(|| year_in(&title));
    NoticeInfo {
        title: plain(&title),
        issuer: issuer.map(|i| plain(&i)),
        doc_number,
        date,
        year,
    }
}

/// Paragraphs before the first task that state the notice's own goals (主要预期目标).
pub(super) fn notice_paragraphs<'a>(
    blocks: &'a [Block],
    headings: &'a [usize],
) -> impl Iterator<Item = &'a str> + 'a {
    blocks.iter().enumerate().flat_map(move |(i, b)| {
        // A heading's first line is its title; what follows it is prose.
        let skip = usize::from(headings.contains(&i));
        b.lines
            .iter()
            .skip(skip)
            .map(String::as_str)
            .filter(|l| l.contains("目标"))
    })
}
