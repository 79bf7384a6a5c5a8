//! Markdown as Verity read it until #27 (a line-based reader: fences, `#` headings, list markers, inline links and
//! emphasis stripped by hand; kept below as `line_based`) against how it reads it now (`pulldown-cmark`, through
//! `read_file`), on the files given: how many documents differ, the first line that does, and the speed of each.
//! This measurement chose the crate (ARCHITECTURE.md, crates/ingest).
//! Run: `cargo run --release -p verity-ingest --example markdown -- FILE.md|FOLDER ...`

use std::path::PathBuf;
use std::time::Instant;

fn now(file: &verity_ingest::InputFile) -> String {
    let mut text = String::new();
    verity_ingest::read_file(file, &mut |_| {}, &mut |record| {
        if let Ok(ingested) = record {
            text = ingested.document.text;
        }
    });
    text
}

fn main() {
    let paths: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let files = verity_ingest::plan(&paths).expect("readable paths");
    let raws: Vec<String> = files.iter().map(|f| std::fs::read_to_string(&f.path).expect("UTF-8 files")).collect();
    let bytes: usize = raws.iter().map(String::len).sum();
    let (mut differ, mut before_s, mut now_s) = (0, 0.0, 0.0);
    for (file, raw) in files.iter().zip(&raws) {
        let started = Instant::now();
        let before = line_based::markdown(raw);
        before_s += started.elapsed().as_secs_f64();
        let started = Instant::now();
        let after = now(file);
        now_s += started.elapsed().as_secs_f64();
        let (a, b): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
        if a != b {
            differ += 1;
            let at = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
            println!("{}: differs at line {at}", file.path.display());
            println!("  line-based: {:?}", a.get(at).copied().unwrap_or("(end)"));
            println!("  commonmark: {:?}", b.get(at).copied().unwrap_or("(end)"));
        }
    }
    let mb = bytes as f64 / 1e6;
    println!(
        "{} files, {:.2} MB: {differ} read differently; line-based {:.0} MB/s, pulldown-cmark {:.0} MB/s (reading the file included)",
        files.len(),
        mb,
        mb / before_s,
        mb / now_s
    );
}

/// The reader as it was (crates/ingest/src/markup.rs before #27), its title left out.
mod line_based {
    pub(super) fn markdown(raw: &str) -> String {
        let raw = raw.trim_start_matches('\u{feff}');
        let mut lines: Vec<String> = Vec::new();
        let mut in_fence = false;
        for line in raw.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with("```") {
                in_fence = !in_fence;
                continue;
            }
            if in_fence {
                continue;
            }
            let heading = trimmed.trim_start_matches('#');
            let is_heading = heading.len() < trimmed.len() && (heading.is_empty() || heading.starts_with(' '));
            let is_item =
                !is_heading && (trimmed.starts_with("- ") || trimmed.starts_with("* ") || trimmed.starts_with("+ "));
            let content =
                if is_heading { heading.trim() } else { trimmed.trim_start_matches(['>', '*', '-', '+']).trim_start() };
            let content = strip_inline(content);
            lines.push(content);
            if is_heading || is_item {
                // Headings and list items stand alone: a blank line keeps them from running into the next line.
                lines.push(String::new());
            }
        }
        collapse_blank_lines(&lines.join("\n"))
    }

    fn collapse_blank_lines(text: &str) -> String {
        let mut out = text.trim().to_string();
        while out.contains("\n\n\n") {
            out = out.replace("\n\n\n", "\n\n");
        }
        out
    }

    /// Removes inline Markdown: links keep their text, emphasis marks and code ticks go.
    fn strip_inline(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(open) = rest.find('[') {
            let after = &rest[open + 1..];
            match (after.find("]("), after.find(']')) {
                (Some(close), Some(first_close)) if close == first_close => {
                    let tail = &after[close + 2..];
                    if let Some(paren) = tail.find(')') {
                        out.push_str(rest[..open].trim_end_matches('!'));
                        out.push_str(&after[..close]);
                        rest = &tail[paren + 1..];
                        continue;
                    }
                    out.push_str(&rest[..=open]);
                    rest = after;
                }
                _ => {
                    out.push_str(&rest[..=open]);
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        let out = out.replace("**", "").replace("__", "").replace('`', "");
        strip_single_emphasis(&out)
    }

    /// Removes `*word*` emphasis marks (not a lone asterisk in "5 * 3").
    fn strip_single_emphasis(s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        let mut out = String::with_capacity(s.len());
        for (i, c) in chars.iter().enumerate() {
            if *c == '*' {
                let prev = i.checked_sub(1).map(|j| chars[j]);
                let next = chars.get(i + 1).copied();
                let opens =
                    next.is_some_and(|n| !n.is_whitespace()) && prev.is_none_or(|p| p.is_whitespace() || p == '(');
                let closes = prev.is_some_and(|p| !p.is_whitespace()) && next.is_none_or(|n| !n.is_alphanumeric());
                if opens || closes {
                    continue;
                }
            }
            out.push(*c);
        }
        out
    }
}
