//! What the operators see of a running service: the logs (`tracing` to stderr, filtered by the
//! `log` setting, as text or one JSON object per line by `log_format`), the metrics
//! ([`metrics`]) and the health checks ([`health`]) that `duban run --http` serves ([`http`]).

pub mod health;
pub mod http;
pub mod metrics;

pub use metrics::Metrics;

use crate::config::LogFormat;
use tracing_subscriber::EnvFilter;

/// Logs to stderr from here on, filtered by `filter` (a `tracing` filter such as `info` or
/// `duban=debug`) and written as `format` says. In JSON each line carries the fields of the
/// span it was logged in (`span`: the update being handled, its chat, unit, task, period).
pub fn init(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second init (tests calling into the library twice) is harmless.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}
