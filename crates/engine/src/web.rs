//! The web as a source for checks: search the configured providers with planned queries, read the best pages
//! within a budget, store each as a snapshot, and let the check read them beside the local archive.

use std::collections::HashSet;
use std::time::Duration;

use verity_model::{Deadline, Diagnostic, Report, SourceTier, Stage, WebCoverage};
use verity_pipeline::claim::Claim;
use verity_web::{FetchConfig, Fetcher, Page, SearchError, WebSearch};

pub use verity_web::base_url;

/// One query's answer from one provider.
type Searched = Result<Vec<verity_web::SearchResult>, SearchError>;

/// A search provider and where it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    Wikipedia { base_url: String },
    Gdelt { base_url: String },
    Searxng { base_url: String },
    Brave { base_url: String, api_key: String },
}

impl Provider {
    /// The keyless defaults: Wikipedia and GDELT.
    pub fn keyless() -> Vec<Provider> {
        vec![Provider::wikipedia(), Provider::gdelt()]
    }

    /// English Wikipedia's search API.
    pub fn wikipedia() -> Provider {
        Provider::Wikipedia { base_url: verity_web::Wikipedia::DEFAULT_BASE.into() }
    }

    /// GDELT's DOC 2.0 news search.
    pub fn gdelt() -> Provider {
        Provider::Gdelt { base_url: verity_web::Gdelt::DEFAULT_BASE.into() }
    }

    /// Brave Search with an API key.
    pub fn brave(api_key: String) -> Provider {
        Provider::Brave { base_url: verity_web::Brave::DEFAULT_BASE.into(), api_key }
    }

    fn open(&self, timeout: Duration) -> Box<dyn WebSearch> {
        match self {
            Provider::Wikipedia { base_url } => Box::new(verity_web::Wikipedia::new(base_url, timeout)),
            Provider::Gdelt { base_url } => Box::new(verity_web::Gdelt::new(base_url, timeout)),
            Provider::Searxng { base_url } => Box::new(verity_web::Searxng::new(base_url, timeout)),
            Provider::Brave { base_url, api_key } => Box::new(verity_web::Brave::new(base_url, api_key, timeout)),
        }
    }
}

/// Which domains may be read, and how each is ranked. A domain matches itself and its subdomains.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourcePolicy {
    /// When not empty, only these domains are read.
    pub allow: Vec<String>,
    /// Never read.
    pub deny: Vec<String>,
    pub tiers: Vec<(String, SourceTier)>,
}

/// A source policy file as written (docs/web.md): `{"allow": [...], "deny": [...], "tiers": {"domain": "tier"}}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    deny: Vec<String>,
    #[serde(default)]
    tiers: std::collections::BTreeMap<String, SourceTier>,
}

impl SourcePolicy {
    /// Reads a source policy file; the error names the file and what is wrong with it.
    pub fn load(path: &std::path::Path) -> Result<SourcePolicy, verity_model::Invalid> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the source policy {}: {e}", path.display()))?;
        SourcePolicy::parse(&text)
            .map_err(|e| format!("the source policy {} is not valid (see docs/web.md): {e}", path.display()).into())
    }

    /// A source policy from the JSON of a policy file.
    pub fn parse(json: &str) -> Result<SourcePolicy, serde_json::Error> {
        let file: PolicyFile = serde_json::from_str(json)?;
        Ok(SourcePolicy { allow: file.allow, deny: file.deny, tiers: file.tiers.into_iter().collect() })
    }

    pub fn allows(&self, host: &str) -> bool {
        !self.deny.iter().any(|d| matches_domain(host, d))
            && (self.allow.is_empty() || self.allow.iter().any(|d| matches_domain(host, d)))
    }

    /// The tier of the most specific domain that matches `host`.
    pub fn tier(&self, host: &str) -> Option<SourceTier> {
        self.tiers.iter().filter(|(d, _)| matches_domain(host, d)).max_by_key(|(d, _)| d.len()).map(|(_, t)| *t)
    }
}

fn matches_domain(host: &str, domain: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let domain = domain.trim_start_matches('.').to_ascii_lowercase();
    host == domain || host.ends_with(&format!(".{domain}"))
}

