//! When a plan fires on working days: each cron time on a day off moves to the next working day
//! (or the previous one, or is dropped), at the same time of day. Two times that land on the
//! same moment (a Saturday's and a Sunday's, both moved to Monday) are one.

use super::{Calendar, Plan, Shift};
use crate::clock::office_offset;
use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};

/// How far a day off can push a time: the longest holiday with its weekends, and then some.
const MAX_SHIFT_DAYS: i64 = 14;
/// Cron times looked at per call at most: a plan that fires every second over a long downtime
/// is cut short rather than looping for ever (only the latest time matters to the scheduler).
const MAX_CRON_TIMES: usize = 50_000;

/// A plan on the working-day calendar.
#[derive(Debug, Clone, Copy)]
pub struct WorkingPlan<'a> {
    pub plan: &'a Plan,
    pub calendar: &'a Calendar,
    pub shift: Shift,
}

impl WorkingPlan<'_> {
    /// The fire times in `(after, until]`, shifted onto working days, oldest first.
    pub fn between(&self, after: DateTime<Utc>, until: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        if until <= after {
            return Vec::new();
        }
        let from = after - Duration::days(MAX_SHIFT_DAYS);
        let to = until + Duration::days(MAX_SHIFT_DAYS);
        let mut times: Vec<DateTime<Utc>> = self
            .plan
            .times_after(from)
            .take(MAX_CRON_TIMES)
            .take_while(|t| *t <= to)
            .filter_map(|t| self.shifted(t))
            .filter(|t| *t > after && *t <= until)
            .collect();
        times.sort();
        times.dedup();
        times
    }

    /// The next `n` fire times after `after`, shifted onto working days.
    pub fn next(&self, after: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
        let mut out: Vec<DateTime<Utc>> = Vec::with_capacity(n);
        let mut from = after;
        // Look a fortnight at a time so that a shifted time is never missed or misordered.
        for _ in 0..60 {
            let until = from + Duration::days(MAX_SHIFT_DAYS * 2);
            for t in self.between(from, until) {
                if out.len() < n {
                    out.push(t);
                }
            }
            if out.len() >= n {
                break;
            }
            from = until;
        }
        out
    }

    fn shifted(&self, time: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = time.with_timezone(&office_offset());
        let day = self.calendar.shift(local.date_naive(), self.shift)?;
        let moved = NaiveDateTime::new(day, local.time());
        office_offset()
            .from_local_datetime(&moved)
            .single()
            .map(|t| t.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar() -> Calendar {
        Calendar::from_toml(include_str!("../../seeds/holidays-cn-2022.toml")).unwrap()
    }

    fn beijing(s: &str) -> DateTime<Utc> {
        let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        office_offset()
            .from_local_datetime(&t)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn show(times: &[DateTime<Utc>]) -> Vec<String> {
        times
            .iter()
            .map(|t| {
                t.with_timezone(&office_offset())
                    .format("%m-%d %H:%M")
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn a_weekend_time_moves_to_monday_and_two_of_them_become_one() {
        let plan = Plan::parse("0 0 9 * * *").unwrap();
        let cal = calendar();
        let on = |shift| WorkingPlan {
            plan: &plan,
            calendar: &cal,
            shift,
        };
        // Friday 11 March 2022 to Monday 14 March.
        let (after, until) = (beijing("2022-03-11 00:00"), beijing("2022-03-14 23:00"));

        assert_eq!(
            show(&on(Shift::Next).between(after, until)),
            ["03-11 09:00", "03-14 09:00"]
        );
        assert_eq!(
            show(&on(Shift::Skip).between(after, until)),
            ["03-11 09:00", "03-14 09:00"]
        );
        // Previous: the weekend's times go back to Friday.
        assert_eq!(
            show(&on(Shift::Previous).between(after, until)),
            ["03-11 09:00", "03-14 09:00"]
        );
    }

    #[test]
    fn a_make_up_working_day_fires_and_a_holiday_does_not() {
        // Saturday 2 April 2022 is worked (清明 make-up); 3–5 April are days off.
        let plan = Plan::parse("0 30 8 2-6 4 *").unwrap();
        let cal = calendar();
        let working = WorkingPlan {
            plan: &plan,
            calendar: &cal,
            shift: Shift::Next,
        };

        let times = working.between(beijing("2022-04-01 00:00"), beijing("2022-04-30 00:00"));

        assert_eq!(show(&times), ["04-02 08:30", "04-06 08:30"]);
        assert_eq!(
            show(&working.next(beijing("2022-04-01 00:00"), 2)),
            ["04-02 08:30", "04-06 08:30"]
        );
    }

    #[test]
    fn the_window_is_open_below_and_closed_above() {
        let plan = Plan::parse("0 0 9 * * Mon-Fri").unwrap();
        let cal = calendar();
        let working = WorkingPlan {
            plan: &plan,
            calendar: &cal,
            shift: Shift::Next,
        };
        let nine = beijing("2022-03-10 09:00");

        assert!(working.between(nine, nine + Duration::hours(1)).is_empty());
        assert_eq!(
            working.between(nine - Duration::seconds(1), nine),
            vec![nine]
        );
    }
}
