//! Bytes to text. Government files arrive as UTF-8 (often with a BOM), as UTF-16 from Word's
//! "Unicode text", or as GB18030/GBK from older systems.

use super::docx::{docx_text, is_zip};
use super::notice::NoticeError;
use super::sheet::sheet_text;
use encoding_rs::{GB18030, UTF_16BE, UTF_16LE};

/// Decodes a notice file: text in any of the encodings above, or a Word document (.docx,
/// see [`super::docx`]). Files duban cannot read (.doc, .wps, .pdf, images, other binaries)
/// are refused with a message that says how to convert them, rather than imported as noise.
pub fn decode(bytes: &[u8]) -> Result<String, NoticeError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(NoticeError::single(0, "文件是空的，没有可以导入的内容。"));
    }
    if is_zip(bytes) {
        if let Some(text) = docx_text(bytes)? {
            return Ok(text);
        }
        return sheet_text(bytes)?.ok_or_else(|| NoticeError::single(0, ZIP));
    }
    if bytes.starts_with(OLE)
        && let Some(text) = sheet_text(bytes)?
    {
        return Ok(text);
    }
    if let Some(message) = unreadable_format(bytes) {
        return Err(NoticeError::single(0, message));
    }
    let text = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        String::from_utf8_lossy(rest).into_owned()
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        UTF_16LE.decode_without_bom_handling(rest).0.into_owned()
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        UTF_16BE.decode_without_bom_handling(rest).0.into_owned()
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        text.to_owned()
    } else {
        let (text, had_errors) = GB18030.decode_without_bom_handling(bytes);
        if had_errors {
            return Err(not_text());
        }
        text.into_owned()
    };
    if looks_binary(&text) {
        return Err(not_text());
    }
    Ok(text.replace("\r\n", "\n").replace('\r', "\n"))
}

fn not_text() -> NoticeError {
    NoticeError::single(
        0,
        "无法识别文件编码，它看起来不是文本文件。请提供 UTF-8 或 GB18030/GBK 编码的纯文本通知。",
    )
}

/// Text with NULs or many control characters is a binary file that happened to decode.
const ZIP: &str = "这是一个压缩文件，不是 Word 文档、Excel 表格或纯文本：duban 读 .docx、.xlsx、.xls、.txt 和 .md。";

/// The start of an OLE compound file: .doc, .wps, .xls.
const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Formats that are recognisable by their first bytes but not readable here, with what to do.
fn unreadable_format(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(OLE) {
        Some(
            "这是旧版 Word 或 WPS 文件（.doc、.wps），duban 不能直接读取：请在 Word 或 WPS 中打开，“另存为” .docx 后再导入。",
        )
    } else if bytes.starts_with(b"%PDF") {
        Some(
            "这是 PDF 文件，读不出其中的表格和黑体（主办单位的标记）：请使用通知的 Word 原件（.docx），或把 PDF 中的文字复制保存为 .txt 后再导入。",
        )
    } else if [
        &b"\x89PNG"[..],
        b"\xFF\xD8\xFF",
        b"GIF8",
        b"BM",
        b"II*\x00",
        b"MM\x00*",
    ]
    .iter()
    .any(|magic| bytes.starts_with(magic))
    {
        Some(
            "这是一张图片，duban 不能识别其中的文字：请使用通知的 Word 原件（.docx）或文本文件（.txt）。",
        )
    } else {
        None
    }
}

fn looks_binary(text: &str) -> bool {
    let mut total = 0usize;
    let mut control = 0usize;
    for c in text.chars() {
        total += 1;
        if c == '\0' || c == '\u{FFFD}' {
            return true;
        }
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}') {
            control += 1;
        }
    }
    control * 20 > total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb18030_text_decodes_to_the_same_characters() {
        let (bytes, _, _) = GB18030.encode("济兖政发〔2022〕1号\n牵头领导：张锐");
        assert_eq!(
            decode(&bytes).unwrap(),
            "济兖政发〔2022〕1号\n牵头领导：张锐"
        );
    }

    #[test]
    fn bom_and_windows_line_ends_are_removed() {
        assert_eq!(decode(b"\xEF\xBB\xBFa\r\nb\rc").unwrap(), "a\nb\nc");
    }

    #[test]
    fn utf16_with_bom_decodes() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "通知".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode(&bytes).unwrap(), "通知");
    }

    #[test]
    fn binary_and_empty_input_are_refused_in_chinese() {
        for bytes in [
            &b""[..],
            b" \n\t",
            b"\x00\x01\x02\xff\xfe\x00",
            b"PK\x03\x04rest",
        ] {
            let err = decode(bytes).unwrap_err();
            assert!(
                err.to_string()
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            );
        }
    }
}
