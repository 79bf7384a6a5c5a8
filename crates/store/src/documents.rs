//! Documents with every version of their text, passages as byte offsets into a version, passage vectors, the
//! change sequence search indexes follow, and copying versions from one store into another.

use std::collections::HashMap;

use verity_model::{Document, Passage, SourceMeta};

use crate::sql::{Arg, ROWS_PER_STATEMENT, ReadRow, Row, Session, args, insert_rows, placeholders};
use crate::{
    Change, Counts, IndexItem, NewDocument, PutOutcome, Result, Store, StoreError, StoredVersion, UnembeddedPassage,
    VersionRecord, content_hash, sql_limit,
};

/// The columns [`SourceMeta`] reads, first in a query over `versions v JOIN documents d`.
const SOURCE_COLUMNS: &str =
    "v.id, v.version, v.title, v.url, v.outlet, v.published, v.author, d.external_id, v.fetched_at";
/// How many columns [`SOURCE_COLUMNS`] has: the index of the first column a query adds after them.
const AFTER_SOURCE: usize = 9;

impl ReadRow for SourceMeta {
    fn read(r: &mut Row) -> Result<Self> {
        Ok(SourceMeta {
            version_id: r.get(0)?,
            version: r.get::<i64>(1)? as u32,
            title: r.get(2)?,
            url: r.get(3)?,
            outlet: r.get(4)?,
            published: r.get(5)?,
            author: r.get(6)?,
            doc_id: r.get(7)?,
            fetched_at: r.get(8)?,
        })
    }
}

impl ReadRow for StoredVersion {
    fn read(r: &mut Row) -> Result<Self> {
        Ok(StoredVersion {
            meta: SourceMeta::read(r)?,
            text: r.get(AFTER_SOURCE)?,
            content_hash: r.get(AFTER_SOURCE + 1)?,
        })
    }
}

impl ReadRow for VersionRecord {
    fn read(r: &mut Row) -> Result<Self> {
        Ok(VersionRecord {
            id: r.get(0)?,
            version: r.get::<i64>(2)? as u32,
            content_hash: r.get(3)?,
            document: Document {
                external_id: r.get(1)?,
                title: r.get(4)?,
                text: r.get(5)?,
                url: r.get(6)?,
                outlet: r.get(7)?,
                published: r.get(8)?,
                author: r.get(9)?,
            },
            ingested_at: r.get(10)?,
            fetched_at: r.get(11)?,
            http_status: r.get(12)?,
            text_sha256: r.get(13)?,
            passages: Vec::new(),
        })
    }
}

/// A passage's text, from the bytes of its version's text the database sliced.
fn passage_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A passage as `(id, start, end)`.
type Span = (i64, i64, i64);

/// The spans of each of `versions`' passages, by version, in the passages' order.
fn spans_of(s: &mut dyn Session, versions: &[i64]) -> Result<HashMap<i64, Vec<Span>>> {
    let mut spans: HashMap<i64, Vec<Span>> = HashMap::new();
    for chunk in versions.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT version_id, id, start, \"end\" FROM passages WHERE version_id IN ({}) ORDER BY version_id, ordinal",
            placeholders(1, chunk.len())
        );
        let ids: Vec<Arg> = chunk.iter().map(|&id| id.into()).collect();
        for mut row in s.query(&sql, &ids)? {
            spans.entry(row.get(0)?).or_default().push((row.get(1)?, row.get(2)?, row.get(3)?));
        }
    }
    Ok(spans)
}

