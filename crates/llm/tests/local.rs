//! The local model path, with SmolLM2-135M-Instruct (`scripts/test.sh` installs it with
//! `verity models install smollm2-135m-instruct`; `VERITY_TEST_GGUF` names another file). Without the file the
//! tests fail and say how to install it: a model test that passes without its model tests nothing.

use std::path::PathBuf;

use verity_llm::local::LocalModel;
use verity_model::{ChatMessage, ChatOptions, Role};

fn model_file() -> PathBuf {
    let path = std::env::var_os("VERITY_TEST_GGUF").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf")
    });
    assert!(
        path.exists(),
        "{} is missing: run scripts/test.sh, which installs it, or set VERITY_TEST_GGUF",
        path.display()
    );
    path
}

#[test]
fn a_gguf_chat_model_loads_and_answers_in_the_primed_form_greedily_and_reproducibly() {
    let path = model_file();
    let model = LocalModel::load(&path).unwrap();
    assert!(model.name().starts_with("local:"), "{}", model.name());
    let messages = [
        ChatMessage::new(Role::System, "Answer with a JSON object with the key \"answer\"."),
        ChatMessage::new(Role::User, "What is the capital of France?"),
    ];
    let options = ChatOptions {
        max_tokens: 24,
        temperature: 0.0,
        json: true,
        prime: String::new(),
        deadline: Default::default(),
    };
    let mut pieces = Vec::new();
    let reply =
        model.chat_streaming(&messages, &options, "{\"answer\": \"", &mut |p| pieces.push(p.to_string())).unwrap();
    assert!(reply.starts_with("{\"answer\": \""), "{reply}");
    assert!(reply.len() > "{\"answer\": \"".len(), "the model generated nothing: {reply}");
    assert_eq!(pieces.concat(), reply, "the streamed pieces make the reply");
    // Greedy decoding is reproducible.
    assert_eq!(model.chat(&messages, &options, "{\"answer\": \"").unwrap(), reply);
}

#[test]
fn a_file_that_is_not_a_gguf_model_is_refused_with_a_reason() {
    let dir = std::env::temp_dir().join(format!("verity-llm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.gguf");
    std::fs::write(&path, b"not a model").unwrap();
    let err = LocalModel::load(&path).err().expect("refused").to_string();
    assert!(err.contains("not a GGUF file"), "{err}");
    let err = LocalModel::load(&dir.join("missing.gguf")).err().expect("refused").to_string();
    assert!(err.contains("verity models install"), "{err}");
}
