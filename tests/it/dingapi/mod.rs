//! The local DingTalk server, over real HTTP and WebSocket. `stream`: the gateway and its
//! tickets, pushed frames, ACKs and redelivery, pings and disconnects, group and quoted
//! messages. `sending`: tokens, batchSend, group sends, cards, media and 限流. The shapes
//! asserted are those of docs/dingtalk-protocol.md.

mod sending;
mod stream;

use duban::dingapi::{DingApiOptions, DingApiServer, DingUser};
use serde_json::{Value, json};

use crate::support::stream_client::WAIT;

async fn start(options: &DingApiOptions) -> DingApiServer {
    DingApiServer::start(options.clone())
        .await
        .expect("server starts")
}

fn zhang() -> DingUser {
    DingUser::new("manager1234", "张三")
}

/// A batchSend body with a sampleText, for the default options.
fn text(user_ids: &[&str], content: &str) -> (DingApiOptions, Value) {
    let options = DingApiOptions::default();
    let body = json!({
        "robotCode": options.robot_code, "userIds": user_ids, "msgKey": "sampleText",
        "msgParam": json!({ "content": content }).to_string(),
    });
    (options, body)
}

/// The client has opened `n` connections and the server has registered the last.
async fn connected(server: &DingApiServer, n: u64) {
    server
        .wait_for_connections(n, WAIT)
        .await
        .expect("connected");
}
