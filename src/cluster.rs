//! Several instances of duban on one PostgreSQL database, for availability and load, with
//! nothing sent twice and nothing lost. They share the work through leases (rows of `leases`,
//! see [`crate::store`]), each held by one instance until a time on the wall clock and renewed
//! by it every [`RENEW_EVERY`]; an instance that dies leaves its leases to expire after
//! [`LEASE`], and the others take them then:
//!
//! - `scheduler`: the one instance that turns fire times into outbox rows. Its checkpoint
//!   commits only while the lease is still its own (a [`Fence`]), so a takeover plans nothing
//!   twice. A standby tries to take it every second: within `LEASE` + 1 s of the holder's death.
//! - `telegram-poll`: the one instance that polls Telegram (getUpdates allows one reader per
//!   token); in webhook mode every instance takes what the load balancer gives it.
//! - `chat:<id>`: the instance that handles a chat's updates and sends its messages. Updates of
//!   one chat are handled in order by one instance at a time, and the per-chat caps of the
//!   platforms hold for the service because one instance sends to a chat. Any instance stores
//!   an update it receives (idempotently); the chat's holder finds it at its next scan. A chat
//!   found held by another instance is not asked for again before the next renewal.
//! - `instance:<holder>`: each running instance. The overall send cap is shared among the live
//!   ones (see [`Limiter::set_share`]); one that joins holds its sends back for [`SETTLE`], until
//!   the others have seen it and taken their smaller shares.
//!
//! On SQLite there is one instance: it locks a file beside the database, a second one is
//! refused at start, and every lease is the one instance's without asking the database.

use crate::followup::sender::Limiter;
use crate::store::{Backend, Fence, Store, StoreError};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long a lease lasts without renewal: a dead instance's work is taken over after this.
pub const LEASE: Duration = Duration::from_secs(15);
/// How often an instance renews its leases and counts the instances alive.
pub const RENEW_EVERY: Duration = Duration::from_secs(2);
/// How often a standby tries to take the scheduler's or the poller's lease.
pub const TRY_EVERY: Duration = Duration::from_secs(1);
/// How long an instance that joins others holds its sends back: longer than the others take
/// to count it (one [`RENEW_EVERY`]), with room for a slow renewal.
pub const SETTLE: Duration = Duration::from_secs(5);

const SCHEDULER: &str = "scheduler";
const POLLER: &str = "telegram-poll";
const CHAT: &str = "chat:";
const INSTANCE: &str = "instance:";

/// This instance among the others on its database. Cheap to clone.
#[derive(Clone)]
pub struct Cluster(Arc<Inner>);

struct Inner {
    store: Store,
    /// Who this instance is in the `leases` table: host, process and a random tag.
    holder: String,
    /// SQLite: the only instance; nothing is asked of the database.
    solo: bool,
    limiter: Limiter,
    state: Mutex<Held>,
    /// The instances alive at the last renewal, this one included.
    alive: AtomicUsize,
    /// The lock file that keeps a second instance off a SQLite database.
    _lock: Option<std::fs::File>,
}

/// What this instance holds, as its last renewal or take found.
#[derive(Default)]
struct Held {
    chats: HashSet<i64>,
    /// Chats another instance held when this one last tried, and when to try again: a chat
    /// whose updates this instance keeps finding in the inbox is not asked for at every scan.
    elsewhere: HashMap<i64, Instant>,
    scheduler: bool,
    poller: bool,
    /// When the leases were last renewed: after a [`LEASE`] without renewal (the database
    /// away) nothing is held any more as far as this instance knows.
    renewed: Option<Instant>,
    /// A standby's next try at the scheduler's and the poller's lease.
    next_scheduler_try: Option<Instant>,
    next_poller_try: Option<Instant>,
}

impl Held {
    fn fresh(&self, now: Instant) -> bool {
        self.renewed
            .is_some_and(|at| now < at + LEASE - RENEW_EVERY)
    }
}

/// Whose turn the scheduler's is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Turn {
    /// The only instance (SQLite).
    Solo,
    /// This instance holds the lease; its checkpoint commits behind the fence.
    Held(Fence),
    /// Another instance schedules.
    Standby,
}

/// Why an instance may not start.
#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    #[error(
        "数据库 {} 正由另一个 duban 实例使用：同一个 SQLite 数据库文件只能由一个实例运行。要运行多个实例，请改用 PostgreSQL（配置项 database_url，见 docs/operations.md）",
        .0.display()
    )]
    SqliteInUse(PathBuf),
    #[error("无法在数据库旁建立实例锁文件 {}：{source}", path.display())]
    LockFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("无法在数据库中登记本实例：{0}")]
    Store(#[from] StoreError),
}

