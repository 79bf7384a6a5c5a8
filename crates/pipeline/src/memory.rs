//! [`MemoryCorpus`]: an in-memory [`Corpus`] for tests and examples. It scores passages by how many of the
//! query's content words they share, one passage per document; good enough to drive the pipeline, not a search
//! engine.

use std::collections::HashMap;

use verity_model::{Passage, PassageHit, SourceMeta};

use crate::Corpus;

#[derive(Default)]
pub struct MemoryCorpus {
    docs: Vec<(SourceMeta, String)>,
    /// Stored text that differs from what search returns: simulates a snapshot that changed underneath.
    tampered: HashMap<i64, String>,
    failing: Option<String>,
}

impl MemoryCorpus {
    pub fn new() -> MemoryCorpus {
        MemoryCorpus::default()
    }

    /// Adds a document; its version id is its position.
    pub fn with(mut self, doc_id: &str, outlet: &str, text: &str) -> MemoryCorpus {
        let version_id = self.docs.len() as i64 + 1;
        let meta = SourceMeta {
            doc_id: doc_id.into(),
            version: 1,
            version_id,
            title: doc_id.into(),
            outlet: Some(outlet.into()),
            url: None,
            published: None,
            author: None,
            fetched_at: None,
        };
        self.docs.push((meta, text.into()));
        self
    }

    /// Makes the stored snapshot of `doc_id` differ from the text search returns.
    pub fn tamper(mut self, doc_id: &str, stored: &str) -> MemoryCorpus {
        let id = self.docs.iter().find(|(m, _)| m.doc_id == doc_id).expect("known doc").0.version_id;
        self.tampered.insert(id, stored.into());
        self
    }

    /// Makes every search fail with `message`.
    pub fn failing(mut self, message: &str) -> MemoryCorpus {
        self.failing = Some(message.into());
        self
    }
}

impl Corpus for MemoryCorpus {
    fn search(&self, query: &str, limit: usize) -> Result<Vec<PassageHit>, verity_model::Failure> {
        if let Some(message) = &self.failing {
            return Err(verity_model::Failure::Unavailable(message.clone()));
        }
        let terms = verity_text::content_terms(query);
        let mut hits: Vec<PassageHit> = self
            .docs
            .iter()
            .filter_map(|(meta, text)| {
                let words = verity_text::content_terms(text);
                let score = terms.iter().filter(|t| words.contains(t)).count() as f32;
                (score > 0.0).then(|| PassageHit {
                    passage: Passage {
                        passage_id: meta.version_id,
                        version_id: meta.version_id,
                        start: 0,
                        end: text.len(),
                        text: text.clone(),
                    },
                    source: meta.clone(),
                    score,
                })
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits.truncate(limit);
        Ok(hits)
    }

    fn term_weights(&self, _text: &str) -> Vec<(String, f32)> {
        Vec::new()
    }

    fn snapshot(&self, version_id: i64) -> Option<String> {
        self.tampered
            .get(&version_id)
            .cloned()
            .or_else(|| self.docs.iter().find(|(m, _)| m.version_id == version_id).map(|(_, t)| t.clone()))
    }
}