/// How checks use the web.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub providers: Vec<Provider>,
    pub fetch: FetchConfig,
    /// Pages read per check at most.
    pub page_budget: usize,
    /// Results asked of each provider per query.
    pub results_per_query: usize,
    pub search_timeout: Duration,
    pub policy: SourcePolicy,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            providers: Provider::keyless(),
            fetch: FetchConfig::default(),
            page_budget: 15,
            results_per_query: 8,
            search_timeout: Duration::from_secs(10),
            policy: SourcePolicy::default(),
        }
    }
}

/// The web, opened: providers and the fetcher.
pub struct Web {
    config: WebConfig,
    providers: Vec<Box<dyn WebSearch>>,
    fetcher: Fetcher,
}

/// What a round of searching and reading brought.
#[derive(Default)]
pub(crate) struct Gathered {
    pub pages: Vec<Page>,
    pub diagnostics: Vec<Diagnostic>,
    pub coverage: WebCoverage,
}

impl Web {
    pub fn open(config: WebConfig) -> Result<Web, verity_web::FetchError> {
        let providers = config.providers.iter().map(|p| p.open(config.search_timeout)).collect();
        let fetcher = Fetcher::new(config.fetch.clone())?;
        Ok(Web { config, providers, fetcher })
    }

    pub fn policy(&self) -> &SourcePolicy {
        &self.config.policy
    }

    /// Searches every provider with every query (providers at once), reads up to `budget` new pages at once,
    /// and says what failed. `seen` holds URLs already read by this check.
    /// Pages not yet started when `deadline` passes are not read (the diagnostics count them); pages being read
    /// finish within the fetcher's own timeout.
    pub(crate) fn gather(
        &self,
        queries: &[String],
        budget: usize,
        seen: &mut HashSet<String>,
        deadline: &Deadline,
    ) -> Gathered {
        let mut gathered = Gathered::default();
        gathered.coverage.providers = self.providers.iter().map(|p| p.name().to_string()).collect();
        gathered.coverage.queries = queries.to_vec();
        let lists = self.search_all(queries, &mut gathered.diagnostics);
        let (urls, results) = self.pick_urls(lists, budget, seen);
        gathered.coverage.results = results;
        let mut stopped = 0;
        for (url, page) in urls.iter().zip(self.fetcher.fetch_all_until(&urls, &|| deadline.passed())) {
            match page {
                Err(verity_web::FetchError::NotStarted) => stopped += 1,
                Ok(page) => {
                    if let Some(note) = &page.note {
                        gathered
                            .diagnostics
                            .push(Diagnostic { stage: "web".into(), message: format!("{url}: {note}") });
                    }
                    gathered.pages.push(page)
                }
                Err(e) => {
                    gathered.coverage.pages_failed += 1;
                    gathered
                        .diagnostics
                        .push(Diagnostic { stage: "web".into(), message: format!("could not read {url}: {e}") });
                }
            }
        }
        if stopped > 0 {
            gathered.diagnostics.push(Diagnostic {
                stage: "web".into(),
                message: format!("{}: {stopped} of {} pages found were not read", deadline.reason(), urls.len()),
            });
        }
        gathered.coverage.pages_read = gathered.pages.len();
        gathered.coverage.rounds = 1;
        gathered
    }

