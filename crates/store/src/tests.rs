use std::time::Duration;

use verity_model::{Document, Report, VerdictLabel};
use verity_pgtest::Cluster;

use super::*;

/// The same behaviour on both back ends: `test` runs on an in-memory SQLite store and on a new PostgreSQL
/// database (a throwaway cluster this test process started).
fn on_each_backend(test: impl Fn(&Store)) {
    for store in [Store::open_in_memory().unwrap(), Store::connect(&Cluster::shared().database()).unwrap()] {
        eprintln!("on {}", store.kind());
        test(&store);
    }
}

impl Store {
    fn sqlite(&self) -> &sqlite::Sqlite {
        match &self.backend {
            Backend::Sqlite(db) => db,
            Backend::Postgres(_) => panic!("an SQLite store was expected"),
        }
    }
}

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
fn check(store: &Store, docs: &[Document]) -> Vec<PutOutcome> {
    let batch: Vec<NewDocument> =
        docs.iter().map(|d| NewDocument { document: d, passages: vec![(0, d.text.len())], fetched: None }).collect();
    store.put_documents(&batch, "2026-01-01T00:00:00Z").unwrap()
}

#[test]
fn same_content_is_unchanged_and_changed_content_is_a_new_version() {
    on_each_backend(|store| {
        let first = check(store, &[doc("a", "Alpha text."), doc("b", "Beta text.")]);
        assert!(matches!(first[0], PutOutcome::Added { passages: 1, .. }));
        assert_eq!(check(store, &[doc("a", "Alpha text.")]), [PutOutcome::Unchanged]);
        let again = check(store, &[doc("a", "Alpha text, revised.")]);
        assert!(matches!(again[0], PutOutcome::NewVersion { version: 2, .. }), "{again:?}");
        let versions = store.versions_of("a").unwrap();
        assert_eq!(
            versions.iter().map(|v| v.text.as_str()).collect::<Vec<_>>(),
            ["Alpha text.", "Alpha text, revised."]
        );
        let counts = store.counts().unwrap();
        assert_eq!((counts.documents, counts.versions, counts.passages), (2, 3, 3));
    });
}

