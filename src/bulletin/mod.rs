//! The bulletin (督查通报): a period's state of every task, for the leaders. [`aggregate`]
//! turns tasks and reports into a [`Bulletin`] (pure); the renderers turn that into what
//! offices circulate.

mod aggregate;
pub mod channels;
mod compile;
mod model;
pub mod render;

pub use aggregate::{
    Heading, PeriodData, Thresholds, aggregate, attach_evidence, expected_percent,
};
pub use compile::compile;
pub use model::{
    Bulletin, Changes, Closed, Cycle, Extended, FigureStatus, Item, LastReport, LeaderView,
    Returned, TaskStatus, Totals, UnitStatus,
};
