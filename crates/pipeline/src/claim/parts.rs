//! Parts of a compound claim, each of which can hold or fail on its own.
//!
//! "Rubio turned over informants to get access to prisons" asserts an act and a purpose; "The minister resigned
//! and left the country" asserts two acts. Each part is checked against the evidence by itself, so the report can
//! say which part the sources support and which they do not address (a source saying the informants were handed
//! over says nothing about why). Splitting is by clause markers only: a purpose or exchange clause ("to get",
//! "in exchange for"), a causal or temporal clause that is itself a statement ("because the court ruled"), and
//! coordinated verbs ("resigned and left"). Coordinated nouns ("cars and bikes") are one part. A claim with one
//! part has no facets.

use verity_model::FacetRole;

use super::reader as claim;

/// One part of a compound claim.
#[derive(Debug, Clone, PartialEq)]
pub struct Facet {
    /// The part in the claim's own words, as the report shows it ("to get access to El Salvadoran prisons").
    pub text: String,
    /// The part as a statement with its subject, which evidence is ranked against ("Rubio to get access to El
    /// Salvadoran prisons"): the words matter for ranking, not the grammar.
    pub statement: String,
    pub role: FacetRole,
}

impl Facet {
    /// The claim the evidence for this part is judged against.
    pub fn claim(&self, whole: &verity_model::Claim) -> super::Claim {
        let mut part = super::Claim::of_statement(&self.statement);
        part.stated.negated = whole.negated && part.stated.negated;
        part
    }
}

/// Words that join two verb phrases with one subject.
const CONJUNCTIONS: &[&str] = &[", and ", " and then ", " and ", ", but ", " but "];
/// Verb forms that open a second verb phrase ("... and did not", "... but was").
const AUXILIARY: &[&str] =
    &["did", "was", "were", "had", "has", "is", "are", "never", "not", "then", "later", "also", "still"];

/// Splits a claim into its parts. Returns nothing when the claim has only one.
pub fn split(claim: &verity_model::Claim) -> Vec<Facet> {
    let text = claim.text.trim_end_matches(['.', '?', '!']).trim();
    let words: Vec<&str> = text.split_whitespace().collect();
    let subject = claim::subject_of(&words).unwrap_or_default();
    // Markers are found case-blind, and their offsets are the original's: lower-casing changes lengths ("İ").
    let folded = verity_text::Folded::new(text);

    // The earliest clause marker ends the main clause.
    let purpose = claim::PURPOSE_MARKERS
        .iter()
        .filter_map(|m| folded.find(m).map(|span| (span, FacetRole::Purpose)))
        .min_by_key(|c| c.0.0);
    let clause = claim::CLAUSE_MARKERS
        .iter()
        .filter_map(|(m, role)| folded.find(m).map(|span| (span, *role)))
        .filter(|((_, end), _)| starts_with_a_verb_phrase(&text[*end..]))
        .min_by_key(|c| c.0.0);
    let marker = [purpose, clause].into_iter().flatten().min_by_key(|c| c.0.0);
    let (main, tail) = match marker {
        // Every marker opens with a space: what is shown of the clause starts after it.
        Some(((at, end), role)) => (&text[..at], Some((text[at..].trim_start(), &text[end..], role))),
        None => (text, None),
    };

    let mut facets: Vec<Facet> = Vec::new();
    for (i, part) in conjuncts(main).into_iter().enumerate() {
        let part = part.trim().trim_end_matches(',');
        let statement =
            if i == 0 || subject.is_empty() { part.to_string() } else { capitalise(&format!("{subject} {part}")) };
        if claim::key_terms(part).len() >= 2 || (i == 0 && claim::key_terms(&statement).len() >= 2) {
            facets.push(Facet { text: statement.clone(), statement, role: FacetRole::Act });
        }
    }
    if let Some((shown, rest, role)) = tail {
        let statement = match role {
            FacetRole::Purpose => format!("{subject} {}", shown.trim()),
            _ => capitalise(rest.trim()),
        };
        if claim::key_terms(rest).len() >= 2 {
            facets.push(Facet { text: shown.trim().to_string(), statement: statement.trim().to_string(), role });
        }
    }
    if facets.len() < 2 { Vec::new() } else { facets }
}

/// Splits a main clause at conjunctions followed by a verb phrase: "resigned and left the country" -> two parts;
/// "banned cars and bikes" stays one.
fn conjuncts(main: &str) -> Vec<&str> {
    let folded = verity_text::Folded::new(main);
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    let mut from = 0;
    while from < main.len() {
        let next = CONJUNCTIONS
            .iter()
            .filter_map(|c| folded.find_from(from, c))
            .min_by_key(|(at, end)| (*at, std::cmp::Reverse(*end)));
        let Some((at, end)) = next else { break };
        if starts_with_a_verb_phrase(&main[end..]) {
            cuts.push((at, end));
        }
        from = end;
    }
    let mut parts = Vec::new();
    let mut start = 0;
    for (end, next) in cuts {
        parts.push(&main[start..end]);
        start = next;
    }
    parts.push(&main[start..]);
    parts
}

