//! Properties: the importer never panics, whatever it is given, and whatever it accepts is a
//! consistent matrix; whatever it refuses is explained in Chinese.

use crate::support::matrix::*;
use duban::matrix::{Matrix, NoticeError, decode, parse_notice};
use proptest::prelude::*;
use std::sync::OnceLock;

fn dir() -> &'static duban::matrix::UnitDirectory {
    static D: OnceLock<duban::matrix::UnitDirectory> = OnceLock::new();
    D.get_or_init(seed_dir)
}

/// An upper bound on the lines any reasonable line splitting can find in `text`.
fn max_lines(text: &str) -> usize {
    text.chars()
        .filter(|c| "\n\r\u{2028}\u{2029}\u{85}\u{b}\u{c}".contains(*c))
        .count()
        + 1
}

/// Checks what the parser returned, so a wrong success or a silent refusal fails too.
fn check(text: &str, result: Result<Matrix, NoticeError>) -> Result<(), TestCaseError> {
    match result {
        Err(e) => {
            prop_assert!(!e.problems.is_empty(), "a refusal names a problem");
            for p in &e.problems {
                prop_assert!(has_cjk(&p.message), "refusals are in Chinese: {:?}", p);
                prop_assert!(
                    p.line <= max_lines(text),
                    "problem on a line that exists: {:?}",
                    p
                );
            }
        }
        Ok(m) => {
            prop_assert!(!m.tasks.is_empty(), "an accepted notice has tasks");
            let ordinals: Vec<u32> = m.sections.iter().map(|s| s.ordinal).collect();
            prop_assert_eq!(
                ordinals,
                (1..=m.sections.len() as u32).collect::<Vec<u32>>()
            );
            let mut numbers: Vec<u32> = m.tasks.iter().map(|t| t.number).collect();
            numbers.sort_unstable();
            let count = numbers.len();
            numbers.dedup();
            prop_assert_eq!(numbers.len(), count, "task numbers are unique");
            for t in &m.tasks {
                // A task may name only a group the directory cannot resolve (相关镇街): it
                // keeps the group, without units, until an admin fills the group in. A task
                // that names no unit at all is imported for an admin to assign, and a warning
                // on its line says so.
                prop_assert!(
                    !t.units.is_empty()
                        || !t.groups.is_empty()
                        || m.warnings
                            .iter()
                            .any(|w| w.line == t.line && w.message.contains("待明确承办单位")),
                    "task {} has units or groups, or is named as 待明确承办单位",
                    t.number
                );
                prop_assert!(
                    t.line >= 1 && t.line <= max_lines(text),
                    "task {} line {}",
                    t.number,
                    t.line
                );
                if let Some(s) = t.section {
                    prop_assert!(
                        s >= 1 && s as usize <= m.sections.len(),
                        "task {} section {}",
                        t.number,
                        s
                    );
                }
                let mut names: Vec<&str> = t.units.iter().map(|u| u.name.as_str()).collect();
                names.sort_unstable();
                let n = names.len();
                names.dedup();
                prop_assert_eq!(names.len(), n, "task {} lists a unit once", t.number);
                for u in &t.units {
                    if let Some(g) = &u.via {
                        prop_assert!(
                            t.groups.iter().any(|x| &x.name == g),
                            "task {}: {:?}",
                            t.number,
                            u
                        );
                    }
                }
            }
            prop_assert!(
                m.units.windows(2).all(|w| w[0].name < w[1].name),
                "units sorted, each once"
            );
            prop_assert!(
                m.groups.windows(2).all(|w| w[0].name < w[1].name),
                "groups sorted, each once"
            );
            for w in &m.warnings {
                prop_assert!(has_cjk(&w.message), "warnings are in Chinese: {:?}", w);
            }
        }
    }
    Ok(())
}

/// Pieces notices are made of, in any order.
fn notice_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[\u{4e00}-\u{9fa5}]{1,8}",
        2 => "[0-9０-９]{1,3}",
        3 => prop::sample::select(vec![
            "\n", "\n\n", "\r\n", "1.", "2、", "3．", "１２．", "（一）", "(二)", "（1）", "(2)", "一、", "第一部分",
            "、", "，", ",", "。", "；", ";", "：", ":", "（", "）", "(", ")", "【", "】", "[", "]", "**", "等",
            "牵头领导：", "责任领导:", "牵头负责领导：", "承办单位：", "责任单位：", "牵头单位：", "主办单位：",
            "配合单位：", "协办单位：", "协同责任单位：", "参与单位：", "各镇街", "各镇", "相关镇街", "区直各部门",
            "区直相关部门", "各金融机构", "有关企业", "区财政局", "区农业农村局（区乡村振兴局）", "新兖镇",
            "关于", "的通知", "附件：", "序号", "工作任务", "〔2022〕1号", "2022年2月15日", "二〇二二年二月十五日",
            "增长7%", "突破390亿元", "控制在3%以内", "3.6万亩", "分别", "黑体为主办单位，其他为协办单位，下同",
            " ", "\u{3000}", "\t", "#", "## ",
            // prose forms, titles, the label family, other numbering and table rows
            "牵头，", "配合）", "由", "负责。", "（列第一位者为牵头单位）", "副区长", "区长 ", "同志",
            "分管区领导：", "牵头区级领导：", "分管副区长：", "牵 头 单 位：", "牽頭單位：", "協辦單位：",
            "牵头部门：", "配合部门：", "①", "②", "一是", "二是", "1）", "| 序号 | 重点任务 | 牵头单位 |",
            "| --- | --- | --- |", "| 1 | 任务 | 区财政局 |", "完成时限：", "6月底前", "（区财政局、区商务局）", "（试行）",
        ])
        .prop_map(String::from),
    ]
}