fn vector_bytes(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn vector_from(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

impl Store {
    /// Stores a batch of documents in one transaction: either the whole batch lands or none of it does.
    pub fn put_documents(&self, batch: &[NewDocument<'_>], now: &str) -> Result<Vec<PutOutcome>> {
        self.write(|s| {
            self.db().lock_documents(s)?;
            let outcomes = batch.iter().map(|new| put_one(s, new, now)).collect::<Result<Vec<_>>>()?;
            if outcomes.iter().any(|o| *o != PutOutcome::Unchanged) {
                self.db().announce(s, &Change::Documents)?;
            }
            Ok(outcomes)
        })
    }

    /// The change sequence a search index follows: documents whose latest version is numbered above `position`,
    /// in version order, at most `limit`, with their passages. Version numbers (ids) are committed in order (one
    /// writer of documents at a time), so an index that applied every version up to `n` has only these to catch
    /// up on, and can record the last one it applied as its new position.
    pub fn changes_after(&self, position: i64, limit: usize) -> Result<Vec<IndexItem>> {
        self.read(|s| {
            let rows: Vec<(i64, String, i64, String, String)> = s.all(
                "SELECT d.id, d.external_id, v.id, v.title, v.text
                 FROM versions v JOIN documents d ON d.latest_version_id = v.id
                 WHERE v.id > $1 ORDER BY v.id LIMIT $2",
                args![position, sql_limit(limit)],
            )?;
            let mut spans = spans_of(s, &rows.iter().map(|r| r.2).collect::<Vec<_>>())?;
            Ok(rows
                .into_iter()
                .map(|(document_id, external_id, version_id, title, text)| {
                    let passages = (spans.remove(&version_id).unwrap_or_default().into_iter())
                        .map(|(passage_id, start, end)| {
                            let (start, end) = (start as usize, end as usize);
                            Passage { passage_id, version_id, start, end, text: text[start..end].to_string() }
                        })
                        .collect();
                    IndexItem { document_id, external_id, version_id, title, text, passages }
                })
                .collect())
        })
    }

    /// How many documents have a latest version numbered above `position`: how far behind an index at that
    /// position is.
    pub fn changes_after_count(&self, position: i64) -> Result<usize> {
        let n: i64 = self.one("SELECT COUNT(*) FROM documents WHERE latest_version_id > $1", args![position])?;
        Ok(n as usize)
    }

    /// Passages by id, each with the metadata of its document version; unknown ids are left out.
    pub fn passages(&self, ids: &[i64]) -> Result<Vec<(Passage, SourceMeta)>> {
        let mut found: HashMap<i64, (Passage, SourceMeta)> = HashMap::new();
        self.read(|s| {
            for chunk in ids.chunks(ROWS_PER_STATEMENT) {
                let sql = format!(
                    "SELECT {SOURCE_COLUMNS}, p.id, p.start, p.\"end\", {}
                     FROM passages p JOIN versions v ON v.id = p.version_id JOIN documents d ON d.id = v.document_id
                     WHERE p.id IN ({})",
                    self.db().passage_bytes(),
                    placeholders(1, chunk.len())
                );
                for mut r in s.query(&sql, &chunk.iter().map(|&id| id.into()).collect::<Vec<_>>())? {
                    let meta = SourceMeta::read(&mut r)?;
                    let passage = Passage {
                        passage_id: r.get(AFTER_SOURCE)?,
                        version_id: meta.version_id,
                        start: r.get::<i64>(AFTER_SOURCE + 1)? as usize,
                        end: r.get::<i64>(AFTER_SOURCE + 2)? as usize,
                        text: passage_text(r.get(AFTER_SOURCE + 3)?),
                    };
                    found.insert(passage.passage_id, (passage, meta));
                }
            }
            Ok(())
        })?;
        Ok(ids.iter().filter_map(|id| found.get(id).cloned()).collect())
    }

    /// One stored version by its id, with its full text.
    pub fn version(&self, version_id: i64) -> Result<Option<StoredVersion>> {
        self.optional(
            &format!(
                "SELECT {SOURCE_COLUMNS}, v.text, v.content_hash
                     FROM versions v JOIN documents d ON d.id = v.document_id WHERE v.id = $1"
            ),
            args![version_id],
        )
    }

    /// Every stored version of a document, oldest first.
    pub fn versions_of(&self, external_id: &str) -> Result<Vec<StoredVersion>> {
        self.all(
            &format!(
                "SELECT {SOURCE_COLUMNS}, v.text, v.content_hash
                     FROM versions v JOIN documents d ON d.id = v.document_id WHERE d.external_id = $1
                     ORDER BY v.version"
            ),
            args![external_id],
        )
    }

    pub fn counts(&self) -> Result<Counts> {
        let (documents, versions, passages, reports): (i64, i64, i64, i64) = self.one(
            "SELECT (SELECT COUNT(*) FROM documents), (SELECT COUNT(*) FROM versions),
                        (SELECT COUNT(*) FROM passages), (SELECT COUNT(*) FROM reports)",
            &[],
        )?;
        let n = |count: i64| count as usize;
        Ok(Counts { documents: n(documents), versions: n(versions), passages: n(passages), reports: n(reports) })
    }

    /// Every document version numbered above `after`, oldest first, at most `limit`, with all it keeps: what a copy
    /// of the store reads.
    pub fn version_records_after(&self, after: i64, limit: usize) -> Result<Vec<VersionRecord>> {
        self.read(|s| {
            let mut records: Vec<VersionRecord> = s.all(
                "SELECT v.id, d.external_id, v.version, v.content_hash, v.title, v.text, v.url, v.outlet, v.published,
                        v.author, v.ingested_at, v.fetched_at, v.http_status, v.text_sha256
                 FROM versions v JOIN documents d ON d.id = v.document_id WHERE v.id > $1 ORDER BY v.id LIMIT $2",
                args![after, sql_limit(limit)],
            )?;
            let mut spans = spans_of(s, &records.iter().map(|r| r.id).collect::<Vec<_>>())?;
            for record in &mut records {
                record.passages = spans.remove(&record.id).unwrap_or_default();
            }
            Ok(records)
        })
    }

    /// Stores versions read from another store with their ids, in one transaction; a version already here with
    /// the same id and content is left as it is, so a copy can be run again or resumed. A version with an id
    /// this store uses for other content is [`StoreError::Conflict`]. Returns how many were new here.
    pub fn import_versions(&self, records: &[VersionRecord]) -> Result<usize> {
        self.write(|s| {
            self.db().lock_documents(s)?;
            let mut new = 0;
            for record in records {
                new += usize::from(import_one(s, record)?);
            }
            self.db().announce(s, &Change::Documents)?;
            self.db().after_import(s)?;
            Ok(new)
        })
    }

    /// The highest document version number (id) stored, 0 when there is none.
    pub fn last_version_id(&self) -> Result<i64> {
        self.one("SELECT COALESCE(MAX(id), 0) FROM versions", &[])
    }

    /// The external id of every document, by the store's document id.
    pub fn document_keys(&self) -> Result<HashMap<i64, String>> {
        Ok(self.all::<(i64, String)>("SELECT id, external_id FROM documents", &[])?.into_iter().collect())
    }

    /// The document (external id) of every passage of a current document version.
    pub fn passage_document_map(&self) -> Result<HashMap<i64, String>> {
        let pairs = self.all::<(i64, String)>(
            "SELECT p.id, d.external_id FROM documents d JOIN passages p ON p.version_id = d.latest_version_id",
            &[],
        )?;
        Ok(pairs.into_iter().collect())
    }

    /// Passages of latest document versions that have no vector for `model` yet and ids above `after`, at most
    /// `limit`, in id order, with their document's title (embedded together with the passage). `after` lets a
    /// reader run ahead of the writer of the vectors: pass the last id it read.
    pub fn passages_without_vectors(&self, model: &str, after: i64, limit: usize) -> Result<Vec<UnembeddedPassage>> {
        let rows = self.all::<(i64, String, Vec<u8>)>(
            &format!(
                "SELECT p.id, v.title, {} FROM documents d JOIN versions v ON v.id = d.latest_version_id
                     JOIN passages p ON p.version_id = v.id
                     WHERE p.id > $3
                       AND NOT EXISTS (SELECT 1 FROM passage_vectors pv WHERE pv.passage_id = p.id AND pv.model = $1)
                     ORDER BY p.id LIMIT $2",
                self.db().passage_bytes()
            ),
            args![model, sql_limit(limit), after],
        )?;
        Ok(rows
            .into_iter()
            .map(|(passage_id, title, bytes)| UnembeddedPassage { passage_id, title, text: passage_text(bytes) })
            .collect())
    }

    /// How many passages of latest document versions have a vector for `model`, out of how many.
    pub fn vector_coverage(&self, model: &str) -> Result<(usize, usize)> {
        let (with, total): (i64, i64) = self.one(
            "SELECT COUNT(pv.passage_id), COUNT(*)
                 FROM documents d JOIN passages p ON p.version_id = d.latest_version_id
                 LEFT JOIN passage_vectors pv ON pv.passage_id = p.id AND pv.model = $1",
            args![model],
        )?;
        Ok((with as usize, total as usize))
    }

    /// Stores passage vectors for `model` in one transaction.
    pub fn put_vectors(&self, model: &str, vectors: &[(i64, Vec<f32>)]) -> Result<()> {
        let bytes: Vec<Vec<u8>> = vectors.iter().map(|(_, v)| vector_bytes(v)).collect();
        let rows: Vec<Arg> = (vectors.iter().zip(&bytes))
            .flat_map(|((id, _), bytes)| [Arg::Int(*id), model.into(), Arg::Blob(bytes)])
            .collect();
        self.write(|s| {
            insert_rows(
                s,
                "INSERT INTO passage_vectors (passage_id, model, vector)",
                "ON CONFLICT (passage_id, model) DO UPDATE SET vector = excluded.vector",
                3,
                &rows,
            )
        })
    }

    /// Like [`Store::vectors`], only of passages with ids above `after`, at most `limit` of them in id order:
    /// passage ids only grow, so an index of vectors is brought up to date a batch at a time without reading
    /// them all again.
    pub fn vectors_after(&self, model: &str, after: i64, limit: usize) -> Result<Vec<(i64, Vec<f32>)>> {
        let rows = self.all::<(i64, Vec<u8>)>(
            "SELECT pv.passage_id, pv.vector FROM passage_vectors pv JOIN passages p ON p.id = pv.passage_id
                 JOIN documents d ON d.latest_version_id = p.version_id WHERE pv.model = $1 AND pv.passage_id > $2
                 ORDER BY pv.passage_id LIMIT $3",
            args![model, after, sql_limit(limit)],
        )?;
        Ok(rows.into_iter().map(|(id, bytes)| (id, vector_from(&bytes))).collect())
    }

    /// Every vector of `model` for passages of latest document versions, as (passage id, vector).
    pub fn vectors(&self, model: &str) -> Result<Vec<(i64, Vec<f32>)>> {
        self.vectors_after(model, i64::MIN, usize::MAX)
    }

    /// The vectors of `model` of the passages `ids` (current or not); unknown ids are left out.
    pub fn vectors_by_id(&self, model: &str, ids: &[i64]) -> Result<Vec<(i64, Vec<f32>)>> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "SELECT passage_id, vector FROM passage_vectors WHERE model = $1 AND passage_id IN ({})",
                placeholders(2, chunk.len())
            );
            let mut args: Vec<Arg> = vec![model.into()];
            args.extend(chunk.iter().map(|&id| Arg::Int(id)));
            found.extend(self.all::<(i64, Vec<u8>)>(&sql, &args)?.into_iter().map(|(id, b)| (id, vector_from(&b))));
        }
        Ok(found)
    }

    /// The ids of the passages of latest document versions that have a vector of `model`, ascending.
    pub fn vector_ids(&self, model: &str) -> Result<Vec<i64>> {
        self.all(
            "SELECT pv.passage_id FROM passage_vectors pv JOIN passages p ON p.id = pv.passage_id
                 JOIN documents d ON d.latest_version_id = p.version_id WHERE pv.model = $1 ORDER BY pv.passage_id",
            args![model],
        )
    }

    /// The ids of passages with a vector of `model` whose document has a newer version: what an index of vectors
    /// must stop finding.
    pub fn stale_vector_ids(&self, model: &str) -> Result<Vec<i64>> {
        self.all(
            "SELECT pv.passage_id FROM passage_vectors pv JOIN passages p ON p.id = pv.passage_id
                 JOIN versions v ON v.id = p.version_id JOIN documents d ON d.id = v.document_id
                 WHERE pv.model = $1 AND d.latest_version_id <> p.version_id ORDER BY pv.passage_id",
            args![model],
        )
    }

    /// The models that passages have vectors of.
    pub fn vector_models(&self) -> Result<Vec<String>> {
        self.all("SELECT DISTINCT model FROM passage_vectors ORDER BY model", &[])
    }
}

