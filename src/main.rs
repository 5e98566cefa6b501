//! The `duban` command line: parses arguments and calls into the library.

use clap::{Args, Parser, Subcommand};
use duban::commands::stdout::StdoutError;
use duban::commands::{self, UserError, matrix::Filter, schedule};
use duban::config::Settings;
use duban::conversation::invites::Invitee;
use std::net::SocketAddr;
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
    #[cfg(feature = "devtools")]
    /// 演示：离线跑完一个报告期（导入、提醒、报送、催报、督促、通报），写出通报文件和对话记录（不碰正式数据库）
    Demo {
        /// 输出目录（数据库、通报文件、transcript.html）
        #[arg(long, value_name = "DIR", default_value = "out/demo")]
        out: PathBuf,
        /// 只为前 N 个单位绑定联络员（主办单位优先），演示更小更快
        #[arg(long, value_name = "N")]
        units: Option<usize>,
        /// 聊天平台
        #[arg(long, value_enum, default_value = "telegram")]
        channel: duban::demo::Platform,
    },
    /// 导入任务分解通知（Word .docx、Excel 分解表 .xlsx/.xls、纯文本或 Markdown）
    Import {
        /// 通知文件；写 - 则从标准输入读取
        file: PathBuf,
        /// 单位名录（默认：配置项 directory）
        #[arg(long, value_name = "FILE")]
        directory: Option<PathBuf>,
        /// 只解析，打印责任矩阵和摘要，不写数据库
        #[arg(long)]
        dry_run: bool,
    },
    /// 打印责任矩阵，或导出为 Excel 分解表（改正后可重新导入）
    Matrix {
        /// 格式
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
        /// 写入文件（xlsx 必须指定）
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// 列出所有单位及其主办、协办任务数
    Units,
    /// 指定一项任务的承办单位（用于“待明确承办单位”的任务，也可改派），记入审计
    Assign {
        /// 任务编号
        task: u32,
        /// 主办单位或分组（可重复，或用顿号、逗号分隔）
        #[arg(long = "host", value_name = "UNIT")]
        hosts: Vec<String>,
        /// 协办单位或分组（可重复，或用顿号、逗号分隔）
        #[arg(long = "co", value_name = "UNIT")]
        co: Vec<String>,
    },
    /// 启动机器人（令牌取自环境变量 DUBAN_BOT_TOKEN）；默认长轮询
    Run {
        /// 改用 webhook：Telegram 推送更新的公网地址（https://…/路径）
        #[arg(long, value_name = "URL", requires = "listen")]
        webhook_url: Option<String>,
        /// webhook 模式下本机监听的地址，例如 127.0.0.1:8443
        #[arg(long, value_name = "ADDR", requires = "webhook_url")]
        listen: Option<SocketAddr>,
        /// 在此地址提供运维接口：/healthz（健康检查）和 /metrics（Prometheus 指标），例如 127.0.0.1:9090
        #[arg(long, value_name = "ADDR")]
        http: Option<SocketAddr>,
        /// 模拟时钟：以实际时间 N 倍的速度运行（演示用，例如 3600 让一小时一秒过去）
        #[arg(long, value_name = "N")]
        clock_speed: Option<f64>,
        /// 模拟时钟的起点（办公时区，配置项 time_zone），例如 2022-03-01T08:00；默认现在
        #[arg(long, value_name = "TIME", requires = "clock_speed")]
        clock_start: Option<String>,
    },
    /// 生成邀请链接（一次性，有有效期）
    Invite {
        #[command(flatten)]
        who: InviteWho,
        /// 督查人员关联的领导（通知中的姓名）
        #[arg(long, value_name = "NAME", requires = "supervisor")]
        leader: Option<String>,
        /// 有效期，例如 7d、12h、30m（默认：配置项 invite_days）
        #[arg(long, value_name = "DURATION")]
        expires: Option<String>,
    },
    /// 列出进展报告
    Reports {
        /// 报告期，例如 2022-03
        #[arg(long, value_name = "P")]
        period: Option<String>,
        /// 只看这个单位的报告
        #[arg(long, value_name = "NAME")]
        unit: Option<String>,
        /// 只看这一项任务的报告
        #[arg(long, value_name = "N")]
        task: Option<u32>,
        #[arg(long, value_enum, default_value = "table")]
        format: commands::reports::Format,
    },
    /// 导出一项任务的佐证材料（图片、文件）到目录，文件名含任务、单位、日期和编号，互不重名
    Evidence {
        /// 任务编号
        #[arg(long, value_name = "N")]
        task: u32,
        /// 输出目录（不存在则创建）
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// 收件箱：各状态的更新条数；--failed 列出处理失败的更新
    Inbox {
        #[arg(long)]
        failed: bool,
    },
    /// 审计记录：谁在何时做了什么
    Audit {
        /// 起始日期（2022-03-01）或时长（7d）
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
    },
    /// 报告期：起止、截止日和报告数
    Periods,
    /// 清理：删除超过保留期（配置项 retention_days）的已处理更新、已发送消息和旧的消息锚点；报告、审计和通报引用的不删
    Prune {
        /// 只统计将删除多少，不删除
        #[arg(long)]
        dry_run: bool,
    },
    /// 备份 SQLite 数据库到一个新文件（机器人运行时也可以）；PostgreSQL 请用 pg_dump
    Backup {
        /// 备份文件（不能已存在）
        file: PathBuf,
    },
    /// 从备份文件恢复到配置的数据库（SQLite 或 PostgreSQL），目标数据库必须没有数据
    Restore {
        /// duban backup 写出的备份文件
        file: PathBuf,
    },
    /// 工作日历
    Calendar {
        #[command(subcommand)]
        action: CalendarAction,
    },
    /// 督查通报：某报告期的通报，多种格式
    Bulletin {
        /// 报告期（如 2022-03）或期号（如 3）；默认本期
        #[arg(long, value_name = "P")]
        period: Option<String>,
        /// 格式
        #[arg(long, value_enum, default_value = "md")]
        format: commands::bulletin::Format,
        /// 写入文件（docx、xlsx 必须指定）
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// 督办件：领导批示、会议议定事项等通知以外的督办事项（新建、列出）
    Item {
        #[command(subcommand)]
        action: ItemAction,
    },
    /// 时间表：提醒、催报、督促、通报（查看、修改、暂停、恢复）
    Schedule {
        #[command(subcommand)]
        action: ScheduleAction,
    },
    #[cfg(feature = "devtools")]
    /// 性能基准：导入种子通知、进展回复吞吐（对照先落盘再回答的机器人和裸回显机器人）、解析 10,000 项任务的通知
    Bench {
        /// 每项测量的重复次数
        #[arg(long, default_value_t = 20)]
        runs: usize,
        /// 只测其中一项
        #[arg(long, value_enum)]
        only: Option<duban::bench::Part>,
    },
}

#[derive(Subcommand)]
enum ItemAction {
    /// 新建督办件（编号 督-1、督-2 …），记入审计
    Add(commands::item::AddArgs),
    /// 列出督办件
    List,
}

#[derive(Subcommand)]
enum ScheduleAction {
    /// 列出每个时间表和接下来三次触发时间
    List,
    /// 修改时间表（先预览，加 --yes 才保存）
    Set {
        /// 种类：reminder 提醒、nudge 催报、escalation 督促、bulletin 通报
        kind: String,
        /// cron 表达式，6 个字段（秒 分 时 日 月 星期），例如 "0 0 9 * * Mon-Fri"
        expression: String,
        /// 只改某单位自己的时间表（提醒、催报）
        #[arg(long, value_name = "NAME")]
        unit: Option<String>,
        /// 确认保存
        #[arg(long)]
        yes: bool,
    },
    /// 暂停时间表
    Pause {
        kind: String,
        #[arg(long, value_name = "NAME")]
        unit: Option<String>,
    },
    /// 恢复时间表
    Resume {
        kind: String,
        #[arg(long, value_name = "NAME")]
        unit: Option<String>,
    },
}

#[derive(Subcommand)]
enum CalendarAction {
    /// 查询某天是否工作日，以及落在非工作日的提醒顺延到哪天
    Check {
        /// 日期，例如 2022-10-03
        date: String,
    },
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct InviteWho {
    /// 邀请某单位的联络员
    #[arg(long, value_name = "NAME")]
    unit: Option<String>,
    /// 邀请督查人员
    #[arg(long)]
    supervisor: bool,
    /// 邀请管理员
    #[arg(long)]
    admin: bool,
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
    // The demo's output is its progress line and summary: the service's info logs would break
    // them, so it logs warnings only unless DUBAN_LOG asks for more.
    let log = match cli.command {
        #[cfg(feature = "devtools")]
        Command::Demo { .. } if std::env::var_os("DUBAN_LOG").is_none() => "warn",
        _ => settings.log.as_str(),
    };
    duban::telemetry::init(log, settings.log_format);
    if let Ok(offset) = duban::clock::parse_time_zone(&settings.time_zone) {
        duban::clock::set_office_offset(offset);
    }
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let result = runtime.block_on(async {
        match cli.command {
            #[cfg(feature = "devtools")]
            Command::Demo {
                out,
                units,
                channel,
            } => commands::demo::run(&settings, Some(&out), units, channel).await,
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
                out,
            } => {
                let filter = Filter { task, unit, leader };
                commands::matrix::run(&settings, format, &filter, out.as_deref()).await
            }
            Command::Units => commands::units::run(&settings).await,
            Command::Assign { task, hosts, co } => {
                let request = duban::store::AssignRequest {
                    number: task,
                    hosts: duban::store::AssignRequest::names(&hosts.join("、")),
                    co: duban::store::AssignRequest::names(&co.join("、")),
                };
                commands::assign::run(&settings, request).await
            }
            Command::Run {
                webhook_url,
                listen,
                http,
                clock_speed,
                clock_start,
            } => {
                let clock = commands::run::clock(clock_speed, clock_start.as_deref())?;
                commands::run::run(&settings, webhook_url, listen, http, clock).await
            }
            Command::Invite {
                who,
                leader,
                expires,
            } => {
                let invitee = match (who.unit, who.supervisor) {
                    (Some(unit), _) => Invitee::Unit(unit),
                    (None, true) => Invitee::Supervisor { leader },
                    (None, false) => Invitee::Admin,
                };
                commands::invite::run(&settings, invitee, expires.as_deref()).await
            }
            Command::Reports {
                period,
                unit,
                task,
                format,
            } => commands::reports::run(&settings, period, unit, task, format).await,
            Command::Evidence { task, out } => commands::evidence::run(&settings, task, &out).await,
            Command::Inbox { failed } => commands::inbox::run(&settings, failed).await,
            Command::Audit { since } => commands::audit::run(&settings, since.as_deref()).await,
            Command::Periods => commands::periods::run(&settings).await,
            Command::Prune { dry_run } => commands::prune::run(&settings, dry_run).await,
            Command::Backup { file } => commands::backup::backup(&settings, &file).await,
            Command::Restore { file } => commands::backup::restore(&settings, &file).await,
            Command::Calendar {
                action: CalendarAction::Check { date },
            } => commands::calendar::check(&settings, &date),
            Command::Bulletin {
                period,
                format,
                out,
            } => {
                commands::bulletin::run(&settings, period.as_deref(), format, out.as_deref()).await
            }
            Command::Item {
                action: ItemAction::Add(args),
            } => commands::item::add(&settings, &args).await,
            Command::Item {
                action: ItemAction::List,
            } => commands::item::list(&settings).await,
            Command::Schedule { action } => {
                let action = match action {
                    ScheduleAction::List => schedule::Action::List,
                    ScheduleAction::Set {
                        kind,
                        expression,
                        unit,
                        yes,
                    } => schedule::Action::Set {
                        kind,
                        expression,
                        unit,
                        yes,
                    },
                    ScheduleAction::Pause { kind, unit } => schedule::Action::Pause { kind, unit },
                    ScheduleAction::Resume { kind, unit } => {
                        schedule::Action::Resume { kind, unit }
                    }
                };
                schedule::run(&settings, action).await
            }
            #[cfg(feature = "devtools")]
            Command::Bench { runs, only } => duban::bench::run(&settings, runs, only).await,
        }
    });
    let result = result.and_then(|()| Ok(commands::stdout::flush()?));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err)
            if err
                .downcast_ref::<StdoutError>()
                .is_some_and(StdoutError::is_closed_pipe) =>
        {
            // The reader has what it wanted (`duban matrix | head -1`).
            ExitCode::SUCCESS
        }
        Err(err) if err.is::<StdoutError>() => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
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
