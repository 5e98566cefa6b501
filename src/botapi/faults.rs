//! Injected failures, Telegram's flood limits and users who blocked the bot, so the bot's retry
//! paths and the benchmarks' 429 counts can be exercised without the real service.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use super::state::ApiError;

/// What a faulted call answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 `Too Many Requests: retry after N` with `parameters.retry_after = N`; teloxide turns it
    /// into `RequestError::RetryAfter`.
    RetryAfter(u32),
    /// 500 `Internal Server Error`, Telegram-shaped. teloxide sleeps 10 s on any 5xx before it
    /// returns the error, so use this sparingly in tests.
    ServerError,
}

/// Which calls fail. Method names are matched case-insensitively; an empty list means every
/// method except `getUpdates`, whose failures would only slow the polling loop down.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultPlan {
    /// Method names the plan applies to (any case).
    pub methods: Vec<String>,
    /// Fail exactly the next N matching calls.
    pub next_calls: u32,
    /// Fail this share (0.0–1.0) of matching calls, chosen by a seeded generator so runs repeat.
    pub share: f64,
    /// Seed for `share`.
    pub seed: u64,
    /// What the failed calls answer.
    pub kind: FaultKind,
}

impl FaultPlan {
    /// Fail the next `n` matching calls.
    pub fn next(n: u32, kind: FaultKind) -> Self {
        Self {
            methods: Vec::new(),
            next_calls: n,
            share: 0.0,
            seed: 0,
            kind,
        }
    }

    /// Fail a deterministic share of matching calls.
    pub fn share(share: f64, seed: u64, kind: FaultKind) -> Self {
        Self {
            methods: Vec::new(),
            next_calls: 0,
            share,
            seed,
            kind,
        }
    }

    /// Restrict the plan to these methods.
    pub fn for_methods<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.methods = methods.into_iter().map(Into::into).collect();
        self
    }

    fn applies_to(&self, method: &str) -> bool {
        if self.methods.is_empty() {
            return !method.eq_ignore_ascii_case("getUpdates");
        }
        self.methods.iter().any(|m| m.eq_ignore_ascii_case(method))
    }
}

/// Telegram's flood limits (about 30 messages a second overall, 1 a second per chat). Exceeding
/// them answers 429 with `retry_after`, as Telegram does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Sends allowed per chat within one second; `None` for no limit.
    pub per_chat_per_second: Option<u32>,
    /// Sends allowed overall within one second; `None` for no limit.
    pub global_per_second: Option<u32>,
    /// The `retry_after` given in the 429 answer.
    pub retry_after: u32,
}

impl RateLimit {
    /// Telegram's documented limits.
    pub fn telegram() -> Self {
        Self {
            per_chat_per_second: Some(1),
            global_per_second: Some(30),
            retry_after: 1,
        }
    }
}

/// How many faults were served, by cause.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultStats {
    /// Injected 429 answers.
    pub injected_retry_after: u64,
    /// Injected 500 answers.
    pub injected_server_errors: u64,
    /// 429 answers from the rate limit.
    pub rate_limited: u64,
}

impl FaultStats {
    /// All faults served.
    pub fn total(&self) -> u64 {
        self.injected_retry_after + self.injected_server_errors + self.rate_limited
    }
}

/// Methods that send a message and so count against the flood limits.
const SENDING_METHODS: &[&str] = &["sendmessage", "senddocument", "sendphoto", "copymessage"];

#[derive(Debug, Default)]
pub(crate) struct Faults {
    plans: Vec<(FaultPlan, u64)>,
    rate_limit: Option<RateLimit>,
    global_window: VecDeque<Instant>,
    chat_windows: HashMap<i64, VecDeque<Instant>>,
    /// Chats whose user blocked the bot (or that the bot left): sending there answers 403.
    blocked: HashSet<i64>,
    pub(crate) stats: FaultStats,
}

impl Faults {
    pub(crate) fn add_plan(&mut self, plan: FaultPlan) {
        let rng = plan.seed ^ 0x9E37_79B9_7F4A_7C15;
        self.plans.push((plan, rng));
    }

