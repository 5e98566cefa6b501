//! `duban demo [--out DIR] [--units N] [--channel telegram|dingtalk]`: the whole loop offline (see [`crate::demo`]) into a
//! fresh database under `out/demo/`, with a progress line while it runs and a summary at the
//! end. It never touches the configured database and needs no token and no network.

use super::stdout::{self, StdoutError};
use crate::config::Settings;
use crate::demo::{self, Event, Options, Platform, Progress};
use crate::{out, outln};
use anyhow::{Result, bail};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

pub const SEED_NOTICE: &str = "seeds/yanzhou-2022-task-notice.txt";
pub const DEMO_DIR: &str = "out/demo";

pub async fn run(
    settings: &Settings,
    out: Option<&Path>,
    units: Option<usize>,
    platform: Platform,
) -> Result<()> {
    let options = Options {
        out_dir: out.map_or_else(|| PathBuf::from(DEMO_DIR), Path::to_path_buf),
        notice: PathBuf::from(SEED_NOTICE),
        directory: settings.directory.clone(),
        calendar: settings.calendar.clone(),
        units,
        platform,
    };
    let live = std::io::stderr().is_terminal();
    // The first failed write to standard output, returned once the demo has run.
    let mut stdout_error = None;
    let mut on_event = |event: Event<'_>| match event {
        Event::Imported(summary) => {
            let printed =
                print_imported(summary, &options.out_dir, platform).and_then(|()| stdout::flush());
            if let Err(e) = printed {
                stdout_error.get_or_insert(e);
            }
        }
        Event::Progress(p) if live => {
            eprint!("\r\x1b[K{}", progress_line(p));
            let _ = std::io::stderr().flush();
        }
        Event::Progress(_) => {}
    };
    let summary = demo::run(&options, &mut on_event).await;
    if live {
        eprint!("\r\x1b[K");
    }
    let summary = summary?;
    if let Some(e) = stdout_error {
        return Err(e.into());
    }
    outln!()?;
    out!("{summary}")?;
    outln!(
        "用浏览器打开 {} 查看全部对话；数据库可用 DUBAN_DATABASE_URL=sqlite://{} duban reports 查看。",
        options.out_dir.join("transcript.html").display(),
        options.out_dir.join("duban.db").display()
    )?;
    if !summary.failures.is_empty() {
        bail!("演示有 {} 处失败，见上。", summary.failures.len());
    }
    Ok(())
}

/// What the demo prints once the seed is imported.
fn print_imported(summary: &str, out_dir: &Path, platform: Platform) -> Result<(), StdoutError> {
    outln!("导入 {SEED_NOTICE}：")?;
    out!("{summary}")?;
    outln!(
        "\n在{}上模拟 2022年3月 的一个报告期（不联网、不需要令牌，数据库在 {}/duban.db）……",
        platform.server_name(),
        out_dir.display()
    )
}

/// `[██████░░░░] 03-18 14:30  提醒 52 · 报告 12 · 催报 0 · 督促 0 · 通报 0`
fn progress_line(p: &Progress) -> String {
    const WIDTH: usize = 20;
    let filled = (p.step * WIDTH).checked_div(p.steps).unwrap_or(WIDTH);
    let bar = format!("{}{}", "█".repeat(filled), "░".repeat(WIDTH - filled));
    let at = demo::beijing(p.at);
    let s = &p.seen;
    format!(
        "[{bar}] 模拟时间 {}  提醒 {} · 报告 {} · 催报 {} · 督促 {} · 通报 {}",
        at.get(5..).unwrap_or(&at),
        s.reminders,
        s.receipts,
        s.nudges,
        s.escalations,
        s.bulletins
    )
}
