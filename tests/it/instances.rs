//! Several instances on one database (issue 19): the leases that share the work, on both
//! backends; a second instance on one SQLite file refused; and two instances on one PostgreSQL
//! living through a March on the local Bot API server while one of them is killed and
//! restarted.

use crate::support::on_both_backends;
use duban::store::{Fence, OutMessage, StoreError};

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| (*n).to_owned()).collect()
}

fn message(key: &str) -> OutMessage {
    OutMessage {
        key: key.into(),
        chat_id: 1001,
        is_group: false,
        payload: serde_json::json!({ "text": key }),
        anchor_task: None,
        file: None,
    }
}

on_both_backends! {
    async fn a_lease_is_one_holders_until_it_expires_or_is_given_up(db) {
        let store = &db.store;
        let wanted = names(&["chat:2", "chat:1", "chat:1"]);
        assert_eq!(store.leases_take(&wanted, "a", 1_000, 16_000).await.unwrap(), names(&["chat:1", "chat:2"]));
        // b gets only what a does not hold.
        let wanted = names(&["chat:2", "chat:3"]);
        assert_eq!(store.leases_take(&wanted, "b", 2_000, 17_000).await.unwrap(), names(&["chat:3"]));
        // a renews what it holds; taking again what it holds is no conflict.
        assert_eq!(store.leases_renew("a", "chat:", 20_000).await.unwrap(), names(&["chat:1", "chat:2"]));
        assert!(store.lease_take("chat:1", "a", 3_000, 21_000).await.unwrap());
        // Once a's leases expire, b takes them; a's renewal no longer finds them.
        assert_eq!(
            store.leases_take(&names(&["chat:1", "chat:2"]), "b", 21_001, 36_000).await.unwrap(),
            names(&["chat:1", "chat:2"])
        );
        assert!(store.leases_renew("a", "", 40_000).await.unwrap().is_empty());
        let held = store.leases_held("chat:", 30_000).await.unwrap();
        // chat:3 expired at 17 s: only what b renewed or took since is held at 30 s.
        let expected = [("chat:1".to_owned(), "b".to_owned()), ("chat:2".to_owned(), "b".to_owned())];
        assert_eq!(held, expected);
        // Given up, they are free at once.
        assert_eq!(store.leases_release("b").await.unwrap(), 3);
        assert!(store.lease_take("chat:3", "a", 30_000, 45_000).await.unwrap());
    }

    async fn a_scheduler_that_lost_its_lease_commits_nothing(db) {
        let store = &db.store;
        assert!(store.lease_take("scheduler", "a", 0, 15_000).await.unwrap());
        let a = Fence { name: "scheduler".into(), holder: "a".into(), until_ms: 15_000 };
        assert_eq!(store.enqueue_scheduled(&[message("reminder:1")], 100, 100, Some(&a)).await.unwrap(), 1);
        // a stalls; its lease expires and b takes the scheduler over.
        assert!(!store.lease_take("scheduler", "b", 10_000, 25_000).await.unwrap());
        assert!(store.lease_take("scheduler", "b", 15_001, 30_000).await.unwrap());
        let late = store.enqueue_scheduled(&[message("reminder:2")], 200, 200, Some(&a)).await;
        assert!(matches!(late, Err(StoreError::LeaseLost(ref name)) if name == "scheduler"), "{late:?}");
        // Nothing of a's late tick: neither its rows nor its checkpoint.
        assert_eq!(store.scheduler_checked_at().await.unwrap(), Some(100));
        let keys: Vec<String> = store.outbox(None).await.unwrap().into_iter().map(|r| r.key).collect();
        assert_eq!(keys, ["reminder:1"]);
        let b = Fence { name: "scheduler".into(), holder: "b".into(), until_ms: 30_000 };
        assert_eq!(store.enqueue_scheduled(&[message("reminder:2")], 200, 200, Some(&b)).await.unwrap(), 1);
        assert_eq!(store.scheduler_checked_at().await.unwrap(), Some(200));
    }
}

