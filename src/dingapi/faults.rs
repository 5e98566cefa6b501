//! Injected failures and DingTalk's per-app QPS limit, so the adapter's retry paths can be
//! exercised: 限流 answered as DingTalk answers it, and 5xx.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use super::error::ApiError;

/// The server's HTTP APIs, for fault plans and call counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Api {
    /// `POST /v1.0/gateway/connections/open`
    GatewayOpen,
    /// `POST /v1.0/oauth2/accessToken`
    AccessToken,
    /// `POST /v1.0/robot/oToMessages/batchSend`
    BatchSend,
    /// `POST /v1.0/robot/groupMessages/send`
    GroupSend,
    /// `POST /v1.0/card/instances/createAndDeliver`
    CardCreateAndDeliver,
    /// `PUT /v1.0/card/instances`
    CardUpdate,
    /// `POST {oapi}/media/upload`
    MediaUpload,
    /// `POST /v1.0/robot/messageFiles/download`
    FileDownload,
}

impl Api {
    /// The APIs that send something to a chat: what a plan without APIs applies to.
    pub const SENDING: [Api; 5] = [
        Api::BatchSend,
        Api::GroupSend,
        Api::CardCreateAndDeliver,
        Api::CardUpdate,
        Api::MediaUpload,
    ];
}

/// What a faulted call answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// 403 `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`, DingTalk's per-app QPS limit
    /// (throttling doc, see docs/dingtalk-protocol.md §7); on oapi, `errcode 90018`.
    Throttled,
    /// 500 `{"code":"unknownError","message":"未知错误"}`; on oapi, `errcode -1 系统繁忙`.
    ServerError,
}

/// Which calls fail.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultPlan {
    /// The APIs the plan applies to; empty means [`Api::SENDING`].
    pub apis: Vec<Api>,
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
    /// Fail the next `n` sending calls.
    pub fn next(n: u32, kind: FaultKind) -> Self {
        Self {
            apis: Vec::new(),
            next_calls: n,
            share: 0.0,
            seed: 0,
            kind,
        }
    }

    /// Fail a deterministic share of sending calls.
    pub fn share(share: f64, seed: u64, kind: FaultKind) -> Self {
        Self {
            apis: Vec::new(),
            next_calls: 0,
            share,
            seed,
            kind,
        }
    }

    /// Restrict the plan to these APIs.
    pub fn for_apis(mut self, apis: impl IntoIterator<Item = Api>) -> Self {
        self.apis = apis.into_iter().collect();
        self
    }

    fn applies_to(&self, api: Api) -> bool {
        if self.apis.is_empty() {
            Api::SENDING.contains(&api)
        } else {
            self.apis.contains(&api)
        }
    }
}

/// How many faults were served, by cause.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultStats {
    /// Injected 限流 answers.
    pub injected_throttled: u64,
    /// Injected 5xx answers.
    pub injected_server_errors: u64,
    /// 限流 answers from the QPS limit.
    pub qps_limited: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Faults {
    plans: Vec<(FaultPlan, u64)>,
    /// Calls allowed per API within one second (DingTalk: 20 for a standard organisation).
    qps_limit: Option<u32>,
    windows: HashMap<Api, VecDeque<Instant>>,
    /// Receivers DingTalk flow-controls: batchSend lists them in `flowControlledStaffIdList`.
    pub(crate) flow_controlled: HashSet<String>,
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

    pub(crate) fn set_qps_limit(&mut self, limit: Option<u32>) {
        self.qps_limit = limit;
        self.windows.clear();
    }

    /// Decides whether this call fails, as the API it was made to answers a failure.
    pub(crate) fn check(&mut self, api: Api) -> Result<(), FaultKind> {
        if let Some(kind) = self.injected(api) {
            match kind {
                FaultKind::Throttled => self.stats.injected_throttled += 1,
                FaultKind::ServerError => self.stats.injected_server_errors += 1,
            }
            return Err(kind);
        }
        if let Some(limit) = self.qps_limit {
            let now = Instant::now();
            let window = self.windows.entry(api).or_default();
            while window
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
            {
                window.pop_front();
            }
            if window.len() >= limit as usize {
                self.stats.qps_limited += 1;
                return Err(FaultKind::Throttled);
            }
            window.push_back(now);
        }
        Ok(())
    }

    fn injected(&mut self, api: Api) -> Option<FaultKind> {
        let mut hit = None;
        for (plan, rng) in &mut self.plans {
            if !plan.applies_to(api) {
                continue;
            }
            if plan.next_calls > 0 {
                plan.next_calls -= 1;
                hit = Some(plan.kind);
                break;
            }
            if plan.share > 0.0 && unit_random(rng) < plan.share {
                hit = Some(plan.kind);
                break;
            }
        }
        self.plans
            .retain(|(p, _)| p.next_calls > 0 || p.share > 0.0);
        hit
    }
}

impl FaultKind {
    /// The answer of a new-style API (`api.dingtalk.com`).
    pub(crate) fn api_error(self) -> ApiError {
        match self {
            FaultKind::Throttled => ApiError::new(
                403,
                "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
                "当前企业应用调用开放接口触发了QPS限流",
            ),
            FaultKind::ServerError => ApiError::new(500, "unknownError", "未知错误"),
        }
    }

    /// The answer of an old-style API (`oapi.dingtalk.com`, errors in a 200 body): 90018 is the
    /// old code of the per-app QPS limit (throttling doc), -1 "系统繁忙" the global table's.
    pub(crate) fn oapi_error(self) -> (i64, &'static str) {
        match self {
            FaultKind::Throttled => (90018, "当前企业应用调用接口触发了QPS限流"),
            FaultKind::ServerError => (-1, "系统繁忙"),
        }
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
    use super::{Api, FaultKind, FaultPlan, Faults};

    fn pattern(seed: u64) -> Vec<bool> {
        let mut faults = Faults::default();
        faults.add_plan(FaultPlan::share(0.2, seed, FaultKind::Throttled));
        (0..1000)
            .map(|_| faults.check(Api::BatchSend).is_err())
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
    fn a_plan_without_apis_spares_the_token_and_the_gateway() {
        let mut faults = Faults::default();
        faults.add_plan(FaultPlan::next(1, FaultKind::ServerError));

        assert!(faults.check(Api::AccessToken).is_ok());
        assert!(faults.check(Api::GatewayOpen).is_ok());
        assert_eq!(faults.check(Api::GroupSend), Err(FaultKind::ServerError));
        assert!(faults.check(Api::GroupSend).is_ok());
    }

    #[test]
    fn the_qps_limit_counts_each_api_apart() {
        let mut faults = Faults::default();
        faults.set_qps_limit(Some(2));

        assert!(faults.check(Api::BatchSend).is_ok());
        assert!(faults.check(Api::BatchSend).is_ok());
        assert_eq!(faults.check(Api::BatchSend), Err(FaultKind::Throttled));
        assert!(faults.check(Api::GroupSend).is_ok());
        assert_eq!(faults.stats.qps_limited, 1);
    }
}