fn put_one(s: &mut dyn Session, new: &NewDocument<'_>, now: &str) -> Result<PutOutcome> {
    let doc = new.document;
    let hash = content_hash(doc);
    s.execute(
        "INSERT INTO documents (external_id) VALUES ($1) ON CONFLICT (external_id) DO NOTHING",
        args![&doc.external_id],
    )?;
    let (document_id, latest_hash, latest_version): (i64, Option<String>, Option<i64>) = s.one(
        "SELECT d.id, v.content_hash, v.version FROM documents d LEFT JOIN versions v ON v.id = d.latest_version_id
         WHERE d.external_id = $1",
        args![&doc.external_id],
    )?;
    if latest_hash.as_deref() == Some(hash.as_str()) {
        return Ok(PutOutcome::Unchanged);
    }
    let version = latest_version.unwrap_or(0) + 1;
    let version_id: i64 = s.one(
        "INSERT INTO versions (document_id, version, content_hash, title, text, url, outlet, published, author,
                               ingested_at, fetched_at, http_status, text_sha256)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        args![
            document_id,
            version,
            &hash,
            &doc.title,
            &doc.text,
            &doc.url,
            &doc.outlet,
            &doc.published,
            &doc.author,
            now,
            new.fetched.map(|f| f.at.as_str()),
            new.fetched.map(|f| i64::from(f.status)),
            new.fetched.map(|f| f.text_sha256.as_str()),
        ],
    )?;
    let spans: Vec<Arg> = (new.passages.iter().enumerate())
        .flat_map(|(ordinal, (start, end))| [version_id, ordinal as i64, *start as i64, *end as i64].map(Arg::Int))
        .collect();
    insert_rows(s, "INSERT INTO passages (version_id, ordinal, start, \"end\")", "", 4, &spans)?;
    s.execute("UPDATE documents SET latest_version_id = $1 WHERE id = $2", args![version_id, document_id])?;
    Ok(if version == 1 {
        PutOutcome::Added { version_id, passages: new.passages.len() }
    } else {
        PutOutcome::NewVersion { version_id, version: version as u32, passages: new.passages.len() }
    })
}