mod two_instances {
    use crate::followup::{
        A, B1, B2, Cast, IDLE_SUP, LEADER_SUP, cast, count, expected, march, report,
    };
    use crate::support::TestDb;
    use crate::support::chat::{ADMIN, Chat, TICK, settings, text};
    use chrono::{DateTime, Duration as Span, Utc};
    use duban::bot::inbox::Mode;
    use duban::botapi::{BotApiOptions, BotApiServer, RateLimit, TestUser};
    use duban::clock::Clock;
    use duban::config::Settings;
    use duban::service::{self, Service};
    use duban::store::{OutMessage, ReportFilter, Store};
    use std::collections::BTreeSet;
    use std::time::{Duration, Instant};

    /// How long a step may take to settle: a takeover waits for the dead instance's leases to
    /// expire (15 s).
    const SETTLE: Duration = Duration::from_secs(60);

    /// The kill moments: a small xorshift generator, seeded from the time unless
    /// `DUBAN_TEST_SEED` replays a run (the seed is printed).
    struct Dice(u64);

    impl Dice {
        fn new() -> Dice {
            let seed = std::env::var("DUBAN_TEST_SEED")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| {
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .as_nanos() as u64
                        | 1
                });
            eprintln!("two instances: DUBAN_TEST_SEED={seed}");
            Dice(seed)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n.max(1)
        }
    }

    /// Telegram's caps, kept by duban and measured by the server.
    fn capped() -> Settings {
        Settings {
            send_per_second: 30,
            send_per_chat_per_second: 1,
            send_per_group_per_minute: 20,
            ..settings()
        }
    }

    /// Instance `a` is the harness's service; `b` a second service on a store of its own, on
    /// the same server and clock.
    struct Pair {
        url: String,
        a: Chat,
        b: Option<Service>,
        kills: usize,
        takeovers: Vec<Duration>,
    }

    impl Pair {
        async fn start_b(&mut self) {
            let store = Store::connect(&self.url).await.unwrap();
            let service = service::start(
                store,
                self.a.clock.clone(),
                &capped(),
                self.a.server.bot(),
                Mode::Polling,
                TICK,
            )
            .await
            .expect("instance b starts");
            self.b = Some(service);
        }

        fn holder(&self, a: bool) -> String {
            let service = if a { self.a.service() } else { self.b.as_ref() };
            service.unwrap().cluster().holder().to_owned()
        }

        async fn scheduler(&self) -> Option<String> {
            let now = Utc::now().timestamp_millis();
            let held = self.a.store.leases_held("scheduler", now).await.unwrap();
            held.into_iter().next().map(|(_, holder)| holder)
        }

        /// Kills one instance (the scheduler's holder when `scheduler`, else either) after up to
        /// `within` ms, starts it again after up to 1.5 s, and, if it held the scheduler, waits
        /// for the other to take over, measuring how long that took.
        async fn kill_one(&mut self, dice: &mut Dice, scheduler: bool, within: u64) {
            tokio::time::sleep(Duration::from_millis(dice.below(within))).await;
            let holder = self.scheduler().await;
            let a = match (&holder, scheduler) {
                (Some(h), true) => *h == self.holder(true),
                _ => dice.below(2) == 0,
            };
            let victim = self.holder(a);
            let killed = Instant::now();
            if a {
                self.a.kill();
            } else {
                self.b.take().unwrap().abort();
            }
            self.kills += 1;
            eprintln!("killed {victim} (scheduler: {holder:?})");
            tokio::time::sleep(Duration::from_millis(dice.below(1500))).await;
            if a {
                let store = Store::connect(&self.url).await.unwrap();
                self.a.restart(store, &capped()).await;
            } else {
                self.start_b().await;
            }
            if holder.as_deref() == Some(victim.as_str()) {
                loop {
                    if let Some(now) = self.scheduler().await
                        && now != victim
                    {
                        break;
                    }
                    assert!(killed.elapsed() < SETTLE, "nobody took the scheduler over");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                self.takeovers.push(killed.elapsed());
            }
        }

        /// Moves the clock to `at`, kills an instance on the way when `kill` says so, and
        /// waits until the scheduler has looked at `at` and the outbox is empty.
        async fn step(&mut self, at: DateTime<Utc>, kill: Option<(&mut Dice, bool)>) {
            self.a.clock.set(at);
            if let Some((dice, scheduler)) = kill {
                self.kill_one(dice, scheduler, 60).await;
            }
            let deadline = Instant::now() + SETTLE;
            loop {
                let checked = self.a.store.scheduler_checked_at().await.unwrap();
                let pending = self.a.store.outbox(Some("pending")).await.unwrap();
                if checked == Some(at.timestamp()) && pending.is_empty() {
                    return;
                }
                assert!(
                    Instant::now() < deadline,
                    "at {at}: scheduler at {checked:?}, {} messages pending",
                    pending.len()
                );
                tokio::time::sleep(TICK).await;
            }
        }

        /// Six-hour steps from `from` to `to`, killing an instance at the steps `kills` names
        /// (by index from 0; the first kill takes the scheduler's holder).
        async fn live(
            &mut self,
            dice: &mut Dice,
            from: DateTime<Utc>,
            to: DateTime<Utc>,
            kills: &[usize],
        ) {
            let mut at = from;
            let mut index = 0;
            while at < to {
                at = (at + Span::hours(6)).min(to);
                let kill = kills.contains(&index);
                let scheduler = self.kills == 0;
                self.step(at, kill.then_some((&mut *dice, scheduler))).await;
                index += 1;
            }
        }
    }

    /// What the server got of each scheduled kind in each chat, against what the outbox sent:
    /// (chat, kind, received, sent).
    async fn received_against_sent(pair: &Pair) -> Vec<(i64, &'static str, usize, usize)> {
        let rows = pair.a.store.outbox(Some("sent")).await.unwrap();
        let mut out = Vec::new();
        for chat in [A, B1, B2, LEADER_SUP, IDLE_SUP, ADMIN] {
            for (kind, prefix) in [
                ("reminder", "【督办提醒】"),
                ("nudge", "【催报】"),
                ("escalation", "【督促】"),
            ] {
                let sent = rows
                    .iter()
                    .filter(|r| r.chat_id == chat && r.key.starts_with(&format!("{kind}:")))
                    .count();
                out.push((chat, kind, count(&pair.a, chat, prefix), sent));
            }
            let files = pair
                .a
                .server
                .sent(chat)
                .iter()
                .filter(|m| m.document.is_some())
                .count();
            let file_rows = rows
                .iter()
                .filter(|r| r.chat_id == chat && r.key.starts_with("bulletin:"))
                .filter(|r| {
                    r.key.ends_with(":docx") || r.key.ends_with(":xlsx") || r.key.ends_with(":png")
                })
                .count();
            out.push((chat, "bulletin file", files, file_rows));
        }
        out
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_instances_share_a_fan_out_and_keep_the_caps_together() {
        let Some(db) = TestDb::postgres().await else {
            return;
        };
        let server = BotApiServer::start(BotApiOptions::default()).await.unwrap();
        server.set_rate_limit(Some(RateLimit::telegram()));
        let chats: Vec<i64> = (0..120).map(|i| 50_000 + i).collect();
        for chat in &chats {
            server.add_user(&TestUser::new(*chat, format!("联络员{chat}")));
        }
        let clock = Clock::manual(march(18, 9));
        let mut services = Vec::new();
        for _ in 0..2 {
            let store = Store::connect(&db.url).await.unwrap();
            let service = service::start(
                store,
                clock.clone(),
                &capped(),
                server.bot(),
                Mode::Polling,
                TICK,
            )
            .await
            .unwrap();
            services.push(service);
        }
        // Both have counted each other (and the second has waited for that).
        tokio::time::sleep(duban::cluster::SETTLE).await;
        let messages: Vec<OutMessage> = chats
            .iter()
            .map(|chat| OutMessage {
                chat_id: *chat,
                ..super::message(&format!("reminder:2022-03:{chat}"))
            })
            .collect();
        db.store.enqueue(&messages, clock.unix()).await.unwrap();
        let deadline = Instant::now() + SETTLE;
        while !db.store.outbox(Some("pending")).await.unwrap().is_empty() {
            assert!(Instant::now() < deadline, "the fan-out did not finish");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        // Each chat got its message once, never faster than Telegram allows the bot as a whole,
        // and both instances sent a part.
        for chat in &chats {
            assert_eq!(server.sent(*chat).len(), 1, "chat {chat}");
        }
        assert_eq!(server.fault_stats().rate_limited, 0);
        let now = Utc::now().timestamp_millis();
        let holders: BTreeSet<String> = db
            .store
            .leases_held("chat:", now)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, holder)| holder)
            .collect();
        assert_eq!(holders.len(), 2, "{holders:?}");
        for service in services {
            service.stop().await.unwrap();
        }
        // Stopped, they gave their leases up.
        assert!(db.store.leases_held("", now).await.unwrap().is_empty());
        server.shutdown().await;
        db.finish().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_instances_live_through_march_while_one_is_killed_and_restarted() {
        let Some(db) = TestDb::postgres().await else {
            return;
        };
        let mut dice = Dice::new();
        let clock = Clock::manual(march(1, 8));
        let store_a = Store::connect(&db.url).await.unwrap();
        let a = Chat::start_on(&store_a, capped(), None, Mode::Polling, clock).await;
        a.server.set_rate_limit(Some(RateLimit::telegram()));
        let mut pair = Pair {
            url: db.url.clone(),
            a,
            b: None,
            kills: 0,
            takeovers: Vec::new(),
        };
        pair.start_b().await;
        let cast: Cast = cast(&mut pair.a).await;

        // Up to four kills at random steps of the month, the first of the scheduler's holder;
        // one more while a report is on its way.
        let steps =
            |from: DateTime<Utc>, to: DateTime<Utc>| ((to - from).num_hours() as u64).div_ceil(6);
        let first_half = steps(march(1, 8), march(20, 14));
        let month = first_half + steps(march(20, 14), march(31, 20));
        let mut kills: Vec<u64> = (0..4).map(|_| dice.below(month)).collect();
        kills.sort_unstable();
        kills.dedup();
        let early: Vec<usize> = kills
            .iter()
            .filter(|&&k| k < first_half)
            .map(|&k| k as usize)
            .collect();
        let late: Vec<usize> = kills
            .iter()
            .filter(|&&k| k >= first_half)
            .map(|&k| (k - first_half) as usize)
            .collect();
        pair.live(&mut dice, march(1, 8), march(20, 14), &early)
            .await;
        assert_eq!(count(&pair.a, A, "【督办提醒】"), cast.a_tasks.len());
        report(&mut pair.a, &cast).await;

        // B's contact reports on a second task; an instance dies while it is handled.
        let second = cast.b_tasks[1].number;
        let before = pair.a.server.sent(B1).len();
        pair.a
            .server
            .send_text(&cast.b1, B1, &format!("/report {second} 已完成方案制定"));
        pair.kill_one(&mut dice, false, 40).await;
        let answers = pair
            .a
            .server
            .wait_for_sent(B1, before + 1, SETTLE)
            .await
            .unwrap();
        assert!(text(&answers[before]).contains("已记录"), "{answers:?}");

        pair.live(&mut dice, march(20, 14), march(31, 20), &late)
            .await;

        // Every scheduled message went out on its day, once in the outbox.
        assert_eq!(
            crate::followup::delivered(&pair.a.store).await,
            expected(&cast, &["03-23", "03-25"])
        );
        // The server got each: a kill between the platform's answer and the mark may send one
        // again (at least once, never lost); never more than one per kill.
        let mut again = 0;
        for (chat, kind, received, sent) in received_against_sent(&pair).await {
            assert!(
                received >= sent,
                "{chat} {kind}: {received} received, {sent} sent"
            );
            again += received - sent;
        }
        assert!(
            again <= pair.kills,
            "{again} sent twice after {} kills",
            pair.kills
        );
        eprintln!("{} kills, {again} messages sent twice", pair.kills);

        // Every report once.
        let reports = pair
            .a
            .store
            .reports(&ReportFilter::default())
            .await
            .unwrap();
        assert_eq!(reports.len(), cast.a_tasks.len() + 2, "{reports:#?}");
        let b_second = reports
            .iter()
            .filter(|r| r.unit_id == cast.b_unit && r.task_id == cast.b_tasks[1].id)
            .count();
        assert_eq!(b_second, 1);

        // The scheduler was taken over within 30 s; the caps held for the two together.
        assert!(!pair.takeovers.is_empty());
        for took in &pair.takeovers {
            assert!(
                *took <= Duration::from_secs(30),
                "taken over after {took:?}"
            );
        }
        eprintln!("takeovers: {:?}", pair.takeovers);
        assert_eq!(pair.a.server.fault_stats().rate_limited, 0);

        if let Some(b) = pair.b.take() {
            b.stop().await.unwrap();
        }
        pair.a.stop().await.shutdown().await;
        db.finish().await;
    }
}