impl Cluster {
    /// Joins the instances on `store`'s database: on SQLite locks the database for this
    /// process (refusing if another holds it); on PostgreSQL registers this instance, takes
    /// its share of the send cap and holds its sends back for [`SETTLE`].
    pub async fn join(store: &Store, limiter: &Limiter) -> Result<Cluster, JoinError> {
        let holder = format!(
            "{}:{}:{}",
            host_name(),
            std::process::id(),
            &crate::conversation::invites::new_code()[..6]
        );
        let (solo, lock) = match store.backend() {
            Backend::Sqlite => (true, store.sqlite_file().map(lock_file).transpose()?),
            Backend::Postgres => (false, None),
        };
        let cluster = Cluster(Arc::new(Inner {
            store: store.clone(),
            holder,
            solo,
            limiter: limiter.clone(),
            state: Mutex::new(Held::default()),
            alive: AtomicUsize::new(1),
            _lock: lock,
        }));
        if !solo {
            let name = format!("{INSTANCE}{}", cluster.0.holder);
            let now = wall_ms();
            store
                .lease_take(&name, &cluster.0.holder, now, now + ms(LEASE))
                .await?;
            limiter.hold_all(Instant::now() + SETTLE);
            cluster.renew().await?;
            tracing::info!(
                holder = cluster.0.holder,
                "joined the instances on the database"
            );
        }
        Ok(cluster)
    }

    pub fn is_solo(&self) -> bool {
        self.0.solo
    }

