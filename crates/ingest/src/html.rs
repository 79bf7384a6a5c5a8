//! HTML pages: main-content extraction (readability-style, through `dom_smoothie`) with the page's title,
//! publication date, author, site name and canonical URL from its metadata. A page nested too deeply for that
//! (see [`MAX_NESTING`]) is read as its visible text by html5ever's tokenizer alone, in time linear in its size.

use std::cell::{Cell, RefCell};

use dom_query::Document as Dom;
use dom_smoothie::{Config, Readability, TextMode};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, CharacterTokens, EndTag, StartTag, TagToken, Token, TokenSink, TokenSinkResult, Tokenizer,
};

use crate::{Document, normalize_date};

/// Pages whose elements nest deeper than this are read as plain visible text. Building the tree and scoring it for
/// readability both walk the stack of open elements at each tag, so their time grows with depth times size: 20,000
/// nested `<div>`s (220 KB) took over a minute, and any page on the web may be built that way. Real articles nest
/// a few dozen levels; the deepest pages seen in the wild stay under a few hundred.
pub const MAX_NESTING: usize = 512;

/// A page read, and what reading it simplified (for the report's diagnostics).
pub struct ReadPage {
    pub document: Document,
    /// Set when the page was too deeply nested for main-content extraction and was read as its visible text.
    pub note: Option<String>,
}

/// The text of an HTML fragment (a search API's snippet with `<span class="searchmatch">` or `<strong>`), entities
/// decoded.
pub fn fragment_text(fragment: &str) -> String {
    Dom::fragment(fragment).root().text().to_string()
}

/// Extracts the readable article of a page. When the extractor finds no article (a very short page), the
/// visible text of `<body>` is used instead, so a short note is not lost.
pub fn extract(raw: &str, external_id: &str, fallback_title: &str) -> Document {
    read(raw, external_id, fallback_title).document
}

/// Like [`extract`], and says when the page had to be read as plain text.
pub fn read(raw: &str, external_id: &str, fallback_title: &str) -> ReadPage {
    let flat = Flat::read(raw);
    if flat.deepest > MAX_NESTING {
        let title = flat.title.split_whitespace().collect::<Vec<_>>().join(" ");
        let document = Document {
            external_id: external_id.to_string(),
            title: if title.is_empty() { fallback_title.to_string() } else { title },
            text: tidy(&flat.text),
            url: None,
            outlet: None,
            published: None,
            author: None,
        };
        let note = format!(
            "the page nests its elements {} levels deep (more than {MAX_NESTING}); it was read as plain text, \
             without picking out the article or its date",
            flat.deepest
        );
        return ReadPage { document, note: Some(note) };
    }
    ReadPage { document: readable(raw, external_id, fallback_title), note: None }
}

fn readable(raw: &str, external_id: &str, fallback_title: &str) -> Document {
    let dom = Dom::from(raw);
    let canonical = first_attr(&dom, &[("link[rel=\"canonical\"]", "href"), ("meta[property=\"og:url\"]", "content")]);
    let meta_date = first_attr(
        &dom,
        &[
            ("meta[property=\"article:published_time\"]", "content"),
            ("meta[name=\"date\"]", "content"),
            ("meta[name=\"pubdate\"]", "content"),
            ("meta[itemprop=\"datePublished\"]", "content"),
            ("time[datetime]", "datetime"),
        ],
    );
    let meta_outlet = first_attr(&dom, &[("meta[property=\"og:site_name\"]", "content")]);
    let meta_author = first_attr(&dom, &[("meta[name=\"author\"]", "content")]);
    let page_title = dom.select("title").text().trim().to_string();

    let config = Config { text_mode: TextMode::Formatted, ..Config::default() };
    let article = Readability::with_document(dom, None, Some(config)).ok().and_then(|mut r| r.parse().ok());
    let (title, text, published, author, outlet) = match article {
        Some(a) if !a.text_content.trim().is_empty() => (
            a.title.clone(),
            a.text_content.to_string(),
            a.published_time.clone().or(meta_date),
            a.byline.clone().or(meta_author),
            a.site_name.clone().or(meta_outlet),
        ),
        _ => (page_title.clone(), body_text(raw), meta_date, meta_author, meta_outlet),
    };
    let title = [title, page_title].into_iter().map(|t| t.trim().to_string()).find(|t| !t.is_empty());
    Document {
        external_id: external_id.to_string(),
        title: title.unwrap_or_else(|| fallback_title.to_string()),
        text: tidy(&text),
        url: canonical,
        outlet,
        published: published.and_then(|d| normalize_date(&d)),
        author,
    }
}

