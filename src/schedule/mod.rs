//! When things happen: the working-day calendar (weekends, holidays, make-up working days),
//! cron plans checked for admins and their fire times on working days, and the four kinds of
//! schedule. The scheduler that acts on them is in `crate::followup`.

mod calendar;
mod fires;
mod kind;
mod plan;

pub use calendar::{Calendar, CalendarError, DayKind, Shift, weekday_name};
pub use fires::WorkingPlan;
pub use kind::Kind;
pub use plan::{EXAMPLE, Plan, PlanError};