    /// Every provider searched with every query, providers at once: one result list per search that answered,
    /// and a diagnostic per provider whose searches failed.
    fn search_all(
        &self,
        queries: &[String],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Vec<std::vec::IntoIter<verity_web::SearchResult>> {
        let per_provider: Vec<(String, Vec<Searched>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .providers
                .iter()
                .map(|provider| {
                    scope.spawn(move || {
                        let results =
                            queries.iter().map(|q| provider.search(q, self.config.results_per_query)).collect();
                        (provider.name().to_string(), results)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("a search thread does not panic")).collect()
        });
        let mut lists = Vec::new();
        for (name, results) in per_provider {
            let mut failures = Vec::new();
            for result in results {
                match result {
                    Ok(hits) => lists.push(hits.into_iter()),
                    Err(e) => failures.push(e),
                }
            }
            if let Some(first) = failures.first() {
                let message = if failures.len() == queries.len() {
                    format!("{first}; the check went on without {name}")
                } else {
                    format!("{} of {} searches failed: {first}", failures.len(), queries.len())
                };
                diagnostics.push(Diagnostic { stage: "web".into(), message });
            }
        }
        lists
    }

    /// The pages to read: the result lists interleaved (the first result of every list, then the second, ...: no
    /// provider or query crowds out the rest), each URL once (`seen` holds those this check already has), hosts the
    /// source policy allows, at most `budget`. Also how many new results there were.
    fn pick_urls(
        &self,
        mut lists: Vec<std::vec::IntoIter<verity_web::SearchResult>>,
        budget: usize,
        seen: &mut HashSet<String>,
    ) -> (Vec<String>, usize) {
        let mut urls = Vec::new();
        let mut results = 0;
        loop {
            let mut any = false;
            for list in lists.iter_mut() {
                let Some(hit) = list.next() else { continue };
                any = true;
                let key = normalized(&hit.url);
                if !seen.insert(key) {
                    continue;
                }
                results += 1;
                let allowed =
                    url::Url::parse(&hit.url).ok().and_then(|u| u.host_str().map(|h| self.config.policy.allows(h)));
                if allowed == Some(true) && urls.len() < budget {
                    urls.push(hit.url);
                }
            }
            if !any {
                break;
            }
        }
        (urls, results)
    }

    pub(crate) fn budget(&self) -> usize {
        self.config.page_budget
    }

    /// True when every provider failed to answer at all: the web is unavailable.
    pub(crate) fn unavailable(gathered: &Gathered) -> bool {
        gathered.coverage.results == 0 && !gathered.diagnostics.is_empty() && gathered.pages.is_empty()
    }
}

/// A URL without its fragment and tracking parameters, for recognising one page found twice.
fn normalized(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) => {
            u.set_fragment(None);
            let kept: Vec<(String, String)> = u
                .query_pairs()
                .filter(|(k, _)| !k.starts_with("utm_") && k != "fbclid" && k != "gclid")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            if kept.is_empty() {
                u.set_query(None);
            } else {
                u.query_pairs_mut().clear().extend_pairs(kept);
            }
            u.to_string()
        }
        Err(_) => raw.to_string(),
    }
}

/// The queries for a round: the first round's, or more when the first left the evidence thin.
pub(crate) fn queries(claim: &Claim, round: usize) -> Vec<String> {
    match round {
        1 => verity_pipeline::plan::web_queries(claim),
        _ => verity_pipeline::plan::more_queries(claim),
    }
}

impl crate::Engine {
    /// A check that reads the web first: a round of searching and reading, the check, and when the evidence is
    /// thin a second round within the page budget and the check again. Pages are stored as snapshots before the
    /// check reads them; what failed is in the report's diagnostics, and an unreachable web leaves a local check.
    pub(crate) fn check_with_web(
        &self,
        claim: &Claim,
        id: &str,
        deadline: &Deadline,
        observe: &mut dyn FnMut(Stage),
    ) -> crate::Result<(Report, verity_pipeline::Assessment)> {
        let mut seen = std::collections::HashSet::new();
        let mut coverage = WebCoverage::default();
        let mut diagnostics = Vec::new();
        let mut result = None;
        for round in 1..=2 {
            let Some(web) = self.web.as_ref() else { break };
            let budget = match round {
                1 => web.budget().div_ceil(3) * 2,
                _ => web.budget().saturating_sub(coverage.pages_read),
            };
            let queries = queries(claim, round);
            if budget == 0 || queries.is_empty() {
                break;
            }
            if deadline.passed() {
                diagnostics.push(Diagnostic {
                    stage: "web".into(),
                    message: format!("{}: web search round {round} was not started", deadline.reason()),
                });
                break;
            }
            let gathered = web.gather(&queries, budget, &mut seen, deadline);
            let unavailable = Web::unavailable(&gathered);
            self.store_pages(&gathered.pages)?;
            add_round(&mut coverage, &gathered.coverage, round);
            diagnostics.extend(gathered.diagnostics);
            observe(Stage::Web {
                queries: coverage.queries.len(),
                results: coverage.results,
                pages_read: coverage.pages_read,
            });
            if unavailable {
                coverage.unavailable = true;
                diagnostics.push(Diagnostic {
                    stage: "web".into(),
                    message: "web search is unavailable; only the local archive was checked".into(),
                });
                if result.is_some() {
                    break;
                }
            }
            let checked =
                self.check_against_observed(claim, id, &self.corpus(), Some(coverage.clone()), deadline, observe)?;
            let thin = checked.0.verdict.label == verity_model::VerdictLabel::NotEnoughEvidence;
            result = Some(checked);
            if !thin || unavailable {
                break;
            }
        }
        let (mut report, assessment) = match result {
            Some(r) => r,
            None => {
                let coverage = Some(coverage.clone());
                self.check_against_observed(claim, id, &self.corpus(), coverage, deadline, observe)?
            }
        };
        if let Some(web) = self.web.as_ref() {
            mark_tiers(&mut report, web.policy());
        }
        report.diagnostics.extend(diagnostics);
        Ok((report, assessment))
    }
}

/// Adds one round of web reading to what the check's coverage says so far.
fn add_round(coverage: &mut WebCoverage, round_coverage: &WebCoverage, round: usize) {
    coverage.providers = round_coverage.providers.clone();
    coverage.queries.extend(round_coverage.queries.iter().cloned());
    coverage.results += round_coverage.results;
    coverage.pages_read += round_coverage.pages_read;
    coverage.pages_failed += round_coverage.pages_failed;
    coverage.rounds = round;
}

/// Marks each web source with the tier the source policy gives its host.
fn mark_tiers(report: &mut verity_model::Report, policy: &SourcePolicy) {
    for source in &mut report.sources {
        let host =
            source.url.as_deref().and_then(|u| url::Url::parse(u).ok()).and_then(|u| u.host_str().map(str::to_string));
        source.tier = host.and_then(|h| policy.tier(&h));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_file_is_read_as_written_and_a_misspelt_key_is_refused() {
        let policy =
            SourcePolicy::parse(r#"{"deny": ["tabloid.example"], "tiers": {"parliament.example": "primary_record"}}"#)
                .unwrap();
        assert_eq!(policy.deny, ["tabloid.example"]);
        assert_eq!(policy.tier("www.parliament.example"), Some(SourceTier::PrimaryRecord));
        let misspelt = SourcePolicy::parse(r#"{"denied": ["x.example"]}"#).unwrap_err().to_string();
        assert!(misspelt.starts_with("unknown field `denied`"), "{misspelt}");
        let missing = SourcePolicy::load(std::path::Path::new("/nonexistent/policy.json")).unwrap_err();
        assert!(missing.0.starts_with("cannot read the source policy /nonexistent/policy.json"), "{missing}");
    }

    #[test]
    fn the_policy_matches_domains_and_their_subdomains_only() {
        let policy = SourcePolicy {
            allow: vec![],
            deny: vec!["spam.example".into()],
            tiers: vec![
                ("gov.example".into(), SourceTier::PrimaryRecord),
                ("data.gov.example".into(), SourceTier::Other),
            ],
        };
        assert!(!policy.allows("spam.example") && !policy.allows("www.spam.example"));
        assert!(policy.allows("notspam.example"));
        assert_eq!(policy.tier("stats.gov.example"), Some(SourceTier::PrimaryRecord));
        assert_eq!(policy.tier("data.gov.example"), Some(SourceTier::Other), "the most specific domain wins");
        assert_eq!(policy.tier("example.org"), None);
        let only = SourcePolicy { allow: vec!["ledger.example".into()], ..SourcePolicy::default() };
        assert!(only.allows("news.ledger.example") && !only.allows("courier.example"));
    }

    #[test]
    fn tracking_parameters_and_fragments_do_not_make_a_new_page() {
        assert_eq!(normalized("https://a.example/x?utm_source=t&id=3#top"), "https://a.example/x?id=3");
        assert_eq!(normalized("https://a.example/x?utm_medium=m"), "https://a.example/x");
    }
}
