//! A bare DingTalk Stream client for the tests of the local DingTalk server: opens a connection
//! through the gateway as the SDKs do (docs/dingtalk-protocol.md §1), reads frames, ACKs them
//! and calls the OpenAPI with plain HTTP. Deliberately small: the adapter has the real one.

use std::time::Duration;

use anyhow::{Context, bail};
use duban::dingapi::{DingApiOptions, DingApiServer};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const WAIT: Duration = Duration::from_secs(10);

/// Every topic the adapter subscribes to.
pub fn all_topics() -> Vec<(&'static str, &'static str)> {
    vec![
        ("CALLBACK", "/v1.0/im/bot/messages/get"),
        ("CALLBACK", "/v1.0/card/instances/callback"),
    ]
}

/// What the gateway answered.
pub async fn open_connection(
    server: &DingApiServer,
    options: &DingApiOptions,
) -> anyhow::Result<Value> {
    let subscriptions: Vec<Value> = all_topics()
        .into_iter()
        .map(|(kind, topic)| json!({ "type": kind, "topic": topic }))
        .collect();
    let body = json!({
        "clientId": options.client_id, "clientSecret": options.client_secret,
        "subscriptions": subscriptions, "ua": "duban-test/0", "localIp": "127.0.0.1",
    });
    let answer = post_json(server, "v1.0/gateway/connections/open", None, &body).await?;
    if answer.0 != 200 {
        bail!("gateway answered {}: {}", answer.0, answer.1);
    }
    Ok(answer.1)
}

/// `POST` a JSON body, with the token header if given; returns status and body.
pub async fn post_json(
    server: &DingApiServer,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> anyhow::Result<(u16, Value)> {
    call(
        reqwest::Client::new().post(format!("{}{path}", server.url())),
        token,
        body,
    )
    .await
}

/// `PUT` a JSON body with the token header.
pub async fn put_json(
    server: &DingApiServer,
    path: &str,
    token: &str,
    body: &Value,
) -> anyhow::Result<(u16, Value)> {
    call(
        reqwest::Client::new().put(format!("{}{path}", server.url())),
        Some(token),
        body,
    )
    .await
}

async fn call(
    request: reqwest::RequestBuilder,
    token: Option<&str>,
    body: &Value,
) -> anyhow::Result<(u16, Value)> {
    let mut request = request.json(body);
    if let Some(token) = token {
        request = request.header("x-acs-dingtalk-access-token", token);
    }
    let response = request
        .send()
        .await
        .context("the request reaches the server")?;
    let status = response.status().as_u16();
    Ok((status, response.json().await.context("the answer is JSON")?))
}

/// A fresh access token.
pub async fn token(server: &DingApiServer, options: &DingApiOptions) -> anyhow::Result<String> {
    let body = json!({ "appKey": options.client_id, "appSecret": options.client_secret });
    let (status, answer) = post_json(server, "v1.0/oauth2/accessToken", None, &body).await?;
    if status != 200 {
        bail!("token endpoint answered {status}: {answer}");
    }
    Ok(answer["accessToken"]
        .as_str()
        .context("accessToken")?
        .to_owned())
}

/// One WebSocket connection.
pub struct StreamClient {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl StreamClient {
    /// Asks the gateway for a ticket and connects to `endpoint?ticket=…`.
    pub async fn connect(server: &DingApiServer, options: &DingApiOptions) -> anyhow::Result<Self> {
        let answer = open_connection(server, options).await?;
        let endpoint = answer["endpoint"].as_str().context("endpoint")?;
        let ticket = answer["ticket"].as_str().context("ticket")?;
        Self::connect_with_ticket(endpoint, ticket).await
    }

    pub async fn connect_with_ticket(endpoint: &str, ticket: &str) -> anyhow::Result<Self> {
        let (ws, _) =
            tokio_tungstenite::connect_async(format!("{endpoint}?ticket={ticket}")).await?;
        Ok(Self { ws })
    }

    /// The next text frame, as text.
    pub async fn next_text(&mut self) -> anyhow::Result<String> {
        loop {
            let message = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .context("no frame within the wait")?
                .context("the connection ended")??;
            match message {
                Message::Text(text) => return Ok(text.as_str().to_owned()),
                Message::Close(_) => bail!("the server closed the connection"),
                _ => {}
            }
        }
    }

    /// The next frame, parsed, with its `data` string parsed into `data_json`.
    pub async fn next_frame(&mut self) -> anyhow::Result<Value> {
        let text = self.next_text().await?;
        let mut frame: Value =
            serde_json::from_str(&text).with_context(|| format!("a frame: {text}"))?;
        let data: Value =
            serde_json::from_str(frame["data"].as_str().context("data is a string")?)?;
        frame["data_json"] = data;
        Ok(frame)
    }

    /// ACKs a frame the way the SDKs do: code 200, its messageId, `data` a JSON string.
    pub async fn ack(&mut self, frame: &Value, data: &Value) -> anyhow::Result<()> {
        let ack = json!({
            "code": 200,
            "headers": { "messageId": frame["headers"]["messageId"], "contentType": "application/json" },
            "message": "OK",
            "data": data.to_string(),
        });
        self.ws.send(Message::Text(ack.to_string().into())).await?;
        Ok(())
    }

    /// Answers a SYSTEM ping with its own data (developerpedia protocol.md §ping).
    pub async fn pong(&mut self, ping: &Value) -> anyhow::Result<()> {
        self.ack(ping, &ping["data_json"]).await
    }

    /// Reads until the server ends the connection; Ok(true) for a close handshake, Ok(false)
    /// for a dropped connection.
    pub async fn until_closed(&mut self) -> anyhow::Result<bool> {
        loop {
            match tokio::time::timeout(WAIT, self.ws.next())
                .await
                .context("still open")?
            {
                Some(Ok(Message::Close(_))) => return Ok(true),
                None | Some(Err(_)) => return Ok(false),
                Some(Ok(_)) => {}
            }
        }
    }

    pub async fn close(mut self) -> anyhow::Result<()> {
        self.ws.close(None).await?;
        while let Some(Ok(_)) = self.ws.next().await {}
        Ok(())
    }
}
