//! Stored reports as the site sees them: refreshing a check, its versions, questions asked before, browsing.

use verity_model::{Correction, Document, Report, ReportSummary, Topic, VersionSummary};

use verity_store::{Page, ReportFilter, Store};

use crate::{Engine, EngineError, Result};

/// Past reports compared with a new question before it runs.
const SIMILAR_CANDIDATES: usize = 10;

/// The topics a report is filed under: the names in its claim (not bare numbers), as `(key, name)`.
pub(crate) fn topics(report: &Report) -> Vec<(String, String)> {
    let mut topics: Vec<(String, String)> = report
        .claim
        .entities
        .iter()
        .filter(|e| e.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .map(|e| (topic_key(e), e.clone()))
        .filter(|(key, _)| !key.is_empty())
        .collect();
    topics.sort();
    topics.dedup_by(|a, b| a.0 == b.0);
    topics
}

/// A topic's key in URLs: its words, lower-cased, joined by `-`.
pub fn topic_key(name: &str) -> String {
    verity_text::words(name).join("-")
}

/// Read-only access to stored reports: what the site's pages show. From [`Engine::reports`], or from a
/// [`Reports`] connection of its own, so that reading never waits for a running check.
#[derive(Clone, Copy)]
pub struct ReportView<'a> {
    store: &'a Store,
}

/// A data directory's reports as the site reads them, apart from the [`Engine`] that writes them, and what the
/// site keeps besides (supporters, settings). Shared by a server's threads: reads never wait for a write.
pub struct Reports {
    store: Store,
}

impl Reports {
    /// Opens the reports of the store an [`Engine`] with this configuration has already opened (and migrated).
    pub fn open(config: &crate::Config) -> Result<Reports> {
        Ok(Reports { store: config.open_store()? })
    }

    /// Opens the reports only to read them: what `verity list` and `verity show` need. In a data directory that
    /// writes nothing (no migration, no index, no lock), so they work on a directory the user cannot write; a
    /// directory with no store yet has no reports. A database is read as it is (its migrations take a lock of
    /// their own and never wait on readers).
    pub fn open_read_only(config: &crate::Config) -> Result<Option<Reports>> {
        if config.database.is_some() {
            return Ok(Some(Reports { store: config.open_store()? }));
        }
        let path = config.data_dir.join(crate::STORE_FILE);
        if !path.exists() {
            return Ok(None);
        }
        Ok(Some(Reports { store: Store::open_read_only(&path)? }))
    }

    pub fn view(&self) -> ReportView<'_> {
        ReportView { store: &self.store }
    }

    /// The store, for what the site keeps besides reports (supporters, settings): shared, since a `Store` is
    /// `Sync` and its reads never wait for a write.
    pub fn site(&self) -> &Store {
        &self.store
    }
}

impl ReportView<'_> {
    /// The latest version of a report, by id, slug or unique id prefix.
    pub fn show(&self, key: &str) -> Result<Report> {
        self.store.report(key)?.ok_or_else(|| EngineError::NoSuchReport(key.to_string()))
    }

    /// One version of a report.
    pub fn show_version(&self, key: &str, version: u32) -> Result<Report> {
        let latest = self.show(key)?;
        self.store.report_version(&latest.id, version)?.ok_or_else(|| EngineError::NoSuchVersion {
            report: key.to_string(),
            version,
            latest: latest.version,
        })
    }

    /// Every run of a report, oldest first.
    pub fn versions(&self, key: &str) -> Result<Vec<VersionSummary>> {
        let latest = self.show(key)?;
        Ok(self.store.report_versions(&latest.id)?)
    }

    /// The newest reports.
    pub fn list(&self, limit: usize) -> Result<Vec<ReportSummary>> {
        Ok(self.store.list_reports(limit)?)
    }

    /// A page of reports, newest first.
    pub fn page(&self, filter: &ReportFilter, offset: usize, limit: usize) -> Result<Page<ReportSummary>> {
        Ok(self.store.reports_page(filter, offset, limit)?)
    }

    /// Past reports whose question or claim has every word of `query`, best first.
    pub fn search(&self, query: &str, offset: usize, limit: usize) -> Result<Page<ReportSummary>> {
        Ok(self.store.search_reports(&query_terms(query), true, offset, limit)?)
    }

    pub fn categories(&self) -> Result<Vec<(String, usize)>> {
        Ok(self.store.categories()?)
    }

    /// Topics shared by at least two reports.
    pub fn topics(&self, limit: usize) -> Result<Vec<Topic>> {
        Ok(self.store.topics(2, limit)?)
    }

    pub fn topics_of(&self, report_id: &str) -> Result<Vec<Topic>> {
        Ok(self.store.topics_of(report_id)?)
    }

    /// Verdict changes across versions, newest first.
    pub fn corrections(&self, limit: usize) -> Result<Vec<Correction>> {
        Ok(self.store.corrections(limit)?)
    }
}

