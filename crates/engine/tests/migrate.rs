//! `verity migrate`: a whole store copied between SQLite and PostgreSQL, again and again, losing nothing and
//! copying nothing twice.

use verity_engine::migrate::{MigrateSummary, copy};
use verity_model::{Document, Report};
use verity_pgtest::Cluster;
use verity_store::{FeedPoll, Fetched, NewDocument, Store};

fn doc(id: &str, text: &str) -> Document {
    Document {
        external_id: id.into(),
        title: format!("Title {id}"),
        text: text.into(),
        url: Some(format!("https://news.example/{id}")),
        outlet: Some("Outlet".into()),
        published: Some("2025-01-02".into()),
        author: None,
    }
}

fn report(id: &str, version: u32, verdict: &str, cites: i64) -> Report {
    serde_json::from_value(serde_json::json!({
        "schema": "verity.report/1", "id": id, "slug": format!("q-{id}"), "version": version, "category": "politics",
        "question": format!("Did {id} happen?"), "claim": {"text": format!("{id} happened."), "entities": [],
        "key_terms": [], "negated": false}, "checked_on": format!("2026-0{version}-01"),
        "verdict": {"label": verdict, "confidence": 0.5}, "disclaimer": "d", "summary": [], "sections": [],
        "follow_ups": [], "sources": [{"n": 1, "doc_id": "a", "version_id": cites, "version": 2, "title": "A",
        "stance": "supports", "quotes": []}],
        "coverage": {"queries": [], "passages_considered": 0, "documents_considered": 0, "evidence_sentences": 0}
    }))
    .unwrap()
}

/// A store holding one of everything: documents with two versions and a web snapshot, vectors, a report with
/// two runs and a topic, a supporter, a setting, a followed feed with an item.
fn filled(store: &Store) {
    let put = |d: &Document, fetched: Option<&Fetched>| {
        let batch = [NewDocument { document: d, passages: vec![(0, 5), (6, d.text.len())], fetched }];
        store.put_documents(&batch, "2026-01-01T00:00:00.000000Z").unwrap();
    };
    put(&doc("a", "Alpha first text."), None);
    let page = Fetched { at: "2026-01-02T00:00:00.000000Z".into(), status: 200, text_sha256: "ab".into() };
    put(&doc("b", "Bravo from the web."), Some(&page));
    put(&doc("a", "Alpha, revised text."), None);
    for i in 0..250 {
        put(&doc(&format!("bulk-{i}"), &format!("Bulk text number {i}.")), None);
    }
    let passages: Vec<i64> = store.passages_without_vectors("m", 0, 10).unwrap().iter().map(|p| p.passage_id).collect();
    store.put_vectors("m", &passages.iter().map(|id| (*id, vec![*id as f32, 0.5])).collect::<Vec<_>>()).unwrap();
    let cited = store.versions_of("a").unwrap()[1].meta.version_id;
    let topic = [("alpha".to_string(), "Alpha".to_string())];
    store.save_report(&report("r1", 1, "not_enough_evidence", cited), &topic, "2026-01-01T00:00:00.000000Z").unwrap();
    store.save_report(&report("r1", 2, "supported", cited), &topic, "2026-02-01T00:00:00.000000Z").unwrap();
    store.record_supporter("evt_1", "checkout", Some(500), Some("eur"), "2026-01-03T00:00:00.000000Z").unwrap();
    store.put_setting("campaign", "{\"title\": \"t\"}").unwrap();
    store.add_feed("https://news.example/rss", "2026-01-01T00:00:00.000000Z").unwrap();
    let poll = FeedPoll { title: Some("News"), validators: Some((Some("\"v1\""), None)), error: None };
    store.feed_polled("https://news.example/rss", &poll, "2026-01-04T00:00:00.000000Z").unwrap();
    store
        .mark_items("https://news.example/rss", &["https://news.example/a".into()], "2026-01-04T00:00:00.000000Z")
        .unwrap();
}

/// Everything a reader of the store can see, in one comparable value.
fn contents(store: &Store) -> String {
    let mut out = format!("{:?}\n", store.counts().unwrap());
    for record in store.version_records_after(0, usize::MAX).unwrap() {
        out.push_str(&format!("{record:?}\n"));
    }
    out.push_str(&format!("{:?}\n", store.vectors("m").unwrap()));
    for r in store.list_reports(100).unwrap() {
        out.push_str(&format!(
            "{:?} {:?} {:?}\n",
            store.report_versions(&r.id).unwrap(),
            store.topics_of(&r.id).unwrap(),
            store.report(&r.id).unwrap()
        ));
    }
    out.push_str(&format!(
        "{:?} {:?} {:?}\n",
        store.supporter_events().unwrap(),
        store.settings().unwrap(),
        store.feeds().unwrap()
    ));
    out.push_str(&format!("{:?}\n", store.feed_items("https://news.example/rss").unwrap()));
    out
}

fn check(from: &Store, to: &Store) -> MigrateSummary {
    let mut stages = Vec::new();
    let summary = copy(from, to, &mut |p| stages.push(p.stage)).unwrap();
    assert!(stages.contains(&"documents") && stages.contains(&"reports"), "{stages:?}");
    assert_eq!(contents(to), contents(from));
    summary
}

#[test]
fn a_data_directory_moves_into_postgresql_and_back_whole_and_copies_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let embedded = Store::open(&dir.path().join("verity.sqlite")).unwrap();
    filled(&embedded);
    let database = Store::connect(&Cluster::shared().database()).unwrap();

    let first = check(&embedded, &database);
    assert_eq!((first.versions, first.reports, first.report_versions, first.vectors), (253, 1, 2, 10));
    let again = check(&embedded, &database);
    assert_eq!(again.versions, 0, "a second run copies no document twice");

    // New writes in the database are numbered after the copied ones: the change sequence goes on.
    let last = database.last_version_id().unwrap();
    let batch = [NewDocument { document: &doc("c", "Charlie."), passages: vec![(0, 8)], fetched: None }];
    database.put_documents(&batch, "2026-03-01T00:00:00.000000Z").unwrap();
    assert!(database.last_version_id().unwrap() > last);

    // And back, as a backup: into an empty data directory.
    let backup_dir = tempfile::tempdir().unwrap();
    let backup = Store::open(&backup_dir.path().join("verity.sqlite")).unwrap();
    check(&database, &backup);
}

#[test]
fn a_copy_that_stopped_resumes_after_the_last_version_both_hold() {
    let dir = tempfile::tempdir().unwrap();
    let embedded = Store::open(&dir.path().join("verity.sqlite")).unwrap();
    filled(&embedded);
    let database = Store::connect(&Cluster::shared().database()).unwrap();
    // As if the process was killed after two batches.
    let head = embedded.version_records_after(0, 120).unwrap();
    database.import_versions(&head).unwrap();
    let resumed = check(&embedded, &database);
    assert_eq!(resumed.versions, 253 - 120);
}

#[test]
fn a_target_holding_other_documents_under_the_same_ids_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let embedded = Store::open(&dir.path().join("verity.sqlite")).unwrap();
    filled(&embedded);
    let database = Store::connect(&Cluster::shared().database()).unwrap();
    let batch = [NewDocument { document: &doc("other", "Something else."), passages: vec![(0, 9)], fetched: None }];
    database.put_documents(&batch, "2026-01-01T00:00:00.000000Z").unwrap();
    let err = copy(&embedded, &database, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("the target holds other data"), "{err}");
    assert_eq!(database.counts().unwrap().documents, 1, "nothing of the failed batch stayed");
}
