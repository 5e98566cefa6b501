//! DingTalk (钉钉) as an adapter of the conversation core: an enterprise internal app's robot
//! in Stream mode (docs/dingtalk-protocol.md).

pub mod events;
pub mod incoming;
