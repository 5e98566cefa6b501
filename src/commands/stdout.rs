//! Standard output for the commands. `print!` panics when the write fails — a closed pipe
//! (`duban matrix | head -1`), a full disk — so the commands write through [`out!`] and
//! [`outln!`], which return the error; `main` ends quietly on a closed pipe and says what
//! happened otherwise.

use std::fmt;
use std::io::{self, Write};

/// Writing to standard output failed.
#[derive(Debug, thiserror::Error)]
#[error("无法写入标准输出：{}", reason(.0))]
pub struct StdoutError(#[source] pub io::Error);

impl StdoutError {
    /// The reader went away (a closed pipe): nothing more to say, nothing went wrong.
    pub fn is_closed_pipe(&self) -> bool {
        self.0.kind() == io::ErrorKind::BrokenPipe
    }
}

fn reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::StorageFull => "磁盘已满".into(),
        io::ErrorKind::BrokenPipe => "管道已关闭".into(),
        _ => e.to_string(),
    }
}

/// Writes formatted text to standard output; what [`out!`] and [`outln!`] call.
pub fn write(args: fmt::Arguments<'_>) -> Result<(), StdoutError> {
    io::stdout().lock().write_fmt(args).map_err(StdoutError)
}

/// Flushes standard output: the last line may still be in its buffer when a command ends.
pub fn flush() -> Result<(), StdoutError> {
    io::stdout().lock().flush().map_err(StdoutError)
}

/// `print!` that returns a [`StdoutError`] instead of panicking.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::commands::stdout::write(format_args!($($arg)*))
    };
}

/// `println!` that returns a [`StdoutError`] instead of panicking.
#[macro_export]
macro_rules! outln {
    () => {
        $crate::commands::stdout::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::commands::stdout::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}
