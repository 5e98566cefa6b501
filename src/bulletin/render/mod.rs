//! The bulletin in the formats offices circulate: Telegram text (HTML parse mode), Markdown,
//! HTML, Word `.docx`, Excel `.xlsx`, and a chart of the lights as `.png`. Each renderer reads
//! a [`Bulletin`](super::Bulletin) only; [`files`] renders the three files at once.

pub mod docx;
pub mod markdown;
pub mod png;
pub mod sections;
pub mod text;
pub mod xlsx;

use super::Bulletin;

/// A rendered file: its extension and its bytes.
#[derive(Debug, Clone)]
pub struct File {
    pub extension: &'static str,
    pub bytes: Vec<u8>,
}

/// [`files`] on tokio's blocking threads: a large bulletin takes a third of a second to render,
/// which must not hold up the runtime threads the chat loop and the scheduler run on.
pub async fn files_off_runtime(b: &Bulletin) -> anyhow::Result<Vec<File>> {
    let b = b.clone();
    tokio::task::spawn_blocking(move || files(&b))
        .await
        .map_err(|e| anyhow::anyhow!("rendering the bulletin's files failed: {e}"))?
}

/// The Word document, the Excel workbook and the chart, in that order. They do not depend on
/// each other, so the Word file (the slowest) is rendered on a thread of its own while this
/// one renders the other two.
pub fn files(b: &Bulletin) -> anyhow::Result<Vec<File>> {
    let (word, excel, chart) = std::thread::scope(|scope| {
        let word = scope.spawn(|| docx::docx(b));
        let excel = xlsx::xlsx(b);
        let chart = png::png(b);
        let word = word
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the Word renderer panicked")));
        (word, excel, chart)
    });
    Ok(vec![
        File {
            extension: "docx",
            bytes: word?,
        },
        File {
            extension: "xlsx",
            bytes: excel?,
        },
        File {
            extension: "png",
            bytes: chart?,
        },
    ])
}
