//! The DingTalk (钉钉) adapter: an enterprise internal app's robot, which sends through
//! DingTalk's OpenAPI. The protocol, with the source of every shape, is
//! docs/dingtalk-protocol.md.

pub mod api;
