//! Settings: `config/duban.toml` (or an explicit file), then `DUBAN_*` environment variables.
//!
//! Every setting is one row of [`KEYS`]: its key in the file, its environment variable and how
//! an environment value becomes a TOML value. Adding a setting means adding a field to
//! [`Settings`] (with its default) and a row to [`KEYS`]; loading, overriding and the error
//! messages follow from the table.

use crate::progress::Cycle;
use crate::schedule::{Kind, Plan, Shift};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file read when no path is given, relative to the working directory; optional.
pub const DEFAULT_FILE: &str = "config/duban.toml";

/// The service's settings. Relative paths are relative to the working directory.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// `sqlite:…` (a file, created on first use) or `postgres://…`.
    pub database_url: String,
    /// The unit directory that resolves group words such as 各镇街.
    pub directory: PathBuf,
    /// A `tracing` filter, e.g. `info` or `duban=debug,sqlx=warn`.
    pub log: String,
    /// How log lines are written: `text` for people, `json` (one object per line, with the
    /// update, chat, unit, task and period of a handler's lines) for log collectors.
    pub log_format: LogFormat,
    /// The Bot API server: Telegram's, or a local one (tests, the demo, a self-hosted server).
    pub telegram_api_url: String,
    /// The bot's username, for invite links printed by `duban invite` while the bot is not
    /// running; `duban run` asks Telegram instead.
    pub bot_username: String,
    /// Telegram user ids of the first admins; more can be invited.
    pub admins: Vec<i64>,
    /// How often units report: weekly, monthly or quarterly.
    pub cycle: Cycle,
    /// For how many minutes after a report its contact may withdraw or correct it.
    pub edit_window_minutes: u32,
    /// For how many days an invite code stays valid unless `--expires` says otherwise.
    pub invite_days: u32,
    /// How many times a failing update is tried before it is marked failed for the admins.
    pub inbox_attempts: u32,
    /// The holiday calendar: holidays and make-up working days.
    pub calendar: PathBuf,
    /// The office's time zone: `Asia/Shanghai` or a fixed offset such as `+08:00`.
    pub time_zone: String,
    /// Day of the month reports are due (of the quarter's last month for quarterly periods;
    /// weekly periods are due on Friday).
    pub due_day: u32,
    /// When each host unit's contacts get their tasks for the period (cron, seconds first,
    /// Beijing time).
    pub reminder: String,
    /// When units with tasks still unreported are nudged.
    pub nudge: String,
    /// When, after the due date, supervisors get their leaders' unreported tasks.
    pub escalation: String,
    /// When the bulletin is compiled.
    pub bulletin: String,
    /// Where a schedule that falls on a day off goes: next, previous or skip.
    pub shift: Shift,
    /// Messages per second overall (Telegram allows about 30); 0 lifts the cap.
    pub send_per_second: u32,
    /// Messages per second to one chat (Telegram allows 1); 0 lifts the cap.
    pub send_per_chat_per_second: u32,
    /// Messages per minute to one group (Telegram allows 20); 0 lifts the cap.
    pub send_per_group_per_minute: u32,
    /// Times a scheduled message is tried (timeouts, 5xx) before the admins are told.
    pub outbox_attempts: u32,
    /// Who issues the bulletin (督查通报), as its heading names them.
    pub issuer: String,
    /// Points behind 序时进度 from which a task's derived light is yellow.
    pub lag_yellow_points: u32,
    /// Points behind 序时进度 beyond which a task's derived light is red.
    pub lag_red_points: u32,
    /// 企业微信 group robot webhook (`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`)
    /// the bulletin is posted to; empty: off.
    pub wecom_webhook: String,
    /// 钉钉 custom robot webhook (`https://oapi.dingtalk.com/robot/send?access_token=…`); empty:
    /// off. Its signing secret comes only from the environment (`DUBAN_DINGTALK_SECRET`).
    pub dingtalk_webhook: String,
    /// 飞书 custom bot webhook (`https://open.feishu.cn/open-apis/bot/v2/hook/…`); empty: off.
    /// Its signing secret comes only from the environment (`DUBAN_FEISHU_SECRET`).
    pub feishu_webhook: String,
    /// Any URL that receives the bulletin as JSON (with its Markdown); empty: off.
    pub json_webhook: String,
    /// The DingTalk app's ClientID (AppKey): with its secret in the environment
    /// (`DUBAN_DINGTALK_CLIENT_SECRET`, never in a file), `duban run` starts the DingTalk robot
    /// in Stream mode. Empty: off.
    pub dingtalk_client_id: String,
    /// The robot's robotCode; empty: the ClientID (an internal app's robot has its AppKey).
    pub dingtalk_robot_code: String,
    /// DingTalk's OpenAPI and Stream gateway (tests point it at a local server).
    pub dingtalk_api_url: String,
    /// DingTalk's old API, for the media upload.
    pub dingtalk_oapi_url: String,
    /// The card template (made once in DingTalk's card platform) for messages with buttons;
    /// empty: the buttons are put into words.
    pub dingtalk_card_template: String,
    /// DingTalk userIds (staffIds) of the first admins on DingTalk; more can be invited.
    pub dingtalk_admins: Vec<String>,
    /// Where the bytes of evidence (佐证材料) are kept: empty, in the database; else this
    /// folder (each content once, named by its SHA-256).
    pub evidence_dir: String,
    /// The largest photo or file taken as evidence, in MB (Telegram's bots download at most 20).
    pub evidence_max_mb: u32,
    /// The file name endings taken as evidence (a photo is always taken).
    pub evidence_types: Vec<String>,
    /// For how many days handled updates, sent messages and the bot's old message anchors are
    /// kept before `duban prune` and the daily job remove them (never what a report, the
    /// audit trail or a bulletin refers to).
    pub retention_days: u32,
}

