//! DingTalk as the core's [`Adapter`]: a push read back from the inbox, its event
//! ([`super::events`]), and the replies sent through the [`Outlet`]. And the outbox's
//! [`Transport`] for rows to DingTalk's people and groups (reminders, nudges, escalations,
//! bulletins), under the same sender, limiter and retry rules as Telegram's.
//!
//! What DingTalk lacks, and what stands in: a toast (the answer to a pressed button) — an alert
//! goes to the chat as a message, a mere notice is left out; a prompt that forces a reply —
//! the next text of the person answers a prompt that is the chat's last robot message (see
//! [`super::events`]); changing a sent message — only a card can change, so an edit reaches a
//! card and nothing else.

use super::events;
use super::incoming::Pushed;
use super::outlet::{NotSent, Outlet};
use crate::bulletin::render::{files_off_runtime, markdown};
use crate::conversation::inbox::Adapter;
use crate::conversation::{Ctx, Event, Fetched, Platform, Replies, Reply};
use crate::followup::sender::{Answer, Transport};
use crate::store::{OutFile, Outgoing};
use crate::wording::{Keyboard, texts};
use anyhow::Context as _;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// The DingTalk adapter.
pub struct DingTalk {
    pub outlet: Outlet,
}

impl Adapter for DingTalk {
    type Update = Pushed;
    const PLATFORM: Platform = Platform::DingTalk;

    fn read(&self, payload: &str) -> anyhow::Result<Pushed> {
        serde_json::from_str(payload).context("read a stored DingTalk push")
    }

    async fn event(&self, ctx: &Ctx, update: &Pushed) -> anyhow::Result<Option<Event>> {
        events::event(&ctx.store, update).await
    }

    async fn fetch(&self, _: &Ctx, source: &str, max: u64) -> anyhow::Result<Fetched> {
        let bytes = self
            .outlet
            .api
            .download(source, max)
            .await
            .context("download a file sent to the DingTalk robot")?;
        Ok(bytes.map_or_else(Fetched::TooLarge, Fetched::Bytes))
    }

    async fn deliver(
        &self,
        ctx: &Ctx,
        update: &Pushed,
        event: &Event,
        replies: Replies,
    ) -> anyhow::Result<()> {
        let chat = event.chat.id;
        let group = event.chat.is_group();
        for reply in replies {
            let sent = match reply {
                Reply::Say(say) => {
                    let _turn = ctx.followup.limiter.acquire(chat, group).await;
                    match self.outlet.say(chat, &say.text, say.buttons.as_ref()).await {
                        Ok(number) => {
                            if let Some(anchor) = &say.anchor {
                                ctx.store
                                    .remember_message(chat, number, anchor, ctx.clock.unix())
                                    .await?;
                            }
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
                Reply::Edit(text) => match update {
                    Pushed::Press(press) => self.outlet.edit(&press.out_track_id, &text).await,
                    Pushed::Message(_) => Ok(()),
                },
                Reply::Toast { text, alert: true } => {
                    let _turn = ctx.followup.limiter.acquire(chat, group).await;
                    self.outlet.say(chat, &text, None).await.map(|_| ())
                }
                Reply::Toast { alert: false, .. } => Ok(()),
                Reply::Bulletin(b) => self.bulletin(ctx, chat, group, &b).await,
                Reply::File { name, bytes } => {
                    let _turn = ctx.followup.limiter.acquire(chat, group).await;
                    self.outlet.file(chat, &name, bytes).await.map(|_| ())
                }
            };
            match sent {
                Ok(()) => {}
                // Nobody to deliver to: telling the platform again changes nothing.
                Err(e) if !e.retryable() => {
                    tracing::warn!(chat, error = %e, "a reply to a DingTalk message was not delivered")
                }
                Err(e) => return Err(e).context("send a reply on DingTalk"),
            }
        }
        Ok(())
    }
}

impl DingTalk {
    /// The bulletin as Markdown, then its Word and Excel files and the chart.
    async fn bulletin(
        &self,
        ctx: &Ctx,
        chat: i64,
        group: bool,
        b: &crate::bulletin::Bulletin,
    ) -> Result<(), NotSent> {
        for part in markdown::parts(&markdown::markdown(b)) {
            let _turn = ctx.followup.limiter.acquire(chat, group).await;
            self.outlet.markdown(chat, &b.title, &part).await?;
        }
        let name = texts::bulletin_file_name(b.number, &b.period);
        let files = files_off_runtime(b)
            .await
            .map_err(|e| NotSent::Rendering(format!("{e:#}")))?;
        for file in files {
            let _turn = ctx.followup.limiter.acquire(chat, group).await;
            let file_name = format!("{name}.{}", file.extension);
            self.outlet.file(chat, &file_name, file.bytes).await?;
        }
        Ok(())
    }
}

/// The outbox's way to DingTalk.
pub struct OutboxTransport {
    pub outlet: Outlet,
}

impl Transport for OutboxTransport {
    fn post<'a>(
        &'a self,
        row: &'a Outgoing,
        file: Option<&'a OutFile>,
    ) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>> {
        Box::pin(async move {
            let sent = match file {
                Some(file) => {
                    self.outlet
                        .file(row.chat_id, &file.name, file.bytes.clone())
                        .await
                }
                None => self.post_text(row).await,
            };
            match sent {
                Ok(number) => Answer::Sent(number),
                Err(NotSent::Api(e)) if e.retry_after().is_some() => {
                    Answer::RetryAfter(e.retry_after().unwrap_or(Duration::from_secs(1)))
                }
                Err(NotSent::FlowControlled(_)) => Answer::RetryAfter(Duration::from_secs(60)),
                Err(e) if e.retryable() => Answer::Transient(e.to_string()),
                Err(e) => Answer::Permanent(e.to_string()),
            }
        })
    }
}

impl OutboxTransport {
    /// A row's message: `text` with `buttons`, or a bulletin's `markdown` with its `title`.
    async fn post_text(&self, row: &Outgoing) -> Result<i32, NotSent> {
        let payload: serde_json::Value = serde_json::from_str(&row.payload)
            .map_err(|e| NotSent::Rendering(format!("the stored payload is unreadable: {e}")))?;
        if let Some(markdown) = payload["markdown"].as_str() {
            let title = payload["title"].as_str().unwrap_or_default();
            return self.outlet.markdown(row.chat_id, title, markdown).await;
        }
        let text = payload["text"].as_str().unwrap_or_default();
        let buttons: Option<Keyboard> = match payload.get("buttons") {
            Some(buttons) => Some(serde_json::from_value(buttons.clone()).map_err(|e| {
                NotSent::Rendering(format!("the stored buttons are unreadable: {e}"))
            })?),
            None => None,
        };
        self.outlet.say(row.chat_id, text, buttons.as_ref()).await
    }
}
