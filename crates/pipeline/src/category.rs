//! The section of the site a check is filed under, read from the claim's words.
//!
//! A small lexicon per category, matched on stems; the category with the most distinct cue words wins and ties
//! go to the earlier category in [`CATEGORIES`]. A claim with no cue is `general`. This is filing, not judgement:
//! a wrong category misplaces a report in the archive and changes nothing in it.

use verity_text::stem;

/// Every category, in tie-breaking order, with the words that suggest it.
pub const CATEGORIES: &[(&str, &str, &[&str])] = &[
    (
        "health",
        "Health",
        &[
            "vaccine",
            "vaccination",
            "virus",
            "covid",
            "coronavirus",
            "disease",
            "cancer",
            "patient",
            "hospital",
            "doctor",
            "drug",
            "medicine",
            "infection",
            "health",
            "treatment",
            "therapy",
            "mask",
            "pandemic",
            "symptom",
            "diet",
            "obesity",
            "diabetes",
            "mortality",
            "clinical",
            "nurse",
            "pregnancy",
        ],
    ),
    (
        "climate",
        "Climate and environment",
        &[
            "climate",
            "warming",
            "carbon",
            "co2",
            "emission",
            "temperature",
            "glacier",
            "ice",
            "sea",
            "ocean",
            "greenhouse",
            "fossil",
            "renewable",
            "solar",
            "wind",
            "drought",
            "flood",
            "wildfire",
            "species",
            "forest",
            "pollution",
            "environment",
            "arctic",
            "antarctic",
            "weather",
            "hurricane",
        ],
    ),
    (
        "science",
        "Science",
        &[
            "cell",
            "gene",
            "protein",
            "dna",
            "rna",
            "mouse",
            "mice",
            "study",
            "experiment",
            "molecule",
            "receptor",
            "enzyme",
            "physics",
            "chemistry",
            "biology",
            "neuron",
            "bacteria",
            "mutation",
            "tissue",
            "expression",
            "scientist",
            "research",
        ],
    ),
    (
        "politics",
        "Politics",
        &[
            "minister",
            "president",
            "government",
            "election",
            "vote",
            "parliament",
            "senator",
            "congress",
            "party",
            "mayor",
            "governor",
            "law",
            "bill",
            "campaign",
            "policy",
            "prime",
            "cabinet",
            "official",
            "politician",
            "referendum",
            "democrat",
            "republican",
            "ministry",
            "council",
        ],
    ),
    (
        "justice",
        "Crime and justice",
        &[
            "police",
            "prison",
            "court",
            "judge",
            "crime",
            "murder",
            "arrest",
            "trial",
            "informant",
            "prosecutor",
            "convicted",
            "sentence",
            "jail",
            "lawsuit",
            "fraud",
            "charged",
            "investigation",
            "gang",
        ],
    ),
    (
        "economy",
        "Economy",
        &[
            "economy",
            "inflation",
            "tax",
            "budget",
            "price",
            "wage",
            "job",
            "unemployment",
            "bank",
            "market",
            "trade",
            "tariff",
            "gdp",
            "debt",
            "company",
            "profit",
            "salary",
            "pension",
            "spending",
            "revenue",
        ],
    ),
    (
        "technology",
        "Technology",
        &[
            "software",
            "internet",
            "ai",
            "computer",
            "phone",
            "app",
            "data",
            "algorithm",
            "cyber",
            "robot",
            "online",
            "platform",
            "chip",
            "digital",
            "hacker",
        ],
    ),
    (
        "world",
        "World",
        &["war", "military", "army", "country", "border", "refugee", "treaty", "nato", "invasion", "sanction", "troop"],
    ),
];

/// The fallback for a claim with no cue word.
pub const GENERAL: &str = "general";

/// The category's name for readers; `None` for an unknown key.
pub fn title(key: &str) -> Option<&'static str> {
    if key == GENERAL {
        return Some("General");
    }
    CATEGORIES.iter().find(|(k, ..)| *k == key).map(|(_, title, _)| *title)
}

/// The category key for a claim, from the stems of its words.
pub fn categorize(claim_stems: &[String]) -> &'static str {
    let stems: std::collections::HashSet<&String> = claim_stems.iter().collect();
    let mut best = (GENERAL, 0usize);
    for (key, _, cues) in CATEGORIES {
        let hits = cues.iter().filter(|cue| stems.contains(&stem(cue))).count();
        if hits > best.1 {
            best = (key, hits);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(claim: &str, expected: &str) {
        assert_eq!(categorize(&verity_text::Tokens::of(claim).stems), expected, "{claim}");
    }

    #[test]
    fn claims_are_filed_by_their_words() {
        check("The minister handed over protected informants to get access to a prison", "justice");
        check("The president won the election by two million votes", "politics");
        check("Vaccines cause autism in children", "health");
        check("Arctic sea ice has grown since 2012", "climate");
        check("Inflation fell to 2% after the budget", "economy");
        check("The moon is made of cheese", GENERAL);
    }

    #[test]
    fn every_category_has_a_title_and_unknown_keys_have_none() {
        for (key, ..) in CATEGORIES {
            assert!(title(key).is_some());
        }
        assert_eq!(title(GENERAL), Some("General"));
        assert_eq!(title("astrology"), None);
    }
}
