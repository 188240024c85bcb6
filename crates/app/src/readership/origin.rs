//! Who sent a view: the client's address (believing `X-Forwarded-For` only from trusted
//! proxies), its User-Agent, the network abuse-sensitive counts know it by, and the opaque key
//! a reader is de-duplicated by for rankings.
//!
//! Reader ids and addresses are hashed with the newsroom's reader secret (the same on every
//! node, so every node knows a reader by the same key) and never kept or logged in the clear.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

/// Where a request came from, as far as the transport tells.
#[derive(Debug, Clone, Default)]
pub struct ReaderOrigin {
    /// The reader's address: the peer, or the client a trusted proxy forwarded for.
    pub client: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl ReaderOrigin {
    /// The origin of a request from `peer` that carried these `X-Forwarded-For` values (in the
    /// order received) and this User-Agent.
    pub fn new(
        peer: Option<IpAddr>,
        forwarded_for: &[&str],
        user_agent: Option<String>,
        trusted_proxies: &[IpNet],
    ) -> Self {
        Self {
            client: peer.map(|peer| client_address(peer, forwarded_for, trusted_proxies)),
            user_agent,
        }
    }
}

/// Bits of an IPv6 address that name one subscriber: providers hand each customer at least a
/// /64, and any address inside it is a fresh one for the asking.
const IPV6_SUBSCRIBER_PREFIX: u8 = 64;

impl ReaderOrigin {
    /// The client as abuse-sensitive counts know it (reports, reactions, comment limits,
    /// password guesses): an IPv4 address itself, an IPv6 address its /64. The User-Agent is
    /// left out on purpose: it is the client's to choose, so counting it would let one client
    /// be as many readers as it likes.
    pub fn network(&self) -> Option<IpAddr> {
        self.client.map(subscriber_network)
    }
}

/// An IPv6 address's /64 (its first address), or the IPv4 address unchanged.
fn subscriber_network(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => ipnet::Ipv6Net::new(v6, IPV6_SUBSCRIBER_PREFIX)
            .map_or(address, |net| IpAddr::V6(net.network())),
    }
}

fn canonical(address: IpAddr) -> IpAddr {
    address.to_canonical()
}

fn is_trusted(address: IpAddr, trusted_proxies: &[IpNet]) -> bool {
    trusted_proxies.iter().any(|net| net.contains(&address))
}

/// One hop of `X-Forwarded-For`: an address, possibly with a port (`1.2.3.4:80`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|address| address.ip()))
        .map(canonical)
}

/// The reader's address. A peer that is not a trusted proxy is the reader. Behind trusted
/// proxies, `X-Forwarded-For` is read from the right (each proxy appends the address it heard
/// from) and the first hop that is not itself a trusted proxy is the reader; everything to its
/// left was written by the client and proves nothing.
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted_proxies: &[IpNet]) -> IpAddr {
    let mut client = canonical(peer);
    if !is_trusted(client, trusted_proxies) {
        return client;
    }
    let forwarded: Vec<&str> = forwarded_for
        .iter()
        .flat_map(|value| value.split(','))
        .collect();
    for hop in forwarded.into_iter().rev() {
        let Some(address) = parse_hop(hop) else {
            break;
        };
        client = address;
        if !is_trusted(address, trusted_proxies) {
            break;
        }
    }
    client
}

/// Turns a reader into the opaque key views are de-duplicated by.
pub(crate) struct ReaderKeys {
    secret: Vec<u8>,
}

impl ReaderKeys {
    pub(crate) fn new(secret: &[u8]) -> Self {
        Self {
            secret: secret.to_vec(),
        }
    }

    /// A first-party reader id when the front end sends one; otherwise the address and the
    /// User-Agent together, so that readers behind one address (an office, a carrier's NAT)
    /// with different browsers still count apart. A keyed SHA-256, cut to 64 bits: collisions
    /// among one story's readers in half an hour are out of reach.
    pub(crate) fn key(&self, reader_id: Option<&str>, origin: &ReaderOrigin) -> u64 {
        use sha2::{Digest as _, Sha256};
        let mut hasher = Sha256::new();
        hasher.update((self.secret.len() as u64).to_be_bytes());
        hasher.update(&self.secret);
        match reader_id {
            Some(id) => {
                hasher.update(b"reader\0");
                hasher.update(id.as_bytes());
            }
            None => {
                hasher.update(b"origin\0");
                hasher.update(origin.client.map(|ip| ip.to_string()).unwrap_or_default());
                hasher.update(b"\0");
                hasher.update(origin.user_agent.as_deref().unwrap_or_default());
            }
        }
        let digest = hasher.finalize();
        let mut first = [0_u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|net| net.parse().unwrap()).collect()
    }

