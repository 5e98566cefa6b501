//! The bulletin for Telegram: HTML parse mode (titles in bold, everything else escaped), split
//! into messages under Telegram's limit on line boundaries, never inside a line or a tag.

use super::sections::{sections, subtitle};
use crate::bulletin::Bulletin;
use crate::wording::texts::split_lines;

/// Escapes text for Telegram's HTML parse mode (teloxide's escaping: `&`, `<`, `>`).
pub fn escape(text: &str) -> String {
    teloxide::utils::html::escape(text)
}

/// The bulletin as Telegram messages, in order.
pub fn telegram(b: &Bulletin) -> Vec<String> {
    let mut lines = vec![format!("<b>{}</b>", escape(&b.title))];
    lines.extend(subtitle(b).iter().map(|l| escape(l)));
    for section in sections(b) {
        lines.push(String::new());
        lines.push(format!("<b>{}</b>", escape(&section.title)));
        lines.extend(section.lines.iter().map(|l| escape(l)));
    }
    split_lines(&lines)
}
