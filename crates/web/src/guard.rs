//! The SSRF guard: which addresses a fetch may reach.
//!
//! A URL is fetched only over http or https, and only from public unicast addresses. Refused: loopback,
//! private (RFC 1918), carrier-grade NAT, link-local (with the cloud metadata address 169.254.169.254),
//! multicast, broadcast, unspecified, documentation and benchmarking ranges, IPv6 unique-local and
//! site-local, and IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4) whose IPv4
//! address is refused. IPv4 written in decimal, octal or hex (`http://2130706433/`, `http://0x7f.1/`) is
//! read the way browsers read it (the WHATWG URL parser) before the check, so no spelling slips past.
//!
//! Host names are checked where they are resolved ([`Guard::resolve`]), and the fetcher connects only to the
//! addresses that passed: there is no second lookup for a DNS-rebinding answer to slip into.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

use url::{Host, Url};

/// Why a URL may not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Blocked {
    #[error("{0:?} is not a URL")]
    Invalid(String),
    #[error("only http and https URLs are fetched, not {0}:")]
    Scheme(String),
    #[error("{0} is a private, loopback, link-local or otherwise non-public address")]
    Address(IpAddr),
    #[error("{host} resolves only to non-public addresses ({addresses:?})")]
    Resolves { host: String, addresses: Vec<IpAddr> },
    #[error("{0} could not be resolved: {1}")]
    Unresolved(String, String),
    #[error("the URL has no host")]
    NoHost,
}

/// What the guard lets through besides public addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guard {
    /// Every private address (an intranet deployment).
    pub allow_private: bool,
    /// These exact addresses and ports, when a URL names them as an address (one intranet server; tests on
    /// loopback). Host names never resolve into them: a name is allowed only to public addresses (or to any
    /// with `allow_private`), because the resolver cannot know the port a redirect will ask for.
    pub allowed: Vec<SocketAddr>,
}

impl Guard {
    /// Parses `raw` and checks its scheme and, for an address literal, the address.
    pub fn check_url(&self, raw: &str) -> Result<Url, Blocked> {
        let url = Url::parse(raw.trim()).map_err(|_| Blocked::Invalid(raw.to_string()))?;
        self.check_parsed(&url)?;
        Ok(url)
    }

    /// Checks a parsed URL: every redirect hop goes through here too.
    pub fn check_parsed(&self, url: &Url) -> Result<(), Blocked> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Blocked::Scheme(url.scheme().to_string()));
        }
        let port = url.port_or_known_default().unwrap_or(80);
        match url.host() {
            None => Err(Blocked::NoHost),
            Some(Host::Ipv4(ip)) => self.check_addr(SocketAddr::new(IpAddr::V4(ip), port)),
            Some(Host::Ipv6(ip)) => self.check_addr(SocketAddr::new(IpAddr::V6(ip), port)),
            Some(Host::Domain(_)) => Ok(()),
        }
    }

    pub fn check_addr(&self, addr: SocketAddr) -> Result<(), Blocked> {
        if self.allow_private || is_public(addr.ip()) || self.allowed.contains(&addr) {
            Ok(())
        } else {
            Err(Blocked::Address(addr.ip()))
        }
    }

    /// Resolves a host name and keeps only the addresses the guard allows (with port 0: the connection uses the
    /// URL's port); refuses the host when none is left. The fetcher connects to exactly these.
    pub fn resolve(&self, host: &str) -> Result<Vec<SocketAddr>, Blocked> {
        let found: Vec<SocketAddr> =
            (host, 0).to_socket_addrs().map_err(|e| Blocked::Unresolved(host.to_string(), e.to_string()))?.collect();
        let allowed: Vec<SocketAddr> =
            found.iter().copied().filter(|a| self.allow_private || is_public(a.ip())).collect();
        if allowed.is_empty() {
            return Err(Blocked::Resolves {
                host: host.to_string(),
                addresses: found.iter().map(|a| a.ip()).collect(),
            });
        }
        Ok(allowed)
    }
}

/// True for a public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0                                   // "this network", 0.0.0.0
        || a == 10                             // private
        || a == 127                            // loopback
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 169 && b == 254)              // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0)      // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)      // documentation
        || (a == 192 && b == 88 && c == 99)    // 6to4 relay anycast
        || (a == 192 && b == 168)              // private
        || (a == 198 && (b == 18 || b == 19))  // benchmarking
        || (a == 198 && b == 51 && c == 100)   // documentation
        || (a == 203 && b == 0 && c == 113)    // documentation
        || a >= 224) // multicast, reserved, broadcast
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || (s[0] & 0xfe00) == 0xfc00            // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80            // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0            // site-local (deprecated) fec0::/10
        || (s[0] & 0xff00) == 0xff00            // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8)   // documentation
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard-only 100::/64
        || (s[0] == 0x2001 && s[1] < 0x0200 && s[1] != 0)) // IETF protocol assignments (Teredo 2001::/32 kept below)
        && !(s[0] == 0x2001 && s[1] == 0) // Teredo: the client address is obfuscated; refuse rather than decode
}

