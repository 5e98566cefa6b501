//! Nothing lost, nothing twice, on every platform. An adapter's listener stores what arrives
//! in the inbox (one transaction per batch; a redelivery, known by its key, is kept once) before
//! it tells its platform the update arrived, and hands the new ones to the [`Processor`] in
//! memory ([`Handoff`]). The processor works the inbox off through the conversation core, one
//! chat in order, chats in parallel: fresh updates as the listener hands them over, the rest —
//! retries, what an earlier run left — from a scan of the inbox once a second. A failing update
//! is retried with backoff a bounded number of times, then marked failed and reported to the
//! admins. Use cases are idempotent per update (its number in the inbox, [`InboxSeq`]), so an
//! update handled again after a crash changes nothing twice. What differs per platform — how a
//! stored payload reads back, what event it is, how replies go out — is the [`Adapter`].

use super::fetch::{Fetch, Fetched, Fetcher};
use super::{Ctx, Event, Handler, Platform, Replies, SharedCtx};
use crate::cluster::Cluster;
use crate::store::{InboxItem, InboxSeq, Incoming, OutMessage, Role, Seen, Store, UpdateKey};
use crate::telemetry::Metrics;
use crate::wording::texts;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tracing::Instrument as _;

/// How many due updates the processor takes from the inbox at a time.
const BATCH: i64 = 256;
/// How often the processor looks for due updates in the inbox (retries, and what an earlier
/// run left); fresh ones reach it from the listener at once.
const SCAN_EVERY: Duration = Duration::from_secs(1);
/// How often with other instances on the database: an update another instance stored for a
/// chat this one holds is found by a scan.
const SCAN_EVERY_SHARED: Duration = Duration::from_millis(250);
/// How many updates are handled at once, across chats: a bound on memory and on the tasks
/// competing with SQLite's one writer for the runtime.
const CONCURRENCY: usize = 64;
/// The longest wait before a failed update is tried again.
const MAX_BACKOFF_SECS: i64 = 300;

