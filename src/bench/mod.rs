//! `duban bench`: the figures the issues set goals for, measured on this machine in one run.
//! Timings are medians over repeated runs; nothing here asserts a time (machines are noisy).

mod bulletin;
mod chat;
mod fanout;
mod memory;

pub use fanout::{FanOut, fan_out};

use crate::commands::demo::SEED_NOTICE;
use crate::commands::{load_directory, read_notice};
use crate::config::Settings;
use crate::followup::sender::SendLimits;
use crate::matrix::{UnitDirectory, decode, parse_notice};
use crate::outln;
use crate::store::Store;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Messages of the fan-out under Telegram's limits (about 10 s at 30 a second).
const FAN_OUT_CAPPED: usize = 300;
/// Messages of the fan-out with the caps lifted.
const FAN_OUT_LIFTED: usize = 10_000;

/// The parts of the benchmark, for `duban bench --only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Part {
    /// Seed parse and import.
    Import,
    /// Replies through the full path, on Telegram and on DingTalk, vs the durable and the echo bot.
    Chat,
    /// Reminder fan-out, capped and lifted.
    Fanout,
    /// The 10,000-task bulletin.
    Bulletin,
    /// Parse of a 10,000-task notice.
    Parse,
    /// Resident memory of an idle `duban run`.
    Memory,
    /// Replies with two instances on one PostgreSQL against one.
    Instances,
}

pub async fn run(settings: &Settings, runs: usize, only: Option<Part>) -> Result<()> {
    let runs = runs.max(1);
    let wants = |part: Part| only.is_none_or(|o| o == part);
    let dir = load_directory(&settings.directory)?;
    let scratch = Scratch::new()?;
    outln!("duban bench（{runs}次取中位数）")?;
    if wants(Part::Import) {
        import(runs, &dir, &scratch.0).await?;
    }
    if wants(Part::Chat) {
        chat(&dir, &scratch.0).await?;
    }
    if wants(Part::Fanout) {
        fanout(&scratch.0).await?;
    }
    if wants(Part::Bulletin) {
        bulletin_part()?;
    }
    if wants(Part::Parse) {
        parse_big(runs, &dir)?;
    }
    if wants(Part::Instances) {
        instances(&dir).await?;
    }
    if wants(Part::Memory) {
        let matrix = read_notice(Path::new(SEED_NOTICE), &dir)?;
        let idle = memory::idle_run(&matrix, &scratch.0).await?;
        outln!(
            "  duban run 空闲内存（种子通知，{} 秒后）      RSS {:.1} MiB，峰值 {:.1} MiB",
            memory::IDLE.as_secs(),
            idle.rss_kib as f64 / 1024.0,
            idle.peak_kib as f64 / 1024.0
        )?;
    }
    Ok(())
}

async fn import(runs: usize, dir: &UnitDirectory, scratch: &Path) -> Result<()> {
    let seed = std::fs::read(SEED_NOTICE).with_context(|| format!("无法读取 {SEED_NOTICE}"))?;
    let parse = median(runs, || {
        let text = decode(&seed).expect("seed decodes");
        parse_notice(&text, dir).expect("seed parses");
    });
    outln!("  种子通知解析（71项任务）                 {}", ms(parse))?;

    let mut samples = Vec::with_capacity(runs);
    for i in 0..runs {
        let url = format!(
            "sqlite://{}",
            scratch.join(format!("import-{i}.db")).display()
        );
        let store = Store::connect(&url).await?;
        let start = Instant::now();
        let matrix = read_notice(Path::new(SEED_NOTICE), dir)?;
        store.import_matrix(&matrix).await?;
        samples.push(start.elapsed());
        store.close().await;
    }
    outln!(
        "  种子通知导入（读文件+解析+写 SQLite）    {}   目标 < 50 ms",
        ms(mid(samples))
    )?;

    let url = format!("sqlite://{}", scratch.join("reimport.db").display());
    let store = Store::connect(&url).await?;
    let matrix = read_notice(Path::new(SEED_NOTICE), dir)?;
    store.import_matrix(&matrix).await?;
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        store.import_matrix(&matrix).await?;
        samples.push(start.elapsed());
    }
    store.close().await;
    outln!(
        "  同一通知再次导入（无变化）              {}",
        ms(mid(samples))
    )?;
    Ok(())
}