const SEED_DOCX: &[u8] = include_bytes!("../../seeds/yanzhou-2022-task-notice.docx");
const SEED_XLSX: &[u8] = include_bytes!("../../seeds/yanzhou-2022-task-breakdown.xlsx");

fn seed_lines() -> Vec<&'static str> {
    SEED.lines().collect()
}

/// An edit of the seed's lines: drop one, duplicate one, or swap two.
#[derive(Debug, Clone)]
enum LineEdit {
    Drop(usize),
    Duplicate(usize),
    Swap(usize, usize),
}

fn line_edit() -> impl Strategy<Value = LineEdit> {
    let n = seed_lines().len();
    prop_oneof![
        (0..n).prop_map(LineEdit::Drop),
        (0..n).prop_map(LineEdit::Duplicate),
        (0..n, 0..n).prop_map(|(a, b)| LineEdit::Swap(a, b)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parsing_any_string_never_panics(text in any::<String>()) {
        let result = parse_notice(&text, dir());
        check(&text, result)?;
    }

    #[test]
    fn parsing_strings_made_of_notice_pieces_never_panics(pieces in prop::collection::vec(notice_piece(), 0..80)) {
        let text = pieces.concat();
        let result = parse_notice(&text, dir());
        check(&text, result)?;
    }

    #[test]
    fn parsing_the_seed_with_lines_dropped_duplicated_or_swapped_never_panics(
        edits in prop::collection::vec(line_edit(), 1..8)
    ) {
        let mut lines = seed_lines();
        for edit in edits {
            match edit {
                LineEdit::Drop(i) if i < lines.len() => { lines.remove(i); }
                LineEdit::Duplicate(i) if i < lines.len() => { let l = lines[i]; lines.insert(i, l); }
                LineEdit::Swap(a, b) if a < lines.len() && b < lines.len() => lines.swap(a, b),
                _ => {}
            }
        }
        let text = lines.join("\n");
        let result = parse_notice(&text, dir());
        check(&text, result)?;
    }

    #[test]
    fn parsing_and_decoding_the_seed_with_byte_ranges_cut_or_repeated_never_panics(
        cuts in prop::collection::vec((any::<prop::sample::Index>(), 0usize..40, any::<bool>()), 1..6)
    ) {
        let mut bytes = SEED.as_bytes().to_vec();
        for (at, len, repeat) in cuts {
            if bytes.is_empty() { break; }
            let start = at.index(bytes.len());
            let end = (start + len).min(bytes.len());
            if repeat {
                let piece = bytes[start..end].to_vec();
                bytes.splice(start..start, piece);
            } else {
                bytes.drain(start..end);
            }
        }
        let _ = decode(&bytes);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let result = parse_notice(&text, dir());
        check(&text, result)?;
    }

    #[test]
    fn decoding_the_word_and_excel_seeds_with_bytes_changed_never_panics(
        excel in any::<bool>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = if excel { SEED_XLSX.to_vec() } else { SEED_DOCX.to_vec() };
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        match decode(&bytes) {
            Ok(text) => check(&text, parse_notice(&text, dir()))?,
            Err(e) => prop_assert!(e.problems.iter().all(|p| has_cjk(&p.message)), "{:?}", e),
        }
    }

    #[test]
    fn decoding_any_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Err(e) = decode(&bytes) {
            prop_assert!(e.problems.iter().all(|p| has_cjk(&p.message)), "{:?}", e);
        }
    }

    #[test]
    fn decoding_any_bytes_behind_a_byte_order_mark_never_panics(
        bom in prop::sample::select(vec![&b"\xef\xbb\xbf"[..], &b"\xff\xfe"[..], &b"\xfe\xff"[..]]),
        rest in prop::collection::vec(any::<u8>(), 0..1024),
    ) {
        let mut bytes = bom.to_vec();
        bytes.extend(rest);
        if let Err(e) = decode(&bytes) {
            prop_assert!(e.problems.iter().all(|p| has_cjk(&p.message)), "{:?}", e);
        }
    }

    #[test]
    fn decoding_plain_utf8_text_returns_it_unchanged(
        text in "[\u{20}-\u{7e}\u{4e00}-\u{9fa5}\u{3000}-\u{303f}\u{ff01}-\u{ff5e}\n\t]{1,200}"
    ) {
        prop_assume!(!text.trim().is_empty());
        let decoded = decode(text.as_bytes());
        prop_assert_eq!(decoded.ok(), Some(text));
    }
}
