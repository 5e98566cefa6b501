//! The one clock of the service. The system clock in production; tests and the demo hold a
//! manual one and move it, so that withdrawal windows, invite expiry and reporting periods can be
//! tested without waiting.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use std::sync::{Arc, Mutex, OnceLock};

/// The office's time zone, set once at start from the `time_zone` setting.
static OFFICE_OFFSET: OnceLock<FixedOffset> = OnceLock::new();

/// China Standard Time: UTC+8, no daylight saving since 1991.
pub const CHINA: &str = "Asia/Shanghai";

/// The office's time zone: reporting periods, due dates and schedules are in its days and
/// hours. Asia/Shanghai unless `set_office_offset` chose another at start.
pub fn office_offset() -> FixedOffset {
    *OFFICE_OFFSET.get_or_init(china)
}

/// How texts name the office's time: 北京时间 for China Standard Time, else the offset
/// (`UTC+05:00 时间`), so that an office elsewhere is not told its times are Beijing's.
pub fn zone_name() -> String {
    zone_name_of(office_offset())
}

fn zone_name_of(offset: FixedOffset) -> String {
    if offset == china() {
        "北京时间".into()
    } else {
        format!("UTC{offset} 时间")
    }
}

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Sets the office's time zone for the process; only the first call counts (the binary makes
/// it before anything reads the time). Returns false when another offset was already in use.
pub fn set_office_offset(offset: FixedOffset) -> bool {
    *OFFICE_OFFSET.get_or_init(|| offset) == offset
}

/// A `time_zone` setting: `Asia/Shanghai` (or another name of China Standard Time) or a fixed
/// offset such as `+08:00` or `UTC+8`. Zones with daylight saving are not supported: periods
/// and schedules need one offset all year.
pub fn parse_time_zone(text: &str) -> Result<FixedOffset, String> {
    let text = text.trim();
    if [
        "Asia/Shanghai",
        "Asia/Chongqing",
        "Asia/Harbin",
        "PRC",
        "CST",
        "Asia/Hong_Kong",
        "Asia/Macau",
        "Asia/Taipei",
    ]
    .iter()
    .any(|name| name.eq_ignore_ascii_case(text))
    {
        return Ok(china());
    }
    let offset = text.trim_start_matches("UTC").trim_start_matches("GMT");
    let (sign, rest) = match offset.chars().next() {
        Some('+') => (1, &offset[1..]),
        Some('-') => (-1, &offset[1..]),
        _ => {
            return Err(format!(
                "“{text}”不是支持的时区：请写 Asia/Shanghai，或固定时差如 +08:00（不支持夏令时）"
            ));
        }
    };
    let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
    let seconds = hours
        .parse::<i32>()
        .ok()
        .zip(minutes.parse::<i32>().ok())
        .filter(|(h, m)| (0..=14).contains(h) && (0..60).contains(m))
        .map(|(h, m)| sign * (h * 3600 + m * 60));
    seconds
        .and_then(FixedOffset::east_opt)
        .ok_or_else(|| format!("“{text}”不是有效的时差，例如 +08:00"))
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
    fn time_zones_are_china_by_name_or_a_fixed_offset() {
        let east8 = FixedOffset::east_opt(8 * 3600).unwrap();
        assert_eq!(parse_time_zone("Asia/Shanghai"), Ok(east8));
        assert_eq!(parse_time_zone("PRC"), Ok(east8));
        assert_eq!(parse_time_zone("+08:00"), Ok(east8));
        assert_eq!(parse_time_zone("UTC+8"), Ok(east8));
        assert_eq!(
            parse_time_zone("-05:30"),
            Ok(FixedOffset::west_opt(5 * 3600 + 1800).unwrap())
        );
        assert!(
            parse_time_zone("Europe/Berlin")
                .unwrap_err()
                .contains("不支持夏令时")
        );
        assert!(parse_time_zone("+25:00").is_err());
    }

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

    #[test]
    fn the_office_time_is_named_after_its_zone() {
        assert_eq!(zone_name_of(china()), "北京时间");
        let tashkent = FixedOffset::east_opt(5 * 3600).unwrap();
        assert_eq!(zone_name_of(tashkent), "UTC+05:00 时间");
    }
}
