//! Properties of the feed reader on bytes no one wrote by hand (proptest): any input is a feed or an error that
//! says so, and every item kept has an http(s) link.

use proptest::prelude::*;

fn feedish() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop::sample::select(vec![
        "<?xml version=\"1.0\"?>",
        "<rss version=\"2.0\">",
        "</rss>",
        "<channel>",
        "</channel>",
        "<item>",
        "</item>",
        "<link>",
        "</link>",
        "https://news.example/a",
        "javascript:alert(1)",
        "/relative",
        "<title>",
        "</title>",
        "<pubDate>",
        "</pubDate>",
        "Mon, 03 Mar 2025 10:00:00 GMT",
        "<feed xmlns=\"http://www.w3.org/2005/Atom\">",
        "</feed>",
        "<entry>",
        "</entry>",
        "<link href=\"",
        "\"/>",
        "&amp;",
        "&",
        "<",
        "]]>",
        "{\"version\":",
        "é",
    ]);
    prop_oneof![
        prop::collection::vec(pieces, 0..80).prop_map(|p| p.concat().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..1_000),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn any_bytes_are_a_feed_with_web_links_or_an_error(bytes in feedish()) {
        let base = url::Url::parse("https://news.example/feed.xml").unwrap();
        match verity_web::feed::parse(&bytes, &base) {
            Ok(feed) => {
                for item in feed.items {
                    prop_assert!(item.url.starts_with("http://") || item.url.starts_with("https://"), "{}", item.url);
                }
            }
            Err(message) => prop_assert!(message.0.starts_with("not a feed")),
        }
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(128)
}
