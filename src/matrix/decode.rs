//! Bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK.

use super::notice::NoticeError;

pub fn decode(_bytes: &[u8]) -> Result<String, NoticeError> {
    Err(NoticeError::single(0, "未实现"))
}