#[test]
fn the_change_sequence_holds_each_documents_latest_version_in_commit_order() {
    on_each_backend(|store| {
        check(store, &[doc("a", "One."), doc("b", "Two.")]);
        let changes = store.changes_after(0, 10).unwrap();
        assert_eq!(changes.iter().map(|c| c.external_id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        let position = changes[1].version_id;
        assert_eq!((store.changes_after_count(0).unwrap(), store.changes_after_count(position).unwrap()), (2, 0));
        check(store, &[doc("b", "Two, changed.")]);
        let changes = store.changes_after(position, 10).unwrap();
        assert_eq!((changes.len(), changes[0].external_id.as_str()), (1, "b"));
        assert_eq!(changes[0].passages[0].text, "Two, changed.");
        // From the start, a superseded version is not replayed: only each document's latest.
        let from_start: Vec<String> = store.changes_after(0, 10).unwrap().into_iter().map(|c| c.text).collect();
        assert_eq!(from_start, ["One.", "Two, changed."]);
        assert_eq!(store.changes_after(0, 1).unwrap().len(), 1, "at most `limit`");
    });
}

#[test]
fn passages_slice_by_bytes_even_with_multibyte_text() {
    on_each_backend(|store| {
        let d = doc("u", "Café crème. Über alles.");
        let split = d.text.find(". ").unwrap() + 1;
        let batch =
            [NewDocument { document: &d, passages: vec![(0, split), (split + 1, d.text.len())], fetched: None }];
        store.put_documents(&batch, "now").unwrap();
        let ids: Vec<i64> = store.changes_after(0, 1).unwrap()[0].passages.iter().map(|p| p.passage_id).collect();
        let got = store.passages(&ids).unwrap();
        assert_eq!(got[0].0.text, "Café crème.");
        assert_eq!(got[1].0.text, "Über alles.");
        assert_eq!(got[1].1.doc_id, "u");
    });
}

/// A batch whose second document cannot be stored (a trigger refuses passages ending past byte 100).
fn failing_batch(store: &Store) {
    check(store, &[doc("keep", "Kept.")]);
    let good = doc("new", "New.");
    let bad = doc("bad", "Bad.");
    let batch = [
        NewDocument { document: &good, passages: vec![(0, 4)], fetched: None },
        NewDocument { document: &bad, passages: vec![(0, 1000)], fetched: None },
    ];
    assert!(store.put_documents(&batch, "now").is_err());
    assert_eq!(store.counts().unwrap().documents, 1, "on {}", store.kind());
}

#[test]
fn a_failed_batch_leaves_nothing_behind() {
    let store = Store::open_in_memory().unwrap();
    store
        .sqlite()
        .write()
        .execute_batch(
            "CREATE TRIGGER no_bad BEFORE INSERT ON passages WHEN NEW.end > 100 BEGIN SELECT RAISE(ABORT, 'bad'); END;",
        )
        .unwrap();
    failing_batch(&store);

    let cluster = Cluster::shared();
    let url = cluster.database();
    let store = Store::connect(&url).unwrap();
    cluster.psql(
        &url,
        "CREATE FUNCTION no_bad() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN IF NEW.\"end\" > 100 THEN RAISE EXCEPTION 'bad'; END IF; RETURN NEW; END $$;
         CREATE TRIGGER no_bad BEFORE INSERT ON passages FOR EACH ROW EXECUTE FUNCTION no_bad();",
    );
    failing_batch(&store);
}

/// Several processes (serve nodes, workers, ingests) storing the same document at once store it once.
#[test]
fn writers_storing_one_document_at_once_make_one_version() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("verity.sqlite");
    let postgres = Cluster::shared().database();
    let opens: [Box<dyn Fn() -> Store + Sync>; 2] =
        [Box::new(|| Store::open(&sqlite).unwrap()), Box::new(|| Store::connect(&postgres).unwrap())];
    for open in &opens {
        let outcomes: Vec<PutOutcome> = std::thread::scope(|scope| {
            let writers: Vec<_> = (0..6).map(|_| scope.spawn(|| check(&open(), &[doc("same", "One text.")]))).collect();
            writers.into_iter().flat_map(|w| w.join().unwrap()).collect()
        });
        let added = outcomes.iter().filter(|o| matches!(o, PutOutcome::Added { .. })).count();
        let store = open();
        assert_eq!((added, store.counts().unwrap().versions), (1, 1), "on {}: {outcomes:?}", store.kind());
    }
}

#[test]
fn nodes_connecting_to_a_new_database_at_once_migrate_it_once() {
    let cluster = Cluster::shared();
    let url = cluster.database();
    let connections: Vec<_> = (0..6)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || Store::connect(&url).map(|_| ()).map_err(|e| e.to_string()))
        })
        .collect();
    for connection in connections {
        assert_eq!(connection.join().unwrap(), Ok(()));
    }
    let versions = cluster.psql(&url, "SELECT string_agg(version::text, ',' ORDER BY version) FROM verity_schema");
    let expected: Vec<String> = (1..=postgres::MIGRATIONS.len()).map(|v| v.to_string()).collect();
    assert_eq!(versions, expected.join(","), "each migration ran once");
}

#[test]
fn a_database_from_a_newer_verity_is_refused_with_advice() {
    let cluster = Cluster::shared();
    let url = cluster.database();
    drop(Store::connect(&url).unwrap());
    cluster.psql(&url, "INSERT INTO verity_schema (version) VALUES (99)");
    let err = Store::connect(&url).err().unwrap();
    assert!(err.to_string().contains("upgrade Verity or use another database"), "{err}");
}

#[test]
fn a_database_address_that_is_not_a_url_says_what_to_give() {
    let err = Store::connect("postgres://verity@localhost:notaport/verity").err().unwrap();
    assert!(err.to_string().contains("postgres://user:password@host:5432/verity"), "{err}");
}

fn report(id: &str, question: &str, claim: &str, verdict: &str, version: u32, checked_on: &str) -> Report {
    serde_json::from_value(serde_json::json!({
        "schema": "verity.report/1", "id": id, "slug": format!("{}-{}", question.to_lowercase().replace(['?', ' '], "-"), &id[..6]),
        "version": version, "category": "politics", "question": question,
        "claim": {"text": claim, "entities": [], "key_terms": [], "negated": false},
        "checked_on": checked_on, "verdict": {"label": verdict, "confidence": 0.5},
        "disclaimer": "d", "summary": [], "sections": [], "follow_ups": [], "sources": [],
        "coverage": {"queries": [], "passages_considered": 0, "documents_considered": 0, "evidence_sentences": 0, "date_range": null}
    }))
    .unwrap()
}