/// The shortest retention: a platform redelivers an update it was not told of within about a
/// day (Telegram keeps updates 24 hours), and the inbox must still know it by then to store it
/// once.
pub const MIN_RETENTION_DAYS: u32 = 7;

/// The file types taken as evidence unless `evidence_types` says otherwise: images, PDF and
/// OFD, office documents (Microsoft, WPS), text and archives.
pub const EVIDENCE_TYPES: [&str; 22] = [
    "jpg", "jpeg", "png", "gif", "webp", "bmp", "heic", "tif", "tiff", "pdf", "ofd", "doc", "docx",
    "xls", "xlsx", "ppt", "pptx", "wps", "et", "txt", "zip", "rar",
];

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://data/duban.db".into(),
            directory: PathBuf::from("seeds/yanzhou-units.toml"),
            log: "info".into(),
            log_format: LogFormat::Text,
            telegram_api_url: "https://api.telegram.org".into(),
            bot_username: String::new(),
            admins: Vec::new(),
            cycle: Cycle::Monthly,
            edit_window_minutes: 30,
            invite_days: 7,
            inbox_attempts: 5,
            calendar: PathBuf::from("seeds/holidays-cn-2022.toml"),
            time_zone: crate::clock::CHINA.into(),
            due_day: 25,
            reminder: "0 0 9 18 * *".into(),
            nudge: "0 0 9 23,25 * *".into(),
            escalation: "0 0 9 26 * *".into(),
            bulletin: "0 0 10 28 * *".into(),
            shift: Shift::Next,
            send_per_second: 30,
            send_per_chat_per_second: 1,
            send_per_group_per_minute: 20,
            outbox_attempts: 8,
            issuer: "区政府督查室".into(),
            lag_yellow_points: 10,
            lag_red_points: 30,
            wecom_webhook: String::new(),
            dingtalk_webhook: String::new(),
            feishu_webhook: String::new(),
            json_webhook: String::new(),
            dingtalk_client_id: String::new(),
            dingtalk_robot_code: String::new(),
            dingtalk_api_url: "https://api.dingtalk.com".into(),
            dingtalk_oapi_url: "https://oapi.dingtalk.com".into(),
            dingtalk_card_template: String::new(),
            dingtalk_admins: Vec::new(),
            evidence_dir: String::new(),
            evidence_max_mb: 20,
            evidence_types: EVIDENCE_TYPES.iter().map(|t| (*t).to_owned()).collect(),
            retention_days: 180,
        }
    }
}

