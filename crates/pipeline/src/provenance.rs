//! Provenance: which sources rely on which, so that ten outlets repeating one report count as one line of
//! evidence.
//!
//! Three signals, each read from a source's stored text: **attribution** ("according to The Capital Ledger",
//! "The Ledger reported", "first reported by Reuters"), **links** (the URL or page of another source in the text),
//! and **near-copies** (a large share of one text's word 5-shingles found in another's: a syndicated story, a
//! reprinted press release). Sources joined by any of them form one line of evidence; its original is the member
//! that relies on no other, or the outlet they all cite when that outlet was not among the sources read. A source
//! that is a party's own statement (a press release, a spokesperson's statement by the organisation concerned) is
//! labelled, so the report never presents it as independent reporting.
//!
//! This module reads text it is given; it fetches nothing and decides no verdict.

use std::collections::{HashMap, HashSet};

use verity_model::{RelianceKind, SourceMeta};

/// A source and its full stored text.
pub struct SourceText<'a> {
    pub meta: &'a SourceMeta,
    pub text: &'a str,
}

/// Whom one source relies on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reliance {
    /// The outlet as the text names it, or the other source's outlet or title.
    pub name: String,
    /// The source relied on, when it is among the sources read.
    pub doc_id: Option<String>,
    pub how: RelianceKind,
}

/// The provenance of every source given, in the order given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    pub sources: Vec<Traced>,
    /// Lines of evidence, largest first; each lists indices into `sources`.
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Traced {
    pub doc_id: String,
    pub relies_on: Vec<Reliance>,
    /// A party's own statement: a press release or an official statement by the organisation concerned.
    pub party_statement: bool,
    /// Index of its line in [`Provenance::lines`].
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Indices into [`Provenance::sources`], the original first when it was read.
    pub members: Vec<usize>,
    /// The member everyone else relies on, if it was read.
    pub original: Option<usize>,
    /// The original's name: the member's outlet or title, or the outlet all members cite when none of them is it.
    pub original_name: String,
}

impl Provenance {
    pub fn get(&self, doc_id: &str) -> Option<&Traced> {
        self.sources.iter().find(|s| s.doc_id == doc_id)
    }

    /// The members of `line` that are among `docs`, as document ids, in the line's order.
    pub fn members_among<'a>(&'a self, line: &Line, docs: &[&str]) -> Vec<&'a str> {
        line.members.iter().map(|&i| self.sources[i].doc_id.as_str()).filter(|doc| docs.contains(doc)).collect()
    }

    /// The line of evidence of a source (its index), or a fresh number past the last line for an unknown one.
    pub fn line_of(&self, doc_id: &str) -> usize {
        self.get(doc_id).map_or(self.lines.len(), |s| s.line)
    }
}

/// Share of a text's 5-shingles found in another text from which it is a copy of it.
const COPY_CONTAINMENT: f32 = 0.5;
/// Shingles a text needs before containment means anything: two one-sentence texts sharing a phrase are not
/// copies (the verdict's sentence-level check handles copied sentences).
const MIN_SHINGLES: usize = 30;

/// Phrases after which a named source follows: "according to The Capital Ledger".
const CITING_BEFORE: &[&str] = &[
    "according to ",
    "as reported by ",
    "first reported by ",
    "reported by ",
    "quoted by ",
    "cited by ",
    "citing ",
    "told ",
    "in an interview with ",
    "as first reported in ",
    "reported in ",
];
/// Verbs after which a named source precedes: "The Ledger reported".
const CITING_AFTER: &[&str] =
    &[" reported", " first reported", " reports", " revealed", " disclosed", " broke the story", " said in a report"];
/// Words that make a capitalised name an outlet rather than a person or a place.
const OUTLET_WORDS: &[&str] = &[
    "times",
    "post",
    "news",
    "ledger",
    "journal",
    "herald",
    "courier",
    "tribune",
    "guardian",
    "reuters",
    "press",
    "bbc",
    "cnn",
    "agency",
    "gazette",
    "review",
    "observer",
    "telegraph",
    "daily",
    "weekly",
    "magazine",
    "radio",
    "television",
    "tv",
    "wire",
    "bloomberg",
    "monitor",
    "chronicle",
    "express",
    "mail",
    "star",
    "globe",
    "record",
    "politico",
    "axios",
    "afp",
    "ap",
    "npr",
    "pbs",
    "abc",
    "cbs",
    "nbc",
    "fox",
    "sun",
    "independent",
    "economist",
    "atlantic",
    "insider",
    "report",
    "dispatch",
    "bulletin",
    "examiner",
    "inquirer",
    "register",
    "standard",
];
/// Words naming an organisation that can issue its own statement.
const ORGANISATION_WORDS: &[&str] = &[
    "ministry",
    "department",
    "office",
    "government",
    "agency",
    "council",
    "committee",
    "administration",
    "commission",
    "party",
    "campaign",
    "embassy",
    "police",
    "army",
    "inc",
    "ltd",
    "corporation",
    "company",
    "university",
    "hospital",
    "foundation",
    "association",
    "union",
    "white house",
    "presidency",
    "secretariat",
];
/// Marks of a statement issued by the organisation itself.
const STATEMENT_MARKS: &[&str] =
    &["press release", "statement", "spokesperson said", "spokesman said", "spokeswoman said", "news release"];

