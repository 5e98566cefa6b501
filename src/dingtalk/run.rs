//! Starting the DingTalk robot: the Stream connection, whose frames are stored in the inbox
//! before they are ACKed (the [`Inlet`]), and the core's processor with the DingTalk adapter.

use super::adapter::{DingTalk, OutboxTransport};
use super::api::{ApiConfig, DingTalkApi};
use super::events;
use super::incoming::{Pushed, TOPIC_CARD, TOPIC_MESSAGE};
use super::outlet::Outlet;
use super::stream::{self, Frame, Sink, StreamConfig, Timing};
use crate::clock::Clock;
use crate::config::Settings;
use crate::conversation::inbox::{Handoff, Processor, Tasks, failpoint, handoff};
use crate::conversation::{ChatSettings, Ctx};
use crate::followup::Followup;
use crate::store::{DingName, Platform, Store, StoreError};
use crate::telemetry::Metrics;
use anyhow::Context as _;
use std::sync::Arc;

/// The environment variable of the app's secret: never in a file, never logged.
pub const SECRET_VAR: &str = "DUBAN_DINGTALK_CLIENT_SECRET";

/// Where DingTalk is and who the app is.
#[derive(Clone, Debug)]
pub struct DingTalkConfig {
    pub api: ApiConfig,
    pub stream: StreamConfig,
    /// The card template for messages with buttons; None: buttons in words.
    pub card_template: Option<String>,
    /// userIds of the first admins.
    pub admins: Vec<String>,
}

impl DingTalkConfig {
    /// From the settings and the secret; None when DingTalk is not configured (no ClientID).
    pub fn new(settings: &Settings, secret: &str) -> Option<DingTalkConfig> {
        let client_id = settings.dingtalk_client_id.trim();
        if client_id.is_empty() {
            return None;
        }
        let robot_code = match settings.dingtalk_robot_code.trim() {
            "" => client_id,
            code => code,
        };
        let template = settings.dingtalk_card_template.trim();
        Some(DingTalkConfig {
            api: ApiConfig {
                api_url: settings.dingtalk_api_url.clone(),
                oapi_url: settings.dingtalk_oapi_url.clone(),
                client_id: client_id.to_owned(),
                client_secret: secret.to_owned(),
                robot_code: robot_code.to_owned(),
            },
            stream: StreamConfig {
                api_url: settings.dingtalk_api_url.clone(),
                client_id: client_id.to_owned(),
                client_secret: secret.to_owned(),
                // Card presses only where there are cards.
                topics: [TOPIC_MESSAGE]
                    .into_iter()
                    .chain((!template.is_empty()).then_some(TOPIC_CARD))
                    .map(str::to_owned)
                    .collect(),
                timing: Timing::default(),
            },
            card_template: (!template.is_empty()).then(|| template.to_owned()),
            admins: settings.dingtalk_admins.clone(),
        })
    }

    /// duban's numbers of the admins named in the settings.
    pub async fn admin_ids(&self, store: &Store) -> Result<Vec<i64>, StoreError> {
        let mut ids = Vec::with_capacity(self.admins.len());
        for staff in &self.admins {
            ids.push(store.dingtalk_id(&DingName::User(staff.clone())).await?);
        }
        Ok(ids)
    }

    pub fn outlet(&self, store: &Store, clock: &Clock) -> Outlet {
        Outlet {
            api: DingTalkApi::new(self.api.clone()),
            store: store.clone(),
            clock: clock.clone(),
            card_template: self.card_template.clone(),
        }
    }

    /// The outbox's way to DingTalk.
    pub fn transport(&self, store: &Store, clock: &Clock) -> OutboxTransport {
        OutboxTransport {
            outlet: self.outlet(store, clock),
        }
    }
}

/// The running robot: [`Tasks::stop`] closes the connection and lets the updates under way
/// finish; frames stored and not yet handled stay in the inbox for the next start.
pub type Running = Tasks;

/// Checks the credentials (a wrong ClientID or secret stops the start with DingTalk's answer),
/// then opens the Stream connection and starts the processor. Pushes left pending by an
/// earlier run are handled first.
pub async fn start(
    store: Store,
    clock: Clock,
    settings: ChatSettings,
    config: DingTalkConfig,
    followup: Followup,
) -> anyhow::Result<Running> {
    stream::check(&config.stream).await?;
    let outlet = config.outlet(&store, &clock);
    let ctx = Arc::new(Ctx {
        store: store.clone(),
        clock: clock.clone(),
        settings,
        username: String::new(),
        followup,
    });
    let (mut tasks, stopped) = Tasks::new();
    let metrics = ctx.followup.metrics.clone();
    let (handoff, fresh) = handoff(metrics.clone());
    let processor = Processor::new(ctx, DingTalk { outlet }, &handoff);
    tasks.spawn(processor.run(fresh, stopped.clone()));
    let inlet = Arc::new(Inlet {
        store,
        clock,
        handoff,
        metrics,
    });
    let connection = stream::spawn(config.stream, inlet, stopped);
    tasks.spawn(async move {
        connection
            .await
            .context("the DingTalk connection panicked")?
    });
    Ok(tasks)
}

/// Where the frames go: into the inbox, then to the processor; the ACK only after the commit.
struct Inlet {
    store: Store,
    clock: Clock,
    handoff: Handoff<Pushed>,
    /// Where the health check learns whether the Stream connection is open.
    metrics: Metrics,
}

impl Sink for Inlet {
    fn connection(&self, open: Result<(), String>) {
        match open {
            Ok(()) => self.metrics.link_up(Platform::DingTalk, None),
            Err(reason) => self.metrics.link_down(Platform::DingTalk, reason),
        }
    }

    async fn take(&self, frame: Frame) -> anyhow::Result<serde_json::Value> {
        let (pushed, id) = match Pushed::read(&frame.topic, &frame.data, &frame.message_id) {
            Ok(Some(read)) => read,
            Ok(None) => return Ok(serde_json::Value::Null),
            // Pushed again it would not read better: ACKed, so that it stops coming.
            Err(e) => {
                tracing::warn!(topic = frame.topic, error = %e, "a DingTalk frame duban cannot read");
                return Ok(serde_json::Value::Null);
            }
        };
        let (_, chat) = events::parties(&self.store, &pushed).await?;
        let incoming = pushed.incoming(&id, chat.id)?;
        let batch = vec![incoming];
        let stored = self
            .handoff
            .store(&self.store, &batch, self.clock.unix())
            .await?;
        stored.hand_over(batch, vec![pushed]);
        failpoint("after_store");
        Ok(serde_json::Value::Null)
    }
}
