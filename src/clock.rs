//! The one clock of the service. The system clock in production; tests and the demo hold a
//! manual one and move it, so that withdrawal windows, invite expiry and reporting periods can be
//! tested without waiting.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use std::sync::{Arc, Mutex};

/// China Standard Time (UTC+8, no daylight saving): the office's time zone. Reporting periods
/// and due dates are days of this zone.
pub fn office_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

#[derive(Clone, Debug)]
pub struct Clock(Arc<Source>);

#[derive(Debug)]
enum Source {
    System,
    Manual(Mutex<DateTime<Utc>>),
    /// Starts at `origin` and runs `speed` times faster than real time (the demo, `duban run
    /// --clock-speed`).
    Scaled {
        origin: DateTime<Utc>,
        started: std::time::Instant,
        speed: f64,
    },
}

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(Source::System))
    }

    /// A clock that stands still at `at` until it is set or advanced.
    pub fn manual(at: DateTime<Utc>) -> Clock {
        Clock(Arc::new(Source::Manual(Mutex::new(at))))
    }

    /// A clock that starts at `origin` and runs `speed` times as fast as real time.
    pub fn scaled(origin: DateTime<Utc>, speed: f64) -> Clock {
        Clock(Arc::new(Source::Scaled {
            origin,
            started: std::time::Instant::now(),
            speed,
        }))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &*self.0 {
            Source::System => Utc::now(),
            Source::Manual(at) => *at.lock().expect("clock lock"),
            Source::Scaled {
                origin,
                started,
                speed,
            } => {
                let elapsed = started.elapsed().as_secs_f64() * speed;
                *origin + Duration::milliseconds((elapsed * 1000.0) as i64)
            }
        }
    }

    /// For a scaled clock, where it started and how fast it runs.
    pub fn simulation(&self) -> Option<(DateTime<Utc>, f64)> {
        match &*self.0 {
            Source::Scaled { origin, speed, .. } => Some((*origin, *speed)),
            _ => None,
        }
    }

    /// Seconds since the Unix epoch, as the database stores times.
    pub fn unix(&self) -> i64 {
        self.now().timestamp()
    }

    /// Today in the office's time zone.
    pub fn office_date(&self) -> NaiveDate {
        self.now().with_timezone(&office_offset()).date_naive()
    }

    /// Moves a manual clock; the system clock cannot be moved.
    pub fn set(&self, to: DateTime<Utc>) {
        match &*self.0 {
            Source::System | Source::Scaled { .. } => panic!("only a manual clock can be set"),
            Source::Manual(at) => *at.lock().expect("clock lock") = to,
        }
    }

    pub fn advance(&self, by: Duration) {
        self.set(self.now() + by);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_scaled_clock_starts_at_its_origin_and_runs_faster() {
        let start = Utc.with_ymd_and_hms(2022, 3, 1, 0, 0, 0).unwrap();
        let clock = Clock::scaled(start, 3600.0);
        let first = clock.now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let later = clock.now();
        assert!(first >= start && first < start + Duration::hours(1));
        // 20 ms of real time are at least 72 s at 3600×.
        assert!(later - first >= Duration::seconds(72), "{first} → {later}");
    }

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let start = Utc.with_ymd_and_hms(2022, 3, 31, 15, 59, 0).unwrap();
        let clock = Clock::manual(start);
        assert_eq!(clock.now(), start);
        // 23:59 in Beijing is still 31 March; a minute later it is 1 April.
        assert_eq!(
            clock.office_date(),
            NaiveDate::from_ymd_opt(2022, 3, 31).unwrap()
        );
        clock.advance(Duration::minutes(1));
        assert_eq!(
            clock.office_date(),
            NaiveDate::from_ymd_opt(2022, 4, 1).unwrap()
        );
        assert_eq!(clock.unix(), start.timestamp() + 60);
    }
}