#[test]
fn reports_round_trip_by_id_slug_and_prefix() {
    on_each_backend(|store| {
        let report = report("abc123def456", "Did X happen?", "X happened.", "not_enough_evidence", 1, "2026-11-26");
        store.save_report(&report, &[], "2026-11-26T00:00:00Z").unwrap();
        for key in ["abc123def456", &report.slug, "abc1"] {
            assert_eq!(store.report(key).unwrap().as_ref(), Some(&report), "{key}");
        }
        assert_eq!(store.report("zzz").unwrap(), None);
        assert_eq!(store.list_reports(10).unwrap()[0].question, "Did X happen?");
    });
}

#[test]
fn every_run_is_a_version_and_verdict_changes_make_the_corrections_log() {
    on_each_backend(|store| {
        let id = "abc123def456";
        let runs =
            [("not_enough_evidence", "2026-01-01"), ("not_enough_evidence", "2026-02-01"), ("refuted", "2026-03-01")];
        for (i, (verdict, date)) in runs.iter().enumerate() {
            let run = report(id, "Did X happen?", "X happened.", verdict, i as u32 + 1, date);
            store.save_report(&run, &[], &format!("{date} 00:00:00")).unwrap();
        }
        let listed = store.list_reports(10).unwrap();
        assert_eq!(listed.len(), 1, "one report, however many runs");
        assert_eq!((listed[0].version, listed[0].verdict), (3, VerdictLabel::Refuted));
        let versions = store.report_versions(id).unwrap();
        assert_eq!(
            versions.iter().map(|v| (v.version, v.checked_on.as_str())).collect::<Vec<_>>(),
            [(1, "2026-01-01"), (2, "2026-02-01"), (3, "2026-03-01")]
        );
        assert_eq!(store.report_version(id, 1).unwrap().unwrap().checked_on, "2026-01-01");
        assert_eq!(store.report_version(id, 4).unwrap(), None);
        let corrections = store.corrections(10).unwrap();
        assert_eq!(corrections.len(), 1, "an unchanged verdict is not a correction: {corrections:?}");
        let c = &corrections[0];
        assert_eq!(
            (c.version, c.from, c.to, c.changed_on.as_str()),
            (3, VerdictLabel::NotEnoughEvidence, VerdictLabel::Refuted, "2026-03-01")
        );
        assert!(store.delete_report(id).unwrap());
        assert_eq!((store.report(id).unwrap(), store.report_versions(id).unwrap().len()), (None, 0));
        assert!(!store.delete_report(id).unwrap());
    });
}

#[test]
fn reports_are_found_by_words_category_and_topic_and_query_syntax_is_only_words() {
    on_each_backend(|store| {
        let a =
            report("aaaaaa000001", "Did the minister resign?", "The minister resigned.", "supported", 1, "2026-01-01");
        let mut b =
            report("bbbbbb000002", "Did vaccines cause autism?", "Vaccines caused autism.", "refuted", 1, "2026-01-02");
        b.category = "health".into();
        let topic = |k: &str| (k.to_string(), k.to_uppercase());
        store.save_report(&a, &[topic("minister")], "2026-01-01 00:00:00").unwrap();
        store.save_report(&b, &[topic("vaccines")], "2026-01-02 00:00:00").unwrap();
        let search = |terms: &[&str], all: bool| {
            let terms: Vec<String> = terms.iter().map(|t| t.to_string()).collect();
            store.search_reports(&terms, all, 0, 10).unwrap().items.into_iter().map(|r| r.id).collect::<Vec<_>>()
        };
        assert_eq!(search(&["resigning"], true), ["aaaaaa000001"], "stemmed");
        assert_eq!(search(&["minister", "autism"], true), Vec::<String>::new());
        assert_eq!(search(&["minister", "autism"], false).len(), 2);
        assert_eq!(search(&["\"NEAR(", "*", "OR"], true), Vec::<String>::new(), "syntax is quoted, not run");
        let health = ReportFilter { category: Some("health".into()), topic: None };
        assert_eq!(store.reports_page(&health, 0, 10).unwrap().items[0].id, "bbbbbb000002");
        let minister = ReportFilter { category: None, topic: Some("minister".into()) };
        let page = store.reports_page(&minister, 0, 10).unwrap();
        assert_eq!((page.total, page.items[0].id.as_str()), (1, "aaaaaa000001"));
        let all = store.reports_page(&ReportFilter::default(), 1, 1).unwrap();
        assert_eq!((all.total, all.items[0].id.as_str()), (2, "aaaaaa000001"), "newest first, paged");
        assert_eq!(store.categories().unwrap(), [("health".to_string(), 1), ("politics".to_string(), 1)]);
        assert_eq!(store.topics_of("bbbbbb000002").unwrap()[0].name, "VACCINES");
    });
}

