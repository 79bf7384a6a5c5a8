//! Web search queries for a claim: more than the question's own words.
//!
//! The claim itself; each part of a compound claim as its own statement (a source about one part may never
//! mention the other); and the claim's names with its rarest content words, which finds reports worded
//! differently. A second round, asked for when the first leaves the evidence thin, searches each name with
//! the claim's key terms in other combinations.

use std::collections::HashSet;

use crate::claim::Claim;

/// Words in a query at most: search engines reward short queries.
const QUERY_WORDS: usize = 10;

/// The first round's queries, most specific first, without repeats.
pub fn web_queries(claim: &Claim) -> Vec<String> {
    let mut queries = vec![clip(&claim.text)];
    for part in &claim.facets {
        queries.push(clip(&part.statement));
    }
    let names: Vec<&str> =
        claim.entities.iter().map(String::as_str).filter(|e| e.chars().any(char::is_alphabetic)).collect();
    if !names.is_empty() {
        let mut words: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let named: HashSet<String> = names.iter().flat_map(|n| n.split_whitespace()).map(str::to_lowercase).collect();
        words.extend(claim.key_terms.iter().filter(|t| !named.contains(*t)).take(3).cloned());
        queries.push(clip(&words.join(" ")));
    }
    dedup(queries)
}

/// Further queries when the first round found too little: each name with the key terms, and the key terms alone.
pub fn more_queries(claim: &Claim) -> Vec<String> {
    let terms: Vec<&str> = claim.key_terms.iter().map(String::as_str).collect();
    let mut queries: Vec<String> = claim
        .entities
        .iter()
        .filter(|e| e.chars().any(char::is_alphabetic))
        .map(|name| clip(&format!("{name} {}", terms.iter().take(4).copied().collect::<Vec<_>>().join(" "))))
        .collect();
    queries.push(clip(&terms.join(" ")));
    let first: HashSet<String> = web_queries(claim).into_iter().collect();
    dedup(queries).into_iter().filter(|q| !first.contains(q)).collect()
}

fn clip(text: &str) -> String {
    text.trim_end_matches(['.', '?', '!']).split_whitespace().take(QUERY_WORDS).collect::<Vec<_>>().join(" ")
}

fn dedup(queries: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    queries.into_iter().filter(|q| !q.is_empty() && seen.insert(q.to_lowercase())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(question: &str) -> (Vec<String>, Vec<String>) {
        let claim = crate::claim::read(question, 2026).unwrap();
        (web_queries(&claim), more_queries(&claim))
    }

    #[test]
    fn a_compound_claim_is_searched_whole_by_part_and_by_its_names() {
        let (first, more) =
            check("Did Minister Okafor hand over protected informants to get access to a prison in Norland?");
        assert_eq!(first[0], "Minister Okafor handed over protected informants to get access to");
        assert!(first.iter().any(|q| q.contains("to get access to a prison in Norland")), "{first:?}");
        assert!(first.iter().any(|q| q.starts_with("Minister Okafor Norland")), "{first:?}");
        assert!(first.len() >= 3 && first.iter().all(|q| q.split_whitespace().count() <= QUERY_WORDS));
        assert!(!more.is_empty() && more.iter().all(|q| !first.contains(q)), "{more:?}");
    }

    #[test]
    fn a_plain_claim_gives_no_repeated_queries() {
        let (first, _) = check("Do vaccines cause autism?");
        assert_eq!(first, ["Vaccines cause autism"]);
    }
}
