//! The test side, looking and steering: what the robot sent to each chat, the frames pushed
//! and ACKed, the connections; faults, token expiry, pings, disconnects and cut connections.

use std::time::Duration;

use anyhow::bail;

use super::DingApiServer;
use super::faults::{Api, FaultPlan, FaultStats};
use super::state::{AckedFrame, Chat, Inner, Pong, PushedFrame, SentBody, SentCard, SentMessage};

impl DingApiServer {
    /// What the robot sent to this person's single chat, oldest first, cards as they stand.
    pub fn sent_to_user(&self, staff_id: &str) -> Vec<SentMessage> {
        self.sent_in(&Chat::Single(staff_id.to_owned()))
    }

    /// What the robot sent to this group, oldest first, cards as they stand.
    pub fn sent_to_group(&self, open_conversation_id: &str) -> Vec<SentMessage> {
        self.sent_in(&Chat::Group(open_conversation_id.to_owned()))
    }

    fn sent_in(&self, chat: &Chat) -> Vec<SentMessage> {
        let inner = self.shared.lock();
        let mut sent = inner.chats.get(chat).cloned().unwrap_or_default();
        for message in &mut sent {
            if let SentBody::Card(card) = &mut message.body
                && let Some((_, now)) = inner.cards.get(&card.out_track_id)
            {
                *card = now.clone();
            }
        }
        sent
    }

    /// How many messages the robot sent, to all chats (cheaper than reading them all).
    pub fn sent_count(&self) -> usize {
        self.shared.lock().chats.values().map(Vec::len).sum()
    }

    /// How many ACKs arrived (cheaper than `acked().len()`).
    pub fn acked_count(&self) -> usize {
        self.shared.lock().acked.len()
    }

    /// A card as it stands now.
    pub fn card(&self, out_track_id: &str) -> Option<SentCard> {
        self.shared
            .lock()
            .cards
            .get(out_track_id)
            .map(|(_, c)| c.clone())
    }

    /// CALLBACK frames pushed and not ACKed yet, oldest first.
    pub fn unacked(&self) -> Vec<PushedFrame> {
        self.shared
            .lock()
            .pending
            .iter()
            .map(|f| f.view())
            .collect()
    }

    /// ACKs received, in order.
    pub fn acked(&self) -> Vec<AckedFrame> {
        self.shared.lock().acked.clone()
    }

    /// Frames dropped under `Delivery::FireAndForget` because no connection was open.
    pub fn missed(&self) -> Vec<PushedFrame> {
        self.shared.lock().missed.clone()
    }

    /// Answers to SYSTEM pings, in order.
    pub fn pongs(&self) -> Vec<Pong> {
        self.shared.lock().pongs.clone()
    }

    /// Connections opened since the start.
    pub fn connections_opened(&self) -> u64 {
        self.shared.lock().connections_opened
    }

    /// Connections open now.
    pub fn live_connections(&self) -> usize {
        self.shared.lock().connections.len()
    }

    /// Calls made to an API, answered or refused.
    pub fn calls(&self, api: Api) -> u64 {
        self.shared.lock().calls.get(&api).copied().unwrap_or(0)
    }

    /// Faults served so far.
    pub fn fault_stats(&self) -> FaultStats {
        self.shared.lock().faults.stats
    }

    /// Adds a fault plan.
    pub fn add_fault(&self, plan: FaultPlan) {
        self.shared.with(|i| i.faults.add_plan(plan));
    }

    /// Removes every fault plan.
    pub fn clear_faults(&self) {
        self.shared.with(|i| i.faults.clear());
    }

    /// Limits each API to `limit` calls a second, answered beyond it as DingTalk's per-app QPS
    /// limit (20 for a standard organisation); `None` lifts it.
    pub fn set_qps_limit(&self, limit: Option<u32>) {
        self.shared.with(|i| i.faults.set_qps_limit(limit));
    }

    /// DingTalk flow-controls this receiver: batchSend lists them in
    /// `flowControlledStaffIdList` and does not deliver.
    pub fn flow_control(&self, staff_id: &str) {
        self.shared
            .with(|i| i.faults.flow_controlled.insert(staff_id.to_owned()));
    }

    /// Every token issued so far stops working at once; calls with one are answered
    /// `400 InvalidAuthentication` until a new token is fetched.
    pub fn expire_tokens(&self) {
        self.shared.with(|i| i.tokens.clear());
    }

    /// The next frame pushed goes out half written and its connection is then dropped
    /// without a close handshake.
    pub fn cut_next_frame(&self) {
        self.shared.with(|i| i.cut_next = true);
    }

    /// Sends a SYSTEM `disconnect` on the newest connection and closes it `grace` later
    /// (DingTalk waits 10 s); no new frames go to it meanwhile. False when none is open.
    pub fn send_disconnect(&self, grace: Duration) -> bool {
        self.shared.with(|i| i.disconnect(grace))
    }

    /// Sends a SYSTEM ping on the newest connection; returns its (messageId, opaque).
    pub fn ping(&self) -> Option<(String, String)> {
        self.shared.with(Inner::ping)
    }

    /// Sends every unACKed frame again now, as DingTalk's retry after a timeout would;
    /// returns how many went out.
    pub fn redeliver_unacked(&self) -> usize {
        self.shared.with(|i| i.redeliver_stale(Duration::ZERO))
    }

    /// Waits until `n` ACKs have arrived in all.
    pub async fn wait_for_acks(
        &self,
        n: usize,
        timeout: Duration,
    ) -> anyhow::Result<Vec<AckedFrame>> {
        self.wait(timeout, &format!("{n} ACKs"), |i| i.acked.len() >= n)
            .await?;
        Ok(self.acked())
    }

    /// Waits until the robot has sent `n` messages to this person.
    pub async fn wait_for_sent_to_user(
        &self,
        staff_id: &str,
        n: usize,
        timeout: Duration,
    ) -> anyhow::Result<Vec<SentMessage>> {
        let chat = Chat::Single(staff_id.to_owned());
        let what = format!("{n} messages to {staff_id}");
        self.wait(timeout, &what, |i| {
            i.chats.get(&chat).is_some_and(|m| m.len() >= n)
        })
        .await?;
        Ok(self.sent_to_user(staff_id))
    }

    /// Waits until `n` connections have been opened in all.
    pub async fn wait_for_connections(&self, n: u64, timeout: Duration) -> anyhow::Result<()> {
        self.wait(timeout, &format!("{n} connections"), |i| {
            i.connections_opened >= n
        })
        .await
    }

    /// Waits until no connection is open.
    pub async fn wait_for_no_connection(&self, timeout: Duration) -> anyhow::Result<()> {
        self.wait(timeout, "no connection", |i| i.connections.is_empty())
            .await
    }

    /// Waits until `n` pongs have arrived.
    pub async fn wait_for_pongs(&self, n: usize, timeout: Duration) -> anyhow::Result<Vec<Pong>> {
        self.wait(timeout, &format!("{n} pongs"), |i| i.pongs.len() >= n)
            .await?;
        Ok(self.pongs())
    }

    async fn wait(
        &self,
        timeout: Duration,
        what: &str,
        done: impl Fn(&Inner) -> bool,
    ) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.shared.subscribe();
        loop {
            if done(&self.shared.lock()) {
                return Ok(());
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                bail!("the local DingTalk server did not see {what} within {timeout:?}");
            }
        }
    }
}
