//! A text as the sentences it says, each with who says it (when a transcript names a speaker) and where it is.

use serde::Serialize;

/// One sentence of a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// Its place among the text's sentences, from 0.
    pub position: usize,
    /// Byte offsets of the sentence in the text as given.
    pub start: usize,
    pub end: usize,
    /// The speaker a transcript names for it ("SMITH: ..." names Smith until the next speaker), as written.
    pub speaker: Option<String>,
    /// The sentence, white space folded to single spaces.
    pub text: String,
}

/// Words that label a line of a transcript without being a speaker ("NOTE:", "Source:", a time "10:30").
const NOT_SPEAKERS: &[&str] = &[
    "note",
    "source",
    "sources",
    "update",
    "editor's note",
    "correction",
    "photo",
    "image",
    "video",
    "watch",
    "read more",
    "related",
    "see also",
    "q",
    "a",
    "question",
    "answer",
    "transcript",
    "tags",
    "published",
    "updated",
    "by",
];

/// The sentences of `text`, in order. A line that opens with a speaker's label (`SMITH:`, `Sen. Smith:`,
/// `MODERATOR (Jane Doe):`) gives the speaker of every sentence up to the next label; the label itself is not part
/// of any sentence.
pub fn statements(text: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut line_start = 0;
    // Each speaker's turn is split on its own, so no sentence runs across a change of speaker.
    let mut turn_start = 0;
    let mut turn_speaker: Option<String> = None;
    let push_turn = |from: usize, to: usize, who: &Option<String>, out: &mut Vec<Statement>| {
        let turn = &text[from..to];
        for span in verity_text::sentences(turn) {
            let sentence = span.of(turn).split_whitespace().collect::<Vec<_>>().join(" ");
            out.push(Statement {
                position: out.len(),
                start: from + span.start,
                end: from + span.end,
                speaker: who.clone(),
                text: sentence,
            });
        }
    };
    for line in text.split_inclusive('\n') {
        if let Some((label, after)) = speaker_label(line) {
            push_turn(turn_start, line_start, &turn_speaker, &mut out);
            turn_speaker = Some(label);
            turn_start = line_start + after;
        }
        line_start += line.len();
    }
    push_turn(turn_start, text.len(), &turn_speaker, &mut out);
    out
}

/// The speaker a line's label names, and the byte offset in the line where the speech begins.
fn speaker_label(line: &str) -> Option<(String, usize)> {
    let lead = line.len() - line.trim_start().len();
    let colon = line[lead..].find(':')? + lead;
    let label = line[lead..colon].trim();
    let after = &line[colon + 1..];
    if label.is_empty() || label.len() > 60 || !after.starts_with([' ', '\t']) || after.trim().is_empty() {
        return None;
    }
    // "Smith (D-Ohio)", "MODERATOR (Jane Doe)": the parenthesis says more about the speaker.
    let name = label.split('(').next().unwrap_or(label).trim();
    let words: Vec<&str> = name.split_whitespace().collect();
    if words.is_empty() || words.len() > 4 || NOT_SPEAKERS.contains(&name.to_lowercase().as_str()) {
        return None;
    }
    let is_name_word = |w: &str| {
        let w = w.trim_end_matches('.');
        let mut chars = w.chars();
        chars.next().is_some_and(char::is_uppercase)
            && chars.all(|c| c.is_alphabetic() || matches!(c, '\'' | '-' | '\u{2019}'))
    };
    if !words.iter().all(|w| is_name_word(w)) {
        return None;
    }
    let spoken = label.to_string();
    Some((spoken, colon + 1 + (after.len() - after.trim_start().len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &[(Option<&str>, &str)]) {
        let got = statements(text);
        let got: Vec<(Option<&str>, &str)> = got.iter().map(|s| (s.speaker.as_deref(), s.text.as_str())).collect();
        assert_eq!(got, expected);
        for s in statements(text) {
            assert_eq!(text[s.start..s.end].split_whitespace().collect::<Vec<_>>().join(" "), s.text);
        }
    }

    #[test]
    fn a_transcript_names_the_speaker_of_each_sentence_until_the_next_label() {
        check(
            "MODERATOR: Good evening. Welcome to the debate.\n\
             SMITH: Thank you. We cut taxes by 10% in 2019.\n\
             Unemployment fell to 4%.\n\
             Sen. Jones (D-Ohio): That is not true. It rose.\n",
            &[
                (Some("MODERATOR"), "Good evening."),
                (Some("MODERATOR"), "Welcome to the debate."),
                (Some("SMITH"), "Thank you."),
                (Some("SMITH"), "We cut taxes by 10% in 2019."),
                (Some("SMITH"), "Unemployment fell to 4%."),
                (Some("Sen. Jones (D-Ohio)"), "That is not true."),
                (Some("Sen. Jones (D-Ohio)"), "It rose."),
            ],
        );
    }

    #[test]
    fn an_article_has_no_speakers_and_a_colon_inside_prose_is_no_label() {
        check(
            "The report found three things: costs rose, wages fell.\nNote: figures are for 2023.\n10:30 the vote began.",
            &[
                (None, "The report found three things: costs rose, wages fell."),
                (None, "Note: figures are for 2023."),
                (None, "10:30 the vote began."),
            ],
        );
    }

    #[test]
    fn positions_count_sentences_across_speakers() {
        let got = statements("A: One claim here.\nB: Two. Three.");
        assert_eq!(got.iter().map(|s| s.position).collect::<Vec<_>>(), [0, 1, 2]);
    }
}
