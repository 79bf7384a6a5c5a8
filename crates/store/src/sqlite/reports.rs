//! Published reports: every run kept as a version, the latest listed, filed and searchable.

use rusqlite::{OptionalExtension, params};
use verity_model::{Correction, Report, ReportSummary, Topic, VersionSummary};

use super::Sqlite;
use crate::shared::{SUMMARY_COLUMNS, label, parse_report};
use crate::{Page, ReportFilter, Result, search_terms, sql_limit};

fn summary(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReportSummary> {
    Ok(ReportSummary {
        id: r.get(0)?,
        slug: r.get(1)?,
        category: r.get(2)?,
        version: r.get::<_, i64>(3)? as u32,
        question: r.get(4)?,
        verdict: label(r.get::<_, String>(5)?),
        confidence: r.get::<_, f64>(6)? as f32,
        checked_on: r.get(7)?,
    })
}

/// An FTS5 query matching every term (`all`) or any of them, each quoted so no term is read as syntax.
fn match_expression(terms: &[String], all: bool) -> Option<String> {
    let quoted: Vec<String> = search_terms(terms)?.iter().map(|t| format!("\"{t}\"")).collect();
    Some(quoted.join(if all { " AND " } else { " OR " }))
}

impl Sqlite {
    /// Stores a run of a report. Version 1 of an id is a new report; a later version keeps the earlier ones
    /// readable and becomes the one listed. Storing a version that exists replaces it. `topics` are
    /// `(key, name)` pairs the report is filed under. One transaction: the listing, the versions, the topics and
    /// the search index never disagree.
    pub(crate) fn save_report(&self, report: &Report, topics: &[(String, String)], created_at: &str) -> Result<()> {
        let mut conn = self.write();
        let tx = super::write_transaction(&mut conn)?;
        save_report_in(&tx, report, topics, created_at)?;
        tx.commit()?;
        Ok(())
    }

    /// The latest version of a report by id, by slug, or by a unique id prefix.
    pub(crate) fn report(&self, key: &str) -> Result<Option<Report>> {
        let row: Option<(String, String)> = self
            .read()?
            .query_row(
                "SELECT id, body FROM reports WHERE id = ?1 OR slug = ?1
                 UNION ALL SELECT id, body FROM reports WHERE id LIKE ?2 ESCAPE '\\'
                 AND (SELECT COUNT(*) FROM reports WHERE id LIKE ?2 ESCAPE '\\') = 1
                 LIMIT 1",
                params![key, format!("{}%", key.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(id, body)| parse_report(id, body)).transpose()
    }

    /// One stored run of the report with this id.
    pub(crate) fn report_version(&self, id: &str, version: u32) -> Result<Option<Report>> {
        let body: Option<String> = self
            .read()?
            .query_row(
                "SELECT body FROM report_versions WHERE report_id = ?1 AND version = ?2",
                params![id, version],
                |r| r.get(0),
            )
            .optional()?;
        body.map(|body| parse_report(id.to_string(), body)).transpose()
    }

    /// Every run of the report with this id, oldest first.
    pub(crate) fn report_versions(&self, id: &str) -> Result<Vec<VersionSummary>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT version, verdict, confidence, checked_on, created_at FROM report_versions
             WHERE report_id = ?1 ORDER BY version",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(VersionSummary {
                version: r.get::<_, i64>(0)? as u32,
                verdict: label(r.get(1)?),
                confidence: r.get::<_, f64>(2)? as f32,
                checked_on: r.get(3)?,
                created_at: r.get(4)?,
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(Into::into)
    }

    /// A page of the latest versions, newest first.
    pub(crate) fn reports_page(
        &self,
        filter: &ReportFilter,
        offset: usize,
        limit: usize,
    ) -> Result<Page<ReportSummary>> {
        let conn = self.read()?;
        let condition = "(?1 IS NULL OR r.category = ?1)
             AND (?2 IS NULL OR EXISTS (SELECT 1 FROM report_topics t WHERE t.report_id = r.id AND t.topic = ?2))";
        let total: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM reports r WHERE {condition}"),
            params![filter.category, filter.topic],
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM reports r WHERE {condition}
             ORDER BY r.created_at DESC, r.rowid DESC LIMIT ?3 OFFSET ?4"
        ))?;
        let rows =
            stmt.query_map(params![filter.category, filter.topic, sql_limit(limit), sql_limit(offset)], summary)?;
        Ok(Page { items: rows.collect::<rusqlite::Result<Vec<_>>>()?, total: total as usize })
    }

    /// Reports whose question or claim matches the terms, best match first. With `all`, every term must match;
    /// otherwise any. Terms are words, never query syntax.
    pub(crate) fn search_reports(
        &self,
        terms: &[String],
        all: bool,
        offset: usize,
        limit: usize,
    ) -> Result<Page<ReportSummary>> {
        let conn = self.read()?;
        let Some(expression) = match_expression(terms, all) else {
            return Ok(Page { items: Vec::new(), total: 0 });
        };
        let total: i64 =
            conn.query_row("SELECT COUNT(*) FROM reports_fts WHERE reports_fts MATCH ?1", [&expression], |r| r.get(0))?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM reports_fts f JOIN reports r ON r.id = f.report_id
             WHERE reports_fts MATCH ?1 ORDER BY bm25(reports_fts), r.created_at DESC LIMIT ?2 OFFSET ?3"
        ))?;
        let rows = stmt.query_map(params![expression, sql_limit(limit), sql_limit(offset)], summary)?;
        Ok(Page { items: rows.collect::<rusqlite::Result<Vec<_>>>()?, total: total as usize })
    }

    /// Categories in use, with how many reports each holds, largest first.
    pub(crate) fn categories(&self) -> Result<Vec<(String, usize)>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT category, COUNT(*) FROM reports GROUP BY category ORDER BY COUNT(*) DESC, category",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(Into::into)
    }

    /// Topics shared by at least `min_reports` reports, most reports first.
    pub(crate) fn topics(&self, min_reports: usize, limit: usize) -> Result<Vec<Topic>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT topic, MIN(name), COUNT(*) FROM report_topics GROUP BY topic HAVING COUNT(*) >= ?1
             ORDER BY COUNT(*) DESC, topic LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![min_reports as i64, sql_limit(limit)], |r| {
            Ok(Topic { key: r.get(0)?, name: r.get(1)?, reports: r.get::<_, i64>(2)? as usize })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(Into::into)
    }

    /// The topics a report is filed under.
    pub(crate) fn topics_of(&self, id: &str) -> Result<Vec<Topic>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(
            "SELECT t.topic, t.name, (SELECT COUNT(*) FROM report_topics u WHERE u.topic = t.topic)
             FROM report_topics t WHERE t.report_id = ?1 ORDER BY t.name",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(Topic { key: r.get(0)?, name: r.get(1)?, reports: r.get::<_, i64>(2)? as usize })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(Into::into)
    }

    /// Every run whose verdict differs from the run before it, newest first: the corrections log.
    pub(crate) fn corrections(&self, limit: usize) -> Result<Vec<Correction>> {
        let conn = self.read()?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS}, c.version, c.previous, c.verdict, c.checked_on FROM (
                 SELECT report_id, version, verdict, checked_on, created_at,
                        LAG(verdict) OVER (PARTITION BY report_id ORDER BY version) AS previous
                 FROM report_versions) c
             JOIN reports r ON r.id = c.report_id
             WHERE c.previous IS NOT NULL AND c.previous <> c.verdict
             ORDER BY c.created_at DESC, c.version DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([sql_limit(limit)], |r| {
            Ok(Correction {
                report: summary(r)?,
                version: r.get::<_, i64>(8)? as u32,
                from: label(r.get(9)?),
                to: label(r.get(10)?),
                changed_on: r.get(11)?,
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(Into::into)
    }

    /// Deletes a report and all its versions; false when there was none.
    pub(crate) fn delete_report(&self, id: &str) -> Result<bool> {
        let mut conn = self.write();
        let tx = super::write_transaction(&mut conn)?;
        tx.execute("DELETE FROM reports_fts WHERE report_id = ?1", [id])?;
        tx.execute("DELETE FROM report_topics WHERE report_id = ?1", [id])?;
        tx.execute("DELETE FROM report_versions WHERE report_id = ?1", [id])?;
        let deleted = tx.execute("DELETE FROM reports WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(deleted > 0)
    }
}

/// Saves a report inside the caller's transaction (a job completes in the same one).
pub(super) fn save_report_in(
    tx: &rusqlite::Transaction<'_>,
    report: &Report,
    topics: &[(String, String)],
    created_at: &str,
) -> Result<()> {
    let body = serde_json::to_string(report).expect("a report always serialises");
    tx.execute(
        "INSERT INTO reports (id, slug, question, verdict, confidence, checked_on, created_at, body, category, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET slug = ?2, question = ?3, verdict = ?4, confidence = ?5,
             checked_on = ?6, created_at = ?7, body = ?8, category = ?9, version = ?10",
        params![
            report.id,
            report.slug,
            report.question,
            report.verdict.label.as_str(),
            report.verdict.confidence as f64,
            report.checked_on,
            created_at,
            body,
            report.category,
            report.version
        ],
    )?;
    tx.execute(
        "INSERT OR REPLACE INTO report_versions (report_id, version, verdict, confidence, checked_on, created_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            report.id,
            report.version,
            report.verdict.label.as_str(),
            report.verdict.confidence as f64,
            report.checked_on,
            created_at,
            body
        ],
    )?;
    tx.execute("DELETE FROM report_topics WHERE report_id = ?1", [&report.id])?;
    for (key, name) in topics {
        tx.execute(
            "INSERT OR IGNORE INTO report_topics (report_id, topic, name) VALUES (?1, ?2, ?3)",
            params![report.id, key, name],
        )?;
    }
    tx.execute("DELETE FROM reports_fts WHERE report_id = ?1", [&report.id])?;
    tx.execute(
        "INSERT INTO reports_fts (report_id, question, claim) VALUES (?1, ?2, ?3)",
        params![report.id, report.question, report.claim.text],
    )?;
    Ok(())
}