async fn chat(dir: &UnitDirectory, scratch: &Path) -> Result<()> {
    let matrix = read_notice(Path::new(SEED_NOTICE), dir)?;
    let (chats, per_chat) = (200, 20);
    let figures = chat::throughput(&matrix, scratch, chats, per_chat).await?;
    // The goal is set against the durable bot (what the same stack does when no reply may be
    // lost); the ratio to the bare echo bot is shown without one.
    let ratios = |rate: chat::Rate| {
        (
            rate.per_second / figures.durable.per_second,
            rate.per_second / figures.echo.per_second,
        )
    };
    let (durable, echo) = ratios(figures.duban);
    outln!(
        "  进展回复：存储并回执（{} 条，{chats} 个会话） {:.0} 条/秒   CPU {:.0} µs/条   比落盘对照 {durable:.2}（目标 ≥ 1.0），比回显 {echo:.2}",
        figures.updates,
        figures.duban.per_second,
        micros(figures.duban.cpu),
    )?;
    outln!(
        "  进展回复（钉钉）：存储并以卡片回执（{} 条，{chats} 个会话） {:.0} 条/秒   CPU {:.0} µs/条   比 Telegram 进展回复 {:.2}",
        figures.updates,
        figures.dingtalk.per_second,
        micros(figures.dingtalk.cpu),
        figures.dingtalk.per_second / figures.duban.per_second,
    )?;
    let (durable, echo) = ratios(figures.help);
    outln!(
        "  参照：同一路径回答 /help（不存报告）       {:.0} 条/秒   CPU {:.0} µs/条   比落盘对照 {durable:.2}，比回显 {echo:.2}",
        figures.help.per_second,
        micros(figures.help.cpu),
    )?;
    outln!(
        "  对照：teloxide+sqlx 每条更新先落盘再回答（WAL，FULL） {:.0} 条/秒   CPU {:.0} µs/条",
        figures.durable.per_second,
        micros(figures.durable.cpu),
    )?;
    outln!(
        "  对照：teloxide 裸回显机器人（同样的更新）     {:.0} 条/秒   CPU {:.0} µs/条",
        figures.echo.per_second,
        micros(figures.echo.cpu),
    )?;
    Ok(())
}

/// The PostgreSQL server the benchmark of two instances creates its databases on.
const BENCH_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

async fn instances(dir: &UnitDirectory) -> Result<()> {
    let matrix = read_notice(Path::new(SEED_NOTICE), dir)?;
    let server =
        std::env::var("DUBAN_BENCH_POSTGRES_URL").unwrap_or_else(|_| BENCH_POSTGRES.into());
    let (chats, per_chat) = (200, 10);
    match chat::instances(&matrix, &server, chats, per_chat).await {
        Ok(figures) => outln!(
            "  进展回复，PostgreSQL 上两个实例对一个（{} 条，{chats} 个会话） 一个 {:.0} 条/秒，两个 {:.0} 条/秒，比值 {:.2}（两个实例各持有会话 {:?}）",
            chats * per_chat,
            figures.one.per_second,
            figures.two.per_second,
            figures.two.per_second / figures.one.per_second,
            figures.split,
        )?,
        Err(e) => {
            outln!("  进展回复，两个实例：跳过（{e:#}；可用 DUBAN_BENCH_POSTGRES_URL 指定服务器）")?
        }
    }
    Ok(())
}

