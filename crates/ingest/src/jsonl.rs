//! JSON records: one document per line (JSON Lines), or a `.json` file holding either JSON Lines or one array of
//! records. Each record may take any of these shapes:
//!
//! - Verity: `id`, `title`, `text`, optional `url`, `outlet`, `published`, `author`;
//! - BEIR: `_id`, `title`, `text` (extra keys such as `metadata` are ignored);
//! - SciFact: `doc_id`, `title`, `abstract` (a list of sentences, joined with single spaces);
//! - CORD-19 / Check-COVID: `cord_id`, `title`, `abstract`.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde_json::Value;

use crate::{
    Document, Ingested, MAX_DOCUMENT_BYTES, Record, Skipped, encoding, normalize_date, normalized, replaced_note,
    too_large,
};

pub(crate) fn read(path: &Path, on_bytes: &mut dyn FnMut(u64), sink: &mut dyn FnMut(Record)) {
    let skipped = |line: Option<usize>, reason: String| Skipped { file: path.to_path_buf(), line, reason };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return sink(Err(skipped(None, format!("cannot open: {e}")))),
    };
    let mut reader = BufReader::new(file);
    let mut buf = Vec::new();
    let mut consumed = 0u64;
    let mut line_no = 0usize;
    loop {
        buf.clear();
        // One byte past the limit is enough to know a record is too large; the rest of its line is passed over
        // without holding it in memory.
        let n = match (&mut reader).take(MAX_DOCUMENT_BYTES + 1).read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(n) => n as u64,
            Err(e) => return sink(Err(skipped(Some(line_no + 1), format!("read error: {e}")))),
        };
        line_no += 1;
        consumed += n;
        if buf.last() != Some(&b'\n') && n > MAX_DOCUMENT_BYTES {
            let rest = match skip_line(&mut reader) {
                Ok(rest) => rest,
                Err(e) => return sink(Err(skipped(Some(line_no), format!("read error: {e}")))),
            };
            consumed += rest;
            on_bytes(consumed);
            sink(Err(skipped(Some(line_no), too_large(n + rest))));
            continue;
        }
        on_bytes(consumed);
        // JSON is UTF-8; a line that is not is read by the rule every input follows (a Latin-1 export), and only
        // bytes that are not text at all are skipped.
        let decoded;
        let mut replaced = 0;
        let line = match std::str::from_utf8(&buf) {
            Ok(s) => s.trim(),
            Err(_) => match encoding::decode(&buf, None) {
                Ok(d) => {
                    (decoded, replaced) = (d.text, d.replaced);
                    decoded.trim()
                }
                Err(reason) => {
                    sink(Err(skipped(Some(line_no), reason.0)));
                    continue;
                }
            },
        };
        if line.is_empty() {
            continue;
        }
        let note = replaced_note(replaced).map(|note| format!("line {line_no}: {note}"));
        sink(
            parse_line(line)
                .map(|document| Ingested { document, note })
                .map_err(|reason| skipped(Some(line_no), reason)),
        );
    }
}

/// Passes over the rest of the current line; returns how many bytes that was.
fn skip_line(reader: &mut impl BufRead) -> std::io::Result<u64> {
    let mut skipped = 0u64;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(skipped);
        }
        match buf.iter().position(|b| *b == b'\n') {
            Some(at) => {
                reader.consume(at + 1);
                return Ok(skipped + at as u64 + 1);
            }
            None => {
                let n = buf.len();
                reader.consume(n);
                skipped += n as u64;
            }
        }
    }
}

/// Reads a `.json` file: an array of records, or JSON Lines under another name (as Check-COVID's `corpus.json`).
pub(crate) fn read_json(path: &Path, size: u64, on_bytes: &mut dyn FnMut(u64), sink: &mut dyn FnMut(Record)) {
    let skipped = |line: Option<usize>, reason: String| Skipped { file: path.to_path_buf(), line, reason };
    let first = match std::fs::File::open(path).and_then(|f| first_non_space(BufReader::new(f))) {
        Ok(b) => b,
        Err(e) => return sink(Err(skipped(None, format!("cannot open: {e}")))),
    };
    if first != Some(b'[') {
        return read(path, on_bytes, sink);
    }
    let records: Vec<Value> = match std::fs::File::open(path)
        .map_err(|e| format!("cannot open: {e}"))
        .and_then(|f| serde_json::from_reader(BufReader::new(f)).map_err(|e| format!("invalid JSON array: {e}")))
    {
        Ok(records) => records,
        Err(reason) => return sink(Err(skipped(None, reason))),
    };
    on_bytes(size);
    for (i, value) in records.into_iter().enumerate() {
        // For an array, "line" is the record's 1-based position in it.
        sink(parse_value(value).map(Ingested::from).map_err(|reason| skipped(Some(i + 1), reason)));
    }
}

fn first_non_space(mut reader: impl BufRead) -> std::io::Result<Option<u8>> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        if let Some(&b) = buf.iter().find(|b| !b.is_ascii_whitespace()) {
            return Ok(Some(b));
        }
        let n = buf.len();
        reader.consume(n);
    }
}

pub(crate) fn parse_line(line: &str) -> Result<Document, String> {
    parse_value(serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?)
}

pub(crate) fn parse_value(value: Value) -> Result<Document, String> {
    let Value::Object(obj) = value else {
        return Err("expected a JSON object per record".into());
    };
    let id = ["id", "_id", "doc_id", "cord_id"]
        .iter()
        .find_map(|k| obj.get(*k))
        .ok_or("missing document id: expected `id`, `_id`, `doc_id` or `cord_id`")?;
    let external_id = match id {
        Value::String(s) if !s.trim().is_empty() => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return Err("the document id must be a non-empty string or a number".into()),
    };
    let text = match (obj.get("text"), obj.get("abstract")) {
        (Some(Value::String(s)), _) => s.clone(),
        (_, Some(Value::Array(sentences))) => {
            let parts: Option<Vec<&str>> = sentences.iter().map(Value::as_str).collect();
            parts.ok_or("`abstract` must be a list of strings")?.iter().map(|s| s.trim()).collect::<Vec<_>>().join(" ")
        }
        (_, Some(Value::String(s))) => s.clone(),
        (Some(_), _) => return Err("`text` must be a string".into()),
        (None, _) => return Err("missing `text` (or SciFact's `abstract`)".into()),
    };
    if text.trim().is_empty() {
        return Err("`text` is empty".into());
    }
    if text.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(too_large(text.len() as u64));
    }
    let optional = |key: &str| -> Result<Option<String>, String> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(_) => Err(format!("`{key}` must be a string")),
        }
    };
    let doc = normalized(Document {
        external_id,
        title: optional("title")?.unwrap_or_default(),
        text,
        url: optional("url")?,
        outlet: optional("outlet")?,
        published: optional("published")?.and_then(|d| normalize_date(&d)),
        author: optional("author")?,
    });
    // Judged on the text as it will be stored: text of invisible characters only is no text.
    if doc.text.trim().is_empty() {
        return Err("`text` is empty".into());
    }
    Ok(doc)
}
