//! The site's settings: a JSON file an operator writes (`verity serve --site FILE`), read once at start.

use serde::{Deserialize, Serialize};

/// Everything about the site that is not about checking: who may use the operator API, the supporters
/// campaign, how stale a report may get before it says so, and how many checks a client may start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    /// The site's public address (e.g. `https://verity.example`), for absolute links such as ClaimReview's
    /// `url`; never taken from a request's Host header, which a client controls.
    pub public_url: Option<String>,
    /// Bearer token for `/api/v1/admin/*`; those endpoints are off without one.
    pub operator_token: Option<String>,
    /// The signing secret of a Stripe webhook endpoint (`whsec_...`); the webhook is off without one.
    pub stripe_webhook_secret: Option<String>,
    /// Seconds a webhook's signed timestamp may differ from now (Stripe's libraries use 300).
    pub webhook_tolerance_seconds: i64,
    /// A report checked more than this many days ago says it may be outdated.
    pub outdated_after_days: i64,
    /// Checks (and refreshes) one client address may start per minute.
    pub checks_per_minute: u32,
    /// The reverse proxies in front of this server (addresses, or networks such as `10.0.0.0/8`). Only a request
    /// from one of them is believed about its client (`X-Forwarded-For`); anyone else could name any address
    /// there and escape the rate limit.
    pub trusted_proxies: Vec<String>,
    /// The supporters campaign shown on every page; an operator may replace it at run time.
    pub campaign: Option<Campaign>,
    /// Who judges the evidence: `nli` (the built-in entailment model, the default), `lexical` or `llm` (the
    /// language model given on the command line); `verity serve --judge` overrides it.
    pub judge: Option<String>,
}

impl Default for SiteConfig {
    fn default() -> SiteConfig {
        SiteConfig {
            public_url: None,
            operator_token: None,
            stripe_webhook_secret: None,
            webhook_tolerance_seconds: 300,
            outdated_after_days: 90,
            checks_per_minute: 10,
            trusted_proxies: Vec::new(),
            campaign: None,
            judge: None,
        }
    }
}

/// A fundraising campaign: a goal (supporters, or an amount), an end date and where to pay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    /// What the banner says before the numbers, e.g. "Keep Verity independent".
    pub title: String,
    /// The goal as a number of supporters...
    #[serde(default)]
    pub goal_supporters: Option<u64>,
    /// ...or as an amount, in the currency's smallest unit (cents).
    #[serde(default)]
    pub goal_amount: Option<i64>,
    /// ISO 4217 code of `goal_amount`, e.g. `eur`.
    #[serde(default = "eur")]
    pub currency: String,
    /// Payments on or after this date count (YYYY-MM-DD); all when absent.
    #[serde(default)]
    pub starts_on: Option<String>,
    /// The last day of the campaign (YYYY-MM-DD).
    pub ends_on: String,
    /// The operator's checkout page; the "Support" link goes there.
    pub checkout_url: String,
}

fn eur() -> String {
    "eur".into()
}

impl SiteConfig {
    /// Reads a site file; the error says what is wrong and where.
    pub fn load(path: &std::path::Path) -> Result<SiteConfig, verity_model::Invalid> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read the site file {}: {e}", path.display()))?;
        let config: SiteConfig = serde_json::from_str(&text)
            .map_err(|e| format!("the site file {} is not valid: {e} (see docs/site.md)", path.display()))?;
        if let Some(campaign) = &config.campaign {
            campaign.validate().map_err(|e| format!("the site file {}: {e}", path.display()))?;
        }
        for proxy in &config.trusted_proxies {
            if Network::parse(proxy).is_none() {
                return Err(format!(
                    "the site file {}: trusted_proxies holds {proxy:?}, which is neither an address nor a network \
                     such as 10.0.0.0/8",
                    path.display()
                )
                .into());
            }
        }
        Ok(config)
    }

    /// The client a request comes from: `peer`, unless `peer` is a trusted proxy; then the last address in
    /// `forwarded_for` (`X-Forwarded-For`, which each proxy appends to) that is not itself a trusted proxy.
    pub fn client(&self, peer: std::net::IpAddr, forwarded_for: Option<&str>) -> std::net::IpAddr {
        let trusted = |ip: &std::net::IpAddr| {
            self.trusted_proxies.iter().filter_map(|p| Network::parse(p)).any(|n| n.contains(ip))
        };
        if !trusted(&peer) {
            return peer;
        }
        let hops = forwarded_for.unwrap_or("").split(',').rev().map(str::trim);
        let mut client = peer;
        for hop in hops {
            match hop.parse::<std::net::IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !trusted(&ip) {
                        break;
                    }
                }
                // Garbage in the header: the last trusted hop is as far as anything is known.
                Err(_) => break,
            }
        }
        client
    }
}

