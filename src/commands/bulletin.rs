//! `duban bulletin [--period P] [--format F] [--out FILE]`: a period's bulletin in one of the
//! formats offices circulate, to a file or (text formats) to stdout.

use super::{check_out_folder, io_reason, open_store, user_error};
use crate::bulletin::render::{docx, markdown, png, text, xlsx};
use crate::bulletin::{Bulletin, compile};
use crate::clock::Clock;
use crate::config::Settings;
use crate::wording::texts;
use crate::{out, outln};
use anyhow::Result;
use std::path::Path;

/// The formats of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Telegram 文本（HTML 格式），多条消息之间以 ---- 分隔
    Text,
    /// Markdown
    Md,
    /// 网页
    Html,
    /// Word 文档
    Docx,
    /// Excel 表格
    Xlsx,
    /// 图表（PNG 图片）：各部分、各单位的任务灯色
    Png,
}

pub async fn run(
    settings: &Settings,
    period: Option<&str>,
    format: Format,
    out: Option<&Path>,
) -> Result<()> {
    if let Some(path) = out {
        // Before compiling: a first compile numbers the period's bulletin in the database.
        check_out_folder(path)?;
    }
    let store = open_store(&settings.database_url).await?;
    let clock = Clock::system();
    let compiled = compile(&store, settings, period, clock.office_date(), clock.unix()).await;
    store.close().await;
    let bulletin = compiled?.map_err(|r| user_error(texts::bulletin_refused(&r)))?;
    let bytes = render(&bulletin, format)?;
    match out {
        Some(path) => {
            std::fs::write(path, &bytes).map_err(|e| {
                user_error(format!("无法写入 {}：{}", path.display(), io_reason(&e)))
            })?;
            outln!(
                "第{}期通报（{}）已写入 {}",
                bulletin.number,
                bulletin.period,
                path.display()
            )?;
        }
        None if matches!(format, Format::Docx | Format::Xlsx | Format::Png) => {
            return Err(user_error(
                "docx、xlsx 和 png 是二进制文件，请用 --out 文件名 指定写到哪里。",
            ));
        }
        None => out!("{}", String::from_utf8_lossy(&bytes))?,
    }
    Ok(())
}

fn render(b: &Bulletin, format: Format) -> Result<Vec<u8>> {
    Ok(match format {
        Format::Text => (text::telegram(b).join("\n\n----\n\n") + "\n").into_bytes(),
        Format::Md => markdown::markdown(b).into_bytes(),
        Format::Html => markdown::html(b).into_bytes(),
        Format::Docx => docx::docx(b)?,
        Format::Xlsx => xlsx::xlsx(b)?,
        Format::Png => png::png(b)?,
    })
}
