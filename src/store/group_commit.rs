//! Group commit. Every reply must be stored before its receipt is sent, and SQLite has one
//! writer: a transaction per reply would queue the replies behind each other, each paying for
//! its own BEGIN, COMMIT and statements. Here a write joins a queue; whoever gets the turn
//! first waits for the database's write lock, then for the handlers still running to reach a
//! queue or end (see [`Activity`]), and only then takes everything queued so far: one
//! transaction (one statement per table) for every reply that was ready, and each waiter gets
//! its own result. A lone write is a batch of one and waits for nobody.

use super::StoreError;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, oneshot};

/// The longest a batch waits for busy handlers: a slow handler (a chart, an export) must not
/// hold the writes of the others back for long.
const LINGER: Duration = Duration::from_millis(2);

/// A queued write and where its result goes.
type Waiter<T, R> = (T, oneshot::Sender<Result<R, StoreError>>);

tokio::task_local! {
    /// Set in a task that [`Activity::busy`] counts.
    static COUNTED: Arc<Activity>;
}

/// How many handlers of updates are running and not waiting in a group commit: those that
/// may still bring a write to the batch about to be taken. Under load a leader waits for
/// them (at most [`LINGER`]), so that a batch holds the writes of every handler that was
/// under way instead of the two or three that happened to queue first.
#[derive(Debug, Default)]
pub struct Activity {
    busy: AtomicUsize,
    quiet: Notify,
}

impl Activity {
    /// Runs `work` counted as busy, except while it waits in a group commit.
    pub async fn busy<F: Future>(self: &Arc<Self>, work: F) -> F::Output {
        let _busy = Busy::enter(self.clone());
        COUNTED.scope(self.clone(), work).await
    }

    /// Waits until no counted handler is busy, or `linger` has passed.
    async fn quiet(&self, linger: Duration) {
        let deadline = tokio::time::Instant::now() + linger;
        loop {
            // Registered before the check, so that the last one leaving is not missed.
            let quiet = self.quiet.notified();
            if self.busy.load(Ordering::Acquire) == 0 {
                return;
            }
            if tokio::time::timeout_at(deadline, quiet).await.is_err() {
                return;
            }
        }
    }

    fn leave(&self) {
        if self.busy.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.quiet.notify_waiters();
        }
    }
}

/// One busy handler; leaves on drop (also when its future is dropped half-way).
struct Busy(Arc<Activity>);

impl Busy {
    fn enter(activity: Arc<Activity>) -> Busy {
        activity.busy.fetch_add(1, Ordering::AcqRel);
        Busy(activity)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.leave();
    }
}

/// A counted handler waiting in a queue: not busy until it has its result.
struct Waiting(Option<Arc<Activity>>);

impl Waiting {
    fn start() -> Waiting {
        let activity = COUNTED.try_with(Arc::clone).ok();
        if let Some(activity) = &activity {
            activity.leave();
        }
        Waiting(activity)
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Some(activity) = &self.0 {
            activity.busy.fetch_add(1, Ordering::AcqRel);
        }
    }
}

/// Writes of one kind waiting for their turn.
#[derive(Debug)]
pub(crate) struct GroupCommit<T, R> {
    waiting: std::sync::Mutex<Vec<Waiter<T, R>>>,
    turn: tokio::sync::Mutex<()>,
    activity: Arc<Activity>,
    linger: Duration,
}

impl<T, R> GroupCommit<T, R> {
    pub(crate) fn new(activity: Arc<Activity>) -> Self {
        Self::lingering(activity, LINGER)
    }

    fn lingering(activity: Arc<Activity>, linger: Duration) -> Self {
        GroupCommit {
            waiting: std::sync::Mutex::new(Vec::new()),
            turn: tokio::sync::Mutex::new(()),
            activity,
            linger,
        }
    }

    /// Queues `item` and returns its result once a batch holding it is stored. `lock` takes
    /// the database's write lock (a transaction, say); `store` gets what `lock` gave and the
    /// batch, and returns one result per item, in order.
    pub(crate) async fn submit<L>(
        &self,
        item: T,
        lock: impl AsyncFnOnce() -> L,
        store: impl AsyncFnOnce(L, Vec<T>) -> Vec<Result<R, StoreError>>,
    ) -> Result<R, StoreError> {
        let _waiting = Waiting::start();
        let (done, result) = oneshot::channel();
        self.waiting
            .lock()
            .expect("group commit lock")
            .push((item, done));
        {
            let _turn = self.turn.lock().await;
            if self.has_waiting() {
                let locked = lock().await;
                self.activity.quiet(self.linger).await;
                let batch = std::mem::take(&mut *self.waiting.lock().expect("group commit lock"));
                // Not empty: only holders of the turn take, and ours was there when we got it.
                let (items, waiters): (Vec<T>, Vec<_>) = batch.into_iter().unzip();
                let results = store(locked, items).await;
                debug_assert_eq!(results.len(), waiters.len());
                for (waiter, result) in waiters.into_iter().zip(results) {
                    let _ = waiter.send(result);
                }
            }
        }
        // Ours was in this batch or in one that an earlier turn stored; if that turn was
        // dropped half-way (shutdown), the caller fails and its update is handled again.
        result.await.map_err(|_| StoreError::Interrupted)?
    }