async fn fanout(scratch: &Path) -> Result<()> {
    let capped = fan_out(scratch, FAN_OUT_CAPPED, SendLimits::telegram()).await?;
    outln!(
        "  定时消息外发，限速（{n} 条，{n} 个会话）     {:.2} s   下限 {:.2} s，比值 {:.3}，429 {} 次   目标 比值 ≤ 1.05、0 次 429",
        capped.elapsed.as_secs_f64(),
        capped.floor.unwrap_or_default().as_secs_f64(),
        capped.ratio().unwrap_or_default(),
        capped.rate_limited,
        n = capped.messages,
    )?;
    let lifted = fan_out(scratch, FAN_OUT_LIFTED, SendLimits::unlimited()).await?;
    outln!(
        "  定时消息外发，不限速（{} 条，同样多会话）  {:.0} 条/秒   目标 ≥ 1000 条/秒",
        lifted.messages,
        lifted.per_second()
    )?;
    Ok(())
}

fn bulletin_part() -> Result<()> {
    let timing = bulletin::bulletin(&bulletin::FULL)?;
    outln!("  {timing}")?;
    Ok(())
}

fn parse_big(runs: usize, dir: &UnitDirectory) -> Result<()> {
    let big = synthetic_notice(10_000);
    let big_runs = runs.clamp(1, 5);
    let parse_big = median(big_runs, || {
        parse_notice(&big, dir).expect("synthetic notice parses");
    });
    outln!(
        "  合成通知解析（10,000项任务，{:.1} MB）     {}（每项 {:.1} µs）",
        big.len() as f64 / 1e6,
        ms(parse_big),
        parse_big.as_secs_f64() * 1e6 / 10_000.0
    )?;
    // A file as an office holds it: read (unzip, XML or the sheet) and parsed, as an import.
    let read_and_parse = |bytes: &[u8]| {
        median(big_runs, || {
            let text = decode(bytes).expect("the synthetic file reads");
            parse_notice(&text, dir).expect("the synthetic file parses");
        })
    };
    let word = synthetic_docx(&big)?;
    outln!(
        "  合成 Word 通知读取+解析（10,000项任务，{:.1} MB）{}   目标 < 1 s",
        word.len() as f64 / 1e6,
        ms(read_and_parse(&word))
    )?;
    let sheet = synthetic_xlsx(10_000)?;
    outln!(
        "  合成 Excel 分解表读取+解析（10,000行，{:.1} MB）{}   目标 < 1 s",
        sheet.len() as f64 / 1e6,
        ms(read_and_parse(&sheet))
    )?;
    Ok(())
}

/// A 分解表 of `tasks` rows made from the seed's own sheet (`seeds/`), renumbered, with a
/// section row merged across the columns every 50 tasks.
fn synthetic_xlsx(tasks: usize) -> Result<Vec<u8>> {
    use calamine::{DataType, Reader};
    let seed: &[u8] = include_bytes!("../../seeds/yanzhou-2022-task-breakdown.xlsx");
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(seed))
        .context("读取种子分解表")?;
    let range = book
        .worksheet_range_at(0)
        .context("种子分解表没有工作表")?
        .context("读取种子分解表")?;
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .by_ref()
        .map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>())
        .find(|r| r.first().is_some_and(|c| c == "序号"))
        .context("种子分解表没有表头")?;
    let tasks_of_seed: Vec<Vec<String>> = rows
        .filter(|r| r.first().is_some_and(|c| c.as_f64().is_some()))
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "某某区政府工作报告任务目标分解表")?;
    for (col, name) in header.iter().enumerate() {
        sheet.write_string(1, col as u16, name)?;
    }
    let mut row = 2u32;
    let last = header.len() as u16 - 1;
    let plain = rust_xlsxwriter::Format::new();
    for i in 0..tasks {
        if i % 50 == 0 {
            let title = format!("第{}部分 重点任务", i / 50 + 1);
            sheet.merge_range(row, 0, row, last, &title, &plain)?;
            row += 1;
        }
        let seed_row = &tasks_of_seed[i % tasks_of_seed.len()];
        sheet.write_number(row, 0, (i + 1) as f64)?;
        for (col, value) in seed_row.iter().enumerate().skip(1) {
            sheet.write_string(row, col as u16, value)?;
        }
        row += 1;
    }
    Ok(workbook.save_to_buffer()?)
}

