//! Published reports: every run kept as a version, the latest listed, filed by category and topic, searchable,
//! and the corrections log made of the runs whose verdict changed.

use verity_model::{Correction, Report, ReportSummary, Topic, VerdictLabel, VersionSummary};

use crate::sql::{ReadRow, Row, Session, args};
use crate::{Page, ReportFilter, Result, Store, StoreError, search_terms, sql_limit};

/// The columns [`ReportSummary`] reads, over `reports r`.
const SUMMARY_COLUMNS: &str = "r.id, r.slug, r.category, r.version, r.question, r.verdict, r.confidence, r.checked_on";

/// A stored verdict label; an unknown one (written by another Verity) reads as "not enough evidence".
fn label(s: String) -> VerdictLabel {
    VerdictLabel::parse(&s).unwrap_or(VerdictLabel::NotEnoughEvidence)
}

/// A stored report body.
fn parse_report(id: String, body: String) -> Result<Report> {
    serde_json::from_str(&body).map_err(|source| StoreError::CorruptReport { id, source })
}

impl ReadRow for ReportSummary {
    fn read(r: &mut Row) -> Result<Self> {
        Ok(ReportSummary {
            id: r.get(0)?,
            slug: r.get(1)?,
            category: r.get(2)?,
            version: r.get::<i64>(3)? as u32,
            question: r.get(4)?,
            verdict: label(r.get(5)?),
            confidence: r.get::<f64>(6)? as f32,
            checked_on: r.get(7)?,
        })
    }
}

impl ReadRow for VersionSummary {
    fn read(r: &mut Row) -> Result<Self> {
        Ok(VersionSummary {
            version: r.get::<i64>(0)? as u32,
            verdict: label(r.get(1)?),
            confidence: r.get::<f64>(2)? as f32,
            checked_on: r.get(3)?,
            created_at: r.get(4)?,
        })
    }
}

impl ReadRow for Correction {
    fn read(r: &mut Row) -> Result<Self> {
        Ok(Correction {
            report: ReportSummary::read(r)?,
            version: r.get::<i64>(8)? as u32,
            from: label(r.get(9)?),
            to: label(r.get(10)?),
            changed_on: r.get(11)?,
        })
    }
}

impl ReadRow for Topic {
    fn read(r: &mut Row) -> Result<Self> {
        Ok(Topic { key: r.get(0)?, name: r.get(1)?, reports: r.get::<i64>(2)? as usize })
    }
}

impl Store {
    /// Stores a run of a report. Version 1 of an id is a new report; a later version keeps the earlier ones
    /// readable and becomes the one listed. Storing a version that exists replaces it. `topics` are
    /// `(key, name)` pairs the report is filed under. One transaction: the listing, the versions, the topics and
    /// the search index never disagree.
    pub fn save_report(&self, report: &Report, topics: &[(String, String)], created_at: &str) -> Result<()> {
        self.write(|s| self.save_report_in(s, report, topics, created_at))
    }

    /// Saves a report inside the caller's transaction (a job completes in the same one).
    pub(crate) fn save_report_in(
        &self,
        s: &mut dyn Session,
        report: &Report,
        topics: &[(String, String)],
        created_at: &str,
    ) -> Result<()> {
        let body = serde_json::to_string(report).expect("a report always serialises");
        let (verdict, confidence, version) =
            (report.verdict.label.as_str(), f64::from(report.verdict.confidence), report.version);
        s.execute(
            "INSERT INTO reports (id, slug, question, claim, verdict, confidence, checked_on, created_at, body, category,
                                  version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (id) DO UPDATE SET slug = $2, question = $3, claim = $4, verdict = $5, confidence = $6,
                 checked_on = $7, created_at = $8, body = $9, category = $10, version = $11",
            args![
                &report.id,
                &report.slug,
                &report.question,
                &report.claim.text,
                verdict,
                confidence,
                &report.checked_on,
                created_at,
                &body,
                &report.category,
                version,
            ],
        )?;
        s.execute(
            "INSERT INTO report_versions (report_id, version, verdict, confidence, checked_on, created_at, body)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (report_id, version) DO UPDATE SET verdict = $3, confidence = $4, checked_on = $5,
                 created_at = $6, body = $7",
            args![&report.id, version, verdict, confidence, &report.checked_on, created_at, &body],
        )?;
        s.execute("DELETE FROM report_topics WHERE report_id = $1", args![&report.id])?;
        for (key, name) in topics {
            s.execute(
                "INSERT INTO report_topics (report_id, topic, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                args![&report.id, key, name],
            )?;
        }
        self.db().index_report(s, &report.id, Some((&report.question, &report.claim.text)))
    }

