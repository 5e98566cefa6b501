//! What a target measures: the words before its figure, or after it when the verb comes
//! first (改造22个老旧小区 → 老旧小区), and the 分别 lists that pair names with figures.

use super::clause::Picked;
use super::deadline::time_words;
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// Words around a metric that say when or how hard, not what (年内, 力争, 比上年 …).
const FILLERS: &[&str] = &[
    "到年底",
    "比上年",
    "年内",
    "今年",
    "全年",
    "力争",
    "确保",
    "分别",
];

/// Punctuation trimmed from both ends of a metric. Quotes stay: 省“十强”产业资金.
const EDGES: &[char] = &['，', ',', '、', '；', ';', '：', ':', '。'];

/// A list number left at the start of a task's text (20. 启动…, （3）, 二、).
static LIST_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[0-9０-９]+[.．、]|[（(][0-9０-９一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)")
        .expect("valid list number pattern")
});

/// One metric per picked figure, in the same order.
pub(super) fn metrics(clause: &str, picked: &[Picked]) -> Vec<String> {
    let mut metrics: Vec<String> = (0..picked.len())
        .map(|i| metric(clause, picked, i))
        .collect();
    if let Some((first, names)) = respectively(clause, picked) {
        for (slot, name) in metrics[first..].iter_mut().zip(names) {
            *slot = name;
        }
    }
    metrics
}

/// The words between the previous target (or the clause start, or the 、 that starts this
/// item of a list) and the figure, without the trigger and fillers. If nothing is left, the
/// words after the figure up to the next item; if they end in 的, both
/// (总投资706亿元的149个过亿元项目 → 总投资706亿元的过亿元项目).
fn metric(clause: &str, picked: &[Picked], i: usize) -> String {
    let here = &picked[i].range;
    let mut start = 0;
    if let Some(previous) = i.checked_sub(1).map(|p| picked[p].range.end) {
        start = previous + after_last(&clause[previous..here.start], &['、']).unwrap_or(0);
    }
    // 主要预期目标为：地区生产总值增长7% measures 地区生产总值.
    start += after_last(&clause[start..here.start], &['：', ':']).unwrap_or(0);
    let before = clean(&without_trigger(
        clause,
        start..here.start,
        &picked[i].trigger.range,
    ));
    let after = words_after(clause, picked, i);
    if before.is_empty() {
        after
    } else if before.ends_with('的') {
        before + &after
    } else {
        before
    }
}

/// "A、B分别增长X、Y": A gets X, B gets Y. A name shorter than the last borrows the last
/// one's tail: 城镇、农村居民人均可支配收入 → 城镇居民人均可支配收入, 农村居民人均可支配收入.
/// Returns the index of the first figure after 分别 and the names, or `None` when the names
/// and figures do not pair up.
fn respectively(clause: &str, picked: &[Picked]) -> Option<(usize, Vec<String>)> {
    let at = clause.find("分别")?;
    let first = picked.iter().position(|p| p.range.start > at)?;
    let count = picked.len() - first;
    let mut start = first.checked_sub(1).map_or(0, |p| picked[p].range.end);
    start += after_last(&clause[start..at], &['：', ':']).unwrap_or(0);
    let mut names: Vec<String> = clean(&clause[start..at]).split('、').map(clean).collect();
    if count < 2 || names.len() != count || names.iter().any(String::is_empty) {
        return None;
    }
    borrow_tails(&mut names);
    Some((first, names))
}

fn borrow_tails(names: &mut [String]) {
    let Some(last) = names.last().cloned() else {
        return;
    };
    let last_len = last.chars().count();
    for name in names.iter_mut() {
        let len = name.chars().count();
        if len < last_len {
            name.extend(last.chars().skip(len));
        }
    }
}

/// The words after figure `i` up to the next target, the next 、 or the clause end, without a
/// leading 以上/以下/以内.
fn words_after(clause: &str, picked: &[Picked], i: usize) -> String {
    let from = picked[i].range.end;
    let next_target = picked.get(i + 1).map_or(clause.len(), |p| p.range.start);
    let next_item = clause[from..].find('、').map_or(clause.len(), |k| from + k);
    let words = &clause[from..next_target.min(next_item)];
    let words = ["以上", "以下", "以内"]
        .iter()
        .find_map(|b| words.strip_prefix(b))
        .unwrap_or(words);
    trim_edges(words).to_string()
}

/// The text of `region` without the trigger word, if it lies there, and a 再 right before
/// it (比上年再增长 → 比上年).
fn without_trigger(clause: &str, region: Range<usize>, trigger: &Range<usize>) -> String {
    if trigger.start < region.start || trigger.end > region.end {
        return clause[region].to_string();
    }
    let mut cut = trigger.start;
    while clause[region.start..cut].ends_with('再') {
        cut -= '再'.len_utf8();
    }
    format!(
        "{}{}",
        &clause[region.start..cut],
        &clause[trigger.end..region.end]
    )
}

/// Trims punctuation, fillers, time words and a list number from the ends. Other trigger
/// words stay: they begin nouns too (完成率, 增加值, 建设用地).
fn clean(text: &str) -> String {
    let mut s = text;
    loop {
        let before = s.len();
        s = trim_edges(s);
        s = without_list_number(s);
        for filler in FILLERS {
            s = s.strip_prefix(filler).unwrap_or(s);
            s = s.strip_suffix(filler).unwrap_or(s);
        }
        if let Some(w) = time_words(s).find(|w| w.start == 0) {
            s = &s[w.end..];
        }
        if let Some(w) = time_words(s).find(|w| w.end == s.len() && w.start > 0) {
            s = &s[..w.start];
        }
        if s.len() == before {
            return s.to_string();
        }
    }
}

fn trim_edges(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || EDGES.contains(&c))
}

/// `s` without a leading list number; 3.6万亩 keeps its 3.
fn without_list_number(s: &str) -> &str {
    let Some(number) = LIST_NUMBER.find(s) else {
        return s;
    };
    let rest = &s[number.end()..];
    let decimal = rest.starts_with(|c: char| c.is_ascii_digit() || ('０'..='９').contains(&c));
    if decimal { s } else { rest }
}

/// The byte offset just past the last of `marks` in `text`.
fn after_last(text: &str, marks: &[char]) -> Option<usize> {
    text.char_indices()
        .rev()
        .find(|(_, c)| marks.contains(c))
        .map(|(k, c)| k + c.len_utf8())
}