#[test]
fn a_payment_event_counts_once() {
    on_each_backend(|store| {
        assert!(
            store
                .record_supporter("evt_1", "checkout.session.completed", Some(500), Some("EUR"), "2026-11-02")
                .unwrap()
        );
        assert!(
            !store
                .record_supporter("evt_1", "checkout.session.completed", Some(500), Some("EUR"), "2026-11-03")
                .unwrap()
        );
        assert!(
            store
                .record_supporter("evt_2", "checkout.session.completed", Some(700), Some("usd"), "2026-11-04")
                .unwrap()
        );
        assert_eq!(store.supporter_totals("", "eur").unwrap(), SupporterTotals { supporters: 2, amount: 500 });
        assert_eq!(
            store.supporter_totals("2026-11-03", "usd").unwrap(),
            SupporterTotals { supporters: 1, amount: 700 }
        );
    });
}

#[test]
fn reports_stored_before_versions_existed_become_version_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("verity.sqlite");
    let conn = rusqlite::Connection::open(&path).unwrap();
    // The schema as release 2 left it, with one report.
    for sql in &sqlite::MIGRATIONS[..2] {
        conn.execute_batch(sql).unwrap();
    }
    conn.pragma_update(None, "user_version", 2).unwrap();
    let old = report("abc123def456", "Did X happen?", "X happened.", "supported", 1, "2026-01-01");
    conn.execute(
        "INSERT INTO reports VALUES (?1, ?2, ?3, 'supported', 0.5, '2026-01-01', '2026-01-01 00:00:00', ?4)",
        rusqlite::params![old.id, old.slug, old.question, serde_json::to_string(&old).unwrap()],
    )
    .unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.report_versions("abc123def456").unwrap().len(), 1);
    assert_eq!(store.search_reports(&["happened".into()], true, 0, 5).unwrap().total, 1);
    assert_eq!(store.report("abc123def456").unwrap(), Some(old));
}

#[test]
fn reports_made_before_ten_sort_in_time_order_once_timestamps_are_fixed_width() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("verity.sqlite");
    let store = Store::open(&path).unwrap();
    let early = report("aaaaaa000001", "Did A happen?", "A happened.", "supported", 1, "2026-12-02");
    let late = report("bbbbbb000002", "Did B happen?", "B happened.", "supported", 1, "2026-12-02");
    // As the old `engine::now()` wrote them: the hour unpadded, so "9:05" sorts after "10:00" as text.
    store.save_report(&early, &[], "2026-12-02 9:05:00.25").unwrap();
    store.save_report(&late, &[], "2026-12-02 10:00:00.5").unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 4).unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    let order: Vec<String> = store.list_reports(5).unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(order, ["bbbbbb000002", "aaaaaa000001"], "newest first");
    let versions = store.report_versions("aaaaaa000001").unwrap();
    assert_eq!(versions[0].created_at, "2026-12-02T09:05:00.250000Z");
}

