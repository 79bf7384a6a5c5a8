//! Plain text and Markdown files: the title is the first heading (Markdown) or a short first line (text),
//! else the file name.

use crate::Document;

pub(crate) fn plain(raw: &str, external_id: &str, stem: &str) -> Document {
    let raw = raw.trim_start_matches('\u{feff}');
    let first = raw.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let is_title = !first.is_empty() && first.len() <= 120 && !first.ends_with(['.', ',', ';', ':']);
    let title = if is_title { first.to_string() } else { stem.to_string() };
    Document {
        external_id: external_id.to_string(),
        title,
        text: raw.trim().to_string(),
        url: None,
        outlet: None,
        published: None,
        author: None,
    }
}

pub(crate) fn markdown(raw: &str, external_id: &str, stem: &str) -> Document {
    let raw = raw.trim_start_matches('\u{feff}');
    let mut lines: Vec<String> = Vec::new();
    let mut title = None;
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
        if is_heading && title.is_none() && !content.is_empty() {
            title = Some(content.clone());
        }
        lines.push(content);
        if is_heading || is_item {
            // Headings and list items stand alone: a blank line keeps them from running into the next line.
            lines.push(String::new());
        }
    }
    Document {
        external_id: external_id.to_string(),
        title: title.unwrap_or_else(|| stem.to_string()),
        text: collapse_blank_lines(&lines.join("\n")),
        url: None,
        outlet: None,
        published: None,
        author: None,
    }
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
            let opens = next.is_some_and(|n| !n.is_whitespace()) && prev.is_none_or(|p| p.is_whitespace() || p == '(');
            let closes = prev.is_some_and(|p| !p.is_whitespace()) && next.is_none_or(|n| !n.is_alphanumeric());
            if opens || closes {
                continue;
            }
        }
        out.push(*c);
    }
    out
}