/// Does `rest` open with a verb (a past form or an auxiliary) and say something after it?
fn starts_with_a_verb_phrase(rest: &str) -> bool {
    let words: Vec<String> = rest.split_whitespace().take(3).map(|w| w.to_lowercase()).collect();
    let Some(first) = words.first() else { return false };
    let verb_at = if claim::is_past_verb(first) || AUXILIARY.contains(&first.as_str()) {
        Some(0)
    } else {
        // A clause with its own subject: "because the court ruled", "after officials confirmed".
        words.iter().skip(1).position(|w| claim::is_past_verb(w)).map(|p| p + 1)
    };
    verb_at.is_some_and(|at| claim::key_terms(rest).len() >= 2 && rest.split_whitespace().count() > at + 1)
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(question: &str, expected: &[(&str, &str, FacetRole)]) {
        let claim = claim::extract(question, 2026).unwrap();
        let got: Vec<(String, String, FacetRole)> =
            split(&claim).into_iter().map(|f| (f.text, f.statement, f.role)).collect();
        let want: Vec<(String, String, FacetRole)> =
            expected.iter().map(|(t, s, r)| (t.to_string(), s.to_string(), *r)).collect();
        assert_eq!(got, want, "{question}");
    }

    #[test]
    fn an_act_and_its_purpose_are_two_parts() {
        check(
            "Did Rubio turn over DOJ MS13 informants to get access to El Salvadoran prisons?",
            &[
                ("Rubio turned over DOJ MS13 informants", "Rubio turned over DOJ MS13 informants", FacetRole::Act),
                (
                    "to get access to El Salvadoran prisons",
                    "Rubio to get access to El Salvadoran prisons",
                    FacetRole::Purpose,
                ),
            ],
        );
        check(
            "Did the minister sign the deal in exchange for campaign donations?",
            &[
                ("The minister signed the deal", "The minister signed the deal", FacetRole::Act),
                (
                    "in exchange for campaign donations",
                    "the minister in exchange for campaign donations",
                    FacetRole::Purpose,
                ),
            ],
        );
    }

    #[test]
    fn names_whose_letters_change_length_when_lower_cased_are_split_where_they_are_written() {
        // "İ" is two bytes and lower-cases to three: markers found in lower case cut the original in the right place.
        check(
            "Did İİ Smith resign after the council voted on the budget?",
            &[
                ("İİ Smith resigned", "İİ Smith resigned", FacetRole::Act),
                ("after the council voted on the budget", "The council voted on the budget", FacetRole::Timing),
            ],
        );
        check(
            "Did İmamoğlu resign after Özel won the İstanbul vote?",
            &[
                ("İmamoğlu resigned", "İmamoğlu resigned", FacetRole::Act),
                ("after Özel won the İstanbul vote", "Özel won the İstanbul vote", FacetRole::Timing),
            ],
        );
        // A conjunction after a Kelvin sign (3 bytes, "k" lower-cased).
        let parts = split(&claim::extract("Did \u{212a}ARL resign and leave the country in May?", 2026).unwrap());
        assert_eq!(parts.len(), 2, "{parts:?}");
    }

    #[test]
    fn coordinated_verbs_are_parts_and_coordinated_nouns_are_not() {
        check(
            "Did the mayor resign and leave the country in May?",
            &[
                ("The mayor resigned", "The mayor resigned", FacetRole::Act),
                ("The mayor left the country in May", "The mayor left the country in May", FacetRole::Act),
            ],
        );
        check("The council banned cars and bikes downtown.", &[]);
        check(
            "The senator promised new hospitals but never built them in the county.",
            &[
                ("The senator promised new hospitals", "The senator promised new hospitals", FacetRole::Act),
                (
                    "The senator never built them in the county",
                    "The senator never built them in the county",
                    FacetRole::Act,
                ),
            ],
        );
    }

    #[test]
    fn a_clause_that_states_something_is_a_part_and_a_bare_time_is_not() {
        check(
            "The minister resigned because the court ruled against the treaty.",
            &[
                ("The minister resigned", "The minister resigned", FacetRole::Act),
                ("because the court ruled against the treaty", "The court ruled against the treaty", FacetRole::Cause),
            ],
        );
        check("The minister resigned after the election in March.", &[]);
        check("Vitamin D supplements reduce fractures in older adults.", &[]);
    }
}