/// How log lines are written (the `log_format` setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Plain text for people.
    #[default]
    Text,
    /// One JSON object per line for log collectors.
    Json,
}

/// One setting: its key in the file and the environment variable that overrides it.
#[derive(Debug)]
pub struct Key {
    pub name: &'static str,
    pub env: &'static str,
    /// Turns the environment variable's text into the value the field deserializes from.
    pub from_env: fn(&str) -> Result<toml::Value, String>,
    /// What a valid value looks like, for the message when one is not.
    pub expects: &'static str,
}

const WHOLE_NUMBER: &str = "不小于 0 的整数";
const TEXT: &str = "文字（在配置文件中用引号括起来）";

fn text(value: &str) -> Result<toml::Value, String> {
    Ok(toml::Value::String(value.to_owned()))
}

fn number(value: &str) -> Result<toml::Value, String> {
    value
        .trim()
        .parse::<i64>()
        .map(toml::Value::Integer)
        .map_err(|_| format!("“{value}”不是整数"))
}

/// `a, b` → `["a", "b"]`.
fn words(value: &str) -> Result<toml::Value, String> {
    Ok(toml::Value::Array(
        value
            .split([',', '，', ' '])
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| toml::Value::String(part.to_owned()))
            .collect(),
    ))
}

/// `123, 456` → `[123, 456]`.
fn numbers(value: &str) -> Result<toml::Value, String> {
    value
        .split([',', '，', ' '])
        .filter(|part| !part.trim().is_empty())
        .map(number)
        .collect::<Result<Vec<_>, _>>()
        .map(toml::Value::Array)
        .map_err(|e| format!("{e}；应为用逗号分隔的 Telegram 用户 id，例如 123456,789012"))
}