fn first_attr(dom: &Dom, selectors: &[(&str, &str)]) -> Option<String> {
    selectors
        .iter()
        .find_map(|(sel, attr)| dom.select(sel).attr(attr).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()))
}

fn body_text(raw: &str) -> String {
    let dom = Dom::from(raw);
    dom.select("script, style, noscript, nav, header, footer").remove();
    dom.select("body").text().to_string()
}

/// One pass of html5ever's tokenizer (no tree): the visible text, the `<title>`, and how deep elements nest.
/// The depth counts only elements that must be closed explicitly, so an upper bound of what a tree builder would
/// hold open: `<p>` and `<li>` close themselves, void elements hold nothing.
#[derive(Default)]
struct Flat {
    text: String,
    title: String,
    deepest: usize,
}

#[derive(Default)]
struct FlatSink {
    text: RefCell<String>,
    title: RefCell<String>,
    depth: Cell<usize>,
    deepest: Cell<usize>,
    /// Inside `<script>`, `<style>`, `<title>` and the like, whose content the tokenizer reads as raw text.
    raw: RefCell<Option<String>>,
    /// How many `<nav>`, `<header>`, `<footer>` and `<aside>` elements are open: their text is not the page's.
    hidden: Cell<usize>,
    /// How many `<svg>` and `<math>` elements are open: only there does `/>` close an element.
    foreign: Cell<usize>,
}

const VOID: &[&str] =
    &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];
const SELF_CLOSING: &[&str] =
    &["p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rb", "rt", "rtc", "rp", "tbody", "thead"];
const BLOCK: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "figure",
    "figcaption",
    "hr",
    "main",
];
const HIDDEN: &[&str] = &["nav", "header", "footer", "aside"];

impl Flat {
    fn read(raw: &str) -> Flat {
        let tokenizer = Tokenizer::new(FlatSink::default(), Default::default());
        let input = BufferQueue::default();
        input.push_back(StrTendril::from_slice(raw));
        let _ = tokenizer.feed(&input);
        tokenizer.end();
        let sink = tokenizer.sink;
        Flat { text: sink.text.into_inner(), title: sink.title.into_inner(), deepest: sink.deepest.get() }
    }
}

impl TokenSink for FlatSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            TagToken(tag) => {
                let name: &str = &tag.name;
                let mut raw = self.raw.borrow_mut();
                if let Some(open) = raw.as_deref() {
                    if tag.kind != EndTag || open != name {
                        return TokenSinkResult::Continue;
                    }
                    *raw = None;
                }
                if BLOCK.contains(&name) {
                    self.text.borrow_mut().push('\n');
                }
                let counted = !VOID.contains(&name) && !SELF_CLOSING.contains(&name);
                match tag.kind {
                    StartTag => {
                        // Outside SVG and MathML a tree builder ignores `/>`: `<div/>` opens a `<div>`.
                        let closed = tag.self_closing && self.foreign.get() > 0;
                        if name == "svg" || name == "math" {
                            self.foreign.set(self.foreign.get() + usize::from(!closed));
                        }
                        if counted && !closed {
                            self.depth.set(self.depth.get() + 1);
                            self.deepest.set(self.deepest.get().max(self.depth.get()));
                            if HIDDEN.contains(&name) {
                                self.hidden.set(self.hidden.get() + 1);
                            }
                        }
                        let kind = match name {
                            "script" => RawKind::ScriptData,
                            "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => RawKind::Rawtext,
                            "title" | "textarea" => RawKind::Rcdata,
                            _ => return TokenSinkResult::Continue,
                        };
                        if !closed {
                            *raw = Some(name.to_string());
                            return TokenSinkResult::RawData(kind);
                        }
                    }
                    EndTag => {
                        if name == "svg" || name == "math" {
                            self.foreign.set(self.foreign.get().saturating_sub(1));
                        }
                        if counted {
                            self.depth.set(self.depth.get().saturating_sub(1));
                            if HIDDEN.contains(&name) {
                                self.hidden.set(self.hidden.get().saturating_sub(1));
                            }
                        }
                    }
                }
            }
            CharacterTokens(chars) => match self.raw.borrow().as_deref() {
                Some("title") => self.title.borrow_mut().push_str(&chars),
                Some(_) => {}
                None if self.hidden.get() > 0 => {}
                None => self.text.borrow_mut().push_str(&chars),
            },
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// Collapses runs of spaces inside lines and runs of blank lines, keeping paragraph breaks.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(&line);
    }
    out
}