    fn has_waiting(&self) -> bool {
        !self.waiting.lock().expect("group commit lock").is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sizes of the batches a queue stored, in order.
    type Batches = Arc<std::sync::Mutex<Vec<usize>>>;

    async fn write(queue: &GroupCommit<u32, u32>, item: u32, batches: &Batches) -> u32 {
        queue
            .submit(
                item,
                async || (),
                async |(), items: Vec<u32>| {
                    batches.lock().unwrap().push(items.len());
                    items.into_iter().map(|i| Ok(i * 10)).collect()
                },
            )
            .await
            .unwrap()
    }

    fn busy_count(activity: &Activity) -> usize {
        activity.busy.load(Ordering::Acquire)
    }

    #[tokio::test]
    async fn a_lone_write_is_a_batch_of_one() {
        let activity = Arc::new(Activity::default());
        let queue = GroupCommit::new(activity.clone());
        let batches = Batches::default();

        let result = activity.busy(write(&queue, 7, &batches)).await;

        assert_eq!(result, 70);
        assert_eq!(*batches.lock().unwrap(), [1]);
        assert_eq!(busy_count(&activity), 0);
    }

    #[tokio::test]
    async fn a_batch_waits_for_the_handlers_under_way_and_holds_their_writes() {
        let activity = Arc::new(Activity::default());
        // Lingering long enough that only the handlers' progress decides the batch.
        let queue = Arc::new(GroupCommit::lingering(
            activity.clone(),
            Duration::from_secs(600),
        ));
        let batches = Batches::default();
        let mut handlers = tokio::task::JoinSet::new();
        for item in 0..5u32 {
            let (activity, queue, batches) = (activity.clone(), queue.clone(), batches.clone());
            handlers.spawn(async move {
                activity
                    .busy(async {
                        // Work before the write: the later handlers are under way and still
                        // busy when the first one takes the turn.
                        for _ in 0..=item {
                            tokio::task::yield_now().await;
                        }
                        write(&queue, item, &batches).await
                    })
                    .await
            });
        }
        let mut results: Vec<u32> = handlers.join_all().await;
        results.sort_unstable();

        assert_eq!(results, [0, 10, 20, 30, 40]);
        assert_eq!(*batches.lock().unwrap(), [5]);
        assert_eq!(busy_count(&activity), 0);
    }

    #[tokio::test]
    async fn a_handler_that_is_slow_to_write_does_not_hold_a_batch_back() {
        let activity = Arc::new(Activity::default());
        let queue = Arc::new(GroupCommit::new(activity.clone()));
        let batches = Batches::default();
        let (go, gate) = oneshot::channel::<()>();
        let slow = {
            let (activity, queue, batches) = (activity.clone(), queue.clone(), batches.clone());
            tokio::spawn(async move {
                activity
                    .busy(async {
                        // Busy until the test lets it go, after the other write is stored.
                        gate.await.unwrap();
                        write(&queue, 2, &batches).await
                    })
                    .await
            })
        };
        while busy_count(&activity) == 0 {
            tokio::task::yield_now().await;
        }

        // Without the linger's bound this would wait for the slow handler forever.
        let fast = tokio::time::timeout(
            Duration::from_secs(60),
            activity.busy(write(&queue, 1, &batches)),
        )
        .await
        .expect("the batch waited for the slow handler");

        assert_eq!(fast, 10);
        assert_eq!(*batches.lock().unwrap(), [1]);
        go.send(()).unwrap();
        assert_eq!(slow.await.unwrap(), 20);
        assert_eq!(*batches.lock().unwrap(), [1, 1]);
        assert_eq!(busy_count(&activity), 0);
    }

    #[tokio::test]
    async fn writes_from_outside_a_handler_leave_the_count_alone() {
        let activity = Arc::new(Activity::default());
        let queue = GroupCommit::new(activity.clone());
        let batches = Batches::default();

        assert_eq!(write(&queue, 3, &batches).await, 30);

        assert_eq!(busy_count(&activity), 0);
    }
}