/// The IPv4 address inside an IPv6 address that carries one: IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
/// (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) and 6to4 (`2002:aabb:ccdd::`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, hi, lo] => Some(tail(hi, lo)),
        [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 => Some(tail(hi, lo)),
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(tail(hi, lo)),
        [0x2002, hi, lo, ..] => Some(tail(hi, lo)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str) -> Result<Url, Blocked> {
        Guard::default().check_url(url)
    }

    /// Every blocked range, in every spelling a URL allows: none may pass.
    #[test]
    fn non_public_addresses_are_refused_in_every_spelling() {
        let blocked = [
            "http://127.0.0.1/",
            "http://127.1/",
            "http://127.0.0.1:8080/admin",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0x7f.0.0.1/",
            "http://0177.0.0.1/",
            "http://0177.0.0.01/",
            "http://017700000001/",
            "http://[::1]/",
            "http://[0:0:0:0:0:0:0:1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[::127.0.0.1]/",
            "http://0.0.0.0/",
            "http://0/",
            "http://[::]/",
            "http://10.0.0.1/",
            "http://10.255.255.255/",
            "http://172.16.0.1/",
            "http://172.31.255.255/",
            "http://192.168.1.1/",
            "http://3232235777/",
            "http://0xc0a80101/",
            "http://100.64.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://2852039166/",
            "http://0xa9fea9fe/",
            "http://0251.0376.0251.0376/",
            "http://[::ffff:169.254.169.254]/",
            "http://[fe80::1]/",
            "http://[fc00::1]/",
            "http://[fd12:3456:789a::1]/",
            "http://[fec0::1]/",
            "http://[ff02::1]/",
            "http://224.0.0.1/",
            "http://239.255.255.250/",
            "http://255.255.255.255/",
            "http://192.0.2.1/",
            "http://198.18.0.1/",
            "http://203.0.113.9/",
            "http://[64:ff9b::7f00:1]/",
            "http://[2002:7f00:1::]/",
            "http://[2002:c0a8:101::1]/",
            "http://[::ffff:10.0.0.1]/",
            "http://[2001:db8::1]/",
            "https://[::ffff:192.168.0.1]:443/",
        ];
        assert!(blocked.len() >= 40);
        for url in blocked {
            assert!(matches!(check(url), Err(Blocked::Address(_))), "{url} passed: {:?}", check(url));
        }
    }

    #[test]
    fn only_http_and_https_are_fetched() {
        for url in [
            "file:///etc/passwd",
            "ftp://example.org/",
            "gopher://example.org/",
            "javascript:alert(1)",
            "data:text/html,hi",
            "dict://127.0.0.1:11211/",
        ] {
            assert!(matches!(check(url), Err(Blocked::Scheme(_) | Blocked::Invalid(_))), "{url}");
        }
        assert!(matches!(check("not a url"), Err(Blocked::Invalid(_))));
    }

    #[test]
    fn public_addresses_and_names_pass_and_the_switch_allows_private_ones() {
        for url in [
            "https://93.184.215.14/",
            "http://8.8.8.8/",
            "https://[2606:4700:4700::1111]/",
            "https://example.org/x",
            "http://[::ffff:8.8.8.8]/",
        ] {
            assert!(check(url).is_ok(), "{url}");
        }
        let open = Guard { allow_private: true, ..Guard::default() };
        assert!(open.check_url("http://127.0.0.1:8080/").is_ok());
        assert!(open.check_url("file:///etc/passwd").is_err(), "the switch never allows other schemes");
    }

    #[test]
    fn a_name_is_refused_when_it_resolves_only_to_non_public_addresses() {
        let refused = Guard::default().resolve("localhost").unwrap_err();
        assert!(matches!(refused, Blocked::Resolves { .. }), "{refused:?}");
        assert!(!Guard { allow_private: true, ..Guard::default() }.resolve("localhost").unwrap().is_empty());
        let one: SocketAddr = "127.0.0.1:8089".parse().unwrap();
        let exact = Guard { allowed: vec![one], ..Guard::default() };
        assert!(exact.check_url("http://127.0.0.1:8089/").is_ok());
        assert!(exact.check_url("http://127.0.0.1:8090/").is_err(), "another port of an allowed host is refused");
    }
}
