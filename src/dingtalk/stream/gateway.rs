//! Opening a connection (docs/dingtalk-protocol.md §1): a ticket from the gateway, then the
//! WebSocket it names.

use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::wire::{ErrorAnswer, OpenAnswer, OpenRequest, Subscription};
use super::{StreamConfig, StreamError};

/// The user agent sent to the gateway (`ua`, §1).
const USER_AGENT: &str = concat!("duban/", env!("CARGO_PKG_VERSION"));
/// How long the gateway call and the WebSocket handshake may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// A ticket, then the WebSocket `{endpoint}?ticket=…` (§1).
pub(super) async fn connect(
    client: &reqwest::Client,
    config: &StreamConfig,
) -> Result<WebSocketStream<MaybeTlsStream<TcpStream>>, StreamError> {
    let answer = open_ticket(client, config).await?;
    // URL-encoded as py-sdk does (`quote_plus`); go-sdk sends it raw, which works only while
    // tickets stay plain UUIDs.
    let url = reqwest::Url::parse_with_params(&answer.endpoint, [("ticket", &answer.ticket)])
        .map_err(|e| StreamError::Answer(format!("endpoint {}: {e}", answer.endpoint)))?;
    let unreachable = |cause: String| StreamError::Unreachable {
        url: answer.endpoint.clone(),
        cause,
    };
    match timeout(
        CONNECT_TIMEOUT,
        tokio_tungstenite::connect_async(url.as_str()),
    )
    .await
    {
        Ok(Ok((ws, _))) => Ok(ws),
        Ok(Err(e)) => Err(unreachable(e.to_string())),
        Err(_) => Err(unreachable(format!("{CONNECT_TIMEOUT:?} 内没有完成握手"))),
    }
}

/// `POST {api_url}/v1.0/gateway/connections/open` (§1).
pub(super) async fn open_ticket(
    client: &reqwest::Client,
    config: &StreamConfig,
) -> Result<OpenAnswer, StreamError> {
    let url = format!(
        "{}/v1.0/gateway/connections/open",
        config.api_url.trim_end_matches('/')
    );
    let request = OpenRequest {
        client_id: &config.client_id,
        client_secret: &config.client_secret,
        subscriptions: config
            .topics
            .iter()
            .map(|topic| Subscription {
                kind: "CALLBACK",
                topic,
            })
            .collect(),
        ua: USER_AGENT,
    };
    let unreachable = |e: reqwest::Error| StreamError::Unreachable {
        url: url.clone(),
        cause: causes(&e.without_url()),
    };
    let response = client
        .post(&url)
        .json(&request)
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(unreachable)?;
    if status != 200 {
        let ErrorAnswer { code, message } = serde_json::from_slice(&body).unwrap_or_default();
        return Err(
            if status == 401 || code.to_ascii_lowercase().contains("auth") {
                StreamError::Credentials {
                    status,
                    code,
                    message,
                }
            } else {
                StreamError::Gateway {
                    status,
                    code,
                    message,
                }
            },
        );
    }
    match serde_json::from_slice::<OpenAnswer>(&body) {
        Ok(answer) if !answer.endpoint.is_empty() && !answer.ticket.is_empty() => Ok(answer),
        _ => Err(StreamError::Answer("缺少 endpoint 或 ticket".to_owned())),
    }
}

pub(super) fn http_client(config: &StreamConfig) -> Result<reqwest::Client, StreamError> {
    reqwest::Client::builder()
        .timeout(CONNECT_TIMEOUT)
        .build()
        .map_err(|e| StreamError::Unreachable {
            url: config.api_url.clone(),
            cause: causes(&e),
        })
}

/// An error with its causes, `a: b: c`: reqwest's own message alone hides why.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
