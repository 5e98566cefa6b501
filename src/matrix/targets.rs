//! Quantitative targets read from a task's text (年内新增高新技术企业30家 → at least 30 家).
//!
//! The rules are in `spec/targets.md`. The work is split by question:
//! - [`quantity`]: where the figures are and what they come to (3.6万亩 = 36000 亩);
//! - [`clause`]: which figures of a clause are targets, and of what kind;
//! - [`metric`]: what each target measures;
//! - [`deadline`]: by when (年内, 6月底前, 到2025年 …).
//!
//! This file cuts the text into clauses and carries a time word from one clause to the
//! next ones of the same sentence (“上半年，完成…，新增…” gives both the 06-30 deadline).

mod clause;
mod deadline;
mod metric;
mod quantity;
#[cfg(test)]
mod tests;

use super::model::Target;
pub(super) use deadline::task_deadline;
use std::ops::Range;

/// A figure with its unit of measure, e.g. 3.6万亩 → 3.6 万亩 = 36000 亩.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub text: String,
    pub value: f64,
    pub unit: String,
    pub normalized_value: f64,
    pub normalized_unit: String,
}

/// Every figure-with-unit in `text`, with its byte range.
///
/// A number without a unit of measure (2022年, 5G, PM2.5, 50亿) is not a quantity.
pub fn find_quantities(text: &str) -> Vec<(Range<usize>, Quantity)> {
    quantity::find(text)
}

/// Every quantitative target in one task's text (or one paragraph of the notice), in text order.
///
/// `year` is the notice's year: relative deadlines (年内, 6月底前) need it and are `None` without it.
pub fn extract_targets(text: &str, year: Option<i32>) -> Vec<Target> {
    let mut targets = Vec::new();
    // The time word of an earlier clause of the same sentence, if any.
    let mut carried = None;
    for piece in clauses(text) {
        let stated = deadline::stated(piece.text, year);
        if stated.is_some() {
            carried = stated;
        }
        let due = carried.unwrap_or_else(|| deadline::year_end(year));
        targets.extend(clause::targets(piece.text, due));
        if piece.ends_sentence {
            carried = None;
        }
    }
    targets
}

/// A clause of the input, trimmed, and whether a sentence ends after it.
struct Piece<'a> {
    text: &'a str,
    ends_sentence: bool,
}

/// Cuts at 。，；;！？ and line breaks, never at 、 (a 、 list is one clause with several
/// figures). An ASCII comma also cuts, except between digits (4,500人).
fn clauses(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    let mut previous = None;
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let ends_sentence = matches!(c, '。' | '！' | '？' | '!' | '?' | '\n' | '\r');
        let thousands = c == ',' && is_digit(previous) && is_digit(next);
        let cuts = ends_sentence || matches!(c, '，' | '；' | ';') || (c == ',' && !thousands);
        if cuts {
            push_piece(&mut pieces, &text[start..at], ends_sentence);
            start = at + c.len_utf8();
        }
        previous = Some(c);
    }
    push_piece(&mut pieces, &text[start..], true);
    pieces
}

fn push_piece<'a>(pieces: &mut Vec<Piece<'a>>, text: &'a str, ends_sentence: bool) {
    let text = text.trim();
    if !text.is_empty() {
        pieces.push(Piece {
            text,
            ends_sentence,
        });
    } else if ends_sentence && let Some(last) = pieces.last_mut() {
        // “…新增30家；\n” — the sentence still ends even though the piece after ； is empty.
        last.ends_sentence = true;
    }
}

fn is_digit(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_digit())
}
