//! The responsibility matrix: a notice's text in, tasks with leaders, units and targets out.
//! Pure functions over strings; the caller reads files and writes the database.

mod breakdown;
mod decode;
mod directory;
mod document;
mod docx;
mod docx_numbering;
mod fields;
mod lines;
mod model;
mod notice;
mod numerals;
mod prose;
mod responsibility;
mod sheet;
mod table;
mod targets;
mod time_limit;

pub use breakdown::breakdown_xlsx;
pub use decode::decode;
pub use directory::{DirectoryError, Resolution, UnitDirectory};
pub use model::*;
pub use notice::{NoticeError, parse_notice};
pub use targets::{Quantity, extract_targets, find_quantities};
