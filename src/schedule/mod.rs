//! When things happen: the working-day calendar (weekends, holidays, make-up working days) and
//! cron plans checked for admins. Named schedules, the outbox and its sender come with issue
//! 4's remaining work.

mod calendar;
mod fires;
mod kind;
mod plan;

pub use calendar::{Calendar, CalendarError, DayKind, Shift, weekday_name};
pub use fires::WorkingPlan;
pub use kind::Kind;
pub use plan::{EXAMPLE, Plan, PlanError};