#[test]
fn processes_opening_a_new_data_directory_at_once_migrate_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("verity.sqlite");
    let openers: Vec<_> = (0..6)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || Store::open(&path).map(|_| ()).map_err(|e| e.to_string()))
        })
        .collect();
    for opener in openers {
        assert_eq!(opener.join().unwrap(), Ok(()));
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, sqlite::MIGRATIONS.len() as i64);
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
    on_each_backend(|store| {
        check(store, &[doc("a", "Alpha."), doc("b", "Beta.")]);
        let pending = store.passages_without_vectors("m", 0, 10).unwrap();
        assert_eq!(pending.iter().map(|p| p.text.as_str()).collect::<Vec<_>>(), ["Alpha.", "Beta."]);
        assert_eq!(pending[0].title, "Title a");
        // A reader ahead of the writer asks for what comes after the last passage it read.
        let ahead = store.passages_without_vectors("m", pending[0].passage_id, 10).unwrap();
        assert_eq!(ahead.iter().map(|p| p.text.as_str()).collect::<Vec<_>>(), ["Beta."]);
        assert_eq!(store.vector_coverage("m").unwrap(), (0, 2));
        let (a, b) = (pending[0].passage_id, pending[1].passage_id);
        store.put_vectors("m", &[(a, vec![1.0, -0.5])]).unwrap();
        assert_eq!(store.vector_coverage("m").unwrap(), (1, 2));
        store.put_vectors("m", &[(b, vec![0.25, 2.0])]).unwrap();
        assert_eq!(store.vector_coverage("m").unwrap(), (2, 2));
        assert!(store.passages_without_vectors("m", 0, 10).unwrap().is_empty());
        assert_eq!(store.passages_without_vectors("other", 0, 10).unwrap().len(), 2);
        assert_eq!(store.vectors("m").unwrap(), [(a, vec![1.0, -0.5]), (b, vec![0.25, 2.0])]);
        // A new version's passages need vectors of their own; the old version's drop out of search.
        check(store, &[doc("a", "Alpha, changed.")]);
        let pending_now = store.passages_without_vectors("m", 0, 10).unwrap();
        assert_eq!(pending_now.len(), 1);
        assert_eq!(pending_now[0].text, "Alpha, changed.");
        assert_eq!(store.vector_coverage("m").unwrap(), (1, 2));
        assert_eq!(store.vectors("m").unwrap().len(), 1);
        assert_eq!(store.passage_document_map().unwrap()[&pending_now[0].passage_id], "a");
        // What an index of vectors follows: current ids, the stale ones it must drop, batches after a position.
        assert_eq!(store.vector_ids("m").unwrap(), [b]);
        assert_eq!(store.stale_vector_ids("m").unwrap(), [a]);
        assert_eq!(store.vectors_after("m", i64::MIN, 1).unwrap(), [(b, vec![0.25, 2.0])]);
        assert!(store.vectors_after("m", b, 10).unwrap().is_empty());
        assert_eq!(store.vectors_by_id("m", &[a, b, 999]).unwrap().len(), 2, "stale ones too; unknown left out");
    });
}

#[test]
fn feeds_remember_their_validators_errors_and_the_items_read() {
    on_each_backend(|store| {
        assert!(store.add_feed("https://a.example/rss", "2026-11-01").unwrap());
        assert!(!store.add_feed("https://a.example/rss", "2026-11-02").unwrap(), "followed once");
        let poll = FeedPoll { title: Some("A"), validators: Some((Some("\"v1\""), None)), error: None };
        store.feed_polled("https://a.example/rss", &poll, "2026-11-03").unwrap();
        let items = vec!["https://a.example/1".to_string(), "https://a.example/2".to_string()];
        assert_eq!(store.unseen_items("https://a.example/rss", &items).unwrap(), items);
        store.mark_items("https://a.example/rss", &items[..1], "2026-11-03").unwrap();
        assert_eq!(store.unseen_items("https://a.example/rss", &items).unwrap(), &items[1..]);
        // A failed poll keeps the validators and says why.
        let failed = FeedPoll { error: Some("HTTP 500"), ..FeedPoll::default() };
        store.feed_polled("https://a.example/rss", &failed, "2026-11-04").unwrap();
        let row = &store.feeds().unwrap()[0];
        assert_eq!(
            (row.title.as_deref(), row.etag.as_deref(), row.last_error.as_deref(), row.items),
            (Some("A"), Some("\"v1\""), Some("HTTP 500"), 1)
        );
        assert!(store.remove_feed("https://a.example/rss").unwrap());
        assert!(store.feeds().unwrap().is_empty());
    });
}