/// Every setting, in the order the example file lists them.
pub const KEYS: &[Key] = &[
    Key {
        name: "database_url",
        env: "DUBAN_DATABASE_URL",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "directory",
        env: "DUBAN_DIRECTORY",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "log",
        env: "DUBAN_LOG",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "log_format",
        env: "DUBAN_LOG_FORMAT",
        from_env: text,
        expects: "text（供人阅读）或 json（每行一个 JSON 对象，供日志系统采集）",
    },
    Key {
        name: "telegram_api_url",
        env: "DUBAN_TELEGRAM_API_URL",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "bot_username",
        env: "DUBAN_BOT_USERNAME",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "admins",
        env: "DUBAN_ADMINS",
        from_env: numbers,
        expects: "Telegram 用户 id 的列表，例如 [123456, 789012]",
    },
    Key {
        name: "cycle",
        env: "DUBAN_CYCLE",
        from_env: text,
        expects: "weekly（每周）、monthly（每月）或 quarterly（每季度）",
    },
    Key {
        name: "edit_window_minutes",
        env: "DUBAN_EDIT_WINDOW_MINUTES",
        from_env: number,
        expects: WHOLE_NUMBER,
    },
    Key {
        name: "invite_days",
        env: "DUBAN_INVITE_DAYS",
        from_env: number,
        expects: WHOLE_NUMBER,
    },
    Key {
        name: "inbox_attempts",
        env: "DUBAN_INBOX_ATTEMPTS",
        from_env: number,
        expects: WHOLE_NUMBER,
    },
    Key {
        name: "calendar",
        env: "DUBAN_CALENDAR",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "time_zone",
        env: "DUBAN_TIME_ZONE",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "due_day",
        env: "DUBAN_DUE_DAY",
        from_env: number,
        expects: WHOLE_NUMBER,
    },
    Key {
        name: "reminder",
        env: "DUBAN_REMINDER",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "nudge",
        env: "DUBAN_NUDGE",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "escalation",
        env: "DUBAN_ESCALATION",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "bulletin",
        env: "DUBAN_BULLETIN",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "shift",
        env: "DUBAN_SHIFT",
        from_env: text,
        expects: "next（顺延到下一个工作日）、previous（提前到上一个工作日）或 skip（跳过）",
    },
    Key {
        name: "send_per_second",
        env: "DUBAN_SEND_PER_SECOND",
        from_env: number,
        expects: WHOLE_NUMBER,
    },
    Key {
        name: "send_per_chat_per_second",
        env: "DUBAN_SEND_PER_CHAT_PER_SECOND",
        from_env: number,
        expects: WHOLE_NUMBER,
    },
    Key {
        name: "send_per_group_per_minute",
        env: "DUBAN_SEND_PER_GROUP_PER_MINUTE",
        from_env: number,
        expects: WHOLE_NUMBER,
    },
    Key {
        name: "outbox_attempts",
        env: "DUBAN_OUTBOX_ATTEMPTS",
        from_env: number,
        expects: WHOLE_NUMBER,
    },
    Key {
        name: "issuer",
        env: "DUBAN_ISSUER",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "lag_yellow_points",
        env: "DUBAN_LAG_YELLOW_POINTS",
        from_env: number,
        expects: WHOLE_NUMBER,
    },
    Key {
        name: "lag_red_points",
        env: "DUBAN_LAG_RED_POINTS",
        from_env: number,
        expects: WHOLE_NUMBER,
    },
    Key {
        name: "wecom_webhook",
        env: "DUBAN_WECOM_WEBHOOK",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "dingtalk_webhook",
        env: "DUBAN_DINGTALK_WEBHOOK",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "feishu_webhook",
        env: "DUBAN_FEISHU_WEBHOOK",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "json_webhook",
        env: "DUBAN_JSON_WEBHOOK",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "dingtalk_client_id",
        env: "DUBAN_DINGTALK_CLIENT_ID",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "dingtalk_robot_code",
        env: "DUBAN_DINGTALK_ROBOT_CODE",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "dingtalk_api_url",
        env: "DUBAN_DINGTALK_API_URL",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "dingtalk_oapi_url",
        env: "DUBAN_DINGTALK_OAPI_URL",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "dingtalk_card_template",
        env: "DUBAN_DINGTALK_CARD_TEMPLATE",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "dingtalk_admins",
        env: "DUBAN_DINGTALK_ADMINS",
        from_env: words,
        expects: "钉钉 userId 的列表，例如 [\"manager1234\", \"0455\"]",
    },
    Key {
        name: "evidence_dir",
        env: "DUBAN_EVIDENCE_DIR",
        from_env: text,
        expects: TEXT,
    },
    Key {
        name: "evidence_max_mb",
        env: "DUBAN_EVIDENCE_MAX_MB",
        from_env: number,
        expects: WHOLE_NUMBER,
    },
    Key {
        name: "evidence_types",
        env: "DUBAN_EVIDENCE_TYPES",
        from_env: words,
        expects: "文件扩展名的列表，例如 [\"jpg\", \"pdf\", \"docx\"]",
    },
    Key {
        name: "retention_days",
        env: "DUBAN_RETENTION_DAYS",
        from_env: number,
        expects: WHOLE_NUMBER,
    },
];

/// Why the settings could not be loaded. The messages are for the person starting the service.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("找不到配置文件 {}", path.display())]
    FileMissing { path: PathBuf },
    #[error("读取配置文件 {} 失败：{source}", path.display())]
    FileUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("配置文件 {} 不是有效的 TOML：{message}", path.display())]
    FileSyntax { path: PathBuf, message: String },
    #[error("配置文件 {} 中有未知的配置项 {key}（可用的配置项：{}）", path.display(), key_names())]
    UnknownKey { key: String, path: PathBuf },
    #[error("配置项 {key}（环境变量 {env}）无效：{reason}")]
    Invalid {
        key: &'static str,
        env: &'static str,
        reason: String,
    },
}