/// `notice` as a Word file the way offices write one: a paragraph a line, in 仿宋, with the
/// first unit after each 承办单位： set in 黑体 (the host's mark) and every line split into
/// several runs, as Word splits them.
fn synthetic_docx(notice: &str) -> Result<Vec<u8>> {
    use docx_rs::{Docx, Paragraph, Run, RunFonts};
    let run = |text: &str, font: &str| {
        Run::new()
            .add_text(text)
            .fonts(RunFonts::new().east_asia(font))
    };
    let mut doc = Docx::new();
    for line in notice.lines() {
        let mut paragraph = Paragraph::new();
        match line.split_once("承办单位：") {
            Some((before, after)) => {
                let host_end = after.find(['、', '，', '）']).unwrap_or(after.len());
                // Word splits runs anywhere: here in the middle of the task's text.
                let middle = before
                    .char_indices()
                    .nth(before.chars().count() / 2)
                    .map_or(0, |(i, _)| i);
                let (head, tail) = before.split_at(middle);
                paragraph = paragraph
                    .add_run(run(head, "仿宋_GB2312"))
                    .add_run(run(tail, "仿宋_GB2312"))
                    .add_run(run("承办单位：", "仿宋_GB2312"))
                    .add_run(run(&after[..host_end], "黑体"))
                    .add_run(run(&after[host_end..], "仿宋_GB2312"));
            }
            None => paragraph = paragraph.add_run(run(line, "仿宋_GB2312")),
        }
        doc = doc.add_paragraph(paragraph);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).context("写出合成 Word 通知")?;
    Ok(out.into_inner())
}

/// A notice of `tasks` tasks made from the seed's own task lines, renumbered, with a section
/// heading every 50 tasks: realistic text at any size.
pub fn synthetic_notice(tasks: usize) -> String {
    let seed = include_str!("../../seeds/yanzhou-2022-task-notice.txt");
    let lines: Vec<&str> = seed
        .lines()
        .filter(|l| l.contains("承办单位") && l.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .collect();
    let mut out =
        String::from("济宁市兖州区人民政府\n\n关于分解落实政府工作报告任务目标的通知\n\n");
    for i in 0..tasks {
        if i % 50 == 0 {
            out.push_str(&format!("第{}部分 重点任务\n", i / 50 + 1));
        }
        let line = lines[i % lines.len()];
        let body = line.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
        out.push_str(&format!("{}.{}\n", i + 1, body));
    }
    out.push_str("济宁市兖州区人民政府\n2022年2月15日\n");
    out
}

fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    mid((0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect())
}

fn mid(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:>8.2} ms", d.as_secs_f64() * 1e3)
}

/// A scratch directory under the system temp dir, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self> {
        let path = std::env::temp_dir().join(format!("duban-bench-{}", std::process::id()));
        std::fs::create_dir_all(&path)
            .with_context(|| format!("无法创建临时目录 {}", path.display()))?;
        Ok(Self(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_synthetic_sheet_reads_as_its_rows() {
        let dir = UnitDirectory::from_toml(include_str!("../../seeds/yanzhou-units.toml")).unwrap();

        let text = decode(&synthetic_xlsx(120).unwrap()).unwrap();
        let m = parse_notice(&text, &dir).unwrap();

        assert_eq!(m.tasks.len(), 120);
        assert_eq!(m.sections.len(), 3);
        assert!(m.tasks.iter().all(|t| !t.units.is_empty()));
    }

    #[test]
    fn the_synthetic_word_notice_reads_as_the_same_tasks_as_its_text() {
        let dir = UnitDirectory::from_toml(include_str!("../../seeds/yanzhou-units.toml")).unwrap();
        let text = synthetic_notice(120);

        let word = decode(&synthetic_docx(&text).unwrap()).unwrap();
        let from_word = parse_notice(&word, &dir).unwrap();
        let from_text = parse_notice(&text, &dir).unwrap();

        assert_eq!(from_word.tasks.len(), 120);
        for (w, t) in from_word.tasks.iter().zip(&from_text.tasks) {
            assert_eq!(
                (&w.text, &w.units, &w.leaders),
                (&t.text, &t.units, &t.leaders)
            );
        }
    }
}
