//! Readers that turn input files into [`Document`]s: JSON Lines or `.json` (Verity's own shape, BEIR
//! `corpus.jsonl`, SciFact `corpus.jsonl`, Check-COVID `corpus.json`) and folders of `.txt`, `.md` and `.html` files.
//!
//! Main items: [`plan`] lists the input files under the given paths, [`read_file`] yields one [`Record`] per
//! document or per bad record ([`Skipped`], with file, line and reason), and [`html::extract`] does main-content
//! extraction with the page's title, date and canonical URL; [`passages`] cuts a document's text into the windows
//! of whole sentences that search and the judge read.
//!
//! This crate reads files and nothing else: it does not store, index or deduplicate (the store does that by
//! content hash), and it never fails a whole file because of one bad record.
//!
//! ```
//! // Passages are windows of whole sentences, as byte spans of the text.
//! let text = "The council met. It banned cars. Shops objected.";
//! let spans = verity_ingest::passages(text);
//! assert_eq!(&text[spans[0].0..spans[0].1], text);
//! // One rule from bytes to text: this is Latin-1, and is read as such.
//! let decoded = verity_ingest::encoding::decode(b"caf\xe9", None).unwrap();
//! assert_eq!(decoded.text, "café");
//! ```

pub mod encoding;
pub mod html;
mod jsonl;
mod markup;
mod passages;

use std::fmt;
use std::path::{Path, PathBuf};

pub use passages::{MAX_PASSAGE_BYTES, PASSAGE_BYTES, passages};
pub use verity_model::Document;

/// What kind of input a file is, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    JsonLines,
    /// `.json`: an array of records, or JSON Lines.
    Json,
    Text,
    Markdown,
    Html,
}

impl InputKind {
    fn from_path(path: &Path) -> Option<InputKind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "jsonl" | "ndjson" => Some(InputKind::JsonLines),
            "json" => Some(InputKind::Json),
            "txt" => Some(InputKind::Text),
            "md" | "markdown" => Some(InputKind::Markdown),
            "html" | "htm" => Some(InputKind::Html),
            _ => None,
        }
    }
}

/// One file to read, with the root its document ids are made relative to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: PathBuf,
    pub kind: InputKind,
    pub size: u64,
    /// For files found inside a folder: that folder, so `external_id` is the relative path.
    pub root: Option<PathBuf>,
}

/// A record that could not be read, and why. The rest of the file is still read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub file: PathBuf,
    /// 1-based line for JSON Lines; `None` for whole files.
    pub line: Option<usize>,
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.reason),
            None => write!(f, "{}: {}", self.file.display(), self.reason),
        }
    }
}

/// A document read from an input, with what the user should hear about how (bytes that were not UTF-8 and were
/// replaced), if anything.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingested {
    pub document: Document,
    pub note: Option<String>,
}

impl From<Document> for Ingested {
    fn from(document: Document) -> Self {
        Ingested { document, note: None }
    }
}

pub type Record = Result<Ingested, Skipped>;

/// The note for text in which `replaced` bytes were not valid UTF-8.
pub(crate) fn replaced_note(replaced: usize) -> Option<String> {
    (replaced > 0).then(|| {
        let bytes = if replaced == 1 { "1 byte that was".to_string() } else { format!("{replaced} bytes that were") };
        format!("read as UTF-8 with {bytes} not valid UTF-8 replaced by \u{FFFD} (check the file for damage)")
    })
}

/// How many skipped records are named one by one before the rest are summarised.
pub const SKIPS_SHOWN: usize = 20;

/// What to tell the user about skipped records: the first [`SKIPS_SHOWN`] one per line, then one line counting the
/// rest by file (a binary file read as JSON Lines would otherwise print a line for each of its thousands of lines).
pub fn skip_report(skipped: &[Skipped]) -> Vec<String> {
    let mut lines: Vec<String> = skipped.iter().take(SKIPS_SHOWN).map(|s| format!("skipped {s}")).collect();
    let rest = skipped.get(SKIPS_SHOWN..).unwrap_or_default();
    if rest.is_empty() {
        return lines;
    }
    let mut by_file: Vec<(&Path, usize)> = Vec::new();
    for skip in rest {
        match by_file.iter_mut().find(|(file, _)| *file == skip.file.as_path()) {
            Some((_, n)) => *n += 1,
            None => by_file.push((&skip.file, 1)),
        }
    }
    by_file.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let shown: Vec<String> = by_file.iter().take(5).map(|(file, n)| format!("{n} in {}", file.display())).collect();
    let others = by_file.len().saturating_sub(5);
    lines.push(format!(
        "skipped {} more: {}{}",
        rest.len(),
        shown.join(", "),
        if others > 0 { format!(" and more in {others} other files") } else { String::new() }
    ));
    lines
}

/// Errors that stop planning altogether: the user named something that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: no such file or folder")]
    NotFound { path: PathBuf },
    #[error("{path}: unsupported file type; use .jsonl, .txt, .md or .html, or a folder of them")]
    Unsupported { path: PathBuf },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// Lists the input files under `paths`: files are taken as they are (by extension), folders are walked
