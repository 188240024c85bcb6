//! How many live connections (WebSocket subscriptions, event streams) one address holds open on
//! this node. A connection is a socket and a task held for as long as the client likes, so each
//! address gets a bounded number of them; the next is refused with 429 before it is upgraded.
//!
//! Counted per node, not across nodes: what a connection costs — memory, a task, a socket — is
//! the node's own.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Live connections open on this node, by `transport` (`websocket`, `stream`); described with
/// the other metrics in `metrics.rs`.
pub(crate) const LIVE_CONNECTIONS: &str = "dateline_live_connections";

/// The open live connections per address allowed by default.
pub(crate) const DEFAULT_PER_ADDRESS: u32 = 20;

/// How long a refused client is told to wait before trying again.
pub(crate) const RETRY_AFTER_SECONDS: u64 = 5;

#[derive(Debug)]
pub(crate) struct LiveConnections {
    per_address: u32,
    open: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

impl LiveConnections {
    pub(crate) fn new(per_address: u32) -> Self {
        Self {
            per_address,
            open: Arc::default(),
        }
    }

    /// A place for one more connection from `address`, held until the guard is dropped; `None`
    /// when the address holds its limit already. A request without a known address (no peer
    /// information: tests driving the router in-process) shares one place-holder address.
    pub(crate) fn admit(
        &self,
        address: Option<IpAddr>,
        transport: &'static str,
    ) -> Option<LiveConnection> {
        let address = address.unwrap_or(IpAddr::from([0, 0, 0, 0]));
        // A poisoned lock only means another connection's bookkeeping panicked; the counts
        // are still whole numbers.
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = open.entry(address).or_insert(0);
        if *count >= self.per_address {
            return None;
        }
        *count += 1;
        metrics::gauge!(LIVE_CONNECTIONS, "transport" => transport).increment(1);
        Some(LiveConnection {
            address,
            transport,
            open: Arc::clone(&self.open),
        })
    }
}

/// One admitted connection: its place is given back when it is dropped.
#[derive(Debug)]
pub(crate) struct LiveConnection {
    address: IpAddr,
    transport: &'static str,
    open: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

impl Drop for LiveConnection {
    fn drop(&mut self) {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = open.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.address);
            }
        }
        drop(open);
        metrics::gauge!(LIVE_CONNECTIONS, "transport" => self.transport).decrement(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_its_limit_and_gets_a_place_back_when_one_closes() {
        let live = LiveConnections::new(2);
        let reader = Some(IpAddr::from([192, 0, 2, 1]));
        let first = live.admit(reader, "stream").expect("first");
        let _second = live.admit(reader, "stream").expect("second");
        assert!(
            live.admit(reader, "stream").is_none(),
            "the third is refused"
        );
        assert!(
            live.admit(Some(IpAddr::from([192, 0, 2, 2])), "stream")
                .is_some(),
            "another address is not"
        );
        drop(first);
        assert!(
            live.admit(reader, "stream").is_some(),
            "a closed one frees its place"
        );
    }
}