    /// The latest version of a report by id, by slug, or by a unique id prefix.
    pub fn report(&self, key: &str) -> Result<Option<Report>> {
        let prefix = format!("{}%", key.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let row: Option<(String, String)> = self.optional(
            "SELECT id, body FROM reports WHERE id = $1 OR slug = $1
                 UNION ALL SELECT id, body FROM reports WHERE id LIKE $2 ESCAPE '\\'
                     AND (SELECT COUNT(*) FROM reports WHERE id LIKE $2 ESCAPE '\\') = 1
                 LIMIT 1",
            args![key, prefix],
        )?;
        row.map(|(id, body)| parse_report(id, body)).transpose()
    }

    /// One stored run of the report with this id.
    pub fn report_version(&self, id: &str, version: u32) -> Result<Option<Report>> {
        let body: Option<String> = self
            .optional("SELECT body FROM report_versions WHERE report_id = $1 AND version = $2", args![id, version])?;
        body.map(|body| parse_report(id.to_string(), body)).transpose()
    }

    /// Every run of the report with this id, oldest first.
    pub fn report_versions(&self, id: &str) -> Result<Vec<VersionSummary>> {
        self.all(
            "SELECT version, verdict, confidence, checked_on, created_at FROM report_versions
             WHERE report_id = $1 ORDER BY version",
            args![id],
        )
    }

    /// A page of the latest versions, newest first.
    pub fn reports_page(&self, filter: &ReportFilter, offset: usize, limit: usize) -> Result<Page<ReportSummary>> {
        let condition = "(CAST($1 AS TEXT) IS NULL OR r.category = $1) AND (CAST($2 AS TEXT) IS NULL
             OR EXISTS (SELECT 1 FROM report_topics t WHERE t.report_id = r.id AND t.topic = $2))";
        self.read(|s| {
            let total: i64 = s.one(
                &format!("SELECT COUNT(*) FROM reports r WHERE {condition}"),
                args![&filter.category, &filter.topic],
            )?;
            let items = s.all(
                &format!(
                    "SELECT {SUMMARY_COLUMNS} FROM reports r WHERE {condition}
                     ORDER BY r.created_at DESC, {} DESC LIMIT $3 OFFSET $4",
                    self.db().report_sequence()
                ),
                args![&filter.category, &filter.topic, sql_limit(limit), sql_limit(offset)],
            )?;
            Ok(Page { items, total: total as usize })
        })
    }

    /// Stored reports, newest first.
    pub fn list_reports(&self, limit: usize) -> Result<Vec<ReportSummary>> {
        Ok(self.reports_page(&ReportFilter::default(), 0, limit)?.items)
    }

    /// Reports whose question or claim matches the terms, best match first. With `all`, every term must match;
    /// otherwise any. Terms are words, never query syntax.
    pub fn search_reports(
        &self,
        terms: &[String],
        all: bool,
        offset: usize,
        limit: usize,
    ) -> Result<Page<ReportSummary>> {
        // Each term is letters and digits only (`search_terms`), so the query is words, never query syntax.
        let Some(words) = search_terms(terms) else { return Ok(Page { items: Vec::new(), total: 0 }) };
        let query = self.db().search_query(&words, all);
        let (matching, relevance) = self.db().report_search();
        self.read(|s| {
            let total: i64 = s.one(&format!("SELECT COUNT(*) FROM {matching}"), args![&query])?;
            let items = s.all(
                &format!(
                    "SELECT {SUMMARY_COLUMNS} FROM {matching} ORDER BY {relevance}, r.created_at DESC
                     LIMIT $2 OFFSET $3"
                ),
                args![&query, sql_limit(limit), sql_limit(offset)],
            )?;
            Ok(Page { items, total: total as usize })
        })
    }

    /// Categories in use, with how many reports each holds, largest first.
    pub fn categories(&self) -> Result<Vec<(String, usize)>> {
        let rows: Vec<(String, i64)> =
            self.all("SELECT category, COUNT(*) FROM reports GROUP BY category ORDER BY COUNT(*) DESC, category", &[])?;
        Ok(rows.into_iter().map(|(category, n)| (category, n as usize)).collect())
    }

    /// Topics shared by at least `min_reports` reports, most reports first.
    pub fn topics(&self, min_reports: usize, limit: usize) -> Result<Vec<Topic>> {
        self.all(
            "SELECT topic, MIN(name), COUNT(*) FROM report_topics GROUP BY topic HAVING COUNT(*) >= $1
             ORDER BY COUNT(*) DESC, topic LIMIT $2",
            args![sql_limit(min_reports), sql_limit(limit)],
        )
    }

    /// The topics a report is filed under.
    pub fn topics_of(&self, id: &str) -> Result<Vec<Topic>> {
        self.all(
            "SELECT t.topic, t.name, (SELECT COUNT(*) FROM report_topics u WHERE u.topic = t.topic)
                 FROM report_topics t WHERE t.report_id = $1 ORDER BY t.name",
            args![id],
        )
    }

    /// Every run whose verdict differs from the run before it, newest first: the corrections log.
    pub fn corrections(&self, limit: usize) -> Result<Vec<Correction>> {
        self.all(
            &format!(
                "SELECT {SUMMARY_COLUMNS}, c.version, c.previous, c.verdict, c.checked_on FROM (
                         SELECT report_id, version, verdict, checked_on, created_at,
                                LAG(verdict) OVER (PARTITION BY report_id ORDER BY version) AS previous
                         FROM report_versions) c
                     JOIN reports r ON r.id = c.report_id
                     WHERE c.previous IS NOT NULL AND c.previous <> c.verdict
                     ORDER BY c.created_at DESC, c.version DESC LIMIT $1"
            ),
            args![sql_limit(limit)],
        )
    }

    /// Deletes a report and all its versions; false when there was none.
    pub fn delete_report(&self, id: &str) -> Result<bool> {
        self.write(|s| {
            self.db().index_report(s, id, None)?;
            s.execute("DELETE FROM report_topics WHERE report_id = $1", args![id])?;
            s.execute("DELETE FROM report_versions WHERE report_id = $1", args![id])?;
            Ok(s.execute("DELETE FROM reports WHERE id = $1", args![id])? > 0)
        })
    }
}
