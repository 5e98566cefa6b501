//! Group commit. Every reply must be stored before its receipt is sent, and SQLite has one
//! writer: a transaction per reply would queue the replies behind each other, each paying for
//! its own BEGIN, COMMIT and statements. Here a write joins a queue; whoever gets the turn
//! first waits for the database's write lock and only then takes everything queued so far, so
//! that the writes arriving while it waited go into the same transaction (one statement per
//! table) and each waiter gets its own result. Under load the batches grow by themselves; a
//! lone write is a batch of one.

use super::StoreError;
use tokio::sync::oneshot;

/// A queued write and where its result goes.
type Waiter<T, R> = (T, oneshot::Sender<Result<R, StoreError>>);

/// Writes of one kind waiting for their turn.
#[derive(Debug)]
pub(crate) struct GroupCommit<T, R> {
    waiting: std::sync::Mutex<Vec<Waiter<T, R>>>,
    turn: tokio::sync::Mutex<()>,
}

impl<T, R> Default for GroupCommit<T, R> {
    fn default() -> Self {
        GroupCommit {
            waiting: std::sync::Mutex::new(Vec::new()),
            turn: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T, R> GroupCommit<T, R> {
    /// Queues `item` and returns its result once a batch holding it is stored. `lock` takes
    /// the database's write lock (a transaction, say); `store` gets what `lock` gave and the
    /// batch, and returns one result per item, in order.
    pub(crate) async fn submit<L>(
        &self,
        item: T,
        lock: impl AsyncFnOnce() -> L,
        store: impl AsyncFnOnce(L, Vec<T>) -> Vec<Result<R, StoreError>>,
    ) -> Result<R, StoreError> {
        let (done, result) = oneshot::channel();
        self.waiting
            .lock()
            .expect("group commit lock")
            .push((item, done));
        {
            let _turn = self.turn.lock().await;
            if self.has_waiting() {
                let locked = lock().await;
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
