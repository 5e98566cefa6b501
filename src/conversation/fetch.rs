//! The bytes of a photo or a file a person sent, fetched through their platform's adapter: the
//! core asks for them only once it knows that it will keep them (who sent them, about which
//! task, of an accepted type), and never sees how the platform serves them.

use super::Ctx;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// What a fetch brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    Bytes(Vec<u8>),
    /// Larger than the limit asked for (its size in bytes when the platform said it): not
    /// downloaded further.
    TooLarge(Option<u64>),
}

/// The adapter's side of a fetch.
pub trait Fetch: Send + Sync {
    /// The bytes `source` names (the platform's reference from the event's attachment), at
    /// most `max` of them.
    fn fetch<'a>(
        &'a self,
        ctx: &'a Ctx,
        source: &'a str,
        max: u64,
    ) -> Pin<Box<dyn Future<Output = anyhow::Result<Fetched>> + Send + 'a>>;
}

/// The fetch of the adapter an event came from, as the use cases get it.
#[derive(Clone)]
pub struct Fetcher(pub Arc<dyn Fetch>);

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fetcher")
    }
}

/// A fetcher that has nothing to fetch (where no adapter can: the core's own tests).
pub struct NoFetch;

impl Fetch for NoFetch {
    fn fetch<'a>(
        &'a self,
        _: &'a Ctx,
        _: &'a str,
        _: u64,
    ) -> Pin<Box<dyn Future<Output = anyhow::Result<Fetched>> + Send + 'a>> {
        Box::pin(async { anyhow::bail!("no platform to fetch a file from") })
    }
}

/// Reads a download in chunks, stopping past `max` bytes.
pub async fn limited<S, B, E>(mut chunks: S, max: u64) -> Result<Fetched, E>
where
    S: futures_util::Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
{
    use futures_util::StreamExt;
    let mut bytes = Vec::new();
    while let Some(chunk) = chunks.next().await {
        bytes.extend_from_slice(chunk?.as_ref());
        if bytes.len() as u64 > max {
            return Ok(Fetched::TooLarge(None));
        }
    }
    Ok(Fetched::Bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(sizes: &[usize]) -> impl futures_util::Stream<Item = Result<Vec<u8>, ()>> + Unpin {
        futures_util::stream::iter(sizes.iter().map(|n| Ok(vec![7u8; *n])).collect::<Vec<_>>())
    }

    #[tokio::test]
    async fn a_download_is_read_up_to_the_limit_and_no_further() {
        assert_eq!(
            limited(chunks(&[3, 4]), 7).await,
            Ok(Fetched::Bytes(vec![7; 7]))
        );
        assert_eq!(
            limited(chunks(&[3, 4, 1]), 7).await,
            Ok(Fetched::TooLarge(None))
        );
    }
}
