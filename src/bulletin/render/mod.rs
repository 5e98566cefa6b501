//! The bulletin in the formats offices circulate: Telegram text (HTML parse mode), Markdown,
//! HTML, Word `.docx`, Excel `.xlsx`. Each renderer reads a [`Bulletin`](super::Bulletin) only.

pub mod docx;
pub mod markdown;
pub mod sections;
pub mod text;
pub mod xlsx;