/// What a chat platform adds to the core: how its stored updates read back, what event each
/// is, and how replies go out.
pub trait Adapter: Send + Sync + 'static {
    /// An update as the platform sent it.
    type Update: Send + 'static;
    /// Whose rows of the inbox this adapter's processor works off.
    const PLATFORM: Platform;
    /// An update from its stored payload.
    fn read(&self, payload: &str) -> anyhow::Result<Self::Update>;
    /// The event an update carries, or None for kinds duban has nothing to do with. It may
    /// look things up (whose a platform's name is, which message a quote names): it runs when
    /// the update's turn comes, after every earlier update of its chat was handled.
    fn event(
        &self,
        ctx: &Ctx,
        update: &Self::Update,
    ) -> impl Future<Output = anyhow::Result<Option<Event>>> + Send;
    /// The bytes of a photo or a file the platform names by `source`, at most `max` of them.
    fn fetch(
        &self,
        ctx: &Ctx,
        source: &str,
        max: u64,
    ) -> impl Future<Output = anyhow::Result<Fetched>> + Send;
    /// Sends the replies to `event` in order.
    fn deliver(
        &self,
        ctx: &Ctx,
        update: &Self::Update,
        event: &Event,
        replies: Replies,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// An adapter's running tasks (its listener, its processor) and the switch that stops them.
pub struct Tasks {
    stop: watch::Sender<bool>,
    tasks: JoinSet<anyhow::Result<()>>,
}

impl Tasks {
    /// No tasks yet, and what each task will watch to know when to stop.
    pub fn new() -> (Tasks, watch::Receiver<bool>) {
        let (stop, stopped) = watch::channel(false);
        let tasks = Tasks {
            stop,
            tasks: JoinSet::new(),
        };
        (tasks, stopped)
    }

    pub fn spawn(&mut self, task: impl Future<Output = anyhow::Result<()>> + Send + 'static) {
        self.tasks.spawn(task);
    }

    /// Ends every task at once, whatever it was doing: a crash, for the tests.
    pub fn abort(self) {
        drop(self.tasks);
    }

    /// Tells every task to stop, lets each finish what it started, and returns the first
    /// error. Updates received but not yet handled stay in the inbox for the next start.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        let mut first_error = None;
        while let Some(joined) = self.tasks.join_next().await {
            let result = joined
                .map_err(|e| anyhow::anyhow!("a chat task panicked: {e}"))
                .and_then(|r| r);
            if let Err(e) = result
                && first_error.is_none()
            {
                first_error = Some(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// A new handoff and the receiving end the processor takes; `metrics` counts the updates
/// stored new.
pub fn handoff<U>(metrics: Metrics) -> (Handoff<U>, mpsc::UnboundedReceiver<Vec<Fresh<U>>>) {
    let (fresh, receiver) = mpsc::unbounded_channel();
    let handoff = Handoff {
        in_flight: Arc::default(),
        fresh,
        metrics,
    };
    (handoff, receiver)
}

impl<A: Adapter> Processor<A> {
    /// A processor for `adapter`'s updates, which the listener hands over through `handoff`.
    pub fn new(ctx: SharedCtx, adapter: A, handoff: &Handoff<A::Update>) -> Arc<Self> {
        Arc::new(Processor {
            ctx,
            adapter: Arc::new(adapter),
            handler: super::schema::schema(),
            in_flight: handoff.in_flight.clone(),
            finished: Mutex::new(Vec::new()),
            slots: tokio::sync::Semaphore::new(CONCURRENCY),
        })
    }
}

/// Aborts the process at a named point when `DUBAN_FAILPOINT` names it: how the tests kill
/// duban between receiving an update and storing its effect. Unset in production.
pub fn failpoint(name: &str) {
    static POINT: OnceLock<Option<String>> = OnceLock::new();
    let point = POINT.get_or_init(|| std::env::var("DUBAN_FAILPOINT").ok());
    if point.as_deref() == Some(name) {
        eprintln!("failpoint {name}: aborting");
        std::process::abort();
    }
}

/// Updates just stored, handed from the listener to the processor in memory, so that the
/// processor neither reads them back nor parses them again. Each is claimed (put in the
/// processor's `in_flight`) before its batch is stored: a scan of the inbox that finds it
/// stored meanwhile leaves it to the handoff, so it is handed out once.
pub struct Handoff<U> {
    /// Updates claimed by a listener or handed to a chat worker, and not yet seen finished.
    in_flight: Arc<Mutex<HashSet<UpdateKey>>>,
    fresh: mpsc::UnboundedSender<Vec<Fresh<U>>>,
    metrics: Metrics,
}

impl<U> Clone for Handoff<U> {
    fn clone(&self) -> Self {
        Handoff {
            in_flight: self.in_flight.clone(),
            fresh: self.fresh.clone(),
            metrics: self.metrics.clone(),
        }
    }
}

/// A stored update and the update itself.
pub struct Fresh<U> {
    item: InboxItem,
    update: U,
}

/// Updates a listener claimed; those not handed over are released when it drops (also when
/// the listener is cancelled half-way), for the scans of the inbox to find.
struct Claim<'a> {
    in_flight: &'a Mutex<HashSet<UpdateKey>>,
    ids: Vec<UpdateKey>,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let mut in_flight = self.in_flight.lock().expect("in-flight lock");
        for id in &self.ids {
            in_flight.remove(id);
        }
    }
}

impl<U> Handoff<U> {
    /// Stores `batch`, claiming its updates first. The result hands the new ones over, or,
    /// dropped, releases them. An update stored before (a redelivery) is not handed over: it
    /// is done, a worker has it, or a scan will find it.
    pub async fn store(
        &self,
        store: &Store,
        batch: &[Incoming],
        now: i64,
    ) -> Result<Stored<'_, U>, crate::store::StoreError> {
        let mut claim = Claim {
            in_flight: &self.in_flight,
            ids: Vec::with_capacity(batch.len()),
        };
        {
            let mut in_flight = self.in_flight.lock().expect("in-flight lock");
            claim.ids.extend(
                batch
                    .iter()
                    .map(Incoming::key)
                    .filter(|key| in_flight.insert(*key)),
            );
        }
        let new = store.inbox_put(batch, now).await?;
        if let Some(first) = batch.first() {
            self.metrics.updates_stored(first.platform, new.len());
        }
        Ok(Stored {
            handoff: self,
            claim,
            new,
            now,
        })
    }
}

/// A batch stored, its updates claimed.
pub struct Stored<'a, U> {
    handoff: &'a Handoff<U>,
    claim: Claim<'a>,
    /// The updates that were new, with their numbers in the inbox, sorted by key.
    new: Vec<(UpdateKey, i64)>,
    now: i64,
}

impl<U> Stored<'_, U> {
    /// Hands the new updates to the processor: `batch` as stored and `updates`, the same
    /// updates in the same order, moved (not copied). Returns how many were new.
    pub fn hand_over(mut self, batch: Vec<Incoming>, updates: Vec<U>) -> usize {
        let new = std::mem::take(&mut self.new);
        let seq_of = |key: &UpdateKey| {
            new.binary_search_by_key(key, |(k, _)| *k)
                .ok()
                .map(|i| new[i].1)
        };
        let fresh: Vec<Fresh<U>> = batch
            .into_iter()
            .zip(updates)
            .filter_map(|(incoming, update)| Some((seq_of(&incoming.key())?, incoming, update)))
            .map(|(seq, incoming, update)| Fresh {
                item: InboxItem {
                    seq,
                    platform: incoming.platform,
                    update_id: incoming.update_id,
                    update_date: incoming.update_date,
                    payload: incoming.payload,
                    chat_id: incoming.chat_id,
                    state: "pending".into(),
                    attempts: 0,
                    last_error: None,
                    received_at: self.now,
                },
                update,
            })
            .collect();
        // New ones were not in flight before, so all of them are in the claim; the rest of it
        // is released when `self` drops.
        self.claim.ids.retain(|key| seq_of(key).is_none());
        let handed = fresh.len();
        if handed > 0 && self.handoff.fresh.send(fresh).is_err() {
            // The processor has stopped: what was stored is handled on the next start.
            tracing::debug!("the processor has stopped; stored updates wait for the next start");
        }
        handed
    }
}

