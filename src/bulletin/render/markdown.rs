//! The bulletin as Markdown (robots, files) and as a standalone HTML page.

use super::sections::{Table, sections, subtitle};
use super::text::escape;
use crate::bulletin::Bulletin;

/// Escapes text for Markdown: a backslash before each ASCII character that could start markup
/// (emphasis, code, links, raw HTML, entities, headings, tables, strikethrough), so that
/// `**`, `<script>` or `[x](y)` in a task's text, a unit's name or a report stay text. Every
/// line of the bulletin goes through it: the wording itself uses none of these characters.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '#' | '|' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A table cell: one line, markup escaped, and `|` (which GitHub's tables split on even when
/// escaped, in some renderers) as the full-width ｜.
fn cell(text: &str) -> String {
    escape_markdown(&text.replace('|', "｜").replace('\n', " "))
}

fn markdown_table(table: &Table, out: &mut String) {
    out.push_str(&format!("| {} |\n", table.header.join(" | ")));
    out.push_str(&format!("|{}\n", " --- |".repeat(table.header.len())));
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
}

/// The most a DingTalk robot message may carry (msgParam at most 15,000 bytes,
/// docs/dingtalk-protocol.md §6), less room for the JSON around it.
pub const MAX_PART_BYTES: usize = 12_000;

/// `markdown` in parts of at most [`MAX_PART_BYTES`], cut between lines (a line longer than
/// that, which a bulletin never has, goes alone).
pub fn parts(markdown: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    for line in markdown.split_inclusive('\n') {
        let last = parts.last_mut().expect("one part at least");
        if !last.is_empty() && last.len() + line.len() > MAX_PART_BYTES {
            parts.push(String::new());
        }
        parts.last_mut().expect("one part at least").push_str(line);
    }
    parts
}

pub fn markdown(b: &Bulletin) -> String {
    let mut out = format!("# {}\n\n", escape_markdown(&b.title));
    for line in subtitle(b) {
        out.push_str(&format!("{}  \n", escape_markdown(&line)));
    }
    for section in sections(b) {
        let kept = out.trim_end_matches('\n').len();
        out.truncate(kept);
        out.push_str(&format!("\n\n## {}\n\n", section.title));
        match &section.table {
            Some(table) => {
                markdown_table(table, &mut out);
                for note in &section.notes {
                    out.push_str(&format!("\n{}\n", escape_markdown(note)));
                }
            }
            None => {
                for line in &section.lines {
                    out.push_str(&format!("{}\n\n", escape_markdown(line)));
                }
            }
        }
    }
    out.trim_end().to_owned() + "\n"
}

/// A standalone page (UTF-8, no scripts) for browsers and mail: the Markdown rendered with
/// [`to_html`].
pub fn html(b: &Bulletin) -> String {
    let body = to_html(&markdown(b));
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(&b.title)
    )
}

/// Markdown as HTML, rendered by pulldown-cmark with tables; raw HTML is written as text,
/// should any reach the Markdown.
pub fn to_html(source: &str) -> String {
    use pulldown_cmark::Event;
    let parser = pulldown_cmark::Parser::new_ext(source, pulldown_cmark::Options::ENABLE_TABLES)
        .map(|event| match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            other => other,
        });
    let mut body = String::new();
    pulldown_cmark::html::push_html(&mut body, parser);
    body
}

const STYLE: &str = "body{font-family:FangSong,\"仿宋\",serif;max-width:60em;margin:2em auto}\
    h1{text-align:center}table{border-collapse:collapse}\
    td,th{border:1px solid #999;padding:.2em .5em}";
