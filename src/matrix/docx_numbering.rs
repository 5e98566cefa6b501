//! Word's automatic numbering (`w:numPr` on a paragraph, defined in `word/numbering.xml`): the
//! numbers Word draws but does not write into the text. A task list numbered by Word reads as
//! 1. 2. 3. — or （一） 一、 ① as its level's format says — as a typed one would.

use super::docx::attr;
use quick_xml::Reader;
use quick_xml::events::Event;
use std::collections::HashMap;

/// One level of a list: where it starts, how its number is written (decimal, chineseCounting
/// …) and the text around it (`%1.`, `（%1）`, `%1、`).
#[derive(Debug, Clone, Default, PartialEq)]
struct Level {
    start: u32,
    format: String,
    text: String,
}

/// The lists of `word/numbering.xml`: each `w:num` points at an abstract list of levels.
#[derive(Debug, Default)]
pub(super) struct Numbering {
    abstract_of: HashMap<String, String>,
    levels: HashMap<(String, u8), Level>,
    /// The current number of each level of each abstract list, as the document goes on.
    counters: HashMap<String, [u32; 9]>,
}

impl Numbering {
    pub(super) fn read(xml: &str) -> Result<Numbering, quick_xml::Error> {
        let mut out = Numbering::default();
        let mut reader = Reader::from_str(xml);
        let mut abstract_id: Option<String> = None;
        let mut num_id: Option<String> = None;
        let mut level: Option<(u8, Level)> = None;
        loop {
            match reader.read_event()? {
                Event::Start(e) => match e.local_name().as_ref() {
                    b"abstractNum" => abstract_id = attr(&e, b"abstractNumId"),
                    b"num" => num_id = attr(&e, b"numId"),
                    b"lvl" => {
                        let ilvl = attr(&e, b"ilvl").and_then(|v| v.parse().ok()).unwrap_or(0);
                        level = Some((ilvl, Level::default()));
                    }
                    _ => {}
                },
                Event::Empty(e) => {
                    let value = attr(&e, b"val");
                    match (e.local_name().as_ref(), &mut level) {
                        (b"start", Some((_, l))) => {
                            l.start = value.and_then(|v| v.parse().ok()).unwrap_or(1)
                        }
                        (b"numFmt", Some((_, l))) => l.format = value.unwrap_or_default(),
                        (b"lvlText", Some((_, l))) => l.text = value.unwrap_or_default(),
                        (b"abstractNumId", None) => {
                            if let (Some(num), Some(target)) = (num_id.clone(), value) {
                                out.abstract_of.insert(num, target);
                            }
                        }
                        _ => {}
                    }
                }
                Event::End(e) => match e.local_name().as_ref() {
                    b"lvl" => {
                        if let (Some(id), Some((ilvl, l))) = (abstract_id.clone(), level.take()) {
                            out.levels.insert((id, ilvl), l);
                        }
                    }
                    b"abstractNum" => abstract_id = None,
                    b"num" => num_id = None,
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(out)
    }

    /// The number Word draws before the next paragraph of list `num_id` at level `ilvl`
    /// (`3.`, `（二）`), counting on; `None` for a bullet or an unknown list.
    pub(super) fn next(&mut self, num_id: &str, ilvl: u8) -> Option<String> {
        let abstract_id = self.abstract_of.get(num_id)?.clone();
        let level = self.levels.get(&(abstract_id.clone(), ilvl))?.clone();
        if level.format == "bullet" || level.format == "none" || ilvl > 8 {
            return None;
        }
        let counters = self.counters.entry(abstract_id.clone()).or_insert([0; 9]);
        let i = usize::from(ilvl);
        counters[i] = if counters[i] == 0 {
            level.start.max(1)
        } else {
            counters[i] + 1
        };
        // A deeper level starts again under each new item of this one.
        counters[i + 1..].iter_mut().for_each(|c| *c = 0);
        let counters = *counters;
        let mut text = level.text.clone();
        for depth in (0..=i).rev() {
            let placeholder = format!("%{}", depth + 1);
            if text.contains(&placeholder) {
                let format = self
                    .levels
                    .get(&(abstract_id.clone(), depth as u8))
                    .map_or("decimal", |l| l.format.as_str());
                text = text.replace(&placeholder, &written(counters[depth].max(1), format));
            }
        }
        Some(text)
    }
}

/// A number in a list format: 3, 三, ③.
fn written(n: u32, format: &str) -> String {
    match format {
        "chineseCounting"
        | "chineseCountingThousand"
        | "chineseLegalSimplified"
        | "ideographTraditional"
        | "taiwaneseCounting" => chinese(n),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if (1..=20).contains(&n) => {
            char::from_u32(0x2460 + n - 1).map_or_else(|| n.to_string(), String::from)
        }
        _ => n.to_string(),
    }
}

/// 1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九; larger numbers in digits.
fn chinese(n: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n as usize].to_owned(),
        10..=19 => format!(
            "十{}",
            if n == 10 {
                ""
            } else {
                DIGITS[(n % 10) as usize]
            }
        ),
        20..=99 => format!(
            "{}十{}",
            DIGITS[(n / 10) as usize],
            if n.is_multiple_of(10) {
                ""
            } else {
                DIGITS[(n % 10) as usize]
            }
        ),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NUMBERING: &str = r#"<w:numbering xmlns:w="w">
        <w:abstractNum w:abstractNumId="0">
          <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
          <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>
        </w:abstractNum>
        <w:abstractNum w:abstractNumId="1">
          <w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl>
        </w:abstractNum>
        <w:num w:numId="5"><w:abstractNumId w:val="0"/></w:num>
        <w:num w:numId="6"><w:abstractNumId w:val="1"/></w:num>
      </w:numbering>"#;

    #[test]
    fn list_numbers_count_on_and_restart_under_each_heading() {
        let mut n = Numbering::read(NUMBERING).unwrap();
        let drawn: Vec<Option<String>> = [(0, "5"), (1, "5"), (1, "5"), (0, "5"), (1, "5")]
            .iter()
            .map(|(level, id)| n.next(id, *level))
            .collect();
        assert_eq!(
            drawn,
            [
                Some("一、".into()),
                Some("1.".into()),
                Some("2.".into()),
                Some("二、".into()),
                Some("1.".into())
            ]
        );
        assert_eq!(n.next("6", 0), None, "a bullet is no number");
        assert_eq!(n.next("9", 0), None, "an unknown list");
    }

    #[test]
    fn numbers_are_written_in_the_level_s_format() {
        assert_eq!(written(3, "decimal"), "3");
        assert_eq!(written(12, "chineseCounting"), "十二");
        assert_eq!(written(20, "chineseCountingThousand"), "二十");
        assert_eq!(written(2, "decimalEnclosedCircle"), "②");
    }
}