/// An address, or a network in CIDR notation.
struct Network {
    base: std::net::IpAddr,
    prefix: u32,
}

impl Network {
    fn parse(s: &str) -> Option<Network> {
        let (address, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u32>().ok()?)),
            None => (s.trim(), None),
        };
        let base: std::net::IpAddr = address.parse().ok()?;
        let bits = if base.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(Network { base, prefix })
    }

    fn contains(&self, ip: &std::net::IpAddr) -> bool {
        let bits = |ip: &std::net::IpAddr| -> (u128, u32) {
            match ip {
                std::net::IpAddr::V4(v4) => (u128::from(u32::from(*v4)), 32),
                std::net::IpAddr::V6(v6) => (u128::from(*v6), 128),
            }
        };
        let ((base, width), (other, other_width)) = (bits(&self.base), bits(ip));
        if width != other_width {
            return false;
        }
        let shift = width - self.prefix;
        shift >= width || (base >> shift) == (other >> shift)
    }
}

impl Campaign {
    /// Checks what serde cannot: one goal, real dates, a web checkout link.
    pub fn validate(&self) -> Result<(), verity_model::Invalid> {
        if self.goal_supporters.is_none() == self.goal_amount.is_none() {
            return Err("a campaign has exactly one goal: goal_supporters or goal_amount".into());
        }
        for date in std::iter::once(&self.ends_on).chain(self.starts_on.as_ref()) {
            if parse_date(date).is_none() {
                return Err(format!("{date:?} is not a date; write YYYY-MM-DD").into());
            }
        }
        if !(self.checkout_url.starts_with("https://") || self.checkout_url.starts_with("http://")) {
            return Err("checkout_url must be an http(s) address".into());
        }
        Ok(())
    }
}

/// A `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<time::Date> {
    time::Date::parse(s.get(..10)?, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

#[cfg(test)]
mod client_tests {
    use super::*;

    /// The client `peer` is taken for, given `X-Forwarded-For`, with `trusted` as the site's proxies.
    fn check(trusted: &[&str], peer: &str, forwarded_for: Option<&str>, client: &str) {
        let site =
            SiteConfig { trusted_proxies: trusted.iter().map(|t| t.to_string()).collect(), ..SiteConfig::default() };
        assert_eq!(
            site.client(peer.parse().unwrap(), forwarded_for).to_string(),
            client,
            "{trusted:?} {peer} {forwarded_for:?}"
        );
    }

    #[test]
    fn only_a_trusted_proxy_is_believed_about_its_client() {
        check(&[], "203.0.113.9", Some("198.51.100.1"), "203.0.113.9");
        check(&["10.0.0.0/8"], "203.0.113.9", Some("198.51.100.1"), "203.0.113.9");
        check(&["10.0.0.0/8"], "10.1.2.3", Some("198.51.100.1"), "198.51.100.1");
        // A client may put anything first; each proxy appends what it saw, so the last untrusted hop counts.
        check(&["10.0.0.0/8"], "10.1.2.3", Some("1.1.1.1, 198.51.100.1, 10.9.9.9"), "198.51.100.1");
        check(&["10.0.0.1"], "10.0.0.1", Some("not an address"), "10.0.0.1");
        check(&["10.0.0.1"], "10.0.0.1", None, "10.0.0.1");
        check(&["::1"], "::1", Some("2001:db8::7"), "2001:db8::7");
        check(&["0.0.0.0/0"], "192.0.2.1", Some("192.0.2.2"), "192.0.2.2");
        assert!(Network::parse("10.0.0.0/33").is_none() && Network::parse("proxy").is_none());
    }
}
