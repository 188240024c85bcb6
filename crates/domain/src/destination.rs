//! Where the server may send requests it makes on an admin's behalf (webhook deliveries): which
//! schemes, and which network addresses count as "ours or nobody's" and are refused, so a
//! registered URL cannot reach the loopback, the private network or a cloud metadata service.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::ValidationError;

/// What an outgoing destination may be, beyond a public https address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DestinationPolicy {
    /// Plain `http://` is taken (a receiver without TLS, or tests).
    pub allow_http: bool,
    /// Loopback, private and other non-public addresses are taken (on-premise receivers).
    pub allow_private: bool,
}

impl DestinationPolicy {
    /// Checks what can be judged from the URL alone: its scheme, and its host when the host is
    /// an address. A name is judged where it is resolved, at delivery, since what it resolves to
    /// can change after registration.
    pub fn check_url(&self, url: &url::Url) -> Result<(), ValidationError> {
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            "http" => {
                return Err(ValidationError::new(
                    "url",
                    "must be an https URL (plain http is not enabled on this server)",
                ));
            }
            _ => return Err(ValidationError::new("url", "must be an https URL")),
        }
        // The WHATWG parser has already turned `127.1`, `2130706433` and `0x7f000001` into
        // 127.0.0.1, so the forms an attacker picks all arrive here as addresses.
        let address = match url.host() {
            Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            Some(url::Host::Domain(_)) => None,
            None => return Err(ValidationError::new("url", "must name a host")),
        };
        if let Some(address) = address {
            self.check_address(address)?;
        }
        Ok(())
    }

    /// Refuses an address that is not public, unless private receivers are allowed.
    pub fn check_address(&self, address: IpAddr) -> Result<(), ValidationError> {
        if self.allow_private || is_public(address) {
            Ok(())
        } else {
            Err(ValidationError::new(
                "url",
                "must reach a public address (loopback, private, link-local and reserved ones are refused)",
            ))
        }
    }
}

/// Whether an address is reachable on the public internet and belongs to nobody special:
/// not loopback, private, link-local, CGNAT, multicast, broadcast, unspecified, documentation,
/// benchmarking or otherwise reserved, and not one of those in IPv4-mapped or -compatible form.
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    !(v4.is_unspecified()
        || a == 0 // "this network"
        || v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local() // 169.254/16, cloud metadata among it
        || (a == 100 && (b & 0xc0) == 64) // CGNAT 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || v4.is_documentation()
        || (a == 198 && (b & 0xfe) == 18) // benchmarking 198.18/15
        || v4.is_multicast()
        || a >= 240) // reserved, broadcast among it
}

fn is_public_v6(v6: Ipv6Addr) -> bool {
    let segments = v6.segments();
    // An IPv4 address in IPv6 clothing is judged as the IPv4 address: mapped (::ffff:a.b.c.d),
    // compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::).
    if let Some(v4) = v6.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    if segments[..6] == [0; 6] && !v6.is_unspecified() && !v6.is_loopback() {
        return is_public_v4(embedded_v4(segments[6], segments[7]));
    }
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(embedded_v4(segments[6], segments[7]));
    }
    if segments[0] == 0x2002 {
        return is_public_v4(embedded_v4(segments[1], segments[2]));
    }
    !(v6.is_unspecified()
        || v6.is_loopback()
        || v6.is_multicast()
        || v6.is_unique_local() // fc00::/7
        || v6.is_unicast_link_local() // fe80::/10
        || (segments[0] & 0xffc0) == 0xfec0 // deprecated site-local
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        || (segments[0] == 0x3fff && segments[1] < 0x1000) // documentation 3fff::/20
        || (segments[0] == 0x2001 && segments[1] == 0x0002 && segments[2] == 0) // benchmarking
        || (segments[0] == 0x2001 && segments[1] == 0) // Teredo tunnels to any IPv4
        || segments[0] == 0x0100 && segments[1..4] == [0, 0, 0]) // discard-only 100::/64
}

fn embedded_v4(high: u16, low: u16) -> Ipv4Addr {
    let [a, b] = high.to_be_bytes();
    let [c, d] = low.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> DestinationPolicy {
        DestinationPolicy::default()
    }

    #[test]
    fn every_spelling_of_a_non_public_host_is_refused() {
        for url in [
            "https://127.0.0.1/",
            "https://127.1/",
            "https://2130706433/",
            "https://0x7f000001/",
            "https://0177.0.0.1/",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::127.0.0.1]/",
            "https://[64:ff9b::a9fe:a9fe]/",
            "https://[2002:7f00:1::]/",
            "https://169.254.169.254/latest/meta-data/",
            "https://[fe80::1]/",
            "https://[fd00::1]/",
            "https://10.0.0.1/",
            "https://172.16.5.4/",
            "https://192.168.1.1/",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::]/",
            "https://224.0.0.1/",
            "https://255.255.255.255/",
            "https://192.0.2.1/",
            "https://198.18.0.1/",
            "https://[2001:db8::1]/",
        ] {
            let parsed = url::Url::parse(url).unwrap();
            assert!(strict().check_url(&parsed).is_err(), "{url} was accepted");
        }
    }

    #[test]
    fn public_https_hosts_pass_and_http_needs_the_setting() {
        for url in [
            "https://partner.example/hook",
            "https://93.184.215.14/",
            "https://[2606:4700::1111]/",
        ] {
            assert!(
                strict().check_url(&url::Url::parse(url).unwrap()).is_ok(),
                "{url}"
            );
        }
        let http = url::Url::parse("http://partner.example/hook").unwrap();
        assert!(strict().check_url(&http).is_err());
        let relaxed = DestinationPolicy {
            allow_http: true,
            ..strict()
        };
        assert!(relaxed.check_url(&http).is_ok());
        assert!(
            relaxed
                .check_url(&url::Url::parse("ftp://partner.example").unwrap())
                .is_err()
        );
    }

    #[test]
    fn private_addresses_pass_only_when_allowed() {
        let on_premise = DestinationPolicy {
            allow_http: false,
            allow_private: true,
        };
        assert!(
            on_premise
                .check_url(&url::Url::parse("https://10.1.2.3/").unwrap())
                .is_ok()
        );
        assert!(!is_public("::ffff:10.0.0.1".parse().unwrap()));
        assert!(is_public("8.8.8.8".parse().unwrap()));
    }
}