/// Readers never wait for the writer: while a write transaction is open (an ingest, a report being saved), other
/// threads still read the last commit. One store is shared by a server's threads, so it must be `Sync`.
#[test]
fn reads_go_on_while_a_write_is_open() {
    fn shared<T: Sync + Send>(_: &T) {}
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("verity.sqlite3")).unwrap();
    check(&store, &[doc("a", "Alpha text.")]);
    shared(&store);
    let mut writer = store.sqlite().write();
    let open = writer.transaction().unwrap();
    open.execute("UPDATE documents SET latest_version_id = 0", []).unwrap();
    // Read to the end while the write is still open: a read that waited for it would wait out the busy timeout
    // and fail, since the write ends only after this.
    let read = std::thread::scope(|scope| scope.spawn(|| store.changes_after_count(0)).join().unwrap());
    assert_eq!(read.unwrap(), 1, "the reader sees the last commit, not the open write");
    open.commit().unwrap();
}

/// The shared job queue: each job goes to one worker; a worker whose lease ran out loses the job, and nothing it
/// writes afterwards is taken, so the job's report is committed once, by whoever holds the job.
#[test]
fn jobs_go_to_one_worker_and_a_lost_lease_takes_its_writes_with_it() {
    use std::time::Duration;
    on_each_backend(|store| {
        let lease = |job: &JobRecord| JobLease {
            job_id: job.id.clone(),
            worker: job.worker.clone().unwrap(),
            attempt: job.attempt,
        };
        let queued = [
            store.enqueue_job("check", "Did X happen?", "Did X happen?").unwrap(),
            store.enqueue_job("refresh", "abc123", "Did Y happen?").unwrap(),
        ];
        assert_ne!(queued[0], queued[1]);
        // A job's id cannot be guessed from another's (a UUID v7: its random bits come from the system).
        for id in &queued {
            let hex = id.strip_prefix("job-").unwrap();
            assert!(hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
        }
        assert_ne!(queued[0][4..].trim_start_matches('0'), "1", "not a counter");
        let a = store.claim_job("worker-a", Duration::from_secs(60)).unwrap().unwrap();
        let b = store.claim_job("worker-b", Duration::from_secs(60)).unwrap().unwrap();
        let mut claimed = [a.id.clone(), b.id.clone()];
        claimed.sort();
        let mut expected = queued.clone();
        expected.sort();
        assert_eq!(claimed, expected, "each job to one worker");
        assert_eq!((a.status.as_str(), a.attempt, b.attempt), ("running", 1, 1));
        // Whichever came first in the queue, A holds `first` from here on.
        let (first, second) = (a.id.clone(), b.id.clone());
        assert_eq!(store.claim_job("worker-c", Duration::from_secs(60)).unwrap(), None, "nothing left to claim");

        // Progress, cancellation through the renewal.
        assert!(store.add_job_event(&lease(&b), "{\"stage\": \"search\"}").unwrap());
        assert_eq!(store.job_events(&second, 0).unwrap(), [(1, "{\"stage\": \"search\"}".to_string())]);
        assert_eq!(store.renew_job(&lease(&b), Duration::from_secs(60)).unwrap(), Some(false));
        assert_eq!(store.cancel_job(&second).unwrap(), Some(true));
        assert_eq!(store.renew_job(&lease(&b), Duration::from_secs(60)).unwrap(), Some(true), "told to stop");
        assert!(store.fail_job(&lease(&b), "cancelled", "called off").unwrap());
        assert_eq!(store.cancel_job(&second).unwrap(), Some(false), "already ended");

        // Worker A's lease runs out (it died, or stalled): worker C takes the job over.
        // A lease renewed for no time has run out at once (a lease "until T" is over at T).
        let expired = store.renew_job(&lease(&a), Duration::ZERO).unwrap();
        assert_eq!(expired, Some(false));
        let c = store.claim_job("worker-c", Duration::from_secs(60)).unwrap().unwrap();
        assert_eq!((c.id.as_str(), c.attempt), (first.as_str(), 2));
        let done = report("abc123def456", "Did X happen?", "X happened.", "supported", 1, "2026-12-02");
        assert!(!store.add_job_event(&lease(&a), "{}").unwrap(), "a lost lease writes nothing");
        assert!(!store.complete_job(&lease(&a), &done, &[], "2026-12-02T00:00:00.000000Z").unwrap());
        assert_eq!(store.report("abc123def456").unwrap(), None, "the report went with the lost lease");
        assert!(store.complete_job(&lease(&c), &done, &[], "2026-12-02T00:00:00.000000Z").unwrap());
        assert!(!store.complete_job(&lease(&c), &done, &[], "2026-12-02T00:00:01.000000Z").unwrap(), "once");
        assert_eq!(store.report_versions("abc123def456").unwrap().len(), 1);
        let job = store.job(&first).unwrap().unwrap();
        assert_eq!((job.status.as_str(), job.report_id.as_deref()), ("done", Some("abc123def456")));

        // A queued job called off never runs.
        let third = store.enqueue_job("check", "Did Z happen?", "Did Z happen?").unwrap();
        assert_eq!(store.cancel_job(&third).unwrap(), Some(true));
        assert_eq!(store.claim_job("worker-a", Duration::from_secs(60)).unwrap(), None);
        assert_eq!(store.job(&third).unwrap().unwrap().error_code.as_deref(), Some("cancelled"));
        assert_eq!(store.cancel_job("job-none").unwrap(), None);

        // A stopping worker puts its job back; the next worker starts it again.
        let fourth = store.enqueue_job("check", "Did W happen?", "Did W happen?").unwrap();
        let held = store.claim_job("worker-a", Duration::from_secs(60)).unwrap().unwrap();
        assert_eq!(held.id, fourth);
        assert!(store.add_job_event(&lease(&held), "{\"stage\": \"claim\"}").unwrap());
        assert!(store.release_job(&lease(&held)).unwrap());
        assert!(!store.release_job(&lease(&held)).unwrap(), "no longer held");
        let again = store.claim_job("worker-b", Duration::from_secs(60)).unwrap().unwrap();
        assert_eq!((again.id.as_str(), again.attempt), (fourth.as_str(), 2));
        assert!(store.job_events(&fourth, 0).unwrap().is_empty(), "the new attempt's stages only");
    });
}

/// A database server that accepts connections and never answers (a stopped process, a wedged proxy) is out of
/// reach after the connect timeout, with a message that says so, instead of holding the caller forever.
#[test]
fn a_server_that_accepts_and_never_answers_is_out_of_reach_after_the_connect_timeout() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let url = format!("postgres://verity@127.0.0.1:{port}/verity?connect_timeout=1");
    let err = Store::connect(&url).err().expect("nothing answered");
    assert!(err.is_unavailable(), "{err}");
    assert!(err.to_string().contains("the server did not answer within 1 s of connecting"), "{err}");
    assert!(err.to_string().contains("check that PostgreSQL is running"), "{err}");
    drop(silent);
}

