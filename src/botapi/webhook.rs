//! Webhook delivery, as Telegram does it: while a webhook is set, each pending update is
//! posted to it in order (with the secret token header when one was set), and kept and sent
//! again until the bot answers 2xx.

use super::state::Shared;
use std::sync::Arc;
use std::time::Duration;

/// How long to wait before posting an update again after a failed answer.
const RETRY: Duration = Duration::from_millis(200);

/// Runs for the server's lifetime.
pub(crate) async fn deliver(shared: Arc<Shared>) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a plain HTTP client");
    loop {
        let mut changes = shared.subscribe();
        let next = {
            let inner = shared.lock();
            if inner.webhook_url.is_empty() {
                None
            } else {
                inner.pending.first().map(|u| {
                    (
                        inner.webhook_url.clone(),
                        inner.webhook_secret.clone(),
                        u.id,
                        u.value.clone(),
                    )
                })
            }
        };
        let Some((url, secret, id, update)) = next else {
            let _ = tokio::time::timeout(Duration::from_millis(500), changes.changed()).await;
            continue;
        };
        let mut request = client.post(&url).json(&update);
        if !secret.is_empty() {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        let delivered = matches!(request.send().await, Ok(r) if r.status().is_success());
        {
            let mut inner = shared.lock();
            if delivered {
                inner.pending.retain(|u| u.id != id);
            } else {
                inner.webhook_failures += 1;
            }
        }
        shared.notify();
        if !delivered {
            tokio::time::sleep(RETRY).await;
        }
    }
}
