//! The integration tests: one crate, so the library is linked once. A module per area; the
//! helpers they share are in `support/`. Only the tests that run `duban` as a child process
//! live apart (`tests/cli.rs`, `tests/chat_process.rs`).

mod support;

mod architecture;

// The notice and its import.
mod deadline;
mod excel;
mod excel_round_trip;
mod import_errors;
mod import_variants;
mod parse_props;
mod seed_notice;
mod word;

// The store, on SQLite and PostgreSQL; two processes on one database.
mod aliases;
mod assign;
mod concurrent;
mod extensions;
mod instances;
mod items;
mod review;
mod review_chat;
mod store;
mod store_chat;
mod store_followup;

// The chat loop and the follow-up against the local Bot API server; the local DingTalk server
// and the DingTalk OpenAPI client, the Stream client and the whole loop on DingTalk against it.
mod botapi;
mod chat;
mod dingapi;
mod dingtalk_api;
mod dingtalk_chat;
mod dingtalk_stream;
mod evidence;
mod followup;
mod outbox_sender;

// Operations: /healthz and /metrics of `duban run --http`.
mod ops;

// The bulletin: aggregation, files, group robots.
mod bulletin;
mod bulletin_channels;
mod bulletin_files;
mod robot_deliveries;

// The offline demo of the whole loop.
mod demo;

// Operations: retention, backup and restore.
mod backup;
mod retention;
