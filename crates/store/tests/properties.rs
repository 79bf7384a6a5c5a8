//! The report search's query builder on terms no one wrote by hand (proptest): whatever a visitor types, the FTS5
//! expression is valid (a syntax error would be a 500) and finds what holds the term.

use proptest::prelude::*;
use verity_store::Store;

fn term() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "\"", "'", "*", "(", ")", "NEAR", "AND", "OR", "NOT", "-", "+", ":", "^", "{", "}", "council", "é", "日本",
        "\u{0}", " ", "col:", "NEAR/2",
    ]);
    prop_oneof![prop::collection::vec(pieces, 1..8).prop_map(|p| p.concat()), any::<String>()]
}

fn store() -> &'static Store {
    static STORE: std::sync::OnceLock<Store> = std::sync::OnceLock::new();
    STORE.get_or_init(|| Store::open_in_memory().unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn any_terms_make_a_valid_search(terms in prop::collection::vec(term(), 0..5), all in any::<bool>()) {
        let found = store().search_reports(&terms, all, 0, 10);
        prop_assert!(found.is_ok(), "{terms:?}: {found:?}");
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256)
}