/// A record sent to the API, read into a document: the fields of a JSON Lines record, each optional text field
/// a string when present. The error says which field is wrong.
fn api_record(record: serde_json::Value) -> std::result::Result<Document, String> {
    if record.get("id").and_then(|id| id.as_f64()).is_some_and(|n| n.fract() != 0.0) {
        return Err("`id` must be a string or a whole number".into());
    }
    for field in ["title", "url", "outlet", "published", "author"] {
        if record.get(field).is_some_and(|v| !(v.is_string() || v.is_null())) {
            return Err(format!("`{field}` must be a string"));
        }
    }
    verity_ingest::parse_record(record).map_err(|e| e.0)
}

/// What [`Engine::ingest_records`] did with a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordsOutcome {
    /// Every record was valid: how many documents were new or changed.
    Stored(usize),
    /// Some records were not valid, each named with why; nothing was stored.
    Refused(Vec<String>),
}

/// Sentence vectors for texts, when a model is at hand.
pub type Embed<'a> = dyn Fn(&[&str]) -> Option<Vec<Vec<f32>>> + 'a;

impl ReportView<'_> {
    /// The stored report that already answers `question`, if any: the best-matching candidate that
    /// [`verity_pipeline::similar::same_claim`] accepts, by words, or by vectors when `embed` gives them.
    pub fn similar(&self, question: &str, embed: Option<&Embed<'_>>) -> Result<Option<ReportSummary>> {
        let candidates = self.store.search_reports(&query_terms(question), false, 0, SIMILAR_CANDIDATES)?.items;
        if candidates.is_empty() {
            return Ok(None);
        }
        let cosines: Option<Vec<f32>> = embed.and_then(|embed| {
            let mut texts = vec![question];
            texts.extend(candidates.iter().map(|c| c.question.as_str()));
            let vectors = embed(&texts)?;
            Some(vectors[1..].iter().map(|v| cosine(&vectors[0], v)).collect())
        });
        Ok(candidates.into_iter().enumerate().find_map(|(i, candidate)| {
            let cosine = cosines.as_ref().map(|c| c[i]);
            verity_pipeline::similar::same_claim(question, &candidate.question, cosine).then_some(candidate)
        }))
    }
}

fn query_terms(query: &str) -> Vec<String> {
    verity_text::words(query).into_iter().filter(|w| !verity_text::is_stopword(w)).collect()
}

impl Engine {
    /// Read access to the stored reports.
    pub fn reports(&self) -> ReportView<'_> {
        ReportView { store: &self.store }
    }

    /// The latest version of a report (see [`ReportView::show`]).
    pub fn show(&self, key: &str) -> Result<Report> {
        self.reports().show(key)
    }

    /// The newest reports.
    pub fn list(&self, limit: usize) -> Result<Vec<ReportSummary>> {
        self.reports().list(limit)
    }

    /// The stored report that already answers `question` (the same claim, perhaps in other words), if any.
    /// Vectors are compared when the embedding model is installed.
    pub fn similar(&self, question: &str) -> Result<Option<ReportSummary>> {
        let embed = |texts: &[&str]| self.semantic.as_ref().and_then(|s| s.embedder.embed(texts).ok());
        self.reports().similar(question, Some(&embed))
    }

    /// Deletes a report with every version; the error names the key when there is none.
    pub fn delete_report(&self, key: &str) -> Result<()> {
        let report = self.show(key)?;
        self.store.delete_report(&report.id)?;
        Ok(())
    }

    /// Stores records handed over directly (the operator API; the fields of a JSON Lines record), all or none,
    /// and indexes them; embeds them when the model is installed.
    pub fn ingest_records(&self, records: Vec<serde_json::Value>) -> Result<RecordsOutcome> {
        let mut refused = Vec::new();
        let mut batch: Vec<Document> = Vec::new();
        for (i, record) in records.into_iter().enumerate() {
            match api_record(record) {
                Ok(doc) => batch.push(doc),
                Err(reason) => refused.push(format!("record {i}: {reason}")),
            }
        }
        if !refused.is_empty() {
            return Ok(RecordsOutcome::Refused(refused));
        }
        let mut summary = crate::IngestSummary::default();
        self.store_batch(&mut batch, &mut summary)?;
        self.embed(&mut |_| {})?;
        Ok(RecordsOutcome::Stored(summary.added + summary.new_versions))
    }
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b)).max(f32::EPSILON)
}