pub fn backoff(failures: u32) -> Duration {
    Duration::from_millis(250u64.saturating_mul(1 << failures.min(6)))
}

pub async fn sleep_or_stop(duration: Duration, stop: &mut watch::Receiver<bool>) {
    tokio::select! {
        _ = tokio::time::sleep(duration) => {}
        _ = stop.changed() => {}
    }
}

pub struct Processor<A: Adapter> {
    ctx: SharedCtx,
    adapter: Arc<A>,
    handler: Handler,
    /// Updates claimed by a listener (see [`Handoff`]) or handed to a chat worker, and not yet
    /// seen finished by the processor.
    in_flight: Arc<Mutex<HashSet<UpdateKey>>>,
    /// Updates the workers finished since the processor last looked, and whether they
    /// succeeded: the processor marks the successes done, many in one transaction.
    finished: Mutex<Vec<Finished>>,
    /// How many updates are handled at once, across chats.
    slots: tokio::sync::Semaphore,
}

/// An update a worker finished: its number in the inbox, its key, and whether it succeeded.
struct Finished {
    seq: i64,
    key: UpdateKey,
    ok: bool,
}

/// An update for a chat worker: from the inbox, the update itself when the listener handed
/// it over (else it is read from the payload), and the revisions it may assume.
type Work<U> = (InboxItem, Option<U>, Option<Seen>);

