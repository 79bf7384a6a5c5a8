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
    pub fn load(path: &std::path::Path) -> Result<SiteConfig, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read the site file {}: {e}", path.display()))?;
        let config: SiteConfig = serde_json::from_str(&text)
            .map_err(|e| format!("the site file {} is not valid: {e} (see docs/site.md)", path.display()))?;
        if let Some(campaign) = &config.campaign {
            campaign.validate().map_err(|e| format!("the site file {}: {e}", path.display()))?;
        }
        Ok(config)
    }
}

impl Campaign {
    /// Checks what serde cannot: one goal, real dates, a web checkout link.
    pub fn validate(&self) -> Result<(), String> {
        if self.goal_supporters.is_none() == self.goal_amount.is_none() {
            return Err("a campaign has exactly one goal: goal_supporters or goal_amount".into());
        }
        for date in std::iter::once(&self.ends_on).chain(self.starts_on.as_ref()) {
            if parse_date(date).is_none() {
                return Err(format!("{date:?} is not a date; write YYYY-MM-DD"));
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
