//! duban (督办): follows up the tasks of a government task-decomposition notice.
//!
//! Data flows one way: notice text → [`matrix`] (pure parsing) → [`store`] (SQL) → the CLI and the
//! conversation ([`conversation`], the use cases no chat platform owns, with Telegram as the
//! adapter in [`bot`]); the scheduler and the outbox sender ([`followup`]) on the same clock; the
//! bulletin ([`bulletin`]) from the stored reports; every word people read from [`wording`].

/// Benchmarks that `duban bench` prints (cargo feature `devtools`).
#[cfg(feature = "devtools")]
pub mod bench;
/// The Telegram adapter: the inbox listener (polling or webhook), updates in as events, replies
/// out through teloxide.
pub mod bot;
/// A local Telegram Bot API server on 127.0.0.1 that tests, the demo and the benchmarks run the
/// real teloxide client against; tests act as users through it (cargo feature `devtools`).
#[cfg(feature = "devtools")]
pub mod botapi;
/// The bulletin (督查通报): aggregation and renderers.
pub mod bulletin;
/// The one clock of the service, movable in tests and the demo.
pub mod clock;
/// Several instances on one database: leases for the scheduler, the poller and each chat.
pub mod cluster;
/// The CLI commands; `main.rs` only parses arguments and calls these.
pub mod commands;
/// Settings: `config/duban.toml`, then `DUBAN_*` environment variables.
pub mod config;
/// The conversation core: neutral events in, the `dptree` permission tree, the use cases,
/// neutral replies out.
pub mod conversation;
/// `duban demo`: the whole loop offline — simulated people, a month on a manual clock, the
/// bulletin files and a transcript of every chat (cargo feature `devtools`).
#[cfg(feature = "devtools")]
pub mod demo;
/// A local DingTalk server on 127.0.0.1 (Stream gateway and WebSocket, robot OpenAPI, media
/// upload) that tests run the DingTalk adapter against; tests act as people through it (cargo
/// feature `devtools`).
#[cfg(feature = "devtools")]
pub mod dingapi;
/// DingTalk (钉钉) as an adapter of the conversation core: the Stream connection, the
/// OpenAPI, events in and replies out.
pub mod dingtalk;
/// Scheduled follow-up: the scheduler, the outbox sender and its rate limiter.
pub mod followup;
/// The domain: notice parser, quantitative targets, unit directory — pure, no I/O.
pub mod matrix;
/// Progress of a task: status lights, reporting periods, figures read against targets — pure.
pub mod progress;
/// Why a request was refused, as data that [`wording`] puts into words.
pub mod refusal;
/// When things happen: the working-day calendar, the kinds of schedule, cron plans on working days.
pub mod schedule;
/// The whole service on one clock: chat loop, scheduler, outbox sender.
pub mod service;
/// All SQL: one portable schema on SQLite and PostgreSQL through sqlx's Any driver.
pub mod store;
/// What operators see: logs (text or JSON), metrics and health checks (`duban run --http`).
pub mod telemetry;
/// Terminal tables aligned for Chinese text.
pub mod text;
/// Every text people read, every button label and action code: below the use cases, the
/// follow-up and the bulletin.
pub mod wording;
