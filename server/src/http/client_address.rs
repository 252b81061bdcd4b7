//! Which address a request comes from, for the sign-in throttle. Behind proxies the TCP peer is
//! the nearest proxy; the client is found in `Forwarded` (RFC 7239) or `X-Forwarded-For`, read
//! from the right: each proxy the operator trusts appends the address it saw, so the nearest
//! address that is not a trusted proxy's is the client's. Whatever stands further left was
//! written by the client and is never believed.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;

use axum::http::HeaderMap;
use forwarded_header_value::ForwardedStanza;
use ipnet::IpNet;

/// The proxies in front of Guichet, by address range (`GUICHET_TRUSTED_PROXIES`). Empty: the
/// TCP peer is the client and forwarding headers are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// `10.0.0.0/8, 192.0.2.7, ::1`: ranges or single addresses, separated by commas.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                IpNet::from_str(item)
                    .or_else(|_| IpAddr::from_str(item).map(IpNet::from))
                    .map_err(|_| {
                        format!(
                            "« {item} » n'est ni une adresse IP ni une plage (attendu par exemple 10.0.0.0/8 ou 192.0.2.7) (GUICHET_TRUSTED_PROXIES)"
                        )
                    })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.0.iter().any(|range| range.contains(&address))
    }

    /// The client's address: the peer if it is not a trusted proxy, otherwise the nearest
    /// forwarded address that is not one. An entry that cannot be read ends the walk there,
    /// at the last address a trusted proxy vouched for.
    pub fn client(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.ip());
        if !self.trusts(client) {
            return client;
        }
        for hop in forwarded_hops(headers) {
            let Some(address) = hop else {
                break;
            };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        client
    }
}

/// The forwarded addresses, nearest first: `Forwarded` if the request has one, otherwise
/// `X-Forwarded-For`; `None` for an entry that names no address.
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let joined = |name: &str| {
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    };
    let entries = |list: &str| -> Vec<String> {
        list.split(',')
            .map(|entry| entry.trim().to_owned())
            .filter(|entry| !entry.is_empty())
            .rev()
            .collect()
    };
    if let Some(forwarded) = joined("forwarded") {
        return entries(&forwarded)
            .iter()
            .map(|stanza| {
                ForwardedStanza::from_str(stanza)
                    .ok()
                    .and_then(|s| s.forwarded_for_ip())
            })
            .collect();
    }
    joined("x-forwarded-for")
        .map(|list| {
            entries(&list)
                .iter()
                .map(|entry| IpAddr::from_str(entry).ok())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (axum::http::HeaderName::from_static(k), v.parse().unwrap()))
            .collect()
    }

    fn peer(ip: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip.parse().unwrap(), 40000))
    }

    #[test]
    fn a_client_writing_headers_is_not_believed() {
        let none = TrustedProxies::default();
        let spoofed = headers(&[("x-forwarded-for", "198.51.100.1")]);
        assert_eq!(
            none.client(peer("203.0.113.9"), &spoofed).to_string(),
            "203.0.113.9"
        );
    }

    #[test]
    fn the_nearest_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap();
        // The client wrote the first two; the edge proxy 192.0.2.7 added what it saw, then
        // the inner proxy 10.0.0.2 added the edge's address.
        let chain = headers(&[(
            "x-forwarded-for",
            "198.51.100.1, 10.9.9.9, 203.0.113.9, 192.0.2.7",
        )]);
        assert_eq!(
            proxies.client(peer("10.0.0.2"), &chain).to_string(),
            "203.0.113.9"
        );
        // Rotating the left part changes nothing.
        let rotated = headers(&[("x-forwarded-for", "8.8.8.8, 203.0.113.9, 192.0.2.7")]);
        assert_eq!(
            proxies.client(peer("10.0.0.2"), &rotated).to_string(),
            "203.0.113.9"
        );
        // Not from a trusted proxy: the headers are ignored.
        assert_eq!(
            proxies.client(peer("203.0.113.50"), &chain).to_string(),
            "203.0.113.50"
        );
    }

    #[test]
    fn the_standard_header_wins_and_garbage_ends_the_walk() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let both = headers(&[
            (
                "forwarded",
                "for=198.51.100.1, for=\"[2001:db8::7]:4711\";proto=https",
            ),
            ("x-forwarded-for", "192.0.2.200"),
        ]);
        assert_eq!(
            proxies.client(peer("10.0.0.2"), &both).to_string(),
            "2001:db8::7"
        );
        let garbage = headers(&[("x-forwarded-for", "198.51.100.1, n'importe quoi")]);
        assert_eq!(
            proxies.client(peer("10.0.0.2"), &garbage).to_string(),
            "10.0.0.2"
        );
    }

    #[test]
    fn bad_ranges_are_named() {
        let error = TrustedProxies::parse("10.0.0.0/8, proxy.local").unwrap_err();
        assert!(error.contains("proxy.local"));
    }
}