fn key_names() -> String {
    KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join("、")
}

impl Settings {
    /// Reads `path` (which must exist) or, without a path, [`DEFAULT_FILE`] if it exists, then
    /// applies the `DUBAN_*` environment variables and validates the result.
    pub fn load(path: Option<&Path>) -> Result<Settings, ConfigError> {
        Self::load_from(path, |name| std::env::var(name).ok())
    }

    /// [`Settings::load`] with the environment given as a function, so tests need not touch
    /// the process environment. An empty variable counts as unset.
    pub fn load_from(
        path: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let mut table = match path {
            Some(path) if !path.exists() => {
                return Err(ConfigError::FileMissing {
                    path: path.to_owned(),
                });
            }
            Some(path) => read_table(path)?,
            None if Path::new(DEFAULT_FILE).exists() => read_table(Path::new(DEFAULT_FILE))?,
            None => toml::Table::new(),
        };
        for key in KEYS {
            if let Some(value) = env(key.env).filter(|v| !v.is_empty()) {
                let value = (key.from_env)(&value).map_err(|reason| invalid(key, reason))?;
                table.insert(key.name.to_owned(), value);
            }
        }
        let settings = deserialize(table)?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let url = &self.database_url;
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(invalid(
                key("database_url"),
                format!("“{url}”不是数据库地址，应以 sqlite: 或 postgres:// 开头"),
            ));
        }
        let sqlite_path = url.strip_prefix("sqlite:").map(|rest| {
            rest.trim_start_matches('/')
                .split('?')
                .next()
                .unwrap_or_default()
        });
        if sqlite_path == Some("") {
            return Err(invalid(
                key("database_url"),
                format!("“{url}”缺少 SQLite 数据库文件的路径，例如 sqlite://data/duban.db"),
            ));
        }
        if self.directory.as_os_str().is_empty() {
            return Err(invalid(
                key("directory"),
                "单位名录文件的路径不能为空".into(),
            ));
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log) {
            return Err(invalid(
                key("log"),
                format!(
                    "“{}”不是有效的日志过滤规则（{e}），例如 info 或 duban=debug",
                    self.log
                ),
            ));
        }
        let api = &self.telegram_api_url;
        if !(api.starts_with("http://") || api.starts_with("https://")) {
            return Err(invalid(
                key("telegram_api_url"),
                format!("“{api}”不是网址，应以 http:// 或 https:// 开头"),
            ));
        }
        if self.bot_username.contains(['@', '/', ' ']) {
            return Err(invalid(
                key("bot_username"),
                format!(
                    "“{}”不是机器人用户名，应不带 @，例如 duban_bot",
                    self.bot_username
                ),
            ));
        }
        if let Err(reason) = crate::clock::parse_time_zone(&self.time_zone) {
            return Err(invalid(key("time_zone"), reason));
        }
        if !(1..=31).contains(&self.due_day) {
            return Err(invalid(key("due_day"), "应为 1 到 31 之间的日子".into()));
        }
        for (name, value) in [
            ("edit_window_minutes", self.edit_window_minutes),
            ("invite_days", self.invite_days),
            ("inbox_attempts", self.inbox_attempts),
            ("outbox_attempts", self.outbox_attempts),
            ("evidence_max_mb", self.evidence_max_mb),
        ] {
            if value == 0 {
                return Err(invalid(key(name), "应为正整数".into()));
            }
        }
        if self.retention_days < MIN_RETENTION_DAYS {
            return Err(invalid(
                key("retention_days"),
                format!(
                    "至少保留 {MIN_RETENTION_DAYS} 天（平台可能在几天内重发同一条更新，已处理的更新须留到那以后）"
                ),
            ));
        }
        if self.invite_days > crate::conversation::invites::MAX_INVITE_DAYS {
            return Err(invalid(
                key("invite_days"),
                format!(
                    "邀请最长有效 {} 天",
                    crate::conversation::invites::MAX_INVITE_DAYS
                ),
            ));
        }
        if self.lag_yellow_points > self.lag_red_points || self.lag_red_points > 100 {
            return Err(invalid(
                key("lag_red_points"),
                "黄灯、红灯的落后点数应满足 lag_yellow_points ≤ lag_red_points ≤ 100".into(),
            ));
        }
        for (name, url) in [
            ("wecom_webhook", &self.wecom_webhook),
            ("dingtalk_webhook", &self.dingtalk_webhook),
            ("feishu_webhook", &self.feishu_webhook),
            ("json_webhook", &self.json_webhook),
        ] {
            if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
                // The query carries the robot's key: never echo it.
                let shown = url.split('?').next().unwrap_or_default();
                return Err(invalid(
                    key(name),
                    format!("“{shown}”不是网址，应以 http:// 或 https:// 开头（留空则不推送）"),
                ));
            }
        }
        for (name, url) in [
            ("dingtalk_api_url", &self.dingtalk_api_url),
            ("dingtalk_oapi_url", &self.dingtalk_oapi_url),
        ] {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(invalid(
                    key(name),
                    format!("“{url}”不是网址，应以 http:// 或 https:// 开头"),
                ));
            }
        }
        for kind in Kind::ALL {
            if let Err(e) = Plan::parse(self.schedule(kind)) {
                return Err(invalid(key(kind.code()), e.to_string()));
            }
        }
        Ok(())
    }

    /// The configured cron expression of a kind of schedule.
    pub fn schedule(&self, kind: Kind) -> &str {
        match kind {
            Kind::Reminder => &self.reminder,
            Kind::Nudge => &self.nudge,
            Kind::Escalation => &self.escalation,
            Kind::Bulletin => &self.bulletin,
        }
    }
}

