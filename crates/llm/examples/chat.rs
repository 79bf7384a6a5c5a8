//! Chat once with a local GGUF model and report its speed:
//! `cargo run --release -p verity-llm --example chat -- MODEL.gguf "question" [max_tokens]`.

use std::time::Instant;

use verity_llm::local::LocalModel;
use verity_model::{ChatMessage, ChatOptions, Role};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(question)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: chat MODEL.gguf QUESTION [MAX_TOKENS]");
        std::process::exit(2);
    };
    let max_tokens = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(128);
    let started = Instant::now();
    let model = LocalModel::load(std::path::Path::new(path)).unwrap_or_else(|e| panic!("{e}"));
    println!("loaded {} in {:.2} s", model.name(), started.elapsed().as_secs_f64());
    let messages = [ChatMessage::new(Role::User, question.as_str())];
    let options =
        ChatOptions { max_tokens, temperature: 0.0, json: false, prime: String::new(), deadline: Default::default() };
    let started = Instant::now();
    let mut first: Option<f64> = None;
    let mut pieces = 0;
    let reply = model
        .chat_streaming(&messages, &options, "", &mut |p| {
            if !p.is_empty() {
                first.get_or_insert(started.elapsed().as_secs_f64());
                pieces += 1;
            }
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let total = started.elapsed().as_secs_f64();
    println!("{reply}");
    println!(
        "first piece after {:.2} s; {pieces} pieces in {total:.2} s ({:.1}/s after the first)",
        first.unwrap_or(total),
        pieces as f64 / (total - first.unwrap_or(0.0)).max(1e-9)
    );
}
