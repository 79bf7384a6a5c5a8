//! Bytes to text, by one rule for every input: files of every format and pages from the web.
//!
//! In order: a byte-order mark; else the encoding the input declares (an HTTP `charset`, a `<meta charset>`),
//! unless it is UTF-8 and the bytes are not; else UTF-8 when the bytes are valid UTF-8, or mostly so (a stray
//! invalid byte among UTF-8 characters is replaced with U+FFFD and counted, rather than the whole file read as
//! Latin-1 mojibake); else the encoding `chardetng` guesses (Latin-1 and Windows-1252 archives, Shift_JIS, GBK, ...). Whatever was decoded, text with NUL
//! characters or many other control characters is not text (an executable, an image, a compressed file named
//! `.txt`) and is refused with a reason, never stored as replacement characters.

use encoding_rs::{Encoding, UTF_8};

/// Text decoded from bytes, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// The encoding used, by its WHATWG name (`UTF-8`, `windows-1252`, ...).
    pub encoding: &'static str,
    /// True when nothing marked or declared the encoding and the bytes were not UTF-8: the encoding is a guess.
    pub guessed: bool,
    /// Bytes that were not valid UTF-8 in text read as UTF-8, each replaced with U+FFFD; the caller reports them.
    pub replaced: usize,
}

/// How many control characters (other than tab, line breaks and form feed) text may hold before it is taken for
/// binary: one in twenty characters of the first [`SAMPLE_CHARS`] (binary formats run to one in eight and more).
const CONTROL_SHARE: f64 = 0.05;
const SAMPLE_CHARS: usize = 65_536;

/// Decodes `bytes` by the rule in the module's documentation. `declared` is the label the input names for itself
/// (`"iso-8859-1"`, `"utf-8"`), if any. The error says why the bytes are not text.
pub fn decode(bytes: &[u8], declared: Option<&str>) -> Result<Decoded, verity_model::Invalid> {
    let decoded = pick(bytes, declared);
    refuse_binary(&decoded.text).map_err(verity_model::Invalid)?;
    Ok(decoded)
}

fn pick(bytes: &[u8], declared: Option<&str>) -> Decoded {
    let decoded = |encoding: &'static Encoding, bytes: &[u8], guessed: bool| Decoded {
        text: encoding.decode_without_bom_handling(bytes).0.into_owned(),
        encoding: encoding.name(),
        guessed,
        replaced: 0,
    };
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return decoded(encoding, &bytes[bom_len..], false);
    }
    let declared = declared.and_then(|label| Encoding::for_label(label.trim().trim_matches(['"', '\'']).as_bytes()));
    let utf8 = std::str::from_utf8(bytes).is_ok();
    match declared {
        // A page that says UTF-8 but is not (a common server default) is guessed like an undeclared one.
        Some(encoding) if encoding != UTF_8 || utf8 => return decoded(encoding.output_encoding(), bytes, false),
        _ => {}
    }
    if utf8 {
        return decoded(UTF_8, bytes, false);
    }
    if let Some(replaced) = mostly_utf8(bytes) {
        let text = String::from_utf8_lossy(bytes).into_owned();
        return Decoded { text, encoding: UTF_8.name(), guessed: false, replaced };
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    decoded(detector.guess(None, false), bytes, true)
}

/// The number of invalid bytes when `bytes` are UTF-8 with a few of them damaged: more well-formed multi-byte
/// characters than invalid bytes. A Latin-1 or Windows-1252 file has no multi-byte characters (its accented letters
/// are single invalid bytes), so it fails this and is guessed as the whole it is.
fn mostly_utf8(bytes: &[u8]) -> Option<usize> {
    let (mut multibyte, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        invalid += chunk.invalid().len();
    }
    (multibyte > invalid).then_some(invalid)
}

fn refuse_binary(text: &str) -> Result<(), String> {
    let (mut chars, mut controls) = (0usize, 0usize);
    for c in text.chars().take(SAMPLE_CHARS) {
        chars += 1;
        if c == '\0' {
            return Err("not text: it holds NUL bytes (a binary file?)".into());
        }
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}') {
            controls += 1;
        }
    }
    if chars > 0 && controls as f64 / chars as f64 > CONTROL_SHARE {
        return Err(format!(
            "not text: {controls} of its first {chars} characters are control characters (a binary file?)"
        ));
    }
    Ok(())
}