impl<A: Adapter> Processor<A> {
    /// Hands updates to chat workers: the fresh ones as the listener hands them over, and,
    /// once a second, everything due in the inbox — retries, and what an earlier run left —
    /// read in pages of [`BATCH`] until a short one.
    pub async fn run(
        self: Arc<Self>,
        mut fresh: mpsc::UnboundedReceiver<Vec<Fresh<A::Update>>>,
        mut stop: watch::Receiver<bool>,
    ) -> anyhow::Result<()> {
        let mut workers: HashMap<i64, mpsc::UnboundedSender<Work<A::Update>>> = HashMap::new();
        let mut running = JoinSet::new();
        let mut arrived: Vec<Fresh<A::Update>> = Vec::new();
        let mut listening = true;
        // Where the scan of the inbox goes on (above which number), while one is under way.
        let mut scan = Some(i64::MIN);
        let cluster = self.ctx.followup.cluster.clone();
        let scan_every = if cluster.is_solo() {
            SCAN_EVERY
        } else {
            SCAN_EVERY_SHARED
        };
        let mut next_scan = tokio::time::Instant::now() + scan_every;
        loop {
            // Finished updates leave `in_flight` once their done marks are committed (a failed
            // one has its next attempt recorded before it finishes): a read of the inbox from
            // here on does not show them pending until they are due again. (If the marks cannot
            // be written, they stay pending and are handled again: handlers are idempotent.)
            let finished = self.mark_finished().await;
            {
                let mut in_flight = self.in_flight.lock().expect("in-flight lock");
                for update in finished {
                    in_flight.remove(&update.key);
                }
            }
            let mut due: Vec<(InboxItem, Option<A::Update>)> = Vec::new();
            if let Some(after) = scan {
                match self
                    .ctx
                    .store
                    .inbox_due_after(Some(A::PLATFORM), self.ctx.clock.unix(), after, BATCH)
                    .await
                {
                    Ok(page) => {
                        let full = page.len() as i64 == BATCH;
                        scan = page.last().map(|item| item.seq).filter(|_| full);
                        // What a listener claimed is handed over by it, what a worker has is
                        // under way: the scan hands out the rest.
                        let mut in_flight = self.in_flight.lock().expect("in-flight lock");
                        due.extend(
                            page.into_iter()
                                .filter(|item| in_flight.insert(item.key()))
                                .map(|item| (item, None)),
                        );
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "could not read the inbox");
                        scan = None;
                    }
                }
            }
            // Fresh updates are newer than any a scan finds: they wait while a scan pages on, so
            // that each chat's updates are handed out in order.
            if scan.is_none() {
                due.extend(arrived.drain(..).map(|f| (f.item, Some(f.update))));
            }
            if !cluster.is_solo() && !due.is_empty() {
                due = self.mine(&cluster, due).await;
            }
            // Read after the updates were stored.
            let seen = if due.is_empty() {
                None
            } else {
                match self.ctx.store.seen().await {
                    Ok(seen) => Some(seen),
                    Err(e) => {
                        tracing::warn!(
                            error = %e,
                            "could not read the revisions; handling without the copies in memory"
                        );
                        None
                    }
                }
            };
            for (item, update) in due {
                let chat = chat_of(&item);
                let work = (item, update, seen);
                let work = match workers.get(&chat) {
                    Some(worker) => match worker.send(work) {
                        Ok(()) => continue,
                        Err(returned) => returned.0,
                    },
                    None => work,
                };
                let (sender, receiver) = mpsc::unbounded_channel();
                running.spawn(self.clone().work(receiver));
                sender.send(work).expect("a fresh worker is listening");
                workers.insert(chat, sender);
            }
            // Reap workers that ended (a panic in one must not go unnoticed).
            while let Some(ended) = running.try_join_next() {
                if let Err(e) = ended {
                    tracing::error!(error = %e, "a chat worker panicked");
                }
            }
            if scan.is_some() {
                continue;
            }
            tokio::select! {
                batch = fresh.recv(), if listening => match batch {
                    Some(batch) => arrived.extend(batch),
                    None => listening = false,
                },
                _ = tokio::time::sleep_until(next_scan) => {}
                _ = stop.changed() => break,
            }
            while let Ok(batch) = fresh.try_recv() {
                arrived.extend(batch);
            }
            if tokio::time::Instant::now() >= next_scan {
                scan = Some(i64::MIN);
                next_scan = tokio::time::Instant::now() + scan_every;
            }
        }
        // Let every worker finish what it was handed, mark it, then stop.
        drop(workers);
        while running.join_next().await.is_some() {}
        self.mark_finished().await;
        Ok(())
    }

    /// The updates of `due` whose chats this instance holds or takes now; the rest are left
    /// (released from `in_flight`) to the instances that hold their chats, whose scans find
    /// them. If the leases cannot be read, all are left, for the next scan.
    async fn mine(
        &self,
        cluster: &Cluster,
        due: Vec<(InboxItem, Option<A::Update>)>,
    ) -> Vec<(InboxItem, Option<A::Update>)> {
        let chats: HashSet<i64> = due.iter().map(|(item, _)| chat_of(item)).collect();
        let mine = match cluster.claim(&chats).await {
            Ok(mine) => mine,
            Err(e) => {
                tracing::warn!(error = %e, "could not take the chats' leases");
                HashSet::new()
            }
        };
        let (kept, left): (Vec<_>, Vec<_>) = due
            .into_iter()
            .partition(|(item, _)| mine.contains(&chat_of(item)));
        let mut in_flight = self.in_flight.lock().expect("in-flight lock");
        for (item, _) in &left {
            in_flight.remove(&item.key());
        }
        kept
    }

    /// Takes what the workers finished and marks the successes done, in one transaction.
    /// Returns every finished update, successes and failures.
    async fn mark_finished(&self) -> Vec<Finished> {
        let finished = std::mem::take(&mut *self.finished.lock().expect("finished lock"));
        let done: Vec<i64> = finished.iter().filter(|f| f.ok).map(|f| f.seq).collect();
        if let Err(e) = self
            .ctx
            .store
            .inbox_done(&done, self.ctx.clock.unix())
            .await
        {
            // They stay pending and are handled again: handlers are idempotent.
            tracing::error!(error = %e, "could not mark updates done");
        } else {
            self.ctx
                .followup
                .metrics
                .updates_handled(A::PLATFORM, done.len());
        }
        finished
    }

    async fn work(self: Arc<Self>, mut items: mpsc::UnboundedReceiver<Work<A::Update>>) {
        while let Some((item, update, seen)) = items.recv().await {
            let (seq, key) = (item.seq, item.key());
            let permit = self
                .slots
                .acquire()
                .await
                .expect("the slots are never closed");
            let ok = self.handle(item, update, seen).await;
            drop(permit);
            self.finished
                .lock()
                .expect("finished lock")
                .push(Finished { seq, key, ok });
        }
    }

    /// Runs one update through the schema; true when it succeeded (the processor then marks
    /// it done). A failure is recorded here, with the time of the next attempt.
    async fn handle(&self, item: InboxItem, update: Option<A::Update>, seen: Option<Seen>) -> bool {
        failpoint("before_handle");
        // Every line logged while handling the update carries it; the use cases record the
        // unit, task and period where they resolve them.
        let span = tracing::info_span!(
            "update",
            platform = A::PLATFORM.code(),
            update_id = item.update_id,
            chat = item.chat_id,
            unit = tracing::field::Empty,
            task = tracing::field::Empty,
            period = tracing::field::Empty,
        );
        let result = self
            .ctx
            .store
            .activity()
            .busy(self.dispatch(&item, update, seen))
            .instrument(span.clone())
            .await;
        failpoint("after_handle");
        let Err(e) = result else {
            span.in_scope(|| tracing::debug!("update handled"));
            return true;
        };
        let error = format!("{e:#}");
        span.in_scope(|| tracing::warn!(error, "handling an update failed"));
        let now = self.ctx.clock.unix();
        let retry_at = now + (1i64 << item.attempts.clamp(0, 8)).min(MAX_BACKOFF_SECS);
        let max = self.ctx.settings.inbox_attempts;
        match self
            .ctx
            .store
            .inbox_attempt_failed(item.seq, &error, retry_at, max)
            .await
        {
            Ok(true) => {
                self.ctx.followup.metrics.update_failed(A::PLATFORM);
                self.tell_admins(&item, &error).await
            }
            Ok(false) => {}
            Err(e) => {
                tracing::error!(update_id = item.update_id, error = %e, "could not record a failed attempt")
            }
        }
        false
    }

    async fn dispatch(
        &self,
        item: &InboxItem,
        update: Option<A::Update>,
        seen: Option<Seen>,
    ) -> anyhow::Result<()> {
        let update = match update {
            Some(update) => update,
            None => self.adapter.read(&item.payload)?,
        };
        let Some(event) = self.adapter.event(&self.ctx, &update).await? else {
            // Channel posts and the like: nothing for duban.
            return Ok(());
        };
        let seq = InboxSeq(item.seq);
        let fetcher = Fetcher(Arc::new(Via(self.adapter.clone())));
        let replies =
            super::handle(&self.ctx, &self.handler, event.clone(), seq, seen, fetcher).await?;
        self.adapter
            .deliver(&self.ctx, &update, &event, replies)
            .await
    }

    /// An update failed for good: every admin hears of it.
    async fn tell_admins(&self, item: &InboxItem, error: &str) {
        let mut admins: Vec<i64> = self.ctx.settings.admins.clone();
        match self.ctx.store.members(None).await {
            Ok(members) => admins.extend(
                members
                    .iter()
                    .filter(|m| m.role == Role::Admin)
                    .map(|m| m.user_id),
            ),
            Err(e) => tracing::error!(error = %e, "could not list the admins"),
        }
        admins.sort_unstable();
        admins.dedup();
        let text = texts::failed_for_admins(item.update_id, error);
        let messages: Vec<OutMessage> = admins
            .into_iter()
            .map(|admin| OutMessage {
                key: format!("inbox-failed:{}:{admin}", item.seq),
                chat_id: admin,
                is_group: false,
                payload: serde_json::json!({ "text": text }),
                anchor_task: None,
                file: None,
            })
            .collect();
        match self
            .ctx
            .store
            .enqueue(&messages, self.ctx.clock.unix())
            .await
        {
            Ok(_) => self.ctx.followup.outbox.notify_one(),
            Err(e) => {
                tracing::error!(error = %e, "could not tell the admins about a failed update")
            }
        }
    }
}

