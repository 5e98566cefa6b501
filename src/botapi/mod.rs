//! A local Telegram Bot API server on 127.0.0.1 for end-to-end tests, the offline demo and the
//! benchmarks: the real teloxide client talks HTTP to it, tests act as users through
//! [`BotApiServer`]'s methods and read back what the bot sent. Nothing reaches the internet.

mod faults;
mod html;
mod json;
mod methods;
mod routes;
mod state;
mod users;
mod webhook;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use anyhow::Context;
use serde_json::json;
use tokio::task::JoinHandle;

pub use faults::{FaultKind, FaultPlan, FaultStats, RateLimit};
pub use json::TestUser;
pub use state::{ApiError, CallbackAnswer, SentDocument, SentMessage};

use faults::Faults;
use state::{Inner, Shared};

/// How the server presents the bot.
#[derive(Clone, Debug)]
pub struct BotApiOptions {
    /// The token the bot must use; other tokens get 401.
    pub token: String,
    /// The bot's user id.
    pub bot_id: i64,
    /// The bot's username, without `@`.
    pub bot_username: String,
    /// The bot's shown name.
    pub bot_first_name: String,
    /// Flood limits to enforce from the start.
    pub rate_limit: Option<RateLimit>,
}

impl Default for BotApiOptions {
    fn default() -> Self {
        Self {
            token: "123456:TEST-TOKEN".into(),
            bot_id: 123_456,
            bot_username: "duban_test_bot".into(),
            bot_first_name: "督办".into(),
            rate_limit: None,
        }
    }
}

/// A running server; dropping it stops it.
#[derive(Debug)]
pub struct BotApiServer {
    shared: Arc<Shared>,
    url: String,
    token: String,
    task: JoinHandle<()>,
}

impl BotApiServer {
    /// Binds 127.0.0.1 on a free port and serves until [`shutdown`](Self::shutdown) or drop.
    pub async fn start(options: BotApiOptions) -> anyhow::Result<Self> {
        let mut faults = Faults::default();
        faults.set_rate_limit(options.rate_limit);
        let inner = Inner {
            token: options.token.clone(),
            bot_id: options.bot_id,
            bot_first_name: options.bot_first_name,
            bot_username: options.bot_username,
            users: HashMap::new(),
            groups: HashMap::new(),
            next_update_id: 1,
            pending: Vec::new(),
            history: BTreeMap::new(),
            messages: HashMap::new(),
            last_message_id: HashMap::new(),
            sent: Vec::new(),
            callback_answers: Vec::new(),
            commands: json!([]),
            webhook_url: String::new(),
            webhook_secret: String::new(),
            webhook_failures: 0,
            calls: HashMap::new(),
            files: HashMap::new(),
            next_callback_id: 1,
            faults,
        };
        let shared = Arc::new(Shared::new(inner));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .context("failed to bind the local Bot API server on 127.0.0.1")?;
        let addr = listener
            .local_addr()
            .context("failed to read the bound address")?;
        let app = routes::router(shared.clone());
        let delivery = webhook::deliver(shared.clone());
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app);
            tokio::select! {
                result = serve => if let Err(e) = result {
                    tracing::error!(error = %e, "local Bot API server stopped");
                },
                () = delivery => {}
            }
        });
        Ok(Self {
            shared,
            url: format!("http://{addr}/"),
            token: options.token,
            task,
        })
    }

    /// The base URL for `Bot::set_api_url` (methods live under `<url>bot<token>/`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The token the server accepts.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// A teloxide client pointed at this server.
    pub fn bot(&self) -> teloxide::Bot {
        let url = self.url.parse().expect("the server's own URL parses");
        teloxide::Bot::new(&self.token).set_api_url(url)
    }

    /// Stops serving; in-flight long polls are cut off.
    pub async fn shutdown(mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}

impl Drop for BotApiServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