    /// This instance's name in the `leases` table.
    pub fn holder(&self) -> &str {
        &self.0.holder
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        self.0.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Of `chats`, those this instance may work on now: those it holds, and those it could
    /// take. All of them when solo.
    pub async fn claim(&self, chats: &HashSet<i64>) -> Result<HashSet<i64>, StoreError> {
        let chats: Vec<i64> = chats.iter().copied().collect();
        self.claim_some(&chats, |unheld| unheld).await
    }

    /// Of `chats` (in the order they are due), those this instance may send to now: those it
    /// holds, and of the others its share — as many as the live instances divide them into,
    /// the first ones — so that a fan-out to many new chats is sent by all instances, each at
    /// its share of the overall cap. What it leaves, the others take (or itself, at its next
    /// look). All of them when solo.
    pub async fn claim_share(&self, chats: &[i64]) -> Result<HashSet<i64>, StoreError> {
        let alive = self.0.alive.load(Ordering::Relaxed).max(1);
        self.claim_some(chats, |unheld| unheld.div_ceil(alive))
            .await
    }

    /// Claims, of `chats`, every one held and as many of the others as `take` says, given how
    /// many there are.
    async fn claim_some(
        &self,
        chats: &[i64],
        take: impl FnOnce(usize) -> usize,
    ) -> Result<HashSet<i64>, StoreError> {
        if self.0.solo {
            return Ok(chats.iter().copied().collect());
        }
        let wanted: Vec<i64> = {
            let mut held = self.held();
            let now = Instant::now();
            let fresh = held.fresh(now);
            held.elsewhere.retain(|_, until| *until > now);
            let mut seen = HashSet::new();
            let unheld: Vec<i64> = chats
                .iter()
                .copied()
                .filter(|chat| !(fresh && held.chats.contains(chat)))
                .filter(|chat| !held.elsewhere.contains_key(chat) && seen.insert(*chat))
                .collect();
            let n = take(unheld.len());
            unheld.into_iter().take(n).collect()
        };
        if !wanted.is_empty() {
            let names: Vec<String> = wanted.iter().map(|chat| format!("{CHAT}{chat}")).collect();
            let now = wall_ms();
            let taken = self
                .0
                .store
                .leases_take(&names, &self.0.holder, now, now + ms(LEASE))
                .await?;
            let taken: HashSet<i64> = taken.iter().filter_map(|name| chat_of(name)).collect();
            let mut held = self.held();
            let again = Instant::now() + RENEW_EVERY;
            for chat in wanted {
                if taken.contains(&chat) {
                    held.chats.insert(chat);
                } else {
                    held.elsewhere.insert(chat, again);
                }
            }
        }
        let held = self.held();
        Ok(chats
            .iter()
            .copied()
            .filter(|chat| held.chats.contains(chat))
            .collect())
    }

    /// The scheduler's turn: whether this instance schedules now, taking the lease when it is
    /// free (at most every [`TRY_EVERY`]).
    pub async fn scheduler_turn(&self) -> Result<Turn, StoreError> {
        if self.0.solo {
            return Ok(Turn::Solo);
        }
        let held = self
            .take_turn(SCHEDULER, |h| (&mut h.scheduler, &mut h.next_scheduler_try))
            .await?;
        Ok(if held {
            Turn::Held(Fence {
                name: SCHEDULER.into(),
                holder: self.0.holder.clone(),
                until_ms: wall_ms() + ms(LEASE),
            })
        } else {
            Turn::Standby
        })
    }

    /// Whether this instance polls Telegram now, taking the lease when it is free.
    pub async fn poller_turn(&self) -> Result<bool, StoreError> {
        if self.0.solo {
            return Ok(true);
        }
        self.take_turn(POLLER, |h| (&mut h.poller, &mut h.next_poller_try))
            .await
    }

    /// Holds the lease `name` (as the last renewal found) or tries to take it, at most every
    /// [`TRY_EVERY`].
    async fn take_turn(
        &self,
        name: &str,
        slot: impl Fn(&mut Held) -> (&mut bool, &mut Option<Instant>),
    ) -> Result<bool, StoreError> {
        let now = Instant::now();
        {
            let mut held = self.held();
            let fresh = held.fresh(now);
            let (holds, next_try) = slot(&mut held);
            if *holds && fresh {
                return Ok(true);
            }
            if next_try.is_some_and(|at| now < at) {
                return Ok(false);
            }
            *next_try = Some(now + TRY_EVERY);
        }
        let wall = wall_ms();
        let taken = self
            .0
            .store
            .lease_take(name, &self.0.holder, wall, wall + ms(LEASE))
            .await?;
        let mut held = self.held();
        *slot(&mut held).0 = taken;
        if taken {
            tracing::info!(lease = name, holder = self.0.holder, "took the lease");
        }
        Ok(taken)
    }

    /// Renews every lease of this instance and counts the instances alive, for the share of
    /// the send cap.
    async fn renew(&self) -> Result<(), StoreError> {
        let started = Instant::now();
        let now = wall_ms();
        let names = self
            .0
            .store
            .leases_renew(&self.0.holder, "", now + ms(LEASE))
            .await?;
        let alive = self.0.store.leases_held(INSTANCE, now).await?.len();
        self.0.limiter.set_share(alive);
        self.0.alive.store(alive.max(1), Ordering::Relaxed);
        {
            let mut held = self.held();
            held.chats = names.iter().filter_map(|name| chat_of(name)).collect();
            held.scheduler = names.iter().any(|n| n == SCHEDULER);
            held.poller = names.iter().any(|n| n == POLLER);
            held.renewed = Some(started);
        }
        if !names.iter().any(|n| n.starts_with(INSTANCE)) {
            // Renewed too late: another instance may have counted this one gone. It is back.
            let name = format!("{INSTANCE}{}", self.0.holder);
            self.0
                .store
                .lease_take(&name, &self.0.holder, now, now + ms(LEASE))
                .await?;
        }
        Ok(())
    }

    /// Renews the leases every [`RENEW_EVERY`] until stopped; then, on a graceful stop, gives
    /// them all up so that the others take over at once. Aborting the task (a crash) leaves
    /// them to expire.
    pub fn keep(&self) -> Keeper {
        let (stop, mut stopped) = watch::channel(false);
        let cluster = self.clone();
        let task = tokio::spawn(async move {
            if cluster.0.solo {
                let _ = stopped.wait_for(|s| *s).await;
                return;
            }
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(RENEW_EVERY) => {}
                    _ = stopped.wait_for(|s| *s) => break,
                }
                if let Err(e) = cluster.renew().await {
                    tracing::warn!(error = %e, "could not renew the leases");
                }
            }
            match cluster.0.store.leases_release(&cluster.0.holder).await {
                Ok(n) => tracing::info!(leases = n, "left the instances on the database"),
                Err(e) => tracing::warn!(error = %e, "could not give the leases up"),
            }
        });
        Keeper { stop, task }
    }
}

/// The task that renews an instance's leases.
pub struct Keeper {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Keeper {
    /// Gives the leases up and ends.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// Ends at once, leaving the leases to expire: a crash, for the tests.
    pub fn abort(self) {
        self.task.abort();
    }
}

fn chat_of(name: &str) -> Option<i64> {
    name.strip_prefix(CHAT)?.parse().ok()
}

/// Locks `<database>.instance-lock` for this process, or says another instance has it. The
/// kernel releases the lock when the process ends, however it ends.
fn lock_file(database: &Path) -> Result<std::fs::File, JoinError> {
    let mut name = database.as_os_str().to_owned();
    name.push(".instance-lock");
    let path = PathBuf::from(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| JoinError::LockFile {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(JoinError::SqliteInUse(database.to_owned())),
        Err(std::fs::TryLockError::Error(source)) => Err(JoinError::LockFile { path, source }),
    }
}

fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "duban".into())
}

/// The wall clock in milliseconds: leases are about processes being alive, so they run on real
/// time, whatever the service's clock says.
fn wall_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("holder", &self.0.holder)
            .field("solo", &self.0.solo)
            .finish()
    }
}