/// An outage: while the database is out of reach, every call says so as [`StoreError::Unavailable`] (servers
/// answer 503 for it); once it is back, no request fails on a pooled connection the outage broke.
#[test]
fn during_an_outage_calls_are_unavailable_and_after_it_no_stale_connection_fails() {
    let cluster = Cluster::shared();
    let url = cluster.database();
    let store = Store::connect(&url).unwrap();
    // Four connections in the pool, all idle when the outage breaks them.
    let barrier = std::sync::Barrier::new(4);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                let conn = match &store.backend {
                    Backend::Postgres(db) => db.hold_connection(),
                    Backend::Sqlite(_) => unreachable!(),
                };
                barrier.wait();
                drop(conn);
            });
        }
    });
    check(&store, &[doc("a", "Alpha.")]);
    let outage = cluster.outage(&url);
    for _ in 0..3 {
        let err = store.counts().unwrap_err();
        assert!(err.is_unavailable(), "{err}");
    }
    drop(outage);
    for _ in 0..6 {
        assert_eq!(store.counts().unwrap().documents, 1);
    }
}

/// A process whose every pooled connection is in use (a stuck query, a flood of requests) does not queue a new
/// caller forever: past the checkout timeout the caller hears that the database is busy, and can try again.
#[test]
fn a_caller_waits_for_a_pooled_connection_only_up_to_the_checkout_timeout() {
    let mut store = Store::connect(&Cluster::shared().database()).unwrap();
    if let Backend::Postgres(db) = &mut store.backend {
        db.checkout_timeout = std::time::Duration::from_millis(200);
    }
    let Backend::Postgres(db) = &store.backend else { unreachable!() };
    let held: Vec<_> = (0..16).map(|_| db.hold_connection()).collect();
    let err = store.counts().unwrap_err();
    assert!(err.is_unavailable(), "{err}");
    assert!(err.to_string().contains("all 16 connections of this process stayed in use for 0.2 s"), "{err}");
    drop(held);
    assert_eq!(store.counts().unwrap().documents, 0, "a connection returned is handed out again");
}