fn read_table(path: &Path) -> Result<toml::Table, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::FileUnreadable {
        path: path.to_owned(),
        source,
    })?;
    let table: toml::Table =
        text.parse()
            .map_err(|e: toml::de::Error| ConfigError::FileSyntax {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
    if let Some(unknown) = table
        .keys()
        .find(|k| !KEYS.iter().any(|key| key.name == *k))
    {
        return Err(ConfigError::UnknownKey {
            key: unknown.clone(),
            path: path.to_owned(),
        });
    }
    Ok(table)
}

/// Deserializes the merged table; when that fails, finds the key whose value is wrong by
/// deserializing each key on its own, so the message can name it.
fn deserialize(table: toml::Table) -> Result<Settings, ConfigError> {
    table.clone().try_into().map_err(|whole: toml::de::Error| {
        for key in KEYS {
            if let Some(value) = table.get(key.name) {
                let single = toml::Table::from_iter([(key.name.to_owned(), value.clone())]);
                if single.try_into::<Settings>().is_err() {
                    return invalid(key, format!("“{}”无效，应为{}", shown(value), key.expects));
                }
            }
        }
        invalid(&KEYS[0], whole.message().to_owned())
    })
}

/// A value as a person wrote it: a string without its quotes.
fn shown(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn key(name: &str) -> &'static Key {
    KEYS.iter()
        .find(|k| k.name == name)
        .expect("every validated setting is listed in KEYS")
}

fn invalid(key: &Key, reason: String) -> ConfigError {
    ConfigError::Invalid {
        key: key.name,
        env: key.env,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn file_with(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn an_empty_file_gives_the_defaults() {
        let file = file_with("");

        let settings = Settings::load_from(Some(file.path()), no_env).unwrap();

        assert_eq!(settings, Settings::default());
        assert_eq!(settings.database_url, "sqlite://data/duban.db");
        assert_eq!(
            settings.directory,
            PathBuf::from("seeds/yanzhou-units.toml")
        );
        assert_eq!(settings.log, "info");
    }

    #[test]
    fn the_file_sets_keys_and_the_environment_overrides_them() {
        let file = file_with("database_url = \"sqlite:/tmp/x.db\"\nlog = \"debug\"\n");
        let env = env_of(&[("DUBAN_LOG", "duban=trace"), ("DUBAN_DIRECTORY", "d.toml")]);

        let settings = Settings::load_from(Some(file.path()), env).unwrap();

        assert_eq!(settings.database_url, "sqlite:/tmp/x.db");
        assert_eq!(settings.log, "duban=trace");
        assert_eq!(settings.directory, PathBuf::from("d.toml"));
    }

    #[test]
    fn an_empty_environment_variable_counts_as_unset() {
        let file = file_with("log = \"warn\"\n");

        let settings = Settings::load_from(Some(file.path()), env_of(&[("DUBAN_LOG", "")]));

        assert_eq!(settings.unwrap().log, "warn");
    }

    #[test]
    fn postgres_urls_are_accepted() {
        for url in ["postgres://u@h/db", "postgresql://h/db"] {
            let env = env_of(&[("DUBAN_DATABASE_URL", url)]);

            let settings = Settings::load_from(Some(file_with("").path()), env).unwrap();

            assert_eq!(settings.database_url, url);
        }
    }

    #[test]
    fn a_bad_database_url_names_the_key_and_its_variable() {
        let env = env_of(&[("DUBAN_DATABASE_URL", "mysql://h/db")]);

        let err = Settings::load_from(Some(file_with("").path()), env).unwrap_err();

        let message = err.to_string();
        assert!(message.starts_with("配置项 database_url（环境变量 DUBAN_DATABASE_URL）无效："));
        assert!(message.contains("mysql://h/db"), "{message}");
        assert!(
            message.contains("应以 sqlite: 或 postgres:// 开头"),
            "{message}"
        );
    }

    #[test]
    fn an_unknown_key_names_the_key_and_the_file() {
        let file = file_with("database_url = \"sqlite:x.db\"\ntoken = \"secret\"\n");

        let err = Settings::load_from(Some(file.path()), no_env).unwrap_err();

        let message = err.to_string();
        assert!(matches!(err, ConfigError::UnknownKey { ref key, .. } if key == "token"));
        assert!(message.contains("未知的配置项 token"), "{message}");
        assert!(
            message.contains(&file.path().display().to_string()),
            "{message}"
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_names_the_key() {
        let file = file_with("log = \"info\"\ndirectory = 5\n");

        let err = Settings::load_from(Some(file.path()), no_env).unwrap_err();

        let message = err.to_string();
        assert!(message.starts_with("配置项 directory（环境变量 DUBAN_DIRECTORY）无效："));
    }

    #[test]
    fn a_bad_log_filter_names_the_key() {
        let env = env_of(&[("DUBAN_LOG", "duban=loud")]);

        let err = Settings::load_from(Some(file_with("").path()), env).unwrap_err();

        assert!(
            err.to_string()
                .starts_with("配置项 log（环境变量 DUBAN_LOG）无效："),
            "{err}"
        );
    }

    #[test]
    fn the_log_format_is_text_or_json() {
        let file = file_with("log_format = \"json\"\n");
        let settings = Settings::load_from(Some(file.path()), no_env).unwrap();
        assert_eq!(settings.log_format, LogFormat::Json);

        let env = env_of(&[("DUBAN_LOG_FORMAT", "xml")]);
        let err = Settings::load_from(Some(file.path()), env).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("配置项 log_format（环境变量 DUBAN_LOG_FORMAT）无效：“xml”无效"),
            "{err}"
        );
    }

    #[test]
    fn admins_come_as_a_list_of_ids() {
        let env = env_of(&[("DUBAN_ADMINS", "123, 456"), ("DUBAN_CYCLE", "weekly")]);

        let settings = Settings::load_from(Some(file_with("").path()), env).unwrap();

        assert_eq!(settings.admins, vec![123, 456]);
        assert_eq!(settings.cycle, Cycle::Weekly);
        let err = Settings::load_from(
            Some(file_with("").path()),
            env_of(&[("DUBAN_ADMINS", "12a")]),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("配置项 admins（环境变量 DUBAN_ADMINS）无效：“12a”不是整数"),
            "{err}"
        );
    }

    #[test]
    fn retention_is_half_a_year_unless_set_and_never_under_a_week() {
        assert_eq!(Settings::default().retention_days, 180);
        let set = Settings::load_from(None, env_of(&[("DUBAN_RETENTION_DAYS", "365")])).unwrap();
        assert_eq!(set.retention_days, 365);

        let err = Settings::load_from(None, env_of(&[("DUBAN_RETENTION_DAYS", "3")])).unwrap_err();

        let text = err.to_string();
        assert!(
            text.contains("retention_days") && text.contains("至少保留 7 天"),
            "{text}"
        );
    }

    #[test]
    fn bad_bot_settings_name_their_key() {
        for (var, value, key) in [
            (
                "DUBAN_TELEGRAM_API_URL",
                "api.telegram.org",
                "telegram_api_url",
            ),
            ("DUBAN_BOT_USERNAME", "@duban_bot", "bot_username"),
            ("DUBAN_CYCLE", "daily", "cycle"),
            ("DUBAN_EDIT_WINDOW_MINUTES", "0", "edit_window_minutes"),
        ] {
            let err = Settings::load_from(Some(file_with("").path()), env_of(&[(var, value)]))
                .unwrap_err();
            assert!(
                err.to_string()
                    .starts_with(&format!("配置项 {key}（环境变量 {var}）无效")),
                "{err}"
            );
        }
    }

    #[test]
    fn the_bot_token_is_not_a_setting() {
        let file = file_with("bot_token = \"123:abc\"\n");

        let err = Settings::load_from(Some(file.path()), no_env).unwrap_err();

        assert!(matches!(err, ConfigError::UnknownKey { ref key, .. } if key == "bot_token"));
    }

    #[test]
    fn a_missing_explicit_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.toml");

        let err = Settings::load_from(Some(&path), no_env).unwrap_err();

        assert!(matches!(err, ConfigError::FileMissing { .. }));
        assert!(err.to_string().contains("nope.toml"));
    }

    #[test]
    fn a_syntax_error_names_the_file() {
        let file = file_with("log = \n");

        let err = Settings::load_from(Some(file.path()), no_env).unwrap_err();

        assert!(matches!(err, ConfigError::FileSyntax { .. }));
        assert!(err.to_string().contains(&file.path().display().to_string()));
    }

    #[test]
    fn the_example_file_lists_every_key_commented_out_with_its_default() {
        let example = include_str!("../config/duban.example.toml");

        let defaults: String = example
            .lines()
            .filter_map(|line| line.strip_prefix("# "))
            .filter(|line| {
                KEYS.iter()
                    .any(|k| line.starts_with(&format!("{} = ", k.name)))
            })
            .map(|line| format!("{line}\n"))
            .collect();
        let settings: Settings = toml::from_str(&defaults).unwrap();

        assert_eq!(settings, Settings::default());
        for key in KEYS {
            assert!(
                defaults.contains(&format!("{} = ", key.name)),
                "{} missing",
                key.name
            );
            assert!(
                example.contains(&format!("Environment: {}", key.env)),
                "{}",
                key.env
            );
        }
    }
    /// `docs/configuration.md` has one table row per setting, `| `key` | `DUBAN_KEY` | …`, in
    /// the order of [`KEYS`], and no row for a key the code does not read.
    #[test]
    fn configuration_doc_lists_every_key() {
        let doc = include_str!("../docs/configuration.md");

        let rows: Vec<(&str, &str)> = doc
            .lines()
            .filter_map(|line| {
                let mut cells = line.strip_prefix("| `")?.split(" | ");
                let key = cells.next()?.strip_suffix('`')?;
                let env = cells.next()?.strip_prefix('`')?.strip_suffix('`')?;
                Some((key, env))
            })
            .collect();
        let expected: Vec<(&str, &str)> = KEYS.iter().map(|k| (k.name, k.env)).collect();

        assert_eq!(rows, expected);
    }
}
