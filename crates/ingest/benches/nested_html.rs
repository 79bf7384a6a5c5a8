//! How long reading a page takes as its elements nest deeper (issue #14 item 2): `cargo bench -p verity-ingest`.
//! Pages deeper than `html::MAX_NESTING` are read by the tokenizer alone, so time should grow with size, not with
//! depth times size. Prints one Markdown table row per depth.

use std::time::Instant;

use verity_ingest::html;

fn main() {
    println!("| nesting depth | page size | read as | time (best of 3) |");
    println!("|---|---|---|---|");
    for depth in [100, 500, 1_000, 3_000, 10_000, 20_000, 100_000] {
        let page = format!(
            "<html><head><title>Nested</title></head><body>{}<p>The council banned cars downtown.</p>{}</body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let mut best = f64::INFINITY;
        let mut flattened = false;
        for _ in 0..3 {
            let started = Instant::now();
            let read = html::read(&page, "nested.html", "nested");
            best = best.min(started.elapsed().as_secs_f64());
            flattened = read.note.is_some();
            assert!(read.document.text.contains("banned cars"));
        }
        let how = if flattened { "plain text" } else { "article" };
        println!("| {depth} | {} KB | {how} | {:.1} ms |", page.len() / 1024, best * 1e3);
    }
}
