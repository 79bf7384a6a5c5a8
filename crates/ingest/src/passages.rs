//! Passages: how a document's text is cut for search and for the judge. Windows of whole sentences, about
//! [`PASSAGE_BYTES`] long, none over [`MAX_PASSAGE_BYTES`]: a passage is what one retrieval hit brings to a check,
//! so it must hold enough context to read and never so much that one hit costs a check seconds.

/// A passage is a window of whole sentences of about this many bytes.
pub const PASSAGE_BYTES: usize = 600;
const PASSAGE_MAX_SENTENCES: usize = 4;
/// The most one passage holds: a "sentence" longer than this (a line with no full stops, a table, a log) is cut
/// at spaces into pieces of about [`PASSAGE_BYTES`], so one passage never costs a check more than a few sentences.
pub const MAX_PASSAGE_BYTES: usize = 2_000;

/// Splits a text into passages: windows of whole sentences, about [`PASSAGE_BYTES`] long, none over
/// [`MAX_PASSAGE_BYTES`].
pub fn passages(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, usize, usize)> = None; // start, end, sentences
    for span in verity_text::sentences(text) {
        if span.end - span.start > MAX_PASSAGE_BYTES {
            out.extend(current.take().map(|(start, end, _)| (start, end)));
            out.extend(pieces(text, span.start, span.end));
            continue;
        }
        current = match current {
            Some((start, _, n)) if span.end - start <= PASSAGE_BYTES && n < PASSAGE_MAX_SENTENCES => {
                Some((start, span.end, n + 1))
            }
            Some((start, end, _)) => {
                out.push((start, end));
                Some((span.start, span.end, 1))
            }
            None => Some((span.start, span.end, 1)),
        };
    }
    if let Some((start, end, _)) = current {
        out.push((start, end));
    }
    out
}

/// Cuts `text[start..end]` into pieces of at most [`PASSAGE_BYTES`], at the last space before the limit (or, in a
/// run with no space, at the last character boundary), without the spaces between pieces.
fn pieces(text: &str, mut start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    while start < end {
        let mut cut = (start + PASSAGE_BYTES).min(end);
        if cut < end {
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            if let Some(space) = text[start..cut].rfind(char::is_whitespace).filter(|at| *at > 0) {
                cut = start + space;
            }
        }
        out.push((start, cut));
        start = cut + text[cut..end].len() - text[cut..end].trim_start().len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line with no full stops (a 52 MB log line once became one passage that every check then read whole) is cut at
    /// spaces into passages of ordinary size; ordinary prose stays windows of whole sentences.
    #[test]
    fn passages_are_windows_of_whole_sentences_and_none_is_oversized() {
        let check = |text: &str| -> Vec<String> {
            passages(text).into_iter().map(|(start, end)| text[start..end].to_string()).collect()
        };
        let prose = "The council met. It banned cars. Shops objected. Residents cheered. The mayor left.";
        assert_eq!(
            check(prose),
            ["The council met. It banned cars. Shops objected. Residents cheered.", "The mayor left."]
        );

        let long = vec!["wörd"; 1_000].join(" ");
        let endless = format!("Before. Then {long} after.");
        let pieces = check(&endless);
        assert!(pieces.iter().all(|p| p.len() <= 600 && !p.starts_with(' ') && !p.ends_with(' ')), "{pieces:?}");
        assert_eq!(pieces.join(" "), endless);
        assert!((11..=13).contains(&pieces.len()), "{}", pieces.len());
        let unbroken = "x".repeat(5_000);
        assert_eq!(
            check(&unbroken).iter().map(String::len).collect::<Vec<_>>(),
            [600; 8].into_iter().chain([200]).collect::<Vec<_>>()
        );
    }
}
