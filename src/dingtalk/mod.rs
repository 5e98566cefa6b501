//! DingTalk (钉钉) as an adapter of the conversation core: an enterprise internal app's robot
//! in Stream mode, which opens its connection itself (no public address, no inbound port) and
//! sends through DingTalk's OpenAPI. The protocol, with the source of every shape, is
//! docs/dingtalk-protocol.md.

pub mod adapter;
pub mod api;
pub mod events;
pub mod incoming;
pub mod outlet;
pub mod run;
pub mod stream;