/// Traces the provenance of `sources` among themselves.
pub fn trace(sources: &[SourceText<'_>]) -> Provenance {
    let names: Vec<Vec<String>> = sources.iter().map(|s| name_variants(s.meta)).collect();
    let shingles: Vec<HashSet<u64>> = sources.iter().map(|s| shingles(s.text)).collect();
    let mut traced: Vec<Traced> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| Traced {
            doc_id: s.meta.doc_id.clone(),
            relies_on: relies_on(i, sources, &names, &shingles),
            party_statement: is_party_statement(s),
            line: 0,
        })
        .collect();

    // One line per connected group: edges to sources read, and shared citations of an outlet not read.
    let mut parent: Vec<usize> = (0..sources.len()).collect();
    let mut cited_outside: HashMap<String, usize> = HashMap::new();
    for (i, t) in traced.iter().enumerate() {
        for r in &t.relies_on {
            let other = match &r.doc_id {
                Some(doc) => traced.iter().position(|u| &u.doc_id == doc),
                None => Some(*cited_outside.entry(r.name.to_lowercase()).or_insert(i)),
            };
            if let Some(j) = other {
                union(&mut parent, i, j);
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of: HashMap<usize, usize> = HashMap::new();
    for i in 0..sources.len() {
        let root = find(&mut parent, i);
        let g = *group_of.entry(root).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    let mut lines: Vec<Line> = groups.into_iter().map(|members| line(members, sources, &traced)).collect();
    // Largest first; ties keep the order sources were given (best evidence first).
    lines.sort_by_key(|l| std::cmp::Reverse(l.members.len()));
    for (n, l) in lines.iter().enumerate() {
        for &i in &l.members {
            traced[i].line = n;
        }
    }
    Provenance { sources: traced, lines }
}

fn line(mut members: Vec<usize>, sources: &[SourceText<'_>], traced: &[Traced]) -> Line {
    let inside = |r: &Reliance| r.doc_id.as_ref().is_some_and(|d| members.iter().any(|&m| &traced[m].doc_id == d));
    // The original relies on no member; among several, the earliest published, then the first given.
    let original = members
        .iter()
        .copied()
        .filter(|&m| !traced[m].relies_on.iter().any(inside))
        .filter(|&m| {
            members.len() == 1 || members.iter().any(|&o| o != m && relies_on_doc(&traced[o], &traced[m].doc_id))
        })
        .min_by(|&a, &b| date_key(sources[a].meta).cmp(&date_key(sources[b].meta)).then(a.cmp(&b)));
    let original_name = match original {
        Some(m) => display_name(sources[m].meta),
        None => {
            // Everyone cites someone not read: the name cited most often.
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for &m in &members {
                for r in traced[m].relies_on.iter().filter(|r| r.doc_id.is_none()) {
                    *counts.entry(r.name.as_str()).or_default() += 1;
                }
            }
            counts
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                .map(|(name, _)| name.to_string())
                .unwrap_or_else(|| display_name(sources[members[0]].meta))
        }
    };
    if let Some(o) = original {
        members.retain(|&m| m != o);
        members.insert(0, o);
    }
    Line { members, original, original_name }
}

fn relies_on_doc(t: &Traced, doc_id: &str) -> bool {
    t.relies_on.iter().any(|r| r.doc_id.as_deref() == Some(doc_id))
}

fn date_key(meta: &SourceMeta) -> (bool, String) {
    // Undated sources sort after dated ones.
    (meta.published.is_none(), meta.published.clone().unwrap_or_default())
}

/// How a source is named: its outlet, else its title.
pub fn display_name(meta: &SourceMeta) -> String {
    meta.outlet.clone().unwrap_or_else(|| meta.title.clone())
}

fn relies_on(i: usize, sources: &[SourceText<'_>], names: &[Vec<String>], shingles: &[HashSet<u64>]) -> Vec<Reliance> {
    let me = &sources[i];
    let mut out: Vec<Reliance> = Vec::new();
    let mut push = |r: Reliance| {
        let same = |o: &Reliance| match (&o.doc_id, &r.doc_id) {
            (Some(a), Some(b)) => a == b,
            (None, None) => o.name.eq_ignore_ascii_case(&r.name),
            _ => false,
        };
        if !out.iter().any(same) {
            out.push(r);
        }
    };
    let own_names = &names[i];
    for name in attributed_names(me.text) {
        if own_names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            continue; // "The Ledger reported" inside The Ledger's own story
        }
        let read = (0..sources.len()).find(|&j| j != i && names[j].iter().any(|n| n.eq_ignore_ascii_case(&name)));
        match read {
            Some(j) => push(Reliance {
                name: display_name(sources[j].meta),
                doc_id: Some(sources[j].meta.doc_id.clone()),
                how: RelianceKind::Attribution,
            }),
            None if looks_like_an_outlet(&name) => {
                push(Reliance { name, doc_id: None, how: RelianceKind::Attribution })
            }
            None => {}
        }
    }
    for (j, other) in sources.iter().enumerate() {
        if j == i {
            continue;
        }
        let linked = other.meta.url.as_deref().map(strip_scheme).is_some_and(|u| u.len() > 8 && me.text.contains(u));
        if linked {
            push(Reliance {
                name: display_name(other.meta),
                doc_id: Some(other.meta.doc_id.clone()),
                how: RelianceKind::Link,
            });
        }
        if copies(me, other, &shingles[i], &shingles[j]) {
            push(Reliance {
                name: display_name(other.meta),
                doc_id: Some(other.meta.doc_id.clone()),
                how: RelianceKind::NearCopy,
            });
        }
    }
    out
}

/// Does `me` copy `other`? Most of one text's shingles appear in the other; the copy is the later one (or, with
/// no dates to tell, the shorter one: a story trimmed for reprint).
fn copies(me: &SourceText<'_>, other: &SourceText<'_>, a: &HashSet<u64>, b: &HashSet<u64>) -> bool {
    if a.len() < MIN_SHINGLES || b.len() < MIN_SHINGLES {
        return false;
    }
    let shared = a.intersection(b).count() as f32;
    if shared / (a.len().min(b.len()) as f32) < COPY_CONTAINMENT {
        return false;
    }
    match (&me.meta.published, &other.meta.published) {
        (Some(x), Some(y)) if x != y => x > y,
        _ => (a.len(), me.meta.doc_id.as_str()) < (b.len(), other.meta.doc_id.as_str()),
    }
}

fn strip_scheme(url: &str) -> &str {
    let url = url.trim();
    let url = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).unwrap_or(url);
    url.trim_end_matches('/')
}

/// The ways a text may name a source: its outlet with and without "The", "The" plus the outlet's last word
/// ("The Ledger" for "The Capital Ledger"), and its title.
fn name_variants(meta: &SourceMeta) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(outlet) = meta.outlet.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        out.push(outlet.to_string());
        let bare = outlet.strip_prefix("The ").unwrap_or(outlet);
        out.push(bare.to_string());
        out.push(format!("The {bare}"));
        let words = bare.split_whitespace().count();
        if let Some(last) = bare.split_whitespace().last().filter(|last| words > 1 && looks_like_an_outlet(last)) {
            out.push(format!("The {last}"));
        }
    }
    out.dedup();
    out
}

fn looks_like_an_outlet(name: &str) -> bool {
    name.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .any(|w| OUTLET_WORDS.contains(&w.as_str()))
}

/// Names the text credits: the capitalised run after "according to", before "reported", and so on.
fn attributed_names(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // Offsets of the original: lower-casing changes lengths ("İ" is two bytes, "i̇" three).
    let folded = verity_text::Folded::new(text);
    for marker in CITING_BEFORE {
        for (_, end) in folded.matches(marker) {
            if let Some(name) = capitalised_run_after(&text[end..]) {
                out.push(name);
            }
        }
    }
    for marker in CITING_AFTER {
        for (at, _) in folded.matches(marker) {
            if let Some(name) = capitalised_run_before(&text[..at]) {
                out.push(name);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn is_name_word(w: &str) -> bool {
    w.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

/// "The Capital Ledger. The Ledger ..." -> "The Capital Ledger": capitalised words, allowing "of", "the", "&".
fn capitalised_run_after(rest: &str) -> Option<String> {
    let mut words: Vec<&str> = Vec::new();
    for raw in rest.split_whitespace().take(6) {
        let w = raw.trim_matches(|c: char| {
            matches!(c, ',' | '.' | ';' | ':' | '"' | '\u{201c}' | '\u{201d}' | '*' | '(' | ')')
        });
        let joiner = matches!(w, "of" | "the" | "&" | "and") && !words.is_empty();
        if (is_name_word(w) && !w.is_empty()) || joiner {
            words.push(w);
        } else {
            break;
        }
        if raw.ends_with([',', '.', ';', ':', ')']) {
            break;
        }
    }
    while words.last().is_some_and(|w| matches!(*w, "of" | "the" | "&" | "and")) {
        words.pop();
    }
    (!words.is_empty()).then(|| words.join(" "))
}

/// "... said, The Capital Ledger" <- the capitalised words just before a reporting verb.
fn capitalised_run_before(before: &str) -> Option<String> {
    let mut words: Vec<&str> = Vec::new();
    for raw in before.split_whitespace().rev().take(6) {
        if raw.ends_with([',', '.', ';', ':']) && !words.is_empty() {
            break;
        }
        let w = raw.trim_matches(|c: char| {
            matches!(c, ',' | '.' | ';' | ':' | '"' | '\u{201c}' | '\u{201d}' | '*' | '(' | ')')
        });
        if is_name_word(w) || (matches!(w, "of" | "&") && !words.is_empty()) {
            words.push(w);
        } else {
            break;
        }
    }
    words.reverse();
    while words.first().is_some_and(|w| matches!(*w, "of" | "&")) {
        words.remove(0);
    }
    (!words.is_empty()).then(|| words.join(" "))
}

/// A press release or official statement by an organisation: an organisation as the outlet, and the document
/// presents itself as a statement (title, URL or text).
fn is_party_statement(s: &SourceText<'_>) -> bool {
    let outlet = s.meta.outlet.as_deref().unwrap_or_default().to_lowercase();
    let organisation = ORGANISATION_WORDS
        .iter()
        .any(|w| outlet.split_whitespace().any(|o| o == *w) || (w.contains(' ') && outlet.contains(w)));
    if !organisation || looks_like_an_outlet(&outlet) {
        return false;
    }
    let title = s.meta.title.to_lowercase();
    let url = s.meta.url.as_deref().unwrap_or_default().to_lowercase();
    let head: String = s.text.chars().take(2000).collect::<String>().to_lowercase();
    STATEMENT_MARKS.iter().any(|m| title.contains(m) || head.contains(m))
        || ["/press", "/statement", "/news-release", "/media-release"].iter().any(|p| url.contains(p))
}

fn shingles(text: &str) -> HashSet<u64> {
    use std::hash::{Hash, Hasher};
    let words: Vec<String> = verity_text::words(text).into_iter().map(|w| w.to_lowercase()).collect();
    words
        .windows(5)
        .map(|w| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            w.hash(&mut h);
            h.finish()
        })
        .collect()
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    parent[ra.max(rb)] = ra.min(rb);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(doc: &str, outlet: Option<&str>, published: Option<&str>, url: Option<&str>) -> SourceMeta {
        SourceMeta {
            doc_id: doc.into(),
            version: 1,
            version_id: 1,
            title: format!("Title of {doc}"),
            outlet: outlet.map(Into::into),
            url: url.map(Into::into),
            published: published.map(Into::into),
            author: None,
            fetched_at: None,
        }
    }

    /// Traces `docs` (meta, text) and returns, per source, its reliances as "name/how" and its line's original.
    fn check(docs: &[(SourceMeta, &str)]) -> (Provenance, Vec<(Vec<String>, String)>) {
        let texts: Vec<SourceText<'_>> = docs.iter().map(|(m, t)| SourceText { meta: m, text: t }).collect();
        let p = trace(&texts);
        let summary = p
            .sources
            .iter()
            .map(|s| {
                let relies = s
                    .relies_on
                    .iter()
                    .map(|r| format!("{}/{:?}{}", r.name, r.how, if r.doc_id.is_some() { "" } else { " (not read)" }))
                    .collect();
                (relies, p.lines[s.line].original_name.clone())
            })
            .collect();
        (p, summary)
    }

    const LEDGER: &str = "Interior Minister Dana Okafor promised Norland's president that he would deliver nine gang \
                          leaders, according to four officials familiar with a March 12 phone call.";

    #[test]
    fn attributions_by_full_and_short_name_tie_reports_to_their_original() {
        let (p, got) = check(&[
            (meta("ledger", Some("The Capital Ledger"), Some("2025-03-20"), None), LEDGER),
            (
                meta("courier", Some("The Northern Courier"), Some("2025-03-21"), None),
                "Okafor promised to hand over informants, according to The Capital Ledger. The Ledger reported more.",
            ),
            (
                meta("harbor", Some("Harbor Times"), Some("2025-03-22"), None),
                "Okafor promised to deliver nine leaders of the gang, The Ledger reported on Thursday.",
            ),
            (
                meta("ministry", Some("Ministry of the Interior"), Some("2025-03-22"), None),
                "The ministry did not hand over any protected informants, a spokesperson said.",
            ),
        ]);
        assert_eq!(got[0], (vec![], "The Capital Ledger".to_string()));
        assert_eq!(got[1], (vec!["The Capital Ledger/Attribution".to_string()], "The Capital Ledger".to_string()));
        assert_eq!(got[2], (vec!["The Capital Ledger/Attribution".to_string()], "The Capital Ledger".to_string()));
        assert_eq!(p.lines.len(), 2);
        assert_eq!(p.lines[0].members, [0, 1, 2]);
        assert_eq!(p.lines[0].original, Some(0));
        assert!(p.sources[3].party_statement && !p.sources[0].party_statement);
    }

    #[test]
    fn reports_citing_an_outlet_that_was_not_read_are_one_line_named_after_it() {
        let (p, got) = check(&[
            (meta("a", Some("Harbor Times"), None, None), "The deal was struck in March, according to Reuters."),
            (meta("b", Some("Daily Star"), None, None), "Reuters first reported the deal on Monday."),
            (meta("c", Some("Evening Post"), None, None), "The deal was struck in March, officials said."),
        ]);
        assert_eq!(got[0].0, ["Reuters/Attribution (not read)"]);
        assert_eq!(got[1].0, ["Reuters/Attribution (not read)"]);
        assert_eq!(
            (p.lines[0].members.clone(), p.lines[0].original, p.lines[0].original_name.as_str()),
            (vec![0, 1], None, "Reuters")
        );
        assert_eq!(p.lines.len(), 2, "the third source is independent");
    }

    #[test]
    fn an_attribution_after_letters_that_change_length_when_lower_cased_is_read_where_it_is_written() {
        let (_, summary) = check(&[(
            meta("a", Some("Harbor Times"), None, None),
            "The İ vote passed, according to The Capital Ledger. İİİ officials said so, Reuters reported.",
        )]);
        assert_eq!(summary[0].0, ["Reuters/Attribution (not read)", "The Capital Ledger/Attribution (not read)"]);
    }

    #[test]
    fn people_and_officials_are_not_outlets() {
        let (_, got) = check(&[(
            meta("a", Some("Harbor Times"), None, None),
            "The deal was struck, according to Senator Maria Lopez. Officials said it was signed, according to two officials.",
        )]);
        assert!(got[0].0.is_empty(), "{got:?}");
    }

    #[test]
    fn a_reprinted_text_and_a_link_are_reliances_and_the_copy_is_the_later_one() {
        let story = "The council voted seven to two on Monday to add dedicated bus lanes on Harbor Avenue, and \
                     construction is expected to start in June and to last four months. The lanes will run from the \
                     ferry terminal to the old market, and buses are expected to save six minutes at rush hour, \
                     according to the transit office's own estimate.";
        let reprint = format!("{story} Shop owners asked for delivery zones.");
        let (p, got) = check(&[
            (meta("wire", Some("City Wire"), Some("2025-03-24"), Some("https://wire.example/bus")), story),
            (meta("copy", Some("Evening Post"), Some("2025-03-25"), None), &reprint),
            (
                meta("blog", Some("Transit Notes"), Some("2025-03-26"), None),
                "As wire.example/bus explains, the lanes will open in the autumn.",
            ),
        ]);
        assert_eq!(got[0].0, Vec::<String>::new());
        assert_eq!(got[1].0, ["City Wire/NearCopy"]);
        assert_eq!(got[2].0, ["City Wire/Link"]);
        assert_eq!((p.lines.len(), p.lines[0].original), (1, Some(0)));
    }

    #[test]
    fn a_press_release_is_a_party_statement_and_a_newspaper_quoting_one_is_not() {
        let (p, _) = check(&[
            (
                meta("release", Some("Acme Corporation"), None, Some("https://acme.example/press/2025")),
                "Acme denies it.",
            ),
            (meta("paper", Some("The Daily Herald"), None, None), "Acme said in a statement that it denies it."),
        ]);
        assert_eq!(p.sources.iter().map(|s| s.party_statement).collect::<Vec<_>>(), [true, false]);
    }
}