    fn forwarded<'a>(values: &[&'a str]) -> Vec<&'a str> {
        values.to_vec()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_reader_whatever_the_header_says() {
        let headers = forwarded(&["203.0.113.7"]);
        assert_eq!(
            client_address(ip("198.51.100.1"), &headers, &[]),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn an_untrusted_peer_cannot_pose_as_someone_else() {
        let trusted = nets(&["10.0.0.0/8"]);
        let headers = forwarded(&["203.0.113.7"]);
        assert_eq!(
            client_address(ip("198.51.100.1"), &headers, &trusted),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_forwarded_client_is_the_reader() {
        let trusted = nets(&["10.0.0.0/8"]);
        let headers = forwarded(&["203.0.113.7"]);
        assert_eq!(
            client_address(ip("10.1.2.3"), &headers, &trusted),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn hops_written_by_the_client_are_ignored() {
        // The client claimed 1.1.1.1; the CDN edge (trusted) heard it from 203.0.113.7, and the
        // load balancer (trusted) heard that from the edge.
        let trusted = nets(&["10.0.0.0/8", "192.0.2.0/24"]);
        let headers = forwarded(&["1.1.1.1, 203.0.113.7", "192.0.2.10"]);
        assert_eq!(
            client_address(ip("10.0.0.5"), &headers, &trusted),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn ports_ipv6_and_mapped_addresses_are_understood() {
        let trusted = nets(&["::1/128", "127.0.0.0/8"]);
        assert_eq!(
            client_address(ip("::1"), &forwarded(&["[2001:db8::5]:4711"]), &trusted),
            ip("2001:db8::5")
        );
        assert_eq!(
            client_address(
                ip("::ffff:127.0.0.1"),
                &forwarded(&["203.0.113.9:80"]),
                &trusted
            ),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_garbled_hop_stops_the_walk_at_the_last_address_vouched_for() {
        let trusted = nets(&["10.0.0.0/8"]);
        let headers = forwarded(&["203.0.113.7, not-an-address"]);
        assert_eq!(
            client_address(ip("10.0.0.5"), &headers, &trusted),
            ip("10.0.0.5")
        );
        assert_eq!(
            client_address(ip("10.0.0.5"), &[], &trusted),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn an_ipv6_client_is_known_by_its_64_and_an_ipv4_client_by_its_address() {
        let origin = |address: &str, agent: &'static str| ReaderOrigin {
            client: Some(ip(address)),
            user_agent: Some(agent.into()),
        };
        assert_eq!(
            origin("2001:db8:1:2:aaaa::1", "a").network(),
            origin("2001:db8:1:2:ffff:ffff:ffff:ffff", "b").network()
        );
        assert_eq!(
            origin("2001:db8:1:2::9", "a").network(),
            Some(ip("2001:db8:1:2::"))
        );
        assert_ne!(
            origin("2001:db8:1:2::1", "a").network(),
            origin("2001:db8:1:3::1", "a").network()
        );
        assert_eq!(
            origin("203.0.113.7", "a").network(),
            Some(ip("203.0.113.7"))
        );
        assert_ne!(
            origin("203.0.113.7", "a").network(),
            origin("203.0.113.8", "a").network()
        );
        assert_eq!(ReaderOrigin::default().network(), None);
    }

    #[test]
    fn reader_keys_tell_readers_apart_and_recognise_them_again() {
        let keys = ReaderKeys::new(b"one newsroom's secret");
        let phone = ReaderOrigin {
            client: Some(ip("203.0.113.7")),
            user_agent: Some("Mozilla/5.0 (iPhone)".into()),
        };
        let laptop = ReaderOrigin {
            user_agent: Some("Mozilla/5.0 (Macintosh)".into()),
            ..phone
        };
        assert_eq!(keys.key(None, &phone), keys.key(None, &phone));
        assert_ne!(keys.key(None, &phone), keys.key(None, &laptop));
        assert_eq!(
            keys.key(Some("r-1"), &phone),
            keys.key(Some("r-1"), &laptop)
        );
        assert_ne!(keys.key(Some("r-1"), &phone), keys.key(Some("r-2"), &phone));
        // Another node of the same newsroom knows the reader by the same key; another secret
        // does not.
        let same_newsroom = ReaderKeys::new(b"one newsroom's secret");
        assert_eq!(same_newsroom.key(None, &phone), keys.key(None, &phone));
        let elsewhere = ReaderKeys::new(b"another secret");
        assert_ne!(elsewhere.key(None, &phone), keys.key(None, &phone));
    }
}
