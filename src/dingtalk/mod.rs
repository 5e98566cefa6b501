//! The DingTalk adapter: an enterprise internal app's robot in Stream mode
//! (docs/dingtalk-protocol.md). [`stream`] receives what people send over a WebSocket the
//! service opens itself, so no inbound port is needed.

pub mod stream;