/// recursively in a stable (sorted) order, skipping hidden entries and files of other types.
pub fn plan(paths: &[PathBuf]) -> Result<Vec<InputFile>, IngestError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|_| IngestError::NotFound { path: path.clone() })?;
        if meta.is_dir() {
            walk(path, path, &mut files)?;
        } else {
            let kind = InputKind::from_path(path).ok_or_else(|| IngestError::Unsupported { path: path.clone() })?;
            files.push(InputFile { path: path.clone(), kind, size: meta.len(), root: None });
        }
    }
    Ok(files)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<InputFile>) -> Result<(), IngestError> {
    let io = |source| IngestError::Io { path: dir.to_path_buf(), source };
    let mut entries: Vec<_> = std::fs::read_dir(dir).map_err(io)?.collect::<Result<_, _>>().map_err(io)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let meta = entry.metadata().map_err(io)?;
        if meta.is_dir() {
            walk(root, &path, out)?;
        } else if let Some(kind) = InputKind::from_path(&path) {
            out.push(InputFile { path, kind, size: meta.len(), root: Some(root.to_path_buf()) });
        }
    }
    Ok(())
}

/// Reads one input file. A file that cannot be opened yields a single [`Skipped`]. Every document comes out
/// [`normalized`], and one whose normalised text is empty is skipped. `on_bytes` is told how many bytes of the file have been consumed, for progress reporting.
pub fn read_file(file: &InputFile, on_bytes: &mut dyn FnMut(u64), sink: &mut dyn FnMut(Record)) {
    match file.kind {
        InputKind::JsonLines => jsonl::read(&file.path, on_bytes, sink),
        InputKind::Json => jsonl::read_json(&file.path, file.size, on_bytes, sink),
        kind => {
            let record = read_single(file, kind);
            on_bytes(file.size);
            sink(record);
        }
    }
}

/// A document's text as Verity reads every text ([`verity_text::normalize`]): a zero-width space inside a name
/// would otherwise hide the name from search.
pub fn normalized(mut doc: Document) -> Document {
    doc.title = verity_text::normalize(&doc.title);
    doc.text = verity_text::normalize(&doc.text);
    for field in [&mut doc.outlet, &mut doc.author] {
        if let Some(value) = field.as_mut() {
            *value = verity_text::normalize(value);
        }
    }
    doc
}

/// The largest document Verity reads, in bytes: a book is a few megabytes; past this a file is an export or a log
/// to split into documents, and one passage of it would cost every check that touches it seconds and hundreds of
/// megabytes.
pub const MAX_DOCUMENT_BYTES: u64 = 10_000_000;

/// The reason a document over [`MAX_DOCUMENT_BYTES`] is skipped.
fn too_large(bytes: u64) -> String {
    format!(
        "{:.1} MB is over the {} MB limit for one document: split it into several documents (one article, chapter or \
         record each)",
        bytes as f64 / 1e6,
        MAX_DOCUMENT_BYTES / 1_000_000
    )
}

fn read_single(file: &InputFile, kind: InputKind) -> Record {
    let skipped = |reason: String| Skipped { file: file.path.clone(), line: None, reason };
    if file.size > MAX_DOCUMENT_BYTES {
        return Err(skipped(too_large(file.size)));
    }
    let bytes = std::fs::read(&file.path).map_err(|e| skipped(format!("cannot read: {e}")))?;
    let declared = if kind == InputKind::Html { encoding::meta_charset(&bytes) } else { None };
    let decoded = encoding::decode(&bytes, declared.as_deref()).map_err(|e| skipped(e.0))?;
    let raw = decoded.text;
    let external_id = match &file.root {
        Some(root) => file.path.strip_prefix(root).unwrap_or(&file.path).to_string_lossy().replace('\\', "/"),
        None => file.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
    };
    let stem = file.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    // Emptiness is judged on the text as it will be stored: a page of zero-width spaces has no text.
    let doc = normalized(match kind {
        InputKind::Html => html::extract(&raw, &external_id, &stem),
        InputKind::Markdown => markup::markdown(&raw, &external_id, &stem),
        InputKind::Text => markup::plain(&raw, &external_id, &stem),
        InputKind::JsonLines | InputKind::Json => unreachable!("JSON files are read record by record"),
    });
    if doc.text.trim().is_empty() {
        return Err(skipped("no text found in the file".into()));
    }
    Ok(Ingested { document: doc, note: replaced_note(decoded.replaced) })
}

/// One record as JSON (the fields a JSON Lines file may carry), read into a document; the error says which field is
/// wrong.
pub fn parse_record(value: serde_json::Value) -> Result<Document, verity_model::Invalid> {
    jsonl::parse_value(value).map_err(verity_model::Invalid)
}

/// Reduces a date as sources write it to `YYYY-MM-DD` when it starts with an ISO date; otherwise keeps it.
pub fn normalize_date(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let b = raw.as_bytes();
    let iso = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    Some(if iso { raw[..10].to_string() } else { raw.to_string() })
}

#[cfg(test)]
mod tests;