    pub(crate) fn clear(&mut self) {
        self.plans.clear();
    }

    pub(crate) fn block(&mut self, chat: i64) {
        self.blocked.insert(chat);
    }

    pub(crate) fn set_rate_limit(&mut self, limit: Option<RateLimit>) {
        self.rate_limit = limit;
        self.global_window.clear();
        self.chat_windows.clear();
    }

    /// Decides whether this call fails; `lower` is the lower-cased method name and `chat` the
    /// target chat of a sending method.
    pub(crate) fn check(&mut self, lower: &str, chat: Option<i64>) -> Result<(), ApiError> {
        if let Some(kind) = self.injected(lower) {
            return Err(match kind {
                FaultKind::RetryAfter(n) => {
                    self.stats.injected_retry_after += 1;
                    ApiError::retry_after(n)
                }
                FaultKind::ServerError => {
                    self.stats.injected_server_errors += 1;
                    ApiError::new(500, "Internal Server Error")
                }
            });
        }
        if SENDING_METHODS.contains(&lower) {
            if chat.is_some_and(|c| self.blocked.contains(&c)) {
                return Err(ApiError::new(403, "Forbidden: bot was blocked by the user"));
            }
            self.rate_limited(chat)?;
        }
        Ok(())
    }

    fn injected(&mut self, lower: &str) -> Option<FaultKind> {
        for (plan, rng) in &mut self.plans {
            if !plan.applies_to(lower) {
                continue;
            }
            if plan.next_calls > 0 {
                plan.next_calls -= 1;
                return Some(plan.kind);
            }
            if plan.share > 0.0 && unit_random(rng) < plan.share {
                return Some(plan.kind);
            }
        }
        self.plans
            .retain(|(p, _)| p.next_calls > 0 || p.share > 0.0);
        None
    }

    fn rate_limited(&mut self, chat: Option<i64>) -> Result<(), ApiError> {
        let Some(limit) = self.rate_limit else {
            return Ok(());
        };
        let now = Instant::now();
        let second = Duration::from_secs(1);
        let expire = |w: &mut VecDeque<Instant>| {
            while w.front().is_some_and(|t| now.duration_since(*t) >= second) {
                w.pop_front();
            }
        };
        expire(&mut self.global_window);
        let over_global = limit
            .global_per_second
            .is_some_and(|n| self.global_window.len() >= n as usize);
        let chat_window = chat.map(|c| self.chat_windows.entry(c).or_default());
        let over_chat = match (chat_window, limit.per_chat_per_second) {
            (Some(w), Some(n)) => {
                expire(w);
                let over = w.len() >= n as usize;
                if !over && !over_global {
                    w.push_back(now);
                }
                over
            }
            _ => false,
        };
        if over_global || over_chat {
            self.stats.rate_limited += 1;
            return Err(ApiError::retry_after(limit.retry_after));
        }
        self.global_window.push_back(now);
        Ok(())
    }
}

/// splitmix64, mapped to [0, 1): deterministic without a dependency.
fn unit_random(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::{FaultKind, FaultPlan, Faults};

    fn pattern(seed: u64) -> Vec<bool> {
        let mut faults = Faults::default();
        faults.add_plan(FaultPlan::share(0.2, seed, FaultKind::RetryAfter(1)));
        (0..1000)
            .map(|_| faults.check("sendmessage", Some(1)).is_err())
            .collect()
    }

    #[test]
    fn a_share_plan_fails_about_that_share_and_repeats_with_the_same_seed() {
        let first = pattern(7);
        let failed = first.iter().filter(|f| **f).count();

        assert!((150..250).contains(&failed), "{failed}");
        assert_eq!(first, pattern(7));
        assert_ne!(first, pattern(8));
    }

    #[test]
    fn get_updates_is_spared_by_a_plan_without_methods() {
        let mut faults = Faults::default();
        faults.add_plan(FaultPlan::next(1, FaultKind::ServerError));

        assert!(faults.check("getupdates", None).is_ok());
        assert!(faults.check("sendmessage", Some(1)).is_err());
        assert_eq!(faults.stats.injected_server_errors, 1);
    }
}
