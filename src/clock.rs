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
}

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(Source::System))
    }

    /// A clock that stands still at `at` until it is set or advanced.
    pub fn manual(at: DateTime<Utc>) -> Clock {
        Clock(Arc::new(Source::Manual(Mutex::new(at))))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &*self.0 {
            Source::System => Utc::now(),
            Source::Manual(at) => *at.lock().expect("clock lock"),
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
            Source::System => panic!("the system clock cannot be set"),
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
