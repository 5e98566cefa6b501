//! Bytes to text. Government files arrive as UTF-8 (often with a BOM), as UTF-16 from Word's
//! "Unicode text", or as GB18030/GBK from older systems.

use super::notice::NoticeError;
use encoding_rs::{GB18030, UTF_16BE, UTF_16LE};

/// Decodes a notice file. Binary files (images, .docx saved without conversion, executables)
/// are refused rather than imported as noise.
pub fn decode(bytes: &[u8]) -> Result<String, NoticeError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(NoticeError::single(0, "文件是空的，没有可以导入的内容。"));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(NoticeError::single(
            0,
            "这是一个 Word/压缩文件，不是纯文本。请在 Word 中“另存为”纯文本（.txt）后再导入。",
        ));
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
