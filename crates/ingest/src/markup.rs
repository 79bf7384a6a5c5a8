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

/// A Markdown file as prose, read by `pulldown-cmark` (CommonMark): the text of its paragraphs, headings and list
/// items, each block apart from the next by a blank line, with link and emphasis syntax gone; code blocks and raw
/// HTML are not prose and are left out. The title is the first heading's text.
pub(crate) fn markdown(raw: &str, external_id: &str, stem: &str) -> Document {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let raw = raw.trim_start_matches('\u{feff}');
    let (mut text, mut title, mut heading, mut in_code) = (String::new(), None, None::<String>, false);
    for event in Parser::new(raw) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(t) | Event::Code(t) if !in_code => {
                text.push_str(&t);
                if let Some(heading) = heading.as_mut() {
                    heading.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => text.push('\n'),
            Event::End(TagEnd::Heading(_)) => {
                let read = heading.take().unwrap_or_default();
                if title.is_none() && !read.trim().is_empty() {
                    title = Some(read.trim().to_string());
                }
                text.push_str("\n\n");
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item) => text.push_str("\n\n"),
            _ => {}
        }
    }
    Document {
        external_id: external_id.to_string(),
        title: title.unwrap_or_else(|| stem.to_string()),
        text: collapse_blank_lines(&text),
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
