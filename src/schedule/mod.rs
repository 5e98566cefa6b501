//! When things happen: the working-day calendar (weekends, holidays, make-up working days).
//! Schedules, the outbox and its sender come with issue 4's remaining work.

mod calendar;

pub use calendar::{Calendar, CalendarError, DayKind, Shift, weekday_name};