/// Copies one version in with its ids; whether it was new here.
fn import_one(s: &mut dyn Session, r: &VersionRecord) -> Result<bool> {
    s.execute(
        "INSERT INTO documents (external_id) VALUES ($1) ON CONFLICT (external_id) DO NOTHING",
        args![&r.document.external_id],
    )?;
    let document_id: i64 = s.one("SELECT id FROM documents WHERE external_id = $1", args![&r.document.external_id])?;
    let inserted = s.execute(
        "INSERT INTO versions (id, document_id, version, content_hash, title, text, url, outlet, published, author,
                               ingested_at, fetched_at, http_status, text_sha256)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (id) DO NOTHING",
        args![
            r.id,
            document_id,
            r.version,
            &r.content_hash,
            &r.document.title,
            &r.document.text,
            &r.document.url,
            &r.document.outlet,
            &r.document.published,
            &r.document.author,
            &r.ingested_at,
            &r.fetched_at,
            r.http_status,
            &r.text_sha256,
        ],
    )?;
    let (hash, owner): (String, i64) =
        s.one("SELECT content_hash, document_id FROM versions WHERE id = $1", args![r.id])?;
    if hash != r.content_hash || owner != document_id {
        return Err(StoreError::Conflict { id: r.id });
    }
    if inserted == 0 {
        return Ok(false);
    }
    let spans: Vec<Arg> = (r.passages.iter().enumerate())
        .flat_map(|(ordinal, (id, start, end))| [*id, r.id, ordinal as i64, *start, *end].map(Arg::Int))
        .collect();
    insert_rows(
        s,
        "INSERT INTO passages (id, version_id, ordinal, start, \"end\")",
        "ON CONFLICT (id) DO NOTHING",
        5,
        &spans,
    )?;
    s.execute(
        "UPDATE documents SET latest_version_id = $1
         WHERE id = $2 AND (latest_version_id IS NULL OR latest_version_id < $1)",
        args![r.id, document_id],
    )?;
    Ok(true)
}
