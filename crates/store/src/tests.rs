use verity_model::{Document, Report};

use super::*;

fn doc(id: &str, text: &str) -> Document {
    Document {
        external_id: id.into(),
        title: format!("Title {id}"),
        text: text.into(),
        url: None,
        outlet: Some("Outlet".into()),
        published: Some("2025-01-02".into()),
        author: None,
    }
}

/// Puts each document as a single passage and returns the outcomes.
fn check(store: &mut Store, docs: &[Document]) -> Vec<PutOutcome> {
    let batch: Vec<NewDocument> =
        docs.iter().map(|d| NewDocument { document: d, passages: vec![(0, d.text.len())] }).collect();
    store.put_documents(&batch, "2026-01-01T00:00:00Z").unwrap()
}

#[test]
fn same_content_is_unchanged_and_changed_content_is_a_new_version() {
    let mut store = Store::open_in_memory().unwrap();
    let first = check(&mut store, &[doc("a", "Alpha text."), doc("b", "Beta text.")]);
    assert!(matches!(first[0], PutOutcome::Added { passages: 1, .. }));
    assert_eq!(check(&mut store, &[doc("a", "Alpha text.")]), [PutOutcome::Unchanged]);
    let again = check(&mut store, &[doc("a", "Alpha text, revised.")]);
    assert!(matches!(again[0], PutOutcome::NewVersion { version: 2, .. }), "{again:?}");
    let versions = store.versions_of("a").unwrap();
    assert_eq!(versions.iter().map(|v| v.text.as_str()).collect::<Vec<_>>(), ["Alpha text.", "Alpha text, revised."]);
    let counts = store.counts().unwrap();
    assert_eq!((counts.documents, counts.versions, counts.passages), (2, 3, 3));
}

#[test]
fn pending_index_follows_the_latest_version() {
    let mut store = Store::open_in_memory().unwrap();
    check(&mut store, &[doc("a", "One."), doc("b", "Two.")]);
    let pending = store.pending_index(10).unwrap();
    assert_eq!(pending.len(), 2);
    store.mark_indexed(&[pending[0].version_id, pending[1].version_id]).unwrap();
    assert_eq!(store.pending_index_count().unwrap(), 0);
    check(&mut store, &[doc("b", "Two, changed.")]);
    let pending = store.pending_index(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].external_id, "b");
    assert_eq!(pending[0].passages[0].text, "Two, changed.");
}

#[test]
fn passages_slice_by_bytes_even_with_multibyte_text() {
    let mut store = Store::open_in_memory().unwrap();
    let d = doc("u", "Café crème. Über alles.");
    let split = d.text.find(". ").unwrap() + 1;
    let batch = [NewDocument { document: &d, passages: vec![(0, split), (split + 1, d.text.len())] }];
    store.put_documents(&batch, "now").unwrap();
    let ids: Vec<i64> = store.pending_index(1).unwrap()[0].passages.iter().map(|p| p.passage_id).collect();
    let got = store.passages(&ids).unwrap();
    assert_eq!(got[0].0.text, "Café crème.");
    assert_eq!(got[1].0.text, "Über alles.");
    assert_eq!(got[1].1.doc_id, "u");
}

#[test]
fn a_failed_batch_leaves_nothing_behind() {
    let mut store = Store::open_in_memory().unwrap();
    check(&mut store, &[doc("keep", "Kept.")]);
    let good = doc("new", "New.");
    let bad = doc("bad", "Bad.");
    // A passage past the end of the text cannot be stored: the whole batch must roll back.
    store
        .conn
        .execute_batch(
            "CREATE TRIGGER no_bad BEFORE INSERT ON passages WHEN NEW.end > 100 BEGIN SELECT RAISE(ABORT, 'bad'); END;",
        )
        .unwrap();
    let batch = [
        NewDocument { document: &good, passages: vec![(0, 4)] },
        NewDocument { document: &bad, passages: vec![(0, 1000)] },
    ];
    assert!(store.put_documents(&batch, "now").is_err());
    assert_eq!(store.counts().unwrap().documents, 1);
}

#[test]
fn reports_round_trip_by_id_slug_and_prefix() {
    let mut store = Store::open_in_memory().unwrap();
    let report: Report = serde_json::from_value(serde_json::json!({
        "schema": "verity.report/1", "id": "abc123def456", "slug": "did-x-happen-abc123", "question": "Did X happen?",
        "claim": {"text": "X happened.", "entities": [], "key_terms": ["x"], "negated": false},
        "checked_on": "2026-11-26", "verdict": {"label": "not_enough_evidence", "confidence": 0.5},
        "disclaimer": "d", "summary": [], "sections": [], "follow_ups": [], "sources": [],
        "coverage": {"queries": [], "passages_considered": 0, "documents_considered": 0, "evidence_sentences": 0, "date_range": null}
    }))
    .unwrap();
    store.save_report(&report, "2026-11-26T00:00:00Z").unwrap();
    for key in ["abc123def456", "did-x-happen-abc123", "abc1"] {
        assert_eq!(store.report(key).unwrap().as_ref(), Some(&report), "{key}");
    }
    assert_eq!(store.report("zzz").unwrap(), None);
    assert_eq!(store.list_reports(10).unwrap()[0].question, "Did X happen?");
}

#[test]
fn a_newer_schema_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("verity.sqlite");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(&path).err().unwrap();
    assert!(err.to_string().contains("upgrade Verity or use another --data-dir"), "{err}");
}

#[test]
fn vectors_are_kept_per_model_and_follow_the_latest_version() {
    let mut store = Store::open_in_memory().unwrap();
    check(&mut store, &[doc("a", "Alpha."), doc("b", "Beta.")]);
    let pending = store.passages_without_vectors("m", 10).unwrap();
    assert_eq!(pending.iter().map(|p| p.text.as_str()).collect::<Vec<_>>(), ["Alpha.", "Beta."]);
    assert_eq!(pending[0].title, "Title a");
    assert_eq!(store.vector_coverage("m").unwrap(), (0, 2));
    let (a, b) = (pending[0].passage_id, pending[1].passage_id);
    store.put_vectors("m", &[(a, vec![1.0, -0.5])]).unwrap();
    assert_eq!(store.vector_coverage("m").unwrap(), (1, 2));
    store.put_vectors("m", &[(b, vec![0.25, 2.0])]).unwrap();
    assert_eq!(store.vector_coverage("m").unwrap(), (2, 2));
    assert!(store.passages_without_vectors("m", 10).unwrap().is_empty());
    assert_eq!(store.passages_without_vectors("other", 10).unwrap().len(), 2);
    assert_eq!(store.vectors("m").unwrap(), [(a, vec![1.0, -0.5]), (b, vec![0.25, 2.0])]);
    // A new version's passages need vectors of their own; the old version's drop out of search.
    check(&mut store, &[doc("a", "Alpha, changed.")]);
    let pending_now = store.passages_without_vectors("m", 10).unwrap();
    assert_eq!(pending_now.len(), 1);
    assert_eq!(pending_now[0].text, "Alpha, changed.");
    assert_eq!(store.vector_coverage("m").unwrap(), (1, 2));
    assert_eq!(store.vectors("m").unwrap().len(), 1);
    assert_eq!(store.passage_document_map().unwrap()[&pending_now[0].passage_id], "a");
}