/// The chat whose updates an update is handled in order with (0 for those without a chat).
fn chat_of(item: &InboxItem) -> i64 {
    item.chat_id.unwrap_or(0)
}

/// An adapter's fetch, as the core's [`Fetch`].
struct Via<A>(Arc<A>);

impl<A: Adapter> Fetch for Via<A> {
    fn fetch<'a>(
        &'a self,
        ctx: &'a Ctx,
        source: &'a str,
        max: u64,
    ) -> std::pin::Pin<Box<dyn Future<Output = anyhow::Result<Fetched>> + Send + 'a>> {
        Box::pin(self.0.fetch(ctx, source, max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An update of the chat 1001; the processor's own tests need nothing but its key.
    fn update(id: u32) -> (Incoming, ()) {
        let incoming = Incoming {
            platform: Platform::Telegram,
            update_id: i64::from(id),
            update_date: 1_646_874_000,
            chat_id: Some(1001),
            payload: format!("{{\"update_id\":{id}}}"),
        };
        (incoming, ())
    }

    /// Stores the updates `ids` through `handoff` and hands over the new ones.
    async fn store_ids(
        handoff: &Handoff<()>,
        store: &Store,
        ids: &[u32],
    ) -> Result<usize, crate::store::StoreError> {
        let (incoming, updates): (Vec<Incoming>, Vec<()>) =
            ids.iter().map(|id| update(*id)).unzip();
        let stored = handoff.store(store, &incoming, 0).await?;
        Ok(stored.hand_over(incoming, updates))
    }

    fn handed(receiver: &mut mpsc::UnboundedReceiver<Vec<Fresh<()>>>) -> Vec<i64> {
        let mut ids = Vec::new();
        while let Ok(fresh) = receiver.try_recv() {
            ids.extend(fresh.iter().map(|f| f.item.update_id));
        }
        ids
    }

    fn in_flight(handoff: &Handoff<()>) -> Vec<i64> {
        let mut ids: Vec<i64> = handoff
            .in_flight
            .lock()
            .unwrap()
            .iter()
            .map(|k| k.id)
            .collect();
        ids.sort_unstable();
        ids
    }

    #[tokio::test]
    async fn only_new_updates_are_handed_over_and_the_rest_is_left_to_the_scans() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("duban.db").display());
        let store = Store::connect(&url).await.unwrap();
        let (sender, mut receiver) = mpsc::unbounded_channel();
        let handoff = Handoff {
            in_flight: Arc::default(),
            fresh: sender,
            metrics: Metrics::new(),
        };

        assert_eq!(store_ids(&handoff, &store, &[1, 2]).await.unwrap(), 2);
        assert_eq!(handed(&mut receiver), [1, 2]);
        assert_eq!(in_flight(&handoff), [1, 2]);

        // 2 again (Telegram redelivers what it was not told of) while a worker has it: only 3
        // is new.
        assert_eq!(store_ids(&handoff, &store, &[2, 3]).await.unwrap(), 1);
        assert_eq!(handed(&mut receiver), [3]);
        assert_eq!(in_flight(&handoff), [1, 2, 3]);

        // 1 again after it finished: stored before, so not handed over, and not left claimed
        // (a scan finds it if it is still pending).
        let key = UpdateKey {
            id: 1,
            date: 1_646_874_000,
        };
        handoff.in_flight.lock().unwrap().remove(&key);
        assert_eq!(store_ids(&handoff, &store, &[1]).await.unwrap(), 0);
        assert!(handed(&mut receiver).is_empty());
        assert_eq!(in_flight(&handoff), [2, 3]);

        // Stored, then dropped before it was handed over (a cancelled webhook request): the
        // claim is released, and a scan finds the update.
        let (incoming, _) = update(5);
        drop(handoff.store(&store, &[incoming], 0).await.unwrap());
        assert!(handed(&mut receiver).is_empty());
        assert_eq!(in_flight(&handoff), [2, 3]);
        assert_eq!(store.inbox_due(0, 10).await.unwrap().len(), 4);

        // A batch that cannot be stored is not claimed either.
        store.close().await;
        assert!(store_ids(&handoff, &store, &[4]).await.is_err());
        assert!(handed(&mut receiver).is_empty());
        assert_eq!(in_flight(&handoff), [2, 3]);
    }
}