/// The charset a page names in its first kilobyte (`<meta charset="...">` or `<meta http-equiv ... charset=...>`).
pub fn meta_charset(bytes: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let label: String = head[at..]
        .chars()
        .skip_while(|c| *c == '"' || *c == '\'')
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect();
    (!label.is_empty()).then_some(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `bytes` (declaring `declared`) and returns the text and encoding, or the reason for refusing.
    fn check(bytes: &[u8], declared: Option<&str>) -> Result<(String, &'static str, bool), String> {
        decode(bytes, declared).map(|d| (d.text, d.encoding, d.guessed)).map_err(|e| e.0)
    }

    #[test]
    fn each_input_is_decoded_by_the_one_rule() {
        let ok = |text: &str, encoding, guessed| Ok((text.to_string(), encoding, guessed));
        assert_eq!(check("Café au lait".as_bytes(), None), ok("Café au lait", "UTF-8", false));
        let latin1 = b"Le minist\xe8re a d\xe9menti la r\xe9forme des retraites \xe0 l'Assembl\xe9e nationale.";
        assert_eq!(
            check(latin1, None),
            ok("Le ministère a démenti la réforme des retraites à l'Assemblée nationale.", "windows-1252", true)
        );
        // A declared charset is taken as it is; a UTF-8 declaration the bytes contradict is ignored.
        assert_eq!(check(b"na\xefve", Some("ISO-8859-1")), ok("naïve", "windows-1252", false));
        assert_eq!(check(latin1, Some("utf-8")).unwrap().1, "windows-1252");
        // A byte-order mark wins over everything, and is not part of the text.
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("Hi é".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(check(&utf16, Some("utf-8")), ok("Hi é", "UTF-16LE", false));
        assert_eq!(check(b"\xEF\xBB\xBFplain", None), ok("plain", "UTF-8", false));
    }

    #[test]
    fn a_stray_invalid_byte_in_utf8_is_replaced_not_read_as_latin1() {
        let damaged = "Le café du ministère, où l'été dure.\n".repeat(3).into_bytes();
        let mut damaged = damaged;
        damaged.insert(11, 0xFF);
        let decoded = decode(&damaged, None).unwrap();
        assert_eq!((decoded.encoding, decoded.guessed, decoded.replaced), ("UTF-8", false, 1));
        assert!(decoded.text.starts_with("Le café du\u{FFFD} ministère"), "{}", decoded.text);
        // Declared UTF-8 and mostly so: the same.
        assert_eq!(decode(&damaged, Some("utf-8")).unwrap().replaced, 1);
        // Latin-1 has no multi-byte characters: it is still read as the whole it is, and nothing is "replaced".
        let latin1 = b"Le caf\xe9 du minist\xe8re, o\xf9 l'\xe9t\xe9 dure.";
        let decoded = decode(latin1, None).unwrap();
        assert_eq!((decoded.text.as_str(), decoded.replaced), ("Le café du ministère, où l'été dure.", 0));
        // A lone invalid byte in ASCII text is a Latin-1 letter, not damage.
        assert_eq!(decode(b"caf\xe9", None).unwrap().text, "café");
    }

    #[test]
    fn binary_is_refused_with_a_reason() {
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0";
        assert!(check(elf, None).unwrap_err().contains("NUL bytes"));
        let noise: Vec<u8> = (0u8..=255).filter(|b| *b != 0).cycle().take(4096).collect();
        assert!(check(&noise, None).unwrap_err().starts_with("not text:"));
        // Text with a stray escape or two is still text.
        assert!(check("Colour \u{1b}[1mbold\u{1b}[0m in a log line that goes on for a while".as_bytes(), None).is_ok());
    }

    #[test]
    fn meta_charset_is_read_from_the_head() {
        assert_eq!(meta_charset(b"<html><head><meta charset=\"ISO-8859-1\">").as_deref(), Some("iso-8859-1"));
        assert_eq!(
            meta_charset(b"<meta http-equiv=Content-Type content='text/html; charset=windows-1251'>").as_deref(),
            Some("windows-1251")
        );
        assert_eq!(meta_charset(b"<p>no charset here</p>"), None);
    }
}