/// A PostgreSQL error reads as the server's message, once, however the caller prints the error's chain.
#[test]
fn a_postgres_error_says_its_message_once() {
    let url = Cluster::shared().database();
    let config: ::postgres::Config = url.parse().unwrap();
    let mut client = config.connect(::postgres::NoTls).unwrap();
    let err = StoreError::from(client.batch_execute("SELECT 1/0").unwrap_err());
    let mut chain = vec![err.to_string()];
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    assert_eq!(chain, ["PostgreSQL: division by zero"]);
    std::thread::spawn(move || drop(client)).join().unwrap();
}

/// Processes sharing a PostgreSQL store hear what the others change, instead of asking again and again.
#[test]
fn a_listener_hears_jobs_and_documents_change() {
    assert!(Store::open_in_memory().unwrap().listen().unwrap().is_none(), "SQLite's processes poll");
    let url = Cluster::shared().database();
    let (store, other) = (Store::connect(&url).unwrap(), Store::connect(&url).unwrap());
    let mut listener = store.listen().unwrap().unwrap();
    assert!(listener.wait(std::time::Duration::from_millis(50)).unwrap().is_empty(), "nothing happened yet");
    let job = other.enqueue_job("check", "Did X happen?", "Did X happen?").unwrap();
    check(&other, &[doc("a", "Alpha.")]);
    let mut heard = Vec::new();
    let started = std::time::Instant::now();
    while heard.len() < 2 && started.elapsed() < std::time::Duration::from_secs(30) {
        heard.extend(listener.wait(std::time::Duration::from_secs(1)).unwrap());
    }
    assert_eq!(heard, [Change::Job(job), Change::Documents]);
}

#[test]
fn a_text_is_kept_under_its_id_and_each_run_is_its_next_version() {
    on_each_backend(|store| {
        let id = format!("text-{}", crate::new_job_id());
        assert_eq!(store.text(&id).unwrap(), None);
        assert_eq!(store.save_text(&id, "2026-12-07T10:00:00.000000Z", "{\"run\": 1}").unwrap(), 1);
        assert_eq!(store.save_text(&id, "2026-12-08T10:00:00.000000Z", "{\"run\": 2}").unwrap(), 2);
        assert_eq!(store.text(&id).unwrap(), Some((2, "{\"run\": 2}".to_string())));
    });
}

#[test]
fn a_job_queued_by_another_is_found_under_it_and_can_be_claimed_by_id() {
    on_each_backend(|store| {
        let parent = store.enqueue_job("text", "{}", "a text").unwrap();
        let first = store.enqueue_child_job(&parent, "check", "Did A happen?", "Did A happen?").unwrap();
        let second = store.enqueue_child_job(&parent, "check", "Did B happen?", "Did B happen?").unwrap();
        let children: Vec<String> = store.child_jobs(&parent).unwrap().into_iter().map(|j| j.id).collect();
        assert_eq!(children, [first.clone(), second.clone()]);
        let claimed = store.claim_job_by_id(&second, "w1", Duration::from_secs(30)).unwrap().unwrap();
        assert_eq!((claimed.id.as_str(), claimed.status.as_str()), (second.as_str(), "running"));
        // Held: no one else claims it, by id or from the queue.
        assert!(store.claim_job_by_id(&second, "w2", Duration::from_secs(30)).unwrap().is_none());
        let mut from_queue = Vec::new();
        while let Some(job) = store.claim_job("w2", Duration::from_secs(30)).unwrap() {
            from_queue.push(job.id);
        }
        assert!(!from_queue.contains(&second) && from_queue.contains(&first), "{from_queue:?}");
    });
}
