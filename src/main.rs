//! The `duban` command line: parses arguments and calls into the library.

use clap::{Parser, Subcommand};
use duban::commands::{self, UserError, matrix::Filter};
use duban::config::Settings;
use std::path::PathBuf;
use std::process::ExitCode;

/// 督办：把任务分解通知变成责任矩阵，并跟踪各单位的落实进展。
#[derive(Parser)]
#[command(name = "duban", version)]
struct Cli {
    /// 配置文件（默认读取 config/duban.toml，若存在）
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 演示：把种子通知导入 out/demo/ 下的新数据库并打印责任矩阵（不碰正式数据库）
    Demo,
    /// 导入任务分解通知（纯文本或 Markdown；UTF-8 或 GB18030）
    Import {
        file: PathBuf,
        /// 单位名录（默认：配置项 directory）
        #[arg(long, value_name = "FILE")]
        directory: Option<PathBuf>,
        /// 只解析并打印摘要，不写数据库
        #[arg(long)]
        dry_run: bool,
    },
    /// 打印责任矩阵
    Matrix {
        #[arg(long, value_enum, default_value = "table")]
        format: commands::matrix::Format,
        /// 只看这一项任务
        #[arg(long, value_name = "N")]
        task: Option<u32>,
        /// 只看这个单位承办（主办或协办）的任务
        #[arg(long, value_name = "NAME")]
        unit: Option<String>,
        /// 只看这位领导牵头的任务
        #[arg(long, value_name = "NAME")]
        leader: Option<String>,
    },
    /// 列出所有单位及其主办、协办任务数
    Units,
    /// 性能基准：导入种子通知、解析 10,000 项任务的通知
    Bench {
        /// 每项测量的重复次数
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("配置错误：{err}");
            return ExitCode::from(2);
        }
    };
    duban::telemetry::init(&settings.log);
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let result = runtime.block_on(async {
        match cli.command {
            Command::Demo => commands::demo::run(&settings).await,
            Command::Import {
                file,
                directory,
                dry_run,
            } => commands::import::run(&settings, &file, directory.as_deref(), dry_run).await,
            Command::Matrix {
                format,
                task,
                unit,
                leader,
            } => commands::matrix::run(&settings, format, &Filter { task, unit, leader }).await,
            Command::Units => commands::units::run(&settings).await,
            Command::Bench { runs } => duban::bench::run(&settings, runs).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is::<UserError>() => {
            eprintln!("{err}");
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("出错了：{err:#}");
            ExitCode::FAILURE
        }
    }
}
