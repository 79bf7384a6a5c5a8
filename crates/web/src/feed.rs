//! News feeds (RSS 0.9x/1.0/2.0, Atom, JSON Feed) read with `feed-rs`: the items' links, titles and dates.

use url::Url;

/// One item of a feed: where its article is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    /// The article's address, resolved against the feed's.
    pub url: String,
    pub title: String,
    /// YYYY-MM-DD, when the feed dates the item.
    pub published: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub title: Option<String>,
    pub items: Vec<FeedItem>,
}

/// Parses a feed; items without an http(s) link are left out. The error says what the parser found wrong.
pub fn parse(bytes: &[u8], base: &Url) -> Result<Feed, verity_model::Invalid> {
    let feed = feed_rs::parser::parse(bytes).map_err(|e| verity_model::Invalid(format!("not a feed: {e}")))?;
    let items = feed
        .entries
        .iter()
        .filter_map(|entry| {
            let link = entry
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or(entry.links.first())?;
            let url = base.join(link.href.trim()).ok().filter(|u| matches!(u.scheme(), "http" | "https"))?;
            Some(FeedItem {
                url: url.to_string(),
                title: entry.title.as_ref().map(|t| t.content.trim().to_string()).unwrap_or_default(),
                published: entry.published.or(entry.updated).map(|d| d.format("%Y-%m-%d").to_string()),
            })
        })
        .collect();
    Ok(Feed { title: feed.title.map(|t| t.content.trim().to_string()), items })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(xml: &str) -> Feed {
        parse(xml.as_bytes(), &Url::parse("https://news.example/feeds/main.xml").unwrap()).unwrap()
    }

    #[test]
    fn rss_and_atom_items_give_their_links_titles_and_dates() {
        let rss = check(
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>The Ledger</title>
            <item><title>Council bans cars</title><link>https://news.example/cars</link><pubDate>Mon, 23 Nov 2026 08:00:00 GMT</pubDate></item>
            <item><title>Relative link</title><link>/harbour</link></item>
            <item><title>No link</title></item>
            <item><title>Script link</title><link>javascript:alert(1)</link></item>
            </channel></rss>"#,
        );
        assert_eq!(rss.title.as_deref(), Some("The Ledger"));
        assert_eq!(
            rss.items.iter().map(|i| i.url.as_str()).collect::<Vec<_>>(),
            ["https://news.example/cars", "https://news.example/harbour"]
        );
        assert_eq!(rss.items[0].published.as_deref(), Some("2026-11-23"));
        let atom = check(
            r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Courier</title>
            <id>urn:c</id><updated>2026-11-24T00:00:00Z</updated>
            <entry><title>Brelin car-free</title><id>urn:1</id><updated>2026-11-24T09:00:00Z</updated>
            <link rel="alternate" href="https://courier.example/brelin"/></entry></feed>"#,
        );
        assert_eq!(
            atom.items,
            [FeedItem {
                url: "https://courier.example/brelin".into(),
                title: "Brelin car-free".into(),
                published: Some("2026-11-24".into())
            }]
        );
        assert!(parse(b"<html>not a feed</html>", &Url::parse("https://a.example/").unwrap()).is_err());
    }
}
